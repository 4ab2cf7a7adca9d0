#pragma once

#include <QObject>

#include "TestImages.h"
#include "worker/SearchWorker.h"

namespace evolq::test {

// Re-emits a SearchWorker's signals on the thread the relay lives on. QSignalSpy records through a
// direct connection, which would append from the worker's thread; spying on the relay keeps every
// recording on the test's thread.
class WorkerRelay : public QObject {
    Q_OBJECT
public:
    explicit WorkerRelay(SearchWorker* w, QObject* parent = nullptr) : QObject(parent) {
        connect(w, &SearchWorker::stateChanged, this, &WorkerRelay::stateChanged);
        connect(w, &SearchWorker::modelLoaded, this, &WorkerRelay::modelLoaded);
        connect(w, &SearchWorker::dataLoaded, this, &WorkerRelay::dataLoaded);
        connect(w, &SearchWorker::quantized, this, &WorkerRelay::quantized);
        connect(w, &SearchWorker::quantizersChanged, this, &WorkerRelay::quantizersChanged);
        connect(w, &SearchWorker::searchStarted, this, &WorkerRelay::searchStarted);
        connect(w, &SearchWorker::fitnessEvents, this, &WorkerRelay::fitnessEvents);
        connect(w, &SearchWorker::blockVisited, this, &WorkerRelay::blockVisited);
        connect(w, &SearchWorker::scaleChanges, this, &WorkerRelay::scaleChanges);
        connect(w, &SearchWorker::searchFinished, this, &WorkerRelay::searchFinished);
        connect(w, &SearchWorker::liveSliceStarted, this, &WorkerRelay::liveSliceStarted);
        connect(w, &SearchWorker::liveSlicePoints, this, &WorkerRelay::liveSlicePoints);
        connect(w, &SearchWorker::candidates, this, &WorkerRelay::candidates);
        connect(w, &SearchWorker::liveSliceFinished, this, &WorkerRelay::liveSliceFinished);
        connect(w, &SearchWorker::landscapeStarted, this, &WorkerRelay::landscapeStarted);
        connect(w, &SearchWorker::landscapePoints, this, &WorkerRelay::landscapePoints);
        connect(w, &SearchWorker::landscapeFinished, this, &WorkerRelay::landscapeFinished);
        connect(w, &SearchWorker::progress, this, &WorkerRelay::progress);
        connect(w, &SearchWorker::error, this, &WorkerRelay::error);
        connect(w, &SearchWorker::exported, this, &WorkerRelay::exported);
        connect(w, &SearchWorker::imported, this, &WorkerRelay::imported);
        connect(w, &SearchWorker::comparisonReady, this, &WorkerRelay::comparisonReady);
        connect(w, &SearchWorker::provenanceChanged, this, &WorkerRelay::provenanceChanged);
        connect(w, &SearchWorker::sensitivityReady, this, &WorkerRelay::sensitivityReady);
        connect(w, &SearchWorker::scalesTried, this, &WorkerRelay::scalesTried);
        connect(w, &SearchWorker::tryUndone, this, &WorkerRelay::tryUndone);
    }

Q_SIGNALS:
    void stateChanged(evolq::WorkerState state);
    void modelLoaded(const evolq::ModelSummary& model);
    void dataLoaded(const evolq::DataSummary& calib, const evolq::DataSummary& val);
    void quantized(const evolq::QuantizeSummary& summary);
    void quantizersChanged(const QVector<evolq::QuantizerSummary>& quantizers);
    void searchStarted(const evolq::RunStartEvent& run);
    void fitnessEvents(const QVector<evolq::FitnessEvent>& batch);
    void blockVisited(const evolq::BlockVisitEvent& visit);
    void scaleChanges(const QVector<QVector<double>>& perBlock);
    void searchFinished(const evolq::RunEndEvent& end);
    void liveSliceStarted(const evolq::LandscapeStart& slice);
    void liveSlicePoints(const QVector<evolq::LandscapePoint>& points);
    void candidates(const QVector<evolq::CandidateEvent>& batch);
    void liveSliceFinished(const evolq::LandscapeSummary& summary);
    void landscapeStarted(const evolq::LandscapeStart& start);
    void landscapePoints(const QVector<evolq::LandscapePoint>& points);
    void landscapeFinished(const evolq::LandscapeSummary& summary);
    void progress(int done, int total, double etaSeconds);
    void error(const QString& message);
    void exported(const QString& path, evolq::ExportFormat format);
    void imported(const QString& path);
    void comparisonReady(const evolq::ScaleComparison& comparison);
    void provenanceChanged(const QJsonObject& provenance);
    void sensitivityReady(const evolq::SensitivityResult& result);
    void scalesTried(const evolq::TryResult& result);
    void tryUndone();
};

}  // namespace evolq::test
