#pragma once

#include <torch/torch.h>

#include <QString>
#include <QStringList>
#include <memory>
#include <utility>
#include <vector>

#include "model/Kernels.h"
#include "types/ModelInfo.h"

namespace evolq {

// Interception points of the forward pass. The float model passes no hooks; the quantized model
// (QuantizedVit) fake-quantizes each weight and activation through them. Indices are stable and
// name-addressable through VitModel::layerNames() / pointNames().
class ForwardHooks {
public:
    virtual ~ForwardHooks() = default;
    virtual torch::Tensor weight(int layer, const torch::Tensor& w) = 0;
    virtual torch::Tensor activation(int point, const torch::Tensor& x) = 0;
    // The bias a linear layer uses (bias correction changes it); undefined stays undefined.
    virtual torch::Tensor bias(int /*layer*/, const torch::Tensor& b) { return b; }
    // Called before forward passes run concurrently (forEachChunk): fills whatever the hooks
    // compute lazily, so that during the passes they only read.
    virtual void prepareConcurrent() {}
    // What activation(point, x) does to a float tensor of `dims` dimensions whose last one is
    // `lastDim`, as a plain affine fake quantization (or an identity), so that the forward can
    // apply it in place, fused with the operation before it; false when activation() must be
    // called (it observes, or quantizes otherwise). Read only during the passes.
    virtual bool affineActivation(int /*point*/, int64_t /*dims*/, int64_t /*lastDim*/,
                                  AffineQuant* /*q*/) {
        return false;
    }
};

// Activation points inside one block, in forward order (see METHOD.md, FQ-ViT placement).
enum BlockPoint {
    kNorm1Out = 0,
    kQkvOut,
    kAttnScores,  // q k^T * scale, before softmax
    kAttnProbs,   // after softmax
    kAttnOut,     // attention times V, heads merged
    kProjOut,
    kResidual1,  // x + attn(x): input of norm2
    kNorm2Out,
    kGeluOut,
    kFc2Out,
    kResidual2,  // x + mlp(x): input of the next block's norm1
    kPointsPerBlock
};
// Linear layers inside one block.
enum BlockLayer { kQkv = 0, kProj, kFc1, kFc2, kLayersPerBlock };

struct Linear {
    torch::Tensor weight;
    torch::Tensor bias;  // undefined when absent
};

// timm's VisionTransformer forward for the ViT and DeiT families, parameters named as timm names
// them. Parameters are plain tensors registered on nested modules, so named_parameters() yields
// "blocks.3.attn.qkv.weight" and an optimizer can train them.
class VitModel : public torch::nn::Module {
public:
    // Builds a randomly initialised model of the given shape (for training).
    explicit VitModel(const ModelInfo& info);

    // Loads a timm/Hugging Face model folder (config.json + model.safetensors); throws
    // evolq::Error.
    static std::shared_ptr<VitModel> load(const QString& folder);
    // Saves config.json + model.safetensors in the same layout.
    void save(const QString& folder, const QString& architecture) const;

    const ModelInfo& info() const { return m_info; }
    int depth() const { return m_info.depth; }

    // Layer table: index -> "patch_embed.proj", "blocks.B.attn.qkv", ..., "head", "head_dist".
    QStringList layerNames() const;
    int layerIndex(int block, BlockLayer l) const { return 1 + block * kLayersPerBlock + l; }
    int headLayer() const { return 1 + m_info.depth * kLayersPerBlock; }
    const Linear& layer(int index) const { return *m_layers[index]; }
    // Activation point table: "input", "patch_embed.out", "pos_embed.out", "blocks.B.norm1.out",
    // ..., "norm.out", "head.out".
    QStringList pointNames() const;
    int pointIndex(int block, BlockPoint p) const { return 3 + block * kPointsPerBlock + p; }
    int normOutPoint() const { return 3 + m_info.depth * kPointsPerBlock; }
    int logitsPoint() const { return normOutPoint() + 1; }
    // Points whose tensor feeds a LayerNorm (where FQ-ViT uses the power-of-two factor).
    bool isLayerNormInput(int point) const;

    // Full forward: normalized images [N, C, H, W] -> logits [N, classes].
    torch::Tensor forward(const torch::Tensor& images, ForwardHooks* hooks = nullptr);
    // The pieces, so that a caller can run blocks b..L from a cached input of block b.
    torch::Tensor embed(const torch::Tensor& images, ForwardHooks* hooks = nullptr);
    torch::Tensor runBlock(int b, const torch::Tensor& x, ForwardHooks* hooks = nullptr);
    torch::Tensor runBlocks(int from, int to, torch::Tensor x, ForwardHooks* hooks = nullptr);
    torch::Tensor head(const torch::Tensor& tokens, ForwardHooks* hooks = nullptr);

private:
    void registerAll();
    // A linear layer's weight and bias as the hooks give them (the bias may be undefined).
    std::pair<torch::Tensor, torch::Tensor> linearParams(int layerIdx, ForwardHooks* hooks) const;
    torch::Tensor linear(int layerIdx, const torch::Tensor& x, ForwardHooks* hooks);
    // The block's eleven activation quantizations as affine maps, when the block may apply them
    // in place (no gradient recorded, every point's hook says how); false otherwise.
    bool fusedQuantization(int block, const torch::Tensor& x, ForwardHooks* hooks,
                           AffineQuant* q) const;

    ModelInfo m_info;
    // Parameters grouped the way the forward uses them. Registered on child modules for naming.
    Linear m_patch;  // conv weight [D, C, p, p]
    torch::Tensor m_cls, m_dist, m_pos;
    struct Block {
        torch::Tensor n1w, n1b, n2w, n2b, ls1, ls2;
        Linear qkv, proj, fc1, fc2;
    };
    std::vector<Block> m_blocks;
    torch::Tensor m_normW, m_normB;  // final norm, or fc_norm for avg pool models
    Linear m_head, m_headDist;
    std::vector<Linear*> m_layers;
};

// Parameter count of a model folder's tensors (helper for info output).
long long countParameters(const VitModel& m);

}  // namespace evolq
