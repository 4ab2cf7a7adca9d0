#pragma once

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

namespace evolq::cli {

// QCommandLineParser with typed getters that turn bad values into clear errors (evolq::Error).
class CliArgs {
public:
    CliArgs(const QString& command, const QString& summary);
    void option(const QString& name, const QString& help, const QString& valueName = {},
                const QString& defaultValue = {});
    void flag(const QString& name, const QString& help);
    void positional(const QString& name, const QString& help);
    // Parses; returns false when --help was asked (help already printed).
    bool parse(const QStringList& args);

    bool isSet(const QString& name) const { return m_p.isSet(name); }
    QString str(const QString& name) const { return m_p.value(name); }
    QString required(const QString& name) const;
    int integer(const QString& name, int min, int max) const;
    double number(const QString& name, double min, double max) const;
    QStringList positionals() const { return m_p.positionalArguments(); }
    // The help, its usage line naming `evolq <command>` rather than the binary's path.
    QString helpText() const;

private:
    QString m_command;
    QCommandLineParser m_p;
};

}  // namespace evolq::cli
