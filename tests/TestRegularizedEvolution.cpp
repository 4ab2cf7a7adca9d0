#include <QtTest>
#include <cmath>

#include "search/RegularizedEvolution.h"

using namespace evolq;

namespace {
// A jagged bowl: a quadratic with its minimum at 0.5 in every coordinate, plus fine ripples that
// make many local minima along any line.
double jagged(const torch::Tensor& g) {
    const torch::Tensor d = g - 0.5;
    return (d.pow(2).sum() + 0.002 * torch::sin(300 * g).sum()).item<double>();
}
}  // namespace

class TestRegularizedEvolution : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void findsTheMinimumRegion() {
        RegularizedEvolution evo(15, 10, 0.05);
        const torch::Tensor start = torch::full({4}, 0.1f);
        evo.reset(start, jagged(start));
        std::mt19937_64 rng(1);
        double lastBest = evo.best().fitness;
        const double startFitness = lastBest;
        for (int cycle = 0; cycle < 1500; ++cycle) {
            const torch::Tensor child = evo.propose(rng);
            evo.accept(child, jagged(child));
            QVERIFY(evo.best().fitness <= lastBest);  // the best never gets worse
            lastBest = evo.best().fitness;
        }
        const torch::Tensor best = evo.best().genome;
        QVERIFY2((best - 0.5).abs().max().item<double>() < 0.05,
                 qPrintable(QString("best %1").arg((best - 0.5).abs().max().item<double>())));
        QVERIFY(lastBest < startFitness - 0.5);
        QCOMPARE(static_cast<int>(evo.population().size()), 15);
    }

    void childIsAbsOfParentPlusBoundedNoise() {
        RegularizedEvolution evo(3, 2, 0.01);
        const torch::Tensor g = torch::tensor({0.001f, 0.5f, 2.0f});
        evo.reset(g, 1.0);
        std::mt19937_64 rng(7);
        for (int i = 0; i < 50; ++i) {
            const torch::Tensor c = evo.propose(rng);
            QVERIFY((c >= 0).all().item<bool>());  // |.| keeps scales positive
            QVERIFY(((c - g).abs() <= 0.01 + 1e-6).all().item<bool>() ||  // within r of the parent,
                    (c[0].item<float>() < 0.011f));                       // or reflected at zero
        }
    }

    // With a per-element step the noise is U(-r, r) times that element's step: a relative range.
    void relativeStepScalesTheNoisePerElement() {
        RegularizedEvolution evo(3, 2, 0.1);
        const torch::Tensor g = torch::tensor({0.01f, 1.0f, 100.0f});
        evo.reset(g, 1.0, g);
        std::mt19937_64 rng(11);
        torch::Tensor largest = torch::zeros({3});
        for (int i = 0; i < 200; ++i) {
            const torch::Tensor c = evo.propose(rng);
            const torch::Tensor rel = (c - g).abs() / g;
            QVERIFY((rel <= 0.1 + 1e-5).all().item<bool>());
            largest = torch::maximum(largest, rel);
        }
        // Each element uses most of its own range: an absolute r = 0.1 would have moved the first
        // element by up to 10x its size and the last by at most 0.1 %.
        QVERIFY((largest > 0.08).all().item<bool>());
        // Without a step the same draws give the absolute range again.
        evo.reset(g, 1.0);
        std::mt19937_64 rng2(11);
        for (int i = 0; i < 50; ++i)
            QVERIFY(((evo.propose(rng2) - g).abs() <= 0.1 + 1e-5).all().item<bool>());
    }

    void dropsTheWorst() {
        RegularizedEvolution evo(2, 1, 0.1);
        evo.reset(torch::zeros({1}), 5.0);
        evo.accept(torch::ones({1}), 1.0);      // replaces one copy of 5.0
        evo.accept(torch::ones({1}) * 2, 9.0);  // the worst: dropped at once
        QCOMPARE(evo.population().size(), size_t(2));
        QCOMPARE(evo.best().fitness, 1.0);
        QCOMPARE(evo.population()[0].fitness + evo.population()[1].fitness, 6.0);
    }

    void deterministicForASeed() {
        auto runOnce = [](uint64_t seed) {
            RegularizedEvolution evo(15, 10, 0.05);
            evo.reset(torch::full({8}, 0.3f), jagged(torch::full({8}, 0.3f)));
            std::mt19937_64 rng(seed);
            for (int i = 0; i < 100; ++i) {
                const torch::Tensor c = evo.propose(rng);
                evo.accept(c, jagged(c));
            }
            return evo.best().genome;
        };
        QVERIFY(torch::equal(runOnce(3), runOnce(3)));
        QVERIFY(!torch::equal(runOnce(3), runOnce(4)));
    }
};

QTEST_GUILESS_MAIN(TestRegularizedEvolution)
#include "TestRegularizedEvolution.moc"
