#include "quant/MixedPrecision.h"

#include <QJsonArray>
#include <algorithm>

#include "common/Error.h"
#include "quant/CaptureHooks.h"

namespace evolq {

std::vector<int> allocateBits(const std::vector<double>& norms, const std::vector<int64_t>& params,
                              double budget, const std::vector<int>& choicesIn) {
    if (norms.size() != params.size()) throw Error("one nuclear norm and size per layer");
    std::vector<int> choices = choicesIn;
    std::sort(choices.begin(), choices.end());
    if (choices.empty()) throw Error("no bit widths to choose from");
    double total = 0;
    for (int64_t p : params) total += static_cast<double>(p);
    const double limit = budget * total;
    std::vector<size_t> level(norms.size(), 0);
    double used = choices[0] * total;
    if (used > limit * (1 + 1e-12))
        throw Error(
            QString("a mixed-precision budget of %1 bits is below the lowest choice, %2 bits")
                .arg(budget)
                .arg(choices[0]));
    for (;;) {
        int pick = -1;
        double pickGain = 0;
        for (size_t i = 0; i < norms.size(); ++i) {
            if (level[i] + 1 >= choices.size()) continue;
            const double cost = (choices[level[i] + 1] - choices[level[i]]) * double(params[i]);
            if (used + cost > limit * (1 + 1e-12)) continue;
            const double gain = norms[i] / std::max(1.0, double(params[i]));
            if (pick < 0 || gain > pickGain) {
                pick = static_cast<int>(i);
                pickGain = gain;
            }
        }
        if (pick < 0) break;
        used += (choices[level[pick] + 1] - choices[level[pick]]) * double(params[pick]);
        ++level[pick];
    }
    std::vector<int> bits;
    for (size_t l : level) bits.push_back(choices[l]);
    return bits;
}

double BitAllocation::averageBits() const {
    double sum = 0, n = 0;
    for (size_t i = 0; i < bits.size(); ++i) {
        sum += bits[i] * double(params[i]);
        n += double(params[i]);
    }
    return n > 0 ? sum / n : 0;
}

void BitAllocation::apply(QuantizedVit& q) const {
    for (size_t i = 0; i < layers.size(); ++i) q.setWeightBits(layers[i], bits[i]);
}

QJsonObject BitAllocation::toJson(const QuantizedVit& q) const {
    QJsonArray rows;
    for (size_t i = 0; i < layers.size(); ++i)
        rows.append(QJsonObject{{"quantizer", q.quantizer(layers[i]).name()},
                                {"nuclear_norm", nuclearNorms[i]},
                                {"parameters", static_cast<qint64>(params[i])},
                                {"bits", bits[i]}});
    return QJsonObject{{"method", "nuclear norm of each layer's output feature (Liu et al. 2021)"},
                       {"budget_bits", budget},
                       {"average_bits", averageBits()},
                       {"choices", QJsonArray{2, 3, 4, 8}},
                       {"layers", rows}};
}

BitAllocation nuclearNormAllocation(QuantizedVit& q, const torch::Tensor& images, double budget) {
    torch::NoGradGuard ng;
    VitModel& m = q.model();
    const int L = m.depth();
    const int64_t n = std::min<int64_t>(32, images.size(0));
    const torch::Tensor x = images.slice(0, 0, n);
    static const BlockPoint outOf[kLayersPerBlock] = {kQkvOut, kProjOut, kGeluOut, kFc2Out};
    std::set<int> points;
    for (int b = 0; b < L; ++b)
        for (BlockPoint p : outOf) points.insert(m.pointIndex(b, p));
    CaptureHooks fp(nullptr, points);
    m.forward(x, &fp);
    BitAllocation a;
    a.budget = budget;
    for (int b = 0; b < L; ++b)
        for (int l = 0; l < kLayersPerBlock; ++l) {
            const int layer = m.layerIndex(b, static_cast<BlockLayer>(l));
            const torch::Tensor f = fp.raw.at(m.pointIndex(b, outOf[l])).to(torch::kFloat64);
            // [N, T, C]: the nuclear norm of each image's [T, C] feature, averaged.
            const torch::Tensor sv = torch::linalg_svdvals(f);
            a.layers.push_back(layer);
            a.nuclearNorms.push_back(sv.sum(-1).mean().item<double>());
            a.params.push_back(m.layer(layer).weight.numel());
        }
    a.bits = allocateBits(a.nuclearNorms, a.params, budget);
    return a;
}

}  // namespace evolq
