#include <QJsonArray>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "types/QuantConfig.h"
#include "types/Settings.h"
#include "types/WorkbenchConfig.h"

using namespace evolq;
using Key = WorkbenchConfig::Key;

Q_DECLARE_METATYPE(evolq::WorkbenchConfig::Key)

class TestWorkbenchConfig : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    int m_files = 0;
    QString freshIni() { return m_dir.filePath(QString("config-%1.ini").arg(++m_files)); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        qRegisterMetaType<evolq::WorkbenchConfig::Key>();
    }

    void everyKeyHasADefault() {
        WorkbenchConfig c(freshIni());
        QCOMPARE(c.get(WorkbenchConfig::WindowGeometry).toByteArray(), QByteArray());
        QCOMPARE(c.get(WorkbenchConfig::WindowState).toByteArray(), QByteArray());
        for (Key k : {WorkbenchConfig::RecentModels, WorkbenchConfig::RecentCalibDirs,
                      WorkbenchConfig::RecentValDirs}) {
            QCOMPARE(c.get(k).toStringList(), QStringList());
            QCOMPARE(c.recent(k), QStringList());
        }
        for (Key k : {WorkbenchConfig::LastQuantConfig, WorkbenchConfig::LastSearchSettings,
                      WorkbenchConfig::LastLandscapeSettings}) {
            QCOMPARE(c.get(k).typeId(), QMetaType::QJsonObject);
            QVERIFY(c.get(k).toJsonObject().isEmpty());
        }
        QCOMPARE(c.get(WorkbenchConfig::LastExportDir).toString(), QString());
        QCOMPARE(c.get(WorkbenchConfig::LastExportFormat).toString(), QString("native"));
        QCOMPARE(c.get(WorkbenchConfig::LastImportDir).toString(), QString());
        // Every key has its own name, and reading the defaults wrote nothing.
        QSet<QString> names;
        for (int k = 0; k < WorkbenchConfig::KeyCount; ++k) {
            const QString name = WorkbenchConfig::keyName(static_cast<Key>(k));
            QVERIFY2(!name.isEmpty(), qPrintable(QString::number(k)));
            names.insert(name);
        }
        QCOMPARE(names.size(), int(WorkbenchConfig::KeyCount));
        c.sync();
        QSettings raw(m_dir.filePath(QString("config-%1.ini").arg(m_files)), QSettings::IniFormat);
        QVERIFY(raw.allKeys().isEmpty());
    }

    void roundTripThroughTheIniFile() {
        const QString ini = freshIni();
        QuantConfig q;
        q.weightBits = 3;
        q.actObserver = ObserverKind::Percentile;
        q.seed = 42;
        SearchSettings s;
        s.passes = 7;
        s.fitness.loss = LossKind::Kl;
        s.relativeMutation = true;
        LandscapeSettings l;
        l.dims = 2;
        l.points = 9;
        l.setDirection("channel:3");
        const QByteArray geometry("\x01\x02\x00\xffgeometry", 12), state("state bytes");
        {
            WorkbenchConfig c(ini);
            c.set(WorkbenchConfig::WindowGeometry, geometry);
            c.set(WorkbenchConfig::WindowState, state);
            c.set(WorkbenchConfig::LastQuantConfig, q.toJson());
            c.set(WorkbenchConfig::LastSearchSettings, s.toJson());
            c.set(WorkbenchConfig::LastLandscapeSettings, l.toJson());
            c.set(WorkbenchConfig::LastExportDir, "/some/export dir");
            c.set(WorkbenchConfig::LastExportFormat, "aimet");
            c.set(WorkbenchConfig::LastImportDir, "/some/import");
            c.addRecent(WorkbenchConfig::RecentModels, "/models/a");
            c.addRecent(WorkbenchConfig::RecentModels, "/models/b");
            c.addRecent(WorkbenchConfig::RecentCalibDirs, "/calib/x");
            c.addRecent(WorkbenchConfig::RecentValDirs, "/val/y");
            c.sync();
        }
        QVERIFY(QFile::exists(ini));
        WorkbenchConfig c(ini);
        QCOMPARE(c.get(WorkbenchConfig::WindowGeometry).toByteArray(), geometry);
        QCOMPARE(c.get(WorkbenchConfig::WindowState).toByteArray(), state);
        QCOMPARE(c.get(WorkbenchConfig::LastQuantConfig).toJsonObject(), q.toJson());
        QCOMPARE(
            QuantConfig::fromJson(c.get(WorkbenchConfig::LastQuantConfig).toJsonObject(), "config")
                .toJson(),
            q.toJson());
        const SearchSettings s2 =
            SearchSettings::fromJson(c.get(WorkbenchConfig::LastSearchSettings).toJsonObject());
        QCOMPARE(s2.toJson(), s.toJson());
        const LandscapeSettings l2 = LandscapeSettings::fromJson(
            c.get(WorkbenchConfig::LastLandscapeSettings).toJsonObject());
        QCOMPARE(l2.toJson(), l.toJson());
        QCOMPARE(l2.direction, DirectionKind::Channel);
        QCOMPARE(l2.channel, 3);
        QCOMPARE(c.get(WorkbenchConfig::LastExportDir).toString(), QString("/some/export dir"));
        QCOMPARE(c.get(WorkbenchConfig::LastExportFormat).toString(), QString("aimet"));
        QCOMPARE(c.get(WorkbenchConfig::LastImportDir).toString(), QString("/some/import"));
        QCOMPARE(c.recent(WorkbenchConfig::RecentModels), (QStringList{"/models/b", "/models/a"}));
        QCOMPARE(c.recent(WorkbenchConfig::RecentCalibDirs), QStringList{"/calib/x"});
        QCOMPARE(c.recent(WorkbenchConfig::RecentValDirs), QStringList{"/val/y"});
    }

    void recentListsAreMostRecentFirstCappedAndUnique() {
        WorkbenchConfig c(freshIni());
        const Key k = WorkbenchConfig::RecentModels;
        c.addRecent(k, "/m/1");
        c.addRecent(k, "/m/2");
        c.addRecent(k, "/m/3");
        QCOMPARE(c.recent(k), (QStringList{"/m/3", "/m/2", "/m/1"}));
        // Adding one again moves it to the front; spellings of the same path count once.
        c.addRecent(k, "/m/1");
        QCOMPARE(c.recent(k), (QStringList{"/m/1", "/m/3", "/m/2"}));
        c.addRecent(k, "/m/2/");
        c.addRecent(k, "/m/./3");
        QCOMPARE(c.recent(k), (QStringList{"/m/3", "/m/2", "/m/1"}));
        c.addRecent(k, QString());  // ignored
        QCOMPARE(c.recent(k).size(), 3);
        // Capped at MaxRecent, the oldest dropped.
        for (int i = 0; i < WorkbenchConfig::MaxRecent + 3; ++i)
            c.addRecent(k, QString("/n/%1").arg(i));
        const QStringList r = c.recent(k);
        QCOMPARE(r.size(), int(WorkbenchConfig::MaxRecent));
        for (int i = 0; i < WorkbenchConfig::MaxRecent; ++i)
            QCOMPARE(r[i], QString("/n/%1").arg(WorkbenchConfig::MaxRecent + 2 - i));
        QCOMPARE(QSet<QString>(r.begin(), r.end()).size(), r.size());
        // The lists are separate.
        QVERIFY(c.recent(WorkbenchConfig::RecentCalibDirs).isEmpty());
        QVERIFY(c.recent(WorkbenchConfig::RecentValDirs).isEmpty());
    }

    void changedSignalNamesTheKey() {
        WorkbenchConfig c(freshIni());
        QSignalSpy changed(&c, &WorkbenchConfig::changed);
        QVERIFY(changed.isValid());
        c.set(WorkbenchConfig::LastExportDir, "/a");
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).value<Key>(), WorkbenchConfig::LastExportDir);
        // The same value again changes nothing and says nothing.
        c.set(WorkbenchConfig::LastExportDir, "/a");
        QCOMPARE(changed.count(), 1);
        c.set(WorkbenchConfig::LastExportDir, "/b");
        QCOMPARE(changed.count(), 2);
        SearchSettings s;
        c.set(WorkbenchConfig::LastSearchSettings, s.toJson());
        c.set(WorkbenchConfig::LastSearchSettings, s.toJson());
        QCOMPARE(changed.count(), 3);
        QCOMPARE(changed.at(2).at(0).value<Key>(), WorkbenchConfig::LastSearchSettings);
        c.addRecent(WorkbenchConfig::RecentValDirs, "/v");
        QCOMPARE(changed.count(), 4);
        QCOMPARE(changed.at(3).at(0).value<Key>(), WorkbenchConfig::RecentValDirs);
    }
};

QTEST_GUILESS_MAIN(TestWorkbenchConfig)
#include "TestWorkbenchConfig.moc"
