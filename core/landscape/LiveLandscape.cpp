#include "landscape/LiveLandscape.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "common/Error.h"
#include "data/ImageFolder.h"
#include "landscape/LandscapeSweep.h"
#include "search/RegularizedEvolution.h"

namespace evolq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The axes' generator starts from the search's seed mixed with this constant: the same axes for
// the same run, never the same draws as the search's mutations.
constexpr uint64_t kSeedMix = 0x9e3779b97f4a7c15ULL;

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

torch::Tensor unitRms(const torch::Tensor& v) {
    const double rms = v.to(torch::kFloat64).pow(2).mean().sqrt().item<double>();
    return rms > 0 ? v / rms : v;
}

}  // namespace

LiveLandscape::LiveLandscape(QuantizedVit& q, const torch::Tensor& calibImages,
                             const LiveLandscapeSettings& s, const FitnessSettings& fitness,
                             double range, bool relative, unsigned seed)
    : m_q(q),
      m_s(s),
      m_fitnessSettings(fitness),
      m_range(range),
      m_relative(relative),
      m_rng(static_cast<uint64_t>(seed) ^ kSeedMix),
      m_allImages(static_cast<int>(calibImages.size(0))) {
    m_s.validate();
    if (m_s.subset > 0 && m_s.subset < m_allImages) {
        const std::vector<int> picked = seededSubsetIndices(m_allImages, m_s.subset, seed);
        const torch::Tensor sel = torch::tensor(std::vector<int64_t>(picked.begin(), picked.end()));
        FitnessSettings fs = fitness;
        fs.batch = std::min(fs.batch, m_s.subset);
        m_own = std::make_unique<FitnessFunction>(q, calibImages.index_select(0, sel), fs);
    }
}

LiveLandscape::~LiveLandscape() = default;

SearchCallbacks LiveLandscape::attach(SearchCallbacks cb) {
    auto visitStart = cb.visitStart;
    cb.visitStart = [this, visitStart](const VisitStartEvent& e, FitnessFunction& f) {
        visitStarted(e, f);
        if (visitStart) visitStart(e, f);
    };
    auto evaluatedNext = cb.evaluated;
    cb.evaluated = [this, evaluatedNext](const EvaluatedGenome& e) {
        evaluated(e);
        if (evaluatedNext) evaluatedNext(e);
    };
    auto blockVisit = cb.blockVisit;
    cb.blockVisit = [this, blockVisit](const BlockVisitEvent& e) {
        visitEnded();
        if (blockVisit) blockVisit(e);
    };
    return cb;
}

torch::Tensor LiveLandscape::pattern(LiveAxes kind, const torch::Tensor& centre,
                                     const torch::Tensor& walk) {
    const int64_t C = centre.numel();
    std::vector<float> v(C);
    if (kind == LiveAxes::TowardBest && walk.defined() && walk.abs().max().item<double>() > 0)
        return unitRms(walk);
    if (kind == LiveAxes::Random) {
        // Box-Muller on our own uniform draws: the same axes on every platform.
        for (int64_t i = 0; i < C; ++i) {
            const double u1 = std::max(RegularizedEvolution::uniform01(m_rng), 1e-300),
                         u2 = RegularizedEvolution::uniform01(m_rng);
            v[i] = static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
        }
        // Filter-normalized: each scale's step in proportion to the scale.
        return unitRms(torch::tensor(v) * centre.abs().reshape({-1}));
    }
    for (float& x : v) x = static_cast<float>(2 * RegularizedEvolution::uniform01(m_rng) - 1);
    return unitRms(torch::tensor(v));
}

double LiveLandscape::coord(int i) const {
    return -m_s.radius + 2 * m_s.radius * i / (m_s.points - 1);
}

torch::Tensor LiveLandscape::scalesAt(double a, double b) const {
    torch::Tensor s = m_centre + a * m_u[0];
    if (m_s.dims == 2) s = s + b * m_u[1];
    // A scale must stay positive; |.| as Evol-Q's mutation does.
    return s.abs().clamp_min(std::numeric_limits<float>::epsilon());
}

void LiveLandscape::visitStarted(const VisitStartEvent& e, FitnessFunction& f) {
    if (m_active) visitEnded();
    const auto t0 = std::chrono::steady_clock::now();
    m_fitness = &f;
    m_centre = m_q.genome(e.block).reshape({-1}).to(torch::kFloat32).clone();
    auto first = m_firstGenome.find(e.block);
    if (first == m_firstGenome.end())
        first = m_firstGenome.emplace(e.block, m_centre.clone()).first;
    const torch::Tensor walk = m_centre - first->second;
    const bool walked = walk.abs().max().item<double>() > 0;
    // The unit of a: one mutation range, absolute or (relative mutation) of each starting scale.
    const torch::Tensor unit =
        m_relative ? m_range * first->second.abs() : torch::full_like(m_centre, m_range);
    const LiveAxes firstAxis =
        m_s.axes == LiveAxes::TowardBest && !walked ? LiveAxes::Mutation : m_s.axes;
    m_u[0] = pattern(firstAxis, m_centre, walk) * unit;
    m_u[1] = m_s.dims == 2
                 ? pattern(m_s.axes == LiveAxes::Mutation ? LiveAxes::Mutation : LiveAxes::Random,
                           m_centre, {}) *
                       unit
                 : torch::Tensor();

    SliceAxes& axes = m_axes[e.visit];
    axes.block = e.block;
    axes.dims = m_s.dims;
    axes.centre = m_centre.clone();
    axes.u[0] = m_u[0];
    axes.u[1] = m_u[1];

    m_start = LandscapeStart();
    m_start.dims = m_s.dims;
    m_start.points = m_s.points;
    m_start.radius = m_s.radius;
    m_start.unit = m_relative ? "r (mutation range, of each scale)" : "r (mutation range)";
    switch (m_s.axes) {
        case LiveAxes::Random:
            m_start.direction = "random (filter-normalized)";
            break;
        case LiveAxes::Mutation:
            m_start.direction = "mutation noise";
            break;
        case LiveAxes::TowardBest:
            m_start.direction = walked ? QString("toward the block's best")
                                       : QString("mutation noise (no walk toward a best yet)");
            break;
    }
    m_start.block = e.block;
    m_start.losses = QStringList{lossName(m_fitnessSettings.loss)};
    m_start.visit = e.visit;
    m_start.pass = e.pass;
    if (m_own)
        m_start.images = QString("a seeded subset of %1 of the %2 calibration images")
                             .arg(m_own->images())
                             .arg(m_allImages);
    m_order = visitOrder(m_s.points, m_s.dims);
    m_next = 0;
    m_points.clear();
    m_credit = 0;
    m_sliceSeconds = 0;
    m_active = true;
    ++m_slices;
    if (m_own) m_own->prepareBlock(e.block);
    const double took = secondsSince(t0);
    // Setting up the slice is landscape time too: the next evaluations pay for it.
    m_credit -= took;
    m_sliceSeconds += took;
    m_seconds += took;
    if (m_cb.sliceStart) m_cb.sliceStart(m_start);
}

std::pair<double, double> LiveLandscape::project(const torch::Tensor& d, const torch::Tensor& u1,
                                                 const torch::Tensor& u2) {
    const torch::Tensor x = d.reshape({-1}).to(torch::kFloat64);
    const torch::Tensor p = u1.reshape({-1}).to(torch::kFloat64);
    const double pp = p.dot(p).item<double>();
    if (!u2.defined()) return {pp > 0 ? x.dot(p).item<double>() / pp : 0.0, 0.0};
    const torch::Tensor q = u2.reshape({-1}).to(torch::kFloat64);
    const double pq = p.dot(q).item<double>(), qq = q.dot(q).item<double>();
    const double xp = x.dot(p).item<double>(), xq = x.dot(q).item<double>();
    const double det = pp * qq - pq * pq;
    if (!(std::abs(det) > 0)) return {pp > 0 ? xp / pp : 0.0, 0.0};
    return {(xp * qq - xq * pq) / det, (xq * pp - xp * pq) / det};
}

void LiveLandscape::evaluated(const EvaluatedGenome& e) {
    if (!m_active || e.block != m_start.block) return;
    const auto t0 = std::chrono::steady_clock::now();
    CandidateEvent c;
    c.evaluation = e.evaluation;
    c.visit = m_start.visit;
    c.pass = e.pass;
    c.block = e.block;
    c.cycle = e.cycle;
    c.fitness = e.fitness;
    c.isStart = e.cycle < 0;
    const torch::Tensor g = e.genome.reshape({-1}).to(torch::kFloat32);
    std::tie(c.a, c.b) = project(g - m_centre, m_u[0], m_u[1]);
    if (e.parent.defined())
        std::tie(c.parentA, c.parentB) =
            project(e.parent.reshape({-1}).to(torch::kFloat32) - m_centre, m_u[0], m_u[1]);
    c.isBest = c.isStart || e.fitness < m_best;
    if (c.isBest) m_best = e.fitness;
    if (m_s.dims == 1) c.b = 0;
    if (m_s.dims == 1 && !std::isnan(c.parentA)) c.parentB = 0;
    const double took = secondsSince(t0);
    m_sliceSeconds += took;
    m_seconds += took;
    if (m_cb.candidate) m_cb.candidate(c);
    m_credit += m_s.share * e.seconds - took;
    computePoints();
}

void LiveLandscape::computePoints() {
    if (m_next >= m_order.size() || m_credit <= 0) return;
    const int block = m_start.block;
    const torch::Tensor saved = m_q.genome(block).clone();
    torch::NoGradGuard ng;
    try {
        while (m_credit > 0 && m_next < m_order.size()) {
            if (m_control && (m_control->cancel.load() || m_control->pause.load())) break;
            const auto t0 = std::chrono::steady_clock::now();
            const auto [i, j] = m_order[m_next++];
            LandscapePoint p;
            p.i = i;
            p.j = j;
            p.a = coord(i);
            p.b = m_s.dims == 2 ? coord(j) : 0.0;
            p.visit = m_start.visit;
            m_q.setGenome(block, scalesAt(p.a, p.b));
            p.values.append(fitness().evaluateFromBlock());
            const double took = secondsSince(t0);
            m_credit -= took;
            m_sliceSeconds += took;
            m_seconds += took;
            m_points.push_back(p);
            ++m_pointCount;
            if (m_cb.point) m_cb.point(p);
        }
    } catch (...) {
        m_q.setGenome(block, saved);
        throw;
    }
    m_q.setGenome(block, saved);
}

void LiveLandscape::visitEnded() {
    if (!m_active) return;
    m_active = false;
    LandscapeSummary s;
    s.start = m_start;
    s.jaggedness.append(jaggedness(m_points, m_s.points, m_s.dims));
    s.seconds = m_sliceSeconds;
    s.cancelled = m_next < m_order.size();  // the visit ended before the slice was complete
    if (m_cb.sliceEnd) m_cb.sliceEnd(s);
}

std::vector<std::pair<int, int>> LiveLandscape::visitOrder(int n, int dims) {
    if (dims == 2) return LandscapeSweep::visitOrder(n, 2);
    std::vector<std::pair<int, int>> order;
    std::vector<char> seen(n, 0);
    auto visit = [&](int i) {
        if (i >= 0 && i < n && !seen[i]) {
            seen[i] = 1;
            order.push_back({i, 0});
        }
    };
    const int c = n / 2;
    visit(c);
    visit(0);
    visit(n - 1);
    int stride = 1;
    while (stride * 2 <= c) stride *= 2;
    for (; stride >= 1; stride /= 2)
        for (int k = stride; c - k >= 0 || c + k < n; k += stride) {
            visit(c - k);
            visit(c + k);
        }
    return order;
}

Jaggedness LiveLandscape::jaggedness(const std::vector<LandscapePoint>& points, int n, int dims) {
    const int c = n / 2;
    // The line along a through the centre, in order of a.
    std::vector<std::pair<int, double>> line;
    for (const LandscapePoint& p : points)
        if ((dims == 1 || p.j == c) && !p.values.isEmpty()) line.push_back({p.i, p.values[0]});
    std::sort(line.begin(), line.end());
    std::vector<double> v;
    double centre = kNaN, best = kNaN;
    for (const auto& [i, x] : line) {
        v.push_back(x);
        if (i == c) centre = x;
        if (std::isnan(best) || x < best) best = x;
    }
    Jaggedness j = LandscapeSweep::jaggedness1D(v);
    j.bestGainOverCentre = std::isnan(centre) ? 0.0 : centre - best;
    if (dims != 2) return j;
    // The finest lattice (stride 2^k from the corner, with the last row and column) computed in
    // full: a coarse slice still counts its pits.
    std::vector<double> grid(static_cast<size_t>(n) * n, kNaN);
    for (const LandscapePoint& p : points)
        if (!p.values.isEmpty()) grid[p.j * n + p.i] = p.values[0];
    j.localMinima = 0;
    for (int stride = 1; stride < n; stride *= 2) {
        std::vector<int> idx;
        for (int k = 0; k < n; k += stride) idx.push_back(k);
        if (idx.back() != n - 1) idx.push_back(n - 1);
        const int m = static_cast<int>(idx.size());
        std::vector<double> sub(static_cast<size_t>(m) * m);
        bool complete = true;
        for (int y = 0; y < m && complete; ++y)
            for (int x = 0; x < m && complete; ++x) {
                sub[y * m + x] = grid[idx[y] * n + idx[x]];
                complete = !std::isnan(sub[y * m + x]);
            }
        if (complete) {
            j.localMinima = LandscapeSweep::localMinima2D(sub, m);
            break;
        }
    }
    return j;
}

QJsonObject LiveLandscape::provenance() const {
    QJsonObject o = m_s.toJson();
    o.insert("spec", m_s.spec());
    o.insert("loss", lossName(m_fitnessSettings.loss));
    o.insert("images", m_own ? m_own->images() : m_allImages);
    o.insert("images_note", m_own ? "a seeded subset of the calibration images"
                                  : "the search's calibration images and prepared block input");
    o.insert("slices", m_slices);
    o.insert("points", m_pointCount);
    o.insert("seconds", m_seconds);
    o.insert("note",
             "computed between the search's evaluations with its own random axes; never read by "
             "the search");
    return o;
}

}  // namespace evolq
