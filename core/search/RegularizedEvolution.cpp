#include "search/RegularizedEvolution.h"

namespace evolq {

torch::Tensor RegularizedEvolution::propose(std::mt19937_64& rng,
                                            torch::Tensor* parentGenome) const {
    int parent = -1;
    for (int i = 0; i < m_samples; ++i) {
        const int c = static_cast<int>(rng() % static_cast<uint64_t>(m_pop.size()));
        if (parent < 0 || m_pop[c].fitness < m_pop[parent].fitness) parent = c;
    }
    const torch::Tensor& pg = m_pop[parent].genome;
    if (parentGenome) *parentGenome = pg;
    std::vector<float> noise(static_cast<size_t>(pg.numel()));
    for (float& v : noise) v = static_cast<float>((2 * uniform01(rng) - 1) * m_range);
    torch::Tensor n = torch::tensor(noise).view(pg.sizes()).to(pg.dtype());
    if (m_step.defined()) n = n * m_step;
    return (pg + n).abs();
}

void RegularizedEvolution::accept(const torch::Tensor& child, double fitness) {
    m_pop.push_back(Member{child, fitness});
    int worst = 0;
    for (int i = 1; i < static_cast<int>(m_pop.size()); ++i)
        if (m_pop[i].fitness > m_pop[worst].fitness) worst = i;
    m_pop.erase(m_pop.begin() + worst);
}

const RegularizedEvolution::Member& RegularizedEvolution::best() const {
    int best = 0;
    for (int i = 1; i < static_cast<int>(m_pop.size()); ++i)
        if (m_pop[i].fitness < m_pop[best].fitness) best = i;
    return m_pop[best];
}

}  // namespace evolq
