#include "search/Reconstruction.h"

#include <map>

#include "common/Error.h"
#include "search/FitnessFunction.h"

namespace evolq {

namespace {

constexpr BlockPoint kOutputOf[kLayersPerBlock] = {kQkvOut, kProjOut, kGeluOut, kFc2Out};

// The quantized model with the block's weights quantized from the trainable scales and every
// activation quantized with a straight-through gradient; records the block's layer outputs.
class SteHooks : public ForwardHooks {
public:
    SteHooks(QuantizedVit& q, const std::map<int, torch::Tensor>& scales, std::vector<int> points)
        : m_q(q), m_scales(scales), m_points(std::move(points)) {}

    torch::Tensor weight(int layer, const torch::Tensor& w) override {
        const auto it = m_scales.find(layer);
        if (it == m_scales.end()) return m_q.weight(layer, w);
        const FakeQuantizer& fq = m_q.quantizer(layer);
        std::vector<int64_t> shape(w.dim(), 1);
        shape[0] = w.size(0);
        return fakeQuantizeSte(w.detach(), it->second.view(shape), fq.zeroPoint().view(shape),
                               fq.bits().lo(), fq.bits().hi());
    }
    torch::Tensor bias(int layer, const torch::Tensor& b) override {
        // Bias correction follows the quantized weights it was computed for (constant here).
        return b.defined() ? m_q.bias(layer, b).detach() : b;
    }
    torch::Tensor activation(int point, const torch::Tensor& x) override {
        for (size_t i = 0; i < m_points.size(); ++i)
            if (m_points[i] == point) outputs[i] = x;
        const torch::Tensor y = m_q.activation(point, x.detach());
        return x + (y - x).detach();
    }

    std::vector<torch::Tensor> outputs = std::vector<torch::Tensor>(kLayersPerBlock);

private:
    QuantizedVit& m_q;
    const std::map<int, torch::Tensor>& m_scales;
    std::vector<int> m_points;
};

// Per-channel mean and variance over every row of a [..., C] tensor.
std::pair<torch::Tensor, torch::Tensor> channelStats(const torch::Tensor& x) {
    const torch::Tensor f = x.reshape({-1, x.size(-1)});
    const torch::Tensor mean = f.mean(0);
    return {mean, (f - mean).pow(2).mean(0)};
}

// Model parameters take no gradients while a block's scales learn (restored afterwards).
class FrozenParameters {
public:
    explicit FrozenParameters(VitModel& m) {
        for (torch::Tensor& p : m.parameters())
            if (p.requires_grad()) {
                p.requires_grad_(false);
                m_frozen.push_back(p);
            }
    }
    ~FrozenParameters() {
        for (torch::Tensor& p : m_frozen) p.requires_grad_(true);
    }

private:
    std::vector<torch::Tensor> m_frozen;
};

}  // namespace

torch::Tensor fakeQuantizeSte(const torch::Tensor& x, const torch::Tensor& scale,
                              const torch::Tensor& zero, double lo, double hi) {
    const torch::Tensor u = x / scale + zero;
    const torch::Tensor r = u + (u.round() - u).detach();
    return (r.clamp(lo, hi) - zero) * scale;
}

Reconstruction::Reconstruction(QuantizedVit& q, const torch::Tensor& calibImages,
                               const SearchSettings& s, const torch::Tensor& valImages,
                               const torch::Tensor& valLabels)
    : SearchStrategy(q, calibImages, s, valImages, valLabels),
      m_steps(s.reconstruct.steps > 0 ? s.reconstruct.steps
                                      : std::max(1, s.passes * (1 + s.cycles) - 2)) {}

QString Reconstruction::method() const {
    return "block-wise reconstruction with global and local supervision (MGRQ)";
}

void Reconstruction::addSettings(QJsonObject& o) const {
    o.insert("steps_per_block", m_steps);
    o.insert("block_order", "first to last");
    o.insert("parameters", "log of the block's qkv, proj, fc1 and fc2 weight scales");
}

void Reconstruction::addProvenance(QJsonObject& o) const {
    QJsonArray blocks;
    for (const std::vector<double>& l : m_losses) {
        QJsonArray a;
        for (double v : l) a.append(v);
        blocks.append(a);
    }
    o.insert("reconstruction_losses", blocks);
}

std::vector<torch::Tensor> Reconstruction::chunks(const torch::Tensor& images) const {
    std::vector<torch::Tensor> out;
    const int64_t n = images.size(0), c = FitnessFunction::kChunkImages;
    for (int64_t at = 0; at < n; at += c) out.push_back(images.slice(0, at, std::min(n, at + c)));
    return out;
}

void Reconstruction::begin() {
    torch::NoGradGuard ng;
    VitModel& m = m_q.model();
    for (const torch::Tensor& x : chunks(m_calibImages)) {
        m_qIn.push_back(m_q.embed(x));
        m_fpIn.push_back(m.embed(x));
    }
    const torch::Tensor fp = m_fitness.fpLogits();
    int64_t at = 0;
    for (const torch::Tensor& x : m_qIn) {
        m_fpLogits.push_back(fp.slice(0, at, at + x.size(0)));
        at += x.size(0);
    }
}

void Reconstruction::startBlock() {
    torch::NoGradGuard ng;
    VitModel& m = m_q.model();
    m_fpOut.clear();
    m_fpMean.clear();
    m_fpVar.clear();
    std::vector<int> points;
    for (BlockPoint p : kOutputOf) points.push_back(m.pointIndex(m_b, p));
    for (const torch::Tensor& x : m_fpIn) {
        std::map<int, torch::Tensor> fpOut;
        struct Fp : ForwardHooks {
            std::vector<int> points;
            std::map<int, torch::Tensor>* out;
            torch::Tensor weight(int, const torch::Tensor& w) override { return w; }
            torch::Tensor activation(int p, const torch::Tensor& v) override {
                (*out)[p] = v;
                return v;
            }
        } hooks;
        hooks.out = &fpOut;
        m_fpOut.push_back(m.runBlock(m_b, x, &hooks));
        std::vector<torch::Tensor> means, vars;
        for (int p : points) {
            const auto [mu, var] = channelStats(fpOut.at(p));
            means.push_back(mu);
            vars.push_back(var);
        }
        m_fpMean.push_back(means);
        m_fpVar.push_back(vars);
    }
    m_layers.clear();
    m_logScales.clear();
    for (int l = 0; l < kLayersPerBlock; ++l) {
        const int wi = m.layerIndex(m_b, static_cast<BlockLayer>(l));
        m_layers.push_back(wi);
        m_logScales.push_back(m_q.quantizer(wi).scale().log().clone().requires_grad_(true));
    }
    m_adam = std::make_unique<torch::optim::Adam>(
        m_logScales, torch::optim::AdamOptions(m_s.reconstruct.learningRate));
    m_losses.emplace_back();
}

double Reconstruction::adamStep() {
    torch::AutoGradMode grad(true);
    VitModel& m = m_q.model();
    const FrozenParameters frozen(m);
    const int L = m.depth();
    const ReconstructSettings& r = m_s.reconstruct;
    std::vector<int> points;
    for (BlockPoint p : kOutputOf) points.push_back(m.pointIndex(m_b, p));
    m_adam->zero_grad();
    std::map<int, torch::Tensor> scales;
    const int64_t n = m_calibImages.size(0);
    double total = 0;
    for (size_t k = 0; k < m_qIn.size(); ++k) {
        // Scales are rebuilt per chunk: each backward frees the graph it used.
        for (size_t i = 0; i < m_layers.size(); ++i) scales[m_layers[i]] = m_logScales[i].exp();
        SteHooks hooks(m_q, scales, points);
        const torch::Tensor out = m.runBlock(m_b, m_qIn[k], &hooks);
        const double w = double(m_qIn[k].size(0)) / double(n);
        torch::Tensor loss = r.mseWeight * (out - m_fpOut[k]).pow(2).mean();
        if (r.globalWeight > 0) {
            const torch::Tensor logits = m.head(m.runBlocks(m_b + 1, L, out, &hooks), &hooks);
            const torch::Tensor lq = torch::log_softmax(logits, 1);
            const torch::Tensor lf = torch::log_softmax(m_fpLogits[k], 1);
            loss = loss + r.globalWeight * (lq.exp() * (lq - lf)).sum(1).mean();
        }
        if (r.localWeight > 0) {
            torch::Tensor local = torch::zeros({});
            for (size_t i = 0; i < points.size(); ++i) {
                const auto [mu, var] = channelStats(hooks.outputs[i]);
                local = local + (mu - m_fpMean[k][i]).pow(2).mean() +
                        (var - m_fpVar[k][i]).pow(2).mean();
            }
            loss = loss + r.localWeight * local;
        }
        (loss * w).backward();
        total += loss.item<double>() * w;
    }
    m_adam->step();
    torch::NoGradGuard ng;
    for (size_t i = 0; i < m_layers.size(); ++i)
        m_q.setQuantizerParams(m_layers[i], m_logScales[i].detach().exp(),
                               m_q.quantizer(m_layers[i]).zeroPoint());
    return total;
}

void Reconstruction::step() {
    if (m_step < 0) {
        beginVisit(0, m_b);
        startBlock();
        m_visitStart = m_q.genome(m_b, GenomeKind::Weights).clone();
        evaluate(-1, m_visitStart, torch::Tensor(), m_currentFitness);
        m_step = 0;
        return;
    }
    if (m_step < m_steps) {
        const torch::Tensor before =
            m_step == 0 ? m_visitStart : m_q.genome(m_b, GenomeKind::Weights).clone();
        m_losses.back().push_back(adamStep());
        spend(1);
        ++m_step;
        // Each Adam step on the live landscape, a child of the step before.
        showStep(m_step, m_q.genome(m_b, GenomeKind::Weights), before);
        return;
    }
    const torch::Tensor g = m_q.genome(m_b, GenomeKind::Weights).clone();
    const double f = evaluate(0, g, m_visitStart);
    endVisit(f, torch::equal(g, m_visitStart), -1);
    torch::NoGradGuard ng;
    for (torch::Tensor& x : m_qIn) x = m_q.runBlocks(m_b, m_b + 1, x);
    for (torch::Tensor& x : m_fpIn) x = m_q.model().runBlock(m_b, x);
    m_adam.reset();
    m_step = -1;
    ++m_b;
}

}  // namespace evolq
