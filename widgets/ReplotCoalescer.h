#pragma once

#include <QObject>
#include <QTimer>

class QCustomPlot;

namespace evolq {

// Turns any number of replot requests into at most one replot per interval: the worker's batches
// arrive far faster than a plot can be drawn.
class ReplotCoalescer : public QObject {
    Q_OBJECT
public:
    static constexpr int DefaultIntervalMs = 33;  // about 30 replots per second

    explicit ReplotCoalescer(QCustomPlot* plot, QObject* parent = nullptr);

    void setInterval(int ms);
    int interval() const;
    bool isPending() const;
    // Replots issued so far, for tests and diagnostics.
    int replotCount() const;

public Q_SLOTS:
    // Schedules a replot unless one is already scheduled; never postpones a scheduled one, so a
    // steady stream of requests still replots at the full rate.
    void request();
    // Replots now if a replot is pending.
    void flush();

Q_SIGNALS:
    // Emitted just before each coalesced replot so the owner can push buffered data and ranges.
    void aboutToReplot();

private:
    void replotNow();

    QCustomPlot* m_plot;
    QTimer m_timer;
    int m_count = 0;
};

}  // namespace evolq
