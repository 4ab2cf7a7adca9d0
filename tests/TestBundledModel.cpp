#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

// The bundled default: the tiny ViT trained on Fashion-MNIST, checked end to end through the CLI on
// the data that ./workbench prepares.
class TestBundledModel : public QObject {
    Q_OBJECT
    const QString m_model = QString(EVOLQ_SOURCE_DIR) + "/resources/models/vit-tiny-fmnist";
    const QString m_data = QString(EVOLQ_SOURCE_DIR) + "/data/fashion-mnist";

    QJsonObject runJson(const QStringList& args, int timeoutMs = 600000) {
        QProcess p;
        p.start(QString(EVOLQ_BIN_DIR) + "/evolq", args);
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            qWarning("timeout");
            return {};
        }
        if (p.exitCode() != 0) qWarning("%s", p.readAllStandardError().constData());
        return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    }

private Q_SLOTS:
    void initTestCase() {
        if (!QFileInfo::exists(m_data + "/.complete.json"))
            QFAIL(
                "data/fashion-mnist is not prepared: run ./workbench test (it prepares the data "
                "first)");
    }

    void shapeAndSize() {
        const QJsonObject info = runJson({"info", m_model, "--json"});
        QCOMPARE(info.value("channels").toInt(), 1);
        QVERIFY(info.value("depth").toInt() >= 6);
        QVERIFY(info.value("parameters").toInteger() <= 1500000);
        QCOMPARE(info.value("classes").toInt(), 10);
        QVERIFY(QFileInfo(m_model + "/model.safetensors").size() <= 8 * 1024 * 1024);
    }

    void fullTestSetAccuracy() {
        const QJsonObject r =
            runJson({"eval", "--model", m_model, "--data", m_data + "/val", "--json"});
        QCOMPARE(r.value("images").toInt(), 10000);
        qInfo("FP32 top-1 on the 10,000 test images: %.2f %% (%.1f s)", r.value("top1").toDouble(),
              r.value("seconds").toDouble());
        QVERIFY2(r.value("top1").toDouble() >= 88.0,
                 qPrintable(QString::number(r.value("top1").toDouble())));
    }

    void shortSearchEndToEnd() {
        QTemporaryDir dir;
        const QString out = dir.filePath("scales.json");
        QProcess p;
        p.start(QString(EVOLQ_BIN_DIR) + "/evolq", {"search",
                                                    "--model",
                                                    m_model,
                                                    "--calib",
                                                    m_data + "/calib",
                                                    "--val",
                                                    m_data + "/calib",
                                                    "--wbits",
                                                    "4",
                                                    "--abits",
                                                    "8",
                                                    "--passes",
                                                    "1",
                                                    "--cycles",
                                                    "1",
                                                    "--calib-size",
                                                    "100",
                                                    "--val-subset",
                                                    "100",
                                                    "--out",
                                                    out,
                                                    "--log",
                                                    dir.filePath("run.csv")});
        QVERIFY(p.waitForFinished(600000));
        const QByteArray err = p.readAllStandardError(), stdOut = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, err.constData());
        QVERIFY(err.contains("pass 1/1  block 0"));  // one progress line per block visit
        QVERIFY(stdOut.contains("Evol-Q"));
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        const QJsonObject search = doc.value("search").toObject();
        QCOMPARE(search.value("evaluations").toInt(), search.value("evaluations_total").toInt());
        QVERIFY(search.value("best_fitness").toDouble() <=
                search.value("baseline_fitness").toDouble());
        QCOMPARE(search.value("calibration_images").toInt(), 100);
        QVERIFY(doc.value("validation").toObject().contains("evolq_top1"));
        // The scale file is usable: eval reads it back.
        const QJsonObject r = runJson(
            {"eval", "--model", m_model, "--data", m_data + "/calib", "--scales", out, "--json"});
        QCOMPARE(r.value("top1").toDouble(),
                 doc.value("validation").toObject().value("evolq_top1").toDouble());
        QFile log(dir.filePath("run.csv"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().count('\n') > 10);
    }
};

QTEST_GUILESS_MAIN(TestBundledModel)
#include "TestBundledModel.moc"
