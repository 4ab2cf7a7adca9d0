#include "search/EvolSearch.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/Error.h"
#include "common/Eta.h"
#include "data/Evaluate.h"
#include "model/Runtime.h"

namespace evolq {

EvolSearch::EvolSearch(QuantizedVit& q, const torch::Tensor& calibImages, const SearchSettings& s,
                       const torch::Tensor& valImages, const torch::Tensor& valLabels)
    : m_q(q),
      m_s(s),
      m_fitness(q, calibImages, s.fitness),
      m_valImages(valImages),
      m_valLabels(valLabels),
      m_rng(s.seed),
      m_range(s.rangeFor(q.config().weightBits)),
      m_evo(s.population, s.samples, m_range) {
    m_s.validate();
    if (!q.calibrated()) throw Error("the model must be quantized (calibrated) before the search");
    if (m_s.relativeMutation)
        for (int b = 0; b < q.model().depth(); ++b) m_step.push_back(q.genome(b).clone());
}

int EvolSearch::evaluationsTotal() const {
    return m_s.passes * m_q.model().depth() * (1 + m_s.cycles);
}

double EvolSearch::validationTop1(int block) {
    if (!m_valImages.defined() || m_valImages.size(0) == 0)
        return std::numeric_limits<double>::quiet_NaN();
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard ng;
    const int L = m_q.model().depth();
    const int64_t n = m_valImages.size(0);
    // Blocks are visited last to first, so a visit to block b leaves every block before b as it
    // was when the pass began: the validation images' input of every block, computed once per pass,
    // stays valid for the whole pass, and a visit's top-1 runs only blocks b..L and the head. Same
    // chunks and operations as a full forward, so the same figures. Only within a memory budget.
    const int64_t tokens = m_q.model().info().numPatches + m_q.model().info().numPrefixTokens;
    const bool cache = n * tokens * m_q.model().info().width * L * 4 <= kValidationCacheBytes;
    const int64_t chunks = (n + kValidationChunk - 1) / kValidationChunk;
    auto chunk = [&](int64_t k) {
        return m_valImages.slice(0, k * kValidationChunk,
                                 std::min<int64_t>((k + 1) * kValidationChunk, n));
    };
    m_q.prepareConcurrent();
    if (cache && m_valCachePass != m_pass) {
        m_valCache.assign(chunks, {});
        forEachChunk(chunks, [&](int64_t k) {
            torch::Tensor x = m_q.embed(chunk(k));
            std::vector<torch::Tensor>& inputs = m_valCache[k];
            for (int b = 0; b < L; ++b) {
                inputs.push_back(x);
                if (b + 1 < L) x = m_q.runBlocks(b, b + 1, x);
            }
        });
        m_valCachePass = m_pass;
    }
    std::vector<int64_t> correct(chunks, 0);
    forEachChunk(chunks, [&](int64_t k) {
        const torch::Tensor logits =
            cache ? m_q.head(m_q.runBlocks(block, L, m_valCache[k][block])) : m_q.forward(chunk(k));
        correct[k] =
            topkCorrect(logits, m_valLabels.slice(0, k * kValidationChunk,
                                                  std::min<int64_t>((k + 1) * kValidationChunk, n)))
                .first;
    });
    int64_t total = 0;
    for (int64_t c : correct) total += c;
    m_valSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return 100.0 * total / static_cast<double>(n);
}

SearchStatus EvolSearch::run(SearchControl* control) {
    torch::NoGradGuard ng;
    if (!m_started) {
        m_started = true;
        const auto t0 = std::chrono::steady_clock::now();
        m_baselineFitness = m_fitness.evaluateFull();
        m_overallBest = m_baselineFitness;
        m_currentFitness = m_baselineFitness;
        m_fitnessSeconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (m_cb.start) {
            RunStartEvent e;
            e.blocks = m_q.model().depth();
            e.passes = m_s.passes;
            e.evaluationsTotal = evaluationsTotal();
            e.fp32Top1 = m_fp32Top1;
            e.baselineTop1 = m_baselineTop1;
            e.baselineFitness = m_baselineFitness;
            e.loss = lossName(m_s.fitness.loss);
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
        const auto t0 = std::chrono::steady_clock::now();
        step();
        m_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (m_cb.end)
        m_cb.end(
            RunEndEvent{false, m_overallBest, std::numeric_limits<double>::quiet_NaN(), m_seconds});
    return SearchStatus::Finished;
}

void EvolSearch::step() {
    const int L = m_q.model().depth();
    const int block = L - 1 - m_blockPos;
    auto evaluate = [&](int cycle, const torch::Tensor& genome, const torch::Tensor& parent) {
        const auto t0 = std::chrono::steady_clock::now();
        const double f = cycle < 0 ? m_currentFitness : m_fitness.evaluateFromBlock();
        if (cycle >= 0) ++m_computed;
        const double took =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        m_fitnessSeconds += took;
        ++m_evals;
        m_blockBest = cycle < 0 ? f : std::min(m_blockBest, f);
        m_overallBest = std::min(m_overallBest, f);
        m_evalLog.append(QJsonArray{m_evals, m_pass, block, cycle, f});
        if (m_cb.fitness)
            m_cb.fitness(FitnessEvent{
                m_evals, m_pass, block, cycle, f, m_blockBest, m_overallBest,
                m_seconds +
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
        if (m_cb.evaluated)
            m_cb.evaluated(EvaluatedGenome{m_evals, m_pass, block, cycle, genome, parent, f, took});
        return f;
    };

    if (m_cycle < 0) {
        // Start of a block visit: the block's input under the current scales, and a population of
        // copies of the current genome with its fitness. Blocks are visited last to first, so
        // the inputs of all blocks, computed once when a pass starts, stay valid for the pass.
        if (m_blockPos == 0) m_fitness.cacheBlockInputs();
        m_fitness.prepareBlock(block);
        const torch::Tensor g = m_q.genome(block).clone();
        if (m_cb.visitStart)
            m_cb.visitStart(VisitStartEvent{m_pass * L + m_blockPos, m_pass, block,
                                            static_cast<int>(g.numel())},
                            m_fitness);
        const double f = evaluate(-1, g, torch::Tensor());
        m_visitStart = g;
        m_evo.reset(g, f, m_s.relativeMutation ? m_step[block] : torch::Tensor());
        m_cycle = 0;
        return;
    }

    torch::Tensor parent;
    const torch::Tensor child = m_evo.propose(m_rng, &parent);
    m_q.setGenome(block, child);
    m_evo.accept(child, evaluate(m_cycle, child, parent));
    ++m_cycle;
    if (m_cycle < m_s.cycles) return;
    // End of the visit: the block keeps its best genome.
    const RegularizedEvolution::Member& best = m_evo.best();
    m_q.setGenome(block, best.genome);
    m_currentFitness = best.fitness;
    // A visit that kept its starting genome left the model as it was: its top-1 is the last one.
    const bool unchanged = torch::equal(best.genome, m_visitStart);
    double top1 = std::numeric_limits<double>::quiet_NaN();
    if (m_s.valSubset > 0)
        top1 = unchanged && !std::isnan(m_lastTop1) ? m_lastTop1 : validationTop1(block);
    m_lastTop1 = top1;
    m_visitLog.append(QJsonObject{
        {"pass", m_pass},
        {"block", block},
        {"best_fitness", best.fitness},
        {"top1", std::isnan(top1) ? QJsonValue() : QJsonValue(top1)},
        {"evaluations", m_evals},
        {"evaluations_computed", m_computed + 1},  // + the baseline's, over the whole model
        {"seconds", m_seconds}});
    if (m_cb.blockVisit) {
        BlockVisitEvent e;
        e.pass = m_pass;
        e.block = block;
        e.bestFitness = best.fitness;
        e.accuracy = top1;
        e.evaluationsDone = m_evals;
        e.evaluationsTotal = evaluationsTotal();
        e.elapsed = m_seconds;
        e.eta = std::max(0.0, etaSeconds(m_seconds, m_evals, evaluationsTotal()));
        m_cb.blockVisit(e);
    }
    m_cycle = -1;
    if (++m_blockPos == L) {
        m_blockPos = 0;
        ++m_pass;
        if (finished()) m_fitness.dropBlockInputs();
    }
}

QJsonObject EvolSearch::settingsJson() const {
    // The settings as given, and what they resolve to on this model.
    QJsonObject o = m_s.toJson();
    o.insert("mutation_range_used", m_range);
    o.insert("mutation_unit", m_s.mutationUnit());
    o.insert("block_order", "last to first");
    o.insert("selection", "calibration fitness only");
    return o;
}

QJsonObject EvolSearch::provenance() const {
    return QJsonObject{
        {"method", "Evol-Q block-wise evolutionary search"},
        {"settings", settingsJson()},
        {"calibration_images", m_fitness.images()},
        {"evaluations", m_evals},
        {"evaluations_computed", m_computed + 1},  // + the baseline's, over the whole model
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
}

}  // namespace evolq
