#include <QTemporaryDir>
#include <QtTest>

#include "TestSupport.h"
#include "model/Kernels.h"
#include "model/Runtime.h"
#include "quant/FakeQuantizer.h"
#include "quant/QuantizedVit.h"

using namespace evolq;

namespace {

// Passes everything to the quantized model and counts the activation() calls: a block that runs
// fused applies its quantizations itself and calls activation() for none of its points.
class CountingHooks : public ForwardHooks {
public:
    explicit CountingHooks(QuantizedVit& q, bool allowFusion) : m_q(q), m_allow(allowFusion) {}
    torch::Tensor weight(int layer, const torch::Tensor& w) override {
        return m_q.weight(layer, w);
    }
    torch::Tensor bias(int layer, const torch::Tensor& b) override { return m_q.bias(layer, b); }
    torch::Tensor activation(int point, const torch::Tensor& x) override {
        ++calls;
        return m_q.activation(point, x);
    }
    bool affineActivation(int point, int64_t dims, int64_t lastDim, AffineQuant* q) override {
        return m_allow && m_q.affineActivation(point, dims, lastDim, q);
    }
    int calls = 0;

private:
    QuantizedVit& m_q;
    bool m_allow;
};

}  // namespace

// The fast forward (inference mode: activations quantized in place, fused with the bias and the
// residual sums; attention's products straight through the BLAS) gives the same values, bit for
// bit, as the plain one (gradient mode: one tensor operation per step, LibTorch's batched
// products) for every block, on every kind of model and quantization the engine runs.
class TestFusedForward : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { initRuntime(2); }

    void fusedEqualsPlain_data() {
        QTest::addColumn<QString>("variant");
        QTest::addColumn<bool>("fuses");  // whether the blocks may run fused at all
        QTest::addRow("W2A8 PTF OMSE") << "default" << true;
        QTest::addRow("W4A8 no PTF") << "noptf" << true;
        QTest::addRow("W4A4 signed, minmax") << "signed" << true;
        QTest::addRow("layer scale") << "layerscale" << true;
        QTest::addRow("no qkv bias") << "noqkvbias" << true;
        QTest::addRow("bias correction") << "biascorr" << true;
        QTest::addRow("activations off") << "actoff" << true;
        QTest::addRow("log2 softmax") << "log2" << false;
    }
    void fusedEqualsPlain() {
        QFETCH(QString, variant);
        QFETCH(bool, fuses);
        QTemporaryDir dir;
        ModelInfo info = test::smallInfo(3, 48, 4, 5);
        if (variant == "layerscale") info.layerScale = true;
        if (variant == "noqkvbias") info.qkvBias = false;
        auto model = test::makeModel(info, dir.path());
        torch::manual_seed(5);
        const torch::Tensor images = torch::randn({24, 3, 32, 32});
        QuantConfig cfg;
        cfg.calibBatch = 12;
        if (variant == "noptf") {
            cfg.weightBits = 4;
            cfg.ptf = false;
        } else if (variant == "signed") {
            cfg.weightBits = 4;
            cfg.actBits = 4;
            cfg.actSigned = true;
            cfg.actObserver = ObserverKind::MinMax;
        } else if (variant == "biascorr") {
            cfg.biasCorrection = true;
        } else if (variant == "actoff") {
            cfg.actBits = 0;
        } else if (variant == "log2") {
            cfg.log2Softmax = true;
        }
        QuantizedVit q(model, cfg);
        q.calibrate(images);
        q.prepareConcurrent();

        // The input of every block under the plain forward (gradient mode, input recording).
        std::vector<torch::Tensor> inputs;
        {
            CountingHooks plain(q, false);
            torch::Tensor x = model->embed(images, &plain).detach();
            for (int b = 0; b < info.depth; ++b) {
                inputs.push_back(x);
                x = model->runBlock(b, x, &plain).detach();
            }
        }
        for (int b = 0; b < info.depth; ++b) {
            const QString where = QString("%1, block %2").arg(variant).arg(b);
            CountingHooks plain(q, false), fast(q, true);
            const torch::Tensor xg = inputs[b].clone().requires_grad_(true);
            const torch::Tensor ref = model->runBlock(b, xg, &plain).detach();
            QVERIFY2(plain.calls > 0, qPrintable(where));
            torch::Tensor out;
            {
                c10::InferenceMode guard;
                out = model->runBlock(b, inputs[b], &fast);
            }
            QCOMPARE(fast.calls == 0, fuses);
            QVERIFY2(torch::equal(out, ref),
                     qPrintable(QString("%1: max difference %2")
                                    .arg(where)
                                    .arg((out - ref).abs().max().item<double>())));
            // The block's input is left as it was (the fused sums write into fresh outputs).
            QVERIFY(torch::equal(inputs[b], xg.detach()));
        }
        // The float model (no hooks) too.
        const torch::Tensor ref = [&] {
            const torch::Tensor xg = inputs[0].clone().requires_grad_(true);
            return model->runBlocks(0, info.depth, xg).detach();
        }();
        c10::InferenceMode guard;
        QVERIFY(torch::equal(model->runBlocks(0, info.depth, inputs[0]), ref));
    }

    // The kernels (whichever vector width the CPU runs them at) against LibTorch's operations:
    // odd widths leave a tail after every vector width, values reach both clamps and half of
    // them lie near the first quantization's rounding boundaries.
    void kernelsEqualTensorOperations_data() {
        QTest::addColumn<int>("cols");
        QTest::addColumn<bool>("perChannel");
        for (int cols : {1, 7, 17, 33, 100})
            for (bool pc : {false, true})
                QTest::addRow("%d cols, %s", cols, pc ? "per channel" : "per tensor") << cols << pc;
    }
    void kernelsEqualTensorOperations() {
        QFETCH(int, cols);
        QFETCH(bool, perChannel);
        torch::manual_seed(cols);
        const int64_t rows = 37;
        const torch::Tensor y = torch::randn({rows, cols}) * 3;
        const torch::Tensor res = torch::randn({rows, cols}) * 3;
        const torch::Tensor bias = torch::randn({cols});
        const int64_t C = perChannel ? cols : 1;
        const torch::Tensor s1 = torch::rand({C}) * 0.05 + 0.01,
                            z1 = torch::randint(0, 256, {C}).to(torch::kFloat32);
        const torch::Tensor s2 = torch::rand({C}) * 0.05 + 0.01,
                            z2 = torch::randint(0, 16, {C}).to(torch::kFloat32);
        // Half of the values about halfway between two steps of the first quantization.
        const torch::Tensor half =
            ((torch::randint(-300, 300, {rows, cols}).to(torch::kFloat32) + 0.5) - z1) * s1;
        const torch::Tensor yh = torch::where(torch::rand({rows, cols}) < 0.5, half - bias, y);
        const AffineQuant q1{s1.data_ptr<float>(), z1.data_ptr<float>(), C, 0.f, 255.f};
        const AffineQuant q2{s2.data_ptr<float>(), z2.data_ptr<float>(), C, 0.f, 15.f};
        auto fq = [&](const torch::Tensor& x, const torch::Tensor& s, const torch::Tensor& z,
                      double hi) { return fakeQuantize(x, s, z, 0, hi); };
        const torch::Tensor expectY = fq(yh + bias, s1, z1, 255);
        const torch::Tensor expectR = fq(res + expectY, s2, z2, 15);

        torch::Tensor a = yh.clone();
        linearEpilogue(a.data_ptr<float>(), rows, cols, bias.data_ptr<float>(), q1);
        QVERIFY(torch::equal(a, expectY));
        a = yh.clone();
        linearEpilogue(a.data_ptr<float>(), rows, cols, bias.data_ptr<float>(), q1,
                       res.data_ptr<float>(), q2);
        QVERIFY(torch::equal(a, expectR));
        // Without a bias; identities.
        a = yh.clone();
        linearEpilogue(a.data_ptr<float>(), rows, cols, nullptr, q1);
        QVERIFY(torch::equal(a, fq(yh, s1, z1, 255)));
        a = yh.clone();
        linearEpilogue(a.data_ptr<float>(), rows, cols, bias.data_ptr<float>(), AffineQuant{},
                       res.data_ptr<float>(), AffineQuant{});
        QVERIFY(torch::equal(a, res + (yh + bias)));
        // In place and out of place.
        a = yh.clone();
        fakeQuantizeRows(a.data_ptr<float>(), a.data_ptr<float>(), rows * cols / C, q1);
        QVERIFY(torch::equal(a, fq(yh, s1, z1, 255)));
        torch::Tensor out = torch::empty_like(yh);
        fakeQuantizeRows(yh.data_ptr<float>(), out.data_ptr<float>(), rows * cols / C, q2);
        QVERIFY(torch::equal(out, fq(yh, s2, z2, 15)));
        // Both clamps were reached.
        QVERIFY(torch::any(expectY == fq(torch::full({1}, 1e6), s1, z1, 255)).item<bool>());
        QVERIFY(torch::any(expectY == fq(torch::full({1}, -1e6), s1, z1, 255)).item<bool>());
    }

    // The quantizations do something: the quantized block is not the float one.
    void quantizationIsApplied() {
        QTemporaryDir dir;
        const ModelInfo info = test::smallInfo(2, 48, 4, 5);
        auto model = test::makeModel(info, dir.path());
        torch::manual_seed(6);
        const torch::Tensor images = torch::randn({12, 3, 32, 32});
        QuantizedVit q(model, QuantConfig{});
        q.calibrate(images);
        q.prepareConcurrent();
        c10::InferenceMode guard;
        const torch::Tensor x = model->embed(images);
        QVERIFY(!torch::allclose(q.runBlocks(0, 2, x), model->runBlocks(0, 2, x), 1e-4, 1e-5));
    }
};

QTEST_GUILESS_MAIN(TestFusedForward)
#include "TestFusedForward.moc"
