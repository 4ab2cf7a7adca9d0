#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>
#include <cmath>
#include <limits>

namespace evolq {

// The search's event stream in plain data, so that the GUI consumes it without knowing torch.
struct RunStartEvent {
    int blocks = 0;
    int passes = 0;
    int evaluationsTotal = 0;  // fitness evaluations the run will make, the initial ones included
    double fp32Top1 = std::numeric_limits<double>::quiet_NaN();      // percent, NaN if not measured
    double baselineTop1 = std::numeric_limits<double>::quiet_NaN();  // percent, NaN if not measured
    double baselineFitness = 0;
    QString loss;      // "infonce", "mse", "kl", "cosine"
    QString strategy;  // "evolq", "random", "similarity", "reconstruct"
    unsigned seed = 0;
};

struct FitnessEvent {
    int evaluation = 0;  // 1-based index over the whole run
    int pass = 0;        // 0-based
    int block = 0;
    int cycle = 0;  // 0-based; -1 for the evaluation of the block's starting genome
    double childFitness = 0;
    double blockBest = 0;    // best fitness of this block so far
    double overallBest = 0;  // best fitness of the whole model so far
    double elapsed = 0;      // seconds since the run started
};

struct BlockVisitEvent {
    int pass = 0;
    int block = 0;
    double bestFitness = 0;
    double accuracy =
        std::numeric_limits<double>::quiet_NaN();  // validation top-1 on the subset, NaN if off
    int evaluationsDone = 0;
    int evaluationsTotal = 0;
    double elapsed = 0;
    double eta = 0;  // seconds
};

struct RunEndEvent {
    bool cancelled = false;
    double bestFitness = 0;
    double finalTop1 =
        std::numeric_limits<double>::quiet_NaN();  // full validation folder, NaN if none
    double seconds = 0;
};

// Any search strategy's block visit begins: `visit` counts the run's block visits from 0.
struct VisitStartEvent {
    int visit = 0;
    int pass = 0;
    int block = 0;
    int genomeSize = 0;
};

// One genome the search evaluated, as the live landscape shows it on the visit's slice: its
// least-squares projection (a, b) of genome - centre onto the slice's axes, in the slice's units
// (b = 0 in 1-D), and its parent's. The visit's starting genome is the centre (0, 0).
struct CandidateEvent {
    int evaluation = 0;  // 1-based over the run, as FitnessEvent::evaluation
    int visit = 0;
    int pass = 0;
    int block = 0;
    int cycle = 0;  // -1 for the starting genome
    double a = 0, b = 0;
    double parentA = std::numeric_limits<double>::quiet_NaN();  // NaN: no parent
    double parentB = std::numeric_limits<double>::quiet_NaN();
    double fitness = 0;
    bool isStart = false;  // the visit's starting genome
    bool isBest = false;   // the best of the visit so far
};

// One point of a loss landscape: grid indices, coordinates along the directions (in the sweep's
// radius units), and one value per loss in LandscapeStart::losses order.
struct LandscapePoint {
    int i = 0, j = 0;
    double a = 0, b = 0;
    QVector<double> values;
    int visit = -1;  // the search's block visit of a live slice; -1 for a sweep
};

struct LandscapeStart {
    int dims = 1;
    int points = 51;
    double radius = 3;
    QString unit;  // e.g. "r (mutation range)" or "fraction of scale"
    QString direction;
    int block = 0;
    QStringList losses;
    // A live slice: the search's block visit and pass (-1 for a sweep), and which images it uses
    // when they are not the fitness's own (empty: the same images).
    int visit = -1;
    int pass = -1;
    QString images;
};

// Landscape quantities where larger is better (top-1 accuracy); every other one is a loss.
inline bool higherIsBetter(const QString& quantity) {
    return quantity == QLatin1String("top1");
}
// Whether value a of `quantity` is better than value b.
inline bool isBetter(const QString& quantity, double a, double b) {
    return higherIsBetter(quantity) ? a > b : a < b;
}

// Jaggedness of one 1-D line (or a 2-D grid, where only localMinima is meaningful). For a quantity
// where higher is better, "minima" and "best" are taken on its negation: local maxima of top-1
// count as pits, and the best gain is the highest value minus the centre.
struct Jaggedness {
    int localMinima = 0;            // strict local minima (of the loss, or of -top1)
    double tvRatio = 0;             // total variation / |end - start|
    double bestGainOverCentre = 0;  // how much better the best point is than the centre (>= 0)
};

}  // namespace evolq

Q_DECLARE_METATYPE(evolq::RunStartEvent)
Q_DECLARE_METATYPE(evolq::FitnessEvent)
Q_DECLARE_METATYPE(evolq::BlockVisitEvent)
Q_DECLARE_METATYPE(evolq::RunEndEvent)
Q_DECLARE_METATYPE(evolq::LandscapePoint)
Q_DECLARE_METATYPE(evolq::VisitStartEvent)
Q_DECLARE_METATYPE(evolq::CandidateEvent)
Q_DECLARE_METATYPE(evolq::LandscapeStart)
