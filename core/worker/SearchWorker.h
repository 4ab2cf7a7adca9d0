#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QVector>
#include <memory>

#include "types/Events.h"
#include "types/QuantConfig.h"
#include "types/Sensitivity.h"
#include "types/Settings.h"
#include "types/Summaries.h"
#include "types/TryScales.h"

namespace evolq {

// The workbench's adapter over the Session (session/Session.h), meant to live on its own QThread
// (the owner keeps the thread, connects QThread::finished to deleteLater, and quits + waits in its
// destructor). Its slots run the session's jobs: load, quantize, search, landscape, export, import;
// it adds the state machine, the signals (plain data from types/: queued to the GUI thread) and
// the batching of events.
//
// Fitness events, the live landscape's points and candidates are batched: one signal of each per
// ~30 ms or per block visit, so that the GUI thread handles a few dozen signals a second whatever
// the evaluation rate. Errors never escape:
// each slot catches evolq::Error and std::exception and emits error() with the message, which
// names the file concerned.
class SearchWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int BatchIntervalMs = 30;

    explicit SearchWorker(QObject* parent = nullptr);
    ~SearchWorker() override;

    // Registers every type the signals carry; call once before connecting across threads.
    static void registerMetaTypes();

    // Thread-safe, for the GUI thread to call directly (not through the event queue): they set
    // std::atomic flags that the running job polls between two fitness evaluations (or images,
    // or landscape points), so that Pause and Cancel act at once.
    // pause(): the search stops after the current evaluation; resume() continues it exactly.
    void pause();
    // cancel(): any running job stops; a cancelled search restores the scales it started from
    // and writes nothing. Also cancels a paused search.
    void cancel();
    // shutDown(): cancel() for good, before the thread is quit and joined: the running job and
    // every job still queued behind it start cancelled and end at once (a search queued by a
    // click just before closing would otherwise clear the flag and run on).
    void shutDown();
    bool cancelRequested() const;

public Q_SLOTS:
    // Loads a timm/Hugging Face model folder; drops everything computed for the previous model.
    void loadModel(const QString& folder);
    // Scans the folders (either may be empty) and, once a model is loaded, decodes `calibSize`
    // calibration images and `valSubset` validation images (0 = no subset).
    void loadData(const QString& calibDir, const QString& valDir, int calibSize, int valSubset);
    // The FQ-ViT baseline on the calibration set; measures FP32 and baseline top-1 on the subset.
    void quantize(const evolq::QuantConfig& config);
    // Evol-Q on the quantized model. Finishes with searchFinished(); a paused search waits for
    // resume() or cancel().
    void startSearch(const evolq::SearchSettings& settings);
    void resume();
    // A loss landscape around the current scales (not while a search is running or paused).
    void runLandscape(const evolq::LandscapeSettings& settings);
    // While a search is paused, exports hold the scales of the last completed block visit.
    void exportScales(const QString& path, evolq::ExportFormat format,
                      const evolq::ScaleSelection& selection);
    // Each quantizer alone (everything else in float): loss increase and SQNR.
    void runSensitivity(const evolq::SensitivitySettings& settings);
    // Try these scales: the model takes the scales at (a, b) of the landscape run with these
    // settings (or, with liveVisit >= 0, on that visit's live slice of the last finished search);
    // undoTry() goes back. Quick jobs, queued like the others but without a state change, so
    // that a scrubber does not flicker the window's actions.
    void tryScales(const evolq::LandscapeSettings& settings, double a, double b,
                   int liveVisit = -1);
    void undoTry();
    // Native scale files: load (replace the current scales) or compare (set beside them).
    void importScales(const QString& path, bool compare);

Q_SIGNALS:
    void stateChanged(evolq::WorkerState state);
    void modelLoaded(const evolq::ModelSummary& model);
    void dataLoaded(const evolq::DataSummary& calib, const evolq::DataSummary& val);
    void quantized(const evolq::QuantizeSummary& summary);
    // Scale statistics after anything changed them (search end, import).
    void quantizersChanged(const QVector<evolq::QuantizerSummary>& quantizers);
    void searchStarted(const evolq::RunStartEvent& run);
    void fitnessEvents(const QVector<evolq::FitnessEvent>& batch);
    void blockVisited(const evolq::BlockVisitEvent& visit);
    // Per block, current / baseline - 1 of every genome scale.
    void scaleChanges(const QVector<QVector<double>>& perBlock);
    // The finished state: emitted once per run, cancelled or not (not on pause).
    void searchFinished(const evolq::RunEndEvent& end);
    // The live landscape during a search (batched with the fitness events): a visit's slice
    // begins, its points and the search's candidates on it arrive, the visit ends with its
    // jaggedness. Ordered: a slice's start comes before its points, its end after them.
    void liveSliceStarted(const evolq::LandscapeStart& slice);
    void liveSlicePoints(const QVector<evolq::LandscapePoint>& points);
    void candidates(const QVector<evolq::CandidateEvent>& batch);
    void liveSliceFinished(const evolq::LandscapeSummary& summary);
    void landscapeStarted(const evolq::LandscapeStart& start);
    void landscapePoints(const QVector<evolq::LandscapePoint>& points);
    void landscapeFinished(const evolq::LandscapeSummary& summary);
    // Evaluations (search), images (loading, calibration, evaluation) or points (landscape).
    // etaSeconds < 0 when unknown.
    void progress(int done, int total, double etaSeconds);
    void status(const QString& text);
    void error(const QString& message);
    void exported(const QString& path, evolq::ExportFormat format);
    void imported(const QString& path);
    void comparisonReady(const evolq::ScaleComparison& comparison);
    void sensitivityReady(const evolq::SensitivityResult& result);
    void scalesTried(const evolq::TryResult& result);
    void tryFailed();
    void tryUndone();
    // What an export would record: model identity, bit configuration, seed, settings, version.
    void provenanceChanged(const QJsonObject& provenance);

private:
    struct Private;
    void setState(WorkerState s);
    void runSearchLoop();
    void cancelPausedSearch();
    void flushFitness();
    void flushPoints();
    void fail(const QString& what, const std::exception& e);
    void emitScaleChanges();
    void emitProvenance();
    std::unique_ptr<Private> d;
};

}  // namespace evolq
