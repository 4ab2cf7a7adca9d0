#include "search/SimilaritySearch.h"

#include <cmath>

#include "common/Error.h"
#include "quant/CaptureHooks.h"

namespace evolq {

namespace {

// Input and output activation points of each linear layer of a block (fc1's output is observed
// after GELU).
constexpr BlockPoint kInputOf[kLayersPerBlock] = {kNorm1Out, kAttnOut, kNorm2Out, kGeluOut};
constexpr BlockPoint kOutputOf[kLayersPerBlock] = {kQkvOut, kProjOut, kGeluOut, kFc2Out};

torch::Tensor strided(const torch::Tensor& t, int64_t dim, int64_t most) {
    const int64_t n = t.size(dim);
    if (n <= most) return t;
    return t.index_select(dim, torch::linspace(0, n - 1, most).round().to(torch::kInt64));
}

}  // namespace

double outputSimilarity(const torch::Tensor& a, const torch::Tensor& b, bool cosine) {
    torch::Tensor x = a.reshape({-1}).to(torch::kFloat64), y = b.reshape({-1}).to(torch::kFloat64);
    if (!cosine) {
        x = x - x.mean();
        y = y - y.mean();
    }
    const double den = (x.norm() * y.norm()).item<double>();
    return den > 0 ? (x * y).sum().item<double>() / den : 0.0;
}

double rankingLoss(const torch::Tensor& fpScores, const torch::Tensor& qScores) {
    if (fpScores.sizes() != qScores.sizes())
        throw Error("ranking loss: the two score tensors differ in shape");
    const int64_t d = fpScores.dim();
    torch::Tensor f = strided(strided(fpScores.to(torch::kFloat64), d - 1, 32), d - 2, 32);
    torch::Tensor q = strided(strided(qScores.to(torch::kFloat64), d - 1, 32), d - 2, 32);
    const torch::Tensor df = f.unsqueeze(-1) - f.unsqueeze(-2);
    const torch::Tensor dq = q.unsqueeze(-1) - q.unsqueeze(-2);
    return torch::relu(-dq * df.sign()).mean().item<double>();
}

torch::Tensor attentionScores(const torch::Tensor& qkv, int heads) {
    const int64_t N = qkv.size(0), T = qkv.size(1), D = qkv.size(2) / 3, hd = D / heads;
    const torch::Tensor t = qkv.reshape({N, T, 3, heads, hd}).permute({2, 0, 3, 1, 4});
    return torch::matmul(t[0] * (1.0 / std::sqrt(static_cast<double>(hd))), t[1].transpose(-2, -1));
}

LayerIntervals searchLayerIntervals(const FakeQuantizer& wq, const FakeQuantizer& aq,
                                    const torch::Tensor& weight, const torch::Tensor& bias,
                                    const torch::Tensor& input, const torch::Tensor& target,
                                    const SimilaritySettings& s,
                                    const std::function<torch::Tensor(const torch::Tensor&)>& after,
                                    const std::function<double(const torch::Tensor&)>& penalty) {
    torch::NoGradGuard ng;
    const torch::Tensor w0 = wq.scale().clone(),
                        a0 = aq.calibrated() ? aq.scale().clone() : torch::Tensor();
    const bool searchAct = aq.enabled() && aq.calibrated() && !aq.log2();
    FakeQuantizer w = wq, a = aq;
    LayerIntervals r;
    auto quantInput = [&]() { return aq.enabled() && aq.calibrated() ? a.apply(input) : input; };
    auto objective = [&](const torch::Tensor& xq, const torch::Tensor& wqv) {
        torch::Tensor out = torch::nn::functional::linear(xq, wqv, bias);
        if (after) out = after(out);
        double v = outputSimilarity(out, target, s.cosine);
        if (penalty && s.rankingWeight > 0) v -= s.rankingWeight * penalty(out);
        return v;
    };
    auto factor = [&](int i) { return s.low + (s.high - s.low) * i / double(s.candidates - 1); };
    w.setScale(w0 * r.weightFactor);
    if (searchAct) a.setScale(a0 * r.actFactor);
    r.objective = objective(quantInput(), w.apply(weight));
    for (int round = 0; round < s.rounds; ++round) {
        // Weights, the activation interval fixed.
        const torch::Tensor xq = quantInput();
        for (int i = 0; i < s.candidates; ++i) {
            w.setScale(w0 * factor(i));
            const double v = objective(xq, w.apply(weight));
            if (v > r.objective) {
                r.objective = v;
                r.weightFactor = factor(i);
            }
        }
        w.setScale(w0 * r.weightFactor);
        if (!searchAct) continue;
        // The input activation, the weight interval fixed.
        const torch::Tensor wqv = w.apply(weight);
        for (int i = 0; i < s.candidates; ++i) {
            a.setScale(a0 * factor(i));
            const double v = objective(a.apply(input), wqv);
            if (v > r.objective) {
                r.objective = v;
                r.actFactor = factor(i);
            }
        }
        a.setScale(a0 * r.actFactor);
    }
    return r;
}

QString SimilaritySearch::method() const {
    return "similarity-based interval search with the attention ranking loss (Liu et al. 2021)";
}

void SimilaritySearch::begin() {
    torch::NoGradGuard ng;
    VitModel& m = m_q.model();
    const int L = m.depth();
    m_x =
        m_calibImages.slice(0, 0, std::min<int64_t>(m_s.similarity.images, m_calibImages.size(0)));
    std::set<int> points;
    for (int b = 0; b < L; ++b)
        for (BlockPoint p : kOutputOf) points.insert(m.pointIndex(b, p));
    CaptureHooks fp(nullptr, points);
    m.forward(m_x, &fp);
    m_fp = fp.raw;
    for (int b = 0; b < L; ++b)
        for (int l = 0; l < kLayersPerBlock; ++l) {
            const int wi = m.layerIndex(b, static_cast<BlockLayer>(l));
            m_ref[wi] = m_q.quantizer(wi).scale().clone();
            const int ai = m_q.findQuantizer(m.pointNames()[m.pointIndex(b, kInputOf[l])]);
            if (ai >= 0 && m_q.quantizer(ai).calibrated())
                m_ref[ai] = m_q.quantizer(ai).scale().clone();
        }
    m_blockInput = m_q.embed(m_x);
}

void SimilaritySearch::step() {
    torch::NoGradGuard ng;
    VitModel& m = m_q.model();
    if (m_layer == 0) {
        beginVisit(0, m_b);
        m_visitStart = m_q.genome(m_b, GenomeKind::WeightsActivations).clone();
        evaluate(-1, m_visitStart, torch::Tensor(), m_currentFitness);
    }
    const int l = m_layer;
    const int wi = m.layerIndex(m_b, static_cast<BlockLayer>(l));
    const int inPoint = m.pointIndex(m_b, kInputOf[l]);
    const int ai = m_q.findQuantizer(m.pointNames()[inPoint]);
    if (ai < 0) throw Error(QString("no quantizer at %1").arg(m.pointNames()[inPoint]));
    // The layer's input as the model computes it under the current scales (earlier layers of
    // the block already searched), before its quantizer.
    CaptureHooks cap(&m_q, {inPoint});
    m.runBlock(m_b, m_blockInput, &cap);
    const torch::Tensor input = cap.raw.at(inPoint);
    const torch::Tensor target = m_fp.at(m.pointIndex(m_b, kOutputOf[l]));

    std::function<torch::Tensor(const torch::Tensor&)> after;
    if (l == kFc1) after = [](const torch::Tensor& t) { return torch::gelu(t); };
    std::function<double(const torch::Tensor&)> penalty;
    if (l == kQkv) {
        const int heads = m.info().heads;
        const torch::Tensor fpScores = attentionScores(target, heads);
        penalty = [fpScores, heads](const torch::Tensor& out) {
            return rankingLoss(fpScores, attentionScores(out, heads));
        };
    }
    const torch::Tensor before = m_q.genome(m_b, GenomeKind::WeightsActivations).clone();
    // The search starts from the reference intervals, whatever earlier rounds left.
    FakeQuantizer wq = m_q.quantizer(wi), aq = m_q.quantizer(ai);
    wq.setScale(m_ref.at(wi));
    if (m_ref.count(ai)) aq.setScale(m_ref.at(ai));
    const LayerIntervals r =
        searchLayerIntervals(wq, aq, m.layer(wi).weight.detach(), m.layer(wi).bias, input, target,
                             m_s.similarity, after, penalty);
    m_q.setQuantizerParams(wi, m_ref.at(wi) * r.weightFactor, m_q.quantizer(wi).zeroPoint());
    if (m_ref.count(ai) && aq.enabled() && !aq.log2())
        m_q.setQuantizerParams(ai, m_ref.at(ai) * r.actFactor, m_q.quantizer(ai).zeroPoint());
    m_layers.append(QJsonObject{{"weights", m_q.quantizer(wi).name()},
                                {"weight_factor", r.weightFactor},
                                {"activations", m_q.quantizer(ai).name()},
                                {"activation_factor", r.actFactor},
                                {"objective", r.objective}});
    if (++m_layer < kLayersPerBlock) {
        // Each layer's intervals on the live landscape, a child of the layer before; the last
        // layer's is the block's end, evaluated below.
        showStep(m_layer, m_q.genome(m_b, GenomeKind::WeightsActivations), before);
        return;
    }
    // The block is done: its fitness (display and comparison only), then the next block's input.
    const torch::Tensor g = m_q.genome(m_b, GenomeKind::WeightsActivations).clone();
    const double f = evaluate(0, g, m_visitStart);
    endVisit(f, torch::equal(g, m_visitStart), -1);
    m_blockInput = m_q.runBlocks(m_b, m_b + 1, m_blockInput);
    m_layer = 0;
    ++m_b;
    if (finished()) m_fitness.dropBlockInputs();
}

void SimilaritySearch::addProvenance(QJsonObject& o) const {
    o.insert("layers", m_layers);
    o.insert("compared_images", static_cast<int>(m_x.defined() ? m_x.size(0) : 0));
}

}  // namespace evolq
