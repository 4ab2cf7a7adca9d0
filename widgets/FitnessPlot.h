#pragma once

#include <QVector>

#include "PlotPanel.h"
#include "types/Events.h"
#include "types/RunHistory.h"

class QCPGraph;
class QCPItemStraightLine;

namespace evolq {

// Fitness over the evaluations of a run, one colour per transformer block: the block's best so far
// as a step line and every child as a dot. Clicking a block's curve or legend entry highlights it.
class FitnessPlot : public PlotPanel {
    Q_OBJECT
public:
    explicit FitnessPlot(QWidget* parent = nullptr);

    int blockCount() const;
    // Children (dots) plotted for a block; 0 for an unknown block.
    int pointCount(int block) const;
    // Points of the block's best-so-far line.
    int bestPointCount(int block) const;
    int highlightedBlock() const;
    QCPGraph* bestGraph(int block) const;
    QCPGraph* childGraph(int block) const;
    QCPGraph* overallGraph() const;

public Q_SLOTS:
    // Clears the plot and creates the curves of `run.blocks` blocks.
    void start(const evolq::RunStartEvent& run);
    // Appends a batch; events must come in evaluation order, as the search emits them.
    void addFitness(const QVector<evolq::FitnessEvent>& events);
    // -1 highlights none.
    void setHighlightedBlock(int block);
    // Other runs' best-fitness curves over this one (the run history's picks); empty removes them.
    void setOverlays(const QVector<evolq::RunRecord>& runs, const QStringList& labels);

public:
    int overlayCount() const;
    QCPGraph* overlayGraph(int i) const;

Q_SIGNALS:
    void highlightedBlockChanged(int block);

protected:
    void writeCsv(QTextStream& out) const override;
    void fitRanges() override;
    QString defaultFileBaseName() const override;

private:
    void applyPens();
    void applyOverlays();
    int blockOf(const QCPGraph* graph) const;

    QVector<QCPGraph*> m_best;
    QVector<QCPGraph*> m_children;
    QCPGraph* m_overall = nullptr;
    QCPItemStraightLine* m_baseline = nullptr;
    QVector<FitnessEvent> m_events;  // for CSV: the plotted graphs lose pass and cycle
    RunStartEvent m_run;
    int m_highlighted = -1;
    double m_minValue = 0, m_maxValue = 0;
    double m_maxKey = 0;
    QVector<RunRecord> m_overlayRuns;
    QStringList m_overlayLabels;
    QVector<QCPGraph*> m_overlays;
};

}  // namespace evolq
