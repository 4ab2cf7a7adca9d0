#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "model/VitModel.h"
#include "quant/FakeQuantizer.h"
#include "types/QuantConfig.h"
#include "types/Settings.h"

namespace evolq {

// The FQ-ViT baseline on a VitModel: a fake quantizer on every linear layer's weights (and the
// patch-embedding conv) and on each activation point, all named as VitModel names them
// ("blocks.3.attn.qkv.weight", "blocks.3.attn.qkv.out", ...). Quantized weights are cached and
// re-quantized only when their scales change.
class QuantizedVit : public ForwardHooks {
public:
    QuantizedVit(std::shared_ptr<VitModel> model, const QuantConfig& cfg);

    VitModel& model() { return *m_model; }
    const VitModel& model() const { return *m_model; }
    std::shared_ptr<VitModel> modelPtr() const { return m_model; }
    const QuantConfig& config() const { return m_cfg; }

    // Runs the calibration images once with observers collecting, batch by batch; the last batch
    // finalizes OMSE and PTF. Returns seconds. `progress(done, total)` may return false to cancel.
    double calibrate(const torch::Tensor& images,
                     const std::function<bool(int, int)>& progress = {});
    bool calibrated() const { return m_calibrated; }

    torch::Tensor forward(const torch::Tensor& images) { return m_model->forward(images, this); }
    torch::Tensor embed(const torch::Tensor& images) { return m_model->embed(images, this); }
    torch::Tensor runBlocks(int from, int to, const torch::Tensor& x) {
        return m_model->runBlocks(from, to, x, this);
    }
    torch::Tensor head(const torch::Tensor& x) { return m_model->head(x, this); }
    // The input of every block under the current scales, [chunk][block], for the images in
    // chunks of `chunkSize` rows run in parallel (forEachChunk): what a search visiting blocks
    // last to first reuses for a whole pass (same chunks and operations as a full forward).
    std::vector<std::vector<torch::Tensor>> blockInputs(const torch::Tensor& images,
                                                        int64_t chunkSize);

    // All quantizers: weights in layer order, then activations in point order.
    int quantizerCount() const { return static_cast<int>(m_wq.size() + m_aq.size()); }
    FakeQuantizer& quantizer(int i) {
        return i < static_cast<int>(m_wq.size()) ? m_wq[i] : m_aq[i - m_wq.size()];
    }
    const FakeQuantizer& quantizer(int i) const {
        return i < static_cast<int>(m_wq.size()) ? m_wq[i] : m_aq[i - m_wq.size()];
    }
    int findQuantizer(const QString& name) const;  // -1 when absent
    // Sets a quantizer's parameters (e.g. from a scale file), keeping caches consistent.
    void setQuantizerParams(int i, const torch::Tensor& scale, const torch::Tensor& zero);

    // The Evol-Q genome of a block: the qkv then proj per-channel weight scales, flattened.
    torch::Tensor genome(int block) const { return genome(block, GenomeKind::Attention); }
    void setGenome(int block, const torch::Tensor& g) {
        setGenome(block, g, GenomeKind::Attention);
    }
    int genomeSize(int block) const { return genomeSize(block, GenomeKind::Attention); }
    // A genome of another kind: qkv, proj, then (weights) fc1, fc2, then (weights+activations)
    // the scales of the block's enabled uniform activation quantizers in point order. The
    // attention genome is always its first genomeSize(block) values.
    torch::Tensor genome(int block, GenomeKind kind) const;
    void setGenome(int block, const torch::Tensor& g, GenomeKind kind);
    int genomeSize(int block, GenomeKind kind) const;
    // The quantizer indices a genome of this kind covers, in its order.
    std::vector<int> genomeQuantizers(int block, GenomeKind kind) const;
    // Mixed precision: another bit width for one weight quantizer, its scales recomputed by its
    // observer from the weights.
    void setWeightBits(int layer, int bits);
    // The weight quantizer index of a block's qkv / proj layer (for channel-level work).
    int weightQuantizerIndex(int layer) const { return layer; }

    // Snapshot and restore of every scale and zero point (for sweeps that must leave no trace).
    struct State {
        std::vector<torch::Tensor> scales, zeros;
        std::vector<int> bits;  // per quantizer (mixed precision changes weights' bits)
    };
    State state() const;
    void restore(const State& s);

    // Layer sensitivity: only quantizer `i` quantizes, everything else runs in float (-1: all
    // quantize again). While an activation quantizer is solo, every pass adds its signal and
    // quantization-noise energy (sum x^2, sum (x - q(x))^2) to soloEnergy().
    void setSolo(int i);
    int solo() const { return m_solo; }
    std::pair<double, double> soloEnergy() const { return {m_soloSignal, m_soloNoise}; }

    // ForwardHooks
    torch::Tensor weight(int layer, const torch::Tensor& w) override;
    torch::Tensor activation(int point, const torch::Tensor& x) override;
    torch::Tensor bias(int layer, const torch::Tensor& b) override;
    void prepareConcurrent() override;
    bool affineActivation(int point, int64_t dims, int64_t lastDim, AffineQuant* q) override;

private:
    void invalidate(int layer);
    int inputPointOf(int layer) const;  // activation point feeding a block linear, -1 otherwise

    std::shared_ptr<VitModel> m_model;
    QuantConfig m_cfg;
    std::vector<FakeQuantizer> m_wq, m_aq;
    std::vector<torch::Tensor> m_wCache, m_bCache;
    std::vector<torch::Tensor>
        m_pointMean;  // per point, mean over all but the last dim (bias correction)
    std::vector<int64_t> m_pointCount;
    bool m_observing = false, m_lastBatch = false, m_calibrated = false;
    int m_solo = -1;
    double m_soloSignal = 0, m_soloNoise = 0;
};

}  // namespace evolq
