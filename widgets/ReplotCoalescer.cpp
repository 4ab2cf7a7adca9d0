#include "ReplotCoalescer.h"

#include "QcpInclude.h"

namespace evolq {

ReplotCoalescer::ReplotCoalescer(QCustomPlot* plot, QObject* parent)
    : QObject(parent), m_plot(plot) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(DefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &ReplotCoalescer::replotNow);
}

void ReplotCoalescer::setInterval(int ms) {
    m_timer.setInterval(ms);
}

int ReplotCoalescer::interval() const {
    return m_timer.interval();
}

bool ReplotCoalescer::isPending() const {
    return m_timer.isActive();
}

int ReplotCoalescer::replotCount() const {
    return m_count;
}

void ReplotCoalescer::request() {
    if (!m_timer.isActive()) m_timer.start();
}

void ReplotCoalescer::flush() {
    if (!m_timer.isActive()) return;
    m_timer.stop();
    replotNow();
}

void ReplotCoalescer::replotNow() {
    Q_EMIT aboutToReplot();
    ++m_count;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace evolq
