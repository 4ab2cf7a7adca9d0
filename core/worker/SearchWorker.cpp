#include "worker/SearchWorker.h"

#include <QElapsedTimer>
#include <atomic>

#include "common/Error.h"
#include "common/Eta.h"
#include "model/Runtime.h"
#include "session/Session.h"

namespace evolq {

namespace {

QString messageOf(const std::exception& e) {
    if (auto* err = dynamic_cast<const Error*>(&e)) return err->message();
    return QString::fromLocal8Bit(e.what());
}

}  // namespace

struct SearchWorker::Private {
    Session session;
    WorkerState state = WorkerState::Idle;
    QVector<FitnessEvent> pendingFitness;
    QVector<LandscapePoint> pendingPoints;
    QVector<CandidateEvent> pendingCandidates;
    QElapsedTimer sinceFlush;

    SearchControl& control() { return session.control(); }
    std::atomic<bool> shuttingDown{false};
    // Every job starts with the flags down (cancelled for good once shutting down); a request
    // that arrives while it runs is honoured.
    void resetControl() {
        control().cancel.store(shuttingDown.load());
        control().pause.store(false);
    }
};

SearchWorker::SearchWorker(QObject* parent) : QObject(parent), d(std::make_unique<Private>()) {
    registerMetaTypes();
}

SearchWorker::~SearchWorker() = default;

void SearchWorker::registerMetaTypes() {
    qRegisterMetaType<WorkerState>();
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<DataSummary>();
    qRegisterMetaType<QuantizeSummary>();
    qRegisterMetaType<QuantizerSummary>();
    qRegisterMetaType<QVector<QuantizerSummary>>();
    qRegisterMetaType<RunStartEvent>();
    qRegisterMetaType<FitnessEvent>();
    qRegisterMetaType<QVector<FitnessEvent>>();
    qRegisterMetaType<BlockVisitEvent>();
    qRegisterMetaType<RunEndEvent>();
    qRegisterMetaType<QVector<QVector<double>>>();
    qRegisterMetaType<LandscapeStart>();
    qRegisterMetaType<LandscapePoint>();
    qRegisterMetaType<QVector<LandscapePoint>>();
    qRegisterMetaType<LandscapeSummary>();
    qRegisterMetaType<CandidateEvent>();
    qRegisterMetaType<QVector<CandidateEvent>>();
    qRegisterMetaType<VisitStartEvent>();
    qRegisterMetaType<ExportFormat>();
    qRegisterMetaType<ScaleSelection>();
    qRegisterMetaType<ScaleComparison>();
    qRegisterMetaType<SearchSettings>();
    qRegisterMetaType<LandscapeSettings>();
    qRegisterMetaType<SensitivitySettings>();
    qRegisterMetaType<SensitivityResult>();
    qRegisterMetaType<TryResult>();
}

void SearchWorker::pause() {
    d->control().pause.store(true);
}

void SearchWorker::cancel() {
    d->control().cancel.store(true);
    // A paused search is not running, so nothing polls the flag: finish it on the worker thread.
    QMetaObject::invokeMethod(
        this, [this] { cancelPausedSearch(); }, Qt::QueuedConnection);
}

void SearchWorker::shutDown() {
    d->shuttingDown.store(true);
    cancel();
}

bool SearchWorker::cancelRequested() const {
    return d->session.cancelRequested();
}

void SearchWorker::setState(WorkerState s) {
    if (d->state == s) return;
    // A job ended: what it allocated goes back to the system (the allocator keeps freed blocks
    // while a job runs; Runtime.cpp).
    if (s == WorkerState::Idle) releaseMemory();
    d->state = s;
    Q_EMIT stateChanged(s);
}

void SearchWorker::fail(const QString& what, const std::exception& e) {
    Q_EMIT error(what.isEmpty() ? messageOf(e) : QString("%1: %2").arg(what, messageOf(e)));
}

// ---------------------------------------------------------------------------------------------
// Model and data

void SearchWorker::loadModel(const QString& folder) {
    if (d->session.searchActive()) {
        Q_EMIT error(QString("%1: not opened: a search is paused; cancel it first").arg(folder));
        return;
    }
    setState(WorkerState::Loading);
    Q_EMIT status(QString("Loading model %1").arg(folder));
    try {
        const ModelSummary m = d->session.loadModel(folder);
        Q_EMIT modelLoaded(m);
        Q_EMIT status(QString("Model %1 loaded").arg(m.info.architecture));
        emitProvenance();
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    setState(WorkerState::Idle);
}

void SearchWorker::loadData(const QString& calibDir, const QString& valDir, int calibSize,
                            int valSubset) {
    Session& s = d->session;
    if (s.searchActive()) {
        Q_EMIT error("Data not loaded: a search is paused; cancel it first");
        return;
    }
    setState(WorkerState::Loading);
    d->resetControl();
    const int calibCount = std::max(1, calibSize);
    s.setDefaultValidationSubset(valSubset);
    // The subsets are drawn with the seed of the last quantization (0 before any).
    const unsigned seed = s.calibrationSet() ? s.calibrationSet()->seed : 0;
    DataSummary calibSummary, valSummary;
    calibSummary.folder = calibDir;
    valSummary.folder = valDir;
    try {
        calibSummary = s.setCalibrationFolder(calibDir);
        if (s.hasModel() && !calibDir.isEmpty()) {
            Q_EMIT status(
                QString("Decoding %1 calibration images from %2").arg(calibCount).arg(calibDir));
            const CalibrationSet& c = s.calibration(calibCount, seed);
            calibSummary.decoded = static_cast<int>(c.images.size(0));
            calibSummary.failed = c.failed;
        }
    } catch (const std::exception& e) {
        calibSummary.folder = calibDir;
        calibSummary.note = messageOf(e);
        fail(QString(), e);
    }
    try {
        valSummary = s.setValidationFolder(valDir);
        if (!valSummary.note.isEmpty()) {
            Q_EMIT error(valSummary.note);
        } else if (s.hasModel() && s.validationSubset(s.defaultValidationSubset(), seed)) {
            valSummary.decoded = s.validationSubsetSize();
        }
    } catch (const std::exception& e) {
        valSummary.folder = valDir;
        valSummary.note = messageOf(e);
        fail(QString(), e);
    }
    Q_EMIT dataLoaded(calibSummary, valSummary);
    QStringList ready;
    if (calibSummary.decoded > 0)
        ready << QString("%1 calibration images decoded").arg(calibSummary.decoded);
    else if (calibSummary.images > 0)
        ready << QString("%1 calibration images found").arg(calibSummary.images);
    if (valSummary.decoded > 0)
        ready << QString("%1 validation images for the subset").arg(valSummary.decoded);
    Q_EMIT status(ready.isEmpty() ? QString("No data loaded")
                                  : QString("Data ready: %1").arg(ready.join(", ")));
    setState(WorkerState::Idle);
}

// ---------------------------------------------------------------------------------------------
// Quantization

void SearchWorker::quantize(const QuantConfig& config) {
    if (d->session.searchActive()) {
        Q_EMIT error("Not quantized: a search is paused; cancel it first");
        return;
    }
    setState(WorkerState::Quantizing);
    d->resetControl();
    try {
        Q_EMIT status(
            QString("Calibrating %1 on %2 images").arg(config.label()).arg(config.calibImages));
        const QuantizeSummary s = d->session.quantize(
            config, [this](int done, int total, double eta) { Q_EMIT progress(done, total, eta); });
        Q_EMIT quantized(s);
        emitScaleChanges();
        emitProvenance();
        Q_EMIT status(QString("%1 baseline ready (%2 s)").arg(s.label).arg(s.seconds, 0, 'f', 2));
    } catch (const std::exception& e) {
        fail("Quantization failed", e);
    }
    setState(WorkerState::Idle);
}

// ---------------------------------------------------------------------------------------------
// Search

void SearchWorker::startSearch(const SearchSettings& settings) {
    Session& s = d->session;
    if (s.searchActive()) {
        Q_EMIT error("A search is paused: resume or cancel it before starting another");
        return;
    }
    if (!s.quantized()) {
        Q_EMIT error("Nothing to search: quantize the model first");
        return;
    }
    d->resetControl();
    setState(WorkerState::Searching);
    try {
        SearchCallbacks cb;
        cb.start = [this](const RunStartEvent& e) {
            d->sinceFlush.start();
            Q_EMIT searchStarted(e);
            Q_EMIT progress(0, e.evaluationsTotal, -1);
        };
        cb.fitness = [this](const FitnessEvent& e) {
            d->pendingFitness.append(e);
            if (d->sinceFlush.elapsed() >= BatchIntervalMs) flushFitness();
        };
        cb.blockVisit = [this](const BlockVisitEvent& e) {
            flushFitness();
            Q_EMIT blockVisited(e);
            Q_EMIT progress(e.evaluationsDone, e.evaluationsTotal, e.eta);
            emitScaleChanges();
        };
        LiveLandscapeCallbacks live;
        live.sliceStart = [this](const LandscapeStart& e) {
            flushFitness();  // the previous slice's points before the new slice
            Q_EMIT liveSliceStarted(e);
        };
        live.point = [this](const LandscapePoint& p) {
            d->pendingPoints.append(p);
            if (d->sinceFlush.elapsed() >= BatchIntervalMs) flushFitness();
        };
        live.candidate = [this](const CandidateEvent& e) { d->pendingCandidates.append(e); };
        live.sliceEnd = [this](const LandscapeSummary& e) {
            flushFitness();
            Q_EMIT liveSliceFinished(e);
        };
        d->pendingFitness.clear();
        d->pendingPoints.clear();
        d->pendingCandidates.clear();
        Q_EMIT status("Measuring FP32 and baseline top-1 on the validation subset");
        s.startSearch(settings, cb, live);
        auto count = [](int n, const char* one, const char* many) {
            return QString("%1 %2").arg(n).arg(n == 1 ? one : many);
        };
        Q_EMIT status(QString("Searching: %1 x %2 x %3")
                          .arg(count(settings.passes, "pass", "passes"),
                               count(s.modelInfo().depth, "block", "blocks"),
                               count(settings.cycles, "cycle", "cycles")));
    } catch (const std::exception& e) {
        fail("Search not started", e);
        setState(WorkerState::Idle);
        return;
    }
    runSearchLoop();
}

void SearchWorker::resume() {
    if (!d->session.searchActive() || d->state != WorkerState::Paused) return;
    d->control().pause.store(false);
    setState(WorkerState::Searching);
    Q_EMIT status("Search resumed");
    runSearchLoop();
}

void SearchWorker::cancelPausedSearch() {
    if (!d->session.searchActive() || d->state != WorkerState::Paused) return;
    runSearchLoop();  // the search sees the cancel flag at once and ends the run as cancelled
}

void SearchWorker::flushFitness() {
    if (!d->pendingFitness.isEmpty()) {
        const FitnessEvent last = d->pendingFitness.last();
        Q_EMIT fitnessEvents(d->pendingFitness);
        d->pendingFitness.clear();
        if (const SearchStrategy* search = d->session.search()) {
            const int total = search->evaluationsTotal();
            Q_EMIT progress(last.evaluation, total,
                            etaSeconds(last.elapsed, last.evaluation, total));
        }
    }
    if (!d->pendingCandidates.isEmpty()) {
        Q_EMIT candidates(d->pendingCandidates);
        d->pendingCandidates.clear();
    }
    if (!d->pendingPoints.isEmpty()) {
        Q_EMIT liveSlicePoints(d->pendingPoints);
        d->pendingPoints.clear();
    }
    d->sinceFlush.restart();
}

void SearchWorker::runSearchLoop() {
    Session& s = d->session;
    SearchStatus st = SearchStatus::Cancelled;
    try {
        st = s.runSearch();
    } catch (const std::exception& e) {
        flushFitness();
        fail("Search failed", e);
        RunEndEvent end;
        end.cancelled = true;
        Q_EMIT searchFinished(end);
        emitScaleChanges();
        setState(WorkerState::Idle);
        return;
    }
    flushFitness();
    if (st == SearchStatus::Paused) {
        setState(WorkerState::Paused);
        Q_EMIT status(QString("Paused after %1 of %2 evaluations")
                          .arg(s.search()->evaluationsDone())
                          .arg(s.search()->evaluationsTotal()));
        return;
    }
    if (st == SearchStatus::Cancelled) {
        RunEndEvent end;
        end.cancelled = true;
        Q_EMIT searchFinished(end);
        emitScaleChanges();
        Q_EMIT quantizersChanged(s.quantizerSummaries());
        Q_EMIT status("Search cancelled; the scales are those from before the run");
        setState(WorkerState::Idle);
        return;
    }

    // Finished: the final evaluation on the whole validation folder, then the scale file.
    setState(WorkerState::Evaluating);
    Q_EMIT status("Measuring top-1 on the whole validation folder (FP32, baseline, result)");
    d->resetControl();
    RunEndEvent end;
    try {
        end = s.finishSearch(
            [this](int done, int total, double eta) { Q_EMIT progress(done, total, eta); });
        if (!s.finalValidationNote().isEmpty()) Q_EMIT status(s.finalValidationNote());
        if (!s.searchSettings().outputPath.isEmpty())
            Q_EMIT exported(s.searchSettings().outputPath, ExportFormat::Native);
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    Q_EMIT searchFinished(end);
    Q_EMIT quantizersChanged(s.quantizerSummaries());
    emitScaleChanges();
    emitProvenance();
    Q_EMIT status(QString("Search finished: fitness %1 in %2 s")
                      .arg(end.bestFitness, 0, 'g', 6)
                      .arg(end.seconds, 0, 'f', 1));
    setState(WorkerState::Idle);
}

void SearchWorker::emitScaleChanges() {
    const QVector<QVector<double>> rows = d->session.scaleChanges();
    if (!rows.isEmpty()) Q_EMIT scaleChanges(rows);
}

// ---------------------------------------------------------------------------------------------
// Landscape

void SearchWorker::flushPoints() {
    if (!d->pendingPoints.isEmpty()) {
        Q_EMIT landscapePoints(d->pendingPoints);
        d->pendingPoints.clear();
    }
    d->sinceFlush.restart();
}

void SearchWorker::runLandscape(const LandscapeSettings& settings) {
    if (d->session.searchActive()) {
        Q_EMIT error("No landscape while a search is paused: resume or cancel it first");
        return;
    }
    if (!d->session.quantized()) {
        Q_EMIT error("No landscape yet: quantize the model first");
        return;
    }
    d->resetControl();
    setState(WorkerState::Landscape);
    int done = 0, total = 0;
    QElapsedTimer t;
    try {
        const LandscapeResult r = d->session.landscape(
            settings,
            [&](const LandscapeStart& start) {
                total = start.dims == 2 ? start.points * start.points : start.points;
                Q_EMIT landscapeStarted(start);
                Q_EMIT status(
                    QString("Landscape of block %1: %2 points").arg(start.block).arg(total));
                t.start();
                d->sinceFlush.start();
                d->pendingPoints.clear();
            },
            [&](const LandscapePoint& p) {
                d->pendingPoints.append(p);
                ++done;
                if (d->sinceFlush.elapsed() >= BatchIntervalMs) {
                    flushPoints();
                    Q_EMIT progress(done, total, etaSeconds(t.elapsed() / 1000.0, done, total));
                }
            });
        flushPoints();
        Q_EMIT progress(done, total, 0);
        LandscapeSummary s;
        s.start = r.start;
        s.jaggedness = QVector<Jaggedness>(r.jaggedness.begin(), r.jaggedness.end());
        s.seconds = r.seconds;
        s.cancelled = r.cancelled;
        Q_EMIT landscapeFinished(s);
        Q_EMIT status(r.cancelled ? QString("Landscape cancelled")
                                  : QString("Landscape done in %1 s").arg(r.seconds, 0, 'f', 1));
    } catch (const std::exception& e) {
        flushPoints();
        fail("Landscape failed", e);
        LandscapeSummary s;
        s.cancelled = true;
        Q_EMIT landscapeFinished(s);
    }
    setState(WorkerState::Idle);
}

// ---------------------------------------------------------------------------------------------
// Inspection

void SearchWorker::runSensitivity(const SensitivitySettings& settings) {
    if (d->session.searchActive()) {
        Q_EMIT error("No layer sensitivity while a search is paused: resume or cancel it first");
        return;
    }
    if (!d->session.quantized()) {
        Q_EMIT error("No layer sensitivity yet: quantize the model first");
        return;
    }
    d->resetControl();
    setState(WorkerState::Evaluating);
    Q_EMIT status("Layer sensitivity: each quantizer alone");
    try {
        const SensitivityResult r = d->session.sensitivity(
            settings,
            [this](int done, int total, double eta) { Q_EMIT progress(done, total, eta); });
        Q_EMIT sensitivityReady(r);
        Q_EMIT status(r.cancelled ? QString("Layer sensitivity cancelled")
                                  : QString("Layer sensitivity of %1 quantizers in %2 s")
                                        .arg(r.rows.size())
                                        .arg(r.seconds, 0, 'f', 1));
    } catch (const std::exception& e) {
        fail("Layer sensitivity failed", e);
    }
    setState(WorkerState::Idle);
}

void SearchWorker::tryScales(const LandscapeSettings& settings, double a, double b, int liveVisit) {
    if (d->state != WorkerState::Idle) {
        Q_EMIT error("Scales not tried: wait until the current job ends");
        Q_EMIT tryFailed();
        return;
    }
    d->resetControl();
    try {
        const TryResult r = d->session.tryScales(settings, a, b, 12, liveVisit);
        Q_EMIT scalesTried(r);
        Q_EMIT quantizersChanged(d->session.quantizerSummaries());
        emitScaleChanges();
        emitProvenance();
    } catch (const std::exception& e) {
        fail("Scales not tried", e);
        Q_EMIT tryFailed();
    }
}

void SearchWorker::undoTry() {
    try {
        d->session.undoTry();
        Q_EMIT tryUndone();
        Q_EMIT quantizersChanged(d->session.quantizerSummaries());
        emitScaleChanges();
        emitProvenance();
        Q_EMIT status("Back to the scales from before the first try");
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
}

// ---------------------------------------------------------------------------------------------
// Files

void SearchWorker::emitProvenance() {
    Q_EMIT provenanceChanged(d->session.provenance(false));
}

void SearchWorker::exportScales(const QString& path, ExportFormat format,
                                const ScaleSelection& selection) {
    if (!d->session.quantized()) {
        Q_EMIT error(QString("%1: not written: quantize the model first").arg(path));
        return;
    }
    const WorkerState previous = d->state;
    setState(WorkerState::Exporting);
    try {
        d->session.exportScales(path, format, selection);
        Q_EMIT exported(path, format);
        Q_EMIT status(QString("Wrote %1").arg(path));
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    setState(previous);
}

void SearchWorker::importScales(const QString& path, bool compare) {
    Session& s = d->session;
    if (s.searchActive()) {
        Q_EMIT error(QString("%1: not imported: a search is paused; cancel it first").arg(path));
        return;
    }
    if (!s.hasModel()) {
        Q_EMIT error(QString("%1: not imported: open the model it was made for first").arg(path));
        return;
    }
    setState(WorkerState::Loading);
    d->resetControl();
    try {
        if (compare) {
            Q_EMIT comparisonReady(s.compareScales(path));
            Q_EMIT status(QString("Compared with %1").arg(path));
        } else {
            Q_EMIT quantized(s.importScales(path));
            emitScaleChanges();
            emitProvenance();
            Q_EMIT imported(path);
            Q_EMIT status(QString("Loaded scales from %1").arg(path));
        }
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    setState(WorkerState::Idle);
}

}  // namespace evolq
