#include "types/SearchLog.h"

#include <QJsonDocument>

#include "common/Csv.h"

namespace evolq {

namespace {
QString line(std::initializer_list<QString> fields) {
    return csvLine(QStringList(fields));
}
QString n(double v) {
    return csvNumber(v);
}
QString i(long long v) {
    return QString::number(v);
}
}  // namespace

QString SearchLog::columns() {
    return "event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,elapsed_s";
}

void SearchLog::writeHeader(QTextStream& out, const QJsonObject& provenance) {
    if (!provenance.isEmpty())
        out << "# evolq search log " << QJsonDocument(provenance).toJson(QJsonDocument::Compact)
            << '\n';
    out << columns() << '\n';
}

QString SearchLog::row(const RunStartEvent& e) {
    return line({"start", "0", "", "", "", n(e.baselineFitness), "", "", "", "0"});
}

QString SearchLog::row(const FitnessEvent& e) {
    return line({"fitness", i(e.evaluation), i(e.pass), i(e.block), i(e.cycle), n(e.childFitness),
                 n(e.blockBest), n(e.overallBest), "", n(e.elapsed)});
}

QString SearchLog::row(const BlockVisitEvent& e) {
    return line({"block", i(e.evaluationsDone), i(e.pass), i(e.block), "", n(e.bestFitness), "", "",
                 n(e.accuracy), n(e.elapsed)});
}

QString SearchLog::row(const RunEndEvent& e) {
    return line({"end", "", "", "", "", n(e.bestFitness), "", "", n(e.finalTop1), n(e.seconds)});
}

}  // namespace evolq
