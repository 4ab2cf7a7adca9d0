#include "ScaleChangeMap.h"

#include <QTextStream>
#include <cmath>
#include <limits>

#include "QcpInclude.h"
#include "common/Csv.h"

namespace evolq {

ScaleChangeMap::ScaleChangeMap(QWidget* parent) : PlotPanel(parent) {
    QCustomPlot* p = plot();
    p->xAxis->setLabel(tr("channel"));
    p->yAxis->setLabel(tr("block"));
    p->yAxis->setRangeReversed(true);  // block 0 on top, like the model's layer list
    setIntegerTicks(p->xAxis);
    setIntegerTicks(p->yAxis);

    m_map = new QCPColorMap(p->xAxis, p->yAxis);
    m_map->setInterpolate(false);
    m_scale = new QCPColorScale(p);
    p->plotLayout()->addElement(0, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setLabel(tr("relative change from baseline"));
    m_map->setColorScale(m_scale);

    // Diverging: shrunk scales blue, grown ones red, untouched white; padding transparent.
    QCPColorGradient gradient;
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    gradient.setColorStopAt(0.0, QColor(0x2166ac));
    gradient.setColorStopAt(0.25, QColor(0x92c5de));
    gradient.setColorStopAt(0.5, Qt::white);
    gradient.setColorStopAt(0.75, QColor(0xf4a582));
    gradient.setColorStopAt(1.0, QColor(0xb2182b));
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    gradient.setLevelCount(257);  // odd: one level sits exactly on 0, so unchanged is pure white
    m_map->setGradient(gradient);

    auto* margins = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
}

int ScaleChangeMap::blockCount() const {
    return m_changes.size();
}

int ScaleChangeMap::channelCount() const {
    return m_channels;
}

double ScaleChangeMap::maxAbsChange() const {
    return m_maxAbs;
}

QCPColorMap* ScaleChangeMap::colorMap() const {
    return m_map;
}

QString ScaleChangeMap::defaultFileBaseName() const {
    return QStringLiteral("scale-changes");
}

double ScaleChangeMap::valueAt(int block, int channel) const {
    if (block < 0 || block >= m_changes.size() || channel < 0 || channel >= m_changes[block].size())
        return std::numeric_limits<double>::quiet_NaN();
    return m_changes[block][channel];
}

void ScaleChangeMap::clear() {
    setChanges({});
}

void ScaleChangeMap::setChanges(const QVector<QVector<double>>& perBlock) {
    m_changes = perBlock;
    m_channels = 0;
    m_maxAbs = 0;
    for (const QVector<double>& row : perBlock) {
        m_channels = qMax(m_channels, int(row.size()));
        for (double v : row)
            if (std::isfinite(v)) m_maxAbs = qMax(m_maxAbs, std::abs(v));
    }
    const int blocks = perBlock.size();
    QCPColorMapData* data = m_map->data();
    data->setSize(m_channels, blocks);
    data->setRange(QCPRange(0, qMax(0, m_channels - 1)), QCPRange(0, qMax(0, blocks - 1)));
    for (int b = 0; b < blocks; ++b)
        for (int c = 0; c < m_channels; ++c) data->setCell(c, b, valueAt(b, c));
    // Symmetric so that white means "unchanged" whatever the data.
    const double extent = m_maxAbs > 0 ? m_maxAbs : 1e-3;
    m_map->setDataRange(QCPRange(-extent, extent));
    setFollowingData(true);
    requestReplot();
}

void ScaleChangeMap::fitRanges() {
    QCustomPlot* p = plot();
    p->xAxis->setRange(-0.5, qMax(1, m_channels) - 0.5);
    p->yAxis->setRange(-0.5, qMax(1, int(m_changes.size())) - 0.5);
}

void ScaleChangeMap::writeCsv(QTextStream& out) const {
    out << "block,channel,relative_change\n";
    for (int b = 0; b < m_changes.size(); ++b)
        for (int c = 0; c < m_changes[b].size(); ++c)
            out << b << ',' << c << ',' << csvNumber(m_changes[b][c]) << '\n';
}

}  // namespace evolq
