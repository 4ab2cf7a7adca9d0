#include "types/WorkbenchConfig.h"

#include <QDir>
#include <QJsonObject>
#include <QSettings>

namespace evolq {

namespace {

struct Entry {
    WorkbenchConfig::Key key;
    const char* name;
    QVariant defaultValue;
};

const Entry& entryOf(WorkbenchConfig::Key key) {
    static const Entry table[WorkbenchConfig::KeyCount] = {
        {WorkbenchConfig::WindowGeometry, "window/geometry", QByteArray()},
        {WorkbenchConfig::WindowState, "window/state", QByteArray()},
        {WorkbenchConfig::RecentModels, "recent/models", QStringList()},
        {WorkbenchConfig::RecentCalibDirs, "recent/calib", QStringList()},
        {WorkbenchConfig::RecentValDirs, "recent/val", QStringList()},
        {WorkbenchConfig::LastQuantConfig, "last/quant", QJsonObject()},
        {WorkbenchConfig::LastSearchSettings, "last/search", QJsonObject()},
        {WorkbenchConfig::LastLandscapeSettings, "last/landscape", QJsonObject()},
        {WorkbenchConfig::LastExportDir, "last/exportDir", QString()},
        {WorkbenchConfig::LastExportFormat, "last/exportFormat", QString("native")},
        {WorkbenchConfig::LastImportDir, "last/importDir", QString()},
    };
    return table[key];
}

}  // namespace

WorkbenchConfig::WorkbenchConfig(const QString& iniFile, QObject* parent)
    : QObject(parent),
      m_settings(iniFile.isEmpty() ? std::make_unique<QSettings>()
                                   : std::make_unique<QSettings>(iniFile, QSettings::IniFormat)) {}

WorkbenchConfig::~WorkbenchConfig() = default;

QString WorkbenchConfig::keyName(Key key) {
    return entryOf(key).name;
}

QVariant WorkbenchConfig::get(Key key) const {
    const Entry& e = entryOf(key);
    const QVariant v = m_settings->value(e.name, e.defaultValue);
    // JSON objects are stored as maps.
    if (e.defaultValue.typeId() == QMetaType::QJsonObject)
        return QJsonObject::fromVariantMap(v.toMap());
    return v;
}

void WorkbenchConfig::set(Key key, const QVariant& value) {
    const Entry& e = entryOf(key);
    const QVariant stored = value.typeId() == QMetaType::QJsonObject
                                ? QVariant(value.toJsonObject().toVariantMap())
                                : value;
    if (m_settings->value(e.name) == stored) return;
    m_settings->setValue(e.name, stored);
    Q_EMIT changed(key);
}

QStringList WorkbenchConfig::recent(Key key) const {
    return get(key).toStringList();
}

void WorkbenchConfig::addRecent(Key key, const QString& path) {
    if (path.isEmpty()) return;
    const QString p = QDir::cleanPath(path);
    QStringList list = recent(key);
    list.removeAll(p);
    list.prepend(p);
    while (list.size() > MaxRecent) list.removeLast();
    set(key, list);
}

void WorkbenchConfig::sync() {
    m_settings->sync();
}

}  // namespace evolq
