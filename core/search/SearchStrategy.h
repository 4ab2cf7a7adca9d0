#pragma once

#include <torch/torch.h>

#include <QJsonArray>
#include <QJsonObject>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "quant/QuantizedVit.h"
#include "search/FitnessFunction.h"
#include "search/SearchCallbacks.h"
#include "types/Events.h"
#include "types/Settings.h"

namespace evolq {

// What every search strategy shares, so that a strategy writes only how it changes the scales:
// the fitness function on the calibration images; the run loop that honours pause and cancel
// between steps (run() again continues exactly where a pause stopped); mixed-precision bit
// allocation before the run (SearchSettings::mixedPrecision); the reports (start, every fitness
// value, block visits with their validation top-1, end, and the live landscape's visitStart /
// evaluated hooks); and the provenance, with the strategy and its settings.
//
// A strategy's work is block visits: beginVisit(block), then fitness values of the block's
// genomes (evaluate), then endVisit. Selection uses calibration fitness only: validation accuracy
// is measured for display after a visit and never read by a strategy.
class SearchStrategy {
public:
    SearchStrategy(QuantizedVit& q, const torch::Tensor& calibImages, const SearchSettings& s,
                   const torch::Tensor& valImages = {}, const torch::Tensor& valLabels = {});
    virtual ~SearchStrategy() = default;
    SearchStrategy(const SearchStrategy&) = delete;
    SearchStrategy& operator=(const SearchStrategy&) = delete;

    void setCallbacks(SearchCallbacks cb) { m_cb = std::move(cb); }
    // Accuracy lines for the plots (display only), measured by the caller on the validation subset.
    void setReferenceAccuracy(double fp32Top1, double baselineTop1) {
        m_fp32Top1 = fp32Top1;
        m_baselineTop1 = baselineTop1;
    }

    SearchStatus run(SearchControl* control = nullptr);
    virtual bool finished() const = 0;
    // Fitness evaluations the run makes (a visit's start included; for reconstruction, forward
    // + backward passes over the calibration images count as evaluations).
    virtual int evaluationsTotal() const = 0;
    int evaluationsDone() const { return m_evals; }
    // Of them, computed (a visit's starting fitness is known), the baseline's included.
    int evaluationsComputed() const { return m_computed + (m_started ? 1 : 0); }
    double baselineFitness() const { return m_baselineFitness; }
    double bestFitness() const { return m_overallBest; }
    double seconds() const { return m_seconds; }
    // The mutation range at these weight bits (the live landscape's unit for every strategy).
    double rangeUsed() const { return m_range; }
    const SearchSettings& settings() const { return m_s; }
    StrategyKind strategy() const { return m_s.strategy; }
    // Everything needed to trust or redo the run: strategy, settings, seed, histories, timings.
    QJsonObject provenance() const;
    // Every search setting as given (SearchSettings::toJson), plus what they resolve to on this
    // model.
    QJsonObject settingsJson() const;

protected:
    // After the baseline fitness, before the first step (mixed precision already applied).
    virtual void begin() {}
    // One unit of work of at most a few fitness evaluations: pause and cancel act between steps.
    virtual void step() = 0;
    virtual QString method() const = 0;
    // What the strategy's settings resolve to, and what else its provenance records.
    virtual void addSettings(QJsonObject& /*o*/) const {}
    virtual void addProvenance(QJsonObject& /*o*/) const {}

    // A visit to `block` begins: the fitness function prepared for the block, the visitStart
    // hook called. `pass` is the strategy's sweep over the blocks.
    void beginVisit(int pass, int block);
    // Reports one fitness value of the visited block's genome, which is in the model: computed
    // from the block's input unless `known` (a visit's start, whose fitness is the model's as it
    // stands). `genome` and `parent` are the block's genome as the strategy sees it; the live
    // landscape is shown the attention part.
    double evaluate(int cycle, const torch::Tensor& genome, const torch::Tensor& parent,
                    std::optional<double> known = std::nullopt);
    // The visit ends with the block's scales as the strategy leaves them and their fitness.
    // `unchanged`: the model is as the visit found it (its top-1 is the last one). The validation
    // images' block inputs are reused while `inputsKey` stays the same (a strategy visiting
    // blocks last to first passes its pass number); -1 computes them afresh.
    void endVisit(double bestFitness, bool unchanged, int inputsKey);
    double seconds0() const;  // run seconds including the current step so far
    void showOnLandscape(int cycle, const torch::Tensor& genome, const torch::Tensor& parent,
                         double fitness, double seconds);
    // Work in the units of fitness evaluations that yields no fitness value (a reconstruction
    // step: one forward + backward pass over the calibration images).
    void spend(int units) { m_evals += units; }
    // Shows a genome in the model on the live landscape without a fitness value of the run (a
    // reconstruction step): its fitness is computed only when the live landscape listens, and
    // it enters neither the history nor the budget, so the run's result is the same either way.
    void showStep(int cycle, const torch::Tensor& genome, const torch::Tensor& parent);

    QuantizedVit& m_q;
    SearchSettings m_s;
    FitnessFunction m_fitness;
    torch::Tensor m_calibImages;
    std::mt19937_64 m_rng;
    double m_range;
    // Fitness of the model as it stands (the baseline's, then each visit's end).
    double m_currentFitness = 0;
    int m_pass = 0, m_block = -1, m_visits = 0;

private:
    double validationTop1(int block, int inputsKey);
    static constexpr int64_t kValidationChunk = 100;
    static constexpr int64_t kValidationCacheBytes = int64_t(512) << 20;

    torch::Tensor m_valImages, m_valLabels;
    std::vector<std::vector<torch::Tensor>> m_valCache;  // [chunk][block]: block inputs
    int m_valCacheKey = -1;
    SearchCallbacks m_cb;
    std::chrono::steady_clock::time_point m_stepStart;

    bool m_started = false;
    double m_blockBest = 0;
    double m_lastTop1 = std::numeric_limits<double>::quiet_NaN();  // after the last visit
    int m_evals = 0;     // fitness values in the history (a visit's start included)
    int m_computed = 0;  // of them, evaluated
    double m_baselineFitness = 0, m_overallBest = 0;
    double m_seconds = 0, m_fitnessSeconds = 0, m_valSeconds = 0;
    double m_fp32Top1 = std::numeric_limits<double>::quiet_NaN();
    double m_baselineTop1 = std::numeric_limits<double>::quiet_NaN();
    QJsonObject m_mixedPrecision;  // the allocation, when settings ask for one
    QJsonArray m_evalLog;          // [evaluation, pass, block, cycle, fitness]
    QJsonArray m_visitLog;         // {pass, block, best_fitness, top1, evaluations, seconds}
};

// The strategy SearchSettings::strategy names.
std::unique_ptr<SearchStrategy> makeSearchStrategy(QuantizedVit& q,
                                                   const torch::Tensor& calibImages,
                                                   const SearchSettings& s,
                                                   const torch::Tensor& valImages = {},
                                                   const torch::Tensor& valLabels = {});

}  // namespace evolq
