#include "quant/QuantizedVit.h"

#include "common/Error.h"
#include "model/Runtime.h"

namespace evolq {

QuantizedVit::QuantizedVit(std::shared_ptr<VitModel> model, const QuantConfig& cfg)
    : m_model(std::move(model)), m_cfg(cfg) {
    const QStringList layers = m_model->layerNames();
    for (const QString& l : layers)
        m_wq.emplace_back(l + ".weight", true, BitSpec{cfg.weightBits, cfg.weightSigned},
                          Granularity::PerChannel, 0, cfg.weightObserver, false, false);
    const QStringList points = m_model->pointNames();
    for (int p = 0; p < points.size(); ++p) {
        const bool ptf = cfg.ptf && m_model->isLayerNormInput(p);
        const bool isProbs =
            p >= 3 && p < m_model->normOutPoint() && (p - 3) % kPointsPerBlock == kAttnProbs;
        m_aq.emplace_back(points[p], false, BitSpec{cfg.actBits, cfg.actSigned},
                          ptf ? Granularity::PerChannel : Granularity::PerTensor, ptf ? -1 : 0,
                          cfg.actObserver, ptf, isProbs && cfg.log2Softmax);
    }
    m_wCache.resize(m_wq.size());
    m_bCache.resize(m_wq.size());
    m_pointMean.resize(m_aq.size());
    m_pointCount.assign(m_aq.size(), 0);
}

int QuantizedVit::findQuantizer(const QString& name) const {
    for (int i = 0; i < quantizerCount(); ++i)
        if (quantizer(i).name() == name) return i;
    return -1;
}

int QuantizedVit::inputPointOf(int layer) const {
    if (layer < 1 || layer >= m_model->headLayer()) return -1;
    const int b = (layer - 1) / kLayersPerBlock, l = (layer - 1) % kLayersPerBlock;
    static const BlockPoint feeds[kLayersPerBlock] = {kNorm1Out, kAttnOut, kNorm2Out, kGeluOut};
    return m_model->pointIndex(b, feeds[l]);
}

double QuantizedVit::calibrate(const torch::Tensor& images,
                               const std::function<bool(int, int)>& progress) {
    torch::NoGradGuard ng;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto& q : m_wq) q.resetObserver();
    for (auto& q : m_aq) q.resetObserver();
    for (auto& m : m_pointMean) m = torch::Tensor();
    std::fill(m_pointCount.begin(), m_pointCount.end(), 0);
    for (int i = 0; i < static_cast<int>(m_wq.size()); ++i) {
        m_wq[i].observe(m_model->layer(i).weight, true);
        m_wq[i].finalize();
        invalidate(i);
    }
    const int64_t n = images.size(0);
    const int batch = std::max(1, m_cfg.calibBatch);
    m_observing = true;
    m_calibrated = false;
    try {
        for (int64_t b = 0; b < n; b += batch) {
            m_lastBatch = b + batch >= n;
            m_model->forward(images.slice(0, b, std::min<int64_t>(n, b + batch)), this);
            if (progress &&
                !progress(static_cast<int>(std::min<int64_t>(n, b + batch)), static_cast<int>(n))) {
                m_observing = false;
                throw Error("cancelled");
            }
        }
    } catch (...) {
        m_observing = false;
        throw;
    }
    m_observing = false;
    for (auto& q : m_aq) q.finalize();
    for (size_t i = 0; i < m_wq.size(); ++i) invalidate(static_cast<int>(i));
    m_calibrated = true;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

torch::Tensor QuantizedVit::weight(int layer, const torch::Tensor& w) {
    if (m_observing) return w;  // calibration observes the float model, as FQ-ViT does
    if (!m_wq[layer].enabled() || (m_solo >= 0 && layer != m_solo)) return w;
    if (!m_wCache[layer].defined()) m_wCache[layer] = m_wq[layer].apply(w.detach());
    return m_wCache[layer];
}

torch::Tensor QuantizedVit::bias(int layer, const torch::Tensor& b) {
    if (m_observing || !m_cfg.biasCorrection || !m_wq[layer].enabled()) return b;
    if (m_solo >= 0 && layer != m_solo) return b;
    const int p = inputPointOf(layer);
    if (p < 0 || !m_pointMean[p].defined()) return b;
    if (!m_bCache[layer].defined()) {
        // Empirical bias correction: the expected output error (W - W_q) E[x] is added back.
        const torch::Tensor w = m_model->layer(layer).weight.detach();
        const torch::Tensor wq = weight(layer, w);
        m_bCache[layer] = b.detach() + torch::mv(w - wq, m_pointMean[p]);
    }
    return m_bCache[layer];
}

void QuantizedVit::prepareConcurrent() {
    if (m_observing) throw Error("calibration observes one batch after another: not concurrently");
    for (int i = 0; i < static_cast<int>(m_wq.size()); ++i) {
        const torch::Tensor w = m_model->layer(i).weight;
        weight(i, w);
        const torch::Tensor& b = m_model->layer(i).bias;
        if (b.defined()) bias(i, b);
    }
}

torch::Tensor QuantizedVit::activation(int point, const torch::Tensor& x) {
    if (m_observing) {
        m_aq[point].observe(x, m_lastBatch);
        if (m_cfg.biasCorrection) {
            const torch::Tensor flat = x.detach().reshape({-1, x.size(-1)});
            const torch::Tensor sum = flat.sum(0);
            m_pointMean[point] = m_pointMean[point].defined()
                                     ? (m_pointMean[point] * m_pointCount[point] + sum) /
                                           (m_pointCount[point] + flat.size(0))
                                     : sum / flat.size(0);
            m_pointCount[point] += flat.size(0);
        }
        return x;
    }
    if (!m_calibrated) return x;
    if (m_solo >= 0) {
        if (point + static_cast<int>(m_wq.size()) != m_solo) return x;
        const torch::Tensor y = m_aq[point].apply(x);
        m_soloSignal += x.to(torch::kFloat64).square().sum().item<double>();
        m_soloNoise += (x - y).to(torch::kFloat64).square().sum().item<double>();
        return y;
    }
    return m_aq[point].apply(x);
}

bool QuantizedVit::affineActivation(int point, int64_t dims, int64_t lastDim, AffineQuant* q) {
    if (m_observing || m_solo >= 0) return false;  // as activation(): observe, or add energies
    if (!m_calibrated) {
        *q = AffineQuant{};
        return true;
    }
    return m_aq[point].affine(dims, lastDim, q);
}

void QuantizedVit::setSolo(int i) {
    m_solo = i < 0 || i >= quantizerCount() ? -1 : i;
    m_soloSignal = m_soloNoise = 0;
}

void QuantizedVit::invalidate(int layer) {
    m_wCache[layer] = torch::Tensor();
    m_bCache[layer] = torch::Tensor();
}

void QuantizedVit::setQuantizerParams(int i, const torch::Tensor& scale,
                                      const torch::Tensor& zero) {
    quantizer(i).setParams(scale, zero);
    if (i < static_cast<int>(m_wq.size())) invalidate(i);
    m_calibrated = true;
}

std::vector<int> QuantizedVit::genomeQuantizers(int block, GenomeKind kind) const {
    std::vector<int> out{m_model->layerIndex(block, kQkv), m_model->layerIndex(block, kProj)};
    if (kind == GenomeKind::Attention) return out;
    out.push_back(m_model->layerIndex(block, kFc1));
    out.push_back(m_model->layerIndex(block, kFc2));
    if (kind == GenomeKind::Weights) return out;
    for (int p = 0; p < kPointsPerBlock; ++p) {
        const int point = m_model->pointIndex(block, static_cast<BlockPoint>(p));
        const FakeQuantizer& a = m_aq[point];
        if (a.enabled() && !a.log2() && a.calibrated())
            out.push_back(static_cast<int>(m_wq.size()) + point);
    }
    return out;
}

int QuantizedVit::genomeSize(int block, GenomeKind kind) const {
    int64_t n = 0;
    for (int i : genomeQuantizers(block, kind)) n += quantizer(i).scale().numel();
    return static_cast<int>(n);
}

torch::Tensor QuantizedVit::genome(int block, GenomeKind kind) const {
    std::vector<torch::Tensor> parts;
    for (int i : genomeQuantizers(block, kind)) parts.push_back(quantizer(i).scale().reshape({-1}));
    return torch::cat(parts);
}

void QuantizedVit::setGenome(int block, const torch::Tensor& g, GenomeKind kind) {
    const std::vector<int> qs = genomeQuantizers(block, kind);
    const int64_t expected = genomeSize(block, kind);
    if (g.numel() != expected)
        throw Error(QString("genome of block %1 has %2 values, expected %3")
                        .arg(block)
                        .arg(g.numel())
                        .arg(expected));
    const torch::Tensor flat = g.reshape({-1}).to(torch::kFloat32);
    int64_t at = 0;
    for (int i : qs) {
        FakeQuantizer& fq = quantizer(i);
        const int64_t n = fq.scale().numel();
        fq.setScale(flat.slice(0, at, at + n).view(fq.scale().sizes()).clone());
        at += n;
        if (i < static_cast<int>(m_wq.size())) invalidate(i);
    }
}

void QuantizedVit::setWeightBits(int layer, int bits) {
    if (layer < 0 || layer >= static_cast<int>(m_wq.size()))
        throw Error(QString("no weight quantizer %1").arg(layer));
    FakeQuantizer& fq = m_wq[layer];
    if (!fq.enabled()) throw Error(QString("%1 is not quantized").arg(fq.name()));
    fq.setBits(bits);
    fq.resetObserver();
    fq.observe(m_model->layer(layer).weight.detach(), true);
    fq.finalize();
    invalidate(layer);
}

std::vector<std::vector<torch::Tensor>> QuantizedVit::blockInputs(const torch::Tensor& images,
                                                                  int64_t chunkSize) {
    const int L = m_model->depth();
    const int64_t n = images.size(0), c = std::max<int64_t>(1, chunkSize);
    std::vector<std::vector<torch::Tensor>> inputs((n + c - 1) / c);
    prepareConcurrent();
    forEachChunk(static_cast<int64_t>(inputs.size()), [&](int64_t k) {
        torch::Tensor x = embed(images.slice(0, k * c, std::min<int64_t>((k + 1) * c, n)));
        for (int b = 0; b < L; ++b) {
            inputs[k].push_back(x);
            if (b + 1 < L) x = runBlocks(b, b + 1, x);
        }
    });
    return inputs;
}

QuantizedVit::State QuantizedVit::state() const {
    State s;
    for (int i = 0; i < quantizerCount(); ++i) {
        s.scales.push_back(quantizer(i).scale().clone());
        s.zeros.push_back(quantizer(i).zeroPoint().clone());
        s.bits.push_back(quantizer(i).bits().bits);
    }
    return s;
}

void QuantizedVit::restore(const State& s) {
    for (int i = 0; i < quantizerCount(); ++i) {
        if (i < static_cast<int>(s.bits.size())) quantizer(i).setBits(s.bits[i]);
        setQuantizerParams(i, s.scales[i], s.zeros[i]);
    }
}

}  // namespace evolq
