#pragma once

#include <QVector>

#include "PlotPanel.h"

class QCPColorMap;
class QCPColorScale;

namespace evolq {

// Block x channel map of how far the search moved each quantization scale from the baseline:
// relative change (searched / baseline - 1), on a diverging scale centred at 0.
class ScaleChangeMap : public PlotPanel {
    Q_OBJECT
public:
    explicit ScaleChangeMap(QWidget* parent = nullptr);

    int blockCount() const;
    int channelCount() const;  // of the longest row
    // NaN outside the data, including the padding of rows shorter than the longest.
    double valueAt(int block, int channel) const;
    // Largest absolute change: the colour scale runs from -this to +this.
    double maxAbsChange() const;
    QCPColorMap* colorMap() const;

public Q_SLOTS:
    // Row b holds block b's relative changes; rows may differ in length.
    void setChanges(const QVector<QVector<double>>& perBlock);
    void clear();

protected:
    void fitRanges() override;
    void writeCsv(QTextStream& out) const override;
    QString defaultFileBaseName() const override;

private:
    QCPColorMap* m_map;
    QCPColorScale* m_scale;
    QVector<QVector<double>> m_changes;
    int m_channels = 0;
    double m_maxAbs = 0;
};

}  // namespace evolq
