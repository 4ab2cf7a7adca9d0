#pragma once

#include <torch/torch.h>

#include <QString>
#include <vector>

#include "quant/QuantizedVit.h"
#include "types/Settings.h"

namespace evolq {

// infoNCE between quantized outputs q and full-precision outputs k ([N, C] each): rows
// L2-normalized, logits = q k^T / T, cross-entropy with targets 0..N-1 (each row's own FP output is
// the positive), times 2T (Evol-Q's scaling).
torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, double temperature);
// Any of the four losses, averaged over the batch.
torch::Tensor outputLoss(LossKind kind, const torch::Tensor& q, const torch::Tensor& k,
                         double temperature);

// Fitness of the quantized model against the full-precision outputs of the calibration set, which
// are computed once. For block-wise work the input of block b (under the current quantized state of
// blocks before b) is cached, so that an evaluation runs only blocks b..L and the head.
class FitnessFunction {
public:
    FitnessFunction(QuantizedVit& q, const torch::Tensor& images, const FitnessSettings& s);

    const FitnessSettings& settings() const { return m_s; }
    int images() const { return static_cast<int>(m_images.size(0)); }
    const torch::Tensor& fpLogits() const { return m_fp; }

    // Mean loss over calibration batches from the images (the whole model).
    double evaluateFull();
    // Caches the input of `block`; call again when an earlier block's scales changed.
    void prepareBlock(int block);
    int preparedBlock() const { return m_block; }
    // Mean loss over calibration batches, running blocks preparedBlock()..L from the cache.
    double evaluateFromBlock();
    // Quantized logits of every image, from the cached block input or (full) from the images.
    torch::Tensor quantizedLogitsFromBlock();
    torch::Tensor quantizedLogitsFull();

    // Images per forward pass: a whole number of loss batches near kChunkImages.
    static constexpr int64_t kChunkImages = 1000;
    int64_t chunkSize() const;

private:
    std::vector<torch::Tensor> splitBatches(const std::vector<torch::Tensor>& chunks) const;
    std::vector<torch::Tensor> blockBatches();
    std::vector<torch::Tensor> fullBatches();
    double meanLoss(const std::vector<torch::Tensor>& logitBatches) const;

    QuantizedVit& m_q;
    torch::Tensor m_images;
    FitnessSettings m_s;
    torch::Tensor m_fp;
    std::vector<torch::Tensor> m_cache;  // per chunk, input of m_block
    int m_block = -1;
};

}  // namespace evolq
