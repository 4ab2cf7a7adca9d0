#include "types/SearchLog.h"

#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QStringList>
#include <cmath>
#include <limits>

#include "common/Csv.h"
#include "common/Error.h"

namespace evolq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kColumns = 19;
constexpr int kBaseColumns = 10;  // a log from before the live landscape's columns

// A full row: the first ten fields, then the live landscape's nine.
QString line(QStringList fields, QStringList live = {}) {
    while (live.size() < kColumns - kBaseColumns) live << QString();
    return csvLine(fields + live);
}
QString n(double v) {
    return csvNumber(v);
}
QString i(long long v) {
    return QString::number(v);
}

QString detail(const QList<QPair<QString, QString>>& pairs) {
    QStringList out;
    for (const auto& [k, v] : pairs) out << k + "=" + v;
    return out.join(';');
}

QHash<QString, QString> parseDetail(const QString& text) {
    QHash<QString, QString> out;
    for (const QString& part : text.split(';', Qt::SkipEmptyParts)) {
        const int eq = part.indexOf('=');
        if (eq > 0) out.insert(part.left(eq), part.mid(eq + 1));
    }
    return out;
}

}  // namespace

QString SearchLog::columns() {
    return "event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,elapsed_s,"
           "visit,i,j,a,b,parent_a,parent_b,role,detail";
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

QString SearchLog::row(const LandscapeStart& s) {
    return line({"slice_start", "", i(s.pass), i(s.block), "", "", "", "", "", ""},
                {i(s.visit), "", "", "", "", "", "", "",
                 detail({{"dims", i(s.dims)},
                         {"points", i(s.points)},
                         {"radius", n(s.radius)},
                         {"unit", s.unit},
                         {"axes", s.direction},
                         {"loss", s.losses.value(0)},
                         {"images", s.images}})});
}

QString SearchLog::row(const LandscapePoint& p, const LandscapeStart& s) {
    return line(
        {"slice", "", i(s.pass), i(s.block), "", n(p.values.value(0, kNaN)), "", "", "", ""},
        {i(p.visit), i(p.i), i(p.j), n(p.a), n(p.b)});
}

QString SearchLog::row(const CandidateEvent& e) {
    return line(
        {"child", i(e.evaluation), i(e.pass), i(e.block), i(e.cycle), n(e.fitness), "", "", "", ""},
        {i(e.visit), "", "", n(e.a), n(e.b), n(e.parentA), n(e.parentB),
         e.isStart  ? "start"
         : e.isBest ? "best"
                    : "child"});
}

QString SearchLog::row(const LandscapeSummary& s) {
    const Jaggedness j = s.jaggedness.value(0);
    return line({"slice_end", "", i(s.start.pass), i(s.start.block), "", "", "", "", "", ""},
                {i(s.start.visit), "", "", "", "", "", "", "",
                 detail({{"local_minima", i(j.localMinima)},
                         {"tv_ratio", std::isinf(j.tvRatio) ? QString("inf") : n(j.tvRatio)},
                         {"best_gain", n(j.bestGainOverCentre)},
                         {"complete", s.cancelled ? "0" : "1"},
                         {"seconds", n(s.seconds)}})});
}

SearchLogData SearchLog::read(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        throw Error(QString("%1: cannot read the search log: %2").arg(path, f.errorString()));
    SearchLogData d;
    QTextStream in(&f);
    QStringList header;
    QHash<QString, int> col;
    QHash<int, LandscapeStart> slices;
    int lineNo = 0;
    while (!in.atEnd()) {
        const QString text = in.readLine();
        ++lineNo;
        auto bad = [&](const QString& why) {
            return Error(QString("%1, line %2: %3").arg(path).arg(lineNo).arg(why));
        };
        if (text.startsWith('#')) {
            const int brace = text.indexOf('{');
            if (brace >= 0 && d.provenance.isEmpty())
                d.provenance = QJsonDocument::fromJson(text.mid(brace).toUtf8()).object();
            continue;
        }
        if (text.trimmed().isEmpty()) continue;
        const QStringList fields = csvSplit(text);
        if (header.isEmpty()) {
            header = fields;
            for (int c = 0; c < header.size(); ++c) col.insert(header[c], c);
            for (const QString& need : columns().split(',').mid(0, kBaseColumns))
                if (!col.contains(need))
                    throw bad(QString("not a search log: the header has no column '%1'").arg(need));
            continue;
        }
        if (fields.size() != header.size())
            throw bad(
                QString("%1 fields, the header has %2").arg(fields.size()).arg(header.size()));
        auto str = [&](const char* name) {
            const int c = col.value(name, -1);
            return c < 0 ? QString() : fields[c];
        };
        auto num = [&](const char* name) {
            const QString v = str(name);
            if (v.isEmpty()) return kNaN;
            bool ok = false;
            const double x = v.toDouble(&ok);
            if (!ok) throw bad(QString("column %1: '%2' is not a number").arg(name, v));
            return x;
        };
        auto integer = [&](const char* name) {
            const QString v = str(name);
            bool ok = false;
            const int x = v.toInt(&ok);
            if (!ok) throw bad(QString("column %1: '%2' is not a whole number").arg(name, v));
            return x;
        };
        const QString event = str("event");
        if (event == "start") {
            RunStartEvent e;
            e.baselineFitness = num("fitness");
            d.start = e;
        } else if (event == "fitness") {
            FitnessEvent e;
            e.evaluation = integer("evaluation");
            e.pass = integer("pass");
            e.block = integer("block");
            e.cycle = integer("cycle");
            e.childFitness = num("fitness");
            e.blockBest = num("block_best");
            e.overallBest = num("overall_best");
            e.elapsed = num("elapsed_s");
            d.fitness.append(e);
        } else if (event == "block") {
            BlockVisitEvent e;
            e.evaluationsDone = integer("evaluation");
            e.pass = integer("pass");
            e.block = integer("block");
            e.bestFitness = num("fitness");
            e.accuracy = num("top1");
            e.elapsed = num("elapsed_s");
            d.visits.append(e);
        } else if (event == "end") {
            RunEndEvent e;
            e.bestFitness = num("fitness");
            e.finalTop1 = num("top1");
            e.seconds = num("elapsed_s");
            d.end = e;
        } else if (event == "slice_start") {
            LandscapeStart s;
            s.visit = integer("visit");
            s.pass = integer("pass");
            s.block = integer("block");
            const QHash<QString, QString> k = parseDetail(str("detail"));
            s.dims = k.value("dims", "1").toInt();
            s.points = k.value("points", "0").toInt();
            s.radius = k.value("radius", "1").toDouble();
            s.unit = k.value("unit");
            s.direction = k.value("axes");
            s.losses = QStringList{k.value("loss", "fitness")};
            s.images = k.value("images");
            if ((s.dims != 1 && s.dims != 2) || s.points < 2 || !(s.radius > 0))
                throw bad("a slice_start needs dims 1 or 2, points and a radius in its detail");
            slices.insert(s.visit, s);
            d.slices.append(s);
        } else if (event == "slice") {
            LandscapePoint p;
            p.visit = integer("visit");
            if (!slices.contains(p.visit))
                throw bad(QString("a slice point of visit %1 before its slice_start").arg(p.visit));
            p.i = integer("i");
            p.j = integer("j");
            p.a = num("a");
            p.b = num("b");
            p.values = {num("fitness")};
            d.slicePoints.append(p);
        } else if (event == "child") {
            CandidateEvent e;
            e.evaluation = integer("evaluation");
            e.visit = integer("visit");
            e.pass = integer("pass");
            e.block = integer("block");
            e.cycle = integer("cycle");
            e.fitness = num("fitness");
            e.a = num("a");
            e.b = num("b");
            e.parentA = num("parent_a");
            e.parentB = num("parent_b");
            const QString role = str("role");
            e.isStart = role == "start";
            e.isBest = role == "start" || role == "best";
            d.candidates.append(e);
        } else if (event == "slice_end") {
            const int visit = integer("visit");
            if (!slices.contains(visit))
                throw bad(QString("the end of visit %1's slice before its slice_start").arg(visit));
            LandscapeSummary s;
            s.start = slices.value(visit);
            const QHash<QString, QString> k = parseDetail(str("detail"));
            Jaggedness j;
            j.localMinima = k.value("local_minima", "0").toInt();
            const QString tv = k.value("tv_ratio");
            j.tvRatio = tv == "inf" ? std::numeric_limits<double>::infinity() : tv.toDouble();
            j.bestGainOverCentre = k.value("best_gain", "0").toDouble();
            s.jaggedness = {j};
            s.cancelled = k.value("complete") == "0";
            s.seconds = k.value("seconds", "0").toDouble();
            d.sliceEnds.append(s);
        } else {
            throw bad(QString("unknown event '%1'").arg(event));
        }
    }
    if (header.isEmpty()) throw Error(QString("%1: not a search log: no header line").arg(path));
    // What the log does not say directly: the run's shape from its rows and provenance.
    if (!d.start) d.start = RunStartEvent{};
    int blocks = 0, passes = 0;
    for (const FitnessEvent& e : d.fitness) {
        blocks = std::max(blocks, e.block + 1);
        passes = std::max(passes, e.pass + 1);
    }
    const QJsonObject model = d.provenance.value("model").toObject();
    d.start->blocks = model.value("depth").toInt(blocks);
    d.start->passes = passes;
    d.start->evaluationsTotal = static_cast<int>(d.fitness.size());
    return d;
}

}  // namespace evolq
