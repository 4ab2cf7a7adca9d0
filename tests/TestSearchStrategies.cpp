#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "TestSupport.h"
#include "common/Error.h"
#include "io/ScaleFile.h"
#include "quant/MixedPrecision.h"
#include "search/EvolSearch.h"
#include "search/Reconstruction.h"
#include "search/SimilaritySearch.h"

using namespace evolq;

// The rival strategies behind SearchStrategy: random search, the similarity interval search,
// reconstruction and mixed precision, and what every strategy shares.
class TestSearchStrategies : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<VitModel> m_model;
    torch::Tensor m_calib, m_val, m_valLabels;

    std::unique_ptr<QuantizedVit> baseline(int wbits = 3) {
        QuantConfig cfg;
        cfg.weightBits = wbits;
        cfg.calibBatch = 20;
        auto q = std::make_unique<QuantizedVit>(m_model, cfg);
        q->calibrate(m_calib);
        return q;
    }
    SearchSettings settings(StrategyKind k) {
        SearchSettings s;
        s.strategy = k;
        s.passes = 2;
        s.cycles = 3;
        s.seed = 5;
        s.fitness.batch = 20;
        s.mutationRange = 5e-3;
        s.similarity.candidates = 12;
        s.similarity.rounds = 2;
        s.similarity.images = 8;
        s.reconstruct.steps = 3;
        s.reconstruct.learningRate = 1e-2;
        return s;
    }
    static QByteArray scalesOf(const QuantizedVit& q) {
        return QJsonDocument(ScaleFile::toJson(q, {}).value("quantizers").toArray()).toJson();
    }

private Q_SLOTS:
    void initTestCase() {
        at::set_num_threads(2);
        m_model = test::makeModel(test::smallInfo(3), m_dir.filePath("m"));
        torch::manual_seed(2);
        m_calib = torch::randn({40, 3, 32, 32});
        m_val = torch::randn({30, 3, 32, 32});
        m_valLabels = torch::randint(0, 7, {30}, torch::kInt64);
    }

    // Random search spends exactly Evol-Q's budget: as many fitness values, one per child
    // computed, the visits' starts known.
    void randomSearchSpendsExactlyItsBudget() {
        auto q = baseline();
        const SearchSettings s = settings(StrategyKind::Random);
        auto search = makeSearchStrategy(*q, m_calib, s, m_val, m_valLabels);
        int fitnessEvents = 0, visits = 0;
        SearchCallbacks cb;
        cb.fitness = [&](const FitnessEvent& e) {
            ++fitnessEvents;
            QCOMPARE(e.evaluation, fitnessEvents);
        };
        cb.blockVisit = [&](const BlockVisitEvent&) { ++visits; };
        search->setCallbacks(cb);
        QCOMPARE(search->run(), SearchStatus::Finished);
        const int L = q->model().depth();
        auto other = baseline();
        EvolSearch evol(*other, m_calib, settings(StrategyKind::EvolQ));
        QCOMPARE(search->evaluationsTotal(), evol.evaluationsTotal());
        QCOMPARE(search->evaluationsDone(), s.passes * L * (1 + s.cycles));
        QCOMPARE(fitnessEvents, search->evaluationsDone());
        QCOMPARE(search->evaluationsComputed(), 1 + s.passes * L * s.cycles);
        QCOMPARE(visits, s.passes * L);
        QVERIFY(search->bestFitness() <= search->baselineFitness());
        QCOMPARE(search->provenance().value("strategy").toString(), QString("random"));
    }

    // Random search differs from Evol-Q (its children are all drawn around the visit's start).
    void randomSearchIsNotEvolQ() {
        auto a = baseline(), b = baseline();
        makeSearchStrategy(*a, m_calib, settings(StrategyKind::Random))->run();
        makeSearchStrategy(*b, m_calib, settings(StrategyKind::EvolQ))->run();
        QVERIFY(scalesOf(*a) != scalesOf(*b));
    }

    void everyStrategyIsDeterministicForASeed_data() {
        QTest::addColumn<int>("strategy");
        QTest::addColumn<double>("mixed");
        for (StrategyKind k : strategyKinds())
            QTest::addRow("%s", qPrintable(strategyName(k))) << static_cast<int>(k) << 0.0;
        QTest::addRow("random+mixed") << static_cast<int>(StrategyKind::Random) << 4.0;
    }
    void everyStrategyIsDeterministicForASeed() {
        QFETCH(int, strategy);
        QFETCH(double, mixed);
        SearchSettings s = settings(static_cast<StrategyKind>(strategy));
        s.mixedPrecision = mixed;
        auto a = baseline(), b = baseline();
        const QByteArray before = scalesOf(*a);
        auto sa = makeSearchStrategy(*a, m_calib, s, m_val, m_valLabels);
        auto sb = makeSearchStrategy(*b, m_calib, s, m_val, m_valLabels);
        QCOMPARE(sa->run(), SearchStatus::Finished);
        QCOMPARE(sb->run(), SearchStatus::Finished);
        QCOMPARE(sa->evaluationsDone(), sa->evaluationsTotal());
        QVERIFY(scalesOf(*a) != before);  // it did something
        QCOMPARE(scalesOf(*a), scalesOf(*b));
        QCOMPARE(sa->provenance().value("fitness_history"),
                 sb->provenance().value("fitness_history"));
        QCOMPARE(sa->provenance().value("settings").toObject().value("strategy").toString(),
                 strategyName(s.strategy));
    }

    // Pause and resume, in the one run loop every strategy shares, equal an uninterrupted run.
    void everyStrategyPausesAndResumesExactly_data() {
        QTest::addColumn<int>("strategy");
        for (StrategyKind k : strategyKinds())
            QTest::addRow("%s", qPrintable(strategyName(k))) << static_cast<int>(k);
    }
    void everyStrategyPausesAndResumesExactly() {
        QFETCH(int, strategy);
        const SearchSettings s = settings(static_cast<StrategyKind>(strategy));
        auto ref = baseline();
        makeSearchStrategy(*ref, m_calib, s)->run();
        auto q = baseline();
        auto search = makeSearchStrategy(*q, m_calib, s);
        SearchControl ctl;
        SearchCallbacks cb;
        cb.fitness = [&](const FitnessEvent&) { ctl.pause = true; };
        search->setCallbacks(cb);
        int pauses = 0;
        SearchStatus st;
        while ((st = search->run(&ctl)) == SearchStatus::Paused) {
            ++pauses;
            ctl.pause = false;
        }
        QCOMPARE(st, SearchStatus::Finished);
        QVERIFY(pauses >= q->model().depth());
        QCOMPARE(scalesOf(*q), scalesOf(*ref));
    }

    void rankingLossIsZeroExactlyWhenTheOrderIsKept() {
        torch::manual_seed(3);
        const torch::Tensor a = torch::randn({2, 3, 10, 10});
        QCOMPARE(rankingLoss(a, a), 0.0);
        QCOMPARE(rankingLoss(a, 2 * a + 1), 0.0);          // order-preserving
        QCOMPARE(rankingLoss(a, torch::exp(a) - 5), 0.0);  // order-preserving, nonlinear
        QVERIFY(rankingLoss(a, -a) > 0);
        // Swapping two scores of one row is caught.
        torch::Tensor b = a.clone();
        const torch::Tensor row = b[0][0][0];
        const int64_t hi = row.argmax().item<int64_t>(), lo = row.argmin().item<int64_t>();
        const float vhi = row[hi].item<float>(), vlo = row[lo].item<float>();
        row[hi] = vlo;
        row[lo] = vhi;
        QVERIFY(rankingLoss(a, b) > 0);
        QVERIFY_THROWS_EXCEPTION(Error, rankingLoss(a, a.slice(-1, 0, 5)));
    }

    void similarityMeasures() {
        const torch::Tensor x = torch::randn({50});
        QCOMPARE(outputSimilarity(x, 3 * x + 2, false), 1.0);  // Pearson: affine-invariant
        QVERIFY(outputSimilarity(x, 3 * x + 2, true) < 1.0);   // cosine: not shift-invariant
        QVERIFY(std::abs(outputSimilarity(x, -x, false) + 1.0) < 1e-12);
    }

    // A layer whose target was made with known intervals (0.8 x the weights', 0.9 x the
    // activation's min/max interval): the alternating grid search finds exactly those factors.
    void similaritySearchFindsAKnownInterval() {
        torch::manual_seed(4);
        const torch::Tensor w = torch::randn({12, 16});
        const torch::Tensor bias = torch::randn({12}) * 0.1;
        const torch::Tensor x = torch::randn({64, 16}) * 2;
        FakeQuantizer wq("w", true, BitSpec{3, false}, Granularity::PerChannel, 0,
                         ObserverKind::MinMax, false, false);
        wq.observe(w, true);
        wq.finalize();
        FakeQuantizer aq("a", false, BitSpec{4, false}, Granularity::PerTensor, 0,
                         ObserverKind::MinMax, false, false);
        aq.observe(x, true);
        aq.finalize();
        FakeQuantizer wt = wq, at = aq;
        wt.setScale(wq.scale() * 0.8);
        at.setScale(aq.scale() * 0.9);
        const torch::Tensor target = torch::nn::functional::linear(at.apply(x), wt.apply(w), bias);
        SimilaritySettings s;
        s.candidates = 8;  // 0.5, 0.6, ..., 1.2
        s.rounds = 3;
        const LayerIntervals r = searchLayerIntervals(wq, aq, w, bias, x, target, s, {}, {});
        QVERIFY(std::abs(r.weightFactor - 0.8) < 1e-9);
        QVERIFY(std::abs(r.actFactor - 0.9) < 1e-9);
        QVERIFY(std::abs(r.objective - 1.0) < 1e-9);
        // The min/max interval itself is worse than the one found.
        const torch::Tensor atMinMax =
            torch::nn::functional::linear(aq.apply(x), wq.apply(w), bias);
        QVERIFY(outputSimilarity(atMinMax, target, false) < r.objective);
    }

    // On the model the similarity search raises each layer's similarity to full precision over
    // the baseline's intervals, and reports two fitness values per block.
    void similaritySearchOnTheModel() {
        auto q = baseline();
        const SearchSettings s = settings(StrategyKind::Similarity);
        auto search = makeSearchStrategy(*q, m_calib, s);
        QVector<FitnessEvent> fit;
        SearchCallbacks cb;
        cb.fitness = [&](const FitnessEvent& e) { fit.push_back(e); };
        search->setCallbacks(cb);
        QCOMPARE(search->run(), SearchStatus::Finished);
        QCOMPARE(fit.size(), 2 * q->model().depth());
        QCOMPARE(search->evaluationsDone(), search->evaluationsTotal());
        const QJsonArray layers = search->provenance().value("layers").toArray();
        QCOMPARE(layers.size(), 4 * q->model().depth());
        for (const QJsonValue& v : layers) {
            const double wf = v.toObject().value("weight_factor").toDouble();
            QVERIFY(wf >= s.similarity.low && wf <= s.similarity.high);
        }
    }

    void allocationRespectsTheBudgetAndFavoursHigherNorms() {
        // Liu et al.'s choices, equal sizes: the higher-norm layer gets the bits.
        const std::vector<int> paper{3, 4, 8};
        const std::vector<int> bits = allocateBits({10.0, 1.0}, {100, 100}, 5.5, paper);
        QCOMPARE(bits, (std::vector<int>{8, 3}));
        // The default choices add 2 bits: the lower-norm layer gives its bit up.
        QCOMPARE(allocateBits({10.0, 1.0}, {100, 100}, 5.0), (std::vector<int>{8, 2}));
        QCOMPARE(allocateBits({10.0, 1.0}, {100, 100}, 2.0), (std::vector<int>{2, 2}));
        QVERIFY_THROWS_EXCEPTION(Error, allocateBits({10.0, 1.0}, {100, 100}, 1.5));
        // Unequal sizes: the average, weighted by parameters, stays within the budget.
        const std::vector<int64_t> params{100, 400, 400, 100};
        const std::vector<double> norms{5, 7, 1, 2};
        for (double budget : {3.0, 3.5, 4.0, 5.0, 8.0}) {
            const std::vector<int> b = allocateBits(norms, params, budget, paper);
            double sum = 0, n = 0;
            for (size_t i = 0; i < b.size(); ++i) {
                QVERIFY(b[i] == 3 || b[i] == 4 || b[i] == 8);
                sum += b[i] * double(params[i]);
                n += double(params[i]);
            }
            QVERIFY(sum / n <= budget + 1e-9);
            QVERIFY(b[1] >= b[2]);  // same size, higher norm: at least as many bits
        }
        QCOMPARE(allocateBits(norms, params, 8.0, paper), (std::vector<int>{8, 8, 8, 8}));
        QVERIFY_THROWS_EXCEPTION(Error, allocateBits(norms, params, 2.5, paper));
    }

    void mixedPrecisionOnTheModel() {
        auto q = baseline(4);
        const BitAllocation a = nuclearNormAllocation(*q, m_calib, 4.0);
        QCOMPARE(static_cast<int>(a.bits.size()), 4 * q->model().depth());
        QVERIFY(a.averageBits() <= 4.0 + 1e-9);
        a.apply(*q);
        for (size_t i = 0; i < a.layers.size(); ++i)
            QCOMPARE(q->quantizer(a.layers[i]).bits().bits, a.bits[i]);
        // A run with mixed precision records the allocation; state() and restore() carry bits.
        auto r = baseline(4);
        const QuantizedVit::State before = r->state();
        SearchSettings s = settings(StrategyKind::EvolQ);
        s.mixedPrecision = 4.0;
        s.passes = 1;
        auto search = makeSearchStrategy(*r, m_calib, s);
        search->run();
        const QJsonObject mp = search->provenance().value("mixed_precision").toObject();
        QCOMPARE(mp.value("layers").toArray().size(), 4 * r->model().depth());
        QVERIFY(mp.value("average_bits").toDouble() <= 4.0 + 1e-9);
        r->restore(before);
        for (int i = 0; i < r->quantizerCount(); ++i)
            QCOMPARE(r->quantizer(i).bits().bits, before.bits[i]);
    }

    // Reconstruction lowers its own loss in every block, spends its steps as evaluations, and
    // writes its losses into the provenance.
    void reconstructionLowersItsLoss() {
        auto q = baseline();
        SearchSettings s = settings(StrategyKind::Reconstruct);
        s.reconstruct.steps = 6;
        auto search = makeSearchStrategy(*q, m_calib, s);
        QCOMPARE(search->run(), SearchStatus::Finished);
        const auto* r = dynamic_cast<const Reconstruction*>(search.get());
        QVERIFY(r);
        QCOMPARE(static_cast<int>(r->losses().size()), q->model().depth());
        for (const std::vector<double>& l : r->losses()) {
            QCOMPARE(static_cast<int>(l.size()), 6);
            QVERIFY2(l.back() < l.front(),
                     qPrintable(QString("%1 -> %2").arg(l.front()).arg(l.back())));
        }
        QCOMPARE(search->evaluationsDone(), q->model().depth() * (6 + 2));
        QCOMPARE(search->provenance().value("reconstruction_losses").toArray().size(),
                 q->model().depth());
        // The default budget is Evol-Q's.
        SearchSettings d = settings(StrategyKind::Reconstruct);
        d.reconstruct.steps = 0;
        auto e = baseline(), f = baseline();
        EvolSearch evol(*e, m_calib, d);
        QCOMPARE(makeSearchStrategy(*f, m_calib, d)->evaluationsTotal(), evol.evaluationsTotal());
        // The model's own parameters learn nothing.
        for (const torch::Tensor& p : q->model().parameters())
            QVERIFY(!p.grad().defined() || p.grad().abs().sum().item<double>() == 0);
    }

    void straightThroughRoundingPassesGradients() {
        const torch::Tensor x = torch::linspace(-1, 1, 11);
        const torch::Tensor s = torch::full({1}, 0.1).requires_grad_(true);
        const torch::Tensor z = torch::zeros({1});
        const torch::Tensor y = fakeQuantizeSte(x, s, z, -8, 7);
        QVERIFY(torch::allclose(y.detach(), fakeQuantize(x, s.detach(), z, -8, 7)));
        y.sum().backward();
        QVERIFY(s.grad().defined());
        QVERIFY(s.grad().abs().item<double>() > 0);
    }

    void settingsNameTheStrategy() {
        for (StrategyKind k : strategyKinds()) QCOMPARE(strategyFromName(strategyName(k)), k);
        QVERIFY_THROWS_EXCEPTION(Error, strategyFromName("annealing"));
        QVERIFY_THROWS_EXCEPTION(Error, genomeFromName("everything"));
        SearchSettings s;
        s.strategy = StrategyKind::Similarity;
        s.genome = GenomeKind::Weights;
        s.mixedPrecision = 4;
        s.similarity.candidates = 50;
        s.reconstruct.globalWeight = 0.5;
        const SearchSettings r = SearchSettings::fromJson(s.toJson());
        QCOMPARE(r.toJson(), s.toJson());
        s.mixedPrecision = 2;  // the lowest choice: allowed
        s.validate();
        s.mixedPrecision = 1.5;
        QVERIFY_THROWS_EXCEPTION(Error, s.validate());
        s.mixedPrecision = 9;
        QVERIFY_THROWS_EXCEPTION(Error, s.validate());
    }
};

QTEST_GUILESS_MAIN(TestSearchStrategies)
#include "TestSearchStrategies.moc"
