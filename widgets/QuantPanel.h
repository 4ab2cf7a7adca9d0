#pragma once

#include <QWidget>

#include "types/QuantConfig.h"
#include "types/Summaries.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace evolq {

// The FQ-ViT baseline's knobs (bits, signedness, observers, PTF, log2 softmax, calibration size)
// and a Quantize button; shows the baseline's accuracy once quantized.
class QuantPanel : public QWidget {
    Q_OBJECT
public:
    explicit QuantPanel(QWidget* parent = nullptr);

    QuantConfig config() const;
    void setConfig(const QuantConfig& config);
    QPushButton* quantizeButton() const;
    QString resultText() const;

public Q_SLOTS:
    void setResult(const evolq::QuantizeSummary& summary);
    void clearResult();
    // Quantize is possible only while the worker is idle.
    void setWorkerState(evolq::WorkerState state);

Q_SIGNALS:
    void quantizeRequested();

private:
    QComboBox* m_wBits;
    QCheckBox* m_wSigned;
    QComboBox* m_wObserver;
    QComboBox* m_aBits;
    QCheckBox* m_aSigned;
    QComboBox* m_aObserver;
    QCheckBox* m_ptf;
    QCheckBox* m_log2;
    QCheckBox* m_biasCorrection;
    QSpinBox* m_calibImages;
    QSpinBox* m_calibBatch;
    QSpinBox* m_seed;
    QPushButton* m_quantize;
    QLabel* m_result;
};

}  // namespace evolq
