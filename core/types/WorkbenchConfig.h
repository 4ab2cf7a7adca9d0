#pragma once

#include <QObject>
#include <QStringList>
#include <QVariant>
#include <memory>

class QSettings;

namespace evolq {

// The workbench's persistent settings in one typed place (QSettings underneath): enum keys, one
// defaults table, a changed() signal. Recent lists are most-recent-first and capped.
class WorkbenchConfig : public QObject {
    Q_OBJECT
public:
    enum Key {
        WindowGeometry,
        WindowState,
        RecentModels,
        RecentCalibDirs,
        RecentValDirs,
        LastQuantConfig,        // QJsonObject as in QuantConfig::toJson
        LastSearchSettings,     // QJsonObject as in SearchSettings::toJson
        LastLandscapeSettings,  // QJsonObject as in LandscapeSettings::toJson
        LastExportDir,
        LastExportFormat,  // "native", "aimet", "csv"
        LastImportDir,
        KeyCount
    };
    static constexpr int MaxRecent = 8;

    // Uses the application's QSettings location; `iniFile` (for tests) an INI file instead.
    explicit WorkbenchConfig(const QString& iniFile = QString(), QObject* parent = nullptr);
    ~WorkbenchConfig() override;

    QVariant get(Key key) const;
    void set(Key key, const QVariant& value);
    QStringList recent(Key key) const;
    // Moves `path` to the front of a recent list.
    void addRecent(Key key, const QString& path);
    static QString keyName(Key key);
    void sync();

Q_SIGNALS:
    void changed(evolq::WorkbenchConfig::Key key);

private:
    std::unique_ptr<QSettings> m_settings;
};

}  // namespace evolq
