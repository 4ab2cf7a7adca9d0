#include "FitnessPlot.h"

#include <QTextStream>
#include <cmath>

#include "QcpInclude.h"
#include "types/SearchLog.h"

namespace evolq {

FitnessPlot::FitnessPlot(QWidget* parent) : PlotPanel(parent) {
    QCustomPlot* p = plot();
    p->xAxis->setLabel(tr("evaluation"));
    setIntegerTicks(p->xAxis);
    p->yAxis->setLabel(tr("fitness"));
    p->setAutoAddPlottableToLegend(false);
    p->addLayer("highlight", p->layer("main"), QCustomPlot::limAbove);

    // The legend goes beside the axis rect: twelve entries inside it would hide the curves.
    auto* side = new QCPLayoutGrid;
    p->plotLayout()->addElement(0, 1, side);
    p->axisRect()->insetLayout()->take(p->legend);
    side->addElement(0, 0, p->legend);
    side->addElement(1, 0, new QCPLayoutElement(p));
    side->setRowStretchFactor(0, 0.001);
    p->plotLayout()->setColumnStretchFactor(1, 0.001);
    p->legend->setVisible(true);
    p->legend->setSelectableParts(QCPLegend::spNone);

    connect(p, &QCustomPlot::legendClick, this,
            [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
                auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
                if (!entry) return;
                const int block = blockOf(qobject_cast<QCPGraph*>(entry->plottable()));
                setHighlightedBlock(block == m_highlighted ? -1 : block);
            });
    connect(p, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int, QMouseEvent*) {
                const int block = blockOf(qobject_cast<QCPGraph*>(plottable));
                if (block >= 0) setHighlightedBlock(block == m_highlighted ? -1 : block);
            });
}

int FitnessPlot::blockCount() const {
    return m_best.size();
}

int FitnessPlot::pointCount(int block) const {
    return block >= 0 && block < m_children.size() ? m_children[block]->dataCount() : 0;
}

int FitnessPlot::bestPointCount(int block) const {
    return block >= 0 && block < m_best.size() ? m_best[block]->dataCount() : 0;
}

int FitnessPlot::highlightedBlock() const {
    return m_highlighted;
}

QCPGraph* FitnessPlot::bestGraph(int block) const {
    return m_best.value(block, nullptr);
}

QCPGraph* FitnessPlot::childGraph(int block) const {
    return m_children.value(block, nullptr);
}

QCPGraph* FitnessPlot::overallGraph() const {
    return m_overall;
}

QString FitnessPlot::defaultFileBaseName() const {
    return QStringLiteral("fitness");
}

int FitnessPlot::blockOf(const QCPGraph* graph) const {
    if (!graph) return -1;
    const int best = m_best.indexOf(const_cast<QCPGraph*>(graph));
    return best >= 0 ? best : m_children.indexOf(const_cast<QCPGraph*>(graph));
}

void FitnessPlot::start(const RunStartEvent& run) {
    QCustomPlot* p = plot();
    p->clearGraphs();
    p->clearItems();
    p->legend->clearItems();
    m_best.clear();
    m_children.clear();
    m_overlays.clear();
    m_events.clear();
    m_run = run;
    m_highlighted = -1;
    m_maxKey = 0;

    p->yAxis->setLabel(run.loss.isEmpty() ? tr("fitness") : tr("fitness (%1)").arg(run.loss));
    for (int b = 0; b < run.blocks; ++b) {
        // Children first so that every block's best line is drawn above all the dots.
        QCPGraph* children = p->addGraph();
        children->setName(tr("block %1 children").arg(b));
        children->setLineStyle(QCPGraph::lsNone);
        children->setAntialiased(false);
        children->setAntialiasedScatters(false);
        m_children.append(children);
    }
    for (int b = 0; b < run.blocks; ++b) {
        QCPGraph* best = p->addGraph();
        best->setName(tr("block %1").arg(b));
        best->setLineStyle(QCPGraph::lsStepLeft);  // the best so far holds until it improves
        best->setAntialiased(false);
        best->addToLegend();
        m_best.append(best);
    }
    m_overall = p->addGraph();
    m_overall->setName(tr("overall best"));
    m_overall->setLineStyle(QCPGraph::lsStepLeft);
    m_overall->setAntialiased(false);
    m_overall->setPen(QPen(Qt::black, 1));
    m_overall->addToLegend();

    m_baseline = new QCPItemStraightLine(p);
    m_baseline->point1->setCoords(0, run.baselineFitness);
    m_baseline->point2->setCoords(1, run.baselineFitness);
    m_baseline->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    auto* label = new QCPItemText(p);
    label->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    label->position->setTypeY(QCPItemPosition::ptPlotCoords);
    label->position->setCoords(0.99, run.baselineFitness);
    label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    label->setText(tr("baseline PTQ"));
    label->setColor(Qt::gray);
    m_minValue = m_maxValue = run.baselineFitness;

    applyPens();
    applyOverlays();
    Q_EMIT highlightedBlockChanged(-1);
    requestReplot();
}

int FitnessPlot::overlayCount() const {
    return m_overlays.size();
}

QCPGraph* FitnessPlot::overlayGraph(int i) const {
    return m_overlays.value(i, nullptr);
}

void FitnessPlot::setOverlays(const QVector<RunRecord>& runs, const QStringList& labels) {
    m_overlayRuns = runs;
    m_overlayLabels = labels;
    applyOverlays();
    setFollowingData(true);
    requestReplot();
}

void FitnessPlot::applyOverlays() {
    QCustomPlot* p = plot();
    for (QCPGraph* g : m_overlays) p->removeGraph(g);
    m_overlays.clear();
    for (int i = 0; i < m_overlayRuns.size(); ++i) {
        const RunRecord& r = m_overlayRuns[i];
        QCPGraph* g = p->addGraph();
        g->setName(m_overlayLabels.value(i, tr("run %1").arg(i + 1)));
        g->setLineStyle(QCPGraph::lsStepLeft);
        g->setPen(QPen(seriesColor(8 + i), 2, Qt::DashLine));
        g->setData(r.evaluations, r.bestFitness, /*alreadySorted=*/true);
        g->addToLegend();
        m_overlays.append(g);
    }
}

void FitnessPlot::addFitness(const QVector<FitnessEvent>& events) {
    const int blocks = m_best.size();
    if (blocks == 0 || events.isEmpty()) return;
    QVector<QVector<double>> keys(blocks), children(blocks), best(blocks);
    QVector<double> overallKeys, overall;
    overallKeys.reserve(events.size());
    overall.reserve(events.size());
    for (const FitnessEvent& e : events) {
        if (e.block < 0 || e.block >= blocks) continue;
        const double key = e.evaluation;
        keys[e.block].append(key);
        children[e.block].append(e.childFitness);
        best[e.block].append(e.blockBest);
        overallKeys.append(key);
        overall.append(e.overallBest);
        m_events.append(e);
        m_maxKey = qMax(m_maxKey, key);
        for (double v : {e.childFitness, e.blockBest, e.overallBest}) {
            if (!std::isfinite(v)) continue;
            m_minValue = qMin(m_minValue, v);
            m_maxValue = qMax(m_maxValue, v);
        }
    }
    for (int b = 0; b < blocks; ++b) {
        if (keys[b].isEmpty()) continue;
        m_children[b]->addData(keys[b], children[b], /*alreadySorted=*/true);
        m_best[b]->addData(keys[b], best[b], /*alreadySorted=*/true);
    }
    m_overall->addData(overallKeys, overall, /*alreadySorted=*/true);
    requestReplot();
}

void FitnessPlot::setHighlightedBlock(int block) {
    if (block < -1 || block >= m_best.size()) block = -1;
    if (block == m_highlighted) return;
    m_highlighted = block;
    applyPens();
    Q_EMIT highlightedBlockChanged(block);
    requestReplot();
}

void FitnessPlot::applyPens() {
    for (int b = 0; b < m_best.size(); ++b) {
        QColor color = seriesColor(b);
        const bool highlighted = b == m_highlighted;
        const bool faded = m_highlighted >= 0 && !highlighted;
        if (faded) color.setAlpha(60);
        m_best[b]->setPen(QPen(color, highlighted ? 3 : 1));
        QColor dot = color;
        dot.setAlpha(faded ? 25 : 110);
        m_children[b]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, dot, dot, 3));
        m_children[b]->setPen(QPen(dot));
    }
    // The highlighted block is drawn above the others.
    for (int b = 0; b < m_best.size(); ++b) {
        QCPLayer* layer = plot()->layer(b == m_highlighted ? "highlight" : "main");
        m_children[b]->setLayer(layer);
        m_best[b]->setLayer(layer);
    }
}

void FitnessPlot::fitRanges() {
    QCustomPlot* p = plot();
    double right = m_run.evaluationsTotal >= m_maxKey ? m_run.evaluationsTotal : m_maxKey;
    double lo = m_minValue, hi = m_maxValue;
    bool any = !m_best.isEmpty();
    for (const RunRecord& r : m_overlayRuns) {
        if (!r.evaluations.isEmpty()) right = qMax(right, r.evaluations.last());
        for (double v : r.bestFitness) {
            if (!std::isfinite(v)) continue;
            lo = any ? qMin(lo, v) : v;
            hi = any ? qMax(hi, v) : v;
            any = true;
        }
    }
    p->xAxis->setRange(0, qMax(1.0, right));
    const double span = hi - lo;
    const double pad = span > 0 ? 0.05 * span : qMax(1e-6, 0.05 * std::abs(hi));
    p->yAxis->setRange(lo - pad, hi + pad);
}

// The search log's format, as `evolq search --log` writes it: one "fitness" row per evaluation.
void FitnessPlot::writeCsv(QTextStream& out) const {
    SearchLog::writeHeader(out);
    for (const FitnessEvent& e : m_events) out << SearchLog::row(e);
}

}  // namespace evolq
