#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <QStringList>
#include <functional>
#include <utility>
#include <vector>

#include "quant/QuantizedVit.h"
#include "search/EvolSearch.h"
#include "types/Events.h"
#include "types/Settings.h"

namespace evolq {

struct LandscapeResult {
    LandscapeStart start;
    std::vector<LandscapePoint> points;  // in computation order
    // Per loss: for 1-D the line's figures; for 2-D the grid's local minima (and the figures of the
    // line through the centre along the first axis).
    std::vector<Jaggedness> jaggedness;
    double seconds = 0;
    bool cancelled = false;
};

// A slice given by its own axes instead of settings: the scales at (a, b) are
// |centre + a u[0] + b u[1]| for the block's genome (a live landscape's slice of one block visit).
struct SliceAxes {
    int block = 0;
    int dims = 1;
    torch::Tensor centre, u[2];
};

// Measures the loss over a grid of scale perturbations around the current scales of a quantized
// model, streaming every point as soon as it is computed (2-D grids coarse to fine). The model's
// scales are restored afterwards.
class LandscapeSweep {
public:
    // `labels` may be undefined or hold -1 (then ce and top1 are NaN). `toward` is the target
    // scales for DirectionKind::Toward and TowardResult (the caller reads them from the file or
    // result).
    LandscapeSweep(QuantizedVit& q, const torch::Tensor& images, const torch::Tensor& labels,
                   const LandscapeSettings& s, const torch::Tensor& toward = {},
                   const SliceAxes* axes = nullptr);

    LandscapeStart startInfo() const;
    const LandscapeSettings& settings() const { return m_s; }
    // The genome being swept and its directions (for tests and provenance).
    const torch::Tensor& centre() const { return m_centre; }
    const torch::Tensor& direction(int axis) const { return m_dirs[axis]; }
    // Scales at coordinates (a, b).
    torch::Tensor scalesAt(double a, double b) const;

    // The model takes the scales at (a, b) (they stay) and the settings' quantities there, on
    // the sweep's images: one step of a scrubber along the landscape.
    std::vector<double> measureAt(double a, double b);
    // The block whose input the evaluations start from (-1: the whole model).
    int startBlock() const { return m_block >= 0 ? std::min(m_block, m_q.model().depth()) : -1; }

    LandscapeResult run(const std::function<void(const LandscapePoint&)>& onPoint = {},
                        SearchControl* control = nullptr);

    // Grid visiting order: 1-D left to right; 2-D coarse to fine (stride 2^k lattices, coarsest
    // first, each point once).
    static std::vector<std::pair<int, int>> visitOrder(int points, int dims);
    // Strict interior local minima, total variation / |end - start|, centre minus best.
    static Jaggedness jaggedness1D(const std::vector<double>& line);
    // Strict local minima of a grid (interior points below all 8 neighbours).
    static int localMinima2D(const std::vector<double>& grid, int n);

private:
    void setScales(const torch::Tensor& s);
    std::vector<double> lossesAt();

    QuantizedVit& m_q;
    LandscapeSettings m_s;
    torch::Tensor m_labels;
    std::unique_ptr<FitnessFunction> m_fit;
    int m_quantizerIndex = -1;  // when sweeping one quantizer
    int m_block = 0;
    torch::Tensor m_centre, m_unit;
    torch::Tensor m_dirs[2];
    bool m_toward = false;
};

}  // namespace evolq
