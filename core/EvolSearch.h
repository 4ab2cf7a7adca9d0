#pragma once

#include <torch/torch.h>

#include <QJsonArray>
#include <QJsonObject>
#include <atomic>
#include <functional>
#include <random>
#include <vector>

#include "FitnessFunction.h"
#include "QuantizedVit.h"
#include "RegularizedEvolution.h"
#include "SearchEvents.h"

namespace evolq {

struct SearchRunSettings;

struct SearchSettings {
    int passes = 10;
    int cycles = 3;
    int population = 15;
    int samples = 10;
    double mutationRange = 0;  // 0 = Evol-Q's default for the weight bits: 1e-3 at 3/4 bits, 1e-4 at 8
    // false (Evol-Q): r is an absolute step. true: r is a fraction of each scale as it was when the
    // search started, so one r means the same relative step at every bit width (0 = 0.1).
    bool relativeMutation = false;
    FitnessSettings fitness;
    unsigned seed = 0;
    int valSubset = 1000;  // validation images measured after each block visit (display only); 0 = off

    double rangeFor(int weightBits) const {
        if (mutationRange > 0) return mutationRange;
        if (relativeMutation) return 0.1;
        return weightBits >= 8 ? 1e-4 : 1e-3;
    }
    QJsonObject toJson(int weightBits) const;
    // The one conversion from the torch-free settings the GUI and the CLI fill in.
    // Throws Error for an unknown loss name.
    static SearchSettings fromRun(const SearchRunSettings& run);
};

// Pause and cancel requests, honoured between fitness evaluations.
struct SearchControl {
    std::atomic<bool> cancel{false};
    std::atomic<bool> pause{false};
};

enum class SearchStatus { Finished, Paused, Cancelled };

struct SearchCallbacks {
    std::function<void(const RunStartEvent&)> start;
    std::function<void(const FitnessEvent&)> fitness;
    std::function<void(const BlockVisitEvent&)> blockVisit;
    std::function<void(const RunEndEvent&)> end;
};

// Evol-Q's block-wise evolutionary search over weight scales (METHOD.md): per block, a population of
// copies of the current genome; K cycles of tournament (samples drawn with replacement, best is the
// parent), child = |parent + U(-r, r)|, evaluate, add, drop the worst; the block keeps its best
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
    const SearchSettings& settings() const { return m_s; }
    // Everything needed to trust or redo the run: settings, seed, histories, timings.
    QJsonObject provenance() const;

private:
    void step();
    double validationTop1();

    QuantizedVit& m_q;
    SearchSettings m_s;
    FitnessFunction m_fitness;
    torch::Tensor m_valImages, m_valLabels;
    SearchCallbacks m_cb;
    std::mt19937_64 m_rng;
    double m_range;

    // Position in the run.
    bool m_started = false;
    int m_pass = 0, m_blockPos = 0, m_cycle = -1;
    RegularizedEvolution m_evo;
    std::vector<torch::Tensor> m_step;  // per block: the scales at the start (relative mutation only)
    double m_blockBest = 0;
    int m_evals = 0;
    double m_baselineFitness = 0, m_overallBest = 0;
    double m_seconds = 0, m_fitnessSeconds = 0, m_valSeconds = 0;
    double m_fp32Top1 = std::numeric_limits<double>::quiet_NaN();
    double m_baselineTop1 = std::numeric_limits<double>::quiet_NaN();
    // History for provenance.
    QJsonArray m_evalLog;    // [evaluation, pass, block, cycle, fitness]
    QJsonArray m_visitLog;   // {pass, block, best_fitness, top1, seconds}
};

}  // namespace evolq
