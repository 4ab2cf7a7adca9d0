#include "inspect/ScaleProbe.h"

#include <QElapsedTimer>

#include "data/Evaluate.h"
#include "model/Runtime.h"

namespace evolq {

namespace {
constexpr int64_t kChunkImages = 100;  // validation images per parallel chunk (see evenChunkSize)
}

ScaleProbe::ScaleProbe(QuantizedVit& q, const torch::Tensor& calibImages,
                       const torch::Tensor& calibLabels, const LandscapeSettings& s,
                       const torch::Tensor& toward, const torch::Tensor& valImages,
                       const torch::Tensor& valLabels, const QStringList& valFiles, int samples,
                       const SliceAxes* axes)
    : m_q(q), m_sweep(q, calibImages, calibLabels, s, toward, axes) {
    torch::NoGradGuard ng;
    m_from = m_sweep.startBlock();
    if (!valImages.defined() || valImages.size(0) == 0) return;
    VitModel& m = q.model();
    m_valLabels = valLabels;
    // Chunks run in parallel, one per thread, as the fitness's do.
    const int64_t n = valImages.size(0), c = evenChunkSize(n, kChunkImages);
    m_valIn.resize((n + c - 1) / c);
    q.prepareConcurrent();
    forEachChunk(static_cast<int64_t>(m_valIn.size()), [&](int64_t k) {
        const torch::Tensor chunk = valImages.slice(0, k * c, std::min(n, (k + 1) * c));
        // The swept block's input does not depend on the point: blocks before it keep their
        // scales.
        m_valIn[k] = m_from < 0 ? chunk : m.runBlocks(0, m_from, m.embed(chunk, &q), &q);
    });
    const torch::Tensor fpPred =
        predictLogits(m, valImages, nullptr, static_cast<int>(c)).argmax(1);
    m_fp32Top1 = 100.0 * fpPred.eq(valLabels).sum().item<double>() / n;
    const int64_t k = std::min<int64_t>(std::max(0, samples), valImages.size(0));
    for (int64_t i = 0; i < k; ++i) {
        m_fp32Pred.push_back(fpPred[i].item<int64_t>());
        m_sampleLabels.push_back(valLabels[i].item<int64_t>());
        m_files << valFiles.value(static_cast<int>(i));
    }
}

TryResult ScaleProbe::at(double a, double b) {
    torch::NoGradGuard ng;
    QElapsedTimer t;
    t.start();
    TryResult r;
    r.a = a;
    r.b = b;
    r.block = m_sweep.startInfo().block;
    r.losses = m_sweep.settings().losses;
    const std::vector<double> v = m_sweep.measureAt(a, b);
    r.values = QVector<double>(v.begin(), v.end());
    if (!m_valIn.empty()) {
        VitModel& m = m_q.model();
        std::vector<torch::Tensor> preds(m_valIn.size());
        m_q.prepareConcurrent();
        forEachChunk(static_cast<int64_t>(m_valIn.size()), [&](int64_t k) {
            const torch::Tensor& x = m_valIn[k];
            const torch::Tensor logits =
                m_from < 0 ? m.forward(x, &m_q)
                           : m.head(m.runBlocks(m_from, m.depth(), x, &m_q), &m_q);
            preds[k] = logits.argmax(1);
        });
        const torch::Tensor pred = torch::cat(preds, 0);
        r.valImages = static_cast<int>(pred.size(0));
        r.top1 = 100.0 * pred.eq(m_valLabels).sum().item<double>() / r.valImages;
        r.fp32Top1 = m_fp32Top1;
        for (size_t i = 0; i < m_fp32Pred.size(); ++i) {
            SamplePrediction s;
            s.file = m_files.value(static_cast<int>(i));
            s.label = static_cast<int>(m_sampleLabels[i]);
            s.fp32 = static_cast<int>(m_fp32Pred[i]);
            s.quantized = static_cast<int>(pred[static_cast<int64_t>(i)].item<int64_t>());
            r.samples.append(s);
        }
    }
    r.milliseconds = t.nsecsElapsed() / 1e6;
    return r;
}

}  // namespace evolq
