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
    // Computes the input of every block under the current scales in one forward pass, so that
    // prepareBlock(b) then takes block b's from memory: valid while no block before b changes
    // (a search visiting blocks last to first calls it at the start of each pass). Only within a
    // memory budget; returns whether the inputs are kept. dropBlockInputs() frees them.
    bool cacheBlockInputs();
    void dropBlockInputs() { m_inputs.clear(); }
    int preparedBlock() const { return m_block; }
    // Mean loss over calibration batches, running blocks preparedBlock()..L from the cache.
    double evaluateFromBlock();
    // Quantized logits of every image, from the cached block input or (full) from the images.
    torch::Tensor quantizedLogitsFromBlock();
    torch::Tensor quantizedLogitsFull();

    // Images per forward pass (a chunk): the passes of all chunks run in parallel, one chunk per
    // thread (forEachChunk), and chunks of this size keep a pass's activations in the core's cache.
    static constexpr int64_t kChunkImages = 100;
    int64_t chunkSize() const;
    int64_t chunks() const { return (images() + chunkSize() - 1) / chunkSize(); }

private:
    torch::Tensor chunkOf(const torch::Tensor& all, int64_t k) const;
    torch::Tensor blockLogits();
    torch::Tensor fullLogits();
    double meanLoss(const torch::Tensor& logits) const;

    QuantizedVit& m_q;
    torch::Tensor m_images;
    FitnessSettings m_s;
    torch::Tensor m_fp;
    std::vector<torch::Tensor> m_cache;                // per chunk, input of m_block
    std::vector<std::vector<torch::Tensor>> m_inputs;  // [chunk][block] (cacheBlockInputs)
    static constexpr int64_t kBlockInputsBytes = int64_t(256) << 20;
    int m_block = -1;
};

}  // namespace evolq
