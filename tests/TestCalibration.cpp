#include <QTemporaryDir>
#include <QtTest>

#include "TestImages.h"
#include "TestSupport.h"
#include "common/Error.h"
#include "data/Calibration.h"
#include "data/ImageLoader.h"
#include "model/Runtime.h"
#include "quant/Baseline.h"

using namespace evolq;

class TestCalibration : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_labelled, m_flat, m_threeClasses;
    ModelInfo m_info;
    std::shared_ptr<VitModel> m_model;

    static constexpr int kPerClass = 12;
    static constexpr int kFiles = 2 * kPerClass + 1;  // the broken file included

private Q_SLOTS:
    void initTestCase() {
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        QVERIFY(m_dir.isValid());
        m_info = test::smallInfo(2, 48, 4, 2);
        m_model = test::makeModel(m_info, m_dir.filePath("model"));
        m_info = m_model->info();
        m_labelled = m_dir.filePath("labelled");
        m_flat = m_dir.filePath("flat");
        m_threeClasses = m_dir.filePath("three");
        test::writeImageFolder(m_labelled, 2, kPerClass, 32, 1);
        test::writeFlatFolder(m_flat, 10, 32, 2);
        test::writeImageFolder(m_threeClasses, 3, 4, 32, 3);
    }

    void seededSubset() {
        const CalibrationSet a = loadCalibrationSet(m_info, m_labelled, 8, 1);
        const CalibrationSet b = loadCalibrationSet(m_info, m_labelled, 8, 1);
        const CalibrationSet c = loadCalibrationSet(m_info, m_labelled, 8, 2);
        QCOMPARE(a.requested, 8);
        QCOMPARE(a.seed, 1u);
        QCOMPARE(c.seed, 2u);
        QCOMPARE(a.images.size(0) + a.failed.size(), int64_t(8));
        QCOMPARE(a.images.dim(), int64_t(4));
        QCOMPARE(a.images.size(1), int64_t(3));
        QCOMPARE(a.images.size(2), int64_t(32));
        QCOMPARE(a.images.size(3), int64_t(32));
        QCOMPARE(a.labels.size(0), a.images.size(0));
        // Same seed: the same images in the same order; another seed: another subset.
        QVERIFY(torch::equal(a.images, b.images));
        QVERIFY(torch::equal(a.labels, b.labels));
        QCOMPARE(a.failed, b.failed);
        QVERIFY(a.images.sizes() != c.images.sizes() || !torch::equal(a.images, c.images));
        // The subset is the folder's seeded subset, decoded as the loader decodes it.
        const ImageFolder sub = ImageFolder::scan(m_labelled).subset(8, 1);
        const LoadedImages li = loadImages(sub, Preprocess::fromModel(m_info));
        QVERIFY(torch::equal(a.images, li.images));
        QVERIFY(torch::equal(a.labels, li.labels));
        // Labels of a folder whose classes fit the model are the class indices.
        QVERIFY(a.labels.min().item<int64_t>() >= 0);
        QVERIFY(a.labels.max().item<int64_t>() <= 1);
    }

    void moreThanTheFolderTakesEverythingAndListsTheBrokenFile() {
        const CalibrationSet all = loadCalibrationSet(m_info, m_labelled, 1000, 0);
        QCOMPARE(all.requested, 1000);
        QCOMPARE(all.images.size(0), int64_t(kFiles - 1));
        QCOMPARE(all.failed.size(), 1);
        QVERIFY2(all.failed[0].contains("broken.png"), qPrintable(all.failed[0]));
        // Both classes, 12 images each.
        QCOMPARE(all.labels.eq(0).sum().item<int64_t>(), int64_t(kPerClass));
        QCOMPARE(all.labels.eq(1).sum().item<int64_t>(), int64_t(kPerClass));
        // The seed does not matter when everything is taken.
        const CalibrationSet other = loadCalibrationSet(m_info, m_labelled, kFiles, 5);
        QVERIFY(torch::equal(all.images, other.images));
    }

    void labelsAreMinusOneWhenTheyCannotApply() {
        // Unlabelled (flat) folder.
        const CalibrationSet flat = loadCalibrationSet(m_info, m_flat, 6, 0);
        QCOMPARE(flat.images.size(0), int64_t(6));
        QCOMPARE(flat.labels.size(0), int64_t(6));
        QVERIFY(flat.labels.eq(-1).all().item<bool>());
        QVERIFY(flat.failed.isEmpty());
        // Three class folders for a two-class model: labels of another task.
        const CalibrationSet three = loadCalibrationSet(m_info, m_threeClasses, 100, 0);
        QCOMPARE(three.images.size(0), int64_t(12));
        QCOMPARE(three.labels.size(0), int64_t(12));
        QVERIFY(three.labels.eq(-1).all().item<bool>());
        QCOMPARE(three.failed.size(), 1);
        // The same folder for a three-class model keeps its labels.
        ModelInfo threeClassInfo = m_info;
        threeClassInfo.numClasses = 3;
        const CalibrationSet fits = loadCalibrationSet(threeClassInfo, m_threeClasses, 100, 0);
        QCOMPARE(fits.labels.max().item<int64_t>(), int64_t(2));
        QCOMPARE(fits.labels.min().item<int64_t>(), int64_t(0));
    }

    void provenanceRecordsTheSubset() {
        const CalibrationSet c = loadCalibrationSet(m_info, m_labelled, 1000, 3);
        const QJsonObject p = c.provenance();
        QCOMPARE(p.value("folder").toString(), QDir(m_labelled).absolutePath());
        QCOMPARE(p.value("images").toInt(), kFiles - 1);
        QCOMPARE(p.value("requested").toInt(), 1000);
        QCOMPARE(p.value("subset_seed").toInteger(), qint64(3));
        QCOMPARE(p.value("failed_to_decode").toInt(), 1);
        const CalibrationSet flat = loadCalibrationSet(m_info, m_flat, 4, 9);
        QCOMPARE(flat.provenance().value("images").toInt(), 4);
        QCOMPARE(flat.provenance().value("requested").toInt(), 4);
        QCOMPARE(flat.provenance().value("subset_seed").toInteger(), qint64(9));
        QCOMPARE(flat.provenance().value("failed_to_decode").toInt(), 0);
    }

    void missingFolderNamesIt() {
        const QString missing = m_dir.filePath("nowhere");
        try {
            loadCalibrationSet(m_info, missing, 8, 0);
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains(missing), qPrintable(e.message()));
        }
    }

    void baselineIsCalibratedAndCancellable() {
        const CalibrationSet calib = loadCalibrationSet(m_info, m_labelled, 16, 0);
        QuantConfig cfg;
        cfg.calibImages = 16;
        cfg.calibBatch = 4;
        QVector<QPair<int, int>> calls;
        double seconds = -1;
        auto q = quantizeBaseline(m_model, cfg, calib, &seconds, [&](int done, int total) {
            calls.append({done, total});
            return true;
        });
        QVERIFY(q);
        QVERIFY(q->calibrated());
        QVERIFY(seconds >= 0);
        QCOMPARE(q->config().label(), QString("W2A8"));
        const int n = static_cast<int>(calib.images.size(0));
        QCOMPARE(calls.size(), (n + 3) / 4);
        QCOMPARE(calls.last(), qMakePair(n, n));
        for (int i = 1; i < calls.size(); ++i) QVERIFY(calls[i].first > calls[i - 1].first);
        for (int i = 0; i < q->quantizerCount(); ++i) {
            const FakeQuantizer& fq = q->quantizer(i);
            QVERIFY2(fq.calibrated(), qPrintable(fq.name()));
        }
        // The quantized model computes something other than the float one.
        {
            torch::NoGradGuard ng;
            const torch::Tensor x = calib.images.slice(0, 0, 4);
            const torch::Tensor fp = m_model->forward(x, nullptr), qo = q->forward(x);
            QCOMPARE(qo.sizes(), fp.sizes());
            QVERIFY(!torch::allclose(qo, fp));
        }
        // Cancelled after the first batch: an Error, no model.
        int seen = 0;
        bool threw = false;
        try {
            quantizeBaseline(m_model, cfg, calib, nullptr, [&](int, int) {
                ++seen;
                return false;
            });
        } catch (const Error&) {
            threw = true;
        }
        QVERIFY(threw);
        QCOMPARE(seen, 1);
    }
};

QTEST_GUILESS_MAIN(TestCalibration)
#include "TestCalibration.moc"
