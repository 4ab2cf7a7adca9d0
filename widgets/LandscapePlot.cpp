#include "LandscapePlot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHash>
#include <QLabel>
#include <QPair>
#include <QRegularExpression>
#include <QTextStream>
#include <cmath>
#include <limits>

#include "QcpInclude.h"
#include "types/LandscapeCsv.h"

namespace evolq {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double Inf = std::numeric_limits<double>::infinity();

}  // namespace

LandscapePlot::LandscapePlot(QWidget* parent)
    : PlotPanel(parent),
      m_normalize(new QCheckBox(tr("normalize each loss to [0,1]"), this)),
      m_lossCombo(new QComboBox(this)),
      m_jaggednessLabel(new QLabel(this)),
      m_title(nullptr),
      m_margins(nullptr) {
    m_visitCombo = new QComboBox(this);
    m_follow = new QCheckBox(tr("follow the search"), this);
    m_normalize->setChecked(true);
    m_normalize->setToolTip(
        tr("The losses live on different scales; normalizing compares their "
           "shapes"));
    m_lossCombo->setToolTip(tr("Loss shown in the 2-D map"));
    m_lossCombo->setVisible(false);
    addControl(m_normalize);
    addControl(m_lossCombo);
    m_visitCombo->setObjectName("visitSelector");
    m_visitCombo->setToolTip(tr("The live landscape's slice of each block visit of the search"));
    m_visitCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_visitCombo->setVisible(false);
    m_follow->setObjectName("followSearch");
    m_follow->setToolTip(tr("Show each new block visit's slice as the search reaches it"));
    m_follow->setChecked(true);
    m_follow->setVisible(false);
    addControl(m_visitCombo);
    addControl(m_follow);

    m_jaggednessLabel->setObjectName("jaggedness");
    m_jaggednessLabel->setTextFormat(Qt::RichText);
    m_jaggednessLabel->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_jaggednessLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_jaggednessLabel->setMinimumWidth(160);
    setSideWidget(m_jaggednessLabel);

    QCustomPlot* p = plot();
    p->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(p, QString(), QFont(font().family(), -1, QFont::Bold));
    p->plotLayout()->addElement(0, 0, m_title);
    // Keeps the colour scale as tall as the axis rect.
    m_margins = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, m_margins);

    // A click picks a point; a drag pans, as on every plot.
    connect(p, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressedAt = e->pos(); });
    connect(p, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* e) {
        if (e->button() != Qt::LeftButton || m_computed == 0) return;
        if ((e->pos() - m_pressedAt).manhattanLength() > 4) return;
        if (!plot()->axisRect()->rect().contains(e->pos())) return;
        const QPointF c = coordinatesAt(e->pos());
        Q_EMIT pointClicked(c.x(), c.y());
    });
    connect(m_normalize, &QCheckBox::toggled, this, &LandscapePlot::setNormalized);
    connect(m_lossCombo, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
            &LandscapePlot::setCurrentLoss);
    connect(m_visitCombo, QOverload<int>::of(&QComboBox::activated), this,
            [this](int index) { showVisit(m_visitCombo->itemData(index).toInt()); });
    connect(m_follow, &QCheckBox::toggled, this, &LandscapePlot::setFollowingSearch);
}

void LandscapePlot::setCompactTitle(bool compact) {
    m_compactTitle = compact;
}

int LandscapePlot::dims() const {
    return m_sweep.dims;
}

int LandscapePlot::gridSize() const {
    return m_n;
}

QStringList LandscapePlot::losses() const {
    return m_sweep.losses;
}

int LandscapePlot::pointCount() const {
    return m_computed;
}

bool LandscapePlot::isComputed(int i, int j) const {
    if (m_sweep.dims == 1) j = 0;
    if (i < 0 || i >= m_n || j < 0 || j >= (m_sweep.dims == 1 ? 1 : m_n)) return false;
    return m_sourceDist2[cellOf(i, j)] == 0;
}

double LandscapePlot::value(int i, int j, int lossIndex) const {
    if (m_sweep.dims == 1) j = 0;
    if (i < 0 || i >= m_n || j < 0 || j >= (m_sweep.dims == 1 ? 1 : m_n) || lossIndex < 0 ||
        lossIndex >= m_values.size())
        return NaN;
    return m_values[lossIndex][cellOf(i, j)];
}

bool LandscapePlot::isNormalized() const {
    return m_normalize->isChecked();
}

int LandscapePlot::currentLoss() const {
    return qMax(0, m_lossCombo->currentIndex());
}

QString LandscapePlot::jaggednessText() const {
    return m_jaggednessLabel->text();
}

QCPColorMap* LandscapePlot::colorMap() const {
    return m_map;
}

QCPGraph* LandscapePlot::curve(int lossIndex) const {
    return m_curves.value(lossIndex, nullptr);
}

int LandscapePlot::sliceCount() const {
    return m_slices.size();
}

int LandscapePlot::shownVisit() const {
    return m_shownSlice >= 0 ? m_slices[m_shownSlice].start.visit : -1;
}

LandscapeStart LandscapePlot::shownSliceStart() const {
    return m_shownSlice >= 0 ? m_slices[m_shownSlice].start : m_sweep;
}

bool LandscapePlot::isFollowingSearch() const {
    return m_follow->isChecked();
}

int LandscapePlot::candidateCount() const {
    return m_shownSlice >= 0 ? m_slices[m_shownSlice].candidates.size() : 0;
}

QCPGraph* LandscapePlot::candidateGraph() const {
    return m_children;
}

QComboBox* LandscapePlot::visitSelector() const {
    return m_visitCombo;
}

QString LandscapePlot::defaultFileBaseName() const {
    if (live())
        return QStringLiteral("live-landscape-visit%1-block%2-%3d")
            .arg(m_sweep.visit)
            .arg(m_sweep.block)
            .arg(m_sweep.dims);
    return QStringLiteral("landscape-block%1-%2d").arg(m_sweep.block).arg(m_sweep.dims);
}

void LandscapePlot::clearPlot() {
    QCustomPlot* p = plot();
    p->clearGraphs();
    p->clearItems();
    if (m_map) p->removePlottable(m_map);
    if (m_hops) p->removePlottable(m_hops);
    m_hops = nullptr;
    m_children = nullptr;
    m_parentMarker = nullptr;
    m_childBest = nullptr;
    if (m_scale) p->plotLayout()->remove(m_scale);
    p->plotLayout()->simplify();
    m_map = nullptr;
    m_scale = nullptr;
    m_curves.clear();
    m_bestMarkers.clear();
    m_centreLine = nullptr;
    m_centreMarker = nullptr;
    m_bestMarker = nullptr;
    m_markerLine = nullptr;
    m_markerPoint = nullptr;
    m_markerA = m_markerB = NaN;
}

QPointF LandscapePlot::coordinatesAt(const QPoint& pixel) const {
    const double r = m_sweep.radius;
    const double a = qBound(-r, plot()->xAxis->pixelToCoord(pixel.x()), r);
    const double b = m_sweep.dims == 2 ? qBound(-r, plot()->yAxis->pixelToCoord(pixel.y()), r) : 0;
    return QPointF(a, b);
}

void LandscapePlot::setMarker(double a, double b) {
    QCustomPlot* p = plot();
    m_markerA = a;
    m_markerB = m_sweep.dims == 2 ? b : 0;
    const QPen pen(QColor(0xd6, 0x27, 0x28), 2);
    if (m_sweep.dims == 2) {
        if (!m_markerPoint) {
            m_markerPoint = p->addGraph();
            m_markerPoint->setName(tr("tried"));
            m_markerPoint->removeFromLegend();
            m_markerPoint->setLineStyle(QCPGraph::lsNone);
            m_markerPoint->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssCrossCircle, pen.color(), 14));
        }
        m_markerPoint->setData({a}, {b});
    } else {
        if (!m_markerLine) {
            m_markerLine = new QCPItemStraightLine(p);
            m_markerLine->setPen(pen);
        }
        m_markerLine->point1->setCoords(a, 0);
        m_markerLine->point2->setCoords(a, 1);
    }
    requestReplot();
}

void LandscapePlot::clearMarker() {
    QCustomPlot* p = plot();
    if (m_markerPoint) p->removeGraph(m_markerPoint);
    if (m_markerLine) p->removeItem(m_markerLine);
    m_markerPoint = nullptr;
    m_markerLine = nullptr;
    m_markerA = m_markerB = NaN;
    requestReplot();
}

void LandscapePlot::start(const LandscapeStart& sweep) {
    clearPlot();
    m_sweep = sweep;
    m_sweep.dims = sweep.dims == 2 ? 2 : 1;
    m_n = qMax(1, sweep.points);
    m_cells = m_sweep.dims == 2 ? m_n * m_n : m_n;
    m_values = QVector<QVector<double>>(sweep.losses.size(), QVector<double>(m_cells, NaN));
    m_sourceDist2 = QVector<double>(m_cells, Inf);
    m_a.resize(m_n);
    for (int i = 0; i < m_n; ++i)
        m_a[i] = m_n > 1 ? -sweep.radius + 2 * sweep.radius * i / (m_n - 1) : 0;
    m_b = m_a;
    m_computed = 0;
    m_jaggedness.clear();

    {
        const QSignalBlocker blocker(m_lossCombo);
        m_lossCombo->clear();
        m_lossCombo->addItems(sweep.losses);
    }
    if (!live()) m_shownSlice = -1;
    // A live slice has one loss, the fitness's, on the children's own scale: never normalized.
    m_normalize->setVisible(m_sweep.dims == 1 && !live());
    m_lossCombo->setVisible(m_sweep.dims == 2 && !live());
    QString where = tr("Block %1").arg(sweep.block);
    if (live())
        where = tr("Block %1, pass %2 (visit %3)")
                    .arg(sweep.block)
                    .arg(sweep.pass + 1)
                    .arg(sweep.visit + 1);
    QString title =
        sweep.direction.isEmpty() || m_compactTitle ? where : where + ": " + sweep.direction;
    if (live() && !sweep.images.isEmpty()) {
        // Compact: the counts alone ("... a seeded subset of 256 of the 1000 calibration images").
        const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("(\\d+) of the (\\d+)")).match(sweep.images);
        if (!m_compactTitle)
            title += "\n" + tr("slice on %1; children: their fitness").arg(sweep.images);
        else if (m.hasMatch())
            title += "\n" + tr("slice: %1 of %2 images").arg(m.captured(1), m.captured(2));
    }
    m_title->setText(title);

    if (m_sweep.dims == 1)
        build1d();
    else
        build2d();
    if (live()) buildCandidates();
    updateAxisLabels();
    updateJaggednessLabel();
    setFollowingData(true);
    requestReplot();
}

void LandscapePlot::build1d() {
    QCustomPlot* p = plot();
    p->legend->setVisible(true);
    for (int k = 0; k < m_sweep.losses.size(); ++k) {
        const QColor color = seriesColor(k);
        QCPGraph* curve = p->addGraph();
        curve->setName(m_sweep.losses[k]);
        curve->setPen(QPen(color, 1));
        curve->setAntialiased(false);
        curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 3));
        m_curves.append(curve);
    }
    for (int k = 0; k < m_sweep.losses.size(); ++k) {
        QCPGraph* best = p->addGraph();
        best->setName(tr("%1 best").arg(m_sweep.losses[k]));
        best->removeFromLegend();
        best->setLineStyle(QCPGraph::lsNone);
        best->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssStar, QPen(seriesColor(k), 2), Qt::NoBrush, 12));
        m_bestMarkers.append(best);
    }
    m_centreLine = new QCPItemStraightLine(p);
    m_centreLine->point1->setCoords(0, 0);
    m_centreLine->point2->setCoords(0, 1);
    m_centreLine->setPen(QPen(Qt::gray, 1, Qt::DashLine));
}

void LandscapePlot::build2d() {
    QCustomPlot* p = plot();
    p->legend->setVisible(false);
    m_map = new QCPColorMap(p->xAxis, p->yAxis);
    m_map->setInterpolate(false);  // show the grid the sweep computes, not a smoothed guess
    m_map->data()->setSize(m_n, m_n);
    m_map->data()->setRange(QCPRange(-m_sweep.radius, m_sweep.radius),
                            QCPRange(-m_sweep.radius, m_sweep.radius));
    m_scale = new QCPColorScale(p);
    p->plotLayout()->addElement(1, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_map->setColorScale(m_scale);
    // Viridis (QCustomPlot 2.1 has no preset): perceptually uniform, so valleys look as deep as
    // they are.
    QCPColorGradient gradient;
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    const QRgb viridis[] = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};
    for (int s = 0; s < 5; ++s) gradient.setColorStopAt(s / 4.0, QColor::fromRgb(viridis[s]));
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    m_map->setGradient(gradient);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, m_margins);

    m_centreMarker = p->addGraph();
    m_centreMarker->setName(tr("centre"));
    m_centreMarker->setLineStyle(QCPGraph::lsNone);
    m_centreMarker->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCrossCircle, QPen(Qt::white, 2), Qt::NoBrush, 10));
    m_centreMarker->setData({0.0}, {0.0});
    m_bestMarker = p->addGraph();
    m_bestMarker->setName(tr("best"));
    m_bestMarker->setLineStyle(QCPGraph::lsNone);
    m_bestMarker->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssStar, QPen(Qt::red, 2), Qt::NoBrush, 12));
}

void LandscapePlot::addPoints(const QVector<LandscapePoint>& points) {
    if (m_cells == 0) return;
    const bool twoD = m_sweep.dims == 2;
    const int losses = m_values.size();
    for (const LandscapePoint& point : points) {
        const int i = point.i, j = twoD ? point.j : 0;
        if (i < 0 || i >= m_n || j < 0 || j >= (twoD ? m_n : 1)) continue;
        const int cell = cellOf(i, j);
        if (m_sourceDist2[cell] != 0) ++m_computed;
        m_sourceDist2[cell] = 0;
        for (int k = 0; k < losses; ++k) m_values[k][cell] = point.values.value(k, NaN);
        m_a[i] = point.a;
        if (twoD) m_b[j] = point.b;
        if (!twoD) continue;
        // Strictly nearer only: on a tie the coarser point, which arrived first, keeps the cell.
        for (int cj = 0; cj < m_n; ++cj) {
            for (int ci = 0; ci < m_n; ++ci) {
                const int c = cellOf(ci, cj);
                const double d2 = double(ci - i) * (ci - i) + double(cj - j) * (cj - j);
                if (d2 >= m_sourceDist2[c]) continue;
                m_sourceDist2[c] = d2;
                for (int k = 0; k < losses; ++k) m_values[k][c] = m_values[k][cell];
            }
        }
    }
    requestReplot();
}

void LandscapePlot::setJaggedness(const QString& loss, const Jaggedness& jaggedness) {
    m_jaggedness.insert(loss, jaggedness);
    updateJaggednessLabel();
}

void LandscapePlot::setNormalized(bool normalized) {
    if (m_normalize->isChecked() != normalized) {
        m_normalize->setChecked(normalized);  // comes back here through toggled
        return;
    }
    updateAxisLabels();
    setFollowingData(true);
    requestReplot();
}

void LandscapePlot::setCurrentLoss(int lossIndex) {
    if (lossIndex < 0 || lossIndex >= m_lossCombo->count()) return;
    if (m_lossCombo->currentIndex() != lossIndex) {
        m_lossCombo->setCurrentIndex(lossIndex);  // comes back here through currentIndexChanged
        return;
    }
    updateAxisLabels();
    requestReplot();
}

void LandscapePlot::updateAxisLabels() {
    QCustomPlot* p = plot();
    const QString unit =
        m_sweep.unit.isEmpty() ? QString() : QStringLiteral(" [%1]").arg(m_sweep.unit);
    p->xAxis->setLabel(QStringLiteral("a") + unit);
    if (m_sweep.dims == 2) {
        p->yAxis->setLabel(QStringLiteral("b") + unit);
        if (m_scale) m_scale->axis()->setLabel(m_sweep.losses.value(currentLoss()));
    } else if (live()) {
        p->yAxis->setLabel(tr("fitness loss (%1)").arg(m_sweep.losses.value(0)));
    } else {
        bool accuracy = false;
        for (const QString& l : m_sweep.losses) accuracy = accuracy || higherIsBetter(l);
        const QString what = accuracy ? tr("loss or top-1 %") : tr("loss");
        p->yAxis->setLabel(isNormalized() ? tr("%1 (each normalized to [0,1])").arg(what) : what);
    }
}

void LandscapePlot::updateJaggednessLabel() {
    QString html = QStringLiteral("<b>%1</b>").arg(tr("Jaggedness"));
    if (m_jaggedness.isEmpty()) html += QStringLiteral("<br>") + tr("not computed yet");
    // Losses in the sweep's order, then any others.
    QStringList order = m_sweep.losses;
    for (const QString& loss : m_jaggedness.keys())
        if (!order.contains(loss)) order.append(loss);
    for (const QString& loss : order) {
        if (!m_jaggedness.contains(loss)) continue;
        const Jaggedness& j = m_jaggedness[loss];
        html += QStringLiteral("<p><b>%1</b><br>").arg(loss.toHtmlEscaped());
        html += tr("local minima: %1").arg(j.localMinima);
        if (m_sweep.dims == 1) {  // on a grid only the minima count means something
            html += QStringLiteral("<br>") + tr("TV ratio: %1").arg(j.tvRatio, 0, 'g', 4);
            html += QStringLiteral("<br>") +
                    tr("best gain over<br>the centre: %1").arg(j.bestGainOverCentre, 0, 'g', 3);
        }
        html += QStringLiteral("</p>");
    }
    if (m_shownSlice >= 0) {
        const Slice& sl = m_slices[m_shownSlice];
        html += QStringLiteral("<p>") + tr("slice: %1 of %2 points").arg(m_computed).arg(m_cells);
        if (sl.finished && !sl.complete)
            html += QStringLiteral("<br>") + tr("(the visit ended first)");
        html +=
            QStringLiteral("<br>") + tr("children: %1").arg(qMax(0, int(sl.candidates.size()) - 1));
        html += QStringLiteral("</p>");
    }
    m_jaggednessLabel->setText(html);
}

void LandscapePlot::syncPlottables() {
    if (m_sweep.dims == 2)
        sync2d();
    else
        sync1d();
    if (live() && m_candidatesDirty) syncCandidates();
}

void LandscapePlot::sync1d() {
    const bool normalize = isNormalized() && !live();
    for (int k = 0; k < m_curves.size(); ++k) {
        const QVector<double>& values = m_values[k];
        const QString& quantity = m_sweep.losses[k];
        double lo = Inf, hi = -Inf;
        int best = -1;
        for (int i = 0; i < m_n; ++i) {
            if (m_sourceDist2[i] != 0 || !std::isfinite(values[i])) continue;
            lo = qMin(lo, values[i]);
            hi = qMax(hi, values[i]);
            if (best < 0 || isBetter(quantity, values[i], values[best])) best = i;
        }
        const auto shown = [&](double v) {
            if (!normalize || !std::isfinite(v)) return v;
            return hi > lo ? (v - lo) / (hi - lo) : 0.0;
        };
        QVector<double> keys, shownValues;
        for (int i = 0; i < m_n; ++i) {
            if (m_sourceDist2[i] != 0) continue;
            keys.append(m_a[i]);
            shownValues.append(shown(values[i]));
        }
        m_curves[k]->setData(keys, shownValues, /*alreadySorted=*/true);
        if (best >= 0)
            m_bestMarkers[k]->setData({m_a[best]}, {shown(values[best])});
        else
            m_bestMarkers[k]->data()->clear();
    }
}

void LandscapePlot::sync2d() {
    if (!m_map) return;
    const int k = currentLoss();
    if (k >= m_values.size()) return;
    const QVector<double>& values = m_values[k];
    const QString& quantity = m_sweep.losses[k];
    QCPColorMapData* data = m_map->data();
    double lo = Inf, hi = -Inf;
    int best = -1;
    for (int j = 0; j < m_n; ++j) {
        for (int i = 0; i < m_n; ++i) {
            const int c = cellOf(i, j);
            const double v = values[c];
            data->setCell(i, j, v);
            if (!std::isfinite(v)) continue;
            lo = qMin(lo, v);
            hi = qMax(hi, v);
            if (m_sourceDist2[c] == 0 && (best < 0 || isBetter(quantity, v, values[best])))
                best = c;
        }
    }
    // Our own bounds: QCPColorMapData's recalculation is poisoned by a NaN in the first cell.
    if (lo <= hi) m_map->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-12));
    if (best >= 0)
        m_bestMarker->setData({m_a[best % m_n]}, {m_b[best / m_n]});
    else
        m_bestMarker->data()->clear();
}

void LandscapePlot::fitRanges() {
    QCustomPlot* p = plot();
    const double r = m_sweep.radius > 0 ? m_sweep.radius : 1;
    if (m_sweep.dims == 2) {
        const double half =
            m_n > 1 ? r / (m_n - 1) : r;  // cells extend half a step past the centres
        double x = r + half, y = r + half;
        if (m_children)
            for (auto it = m_children->data()->constBegin(); it != m_children->data()->constEnd();
                 ++it) {
                x = qMax(x, std::abs(it->key) * 1.05);
                y = qMax(y, std::abs(it->value) * 1.05);
            }
        p->xAxis->setRange(-x, x);
        p->yAxis->setRange(-y, y);
        return;
    }
    double x = r;
    if (m_children)
        for (auto it = m_children->data()->constBegin(); it != m_children->data()->constEnd(); ++it)
            x = qMax(x, std::abs(it->key));
    p->xAxis->setRange(-x * 1.02, x * 1.02);
    if (isNormalized() && !live()) {
        // Headroom above 1 keeps the legend (top right) off the curves and their markers.
        p->yAxis->setRange(-0.05, 1.05 + 0.07 * m_sweep.losses.size());
        return;
    }
    double lo = Inf, hi = -Inf;
    for (const QVector<double>& values : m_values) {
        for (int i = 0; i < m_n; ++i) {
            if (m_sourceDist2[i] != 0 || !std::isfinite(values[i])) continue;
            lo = qMin(lo, values[i]);
            hi = qMax(hi, values[i]);
        }
    }
    if (m_children)
        for (auto it = m_children->data()->constBegin(); it != m_children->data()->constEnd();
             ++it) {
            if (!std::isfinite(it->value)) continue;
            lo = qMin(lo, it->value);
            hi = qMax(hi, it->value);
        }
    if (lo > hi) return;
    const double pad = hi > lo ? 0.05 * (hi - lo) : qMax(1e-9, 0.05 * std::abs(hi));
    p->yAxis->setRange(lo - pad, hi + pad);
}

// The landscape CSV, as `evolq landscape` writes it. Computed points only: the filled cells are a
// display aid, not data.
void LandscapePlot::writeCsv(QTextStream& out) const {
    const bool twoD = m_sweep.dims == 2;
    QVector<LandscapePoint> points;
    points.reserve(m_computed);
    for (int j = 0; j < (twoD ? m_n : 1); ++j) {
        for (int i = 0; i < m_n; ++i) {
            const int c = cellOf(i, j);
            if (m_sourceDist2[c] != 0) continue;
            LandscapePoint p;
            p.i = i;
            p.j = j;
            p.a = m_a[i];
            p.b = twoD ? m_b[j] : 0;
            for (const QVector<double>& values : m_values) p.values.append(values[c]);
            points.append(p);
        }
    }
    // The figures in the sweep's loss order, as far as they have arrived: the CSV pairs the k-th
    // figure with the k-th loss.
    QVector<Jaggedness> jaggedness;
    for (const QString& loss : m_sweep.losses) {
        if (!m_jaggedness.contains(loss)) break;
        jaggedness.append(m_jaggedness.value(loss));
    }
    LandscapeCsv::write(out, m_sweep, points, jaggedness);
}

// ---------------------------------------------------------------------------------------------
// Live slices

void LandscapePlot::buildCandidates() {
    QCustomPlot* p = plot();
    const bool twoD = m_sweep.dims == 2;
    const QColor ink = twoD ? QColor(Qt::white) : QColor(40, 40, 40);
    m_hops = new QCPCurve(p->xAxis, p->yAxis);
    m_hops->setName(tr("parent to child"));
    m_hops->setPen(QPen(QColor(ink.red(), ink.green(), ink.blue(), 110), 1));
    m_hops->setAntialiased(false);
    m_hops->removeFromLegend();
    m_children = p->addGraph();
    m_children->setName(tr("children (projected)"));
    m_children->setLineStyle(QCPGraph::lsNone);
    m_children->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(ink, 1),
                                                QBrush(QColor(255, 255, 255, 160)), 6));
    m_parentMarker = p->addGraph();
    m_parentMarker->setName(tr("parent of the latest child"));
    m_parentMarker->setLineStyle(QCPGraph::lsNone);
    m_parentMarker->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(0xff7f0e), 2), Qt::NoBrush, 13));
    m_childBest = p->addGraph();
    m_childBest->setName(tr("best of the visit"));
    m_childBest->setLineStyle(QCPGraph::lsNone);
    m_childBest->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssStar, QPen(QColor(0xd62728), 2), Qt::NoBrush, 15));
    p->legend->setVisible(true);
    if (twoD) {
        m_centreMarker->removeFromLegend();
        m_bestMarker->setName(tr("best of the slice"));
    }
    m_candidatesDirty = true;
}

void LandscapePlot::syncCandidates() {
    m_candidatesDirty = false;
    if (!m_children || m_shownSlice < 0) return;
    const Slice& sl = m_slices[m_shownSlice];
    const bool twoD = m_sweep.dims == 2;
    QVector<double> x, y;
    QVector<double> hx, hy;
    QHash<QPair<double, double>, double> fitnessAt;  // a parent is an earlier candidate
    const CandidateEvent* best = nullptr;
    const CandidateEvent* lastChild = nullptr;
    for (const CandidateEvent& c : sl.candidates) {
        const double cy = twoD ? c.b : c.fitness;
        if (!fitnessAt.contains({c.a, c.b})) fitnessAt.insert({c.a, c.b}, c.fitness);
        if (c.isBest) best = &c;
        if (c.isStart) continue;  // the centre: the slice's own marker
        x.append(c.a);
        y.append(cy);
        lastChild = &c;
        if (std::isnan(c.parentA)) continue;
        const double py = twoD ? c.parentB : fitnessAt.value({c.parentA, c.parentB}, NaN);
        if (!std::isfinite(py)) continue;
        hx << c.parentA << c.a << NaN;  // NaN breaks the curve between hops
        hy << py << cy << NaN;
    }
    QVector<double> t(hx.size());
    for (int i = 0; i < t.size(); ++i) t[i] = i;
    m_hops->setData(t, hx, hy, /*alreadySorted=*/true);
    m_children->setData(x, y);
    m_parentMarker->data()->clear();
    if (lastChild && !std::isnan(lastChild->parentA)) {
        const double py = twoD ? lastChild->parentB
                               : fitnessAt.value({lastChild->parentA, lastChild->parentB}, NaN);
        if (std::isfinite(py)) m_parentMarker->setData({lastChild->parentA}, {py});
    }
    m_childBest->data()->clear();
    if (best) m_childBest->setData({best->a}, {twoD ? best->b : best->fitness});
}

QString LandscapePlot::sliceLabel(int index) const {
    const Slice& sl = m_slices[index];
    QString label = tr("visit %1: pass %2, block %3")
                        .arg(sl.start.visit + 1)
                        .arg(sl.start.pass + 1)
                        .arg(sl.start.block);
    if (sl.finished)
        label += tr(", %n local minima", nullptr, sl.jaggedness.localMinima) +
                 (sl.start.dims == 1 ? tr(", TV ratio %1").arg(sl.jaggedness.tvRatio, 0, 'g', 3)
                                     : QString());
    return label;
}

void LandscapePlot::clearSlices() {
    m_slices.clear();
    m_shownSlice = -1;
    m_visitCombo->clear();
    m_visitCombo->setVisible(false);
    m_follow->setVisible(false);
}

void LandscapePlot::startSlice(const LandscapeStart& slice) {
    Slice sl;
    sl.start = slice;
    m_slices.append(sl);
    m_visitCombo->addItem(sliceLabel(m_slices.size() - 1), slice.visit);
    m_visitCombo->setVisible(true);
    m_follow->setVisible(true);
    if (isFollowingSearch() || m_shownSlice < 0) showSlice(m_slices.size() - 1);
}

void LandscapePlot::addSlicePoints(const QVector<LandscapePoint>& points) {
    QVector<LandscapePoint> shown;
    for (const LandscapePoint& p : points) {
        for (int k = m_slices.size() - 1; k >= 0; --k) {
            if (m_slices[k].start.visit != p.visit) continue;
            m_slices[k].points.append(p);
            if (k == m_shownSlice) shown.append(p);
            break;
        }
    }
    if (!shown.isEmpty()) {
        addPoints(shown);
        updateJaggednessLabel();
    }
}

void LandscapePlot::addCandidates(const QVector<CandidateEvent>& batch) {
    bool shown = false;
    for (const CandidateEvent& c : batch) {
        for (int k = m_slices.size() - 1; k >= 0; --k) {
            if (m_slices[k].start.visit != c.visit) continue;
            m_slices[k].candidates.append(c);
            shown = shown || k == m_shownSlice;
            break;
        }
    }
    if (shown) {
        m_candidatesDirty = true;
        updateJaggednessLabel();
        requestReplot();
    }
}

void LandscapePlot::finishSlice(const LandscapeSummary& summary) {
    for (int k = m_slices.size() - 1; k >= 0; --k) {
        if (m_slices[k].start.visit != summary.start.visit) continue;
        Slice& sl = m_slices[k];
        sl.finished = true;
        sl.complete = !summary.cancelled;
        sl.jaggedness = summary.jaggedness.value(0);
        m_visitCombo->setItemText(k, sliceLabel(k));
        if (k == m_shownSlice) setJaggedness(sl.start.losses.value(0), sl.jaggedness);
        break;
    }
}

void LandscapePlot::showSlice(int index) {
    if (index < 0 || index >= m_slices.size()) return;
    const Slice sl = m_slices[index];
    start(sl.start);
    m_shownSlice = index;
    addPoints(sl.points);
    if (sl.finished) m_jaggedness.insert(sl.start.losses.value(0), sl.jaggedness);
    m_candidatesDirty = true;
    updateJaggednessLabel();
    {
        const QSignalBlocker blocker(m_visitCombo);
        m_visitCombo->setCurrentIndex(index);
    }
    requestReplot();
}

void LandscapePlot::showVisit(int visit) {
    for (int k = 0; k < m_slices.size(); ++k) {
        if (m_slices[k].start.visit != visit) continue;
        {
            // Looking at an earlier visit stops following; the latest one follows again.
            const QSignalBlocker blocker(m_follow);
            m_follow->setChecked(k == m_slices.size() - 1);
        }
        showSlice(k);
        return;
    }
}

void LandscapePlot::setFollowingSearch(bool follow) {
    if (m_follow->isChecked() != follow) {
        m_follow->setChecked(follow);  // comes back here through toggled
        return;
    }
    if (follow && !m_slices.isEmpty() && m_shownSlice != m_slices.size() - 1)
        showSlice(m_slices.size() - 1);
}

}  // namespace evolq
