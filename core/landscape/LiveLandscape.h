#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "landscape/LandscapeSweep.h"
#include "quant/QuantizedVit.h"
#include "search/FitnessFunction.h"
#include "search/SearchCallbacks.h"
#include "types/Events.h"
#include "types/Settings.h"
#include "types/Summaries.h"

namespace evolq {

struct LiveLandscapeCallbacks {
    std::function<void(const LandscapeStart&)> sliceStart;  // a visit's slice begins
    std::function<void(const LandscapePoint&)> point;       // one point of it, coarse to fine
    std::function<void(const CandidateEvent&)> candidate;   // one of the search's evaluations
    std::function<void(const LandscapeSummary&)> sliceEnd;  // the visit ended: its jaggedness
};

// The loss landscape live as a search runs, on the search's thread: through the hooks of
// SearchCallbacks (any strategy that reports its block visits and evaluations can feed it), each
// block visit gets a slice through the block's current scales along one or two axes, whose points
// are computed after the search's evaluations within a share of the search's time, coarse to
// fine, with the search's own fitness function (its images and prepared block input) or a seeded
// subset of its images. Every evaluated genome is projected onto the slice (least squares). It
// leaves the block's scales as it found them and draws its axes from its own generator, so the
// search's result is the same with it or without it.
class LiveLandscape {
public:
    // `range` and `relative`: the search's mutation range and whether it is relative to each
    // scale (the axes' unit); `seed`: the search's seed, from which the axes' own generator starts.
    LiveLandscape(QuantizedVit& q, const torch::Tensor& calibImages, const LiveLandscapeSettings& s,
                  const FitnessSettings& fitness, double range, bool relative, unsigned seed);
    ~LiveLandscape();

    void setCallbacks(LiveLandscapeCallbacks cb) { m_cb = std::move(cb); }
    // Points are not computed while a pause or cancel is requested.
    void setControl(const SearchControl* control) { m_control = control; }
    // `cb` with this landscape hooked in front of its visitStart, evaluated and blockVisit.
    SearchCallbacks attach(SearchCallbacks cb);

    void visitStarted(const VisitStartEvent& e, FitnessFunction& fitness);
    void evaluated(const EvaluatedGenome& e);
    void visitEnded();

    const LiveLandscapeSettings& settings() const { return m_s; }
    int slices() const { return m_slices; }
    // Every visit's slice axes, by visit: "Try these scales" on a live slice after the run.
    const std::map<int, SliceAxes>& sliceAxes() const { return m_axes; }
    int pointsComputed() const { return m_pointCount; }
    double seconds() const { return m_seconds; }
    // Settings, images, slices, points and seconds, for the run's provenance.
    QJsonObject provenance() const;

    // Grid order: coarse to fine, the centre first (1-D: outwards from it in halving strides).
    static std::vector<std::pair<int, int>> visitOrder(int points, int dims);
    // Least-squares coordinates of d on the axes u1 (and u2 when defined): argmin |d - a u1 - b
    // u2|.
    static std::pair<double, double> project(const torch::Tensor& d, const torch::Tensor& u1,
                                             const torch::Tensor& u2 = {});
    // A slice's figures from the points computed so far: 1-D the line's; 2-D the line through the
    // centre along a, and the local minima of the finest lattice computed in full.
    static Jaggedness jaggedness(const std::vector<LandscapePoint>& points, int n, int dims);

private:
    torch::Tensor pattern(LiveAxes kind, const torch::Tensor& centre, const torch::Tensor& walk);
    torch::Tensor scalesAt(double a, double b) const;
    double coord(int i) const;
    void computePoints();
    FitnessFunction& fitness() { return m_own ? *m_own : *m_fitness; }

    QuantizedVit& m_q;
    LiveLandscapeSettings m_s;
    FitnessSettings m_fitnessSettings;
    double m_range;
    bool m_relative;
    std::mt19937_64 m_rng;
    std::unique_ptr<FitnessFunction> m_own;  // on the seeded subset, when one is asked for
    int m_allImages = 0;
    FitnessFunction* m_fitness = nullptr;
    const SearchControl* m_control = nullptr;
    LiveLandscapeCallbacks m_cb;
    std::map<int, torch::Tensor> m_firstGenome;  // per block: its scales at its first visit
    std::map<int, SliceAxes> m_axes;

    // The current visit's slice.
    bool m_active = false;
    LandscapeStart m_start;
    torch::Tensor m_centre, m_u[2];  // scales at (a, b) = centre + a u1 + b u2
    std::vector<std::pair<int, int>> m_order;
    size_t m_next = 0;
    std::vector<LandscapePoint> m_points;
    double m_best = 0;
    double m_credit = 0, m_sliceSeconds = 0;

    int m_slices = 0, m_pointCount = 0;
    double m_seconds = 0;
};

}  // namespace evolq
