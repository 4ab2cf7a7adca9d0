#include "search/EvolSearch.h"

#include "common/Error.h"

namespace evolq {

EvolSearch::EvolSearch(QuantizedVit& q, const torch::Tensor& calibImages, const SearchSettings& s,
                       const torch::Tensor& valImages, const torch::Tensor& valLabels)
    : SearchStrategy(q, calibImages, s, valImages, valLabels),
      m_evo(s.population, s.samples, m_range) {}

int EvolSearch::evaluationsTotal() const {
    return m_s.passes * m_q.model().depth() * (1 + m_s.cycles);
}

void EvolSearch::begin() {
    // The scales the run starts from (after mixed precision, which recomputes them).
    if (m_s.relativeMutation)
        for (int b = 0; b < m_q.model().depth(); ++b)
            m_step.push_back(m_q.genome(b, m_s.genome).clone());
}

QString EvolSearch::method() const {
    return "Evol-Q block-wise evolutionary search";
}

void EvolSearch::addSettings(QJsonObject& o) const {
    o.insert("mutation_range_used", m_range);
    o.insert("mutation_unit", m_s.mutationUnit());
    o.insert("block_order", "last to first");
}

void EvolSearch::startVisit(const torch::Tensor& genome, double fitness,
                            const torch::Tensor& step) {
    m_evo.reset(genome, fitness, step);
}

torch::Tensor EvolSearch::propose(torch::Tensor* parent) {
    return m_evo.propose(m_rng, parent);
}

void EvolSearch::accept(const torch::Tensor& child, double fitness) {
    m_evo.accept(child, fitness);
}

std::pair<torch::Tensor, double> EvolSearch::best() const {
    const RegularizedEvolution::Member& b = m_evo.best();
    return {b.genome, b.fitness};
}

void EvolSearch::step() {
    const int L = m_q.model().depth();
    const int block = L - 1 - m_blockPos;

    if (m_cycle < 0) {
        // Start of a block visit: the block's input under the current scales, and a population of
        // copies of the current genome with its fitness, which is the model's as it stands.
        // Blocks are visited last to first, so the inputs of all blocks, computed once when a
        // pass starts, stay valid for the pass.
        if (m_blockPos == 0) m_fitness.cacheBlockInputs();
        beginVisit(m_pass, block);
        const torch::Tensor g = m_q.genome(block, m_s.genome).clone();
        const double f = evaluate(-1, g, torch::Tensor(), m_currentFitness);
        m_visitStart = g;
        startVisit(g, f, m_s.relativeMutation ? m_step[block] : torch::Tensor());
        m_cycle = 0;
        return;
    }

    torch::Tensor parent;
    const torch::Tensor child = propose(&parent);
    m_q.setGenome(block, child, m_s.genome);
    accept(child, evaluate(m_cycle, child, parent));
    ++m_cycle;
    if (m_cycle < m_s.cycles) return;
    // End of the visit: the block keeps its best genome.
    const auto [genome, fitness] = best();
    m_q.setGenome(block, genome, m_s.genome);
    endVisit(fitness, torch::equal(genome, m_visitStart), m_pass);
    m_cycle = -1;
    if (++m_blockPos == L) {
        m_blockPos = 0;
        ++m_pass;
        if (finished()) m_fitness.dropBlockInputs();
    }
}

QString RandomSearch::method() const {
    return "random search with Evol-Q's mutation and budget";
}

void RandomSearch::startVisit(const torch::Tensor& genome, double fitness,
                              const torch::Tensor& step) {
    m_noise = RegularizedEvolution(1, 1, m_range);
    m_noise.reset(genome, fitness, step);
    m_best = genome;
    m_bestFitness = fitness;
}

torch::Tensor RandomSearch::propose(torch::Tensor* parent) {
    // A population of one that never changes: every child is mutation noise around the start.
    return m_noise.propose(m_rng, parent);
}

void RandomSearch::accept(const torch::Tensor& child, double fitness) {
    if (fitness < m_bestFitness) {
        m_best = child;
        m_bestFitness = fitness;
    }
}

std::pair<torch::Tensor, double> RandomSearch::best() const {
    return {m_best, m_bestFitness};
}

}  // namespace evolq
