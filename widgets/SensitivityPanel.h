#pragma once

#include <QJsonObject>
#include <QWidget>

#include "types/Sensitivity.h"
#include "types/Summaries.h"

class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace evolq {

class SensitivityPlot;

// Layer sensitivity: Run, a table of every quantizer (sortable by any column) and its bar chart;
// Export CSV... saves the table with provenance. Selecting a row (or a bar) names the quantizer
// and its block, for the model tree and the other plots.
class SensitivityPanel : public QWidget {
    Q_OBJECT
public:
    enum Column { Name, Kind, Block, Bits, LossIncrease, Sqnr, Columns };

    explicit SensitivityPanel(QWidget* parent = nullptr);

    QTableWidget* table() const;
    SensitivityPlot* chart() const;
    QPushButton* runButton() const;
    // The quantizer names in the table's current order.
    QStringList rowOrder() const;
    void setImages(int images);
    int images() const;

public Q_SLOTS:
    void setResult(const evolq::SensitivityResult& result, const QJsonObject& provenance);
    void setWorkerState(evolq::WorkerState state);
    void setReady(bool quantized);
    void selectQuantizer(const QString& name);

Q_SIGNALS:
    void runRequested(int images);
    // block: -1 for the embedding, the depth for the head.
    void quantizerSelected(const QString& name, int block);

private:
    void syncChart();

    QPushButton* m_run;
    QPushButton* m_export;
    QSpinBox* m_images;
    QLabel* m_summary;
    QTableWidget* m_table;
    SensitivityPlot* m_chart;
    WorkerState m_state = WorkerState::Idle;
    bool m_ready = false;
};

}  // namespace evolq
