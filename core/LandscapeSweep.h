#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <QStringList>
#include <functional>
#include <utility>
#include <vector>

#include "EvolSearch.h"
#include "QuantizedVit.h"
#include "SearchEvents.h"

namespace evolq {

// Directions in scale space. A direction is a dimensionless per-channel pattern p; the scales at
// coordinate a are g + a U p, with U = r (the mutation range, absolute, as Evol-Q mutates) or U = g
// channel by channel (a fraction of each scale: Li et al.'s filter normalization for a genome whose
// "filters" are single scales).
//   random:    p = z / rms(z), z Gaussian (seeded)
//   mutation:  p_i = U(-1, 1), one draw of Evol-Q's mutation noise (seeded)
//   channel:N  p = e_N (one channel's axis)
//   toward:F   g + a (t - g): a = 0 is the current scales, a = 1 those of scale file F
enum class DirectionKind { Random, Mutation, Channel, Toward };
enum class RadiusUnit { MutationRange, ScaleFraction };

struct LandscapeSettings {
    int block = 0;           // the genome of this block (qkv and proj weight scales) ...
    QString quantizer;       // ... or, when set, the scales of this one weight quantizer
    int dims = 1;            // 1 or 2
    int points = 51;         // per axis
    double radius = 3;       // coordinates run over [-radius, radius]
    RadiusUnit unit = RadiusUnit::MutationRange;
    DirectionKind direction = DirectionKind::Random;
    int channel = 0;          // for DirectionKind::Channel (the second axis uses channel + 1)
    QString towardFile;       // for DirectionKind::Toward (recorded in provenance)
    QStringList losses{"infonce", "mse"};  // of: infonce, mse, kl, cosine, ce, top1
    int subset = 256;         // calibration images used (seeded subset), 0 = all
    unsigned seed = 0;
    double temperature = 3.0;
    int batch = 100;

    static DirectionKind directionFromName(const QString& spec, int* channel, QString* file);  // throws
    QString directionName() const;
    QJsonObject toJson() const;
};

struct LandscapeResult {
    LandscapeStart start;
    std::vector<LandscapePoint> points;  // in computation order
    // Per loss: for 1-D the line's figures; for 2-D the grid's local minima (and the figures of the
    // line through the centre along the first axis).
    std::vector<Jaggedness> jaggedness;
    double seconds = 0;
    bool cancelled = false;
};

// Measures the loss over a grid of scale perturbations around the current scales of a quantized
// model, streaming every point as soon as it is computed (2-D grids coarse to fine). The model's
// scales are restored afterwards.
class LandscapeSweep {
public:
    // `labels` may be undefined or hold -1 (then ce and top1 are NaN). `toward` is the target genome
    // for DirectionKind::Toward.
    LandscapeSweep(QuantizedVit& q, const torch::Tensor& images, const torch::Tensor& labels,
                   const LandscapeSettings& s, const torch::Tensor& toward = {});

    LandscapeStart startInfo() const;
    const LandscapeSettings& settings() const { return m_s; }
    // The genome being swept and its directions (for tests and provenance).
    const torch::Tensor& centre() const { return m_centre; }
    const torch::Tensor& direction(int axis) const { return m_dirs[axis]; }
    // Scales at coordinates (a, b).
    torch::Tensor scalesAt(double a, double b) const;

    LandscapeResult run(const std::function<void(const LandscapePoint&)>& onPoint = {},
                        SearchControl* control = nullptr);

    // Grid visiting order: 1-D left to right; 2-D coarse to fine (stride 2^k lattices, coarsest first,
    // each point once).
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
