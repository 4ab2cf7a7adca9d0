#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QVector>
#include <algorithm>
#include <cmath>
#include <limits>

namespace evolq {

// One search run as the run history lists it: a run of this session, or one read back from a
// search log or a native scale file. Plain data with its curves, so that plots can overlay it.
struct RunRecord {
    QString source;    // "this session" or the file it was read from
    QString strategy;  // e.g. "Evol-Q"
    QString bits;      // e.g. "W4A8"
    QJsonObject settings;
    qint64 seed = -1;  // -1 = unknown
    QString time;      // when the run started or the file was written (UTC, ISO 8601)
    double seconds = std::numeric_limits<double>::quiet_NaN();
    // What the run spent, in fitness evaluations (for `reconstruct`, forward + backward passes
    // counted in the same units); NaN when the source does not say.
    double budget = std::numeric_limits<double>::quiet_NaN();
    // Counts an evaluation number into the budget (the largest number seen; NaN is ignored).
    void countEvaluation(double evaluation) {
        if (!std::isnan(evaluation))
            budget = std::isnan(budget) ? evaluation : std::max(budget, evaluation);
    }
    double baselineFitness = std::numeric_limits<double>::quiet_NaN();
    double finalFitness = std::numeric_limits<double>::quiet_NaN();
    // Top-1 on the whole validation folder when measured, else the last subset top-1.
    double top1 = std::numeric_limits<double>::quiet_NaN();
    bool cancelled = false;
    // The run's best fitness after each evaluation, and the validation top-1 after each block
    // visit (by visit number, 1-based).
    QVector<double> evaluations, bestFitness;
    QVector<double> visits, visitTop1;

    // "P=10 K=3 pop=15 r=default infonce T=3": the settings that tell runs apart.
    QString settingsText() const;
};

namespace RunHistory {

// The label of a strategy named in a file ("evolq" -> "Evol-Q"); any other text as it is.
QString strategyDisplayName(const QString& nameOrLabel);

// A search log (evolq search --log, the fitness plot's Save data) or a native scale file with a
// search in its provenance, chosen by content. Throws evolq::Error naming the file and the
// problem.
RunRecord read(const QString& path);
RunRecord fromSearchLog(const QString& text, const QString& path);
RunRecord fromScaleFile(const QJsonObject& doc, const QString& path);

// The table: source, strategy, bits, settings, seed, time, seconds, final fitness, top-1. The CSV
// follows common/Csv.h with a provenance line first; the Markdown is one pipe table.
QString toCsv(const QVector<RunRecord>& runs, const QJsonObject& provenance = {});
QString toMarkdown(const QVector<RunRecord>& runs);

}  // namespace RunHistory

}  // namespace evolq

Q_DECLARE_METATYPE(evolq::RunRecord)
