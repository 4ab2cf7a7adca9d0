#include "landscape/LandscapeSweep.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include "common/Error.h"
#include "data/ImageFolder.h"
#include "search/RegularizedEvolution.h"

namespace evolq {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

LandscapeSweep::LandscapeSweep(QuantizedVit& q, const torch::Tensor& images,
                               const torch::Tensor& labels, const LandscapeSettings& s,
                               const torch::Tensor& toward, const SliceAxes* axes)
    : m_q(q), m_s(s) {
    if (!q.calibrated()) throw Error("the model must be quantized before a landscape sweep");
    m_s.validate();
    const int L = q.model().depth();

    // Seeded subset of the calibration images.
    torch::Tensor imgs = images, labs = labels;
    const int64_t n = images.size(0);
    if (m_s.subset > 0 && m_s.subset < n) {
        const std::vector<int> picked =
            seededSubsetIndices(static_cast<int>(n), m_s.subset, m_s.seed);
        const torch::Tensor sel = torch::tensor(std::vector<int64_t>(picked.begin(), picked.end()));
        imgs = images.index_select(0, sel);
        if (labels.defined()) labs = labels.index_select(0, sel);
    }
    m_labels = labs;
    m_fit = std::make_unique<FitnessFunction>(
        q, imgs, FitnessSettings{LossKind::InfoNce, m_s.temperature, m_s.batch});

    if (!m_s.quantizer.isEmpty()) {
        m_quantizerIndex = q.findQuantizer(m_s.quantizer);
        if (m_quantizerIndex < 0 || !q.quantizer(m_quantizerIndex).isWeight() ||
            !q.quantizer(m_quantizerIndex).enabled())
            throw Error(QString("'%1' is not a quantized weight of this model").arg(m_s.quantizer));
        static const QRegularExpression re("^blocks\\.(\\d+)\\.");
        const auto m = re.match(m_s.quantizer);
        m_block =
            m.hasMatch() ? m.captured(1).toInt() : (m_s.quantizer.startsWith("head") ? L : -1);
        m_centre = q.quantizer(m_quantizerIndex).scale().clone();
    } else {
        if (m_s.block < 0 || m_s.block >= L)
            throw Error(QString("block %1 is outside 0..%2").arg(m_s.block).arg(L - 1));
        if (q.config().weightBits == 0)
            throw Error("weights are not quantized: there are no weight scales to sweep");
        m_block = m_s.block;
        m_centre = q.genome(m_block).clone();
    }
    const int64_t C = m_centre.numel();
    const double r = SearchSettings{}.rangeFor(q.config().weightBits);
    m_unit = m_s.unit == RadiusUnit::MutationRange ? torch::full({C}, r) : m_centre.clone();

    std::mt19937_64 rng(m_s.seed);
    auto gaussian = [&]() {
        // Box-Muller on our own uniform draws: the same directions on every platform.
        std::vector<float> v(C);
        for (int64_t i = 0; i < C; ++i) {
            const double u1 = std::max(RegularizedEvolution::uniform01(rng), 1e-300),
                         u2 = RegularizedEvolution::uniform01(rng);
            v[i] = static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
        }
        torch::Tensor z = torch::tensor(v);
        return z / z.pow(2).mean().sqrt();
    };
    auto uniform = [&]() {
        std::vector<float> v(C);
        for (float& x : v) x = static_cast<float>(2 * RegularizedEvolution::uniform01(rng) - 1);
        return torch::tensor(v);
    };
    for (int axis = 0; axis < m_s.dims; ++axis) {
        switch (m_s.direction) {
            case DirectionKind::Random:
                m_dirs[axis] = gaussian();
                break;
            case DirectionKind::Mutation:
                m_dirs[axis] = uniform();
                break;
            case DirectionKind::Channel: {
                const int c = m_s.channel + axis;
                if (c >= C) throw Error(QString("channel %1 is outside 0..%2").arg(c).arg(C - 1));
                m_dirs[axis] = torch::zeros({C});
                m_dirs[axis][c] = 1.0f;
                break;
            }
            case DirectionKind::Toward:
            case DirectionKind::TowardResult:
                if (axis == 0) {
                    if (!toward.defined() || toward.numel() != C)
                        throw Error(QString("the target scales have %1 values, expected %2")
                                        .arg(toward.defined() ? toward.numel() : 0)
                                        .arg(C));
                    m_toward = true;
                    m_dirs[0] = toward.reshape({-1}).to(torch::kFloat32) -
                                m_centre;  // a = 1 lands on the target
                } else {
                    m_dirs[1] = gaussian();  // a random second axis beside the path
                }
                break;
        }
    }
    if (axes) {
        // The slice's own axes, already in scale units: a and b move along them as they are.
        if (axes->block != m_block || axes->dims != m_s.dims || !axes->centre.defined() ||
            axes->centre.numel() != C || !axes->u[0].defined() ||
            (m_s.dims == 2 && !axes->u[1].defined()))
            throw Error(
                QString("the slice's axes do not fit block %1's %2 scales").arg(m_block).arg(C));
        m_centre = axes->centre.reshape({-1}).to(torch::kFloat32).clone();
        m_dirs[0] = axes->u[0].reshape({-1}).to(torch::kFloat32);
        if (m_s.dims == 2) m_dirs[1] = axes->u[1].reshape({-1}).to(torch::kFloat32);
        m_unit = torch::ones({C});
        m_toward = false;
    }
}

torch::Tensor LandscapeSweep::scalesAt(double a, double b) const {
    torch::Tensor s = m_centre.clone();
    if (m_toward)
        s += a * m_dirs[0];
    else
        s += a * m_unit * m_dirs[0];
    if (m_s.dims == 2) s += b * m_unit * m_dirs[1];
    // A scale must stay positive; |.| as Evol-Q's mutation does.
    return s.abs().clamp_min(std::numeric_limits<float>::epsilon());
}

std::vector<double> LandscapeSweep::measureAt(double a, double b) {
    if (m_block >= 0 && m_fit->preparedBlock() != startBlock()) m_fit->prepareBlock(startBlock());
    setScales(scalesAt(a, b));
    return lossesAt();
}

LandscapeStart LandscapeSweep::startInfo() const {
    LandscapeStart st;
    st.dims = m_s.dims;
    st.points = m_s.points;
    st.radius = m_s.radius;
    st.unit = m_toward ? "fraction of the way to the target"
                       : (m_s.unit == RadiusUnit::MutationRange ? "r (mutation range)"
                                                                : "fraction of each scale");
    st.direction = m_s.directionName();
    st.block = m_s.quantizer.isEmpty() ? m_s.block : m_block;
    st.losses = m_s.losses;
    return st;
}

void LandscapeSweep::setScales(const torch::Tensor& s) {
    if (m_quantizerIndex >= 0)
        m_q.setQuantizerParams(m_quantizerIndex, s, m_q.quantizer(m_quantizerIndex).zeroPoint());
    else
        m_q.setGenome(m_block, s);
}

std::vector<double> LandscapeSweep::lossesAt() {
    torch::NoGradGuard ng;
    const torch::Tensor ql =
        m_block >= 0 ? m_fit->quantizedLogitsFromBlock() : m_fit->quantizedLogitsFull();
    const torch::Tensor& fp = m_fit->fpLogits();
    const int64_t n = ql.size(0), batch = m_s.batch;
    const bool labelled =
        m_labels.defined() && m_labels.numel() == n && (m_labels >= 0).all().item<bool>();
    std::vector<double> out;
    for (const QString& l : m_s.losses) {
        if (l == "ce" || l == "top1") {
            if (!labelled) {
                out.push_back(kNaN);
            } else if (l == "ce") {
                out.push_back(torch::nn::functional::cross_entropy(ql, m_labels).item<double>());
            } else {
                out.push_back(100.0 * ql.argmax(1).eq(m_labels).sum().item<double>() / n);
            }
            continue;
        }
        // Output losses as the fitness computes them: the mean over batches.
        const LossKind kind = lossFromName(l);
        double sum = 0;
        int batches = 0;
        for (int64_t i = 0; i < n; i += batch, ++batches) {
            const int64_t e = std::min(n, i + batch);
            sum += outputLoss(kind, ql.slice(0, i, e), fp.slice(0, i, e), m_s.temperature)
                       .item<double>();
        }
        out.push_back(sum / batches);
    }
    return out;
}

LandscapeResult LandscapeSweep::run(const std::function<void(const LandscapePoint&)>& onPoint,
                                    SearchControl* control) {
    const auto t0 = std::chrono::steady_clock::now();
    const QuantizedVit::State saved = m_q.state();
    LandscapeResult res;
    res.start = startInfo();
    const int n = m_s.points;
    auto coord = [&](int i) { return -m_s.radius + 2 * m_s.radius * i / (n - 1); };
    std::vector<std::vector<double>> grid(m_s.losses.size(),
                                          std::vector<double>(m_s.dims == 2 ? n * n : n, kNaN));
    try {
        if (m_block >= 0) m_fit->prepareBlock(std::min(m_block, m_q.model().depth()));
        for (const auto& [i, j] : visitOrder(n, m_s.dims)) {
            if (control && control->cancel.load()) {
                res.cancelled = true;
                break;
            }
            LandscapePoint p;
            p.i = i;
            p.j = j;
            p.a = coord(i);
            p.b = m_s.dims == 2 ? coord(j) : 0.0;
            setScales(scalesAt(p.a, p.b));
            const std::vector<double> v = lossesAt();
            for (size_t k = 0; k < v.size(); ++k) {
                p.values.push_back(v[k]);
                grid[k][m_s.dims == 2 ? j * n + i : i] = v[k];
            }
            res.points.push_back(p);
            if (onPoint) onPoint(p);
        }
    } catch (...) {
        m_q.restore(saved);
        throw;
    }
    m_q.restore(saved);
    if (!res.cancelled) {
        for (size_t k = 0; k < grid.size(); ++k) {
            // Jaggedness is defined on a loss; accuracy enters negated.
            std::vector<double> v = grid[k];
            if (higherIsBetter(m_s.losses[static_cast<int>(k)]))
                for (double& x : v) x = -x;
            Jaggedness jg;
            if (m_s.dims == 1) {
                jg = jaggedness1D(v);
            } else {
                const std::vector<double> mid(v.begin() + (n / 2) * n, v.begin() + (n / 2 + 1) * n);
                jg = jaggedness1D(mid);
                jg.localMinima = localMinima2D(v, n);
            }
            res.jaggedness.push_back(jg);
        }
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

std::vector<std::pair<int, int>> LandscapeSweep::visitOrder(int points, int dims) {
    std::vector<std::pair<int, int>> order;
    if (dims == 1) {
        for (int i = 0; i < points; ++i) order.push_back({i, 0});
        return order;
    }
    int stride = 1;
    while (stride * 2 < points) stride *= 2;
    std::vector<char> seen(static_cast<size_t>(points) * points, 0);
    auto visit = [&](int i, int j) {
        if (i < points && j < points && !seen[j * points + i]) {
            seen[j * points + i] = 1;
            order.push_back({i, j});
        }
    };
    // The centre first, then lattices of halving stride.
    visit(points / 2, points / 2);
    for (; stride >= 1; stride /= 2) {
        for (int j = 0; j < points; j += stride)
            for (int i = 0; i < points; i += stride) visit(i, j);
        // The last row and column, so that the edges appear at every level.
        for (int k = 0; k < points; k += stride) {
            visit(points - 1, k);
            visit(k, points - 1);
        }
        visit(points - 1, points - 1);
    }
    return order;
}

Jaggedness LandscapeSweep::jaggedness1D(const std::vector<double>& v) {
    Jaggedness j;
    const int n = static_cast<int>(v.size());
    if (n == 0) return j;
    for (int i = 1; i + 1 < n; ++i)
        if (v[i] < v[i - 1] && v[i] < v[i + 1]) ++j.localMinima;
    double tv = 0;
    for (int i = 0; i + 1 < n; ++i) tv += std::abs(v[i + 1] - v[i]);
    const double net = std::abs(v[n - 1] - v[0]);
    j.tvRatio = net > 0 ? tv / net : (tv > 0 ? std::numeric_limits<double>::infinity() : 1.0);
    double best = v[0];
    for (double x : v) best = std::min(best, x);
    j.bestGainOverCentre = v[n / 2] - best;
    return j;
}

int LandscapeSweep::localMinima2D(const std::vector<double>& g, int n) {
    int count = 0;
    for (int y = 1; y + 1 < n; ++y)
        for (int x = 1; x + 1 < n; ++x) {
            const double c = g[y * n + x];
            bool minimum = true;
            for (int dy = -1; dy <= 1 && minimum; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    if ((dx || dy) && !(c < g[(y + dy) * n + x + dx])) {
                        minimum = false;
                        break;
                    }
            if (minimum) ++count;
        }
    return count;
}

}  // namespace evolq
