#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "TestSupport.h"
#include "common/Error.h"
#include "io/ScaleFile.h"
#include "quant/QuantizedVit.h"

using namespace evolq;

class TestScaleFile : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<VitModel> m_model;
    torch::Tensor m_images;
    QString m_good;

    std::unique_ptr<QuantizedVit> calibrated(const QuantConfig& cfg) {
        auto q = std::make_unique<QuantizedVit>(m_model, cfg);
        q->calibrate(m_images);
        return q;
    }
    QJsonObject goodDoc() {
        QFile f(m_good);
        f.open(QIODevice::ReadOnly);
        return QJsonDocument::fromJson(f.readAll()).object();
    }
    QString writeDoc(const QJsonObject& o, const QString& name) {
        const QString p = m_dir.filePath(name);
        QFile f(p);
        f.open(QIODevice::WriteOnly);
        f.write(QJsonDocument(o).toJson());
        return p;
    }
    QString applyError(const QString& path) {
        try {
            const ScaleFile sf = ScaleFile::read(path);
            auto q = std::make_unique<QuantizedVit>(m_model, sf.config());
            sf.applyTo(*q);
        } catch (const Error& e) {
            return e.message();
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() {
        at::set_num_threads(2);
        m_model = test::makeModel(test::smallInfo(), m_dir.filePath("model"));
        torch::manual_seed(1);
        m_images = torch::randn({40, 3, 32, 32});
        QuantConfig cfg;
        cfg.calibBatch = 16;
        auto q = calibrated(cfg);
        m_good = m_dir.filePath("good.json");
        ScaleFile::write(m_good,
                         ScaleFile::toJson(*q, {{"calibration", QJsonObject{{"images", 40}}}}));
    }

    void roundTripIsBitExact_data() {
        QTest::addColumn<int>("wbits");
        QTest::addColumn<bool>("ptf");
        QTest::addColumn<bool>("log2");
        QTest::addColumn<QString>("observer");
        QTest::addRow("W4A8 omse ptf") << 4 << true << false << "omse";
        QTest::addRow("W3A8 minmax") << 3 << false << false << "minmax";
        QTest::addRow("W8A8 percentile log2") << 8 << true << true << "percentile";
        QTest::addRow("W4A8 ema") << 4 << false << false << "ema";
    }
    void roundTripIsBitExact() {
        QFETCH(int, wbits);
        QFETCH(bool, ptf);
        QFETCH(bool, log2);
        QFETCH(QString, observer);
        QuantConfig cfg;
        cfg.weightBits = wbits;
        cfg.ptf = ptf;
        cfg.log2Softmax = log2;
        cfg.actObserver = observerFromName(observer);
        cfg.calibBatch = 16;
        auto q = calibrated(cfg);
        const QString path = m_dir.filePath("rt.json");
        ScaleFile::write(path, ScaleFile::toJson(*q));
        const ScaleFile sf = ScaleFile::read(path);
        QVERIFY(sf.config() == cfg);
        auto r = std::make_unique<QuantizedVit>(m_model, sf.config());
        sf.applyTo(*r);
        for (int i = 0; i < q->quantizerCount(); ++i) {
            QVERIFY(torch::equal(q->quantizer(i).scale(), r->quantizer(i).scale()));
            QVERIFY(torch::equal(q->quantizer(i).zeroPoint(), r->quantizer(i).zeroPoint()));
        }
        torch::NoGradGuard ng;
        QVERIFY(torch::equal(q->forward(m_images), r->forward(m_images)));
        // The quantized model differs from the float one (quantization did something).
        QVERIFY(!torch::allclose(q->forward(m_images), m_model->forward(m_images)));
    }

    void namesAndGenome() {
        QuantConfig cfg;
        auto q = calibrated(cfg);
        QVERIFY(q->findQuantizer("blocks.1.attn.qkv.weight") >= 0);
        QVERIFY(q->findQuantizer("blocks.1.attn.qkv.out") >= 0);
        QVERIFY(q->findQuantizer("blocks.0.norm1.out") >= 0);
        QVERIFY(q->findQuantizer("head.out") >= 0);
        QCOMPARE(q->genomeSize(1), 4 * 48);
        torch::Tensor g = q->genome(1);
        QCOMPARE(g.numel(), int64_t(4 * 48));
        const torch::Tensor before = q->forward(m_images);
        q->setGenome(1, g * 1.5);
        QVERIFY(torch::equal(q->genome(1), g * 1.5));
        QVERIFY(!torch::equal(q->forward(m_images), before));  // weight cache was invalidated
        q->setGenome(1, g);
        QVERIFY(torch::equal(q->forward(m_images), before));
    }

    void rejectsBadFiles_data() {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("expected");
        QTest::addRow("another model") << "sha"
                                       << "made for model";
        QTest::addRow("missing quantizer") << "drop"
                                           << "lacks quantizer 'blocks.0.attn.proj.weight'";
        QTest::addRow("unknown quantizer") << "rename"
                                           << "which this model does not have";
        QTest::addRow("wrong length") << "short"
                                      << "expected 48";
        QTest::addRow("null scale") << "null"
                                    << "is not a finite positive number";
        QTest::addRow("negative scale") << "negative"
                                        << "is not a finite positive number";
        QTest::addRow("zero scale") << "zero"
                                    << "is not a finite positive number";
        QTest::addRow("overflowing scale") << "huge"
                                           << "is not a finite positive number";
        QTest::addRow("zero point out of range") << "zp"
                                                 << "zero point 0 is not an integer";
        QTest::addRow("not a scale file") << "format"
                                          << "not an Evol-Q scale file";
        QTest::addRow("newer schema") << "schema"
                                      << "schema_version 99";
    }
    void rejectsBadFiles() {
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        QJsonObject doc = goodDoc();
        QJsonArray qs = doc.value("quantizers").toArray();
        auto editEntry = [&](const QString& name, const std::function<void(QJsonObject&)>& f) {
            for (int i = 0; i < qs.size(); ++i) {
                QJsonObject o = qs[i].toObject();
                if (o.value("name").toString() == name) {
                    f(o);
                    qs[i] = o;
                }
            }
        };
        auto setScale0 = [&](const QJsonValue& v) {
            editEntry("blocks.0.attn.proj.weight", [&](QJsonObject& o) {
                QJsonArray s = o.value("scales").toArray();
                s[0] = v;
                o.insert("scales", s);
            });
        };
        if (edit == "sha") {
            QJsonObject m = doc.value("model").toObject();
            m.insert("sha256", QString(64, 'a'));
            doc.insert("model", m);
        } else if (edit == "drop") {
            for (int i = 0; i < qs.size(); ++i)
                if (qs[i].toObject().value("name").toString() == "blocks.0.attn.proj.weight")
                    qs.removeAt(i--);
        } else if (edit == "rename") {
            editEntry("blocks.0.attn.proj.weight",
                      [](QJsonObject& o) { o.insert("name", "blocks.9.attn.proj.weight"); });
        } else if (edit == "short") {
            editEntry("blocks.0.attn.proj.weight", [](QJsonObject& o) {
                QJsonArray s = o.value("scales").toArray();
                s.removeLast();
                o.insert("scales", s);
            });
        } else if (edit == "null") {
            setScale0(QJsonValue());
        } else if (edit == "negative") {
            setScale0(-0.1);
        } else if (edit == "zero") {
            setScale0(0.0);
        } else if (edit == "huge") {
            setScale0(1e39);
        } else if (edit == "zp") {
            editEntry("blocks.0.attn.proj.weight", [](QJsonObject& o) {
                QJsonArray s = o.value("zero_points").toArray();
                s[0] = 99;
                o.insert("zero_points", s);
            });
        } else if (edit == "format") {
            doc.insert("format", "something-else");
        } else if (edit == "schema") {
            doc.insert("schema_version", 99);
        }
        doc.insert("quantizers", qs);
        const QString path = writeDoc(doc, "bad.json");
        const QString err = applyError(path);
        QVERIFY2(err.contains(expected), qPrintable(err));
        QVERIFY2(err.startsWith(path), qPrintable(err));
    }

    void missingAndCorruptFiles() {
        QVERIFY(applyError(m_dir.filePath("nope.json")).contains("not found"));
        const QString p = m_dir.filePath("corrupt.json");
        QFile f(p);
        f.open(QIODevice::WriteOnly);
        f.write("{\"format\": \"evolq-sc");
        f.close();
        QVERIFY(applyError(p).contains("not valid JSON"));
    }

    void badFileLeavesModelUntouched() {
        QuantConfig cfg;
        cfg.calibBatch = 16;
        auto q = calibrated(cfg);
        const auto before = q->state();
        QJsonObject doc = goodDoc();
        QJsonArray qs = doc.value("quantizers").toArray();
        QJsonObject last = qs.last().toObject();
        last.insert("scales", QJsonArray{-1.0});
        qs[qs.size() - 1] = last;
        doc.insert("quantizers", qs);
        const ScaleFile sf = ScaleFile::fromJson(doc, "mem");
        QVERIFY_THROWS_EXCEPTION(Error, sf.applyTo(*q));
        const auto after = q->state();
        for (size_t i = 0; i < before.scales.size(); ++i)
            QVERIFY(torch::equal(before.scales[i], after.scales[i]));
    }

    void provenanceRecorded() {
        const QJsonObject doc = goodDoc();
        QCOMPARE(doc.value("model").toObject().value("sha256").toString(), m_model->info().sha256);
        QCOMPARE(doc.value("bit_config").toString(), QString("W2A8"));
        QVERIFY(!doc.value("program_version").toString().isEmpty());
        QCOMPARE(doc.value("calibration").toObject().value("images").toInt(), 40);
        QCOMPARE(doc.value("quant_config").toObject().value("seed").toInt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestScaleFile)
#include "TestScaleFile.moc"
