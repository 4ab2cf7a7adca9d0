#include <QtTest>
#include <algorithm>
#include <set>

#include "TestSupport.h"
#include "landscape/LandscapeSweep.h"

using namespace evolq;

class TestLandscapeSweep : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<VitModel> m_model;
    std::unique_ptr<QuantizedVit> m_q;
    torch::Tensor m_calib, m_labels;

private Q_SLOTS:
    void initTestCase() {
        at::set_num_threads(2);
        m_model = test::makeModel(test::smallInfo(2), m_dir.filePath("m"));
        torch::manual_seed(4);
        m_calib = torch::randn({30, 3, 32, 32});
        m_labels = torch::randint(0, 7, {30}, torch::kInt64);
        QuantConfig cfg;
        cfg.weightBits = 4;  // the ranges below are Evol-Q's at 4-bit weights
        cfg.calibBatch = 10;
        m_q = std::make_unique<QuantizedVit>(m_model, cfg);
        m_q->calibrate(m_calib);
    }

    void directionsNormalizedAsSpecified() {
        LandscapeSettings s;
        s.block = 1;
        s.subset = 0;
        s.batch = 10;
        const double r = 1e-3;  // Evol-Q's range at 4-bit weights
        LandscapeSweep rnd(*m_q, m_calib, m_labels, s);
        const torch::Tensor g = m_q->genome(1);
        QVERIFY(torch::equal(rnd.centre(), g));
        QVERIFY(std::abs(rnd.direction(0).pow(2).mean().sqrt().item<double>() - 1) <
                1e-5);  // unit RMS
        // a in units of r: g + a r p (away from zero).
        const torch::Tensor step = rnd.scalesAt(2.0, 0) - g;
        QVERIFY(torch::allclose(step, 2 * r * rnd.direction(0), 1e-4, 1e-7));
        s.direction = DirectionKind::Mutation;
        LandscapeSweep mut(*m_q, m_calib, m_labels, s);
        QVERIFY((mut.direction(0).abs() <= 1).all().item<bool>());
        QVERIFY(mut.direction(0).abs().max().item<double>() > 0.9);
        s.unit = RadiusUnit::ScaleFraction;
        s.direction = DirectionKind::Random;
        LandscapeSweep frac(*m_q, m_calib, m_labels, s);
        // a as a fraction of each channel's own scale: filter normalization.
        QVERIFY(torch::allclose(frac.scalesAt(0.01, 0), g * (1 + 0.01 * frac.direction(0)).abs(),
                                1e-5, 1e-9));
        s.direction = DirectionKind::Channel;
        s.channel = 5;
        LandscapeSweep ch(*m_q, m_calib, m_labels, s);
        QCOMPARE(ch.direction(0).sum().item<float>(), 1.0f);
        QCOMPARE(ch.direction(0)[5].item<float>(), 1.0f);
        s.direction = DirectionKind::Toward;
        s.towardFile = "target.json";  // recorded only: the sweep takes the target scales
        const torch::Tensor target = g * 1.1;
        LandscapeSweep tw(*m_q, m_calib, m_labels, s, target);
        QVERIFY(torch::allclose(tw.scalesAt(1.0, 0), target));
        QVERIFY(torch::allclose(tw.scalesAt(0.0, 0), g));
    }

    void gridVisitsEveryPointOnceCoarseToFine() {
        for (int n : {5, 21, 51}) {
            const auto order = LandscapeSweep::visitOrder(n, 2);
            QCOMPARE(static_cast<int>(order.size()), n * n);
            std::set<std::pair<int, int>> seen(order.begin(), order.end());
            QCOMPARE(static_cast<int>(seen.size()), n * n);
            QCOMPARE(order.front(), std::make_pair(n / 2, n / 2));  // the centre first
            // Every point of a coarser lattice comes before any point of a finer one.
            auto level = [n](std::pair<int, int> p) {
                int l = 0;
                for (int s = 1; s < n; s *= 2)
                    if ((p.first % s == 0 || p.first == n - 1) &&
                        (p.second % s == 0 || p.second == n - 1))
                        l = s;
                return l;
            };
            for (size_t k = 2; k < order.size(); ++k)
                QVERIFY(level(order[k]) <= level(order[k - 1]) || k < 2);
            // The last point computed is on the finest lattice.
            QCOMPARE(level(order.back()), 1);
        }
        const auto line = LandscapeSweep::visitOrder(7, 1);
        QCOMPARE(static_cast<int>(line.size()), 7);
        QCOMPARE(line[3].first, 3);
    }

    void jaggednessOnSyntheticLines() {
        // Minima at indices 1 and 3; TV 2+1+2+4 = 9 over a net change of 1; centre 2, best 0.
        Jaggedness j = LandscapeSweep::jaggedness1D({3, 1, 2, 0, 4});
        QCOMPARE(j.localMinima, 2);
        QCOMPARE(j.tvRatio, 9.0);
        QCOMPARE(j.bestGainOverCentre, 2.0);
        // A smooth bowl has one minimum and no excess variation beyond going down and up.
        std::vector<double> bowl;
        for (int i = -10; i <= 10; ++i) bowl.push_back(i * i + 0.5 * i);
        j = LandscapeSweep::jaggedness1D(bowl);
        QCOMPARE(j.localMinima, 1);
        // A sine with k periods on a slope has k minima.
        std::vector<double> wave;
        for (int i = 0; i <= 400; ++i)
            wave.push_back(std::sin(i * 2 * M_PI * 5 / 400.0 + 0.3) + 0.001 * i);
        QCOMPARE(LandscapeSweep::jaggedness1D(wave).localMinima, 5);
        // Plateaus are not strict minima.
        QCOMPARE(LandscapeSweep::jaggedness1D({2, 1, 1, 2}).localMinima, 0);
        // 2-D: two pits in a 5 x 5 grid.
        std::vector<double> grid(25, 5.0);
        grid[1 * 5 + 1] = 1;
        grid[3 * 5 + 3] = 2;
        QCOMPARE(LandscapeSweep::localMinima2D(grid, 5), 2);
    }

    void sweepStreamsPointsAndRestoresScales() {
        LandscapeSettings s;
        s.block = 0;
        s.dims = 2;
        s.points = 5;
        s.subset = 20;
        s.batch = 10;
        s.losses = {"infonce", "mse", "kl", "cosine", "ce", "top1"};
        const auto before = m_q->state();
        LandscapeSweep sweep(*m_q, m_calib, m_labels, s);
        int streamed = 0;
        const LandscapeResult r = sweep.run([&](const LandscapePoint& p) {
            ++streamed;
            QCOMPARE(p.values.size(), 6);
        });
        QCOMPARE(streamed, 25);
        QCOMPARE(static_cast<int>(r.points.size()), 25);
        QCOMPARE(static_cast<int>(r.jaggedness.size()), 6);
        const auto after = m_q->state();
        for (size_t i = 0; i < before.scales.size(); ++i)
            QVERIFY(torch::equal(before.scales[i], after.scales[i]));
        // The centre point is the current model: its MSE equals the fitness function's.
        for (const LandscapePoint& p : r.points)
            if (p.i == 2 && p.j == 2) {
                QVERIFY(p.values[5] >= 0 && p.values[5] <= 100);
                QVERIFY(p.values[1] >= 0);
            }
        // Cancel stops early and still restores.
        SearchControl ctl;
        ctl.cancel = true;
        const LandscapeResult c = sweep.run({}, &ctl);
        QVERIFY(c.cancelled);
        QVERIFY(c.points.empty());
    }

    // Top-1 is better when higher: its pits are local maxima and its best gain is max - centre.
    void accuracyJaggednessTakesTheHigherAsBetter() {
        LandscapeSettings s;
        s.block = 1;
        s.dims = 1;
        s.points = 9;
        s.radius = 40;  // wide enough that top-1 on 20 images moves
        s.subset = 20;
        s.batch = 10;
        s.losses = {"ce", "top1"};
        LandscapeSweep sweep(*m_q, m_calib, m_labels, s);
        const LandscapeResult r = sweep.run();
        QCOMPARE(static_cast<int>(r.points.size()), 9);
        std::vector<double> top1(9), ce(9);
        for (const LandscapePoint& p : r.points) {
            ce[p.i] = p.values[0];
            top1[p.i] = p.values[1];
        }
        int maxima = 0;
        for (int i = 1; i + 1 < 9; ++i) maxima += top1[i] > top1[i - 1] && top1[i] > top1[i + 1];
        const double best = *std::max_element(top1.begin(), top1.end());
        const double worst = *std::min_element(top1.begin(), top1.end());
        QVERIFY2(best > worst, "the line must move top-1 for this test to mean something");
        QCOMPARE(r.jaggedness[1].localMinima, maxima);
        QCOMPARE(r.jaggedness[1].bestGainOverCentre, best - top1[4]);
        QVERIFY(r.jaggedness[1].bestGainOverCentre >= 0);
        // A loss keeps its own sense.
        const double ceBest = *std::min_element(ce.begin(), ce.end());
        QCOMPARE(r.jaggedness[0].bestGainOverCentre, ce[4] - ceBest);
        QCOMPARE(r.jaggedness[0].localMinima, LandscapeSweep::jaggedness1D(ce).localMinima);
    }

    void oneQuantizer() {
        LandscapeSettings s;
        s.quantizer = "blocks.1.mlp.fc1.weight";
        s.points = 3;
        s.subset = 10;
        s.batch = 10;
        LandscapeSweep sweep(*m_q, m_calib, m_labels, s);
        QCOMPARE(sweep.centre().numel(), int64_t(96));
        QCOMPARE(static_cast<int>(sweep.run().points.size()), 3);
        s.quantizer = "blocks.1.attn.qkv.out";
        QVERIFY_THROWS_EXCEPTION(std::exception, LandscapeSweep(*m_q, m_calib, m_labels, s));
    }
};

QTEST_GUILESS_MAIN(TestLandscapeSweep)
#include "TestLandscapeSweep.moc"
