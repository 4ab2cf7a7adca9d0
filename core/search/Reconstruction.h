#pragma once

#include <torch/torch.h>

#include <QJsonArray>
#include <vector>

#include "search/SearchStrategy.h"

namespace evolq {

// Uniform fake quantization whose rounding passes gradients straight through (STE): the gradient
// reaches x and the scale as in LSQ; the forward values are fakeQuantize()'s.
torch::Tensor fakeQuantizeSte(const torch::Tensor& x, const torch::Tensor& scale,
                              const torch::Tensor& zero, double lo, double hi);

// MGRQ-style block-wise reconstruction (METHOD.md), the gradient method Evol-Q argues against:
// blocks first to last; per block, Adam on the logarithms of the block's weight scales (qkv,
// proj, fc1, fc2) with straight-through rounding of weights and activations, minimizing
//   mse x MSE(block output, FP block output)                         (reconstruction)
// + global x KL(softmax(final quantized logits) || softmax(FP logits))   (extra-block, global)
// + local x sum over the block's layer outputs of the squared differences of their per-channel
//   means and variances from the FP ones                            (intra-block, local).
// A step is one forward + backward pass over the calibration images (in chunks, gradients
// accumulated) and counts as one fitness evaluation; each visit adds its start and its end
// fitness, so that by default (steps 0) the budget equals Evol-Q's: passes x (1 + cycles) per
// block.
class Reconstruction : public SearchStrategy {
public:
    Reconstruction(QuantizedVit& q, const torch::Tensor& calibImages, const SearchSettings& s,
                   const torch::Tensor& valImages = {}, const torch::Tensor& valLabels = {});

    bool finished() const override { return m_b >= m_q.model().depth(); }
    int evaluationsTotal() const override { return m_q.model().depth() * (m_steps + 2); }
    int stepsPerBlock() const { return m_steps; }
    // The reconstruction loss of every step so far (before its update), per block.
    const std::vector<std::vector<double>>& losses() const { return m_losses; }

protected:
    void begin() override;
    void step() override;  // a visit's start, one Adam step, or its end
    QString method() const override;
    void addSettings(QJsonObject& o) const override;
    void addProvenance(QJsonObject& o) const override;

private:
    void startBlock();
    double adamStep();
    std::vector<torch::Tensor> chunks(const torch::Tensor& images) const;

    int m_steps;
    int m_b = 0, m_step = -1;                  // -1: the visit has not started
    std::vector<torch::Tensor> m_qIn, m_fpIn;  // per chunk: the block's input, quantized and FP
    std::vector<torch::Tensor> m_fpOut;        // per chunk: the FP block output
    std::vector<std::vector<torch::Tensor>> m_fpMean, m_fpVar;  // [chunk][layer] FP statistics
    std::vector<torch::Tensor> m_fpLogits;                      // per chunk
    std::vector<int> m_layers;                                  // the block's weight quantizers
    std::vector<torch::Tensor> m_logScales;                     // parameters, one per layer
    std::unique_ptr<torch::optim::Adam> m_adam;
    torch::Tensor m_visitStart;
    std::vector<std::vector<double>> m_losses;
};

}  // namespace evolq
