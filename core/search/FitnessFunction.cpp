#include "search/FitnessFunction.h"

#include "common/Error.h"
#include "data/Evaluate.h"
#include "model/Runtime.h"

namespace evolq {

torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, double temperature) {
    namespace F = torch::nn::functional;
    const torch::Tensor qn = F::normalize(q, F::NormalizeFuncOptions().dim(1));
    const torch::Tensor kn = F::normalize(k, F::NormalizeFuncOptions().dim(1));
    const torch::Tensor logits = torch::matmul(qn, kn.t()) / temperature;
    const torch::Tensor targets = torch::arange(q.size(0), torch::kInt64);
    return F::cross_entropy(logits, targets) * (2 * temperature);
}

torch::Tensor outputLoss(LossKind kind, const torch::Tensor& q, const torch::Tensor& k,
                         double temperature) {
    namespace F = torch::nn::functional;
    switch (kind) {
        case LossKind::InfoNce:
            return infoNceLoss(q, k, temperature);
        case LossKind::Mse:
            return (q - k).pow(2).mean();
        case LossKind::Kl:
            // KL(FP || quantized) on softmax, averaged over rows.
            return F::kl_div(F::log_softmax(q, 1), F::log_softmax(k, 1),
                             F::KLDivFuncOptions().reduction(torch::kBatchMean).log_target(true));
        case LossKind::Cosine:
            return (1 - F::cosine_similarity(q, k, F::CosineSimilarityFuncOptions().dim(1))).mean();
    }
    return {};
}

FitnessFunction::FitnessFunction(QuantizedVit& q, const torch::Tensor& images,
                                 const FitnessSettings& s)
    : m_q(q), m_images(images), m_s(s) {
    if (images.size(0) == 0) throw Error("no calibration images");
    if (m_s.batch <= 0) m_s.batch = 100;
    m_fp = predictLogits(q.model(), images, nullptr, static_cast<int>(chunkSize()));
}

// The loss of every calibration batch from the logits of all images, averaged over batches.
double FitnessFunction::meanLoss(const torch::Tensor& logits) const {
    double sum = 0;
    int64_t batches = 0;
    for (int64_t at = 0; at < logits.size(0); at += m_s.batch, ++batches) {
        const int64_t e = std::min<int64_t>(at + m_s.batch, logits.size(0));
        sum += outputLoss(m_s.loss, logits.slice(0, at, e), m_fp.slice(0, at, e), m_s.temperature)
                   .item<double>();
    }
    return sum / static_cast<double>(batches);
}

// Rows are independent through the whole forward (per-tensor fake quantization does not depend
// on how rows are grouped), so chunking only decides speed and memory: small chunks keep a pass's
// activations in cache, and bound memory for large models (the largest activation of a chunk, the
// attention scores or the MLP's hidden layer, stays under about 64 MB).
int64_t FitnessFunction::chunkSize() const {
    const ModelInfo& i = m_q.model().info();
    const int64_t tokens = i.numPatches + i.numPrefixTokens;
    const int64_t perImage =
        std::max<int64_t>(int64_t(i.heads) * tokens * tokens, tokens * i.mlpHidden) * 4;
    const int64_t target =
        std::max<int64_t>(1, std::min<int64_t>(kChunkImages, (int64_t(64) << 20) / perImage));
    return evenChunkSize(images(), target);
}

torch::Tensor FitnessFunction::chunkOf(const torch::Tensor& all, int64_t k) const {
    const int64_t c = chunkSize();
    return all.slice(0, k * c, std::min<int64_t>((k + 1) * c, all.size(0)));
}

torch::Tensor FitnessFunction::fullLogits() {
    std::vector<torch::Tensor> out(chunks());
    m_q.prepareConcurrent();
    forEachChunk(chunks(), [&](int64_t k) { out[k] = m_q.forward(chunkOf(m_images, k)); });
    return torch::cat(out, 0);
}

torch::Tensor FitnessFunction::blockLogits() {
    if (m_block < 0) throw Error("prepareBlock() was not called");
    const int L = m_q.model().depth();
    std::vector<torch::Tensor> out(m_cache.size());
    m_q.prepareConcurrent();
    forEachChunk(static_cast<int64_t>(m_cache.size()),
                 [&](int64_t k) { out[k] = m_q.head(m_q.runBlocks(m_block, L, m_cache[k])); });
    return torch::cat(out, 0);
}

double FitnessFunction::evaluateFull() {
    return meanLoss(fullLogits());
}

double FitnessFunction::evaluateFromBlock() {
    return meanLoss(blockLogits());
}

torch::Tensor FitnessFunction::quantizedLogitsFromBlock() {
    return blockLogits();
}

torch::Tensor FitnessFunction::quantizedLogitsFull() {
    return fullLogits();
}

bool FitnessFunction::cacheBlockInputs() {
    m_inputs.clear();
    const ModelInfo& i = m_q.model().info();
    const int L = i.depth;
    const int64_t bytes = int64_t(images()) * (i.numPatches + i.numPrefixTokens) * i.width * L * 4;
    if (bytes > kBlockInputsBytes) return false;
    m_inputs = m_q.blockInputs(m_images, chunkSize());
    return true;
}

void FitnessFunction::prepareBlock(int block) {
    if (!m_inputs.empty() && block < static_cast<int>(m_inputs[0].size())) {
        m_cache.clear();
        for (const auto& perBlock : m_inputs) m_cache.push_back(perBlock[block]);
        m_block = block;
        return;
    }
    std::vector<torch::Tensor> cache(chunks());
    m_q.prepareConcurrent();
    forEachChunk(chunks(), [&](int64_t k) {
        cache[k] = m_q.runBlocks(0, block, m_q.embed(chunkOf(m_images, k)));
    });
    m_cache = std::move(cache);
    m_block = block;
}

}  // namespace evolq
