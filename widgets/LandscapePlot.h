#pragma once

#include <QMap>
#include <QVector>

#include "PlotPanel.h"
#include "types/Events.h"
#include "types/Summaries.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QCPColorMap;
class QCPCurve;
class QCPColorScale;
class QCPGraph;
class QCPMarginGroup;
class QCPItemStraightLine;
class QCPTextElement;

namespace evolq {

// A loss landscape around a block's scales. 1-D: one curve per loss, optionally normalized to
// [0,1] (infoNCE and MSE live on different scales), the centre and each curve's best point marked.
// 2-D: a colour map of one loss chosen in a combo. 2-D points arrive coarse to fine; a cell not yet
// computed shows its nearest computed point, so a picture appears long before the sweep ends.
//
// During a search it shows the live landscape: one slice per block visit (all kept, a visit
// selector reaches earlier ones; "follow" shows each new one), with the search's candidates on it
// at their projections: 1-D at (a, fitness), 2-D at (a, b); a line from each child's parent to it,
// the latest child's parent and the visit's best marked.
class LandscapePlot : public PlotPanel {
    Q_OBJECT
public:
    explicit LandscapePlot(QWidget* parent = nullptr);

    // A title of only "Block b, pass p (visit v)", without the direction and the images (for
    // an audience; the next slice or landscape takes it).
    void setCompactTitle(bool compact);

    int dims() const;
    int gridSize() const;  // points per axis
    QStringList losses() const;
    // Distinct grid cells computed so far.
    int pointCount() const;
    bool isComputed(int i, int j = 0) const;
    // Raw value of a loss at a cell: computed, or (2-D) filled from the nearest computed cell;
    // NaN when nothing is known. 1-D ignores j.
    double value(int i, int j, int lossIndex) const;

    bool isNormalized() const;
    int currentLoss() const;
    QString jaggednessText() const;

    // The point picked for "Try these scales" (or the scrubber's position), NaN when none.
    double markerA() const { return m_markerA; }
    double markerB() const { return m_markerB; }
    // Plot coordinates of a widget position of the plot, clamped to the landscape's range.
    QPointF coordinatesAt(const QPoint& pixel) const;

    QCPColorMap* colorMap() const;         // null in 1-D
    QCPGraph* curve(int lossIndex) const;  // null in 2-D

    // Live slices.
    int sliceCount() const;
    int shownVisit() const;                  // the visit of the slice shown, -1 for a sweep
    LandscapeStart shownSliceStart() const;  // the shown slice's start (a sweep's when none)
    bool isFollowingSearch() const;
    int candidateCount() const;        // candidates of the shown slice
    QCPGraph* candidateGraph() const;  // null unless a slice is shown
    QComboBox* visitSelector() const;

public Q_SLOTS:
    void start(const evolq::LandscapeStart& sweep);
    void addPoints(const QVector<evolq::LandscapePoint>& points);
    void setJaggedness(const QString& loss, const evolq::Jaggedness& jaggedness);
    void setNormalized(bool normalized);
    // Which loss the 2-D map shows.
    void setCurrentLoss(int lossIndex);
    void setMarker(double a, double b);
    void clearMarker();

    // The live landscape of a search (SearchWorker's live signals, or a replayed log).
    void clearSlices();
    void startSlice(const evolq::LandscapeStart& slice);
    void addSlicePoints(const QVector<evolq::LandscapePoint>& points);
    void addCandidates(const QVector<evolq::CandidateEvent>& batch);
    void finishSlice(const evolq::LandscapeSummary& summary);
    // Shows a kept slice; follows the search again when it is the latest.
    void showVisit(int visit);
    void setFollowingSearch(bool follow);

Q_SIGNALS:
    // A click (not a drag) on the landscape at coordinates (a, b); b = 0 in 1-D.
    void pointClicked(double a, double b);

protected:
    void syncPlottables() override;
    void fitRanges() override;
    void writeCsv(QTextStream& out) const override;
    QString defaultFileBaseName() const override;

private:
    void clearPlot();
    void build1d();
    void build2d();
    void sync1d();
    void sync2d();
    void updateJaggednessLabel();
    void updateAxisLabels();
    int cellOf(int i, int j) const { return j * m_n + i; }
    bool live() const { return m_sweep.visit >= 0; }
    void buildCandidates();
    void syncCandidates();
    void showSlice(int index);
    QString sliceLabel(int index) const;

    struct Slice {
        LandscapeStart start;
        QVector<LandscapePoint> points;
        QVector<CandidateEvent> candidates;
        bool finished = false;
        bool complete = false;
        Jaggedness jaggedness;
    };
    QVector<Slice> m_slices;
    int m_shownSlice = -1;  // index into m_slices, -1 when a sweep is shown
    QComboBox* m_visitCombo = nullptr;
    QCheckBox* m_follow = nullptr;
    QCPGraph* m_children = nullptr;
    QCPCurve* m_hops = nullptr;
    QCPGraph* m_parentMarker = nullptr;
    QCPGraph* m_childBest = nullptr;
    bool m_candidatesDirty = false;
    bool m_compactTitle = false;

    QCheckBox* m_normalize;
    QComboBox* m_lossCombo;
    QLabel* m_jaggednessLabel;
    QCPTextElement* m_title;
    QCPMarginGroup* m_margins;

    // 1-D
    QVector<QCPGraph*> m_curves;
    QVector<QCPGraph*> m_bestMarkers;
    QCPItemStraightLine* m_centreLine = nullptr;
    // 2-D
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPGraph* m_centreMarker = nullptr;
    QCPGraph* m_bestMarker = nullptr;

    LandscapeStart m_sweep;
    int m_n = 0;
    int m_cells = 0;
    // Per loss, per cell: the value shown (computed or filled).
    QVector<QVector<double>> m_values;
    // Per cell: squared grid distance to the cell its value came from; 0 = computed, inf = none.
    QVector<double> m_sourceDist2;
    QVector<double> m_a, m_b;  // coordinates of the grid lines, in the sweep's units
    int m_computed = 0;
    QMap<QString, Jaggedness> m_jaggedness;
    // The picked point.
    QCPItemStraightLine* m_markerLine = nullptr;
    QCPGraph* m_markerPoint = nullptr;
    double m_markerA = std::numeric_limits<double>::quiet_NaN();
    double m_markerB = std::numeric_limits<double>::quiet_NaN();
    QPoint m_pressedAt;
};

}  // namespace evolq
