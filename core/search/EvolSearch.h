#pragma once

#include <torch/torch.h>

#include <vector>

#include "search/RegularizedEvolution.h"
#include "search/SearchStrategy.h"

namespace evolq {

// Evol-Q's block-wise evolutionary search over weight scales (METHOD.md): per block, a population
// of copies of the current genome; K cycles of tournament (samples drawn with replacement, best is
// the parent), child = |parent + U(-r, r)|, evaluate, add, drop the worst; the block keeps its best
// genome. Blocks are visited last to first, for P passes. The genome is the attention weight
// scales (Evol-Q's) or, with SearchSettings::genome, also the MLP's and the block's activation
// scales.
class EvolSearch : public SearchStrategy {
public:
    EvolSearch(QuantizedVit& q, const torch::Tensor& calibImages, const SearchSettings& s,
               const torch::Tensor& valImages = {}, const torch::Tensor& valLabels = {});

    bool finished() const override { return m_pass >= m_s.passes; }
    int evaluationsTotal() const override;

protected:
    void begin() override;
    void step() override;
    QString method() const override;
    void addSettings(QJsonObject& o) const override;

    // How a visit proposes children and keeps the best: Evol-Q's regularized evolution; random
    // search overrides these.
    virtual void startVisit(const torch::Tensor& genome, double fitness, const torch::Tensor& step);
    virtual torch::Tensor propose(torch::Tensor* parent);
    virtual void accept(const torch::Tensor& child, double fitness);
    virtual std::pair<torch::Tensor, double> best() const;

private:
    RegularizedEvolution m_evo;
    std::vector<torch::Tensor> m_step;  // per block: the scales at the start (relative mutation)
    int m_blockPos = 0, m_cycle = -1;
    torch::Tensor m_visitStart;  // the genome a visit started from
};

// Random search, the control every comparison needs: Evol-Q's block visits, mutation and budget,
// but each child is |start + U(-r, r)| around the visit's starting genome, without a population;
// the block keeps the best genome it saw.
class RandomSearch : public EvolSearch {
public:
    using EvolSearch::EvolSearch;

protected:
    QString method() const override;
    void startVisit(const torch::Tensor& genome, double fitness,
                    const torch::Tensor& step) override;
    torch::Tensor propose(torch::Tensor* parent) override;
    void accept(const torch::Tensor& child, double fitness) override;
    std::pair<torch::Tensor, double> best() const override;

private:
    RegularizedEvolution m_noise{1, 1, 0};  // one member: the start, the only parent
    torch::Tensor m_best;
    double m_bestFitness = 0;
};

}  // namespace evolq
