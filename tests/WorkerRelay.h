#pragma once

#include <QColor>
#include <QDir>
#include <QImage>
#include <QObject>
#include <QRandomGenerator>

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
        connect(w, &SearchWorker::landscapeStarted, this, &WorkerRelay::landscapeStarted);
        connect(w, &SearchWorker::landscapePoints, this, &WorkerRelay::landscapePoints);
        connect(w, &SearchWorker::landscapeFinished, this, &WorkerRelay::landscapeFinished);
        connect(w, &SearchWorker::progress, this, &WorkerRelay::progress);
        connect(w, &SearchWorker::error, this, &WorkerRelay::error);
        connect(w, &SearchWorker::exported, this, &WorkerRelay::exported);
        connect(w, &SearchWorker::imported, this, &WorkerRelay::imported);
        connect(w, &SearchWorker::comparisonReady, this, &WorkerRelay::comparisonReady);
        connect(w, &SearchWorker::provenanceChanged, this, &WorkerRelay::provenanceChanged);
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
    void landscapeStarted(const evolq::LandscapeStart& start);
    void landscapePoints(const QVector<evolq::LandscapePoint>& points);
    void landscapeFinished(const evolq::LandscapeSummary& summary);
    void progress(int done, int total, double etaSeconds);
    void error(const QString& message);
    void exported(const QString& path, evolq::ExportFormat format);
    void imported(const QString& path);
    void comparisonReady(const evolq::ScaleComparison& comparison);
    void provenanceChanged(const QJsonObject& provenance);
};

// An ImageFolder of random RGB PNGs written with QImage: `classes` sub-folders of `perClass`
// images each, plus one file that is not an image at all.
inline void writeImageFolder(const QString& dir, int classes, int perClass, int size = 32,
                             quint32 seed = 3) {
    QRandomGenerator rng(seed);
    for (int c = 0; c < classes; ++c) {
        const QString sub = QString("%1/class_%2").arg(dir).arg(c);
        QDir().mkpath(sub);
        for (int i = 0; i < perClass; ++i) {
            QImage img(size, size, QImage::Format_RGB32);
            for (int y = 0; y < size; ++y)
                for (int x = 0; x < size; ++x)
                    img.setPixel(x, y,
                                 qRgb(rng.bounded(256), (c * 120 + rng.bounded(64)) % 256,
                                      rng.bounded(256)));
            img.save(QString("%1/img_%2.png").arg(sub).arg(i, 3, 10, QChar('0')));
        }
    }
    QFile broken(QString("%1/class_0/broken.png").arg(dir));
    broken.open(QIODevice::WriteOnly);
    broken.write("this is not a PNG file");
}

}  // namespace evolq::test
