#include "types/RunHistory.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>

#include "common/Csv.h"
#include "common/Error.h"
#include "types/Settings.h"

namespace evolq {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

double numberOr(const QJsonValue& v, double fallback = NaN) {
    return v.isDouble() ? v.toDouble() : fallback;
}

double fieldNumber(const QString& s) {
    bool ok = false;
    const double v = s.toDouble(&ok);
    return ok ? v : NaN;
}

// Splits one line of the project's CSV (quoted fields may hold commas and doubled quotes).
QStringList csvFields(const QString& line) {
    QStringList out;
    QString cur;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out << cur;
            cur.clear();
        } else {
            cur += c;
        }
    }
    out << cur;
    return out;
}

QString strategyOf(const QJsonObject& search) {
    const QString s = search.value("settings").toObject().value("strategy").toString();
    if (!s.isEmpty()) return RunHistory::strategyDisplayName(s);
    return RunHistory::strategyDisplayName(search.value("strategy").toString("Evol-Q"));
}

QString num(double v, int digits) {
    return std::isnan(v) ? QString("-") : QString::number(v, 'f', digits);
}

}  // namespace

QString RunRecord::settingsText() const {
    if (settings.isEmpty()) return "-";
    QStringList parts;
    auto add = [&](const char* key, const QString& label) {
        if (settings.contains(key)) parts << label + settings.value(key).toVariant().toString();
    };
    add("passes", "P=");
    add("cycles", "K=");
    add("population", "pop=");
    if (settings.contains("mutation_range")) {
        const double r = settings.value("mutation_range").toDouble();
        const double used = settings.value("mutation_range_used").toDouble(r);
        parts << (r == 0 && used == 0 ? QString("r=default")
                                      : QString("r=%1").arg(used ? used : r));
    }
    if (settings.value("relative_mutation").toBool()) parts << "relative";
    add("loss", "");
    add("temperature", "T=");
    return parts.join(' ');
}

namespace RunHistory {

QString strategyDisplayName(const QString& nameOrLabel) {
    for (StrategyKind k : strategyKinds())
        if (strategyName(k) == nameOrLabel.trimmed().toLower()) return strategyLabel(k);
    return nameOrLabel;
}

RunRecord fromSearchLog(const QString& text, const QString& path) {
    RunRecord r;
    r.source = path;
    r.strategy = "Evol-Q";
    const QStringList lines = text.split('\n', Qt::SkipEmptyParts);
    bool header = false;
    double best = NaN;
    int visit = 0, rows = 0;
    for (const QString& raw : lines) {
        const QString line = raw.trimmed();
        if (line.startsWith('#')) {
            const int brace = line.indexOf('{');
            if (brace < 0) continue;
            const QJsonObject p = QJsonDocument::fromJson(line.mid(brace).toUtf8()).object();
            r.bits = p.value("bit_config").toString(r.bits);
            r.time = p.value("created_utc").toString(r.time);
            if (p.contains("seed")) r.seed = p.value("seed").toInteger();
            const QJsonObject search = p.value("search").toObject();
            QJsonObject settings = p.value("search_settings").toObject();
            if (settings.isEmpty()) settings = search.value("settings").toObject();
            if (!settings.isEmpty()) {
                r.settings = settings;
                if (settings.contains("seed")) r.seed = settings.value("seed").toInteger();
                if (settings.contains("strategy"))
                    r.strategy = strategyDisplayName(settings.value("strategy").toString());
            }
            continue;
        }
        const QStringList f = csvFields(line);
        if (!header) {
            if (f.value(0) != "event" || !f.contains("overall_best"))
                throw Error(QString("%1: not a search log: the first line after the comments is "
                                    "not the search log's header (event,evaluation,...)")
                                .arg(path));
            header = true;
            continue;
        }
        if (f.size() < 10)
            throw Error(QString("%1: not a search log: a row has %2 fields, expected 10")
                            .arg(path)
                            .arg(f.size()));
        ++rows;
        const QString event = f[0];
        if (event == "start") {
            r.baselineFitness = fieldNumber(f[5]);
            best = r.baselineFitness;
        } else if (event == "fitness") {
            double overall = fieldNumber(f[7]);
            if (std::isnan(overall)) overall = fieldNumber(f[5]);
            if (!std::isnan(overall)) best = std::isnan(best) ? overall : std::min(best, overall);
            const double evaluation = fieldNumber(f[1]);
            r.evaluations << evaluation;
            r.bestFitness << best;
            r.countEvaluation(evaluation);
        } else if (event == "block") {
            ++visit;
            const double top1 = fieldNumber(f[8]);
            if (!std::isnan(top1)) {
                r.visits << visit;
                r.visitTop1 << top1;
                r.top1 = top1;
            }
        } else if (event == "end") {
            r.finalFitness = fieldNumber(f[5]);
            const double top1 = fieldNumber(f[8]);
            if (!std::isnan(top1)) r.top1 = top1;
            r.seconds = fieldNumber(f[9]);
        }
    }
    if (!header) throw Error(QString("%1: not a search log: no header line").arg(path));
    if (rows == 0) throw Error(QString("%1: the search log has no events").arg(path));
    if (std::isnan(r.finalFitness)) {
        r.finalFitness = best;
        r.cancelled = true;  // no end row: the run did not finish
    }
    return r;
}

RunRecord fromScaleFile(const QJsonObject& doc, const QString& path) {
    const QJsonObject search = doc.value("search").toObject();
    if (search.isEmpty())
        throw Error(QString("%1: the scale file holds no search (it is a baseline or an import)")
                        .arg(path));
    RunRecord r;
    r.source = path;
    r.strategy = strategyOf(search);
    r.bits = doc.value("bit_config").toString();
    r.settings = search.value("settings").toObject();
    r.seed = r.settings.contains("seed") ? r.settings.value("seed").toInteger()
                                         : doc.value("seed").toInteger(-1);
    r.time = doc.value("created_utc").toString();
    r.seconds = numberOr(search.value("seconds"));
    r.baselineFitness = numberOr(search.value("baseline_fitness"));
    r.finalFitness = numberOr(search.value("best_fitness"));
    r.cancelled = !search.value("finished").toBool(true);
    // fitness_history rows: [evaluation, pass, block, cycle, fitness]
    double best = r.baselineFitness;
    for (const QJsonValue& v : search.value("fitness_history").toArray()) {
        const QJsonArray row = v.toArray();
        if (row.size() < 5) continue;
        const double f = row[4].toDouble();
        best = std::isnan(best) ? f : std::min(best, f);
        r.evaluations << row[0].toDouble();
        r.bestFitness << best;
        r.countEvaluation(row[0].toDouble());
    }
    // The strategy's own count where the file has it (the history may leave some out).
    r.budget = numberOr(search.value("evaluations"), r.budget);
    int visit = 0;
    for (const QJsonValue& v : search.value("block_visits").toArray()) {
        ++visit;
        const double top1 = numberOr(v.toObject().value("top1"));
        if (std::isnan(top1)) continue;
        r.visits << visit;
        r.visitTop1 << top1;
        r.top1 = top1;
    }
    const double final = numberOr(doc.value("validation").toObject().value("evolq_top1"));
    if (!std::isnan(final)) r.top1 = final;
    return r;
}

RunRecord read(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QString("%1: cannot be read: %2").arg(path, f.errorString()));
    const QByteArray bytes = f.readAll();
    if (bytes.trimmed().startsWith('{')) {
        QJsonParseError err;
        const QJsonDocument d = QJsonDocument::fromJson(bytes, &err);
        if (err.error != QJsonParseError::NoError || !d.isObject())
            throw Error(QString("%1: not a valid scale file: %2").arg(path, err.errorString()));
        return fromScaleFile(d.object(), path);
    }
    return fromSearchLog(QString::fromUtf8(bytes), path);
}

QString toCsv(const QVector<RunRecord>& runs, const QJsonObject& provenance) {
    QString out;
    if (!provenance.isEmpty())
        out += "# evolq run history " +
               QString::fromUtf8(QJsonDocument(provenance).toJson(QJsonDocument::Compact)) + '\n';
    out +=
        "run,source,strategy,bits,settings,seed,time,seconds,budget,final_fitness,top1,finished\n";
    for (int i = 0; i < runs.size(); ++i) {
        const RunRecord& r = runs[i];
        out += csvLine({QString::number(i + 1), csvField(r.source), csvField(r.strategy),
                        csvField(r.bits), csvField(r.settingsText()),
                        r.seed < 0 ? QString() : QString::number(r.seed), csvField(r.time),
                        csvNumber(r.seconds), csvNumber(r.budget), csvNumber(r.finalFitness),
                        csvNumber(r.top1), r.cancelled ? "no" : "yes"});
    }
    return out;
}

QString toMarkdown(const QVector<RunRecord>& runs) {
    auto cell = [](QString s) { return s.replace('|', "\\|"); };
    QString out =
        "| run | source | strategy | bits | settings | seed | time | seconds | budget | "
        "final fitness | top-1 % |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (int i = 0; i < runs.size(); ++i) {
        const RunRecord& r = runs[i];
        const QString source = r.source.contains('/') ? QFileInfo(r.source).fileName() : r.source;
        out += QString("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 | %9 | %10 | %11 |\n")
                   .arg(i + 1)
                   .arg(cell(source), cell(r.strategy), cell(r.bits.isEmpty() ? "-" : r.bits),
                        cell(r.settingsText()), r.seed < 0 ? "-" : QString::number(r.seed),
                        cell(r.time.isEmpty() ? "-" : r.time), num(r.seconds, 1), num(r.budget, 0),
                        std::isnan(r.finalFitness) ? QString("-")
                                                   : QString::number(r.finalFitness, 'g', 8),
                        num(r.top1, 2) + (r.cancelled ? " (unfinished)" : ""));
    }
    return out;
}

}  // namespace RunHistory

}  // namespace evolq
