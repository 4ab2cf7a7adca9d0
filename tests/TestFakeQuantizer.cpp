#include <QtTest>

#include "quant/FakeQuantizer.h"

using namespace evolq;

namespace {
torch::Tensor t(std::vector<float> v) {
    return torch::tensor(v);
}
bool same(const torch::Tensor& a, const torch::Tensor& b, double tol = 1e-6) {
    return a.sizes() == b.sizes() && (a - b).abs().max().item<double>() <= tol;
}
}  // namespace

class TestFakeQuantizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bitRanges() {
        QCOMPARE(BitSpec({4, false}).lo(), 0.0);
        QCOMPARE(BitSpec({4, false}).hi(), 15.0);
        QCOMPARE(BitSpec({3, true}).lo(), -4.0);
        QCOMPARE(BitSpec({3, true}).hi(), 3.0);
        QCOMPARE(BitSpec({8, true}).lo(), -128.0);
    }

    void minmaxParamsByHand() {
        torch::Tensor s, z;
        // uint4, range [-1, 2]: s = 3 / 15 = 0.2, z = 0 - round(-1 / 0.2) = 5.
        rangeToParams(t({-1}), t({2}), {4, false}, &s, &z);
        QCOMPARE(s.item<float>(), 0.2f);
        QCOMPARE(z.item<float>(), 5.0f);
        // int4 symmetric: s = max(1, 2) / (15 / 2) = 0.26667, z = 0.
        rangeToParams(t({-1}), t({2}), {4, true}, &s, &z);
        QVERIFY(std::abs(s.item<float>() - 2.0f / 7.5f) < 1e-7);
        QCOMPARE(z.item<float>(), 0.0f);
        // A zero range is clamped to float epsilon, never a zero scale.
        rangeToParams(t({0}), t({0}), {8, false}, &s, &z);
        QCOMPARE(s.item<float>(), std::numeric_limits<float>::epsilon());
    }

    void gridValuesUnchanged() {
        const torch::Tensor s = t({0.2f}), z = t({5});
        std::vector<float> grid;
        for (int q = 0; q <= 15; ++q) grid.push_back((q - 5) * 0.2f);
        const torch::Tensor x = t(grid);
        QVERIFY(same(fakeQuantize(x, s, z, 0, 15), x));
    }

    void clampsAtBothEnds() {
        const torch::Tensor s = t({0.2f}), z = t({5});
        const torch::Tensor y = fakeQuantize(t({-100.f, 100.f}), s, z, 0, 15);
        QVERIFY(same(y, t({-1.0f, 2.0f})));
    }

    void roundsHalfToEven() {
        const torch::Tensor one = t({1}), zero = t({0});
        const torch::Tensor y = fakeQuantize(t({0.5f, 1.5f, 2.5f, -0.5f, -1.5f}), one, zero, -8, 7);
        QVERIFY(same(y, t({0.f, 2.f, 2.f, 0.f, -2.f})));
    }

    void perChannelWeights() {
        FakeQuantizer q("w", true, {4, false}, Granularity::PerChannel, 0, ObserverKind::MinMax,
                        false, false);
        const torch::Tensor w = torch::tensor({{-1.f, 2.f, 0.f}, {0.f, 0.5f, 1.5f}});
        q.observe(w, true);
        q.finalize();
        QCOMPARE(q.scale().sizes().vec(), (std::vector<int64_t>{2}));
        QVERIFY(same(q.scale(), t({0.2f, 0.1f})));
        QVERIFY(same(q.zeroPoint(), t({5.f, 0.f})));
        const torch::Tensor y = q.apply(w);
        QCOMPARE(y.sizes(), w.sizes());
        QVERIFY(same(y, w, 1e-6));  // every value here lies on its row's grid
    }

    void emaObserver() {
        FakeQuantizer q("a", false, {8, false}, Granularity::PerTensor, 0, ObserverKind::Ema, false,
                        false);
        q.observe(t({-1.f, 1.f}), false);
        q.observe(t({-3.f, 3.f}), true);
        q.finalize();
        // min = -1 + 0.01 (-3 + 1) = -1.02; max = 1.02; s = 2.04 / 255.
        QVERIFY(std::abs(q.scale().item<float>() - 2.04f / 255) < 1e-7);
        QCOMPARE(q.zeroPoint().item<float>(), std::round(1.02f / (2.04f / 255)));
    }

    void minmaxObserverAcrossBatches() {
        FakeQuantizer q("a", false, {8, false}, Granularity::PerTensor, 0, ObserverKind::MinMax,
                        false, false);
        q.observe(t({-1.f, 1.f}), false);
        q.observe(t({0.f, 4.f}), true);
        q.finalize();
        QVERIFY(std::abs(q.scale().item<float>() - 5.f / 255) < 1e-7);
    }

    void percentileObserver() {
        // 100000 values 0..99999: the 0.99999 quantile (nearest rank) is 99998, its mirror is 1.
        FakeQuantizer q("a", false, {8, false}, Granularity::PerTensor, 0, ObserverKind::Percentile,
                        false, false);
        q.observe(torch::arange(100000, torch::kFloat32), true);
        q.finalize();
        QVERIFY(std::abs(q.scale().item<double>() - 99997.0 / 255) < 1e-2);
    }

    void omsePicksLeastError() {
        torch::manual_seed(0);
        torch::Tensor x = torch::randn({4000});
        x[0] = 40.f;  // one outlier stretches min/max
        FakeQuantizer q("a", false, {4, false}, Granularity::PerTensor, 0, ObserverKind::Omse,
                        false, false);
        q.observe(x, true);
        q.finalize();
        // The definition: the least-L2 candidate among the 90 shrunken ranges.
        double best = 1e30;
        float bestScale = 0;
        for (int i = 0; i < 90; ++i) {
            const double f = 1 - 0.01 * i;
            torch::Tensor s, z;
            rangeToParams(x.min().reshape({1}) * f, x.max().reshape({1}) * f, {4, false}, &s, &z);
            const double e = (fakeQuantize(x, s, z, 0, 15) - x).pow(2).sum().item<double>();
            if (e < best) best = e, bestScale = s.item<float>();
        }
        QCOMPARE(q.scale().item<float>(), bestScale);
        torch::Tensor s0, z0;
        rangeToParams(x.min().reshape({1}), x.max().reshape({1}), {4, false}, &s0, &z0);
        QVERIFY(q.scale().item<float>() < s0.item<float>());  // it did shrink the range
        const double omseErr = (q.apply(x) - x).pow(2).sum().item<double>();
        const double mmErr = (fakeQuantize(x, s0, z0, 0, 15) - x).pow(2).sum().item<double>();
        QVERIFY(omseErr < mmErr);
    }

    void ptfPicksExpectedFactors() {
        // Four channels spanning +-1, +-2, +-4, +-8: the layer-wise range is +-8, s1 = s8 / 8, and
        // each channel's best factor is the one whose range just covers it: 1, 2, 4, 8.
        const torch::Tensor base = torch::linspace(-1, 1, 201);
        const torch::Tensor x =
            torch::stack({base, base * 2, base * 4, base * 8}, 1).unsqueeze(0);  // [1, 201, 4]
        FakeQuantizer q("blocks.0.residual1.out", false, {8, false}, Granularity::PerChannel, -1,
                        ObserverKind::MinMax, true, false);
        q.observe(x, true);
        q.finalize();
        const double s8 = 16.0 / 255, s1 = s8 / 8;
        QCOMPARE(q.scale().numel(), int64_t(4));
        for (int c = 0; c < 4; ++c)
            QVERIFY2(
                std::abs(q.scale()[c].item<double>() / s1 - std::ldexp(1.0, c)) < 1e-4,
                qPrintable(
                    QString("channel %1: factor %2").arg(c).arg(q.scale()[c].item<double>() / s1)));
        // One zero point shared by all channels.
        QCOMPARE(q.zeroPoint()[0].item<float>(), q.zeroPoint()[3].item<float>());
        // Applied along the last dim.
        QCOMPARE(q.apply(x).sizes(), x.sizes());
    }

    void log2Quantizer() {
        // 3 bits: q in 0..7, and values with round(-log2 x) >= 8 become 0.
        const torch::Tensor y = log2Quantize(t({1.f, 0.25f, 0.3f, 0.125f, 1.f / 256, 1e-6f}), 3);
        QVERIFY(same(y, t({1.f, 0.25f, 0.25f, 0.125f, 0.f, 0.f})));
    }

    void disabledIsIdentity() {
        FakeQuantizer q("a", false, {0, false}, Granularity::PerTensor, 0, ObserverKind::MinMax,
                        false, false);
        const torch::Tensor x = torch::randn({10});
        q.observe(x, true);
        q.finalize();
        QVERIFY(same(q.apply(x), x, 0));
    }
};

QTEST_GUILESS_MAIN(TestFakeQuantizer)
#include "TestFakeQuantizer.moc"
