#include "search/SearchStrategy.h"

#include <chrono>
#include <cmath>

#include "common/Error.h"
#include "common/Eta.h"
#include "data/Evaluate.h"
#include "model/Runtime.h"
#include "quant/MixedPrecision.h"
#include "search/EvolSearch.h"
#include "search/Reconstruction.h"
#include "search/SimilaritySearch.h"

namespace evolq {

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

SearchStrategy::SearchStrategy(QuantizedVit& q, const torch::Tensor& calibImages,
                               const SearchSettings& s, const torch::Tensor& valImages,
                               const torch::Tensor& valLabels)
    : m_q(q),
      m_s(s),
      m_fitness(q, calibImages, s.fitness),
      m_calibImages(calibImages),
      m_rng(s.seed),
      m_range(s.rangeFor(q.config().weightBits)),
      m_valImages(valImages),
      m_valLabels(valLabels) {
    m_s.validate();
    if (!q.calibrated()) throw Error("the model must be quantized (calibrated) before the search");
}

double SearchStrategy::seconds0() const {
    return m_seconds + since(m_stepStart);
}

SearchStatus SearchStrategy::run(SearchControl* control) {
    torch::NoGradGuard ng;
    if (!m_started) {
        m_started = true;
        const auto t0 = std::chrono::steady_clock::now();
        if (m_s.mixedPrecision > 0) {
            const BitAllocation a = nuclearNormAllocation(m_q, m_calibImages, m_s.mixedPrecision);
            a.apply(m_q);
            m_mixedPrecision = a.toJson(m_q);
        }
        m_baselineFitness = m_fitness.evaluateFull();
        m_overallBest = m_baselineFitness;
        m_currentFitness = m_baselineFitness;
        m_fitnessSeconds += since(t0);
        m_stepStart = std::chrono::steady_clock::now();
        begin();
        m_seconds += since(m_stepStart);
        if (m_cb.start) {
            RunStartEvent e;
            e.blocks = m_q.model().depth();
            e.passes = m_s.passes;
            e.evaluationsTotal = evaluationsTotal();
            e.fp32Top1 = m_fp32Top1;
            e.baselineTop1 = m_baselineTop1;
            e.baselineFitness = m_baselineFitness;
            e.loss = lossName(m_s.fitness.loss);
            e.strategy = strategyName(m_s.strategy);
            e.seed = m_s.seed;
            m_cb.start(e);
        }
    }
    while (!finished()) {
        if (control && control->cancel.load()) {
            if (m_cb.end)
                m_cb.end(RunEndEvent{true, m_overallBest, std::numeric_limits<double>::quiet_NaN(),
                                     m_seconds});
            return SearchStatus::Cancelled;
        }
        if (control && control->pause.load()) return SearchStatus::Paused;
        m_stepStart = std::chrono::steady_clock::now();
        step();
        m_seconds += since(m_stepStart);
    }
    if (m_cb.end)
        m_cb.end(
            RunEndEvent{false, m_overallBest, std::numeric_limits<double>::quiet_NaN(), m_seconds});
    return SearchStatus::Finished;
}

void SearchStrategy::beginVisit(int pass, int block) {
    m_pass = pass;
    m_block = block;
    m_fitness.prepareBlock(block);
    if (m_cb.visitStart)
        m_cb.visitStart(VisitStartEvent{m_visits, pass, block, m_q.genomeSize(block)}, m_fitness);
}

double SearchStrategy::evaluate(int cycle, const torch::Tensor& genome, const torch::Tensor& parent,
                                std::optional<double> known) {
    const auto t0 = std::chrono::steady_clock::now();
    const double f = known ? *known : m_fitness.evaluateFromBlock();
    if (!known) ++m_computed;
    const double took = since(t0);
    m_fitnessSeconds += took;
    ++m_evals;
    m_blockBest = cycle < 0 ? f : std::min(m_blockBest, f);
    m_overallBest = std::min(m_overallBest, f);
    m_evalLog.append(QJsonArray{m_evals, m_pass, m_block, cycle, f});
    if (m_cb.fitness)
        m_cb.fitness(FitnessEvent{m_evals, m_pass, m_block, cycle, f, m_blockBest, m_overallBest,
                                  seconds0()});
    if (m_cb.evaluated) showOnLandscape(cycle, genome, parent, f, took);
    return f;
}

void SearchStrategy::showOnLandscape(int cycle, const torch::Tensor& genome,
                                     const torch::Tensor& parent, double fitness, double seconds) {
    // The live landscape's slices are through the attention genome, the first values of every
    // genome kind.
    const int64_t n = m_q.genomeSize(m_block);
    auto attention = [n](const torch::Tensor& g) {
        return g.defined() && g.numel() > n ? g.reshape({-1}).slice(0, 0, n) : g;
    };
    m_cb.evaluated(EvaluatedGenome{m_evals, m_pass, m_block, cycle, attention(genome),
                                   attention(parent), fitness, seconds});
}

void SearchStrategy::showStep(int cycle, const torch::Tensor& genome, const torch::Tensor& parent) {
    if (!m_cb.evaluated) return;
    const auto t0 = std::chrono::steady_clock::now();
    const double f = m_fitness.evaluateFromBlock();
    showOnLandscape(cycle, genome, parent, f, since(t0));
}

void SearchStrategy::endVisit(double bestFitness, bool unchanged, int inputsKey) {
    m_currentFitness = bestFitness;
    double top1 = std::numeric_limits<double>::quiet_NaN();
    if (m_s.valSubset > 0)
        top1 =
            unchanged && !std::isnan(m_lastTop1) ? m_lastTop1 : validationTop1(m_block, inputsKey);
    m_lastTop1 = top1;
    const double elapsed = seconds0();
    m_visitLog.append(QJsonObject{{"pass", m_pass},
                                  {"block", m_block},
                                  {"best_fitness", bestFitness},
                                  {"top1", std::isnan(top1) ? QJsonValue() : QJsonValue(top1)},
                                  {"evaluations", m_evals},
                                  {"seconds", elapsed}});
    ++m_visits;
    if (m_cb.blockVisit) {
        BlockVisitEvent e;
        e.pass = m_pass;
        e.block = m_block;
        e.bestFitness = bestFitness;
        e.accuracy = top1;
        e.evaluationsDone = m_evals;
        e.evaluationsTotal = evaluationsTotal();
        e.elapsed = elapsed;
        e.eta = std::max(0.0, etaSeconds(elapsed, m_evals, evaluationsTotal()));
        m_cb.blockVisit(e);
    }
}

double SearchStrategy::validationTop1(int block, int inputsKey) {
    if (!m_valImages.defined() || m_valImages.size(0) == 0)
        return std::numeric_limits<double>::quiet_NaN();
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard ng;
    const int L = m_q.model().depth();
    const int64_t n = m_valImages.size(0);
    // While no block before `block` changed (inputsKey unchanged), the validation images' input
    // of every block, computed once, stays valid, and a visit's top-1 runs only blocks b..L and
    // the head. Same chunks and operations as a full forward, so the same figures. Only within a
    // memory budget.
    const ModelInfo& info = m_q.model().info();
    const int64_t tokens = info.numPatches + info.numPrefixTokens;
    const bool cache = inputsKey >= 0 && n * tokens * info.width * L * 4 <= kValidationCacheBytes;
    const int64_t chunks = (n + kValidationChunk - 1) / kValidationChunk;
    auto rows = [&](const torch::Tensor& t, int64_t k) {
        return t.slice(0, k * kValidationChunk, std::min<int64_t>((k + 1) * kValidationChunk, n));
    };
    if (cache && m_valCacheKey != inputsKey) {
        m_valCache = m_q.blockInputs(m_valImages, kValidationChunk);
        m_valCacheKey = inputsKey;
    }
    m_q.prepareConcurrent();
    std::vector<int64_t> correct(chunks, 0);
    forEachChunk(chunks, [&](int64_t k) {
        const torch::Tensor logits = cache ? m_q.head(m_q.runBlocks(block, L, m_valCache[k][block]))
                                           : m_q.forward(rows(m_valImages, k));
        correct[k] = topkCorrect(logits, rows(m_valLabels, k)).first;
    });
    int64_t total = 0;
    for (int64_t c : correct) total += c;
    m_valSeconds += since(t0);
    return 100.0 * total / static_cast<double>(n);
}

QJsonObject SearchStrategy::settingsJson() const {
    // Every setting as given (those of other strategies too, so that a file can be rerun with
    // any of them), then what this strategy resolves them to.
    QJsonObject o = m_s.toJson();
    o.insert("selection", "calibration fitness only");
    addSettings(o);
    return o;
}

QJsonObject SearchStrategy::provenance() const {
    QJsonObject o{
        {"method", method()},
        {"strategy", strategyName(m_s.strategy)},
        {"settings", settingsJson()},
        {"calibration_images", m_fitness.images()},
        {"evaluations", m_evals},
        {"evaluations_computed",
         evaluationsComputed()},  // the baseline's, over the whole model, included
        {"evaluations_total", evaluationsTotal()},
        {"finished", finished()},
        {"baseline_fitness", m_baselineFitness},
        {"best_fitness", m_overallBest},
        {"seconds", m_seconds},
        {"fitness_seconds", m_fitnessSeconds},
        {"validation_seconds", m_valSeconds},
        {"fitness_history_columns", QJsonArray{"evaluation", "pass", "block", "cycle", "fitness"}},
        {"fitness_history", m_evalLog},
        {"block_visits", m_visitLog}};
    if (!m_mixedPrecision.isEmpty()) o.insert("mixed_precision", m_mixedPrecision);
    addProvenance(o);
    return o;
}

std::unique_ptr<SearchStrategy> makeSearchStrategy(QuantizedVit& q,
                                                   const torch::Tensor& calibImages,
                                                   const SearchSettings& s,
                                                   const torch::Tensor& valImages,
                                                   const torch::Tensor& valLabels) {
    switch (s.strategy) {
        case StrategyKind::EvolQ:
            return std::make_unique<EvolSearch>(q, calibImages, s, valImages, valLabels);
        case StrategyKind::Random:
            return std::make_unique<RandomSearch>(q, calibImages, s, valImages, valLabels);
        case StrategyKind::Similarity:
            return std::make_unique<SimilaritySearch>(q, calibImages, s, valImages, valLabels);
        case StrategyKind::Reconstruct:
            return std::make_unique<Reconstruction>(q, calibImages, s, valImages, valLabels);
    }
    throw Error("unknown search strategy");
}

}  // namespace evolq
