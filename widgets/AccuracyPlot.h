#pragma once

#include <QVector>

#include "PlotPanel.h"
#include "types/Events.h"
#include "types/RunHistory.h"

class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace evolq {

// Validation top-1 after each block visit, against the FP32 model and the baseline PTQ as
// horizontal references, and the final top-1 once the run ends.
class AccuracyPlot : public PlotPanel {
    Q_OBJECT
public:
    explicit AccuracyPlot(QWidget* parent = nullptr);

    int accuracyPointCount() const;
    QCPGraph* accuracyGraph() const;
    // NaN when not measured.
    double fp32Top1() const;
    double baselineTop1() const;
    double finalTop1() const;

protected:
    bool hasData() const override;

public:
public Q_SLOTS:
    void start(const evolq::RunStartEvent& run);
    // Counts every visit; plots those with an accuracy (NaN means validation is off).
    void addVisit(const evolq::BlockVisitEvent& visit);
    void setFinal(const evolq::RunEndEvent& end);
    // Other runs' top-1 after each block visit over this one (the run history's picks).
    void setOverlays(const QVector<evolq::RunRecord>& runs, const QStringList& labels);

public:
    int overlayCount() const;
    QCPGraph* overlayGraph(int i) const;
    // FP32 and baseline lines without a run (e.g. right after Quantize).
    void setReferences(double fp32Top1, double baselineTop1);

protected:
    void writeCsv(QTextStream& out) const override;
    void fitRanges() override;
    QString defaultFileBaseName() const override;

private:
    struct Reference {
        QCPItemStraightLine* line = nullptr;
        QCPItemText* label = nullptr;
        double top1 = std::numeric_limits<double>::quiet_NaN();
        double labelX = 0.01;  // where the label sits, as a fraction of the axis rect's width
    };
    void setReference(Reference& ref, double top1, const QString& name);

    QCPGraph* m_accuracy;
    Reference m_fp32, m_baseline, m_final;
    QVector<BlockVisitEvent> m_visits;  // the plotted ones
    QVector<int> m_visitIndex;          // 1-based over all visits, measured or not
    int m_visitCount = 0;
    RunStartEvent m_run;
    bool m_cancelled = false;
    QVector<RunRecord> m_overlayRuns;
    QVector<QCPGraph*> m_overlays;
};

}  // namespace evolq
