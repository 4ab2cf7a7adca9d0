#pragma once

#include <QJsonObject>
#include <QString>
#include <QTextStream>
#include <QVector>
#include <optional>

#include "types/Events.h"
#include "types/Summaries.h"

namespace evolq {

// Everything a search log holds, as the events that made it (for replaying a run in the plots).
struct SearchLogData {
    QJsonObject provenance;
    std::optional<RunStartEvent> start;
    QVector<FitnessEvent> fitness;
    QVector<BlockVisitEvent> visits;
    std::optional<RunEndEvent> end;
    // The live landscape's slices, their points, the search's candidates and the slices' figures.
    QVector<LandscapeStart> slices;
    QVector<LandscapePoint> slicePoints;
    QVector<CandidateEvent> candidates;
    QVector<LandscapeSummary> sliceEnds;
};

// The search log: one CSV line per event of a run, as `evolq search --log` writes it and the
// fitness plot's Save data saves it. Provenance comes first as "# " lines (a JSON object), then
//   event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,elapsed_s,
//   visit,i,j,a,b,parent_a,parent_b,role,detail
// event is start (fitness = the baseline fitness), fitness (one child: its fitness, the block's and
// the run's best so far), block (a finished block visit: its best fitness and the validation top-1
// on the subset, display only), end (the run's best fitness, elapsed = search seconds). Cycle -1 is
// the evaluation of a block's starting genome. The live landscape adds
//   slice_start  a block visit's slice: visit, pass, block; detail "dims=..;points=..;radius=..;
//                unit=..;axes=..;loss=..;images=.." (images empty: the fitness's own)
//   slice        one point of it: visit, i, j, a, b, fitness = the loss there
//   child        one evaluated genome on it: evaluation, pass, block, cycle, fitness, visit, its
//                projection a, b and its parent's parent_a, parent_b; role start, child or best
//                (a child that was the visit's best when it arrived)
//   slice_end    the visit ended: visit, pass, block; detail "local_minima=..;tv_ratio=..;
//                best_gain=..;complete=0|1;seconds=.."
// Empty fields are "not applicable" or NaN.
class SearchLog {
public:
    static QString columns();
    static void writeHeader(QTextStream& out, const QJsonObject& provenance = {});
    static QString row(const RunStartEvent& e);
    static QString row(const FitnessEvent& e);
    static QString row(const BlockVisitEvent& e);
    static QString row(const RunEndEvent& e);
    static QString row(const LandscapeStart& slice);
    static QString row(const LandscapePoint& point, const LandscapeStart& slice);
    static QString row(const CandidateEvent& e);
    static QString row(const LandscapeSummary& sliceEnd);

    // Reads a log (also one written before the live landscape's columns existed). Throws
    // evolq::Error naming the file and the line of the first problem.
    static SearchLogData read(const QString& path);
};

}  // namespace evolq
