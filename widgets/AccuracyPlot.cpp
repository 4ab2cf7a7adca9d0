#include "AccuracyPlot.h"

#include <QTextStream>
#include <cmath>

#include "QcpInclude.h"
#include "common/Csv.h"

namespace evolq {

AccuracyPlot::AccuracyPlot(QWidget* parent) : PlotPanel(parent) {
    QCustomPlot* p = plot();
    p->xAxis->setLabel(tr("block visit"));
    setIntegerTicks(p->xAxis);
    p->yAxis->setLabel(tr("validation top-1 (%)"));

    m_accuracy = p->addGraph();
    m_accuracy->setName(tr("after block visit"));
    m_accuracy->setPen(QPen(seriesColor(0), 1));
    m_accuracy->setAntialiased(false);
    m_accuracy->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, seriesColor(0), Qt::white, 5));

    // Plain items, not graphs: a reference spans whatever x range is shown.
    const auto makeReference = [p](Reference& ref, const QColor& color, Qt::PenStyle style) {
        ref.line = new QCPItemStraightLine(p);
        ref.line->setPen(QPen(color, 1, style));
        ref.label = new QCPItemText(p);
        ref.label->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        ref.label->position->setTypeY(QCPItemPosition::ptPlotCoords);
        ref.label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        ref.label->setColor(color);
        ref.line->setVisible(false);
        ref.label->setVisible(false);
    };
    makeReference(m_fp32, Qt::darkGray, Qt::SolidLine);
    makeReference(m_baseline, seriesColor(2), Qt::DashLine);
    makeReference(m_final, seriesColor(4), Qt::DashDotLine);
    // The final figure is often within a few tenths of the baseline: its label goes to the right
    // end, so that the two labels never print over each other.
    m_final.label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_final.labelX = 0.99;
}

int AccuracyPlot::accuracyPointCount() const {
    return m_accuracy->dataCount();
}

QCPGraph* AccuracyPlot::accuracyGraph() const {
    return m_accuracy;
}

double AccuracyPlot::fp32Top1() const {
    return m_fp32.top1;
}

double AccuracyPlot::baselineTop1() const {
    return m_baseline.top1;
}

double AccuracyPlot::finalTop1() const {
    return m_final.top1;
}

QString AccuracyPlot::defaultFileBaseName() const {
    return QStringLiteral("accuracy");
}

void AccuracyPlot::setReference(Reference& ref, double top1, const QString& name) {
    ref.top1 = top1;
    const bool shown = std::isfinite(top1);
    ref.line->setVisible(shown);
    ref.label->setVisible(shown);
    if (!shown) return;
    ref.line->point1->setCoords(0, top1);
    ref.line->point2->setCoords(1, top1);
    ref.label->position->setCoords(ref.labelX, top1);
    ref.label->setText(QStringLiteral("%1 %2%").arg(name).arg(top1, 0, 'f', 2));
}

void AccuracyPlot::start(const RunStartEvent& run) {
    m_run = run;
    m_visits.clear();
    m_visitIndex.clear();
    m_visitCount = 0;
    m_cancelled = false;
    m_accuracy->data()->clear();
    setReference(m_fp32, run.fp32Top1, tr("FP32"));
    setReference(m_baseline, run.baselineTop1, tr("baseline PTQ"));
    setReference(m_final, std::numeric_limits<double>::quiet_NaN(), QString());
    requestReplot();
}

void AccuracyPlot::addVisit(const BlockVisitEvent& visit) {
    ++m_visitCount;
    if (!std::isfinite(visit.accuracy)) return;
    m_visits.append(visit);
    m_visitIndex.append(m_visitCount);
    m_accuracy->addData(m_visitCount, visit.accuracy);
    requestReplot();
}

void AccuracyPlot::setFinal(const RunEndEvent& end) {
    m_cancelled = end.cancelled;
    // The final figure is over the whole validation folder, the other lines over the subset
    // measured after each visit: the label says so.
    setReference(m_final, end.finalTop1,
                 end.cancelled ? tr("final (cancelled)") : tr("final, whole folder"));
    requestReplot();
}

int AccuracyPlot::overlayCount() const {
    return m_overlays.size();
}

QCPGraph* AccuracyPlot::overlayGraph(int i) const {
    return m_overlays.value(i, nullptr);
}

void AccuracyPlot::setReferences(double fp32Top1, double baselineTop1) {
    setReference(m_fp32, fp32Top1, tr("FP32"));
    setReference(m_baseline, baselineTop1, tr("baseline PTQ"));
    requestReplot();
}

void AccuracyPlot::setOverlays(const QVector<RunRecord>& runs, const QStringList& labels) {
    QCustomPlot* p = plot();
    for (QCPGraph* g : m_overlays) p->removeGraph(g);
    m_overlays.clear();
    m_overlayRuns = runs;
    for (int i = 0; i < runs.size(); ++i) {
        QCPGraph* g = p->addGraph();
        g->setName(labels.value(i, tr("run %1").arg(i + 1)));
        const QColor c = seriesColor(8 + i);
        g->setPen(QPen(c, 2, Qt::DashLine));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, c, Qt::white, 5));
        g->setData(runs[i].visits, runs[i].visitTop1, /*alreadySorted=*/true);
        m_overlays.append(g);
    }
    p->legend->setVisible(!runs.isEmpty());
    setFollowingData(true);
    requestReplot();
}

void AccuracyPlot::fitRanges() {
    QCustomPlot* p = plot();
    int planned = m_run.blocks * m_run.passes;
    for (const RunRecord& r : m_overlayRuns)
        if (!r.visits.isEmpty()) planned = qMax(planned, int(r.visits.last()));
    p->xAxis->setRange(0, qMax(1, qMax(planned, m_visitCount)) + 0.5);
    double lo = 100, hi = 0;
    const auto include = [&](double v) {
        if (!std::isfinite(v)) return;
        lo = qMin(lo, v);
        hi = qMax(hi, v);
    };
    include(m_fp32.top1);
    include(m_baseline.top1);
    include(m_final.top1);
    for (const BlockVisitEvent& v : m_visits) include(v.accuracy);
    for (const RunRecord& r : m_overlayRuns)
        for (double v : r.visitTop1) include(v);
    if (lo > hi) {
        p->yAxis->setRange(0, 100);
        return;
    }
    const double pad = qMax(0.5, 0.1 * (hi - lo));
    p->yAxis->setRange(qMax(0.0, lo - pad), qMin(100.0, hi + pad));
}

bool AccuracyPlot::hasData() const {
    return std::isfinite(m_fp32.top1) || std::isfinite(m_baseline.top1) || !m_visits.isEmpty() ||
           std::isfinite(m_final.top1) || !m_overlays.isEmpty();
}

void AccuracyPlot::writeCsv(QTextStream& out) const {
    out << "series,visit,pass,block,top1_percent\n";
    const auto reference = [&out](const char* name, double top1) {
        if (std::isfinite(top1)) out << name << ",,,," << csvNumber(top1) << '\n';
    };
    reference("fp32", m_fp32.top1);
    reference("baseline", m_baseline.top1);
    for (int i = 0; i < m_visits.size(); ++i) {
        const BlockVisitEvent& v = m_visits[i];
        out << "visit," << m_visitIndex[i] << ',' << v.pass << ',' << v.block << ','
            << csvNumber(v.accuracy) << '\n';
    }
    reference(m_cancelled ? "final_cancelled" : "final", m_final.top1);
}

}  // namespace evolq
