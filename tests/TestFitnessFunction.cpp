#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "TestSupport.h"
#include "quant/QuantizedVit.h"
#include "search/FitnessFunction.h"

using namespace evolq;

class TestFitnessFunction : public QObject {
    Q_OBJECT
    // q = [[1,0],[0,1],[1,1]], k = [[1,0],[0,1],[0,1]]. After row normalization the similarity
    // matrix q k^T is [[1,0,0],[0,1,1],[s,s,s]] with s = 1/sqrt(2). Row i's cross-entropy with
    // target i is -S_ii/T + log(sum_j exp(S_ij/T)).
    static double handInfoNce(double T) {
        const double s = 1 / std::sqrt(2.0);
        const double r1 = -1 / T + std::log(std::exp(1 / T) + 2);
        const double r2 = -1 / T + std::log(1 + 2 * std::exp(1 / T));
        const double r3 = -s / T + std::log(3 * std::exp(s / T));  // = log 3
        return (r1 + r2 + r3) / 3 * 2 * T;
    }
    torch::Tensor q() { return torch::tensor({1.f, 0.f, 0.f, 1.f, 1.f, 1.f}).view({3, 2}); }
    torch::Tensor k() { return torch::tensor({1.f, 0.f, 0.f, 1.f, 0.f, 1.f}).view({3, 2}); }

private Q_SLOTS:
    void infoNceByHand() {
        QVERIFY(std::abs(handInfoNce(1.0) - 1.674701) <
                1e-5);  // on paper: (0.551445 + 0.861995 + 1.098612) / 3 * 2
        for (double T : {1.0, 3.0, 0.5}) {
            const double got = infoNceLoss(q(), k(), T).item<double>();
            QVERIFY2(std::abs(got - handInfoNce(T)) < 1e-5,
                     qPrintable(QString("T=%1: %2 vs %3").arg(T).arg(got).arg(handInfoNce(T))));
        }
    }

    void infoNceScaleFactorIsTwoT() {
        // Without the 2T factor the value would be the plain mean cross-entropy.
        const double T = 3.0;
        const torch::Tensor qn = torch::nn::functional::normalize(
            q(), torch::nn::functional::NormalizeFuncOptions().dim(1));
        const torch::Tensor kn = torch::nn::functional::normalize(
            k(), torch::nn::functional::NormalizeFuncOptions().dim(1));
        const double ce =
            torch::nn::functional::cross_entropy(torch::matmul(qn, kn.t()) / T, torch::arange(3))
                .item<double>();
        QVERIFY(std::abs(infoNceLoss(q(), k(), T).item<double>() - 2 * T * ce) < 1e-6);
    }

    void otherLosses() {
        const torch::Tensor a = q(), b = k();
        // MSE: only the last row differs, by (1, 0): 1 / 6.
        QVERIFY(std::abs(outputLoss(LossKind::Mse, a, b, 3).item<double>() - 1.0 / 6) < 1e-6);
        // 1 - cosine: rows 1, 2 identical; row 3 has cosine 1/sqrt(2).
        QVERIFY(std::abs(outputLoss(LossKind::Cosine, a, b, 3).item<double>() -
                         (1 - 1 / std::sqrt(2.0)) / 3) < 1e-6);
        // KL of identical outputs is zero, and positive otherwise.
        QVERIFY(std::abs(outputLoss(LossKind::Kl, b, b, 3).item<double>()) < 1e-7);
        QVERIFY(outputLoss(LossKind::Kl, a, b, 3).item<double>() > 0);
        QCOMPARE(lossFromName("InfoNCE"), LossKind::InfoNce);
        QCOMPARE(lossName(LossKind::Kl), QString("kl"));
    }

    // The block cache is a shortcut, never a different answer: for every block, after an earlier
    // block's scales changed, evaluating from the block equals evaluating the whole model.
    void passCacheEqualsPreparingEachBlock();

    void fromBlockEqualsFullForEveryBlock() {
        QTemporaryDir dir;
        const ModelInfo info = test::smallInfo(3, 48, 4, 5);
        auto model = test::makeModel(info, dir.path());
        torch::manual_seed(11);
        // 20 images in loss batches of 8: the last batch is a partial one.
        const torch::Tensor images = torch::randn({20, 3, 32, 32});
        QuantConfig cfg;
        cfg.calibBatch = 10;
        QuantizedVit q(model, cfg);
        q.calibrate(images);
        QVERIFY(q.calibrated());
        for (LossKind loss : {LossKind::InfoNce, LossKind::Mse}) {
            FitnessSettings fs;
            fs.loss = loss;
            fs.batch = 8;
            FitnessFunction f(q, images, fs);
            for (int b = 0; b < info.depth; ++b) {
                const QString where = QString("%1, block %2").arg(lossName(loss)).arg(b);
                if (b > 0) {
                    // Prepared with the scales as they are, then an earlier block changes: the
                    // stale cache must give another answer than the whole model ...
                    f.prepareBlock(b);
                    const torch::Tensor g = q.genome(b - 1);
                    q.setGenome(b - 1, g * 1.3);
                    const double stale = f.evaluateFromBlock();
                    const double full = f.evaluateFull();
                    QVERIFY2(std::abs(stale - full) > 1e-4 * std::abs(full),
                             qPrintable(QString("%1: the change made no difference (%2 vs %3)")
                                            .arg(where)
                                            .arg(stale)
                                            .arg(full)));
                }
                // ... and preparing again follows the current state.
                f.prepareBlock(b);
                QCOMPARE(f.preparedBlock(), b);
                const double fromBlock = f.evaluateFromBlock();
                const double full = f.evaluateFull();
                QVERIFY2(std::abs(fromBlock - full) <= 1e-5 * std::abs(full),
                         qPrintable(QString("%1: from block %2, full %3")
                                        .arg(where)
                                        .arg(fromBlock, 0, 'g', 10)
                                        .arg(full, 0, 'g', 10)));
                const torch::Tensor lb = f.quantizedLogitsFromBlock();
                const torch::Tensor lf = f.quantizedLogitsFull();
                QVERIFY(lb.sizes() == lf.sizes());
                QCOMPARE(lb.size(0), int64_t(20));
                QCOMPARE(lb.size(1), int64_t(info.numClasses));
                QVERIFY2(torch::allclose(lb, lf, 1e-5, 1e-6),
                         qPrintable(QString("%1: max logit difference %2")
                                        .arg(where)
                                        .arg((lb - lf).abs().max().item<double>())));
                // Quantization matters: the quantized logits are not the float ones.
                QVERIFY(!torch::allclose(lf, f.fpLogits(), 1e-5, 1e-6));
            }
        }
    }
};

// The block inputs of a whole pass, computed in one forward, are those prepareBlock computes one
// block at a time (bit for bit), and any chunking of the images gives the same fitness.
void TestFitnessFunction::passCacheEqualsPreparingEachBlock() {
    QTemporaryDir dir;
    const ModelInfo info = test::smallInfo(3, 48, 4, 5);
    auto model = test::makeModel(info, dir.path());
    torch::manual_seed(12);
    const torch::Tensor images = torch::randn({250, 3, 32, 32});  // 3 chunks, the last partial
    QuantConfig cfg;
    cfg.calibBatch = 50;
    QuantizedVit q(model, cfg);
    q.calibrate(images);
    FitnessSettings fs;
    fs.batch = 50;
    FitnessFunction f(q, images, fs);
    QVERIFY(f.chunks() > 1);
    std::vector<double> each;
    for (int b = 0; b < info.depth; ++b) {
        f.prepareBlock(b);
        each.push_back(f.evaluateFromBlock());
    }
    QVERIFY(f.cacheBlockInputs());
    for (int b = 0; b < info.depth; ++b) {
        f.prepareBlock(b);
        QCOMPARE(f.evaluateFromBlock(), each[b]);
    }
    f.dropBlockInputs();
    // Loss batches that straddle chunks: the same mean over batches as the logits in one piece.
    const torch::Tensor logits = f.quantizedLogitsFull();
    double sum = 0;
    int batches = 0;
    for (int64_t i = 0; i < logits.size(0); i += fs.batch, ++batches)
        sum += outputLoss(fs.loss, logits.slice(0, i, i + fs.batch),
                          f.fpLogits().slice(0, i, i + fs.batch), fs.temperature)
                   .item<double>();
    QCOMPARE(f.evaluateFull(), sum / batches);
}

QTEST_GUILESS_MAIN(TestFitnessFunction)
#include "TestFitnessFunction.moc"
