#include <QJsonArray>
#include <QtTest>
#include <cmath>

#include "TestSupport.h"
#include "landscape/LiveLandscape.h"
#include "model/Runtime.h"
#include "search/EvolSearch.h"
#include "search/SearchStrategy.h"

using namespace evolq;

namespace {

// What a run leaves: every block's genome and the fitness history.
struct Outcome {
    std::vector<torch::Tensor> genomes;
    QJsonArray history;
};

// What the live landscape reported during a run.
struct Seen {
    QVector<LandscapeStart> slices;
    QVector<LandscapePoint> points;
    QVector<CandidateEvent> candidates;
    QVector<LandscapeSummary> ends;
    QVector<FitnessEvent> fitness;
};

}  // namespace

class TestLiveLandscape : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<VitModel> m_model;
    torch::Tensor m_calib;

    std::unique_ptr<QuantizedVit> baseline() {
        QuantConfig cfg;
        cfg.weightBits = 3;
        cfg.calibBatch = 20;
        auto q = std::make_unique<QuantizedVit>(m_model, cfg);
        q->calibrate(m_calib);
        return q;
    }
    static SearchSettings settings() {
        SearchSettings s;
        s.passes = 2;
        s.cycles = 2;
        s.seed = 5;
        s.fitness.batch = 20;
        s.mutationRange = 5e-3;
        s.valSubset = 0;
        return s;
    }

    // One run; with `live` set, the live landscape hooked in as the session hooks it.
    Outcome run(const SearchSettings& s, Seen* seen = nullptr) {
        auto q = baseline();
        const std::unique_ptr<SearchStrategy> strategy = makeSearchStrategy(*q, m_calib, s);
        SearchStrategy& search = *strategy;
        SearchCallbacks cb;
        std::unique_ptr<LiveLandscape> live;
        if (seen) cb.fitness = [seen](const FitnessEvent& e) { seen->fitness.append(e); };
        if (s.live.enabled()) {
            live = std::make_unique<LiveLandscape>(*q, m_calib, s.live, s.fitness,
                                                   search.rangeUsed(), s.relativeMutation, s.seed);
            LiveLandscapeCallbacks lc;
            lc.sliceStart = [seen](const LandscapeStart& e) { seen->slices.append(e); };
            lc.point = [seen](const LandscapePoint& p) { seen->points.append(p); };
            lc.candidate = [seen](const CandidateEvent& c) { seen->candidates.append(c); };
            lc.sliceEnd = [seen](const LandscapeSummary& e) { seen->ends.append(e); };
            live->setCallbacks(lc);
            cb = live->attach(cb);
        }
        search.setCallbacks(cb);
        if (search.run() != SearchStatus::Finished) return {};
        Outcome o;
        for (int b = 0; b < q->model().depth(); ++b) o.genomes.push_back(q->genome(b).clone());
        o.history = search.provenance().value("fitness_history").toArray();
        return o;
    }

    // Runs s with the live landscape off, then with a 5-point 1-D slice on (recording into seen),
    // and checks the two runs give the same genomes and history.
    void runOffAndOnWithTheSameResult(SearchSettings s, Seen& seen) {
        const Outcome off = run(s);
        QVERIFY(!off.genomes.empty());
        s.live.dims = 1;
        s.live.points = 5;
        s.live.share = 1000;
        const Outcome on = run(s, &seen);
        QCOMPARE(on.genomes.size(), off.genomes.size());
        for (size_t b = 0; b < on.genomes.size(); ++b)
            QVERIFY(torch::equal(on.genomes[b], off.genomes[b]));
        QCOMPARE(on.history, off.history);
    }

private Q_SLOTS:
    void initTestCase() {
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        m_model = test::makeModel(test::smallInfo(2), m_dir.filePath("m"));
        torch::manual_seed(2);
        m_calib = torch::randn({40, 3, 32, 32});
    }

    void sameResultWithAndWithout_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<QString>("axes");
        QTest::addColumn<int>("subset");
        QTest::addRow("1-D random") << 1 << "random" << 0;
        QTest::addRow("2-D mutation") << 2 << "mutation" << 0;
        QTest::addRow("1-D best, subset") << 1 << "best" << 20;
    }
    // The search's result is bit-identical with the live landscape on; slices, points and every
    // evaluation arrived on the way.
    void sameResultWithAndWithout() {
        QFETCH(int, dims);
        QFETCH(QString, axes);
        QFETCH(int, subset);
        const Outcome off = run(settings());
        QVERIFY(!off.genomes.empty());

        SearchSettings s = settings();
        s.live.dims = dims;
        s.live.points = dims == 2 ? 3 : 5;
        s.live.axes = LiveLandscapeSettings::axesFromName(axes);
        s.live.share = 1000;  // time enough for whole slices
        s.live.subset = subset;
        Seen seen;
        const Outcome on = run(s, &seen);
        QCOMPARE(on.genomes.size(), off.genomes.size());
        for (size_t b = 0; b < on.genomes.size(); ++b)
            QVERIFY2(torch::equal(on.genomes[b], off.genomes[b]), qPrintable(QString::number(b)));
        QCOMPARE(on.history, off.history);

        const int visits = 2 * 2, cells = dims == 2 ? 9 : 5;
        QCOMPARE(seen.slices.size(), visits);
        QCOMPARE(seen.ends.size(), visits);
        QCOMPARE(seen.candidates.size(), seen.fitness.size());
        QCOMPARE(seen.points.size(), visits * cells);
        for (int v = 0; v < visits; ++v) {
            QCOMPARE(seen.slices[v].visit, v);
            QCOMPARE(seen.slices[v].block, 1 - v % 2);  // last to first
            QCOMPARE(seen.slices[v].images.isEmpty(), subset == 0);
            QVERIFY(!seen.ends[v].cancelled);  // complete
        }
        // The starting genome is the centre; with the fitness's own images the slice's centre
        // point is its fitness.
        for (const CandidateEvent& c : seen.candidates) {
            QCOMPARE(c.evaluation, seen.fitness[c.evaluation - 1].evaluation);
            QCOMPARE(c.fitness, seen.fitness[c.evaluation - 1].childFitness);
            if (!c.isStart) {
                QVERIFY(!std::isnan(c.parentA));
                continue;
            }
            QCOMPARE(c.a, 0.0);
            QCOMPARE(c.b, 0.0);
            QVERIFY(c.isBest);
            if (subset > 0) continue;
            for (const LandscapePoint& p : seen.points)
                if (p.visit == c.visit && p.i == p.j + (dims == 1 ? 2 : 0) &&
                    p.i == (dims == 2 ? 1 : 2))
                    // The same genome, evaluated again (the search may reuse an earlier figure).
                    QVERIFY(std::abs(p.values[0] - c.fitness) <= 1e-5 * std::abs(c.fitness));
        }
    }

    // Reconstruction's Adam steps have no fitness value of the run, yet each shows on the live
    // landscape as a child of the step before; the result is the same with the landscape on.
    void reconstructionStepsShowOnTheSlice() {
        SearchSettings s = settings();
        s.strategy = StrategyKind::Reconstruct;
        s.reconstruct.steps = 3;
        Seen seen;
        runOffAndOnWithTheSameResult(s, seen);
        if (QTest::currentTestFailed()) return;
        const int blocks = 2;
        QCOMPARE(seen.slices.size(), blocks);
        // Per block: its start, 3 steps, its end.
        QCOMPARE(seen.fitness.size(), 2 * blocks);
        QCOMPARE(seen.candidates.size(), (2 + 3) * blocks);
        int steps = 0;
        for (const CandidateEvent& c : seen.candidates) {
            QVERIFY(std::isfinite(c.fitness));
            if (c.cycle >= 1 && !c.isStart) {
                ++steps;
                QVERIFY(!std::isnan(c.parentA));
            }
        }
        QCOMPARE(steps, 3 * blocks);
    }

    // The similarity search's layer steps show too: per block its start, three layers' intervals
    // and its end (the fourth layer's), with the same result.
    void similarityLayersShowOnTheSlice() {
        SearchSettings s = settings();
        s.strategy = StrategyKind::Similarity;
        s.similarity.candidates = 4;
        s.similarity.rounds = 1;
        s.similarity.images = 8;
        Seen seen;
        runOffAndOnWithTheSameResult(s, seen);
        if (QTest::currentTestFailed()) return;
        QCOMPARE(seen.fitness.size(), 2 * 2);
        QCOMPARE(seen.candidates.size(), (2 + 3) * 2);
    }

    // A share of the search's time: a small share computes a coarse slice, never the whole one,
    // and the visit ends with the figures of what was computed.
    void shareLimitsThePoints() {
        SearchSettings s = settings();
        s.passes = 1;
        s.live.dims = 1;
        s.live.points = 201;
        s.live.share = 0.5;
        Seen seen;
        QVERIFY(!run(s, &seen).genomes.empty());
        QCOMPARE(seen.ends.size(), 2);
        QVERIFY(seen.points.size() < 2 * 201);
        for (const LandscapeSummary& e : seen.ends) QVERIFY(e.cancelled);
    }

    void projection() {
        torch::manual_seed(3);
        const torch::Tensor u1 = torch::randn({50}), u2 = torch::randn({50});
        auto [a, b] = LiveLandscape::project(0.7 * u1 - 0.3 * u2, u1, u2);
        QVERIFY(std::abs(a - 0.7) < 1e-5);
        QVERIFY(std::abs(b + 0.3) < 1e-5);
        // 1-D: the least-squares coordinate; what is off the axis does not count.
        const torch::Tensor off = u2 - u1 * (u1.dot(u2) / u1.dot(u1));
        std::tie(a, b) = LiveLandscape::project(2.5 * u1 + off, u1);
        QVERIFY(std::abs(a - 2.5) < 1e-4);
        QCOMPARE(b, 0.0);
    }

    void visitOrderIsCoarseToFine() {
        const auto order = LiveLandscape::visitOrder(21, 1);
        QCOMPARE(int(order.size()), 21);
        QCOMPARE(order[0].first, 10);  // the centre first, then the ends
        QCOMPARE(order[1].first, 0);
        QCOMPARE(order[2].first, 20);
        std::vector<int> seen(21, 0);
        for (const auto& [i, j] : order) {
            QCOMPARE(j, 0);
            ++seen[i];
        }
        for (int c : seen) QCOMPARE(c, 1);
        QCOMPARE(int(LiveLandscape::visitOrder(5, 2).size()), 25);
    }

    // The figures of a partial 2-D slice count the pits of its finest complete lattice.
    void jaggednessOfACoarseSlice() {
        std::vector<LandscapePoint> pts;
        auto add = [&](int i, int j, double v) {
            LandscapePoint p;
            p.i = i;
            p.j = j;
            p.values = {v};
            pts.push_back(p);
        };
        // A 5 x 5 grid of which only the stride-2 lattice (3 x 3) is known, a pit in its middle.
        for (int j = 0; j < 5; j += 2)
            for (int i = 0; i < 5; i += 2) add(i, j, i == 2 && j == 2 ? 0.0 : 1.0);
        QCOMPARE(LiveLandscape::jaggedness(pts, 5, 2).localMinima, 1);
        // 1-D: two pits, the centre 0.5 above the best.
        std::vector<LandscapePoint> line;
        const double v[] = {3, 1, 2, 0.5, 1};
        for (int i = 0; i < 5; ++i) {
            LandscapePoint p;
            p.i = i;
            p.values = {v[i]};
            line.push_back(p);
        }
        const Jaggedness j = LiveLandscape::jaggedness(line, 5, 1);
        QCOMPARE(j.localMinima, 2);
        QCOMPARE(j.bestGainOverCentre, 1.5);
    }
};

QTEST_GUILESS_MAIN(TestLiveLandscape)
#include "TestLiveLandscape.moc"
