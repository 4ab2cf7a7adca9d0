#include <QElapsedTimer>
#include <QFileInfo>
#include <cmath>
#include <optional>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "model/Runtime.h"
#include "types/SearchLog.h"

namespace evolq::cli {

int cmdSearch(const QStringList& args) {
    CliArgs a("search",
              "Baseline quantization, then a search over quantization scales (Evol-Q by default, "
              "or a rival strategy); writes a scale file.");
    addModelOption(a);
    addQuantOptions(a);
    a.option("val", "labelled validation folder (default: data/fashion-mnist/val if present)",
             "DIR");
    addSearchOptions(a);
    a.option("out", "scale file to write", "FILE");
    a.option("log", "write every event as CSV (see README: the search log)", "FILE");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    const QuantConfig cfg = quantConfigFrom(a);
    SearchSettings settings = searchSettingsFrom(a, cfg.seed);
    settings.outputPath = outPath;
    if (cfg.weightBits == 0)
        throw Error("evolq search: --wbits 0 leaves no weight scales to search");
    // The scale file is written at the end: a folder that does not exist is said now, not after
    // the whole search.
    if (!QFileInfo(QFileInfo(outPath).absolutePath()).isDir())
        throw Error(QString("%1: cannot write: the folder %2 does not exist")
                        .arg(outPath, QFileInfo(outPath).absolutePath()));

    QElapsedTimer total;
    total.start();
    Session s;
    openSession(s, a);
    // Validation: only for display during the run and for the final table.
    const QString valDir = a.isSet("val") ? a.str("val") : defaultDataDir() + "/val";
    if (a.isSet("val") || QFileInfo(valDir).isDir()) {
        const DataSummary v = s.setValidationFolder(valDir);
        // A folder named on the command line must fit the model; the default one is skipped when
        // it does not (another task's labels).
        if (!v.note.isEmpty() && a.isSet("val")) throw Error(v.note);
        if (!v.note.isEmpty()) {
            progress(v.note + "; no validation figures (name a folder with --val)");
            s.setValidationFolder(QString());
        }
    }
    s.setDefaultValidationSubset(settings.valSubset);  // the subset the run shows, measured once
    const QuantizeSummary q = quantizeIn(s, cfg);
    if (q.valImages > 0)
        progress(QString("validation subset (%1 images, display only): FP32 %2 %, baseline %3 %")
                     .arg(q.valImages)
                     .arg(q.fp32Top1, 0, 'f', 2)
                     .arg(q.baselineTop1, 0, 'f', 2));

    std::optional<AtomicFile> log;
    if (a.isSet("log")) {
        log.emplace(a.str("log"));
        // The run's settings up front, so that the run history can list a log on its own.
        QJsonObject prov = s.provenance();
        prov.insert("search_settings", settings.toJson());
        SearchLog::writeHeader(log->stream(), prov);
    }
    double baselineFitness = 0;
    SearchCallbacks cb;
    cb.start = [&](const RunStartEvent& e) {
        baselineFitness = e.baselineFitness;
        progress(QString("search (%6): %1 blocks x %2 passes, %3 fitness evaluations, loss %4, "
                         "baseline fitness %5")
                     .arg(e.blocks)
                     .arg(e.passes)
                     .arg(e.evaluationsTotal)
                     .arg(e.loss)
                     .arg(e.baselineFitness, 0, 'g', 6)
                     .arg(strategyLabel(settings.strategy)));
        if (log) log->stream() << SearchLog::row(e);
    };
    cb.fitness = [&](const FitnessEvent& e) {
        if (log) log->stream() << SearchLog::row(e);
    };
    cb.blockVisit = [&](const BlockVisitEvent& e) {
        progress(QString("pass %1/%2  block %3  fitness %4%5  [%6/%7 evaluations, ETA %8 s]")
                     .arg(e.pass + 1)
                     .arg(settings.passes)
                     .arg(e.block)
                     .arg(e.bestFitness, 0, 'g', 6)
                     .arg(std::isnan(e.accuracy)
                              ? QString()
                              : QString("  val top-1 %1 %").arg(e.accuracy, 0, 'f', 2))
                     .arg(e.evaluationsDone)
                     .arg(e.evaluationsTotal)
                     .arg(e.eta, 0, 'f', 0));
        if (log) log->stream() << SearchLog::row(e);
    };
    // The live landscape's slices and the children on them go into the log beside the events.
    LiveLandscapeCallbacks live;
    LandscapeStart slice;
    live.sliceStart = [&](const LandscapeStart& e) {
        slice = e;
        if (log) log->stream() << SearchLog::row(e);
    };
    live.point = [&](const LandscapePoint& p) {
        if (log) log->stream() << SearchLog::row(p, slice);
    };
    live.candidate = [&](const CandidateEvent& e) {
        if (log) log->stream() << SearchLog::row(e);
    };
    live.sliceEnd = [&](const LandscapeSummary& e) {
        if (log) log->stream() << SearchLog::row(e);
    };
    if (settings.live.enabled() && !log)
        progress("the live landscape's slices go into the --log file, which is not set");
    s.startSearch(settings, cb, live);
    s.runSearch();
    if (s.validationUsable())
        progress(QString("measuring top-1 on the full validation folder (FP32, baseline, %1)")
                     .arg(strategyLabel(settings.strategy)));
    const RunEndEvent end = s.finishSearch(progressLines("evaluated"));
    if (!s.finalValidationNote().isEmpty()) progress(s.finalValidationNote());
    if (log) {
        log->stream() << SearchLog::row(end);
        log->commit();
    }
    out(QString("wrote %1").arg(outPath));
    out(QString("%1  %2").arg("", -10).arg("top-1 %"));
    auto row = [&](const QString& name, double v) {
        out(QString("%1  %2").arg(name, -10).arg(std::isnan(v) ? QString("-")
                                                               : QString::number(v, 'f', 2)));
    };
    const FinalValidation f = s.finalValidation().value_or(FinalValidation{});
    row("FP32", f.fp32Top1);
    row("baseline", f.baselineTop1);
    row(strategyLabel(settings.strategy), f.searchedTop1);
    if (const QJsonObject l =
            s.provenance().value("search").toObject().value("live_landscape").toObject();
        !l.isEmpty())
        out(QString("live landscape %1: %2 slices, %3 points in %4 s")
                .arg(settings.live.spec())
                .arg(l.value("slices").toInt())
                .arg(l.value("points").toInt())
                .arg(l.value("seconds").toDouble(), 0, 'f', 1));
    out(QString("fitness %1 -> %2, search %3 s, total %4 s (%5)")
            .arg(baselineFitness, 0, 'g', 6)
            .arg(end.bestFitness, 0, 'g', 6)
            .arg(end.seconds, 0, 'f', 1)
            .arg(total.elapsed() / 1000.0, 0, 'f', 1)
            .arg(cfg.label()));
    return 0;
}

}  // namespace evolq::cli
