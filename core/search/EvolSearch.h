#pragma once

#include <torch/torch.h>

#include <QJsonArray>
#include <QJsonObject>
#include <random>
#include <vector>

#include "quant/QuantizedVit.h"
#include "search/FitnessFunction.h"
#include "search/RegularizedEvolution.h"
#include "search/SearchCallbacks.h"
#include "types/Events.h"
#include "types/Settings.h"

namespace evolq {

// Evol-Q's block-wise evolutionary search over weight scales (METHOD.md): per block, a population
// of copies of the current genome; K cycles of tournament (samples drawn with replacement, best is
// the parent), child = |parent + U(-r, r)|, evaluate, add, drop the worst; the block keeps its best
// genome. Blocks are visited last to first, for P passes. Selection uses calibration fitness only:
// validation accuracy is measured for display and never read by the search.
//
// run() returns at a pause or cancel request; calling run() again continues the same run exactly
// where it stopped, so a paused-and-resumed run equals an uninterrupted one.
class EvolSearch {
public:
    EvolSearch(QuantizedVit& q, const torch::Tensor& calibImages, const SearchSettings& s,
               const torch::Tensor& valImages = {}, const torch::Tensor& valLabels = {});

    void setCallbacks(SearchCallbacks cb) { m_cb = std::move(cb); }
    // Accuracy lines for the plots (display only), measured by the caller on the validation subset.
    void setReferenceAccuracy(double fp32Top1, double baselineTop1) {
        m_fp32Top1 = fp32Top1;
        m_baselineTop1 = baselineTop1;
    }

    SearchStatus run(SearchControl* control = nullptr);
    bool finished() const { return m_pass >= m_s.passes; }

    int evaluationsTotal() const;
    int evaluationsDone() const { return m_evals; }
    double baselineFitness() const { return m_baselineFitness; }
    double bestFitness() const { return m_overallBest; }
    double seconds() const { return m_seconds; }
    double rangeUsed() const { return m_range; }
    const SearchSettings& settings() const { return m_s; }
    // Everything needed to trust or redo the run: settings, seed, histories, timings.
    QJsonObject provenance() const;
    // SearchSettings::toJson() plus what it resolves to: mutation_range_used, mutation_unit,
    // block_order, selection.
    QJsonObject settingsJson() const;

private:
    void step();
    // Top-1 on the validation images after a visit to `block` (display only).
    double validationTop1(int block);
    static constexpr int64_t kValidationChunk = 100;
    static constexpr int64_t kValidationCacheBytes = int64_t(512) << 20;

    QuantizedVit& m_q;
    SearchSettings m_s;
    FitnessFunction m_fitness;
    torch::Tensor m_valImages, m_valLabels;
    std::vector<std::vector<torch::Tensor>> m_valCache;  // [chunk][block]: block inputs this pass
    int m_valCachePass = -1;
    SearchCallbacks m_cb;
    std::mt19937_64 m_rng;
    double m_range;

    // Position in the run.
    bool m_started = false;
    int m_pass = 0, m_blockPos = 0, m_cycle = -1;
    RegularizedEvolution m_evo;
    std::vector<torch::Tensor>
        m_step;  // per block: the scales at the start (relative mutation only)
    double m_blockBest = 0;
    torch::Tensor m_visitStart;  // the genome a visit started from
    double m_lastTop1 =
        std::numeric_limits<double>::quiet_NaN();  // validation after the last visit
    // Fitness of the model as it stands (the baseline's, then each visit's best): a visit's
    // starting genome is exactly that model, so its fitness is known without an evaluation.
    double m_currentFitness = 0;
    int m_evals = 0;     // fitness values in the history (a visit's start included)
    int m_computed = 0;  // of them, evaluated (a visit's start is known: m_currentFitness)
    double m_baselineFitness = 0, m_overallBest = 0;
    double m_seconds = 0, m_fitnessSeconds = 0, m_valSeconds = 0;
    double m_fp32Top1 = std::numeric_limits<double>::quiet_NaN();
    double m_baselineTop1 = std::numeric_limits<double>::quiet_NaN();
    // History for provenance.
    QJsonArray m_evalLog;   // [evaluation, pass, block, cycle, fitness]
    QJsonArray m_visitLog;  // {pass, block, best_fitness, top1, seconds}
};

}  // namespace evolq
