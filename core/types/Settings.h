#pragma once

// The settings of the search and of the landscape, one type each, with one JSON form. QtCore only:
// the workbench's panels fill them in, the CLI fills them from its options, the engine reads them.

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace evolq {

// ---------------------------------------------------------------------------------------------
// Fitness

enum class LossKind { InfoNce, Mse, Kl, Cosine };
QString lossName(LossKind k);                // "infonce", "mse", "kl", "cosine"
QString lossLabel(LossKind k);               // "infoNCE", "MSE", "KL divergence", "1 - cosine"
LossKind lossFromName(const QString& name);  // throws evolq::Error
QList<LossKind> lossKinds();

struct FitnessSettings {
    // MSE between the quantized and FP32 logits, not Evol-Q's infoNCE: the default's loss was
    // chosen with its bit widths and mutation range on training images outside the calibration
    // folder (README, "The default"); infoNCE is one setting away.
    LossKind loss = LossKind::Mse;
    double temperature = 3.0;
    int batch = 100;  // images per loss batch (infoNCE's negatives come from the same batch)
};

// ---------------------------------------------------------------------------------------------
// Live landscape

// Axes of the live landscape's slices, each a per-channel pattern p (rms 1) scaled by the mutation
// range r, so that the coordinates are in r whatever the axes:
//   random:   p = z g / rms(z g), z Gaussian: filter-normalized, each scale's step in proportion
//             to the scale (Li et al.'s normalization for "filters" of one scale each)
//   mutation: p_i = U(-1, 1), one draw of Evol-Q's mutation noise
//   best:     along the block's walk so far, from its scales at the start of the run to its best
//             (its current scales); mutation noise on a block's first visit, before any walk.
// A 2-D slice's second axis is random, or mutation noise for mutation axes.
enum class LiveAxes { Random, Mutation, TowardBest };

// The live landscape (core/landscape/LiveLandscape): slices through the scales of the block being
// searched, computed between the search's own evaluations on its thread, with the search's children
// projected onto them. Off by default; it never changes the search's result.
struct LiveLandscapeSettings {
    int dims = 0;       // 0 = off, 1 or 2
    int points = 21;    // per axis
    double radius = 3;  // coordinates run over [-radius, radius], in mutation ranges r
    LiveAxes axes = LiveAxes::Random;
    double share = 1;  // landscape time <= share x search time
    int subset = 0;    // calibration images per point (a seeded subset); 0 = the fitness's own

    bool enabled() const { return dims > 0; }
    // "off", "1d:21", "2d:9": the one parser of the CLI's --live-landscape. Throws evolq::Error.
    QString spec() const;
    void setSpec(const QString& spec);
    static QString axesName(LiveAxes a);                // "random", "mutation", "best"
    static LiveAxes axesFromName(const QString& name);  // throws evolq::Error
    // Keys: dims, points, radius, axes, share, subset.
    QJsonObject toJson() const;
    static LiveLandscapeSettings fromJson(const QJsonObject& o);
    void validate() const;
};

// ---------------------------------------------------------------------------------------------
// Search

// The search strategies behind one interface (core/search/SearchStrategy), METHOD.md:
//   evolq:       Evol-Q's block-wise regularized evolution
//   random:      random search with Evol-Q's mutation and budget (the control)
//   similarity:  Liu et al. 2021, per-layer interval grid search by output similarity
//   reconstruct: MGRQ, block-wise Adam on the scales with a straight-through estimator
enum class StrategyKind { EvolQ, Random, Similarity, Reconstruct };
QString strategyName(StrategyKind k);   // "evolq", "random", "similarity", "reconstruct"
QString strategyLabel(StrategyKind k);  // "Evol-Q", "random search", "similarity", "MGRQ"
StrategyKind strategyFromName(const QString& name);  // throws evolq::Error
QList<StrategyKind> strategyKinds();

// What a block's genome covers (evolq and random):
//   attention: the qkv and proj per-channel weight scales (Evol-Q's genome)
//   weights:   also fc1 and fc2, every weight scale of the block
//   weights+activations: also the block's activation scales
enum class GenomeKind { Attention, Weights, WeightsActivations };
QString genomeName(GenomeKind k);                // "attention", "weights", "weights+activations"
GenomeKind genomeFromName(const QString& name);  // throws evolq::Error

// Liu et al. 2021: per layer, candidate intervals alpha x (the baseline's interval), alpha on a
// grid over [low, high]; weights and the layer's input activation alternately for `rounds`.
struct SimilaritySettings {
    int candidates = 100;
    double low = 0.5, high = 1.2;
    int rounds = 3;
    int images = 32;             // calibration images the layer outputs are compared on
    bool cosine = false;         // cosine instead of Pearson similarity
    double rankingWeight = 1.0;  // weight of the attention-score ranking loss (qkv layers)
};

// MGRQ: per block, Adam on the block's weight scales (log-parametrized, so they stay positive)
// with straight-through rounding; loss = mse x block-output MSE + global x KL(final quantized ||
// FP logits) + local x (mean, variance) mismatch of each layer output inside the block. A step is
// one forward + backward pass over the calibration images (gradients accumulated chunk by chunk).
struct ReconstructSettings {
    int steps = 0;  // Adam steps per block (each one forward + backward pass); 0 = Evol-Q's budget
    double learningRate = 1e-3;
    double mseWeight = 1.0, globalWeight = 1.0, localWeight = 1.0;
};

struct SearchSettings {
    StrategyKind strategy = StrategyKind::EvolQ;
    GenomeKind genome = GenomeKind::Attention;
    // Nuclear-norm-guided weight bits per layer from {2, 3, 4, 8} under this average (0 = off).
    double mixedPrecision = 0;
    SimilaritySettings similarity;
    ReconstructSettings reconstruct;

    int passes = 10;
    int cycles = 3;
    int population = 15;
    int samples = 10;
    // 0 = the default for the weight bits: Evol-Q's 1e-3 at 3/4 bits and 1e-4 at 8 (absolute), and
    // 1e-2 at 2 bits, where the scales are about 5x those at 4 bits (chosen on training images
    // outside the calibration set: scripts/default-select.sh); 0.1 when
    // relative.
    double mutationRange = 0;
    // false (Evol-Q): r is an absolute step. true: r is a fraction of each scale as it was when the
    // search started, so one r means the same relative step at every bit width.
    bool relativeMutation = false;
    FitnessSettings fitness;
    unsigned seed = 0;
    int valSubset =
        1000;  // validation images measured after each block visit (display only); 0 = off

    // What the session does around the run.
    bool fromBaseline = true;     // restart from the baseline scales, else from the current ones
    bool finalEvaluation = true;  // top-1 over the whole validation folder when the run finishes
    QString outputPath;  // scale file written (atomically) when the run finishes; "" = none
    LiveLandscapeSettings live;

    // The mutation range the search uses at these weight bits.
    double rangeFor(int weightBits) const;
    QString mutationUnit() const;  // "absolute" or "fraction of each starting scale"

    // Keys: strategy, genome, mixed_precision, passes, cycles, population, samples,
    // mutation_range (the setting: 0 = default), relative_mutation, loss, temperature,
    // fitness_batch, seed, val_subset, from_baseline, final_evaluation, live_landscape,
    // similarity and reconstruct (objects). The output path is not part of it.
    QJsonObject toJson() const;
    // Missing fields keep their defaults; an unknown loss throws evolq::Error.
    static SearchSettings fromJson(const QJsonObject& o);
    // Throws evolq::Error naming the first value out of range.
    void validate() const;
};

// ---------------------------------------------------------------------------------------------
// Landscape

// Directions in scale space. A direction is a dimensionless per-channel pattern p; the scales at
// coordinate a are g + a U p, with U = r (the mutation range, absolute, as Evol-Q mutates) or U = g
// channel by channel (a fraction of each scale: Li et al.'s filter normalization for a genome whose
// "filters" are single scales).
//   random:        p = z / rms(z), z Gaussian (seeded)
//   mutation:      p_i = U(-1, 1), one draw of Evol-Q's mutation noise (seeded)
//   channel:N      p = e_N (one channel's axis; the second axis is channel N + 1)
//   toward:FILE    g + a (t - g): a = 0 is the current scales, a = 1 those of scale file FILE
//   toward:result  from the baseline (a = 0) to the scales the last search found (a = 1)
enum class DirectionKind { Random, Mutation, Channel, Toward, TowardResult };
enum class RadiusUnit { MutationRange, ScaleFraction };

// Quantities a landscape can measure: the four fitness losses, cross-entropy against the labels
// and top-1 accuracy (higher is better).
QStringList landscapeQuantities();

struct LandscapeSettings {
    int block = 0;      // the genome of this block (qkv and proj weight scales) ...
    QString quantizer;  // ... or, when set, the scales of this one weight quantizer
    int dims = 1;       // 1 or 2
    int points = 51;    // per axis
    double radius = 3;  // coordinates run over [-radius, radius]
    RadiusUnit unit = RadiusUnit::MutationRange;
    DirectionKind direction = DirectionKind::Random;
    int channel = 0;                       // DirectionKind::Channel
    QString towardFile;                    // DirectionKind::Toward
    QStringList losses{"infonce", "mse"};  // of landscapeQuantities()
    int subset = 256;                      // calibration images used (seeded subset), 0 = all
    unsigned seed = 0;
    double temperature = 3.0;
    int batch = 100;

    // The one parser of direction strings: random, mutation, channel:N, toward:FILE,
    // toward:result. Throws evolq::Error.
    void setDirection(const QString& spec);
    QString directionName() const;
    static QString unitName(RadiusUnit u);  // "mutation_range" or "scale_fraction"

    // Keys: block, quantizer, dims, points, radius, unit, direction (as directionName()),
    // losses, subset, seed, temperature, batch.
    QJsonObject toJson() const;
    // Missing fields keep their defaults; a bad direction or unit throws evolq::Error.
    static LandscapeSettings fromJson(const QJsonObject& o);
    // Throws evolq::Error naming the first value out of range or unknown.
    void validate() const;
};

}  // namespace evolq

Q_DECLARE_METATYPE(evolq::SearchSettings)
Q_DECLARE_METATYPE(evolq::LandscapeSettings)
