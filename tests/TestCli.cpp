#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

// Drives the real `evolq` binary, as a user or a batch script would.
class TestCli : public QObject {
    Q_OBJECT

    struct Run {
        int code;
        QByteArray out, err;
    };
    Run evolq(const QStringList& args, int timeoutMs = 300000) {
        QProcess p;
        p.start(QString(EVOLQ_BIN_DIR) + "/evolq", args);
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            return {-999, {}, "timeout"};
        }
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                p.readAllStandardOutput(), p.readAllStandardError()};
    }
    const QString fixture = QString(EVOLQ_SHARED_DIR) + "/fixtures/timm";

private Q_SLOTS:
    void versionAndHelp() {
        Run r = evolq({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("evolq "));
        r = evolq({"--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("predict"));
        r = evolq({"predict", "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("--topk"));
        r = evolq({"frobnicate"});
        QVERIFY(r.code != 0);
        QVERIFY(r.err.contains("unknown command"));
    }

    void predictReproducesTimm() {
        const Run r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images",
                             fixture + "/images", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonArray images = QJsonDocument::fromJson(r.out).object().value("images").toArray();
        QCOMPARE(images.size(), 8);
        QFile ef(fixture + "/deit_tiny_d1/expected_logits.json");
        QVERIFY(ef.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(ef.readAll()).object();
        QString prev;
        double worst = 0;
        for (const QJsonValue& v : images) {
            const QJsonObject o = v.toObject();
            const QString file = o.value("file").toString();
            QVERIFY(file > prev);  // sorted
            prev = file;
            const QJsonArray got = o.value("logits").toArray(),
                             want = expected.value(file).toArray();
            QCOMPARE(got.size(), 1000);
            QCOMPARE(want.size(), 1000);
            for (int c = 0; c < 1000; ++c)
                worst = std::max(worst, std::abs(got[c].toDouble() - want[c].toDouble()));
            const QJsonArray topk = o.value("topk").toArray();
            QCOMPARE(topk.size(), 5);
            double best = -1e9;
            int bestC = -1;
            for (int c = 0; c < 1000; ++c)
                if (want[c].toDouble() > best) best = want[c].toDouble(), bestC = c;
            QCOMPARE(topk[0].toArray()[0].toInt(), bestC);
        }
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
    }

    void infoJson() {
        const Run r = evolq({"info", fixture + "/deit_tiny_d1", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("width").toInt(), 192);
        QCOMPARE(o.value("heads").toInt(), 3);
        QCOMPARE(o.value("patch_size").toInt(), 16);
        QCOMPARE(o.value("image_size").toInt(), 224);
        QCOMPARE(o.value("depth").toInt(), 1);
        QCOMPARE(o.value("sha256").toString().size(), 64);
    }

    void badInputsGiveClearErrors() {
        QTemporaryDir empty;
        Run r = evolq({"info", empty.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("config.json") && r.err.contains("not found"), r.err.constData());
        r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images", empty.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(empty.path().toUtf8()) && r.err.contains("no image files"),
                 r.err.constData());
        // A folder whose only image is corrupt: named as skipped, and an error since nothing
        // decodes.
        QFile bad(empty.filePath("broken.png"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("\x89PNG garbage");
        bad.close();
        r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images", empty.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("could be decoded") && r.err.contains("broken.png"),
                 r.err.constData());
        r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images", fixture + "/images",
                   "--topk", "x"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("--topk"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "TestCli.moc"
