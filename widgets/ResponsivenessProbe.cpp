#include "ResponsivenessProbe.h"

#include <QJsonDocument>
#include <algorithm>
#include <cmath>

#include "common/AtomicFile.h"
#include "common/Error.h"

namespace evolq {

ResponsivenessProbe::ResponsivenessProbe(QObject* parent) : QObject(parent) {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(DefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &ResponsivenessProbe::tick);
}

void ResponsivenessProbe::setInterval(int ms) {
    m_timer.setInterval(ms);
}

void ResponsivenessProbe::setLabel(const QString& label) {
    m_label = label;
}

bool ResponsivenessProbe::isRunning() const {
    return m_timer.isActive();
}

const QVector<double>& ResponsivenessProbe::gaps() const {
    return m_gaps;
}

void ResponsivenessProbe::start() {
    m_gaps.clear();
    m_clock.start();
    m_last = m_clock.nsecsElapsed();
    m_timer.start();
}

void ResponsivenessProbe::stop() {
    m_timer.stop();
}

void ResponsivenessProbe::tick() {
    const qint64 now = m_clock.nsecsElapsed();
    m_gaps.append((now - m_last) / 1e6);
    m_last = now;
}

double ResponsivenessProbe::percentile(double p) const {
    if (m_gaps.isEmpty()) return 0;
    QVector<double> sorted = m_gaps;
    std::sort(sorted.begin(), sorted.end());
    const int rank = static_cast<int>(std::ceil(p / 100.0 * sorted.size()));
    return sorted[std::clamp(rank - 1, 0, static_cast<int>(sorted.size()) - 1)];
}

double ResponsivenessProbe::maxGap() const {
    return m_gaps.isEmpty() ? 0 : *std::max_element(m_gaps.begin(), m_gaps.end());
}

QJsonObject ResponsivenessProbe::report() const {
    double total = 0;
    int over = 0;
    for (double g : m_gaps) {
        total += g;
        over += g > 16 ? 1 : 0;
    }
    QJsonObject o{{"label", m_label},         {"interval_ms", m_timer.interval()},
                  {"samples", m_gaps.size()}, {"seconds", total / 1000.0},
                  {"p50_ms", percentile(50)}, {"p99_ms", percentile(99)},
                  {"max_ms", maxGap()},       {"over_16ms", over}};
    if (!m_provenance.isEmpty()) o.insert("provenance", m_provenance);
    return o;
}

void ResponsivenessProbe::setProvenance(const QJsonObject& provenance) {
    m_provenance = provenance;
}

bool ResponsivenessProbe::writeReport(const QString& path, QString* error) const {
    try {
        writeFileAtomically(path, QJsonDocument(report()).toJson(QJsonDocument::Indented));
        return true;
    } catch (const Error& e) {
        if (error) *error = e.message();  // names the file
        return false;
    }
}

}  // namespace evolq
