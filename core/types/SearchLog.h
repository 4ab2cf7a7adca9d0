#pragma once

#include <QJsonObject>
#include <QString>
#include <QTextStream>

#include "types/Events.h"

namespace evolq {

// The search log: one CSV line per event of a run, as `evolq search --log` writes it and the
// fitness plot's Save data saves it. Provenance comes first as "# " lines (a JSON object), then
//   event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,elapsed_s
// event is start (fitness = the baseline fitness), fitness (one child: its fitness, the block's and
// the run's best so far), block (a finished block visit: its best fitness and the validation top-1
// on the subset, display only), end (the run's best fitness, elapsed = search seconds). Cycle -1 is
// the evaluation of a block's starting genome. Empty fields are "not applicable" or NaN.
class SearchLog {
public:
    static QString columns();
    static void writeHeader(QTextStream& out, const QJsonObject& provenance = {});
    static QString row(const RunStartEvent& e);
    static QString row(const FitnessEvent& e);
    static QString row(const BlockVisitEvent& e);
    static QString row(const RunEndEvent& e);
};

}  // namespace evolq
