#include "CliArgs.h"

#include <QCoreApplication>
#include <cstdio>

#include "common/Error.h"

namespace evolq::cli {

CliArgs::CliArgs(const QString& command, const QString& summary) : m_command(command) {
    m_p.setApplicationDescription(summary);
    m_p.addHelpOption();
    m_p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
}

void CliArgs::option(const QString& name, const QString& help, const QString& valueName,
                     const QString& def) {
    QCommandLineOption o(name, help, valueName.isEmpty() ? QString("value") : valueName);
    if (!def.isEmpty()) o.setDefaultValue(def);
    m_p.addOption(o);
}

void CliArgs::flag(const QString& name, const QString& help) {
    m_p.addOption(QCommandLineOption(name, help));
}

void CliArgs::positional(const QString& name, const QString& help) {
    m_p.addPositionalArgument(name, help);
}

bool CliArgs::parse(const QStringList& args) {
    if (!m_p.parse(QStringList{"evolq " + m_command} + args))
        throw Error(QString("evolq %1: %2 (see evolq %1 --help)").arg(m_command, m_p.errorText()));
    if (m_p.isSet("help")) {
        std::fputs(helpText().toLocal8Bit().constData(), stdout);
        return false;
    }
    return true;
}

QString CliArgs::helpText() const {
    QString text = m_p.helpText();
    const QString argv0 = QCoreApplication::arguments().value(0);
    if (!argv0.isEmpty()) text.replace("Usage: " + argv0, "Usage: evolq " + m_command);
    return text;
}

QString CliArgs::required(const QString& name) const {
    if (!m_p.isSet(name) && m_p.value(name).isEmpty())
        throw Error(
            QString("evolq %1: --%2 is required (see evolq %1 --help)").arg(m_command, name));
    return m_p.value(name);
}

int CliArgs::integer(const QString& name, int min, int max) const {
    bool ok = false;
    const int v = m_p.value(name).toInt(&ok);
    if (!ok || v < min || v > max)
        throw Error(QString("evolq %1: --%2 must be a whole number from %3 to %4, not '%5'")
                        .arg(m_command, name)
                        .arg(min)
                        .arg(max)
                        .arg(m_p.value(name)));
    return v;
}

double CliArgs::number(const QString& name, double min, double max) const {
    bool ok = false;
    const double v = m_p.value(name).toDouble(&ok);
    if (!ok || !(v >= min && v <= max))
        throw Error(QString("evolq %1: --%2 must be a number from %3 to %4, not '%5'")
                        .arg(m_command, name)
                        .arg(min)
                        .arg(max)
                        .arg(m_p.value(name)));
    return v;
}

}  // namespace evolq::cli
