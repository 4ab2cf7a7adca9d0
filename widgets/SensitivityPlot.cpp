#include "SensitivityPlot.h"

#include <QTextStream>
#include <cmath>

#include "QcpInclude.h"

namespace evolq {

SensitivityPlot::SensitivityPlot(QWidget* parent) : PlotPanel(parent) {
    QCustomPlot* p = plot();
    p->xAxis->setLabel(tr("quantizer (table order)"));
    p->yAxis->setLabel(tr("loss increase, this quantizer alone"));
    setIntegerTicks(p->xAxis);
    m_weights = new QCPBars(p->xAxis, p->yAxis);
    m_weights->setName(tr("weights"));
    m_weights->setBrush(seriesColor(0));
    m_weights->setPen(Qt::NoPen);
    m_activations = new QCPBars(p->xAxis, p->yAxis);
    m_activations->setName(tr("activations"));
    m_activations->setBrush(seriesColor(1));
    m_activations->setPen(Qt::NoPen);
    m_highlight = new QCPBars(p->xAxis, p->yAxis);
    m_highlight->setName(tr("selected"));
    m_highlight->setBrush(Qt::NoBrush);
    m_highlight->setPen(QPen(Qt::black, 2));
    m_highlight->removeFromLegend();
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    connect(p, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable*, int index, QMouseEvent*) {
                if (index >= 0 && index < m_order.size()) Q_EMIT barClicked(m_order[index]);
            });
}

int SensitivityPlot::barCount() const {
    return m_weights->data()->size() + m_activations->data()->size();
}

QString SensitivityPlot::defaultFileBaseName() const {
    return QStringLiteral("sensitivity");
}

const SensitivityRow* SensitivityPlot::rowOf(const QString& name) const {
    for (const SensitivityRow& r : m_result.rows)
        if (r.name == name) return &r;
    return nullptr;
}

void SensitivityPlot::setResult(const SensitivityResult& result, const QJsonObject& provenance) {
    m_result = result;
    m_provenance = provenance;
    m_order.clear();
    for (const SensitivityRow& r : result.rows) m_order << r.name;
    rebuild();
}

void SensitivityPlot::setOrder(const QStringList& names) {
    m_order = names;
    rebuild();
}

void SensitivityPlot::setSelected(const QString& name) {
    m_selected = name;
    rebuild();
}

void SensitivityPlot::rebuild() {
    QVector<double> wk, wv, ak, av, hk, hv;
    m_max = 0;
    for (int i = 0; i < m_order.size(); ++i) {
        const SensitivityRow* r = rowOf(m_order[i]);
        if (!r || !std::isfinite(r->lossIncrease)) continue;
        (r->weight ? wk : ak) << i;
        (r->weight ? wv : av) << r->lossIncrease;
        m_max = std::max(m_max, std::abs(r->lossIncrease));
        if (r->name == m_selected) {
            hk << i;
            hv << r->lossIncrease;
        }
    }
    m_weights->setData(wk, wv, true);
    m_activations->setData(ak, av, true);
    m_highlight->setData(hk, hv, true);
    setFollowingData(true);
    requestReplot();
}

void SensitivityPlot::fitRanges() {
    QCustomPlot* p = plot();
    p->xAxis->setRange(-0.5, std::max<qsizetype>(1, m_order.size()) - 0.5);
    double lo = 0;
    for (const SensitivityRow& r : m_result.rows)
        if (std::isfinite(r.lossIncrease)) lo = std::min(lo, r.lossIncrease);
    p->yAxis->setRange(lo, m_max > 0 ? m_max * 1.05 : 1e-3);
}

void SensitivityPlot::writeCsv(QTextStream& out) const {
    writeSensitivityCsv(out, m_result, m_provenance);
}

}  // namespace evolq
