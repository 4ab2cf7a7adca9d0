#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QVector>

namespace evolq {

// Measures how responsive the thread it lives on is: a precise timer fires every few
// milliseconds, and each gap between two firings is recorded. Gaps much longer than the interval
// are time the event loop spent elsewhere (a replot, a slow slot), which the user feels as lag.
class ResponsivenessProbe : public QObject {
    Q_OBJECT
public:
    static constexpr int DefaultIntervalMs = 5;

    explicit ResponsivenessProbe(QObject* parent = nullptr);

    void setInterval(int ms);
    bool isRunning() const;
    // Gaps in milliseconds, in order.
    const QVector<double>& gaps() const;
    // Percentile (0..100) of the gaps, nearest rank; 0 without samples.
    double percentile(double p) const;
    double maxGap() const;
    // {interval_ms, samples, seconds, p50_ms, p99_ms, max_ms, over_16ms, label}
    QJsonObject report() const;
    // Writes the report as JSON, atomically; false (with *error naming the file) on failure.
    bool writeReport(const QString& path, QString* error = nullptr) const;
    void setLabel(const QString& label);
    // What the measured run was (program, model, settings); written into the report as
    // "provenance" when not empty.
    void setProvenance(const QJsonObject& provenance);

public Q_SLOTS:
    void start();
    void stop();

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    QVector<double> m_gaps;
    QString m_label;
    QJsonObject m_provenance;
};

}  // namespace evolq
