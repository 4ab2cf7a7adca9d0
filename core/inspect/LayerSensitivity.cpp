#include "inspect/LayerSensitivity.h"

#include <QElapsedTimer>
#include <cmath>

#include "common/Error.h"
#include "search/FitnessFunction.h"

namespace evolq {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kChunk = 500;

double sqnrDb(double signal, double noise) {
    if (!(signal > 0) || !(noise > 0)) return NaN;  // nothing measured, or lossless
    return 10.0 * std::log10(signal / noise);
}

// Puts the model back to quantizing everything, whatever happens.
struct SoloGuard {
    QuantizedVit& q;
    ~SoloGuard() { q.setSolo(-1); }
};

}  // namespace

LayerSensitivity::LayerSensitivity(QuantizedVit& q, const torch::Tensor& images,
                                   const FitnessSettings& s)
    : m_q(q), m_s(s) {
    if (!images.defined() || images.size(0) == 0) throw Error("layer sensitivity: no images");
    torch::NoGradGuard ng;
    VitModel& m = q.model();
    std::vector<torch::Tensor> logits;
    for (int64_t at = 0; at < images.size(0); at += kChunk) {
        const torch::Tensor chunk = images.slice(0, at, std::min(images.size(0), at + kChunk));
        m_images.push_back(chunk);
        std::vector<torch::Tensor> inputs{m.embed(chunk)};
        for (int b = 0; b < m.depth(); ++b) inputs.push_back(m.runBlock(b, inputs.back()));
        logits.push_back(m.head(inputs.back()));
        m_inputs.push_back(std::move(inputs));
    }
    m_fp = torch::cat(logits, 0);
}

int LayerSensitivity::blockOf(int i) const {
    const VitModel& m = m_q.model();
    const int weights = static_cast<int>(m.layerNames().size());
    if (i < weights) {
        if (i == 0) return -1;
        return i < m.headLayer() ? (i - 1) / kLayersPerBlock : m.depth();
    }
    const int p = i - weights;
    if (p < 3) return -1;
    return p < m.normOutPoint() ? (p - 3) / kPointsPerBlock : m.depth();
}

double LayerSensitivity::lossOf(const std::vector<torch::Tensor>& chunks) const {
    const torch::Tensor q = torch::cat(chunks, 0);
    const int64_t n = q.size(0), batch = std::max(1, m_s.batch);
    double sum = 0;
    int batches = 0;
    for (int64_t at = 0; at < n; at += batch, ++batches) {
        const int64_t end = std::min(n, at + batch);
        sum += outputLoss(m_s.loss, q.slice(0, at, end), m_fp.slice(0, at, end), m_s.temperature)
                   .item<double>();
    }
    return sum / batches;
}

SensitivityResult LayerSensitivity::run(const std::function<bool(int, int)>& progress) {
    torch::NoGradGuard ng;
    QElapsedTimer timer;
    timer.start();
    SensitivityResult r;
    r.loss = lossName(m_s.loss);
    r.images = static_cast<int>(m_fp.size(0));
    r.floatLoss = lossOf({m_fp});
    VitModel& m = m_q.model();
    SoloGuard guard{m_q};
    const int total = m_q.quantizerCount();
    for (int i = 0; i < total; ++i) {
        const FakeQuantizer& fq = m_q.quantizer(i);
        SensitivityRow row;
        row.name = fq.name();
        row.weight = fq.isWeight();
        row.block = blockOf(i);
        row.bits = fq.enabled() ? fq.bits().bits : 0;
        if (fq.enabled() && fq.calibrated()) {
            m_q.setSolo(i);
            std::vector<torch::Tensor> logits;
            for (size_t c = 0; c < m_images.size(); ++c) {
                if (row.block < 0)
                    logits.push_back(m.forward(m_images[c], &m_q));
                else
                    logits.push_back(m.head(
                        m.runBlocks(row.block, m.depth(), m_inputs[c][row.block], &m_q), &m_q));
            }
            row.lossIncrease = lossOf(logits) - r.floatLoss;
            if (fq.isWeight()) {
                const torch::Tensor w = m.layer(i).weight.to(torch::kFloat64);
                const torch::Tensor wq = fq.apply(m.layer(i).weight).to(torch::kFloat64);
                row.sqnrDb =
                    sqnrDb(w.square().sum().item<double>(), (w - wq).square().sum().item<double>());
            } else {
                const auto [signal, noise] = m_q.soloEnergy();
                row.sqnrDb = sqnrDb(signal, noise);
            }
        }
        r.rows.append(row);
        if (progress && !progress(i + 1, total)) {
            r.cancelled = true;
            break;
        }
    }
    r.seconds = timer.elapsed() / 1000.0;
    return r;
}

}  // namespace evolq
