#include "search/FitnessFunction.h"

#include "common/Error.h"
#include "data/Evaluate.h"

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

double FitnessFunction::meanLoss(const std::vector<torch::Tensor>& batches) const {
    double sum = 0;
    int64_t at = 0;
    for (const torch::Tensor& qb : batches) {
        const int64_t n = qb.size(0);
        sum += outputLoss(m_s.loss, qb, m_fp.slice(0, at, at + n), m_s.temperature).item<double>();
        at += n;
    }
    return sum / static_cast<double>(batches.size());
}

// Forward passes run on chunks of several loss batches: one large pass costs far less per image
// than many small ones, and per-tensor fake quantization does not depend on how rows are grouped.
int64_t FitnessFunction::chunkSize() const {
    // Bound the largest activation of a chunk (attention scores or the MLP's hidden layer) to about
    // 256 MB, so that large models stay within memory.
    const ModelInfo& i = m_q.model().info();
    const int64_t tokens = i.numPatches + i.numPrefixTokens;
    const int64_t perImage =
        std::max<int64_t>(int64_t(i.heads) * tokens * tokens, tokens * i.mlpHidden);
    const int64_t images =
        std::min<int64_t>(kChunkImages, std::max<int64_t>(1, (int64_t(64) << 20) / perImage));
    return std::max<int64_t>(1, images / m_s.batch) * m_s.batch;
}

std::vector<torch::Tensor> FitnessFunction::splitBatches(
    const std::vector<torch::Tensor>& chunks) const {
    std::vector<torch::Tensor> out;
    for (const torch::Tensor& c : chunks)
        for (int64_t i = 0; i < c.size(0); i += m_s.batch)
            out.push_back(c.slice(0, i, std::min<int64_t>(i + m_s.batch, c.size(0))));
    return out;
}

std::vector<torch::Tensor> FitnessFunction::fullBatches() {
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> out;
    const int64_t chunk = chunkSize();
    for (int64_t i = 0; i < m_images.size(0); i += chunk)
        out.push_back(
            m_q.forward(m_images.slice(0, i, std::min<int64_t>(i + chunk, m_images.size(0)))));
    return splitBatches(out);
}

std::vector<torch::Tensor> FitnessFunction::blockBatches() {
    if (m_block < 0) throw Error("prepareBlock() was not called");
    torch::NoGradGuard ng;
    const int L = m_q.model().depth();
    std::vector<torch::Tensor> out;
    for (const torch::Tensor& x : m_cache) out.push_back(m_q.head(m_q.runBlocks(m_block, L, x)));
    return splitBatches(out);
}

double FitnessFunction::evaluateFull() {
    return meanLoss(fullBatches());
}

double FitnessFunction::evaluateFromBlock() {
    return meanLoss(blockBatches());
}

torch::Tensor FitnessFunction::quantizedLogitsFromBlock() {
    return torch::cat(blockBatches(), 0);
}

torch::Tensor FitnessFunction::quantizedLogitsFull() {
    return torch::cat(fullBatches(), 0);
}

void FitnessFunction::prepareBlock(int block) {
    torch::NoGradGuard ng;
    m_cache.clear();
    const int64_t chunk = chunkSize();
    for (int64_t i = 0; i < m_images.size(0); i += chunk) {
        const torch::Tensor x =
            m_images.slice(0, i, std::min<int64_t>(i + chunk, m_images.size(0)));
        m_cache.push_back(m_q.runBlocks(0, block, m_q.embed(x)));
    }
    m_block = block;
}

}  // namespace evolq
