#pragma once

#include <torch/torch.h>

#include <QJsonArray>
#include <functional>
#include <map>
#include <vector>

#include "quant/FakeQuantizer.h"
#include "search/SearchStrategy.h"

namespace evolq {

// Pearson correlation of the values of a and b (cosine similarity: the same without centring).
double outputSimilarity(const torch::Tensor& a, const torch::Tensor& b, bool cosine);
// Liu et al. 2021's ranking loss on attention scores [..., rows, keys], with margin 0: the mean
// over pairs of keys (i, j) of each row of max(0, -(q_i - q_j) sign(fp_i - fp_j)). Zero exactly
// when the quantized scores keep the order of every pair of full-precision scores; positive when
// any pair is swapped. Large rows are sampled (at most 32 strided keys and rows) to bound the cost.
double rankingLoss(const torch::Tensor& fpScores, const torch::Tensor& qScores);
// The attention scores q k^T / sqrt(d) [N, heads, T, T] from a qkv output [N, T, 3 D].
torch::Tensor attentionScores(const torch::Tensor& qkv, int heads);

// One layer's interval search: factors alpha of the weight quantizer's and the input activation
// quantizer's reference scales, each on a grid of s.candidates over [s.low, s.high], searched in
// turn (weights with the activation fixed, then the activation) for s.rounds, maximizing
// similarity(after(linear(aq(input), wq(weight), bias)), target) - s.rankingWeight x
// penalty(that output). `penalty` may be empty; a disabled activation quantizer keeps factor 1.
struct LayerIntervals {
    double weightFactor = 1, actFactor = 1;
    double objective = 0;
};
LayerIntervals searchLayerIntervals(const FakeQuantizer& wq, const FakeQuantizer& aq,
                                    const torch::Tensor& weight, const torch::Tensor& bias,
                                    const torch::Tensor& input, const torch::Tensor& target,
                                    const SimilaritySettings& s,
                                    const std::function<torch::Tensor(const torch::Tensor&)>& after,
                                    const std::function<double(const torch::Tensor&)>& penalty);

// Liu et al. 2021 ("Post-Training Quantization for Vision Transformer"): blocks first to last,
// in each block qkv, proj, fc1, fc2, each layer's weight interval and input activation interval
// searched by searchLayerIntervals against the full-precision layer output on a few calibration
// images, the ranking loss on the attention scores for qkv. The reference intervals are the
// baseline's (min/max for weights). One visit per block: its start and its end are the two fitness
// values reported (its fitness is measured, never used to choose).
class SimilaritySearch : public SearchStrategy {
public:
    using SearchStrategy::SearchStrategy;

    bool finished() const override { return m_b >= m_q.model().depth(); }
    int evaluationsTotal() const override { return 2 * m_q.model().depth(); }

protected:
    void begin() override;
    void step() override;  // one layer
    QString method() const override;
    void addProvenance(QJsonObject& o) const override;

private:
    torch::Tensor m_x;                   // the images compared on
    torch::Tensor m_blockInput;          // their input of block m_b under the current scales
    std::map<int, torch::Tensor> m_fp;   // point -> full-precision tensor on m_x
    std::map<int, torch::Tensor> m_ref;  // quantizer -> reference scales (the run's start)
    int m_b = 0, m_layer = 0;
    torch::Tensor m_visitStart;
    QJsonArray m_layers;  // per layer: quantizers, factors, objective
};

}  // namespace evolq
