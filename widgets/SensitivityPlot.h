#pragma once

#include <QJsonObject>
#include <QStringList>

#include "PlotPanel.h"
#include "types/Sensitivity.h"

class QCPBars;

namespace evolq {

// Layer sensitivity as bars: the loss increase of each quantizer alone, in the order given (the
// table's sort order), weights and activations in two colours, the selected one outlined. Save
// data writes the sensitivity CSV with its provenance.
class SensitivityPlot : public PlotPanel {
    Q_OBJECT
public:
    explicit SensitivityPlot(QWidget* parent = nullptr);

    void setResult(const SensitivityResult& result, const QJsonObject& provenance);
    // The bars' order, as quantizer names (the table sorts, the chart follows).
    void setOrder(const QStringList& names);
    void setSelected(const QString& name);
    const SensitivityResult& result() const { return m_result; }
    QStringList order() const { return m_order; }
    int barCount() const;

Q_SIGNALS:
    void barClicked(const QString& name);

protected:
    void writeCsv(QTextStream& out) const override;
    void fitRanges() override;
    QString defaultFileBaseName() const override;

private:
    void rebuild();
    const SensitivityRow* rowOf(const QString& name) const;

    SensitivityResult m_result;
    QJsonObject m_provenance;
    QStringList m_order;
    QString m_selected;
    QCPBars* m_weights;
    QCPBars* m_activations;
    QCPBars* m_highlight;
    double m_max = 0;
};

}  // namespace evolq
