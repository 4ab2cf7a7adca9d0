#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <vector>

#include "quant/QuantizedVit.h"

namespace evolq {

// The weight bits mixed precision chooses from: Liu et al.'s 3, 4 and 8, and the 2 bits this
// workbench's default uses (so that a 2-bit budget can trade bits at all once above 2).
inline const std::vector<int>& mixedPrecisionChoices() {
    static const std::vector<int> choices{2, 3, 4, 8};
    return choices;
}

// Liu et al. 2021's mixed precision: a layer whose output feature has a larger nuclear norm (more
// "feature diversity") gets more bits. Bits per layer from `choices` maximize
// sum_i norm_i x bits_i under sum_i params_i x bits_i <= budget x sum_i params_i: from the lowest
// choice everywhere, the affordable one-step upgrade with the largest norm per parameter is taken
// until none fits (the greedy solution of that knapsack). Throws evolq::Error when even the lowest
// choice exceeds the budget.
std::vector<int> allocateBits(const std::vector<double>& nuclearNorms,
                              const std::vector<int64_t>& params, double budget,
                              const std::vector<int>& choices = mixedPrecisionChoices());

// The allocation over the linear layers of the transformer blocks (qkv, proj, fc1, fc2; the
// patch embedding and the head keep the configured bits).
struct BitAllocation {
    double budget = 0;
    std::vector<int> layers;  // weight quantizer indices
    std::vector<double> nuclearNorms;
    std::vector<int64_t> params;
    std::vector<int> bits;

    double averageBits() const;  // parameter-weighted
    // Sets each layer's weight bits (its scales recomputed by its observer).
    void apply(QuantizedVit& q) const;
    QJsonObject toJson(const QuantizedVit& q) const;
};

// The nuclear norm of each block layer's full-precision output feature ([tokens, channels] per
// image; fc1's after GELU, where the model observes it), averaged over the first 32 of `images`
// (a calibration set is a seeded subset already), and the allocation under `budget` average bits.
BitAllocation nuclearNormAllocation(QuantizedVit& q, const torch::Tensor& images, double budget);

}  // namespace evolq
