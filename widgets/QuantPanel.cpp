#include "QuantPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

namespace evolq {

namespace {

QComboBox* bitsCombo(QWidget* parent, const QList<int>& bits) {
    auto* c = new QComboBox(parent);
    for (int b : bits) c->addItem(b > 0 ? QString::number(b) : QObject::tr("off (float)"), b);
    return c;
}

QComboBox* observerCombo(QWidget* parent) {
    auto* c = new QComboBox(parent);
    for (ObserverKind k : observerKinds()) c->addItem(observerName(k), int(k));
    return c;
}

void selectData(QComboBox* c, int value) {
    const int i = c->findData(value);
    if (i >= 0) c->setCurrentIndex(i);
}

QString percent(double v) {
    return std::isnan(v) ? QStringLiteral("-") : QString::number(v, 'f', 2) + " %";
}

}  // namespace

QuantPanel::QuantPanel(QWidget* parent)
    : QWidget(parent),
      m_wBits(bitsCombo(this, {2, 3, 4, 8, 0})),
      m_wSigned(new QCheckBox(tr("signed (symmetric)"), this)),
      m_wObserver(observerCombo(this)),
      m_aBits(bitsCombo(this, {4, 8, 0})),
      m_aSigned(new QCheckBox(tr("signed (symmetric)"), this)),
      m_aObserver(observerCombo(this)),
      m_ptf(new QCheckBox(tr("power-of-two factor for LayerNorm inputs"), this)),
      m_log2(new QCheckBox(tr("log2 quantizer for attention probabilities"), this)),
      m_biasCorrection(new QCheckBox(tr("bias correction"), this)),
      m_calibImages(new QSpinBox(this)),
      m_calibBatch(new QSpinBox(this)),
      m_seed(new QSpinBox(this)),
      m_quantize(new QPushButton(tr("Quantize"), this)),
      m_result(new QLabel(this)) {
    m_calibImages->setRange(1, 1000000);
    m_calibBatch->setRange(1, 100000);
    m_seed->setRange(0, 1 << 30);
    m_quantize->setObjectName("quantizeButton");
    m_quantize->setToolTip(tr("Calibrate the FQ-ViT baseline and measure its accuracy"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setObjectName("quantizeResult");

    auto* form = new QFormLayout;
    form->addRow(tr("Weight bits:"), m_wBits);
    form->addRow(QString(), m_wSigned);
    form->addRow(tr("Weight observer:"), m_wObserver);
    form->addRow(tr("Activation bits:"), m_aBits);
    form->addRow(QString(), m_aSigned);
    form->addRow(tr("Activation observer:"), m_aObserver);
    form->addRow(QString(), m_ptf);
    form->addRow(QString(), m_log2);
    form->addRow(QString(), m_biasCorrection);
    form->addRow(tr("Calibration images:"), m_calibImages);
    form->addRow(tr("Calibration batch:"), m_calibBatch);
    form->addRow(tr("Seed:"), m_seed);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_quantize, 0, Qt::AlignLeft);
    layout->addWidget(m_result);
    layout->addStretch(1);
    setConfig(QuantConfig());
    clearResult();
    connect(m_quantize, &QPushButton::clicked, this, &QuantPanel::quantizeRequested);
}

QuantConfig QuantPanel::config() const {
    QuantConfig c;
    c.weightBits = m_wBits->currentData().toInt();
    c.weightSigned = m_wSigned->isChecked();
    c.weightObserver = static_cast<ObserverKind>(m_wObserver->currentData().toInt());
    c.actBits = m_aBits->currentData().toInt();
    c.actSigned = m_aSigned->isChecked();
    c.actObserver = static_cast<ObserverKind>(m_aObserver->currentData().toInt());
    c.ptf = m_ptf->isChecked();
    c.log2Softmax = m_log2->isChecked();
    c.biasCorrection = m_biasCorrection->isChecked();
    c.calibImages = m_calibImages->value();
    c.calibBatch = m_calibBatch->value();
    c.seed = static_cast<unsigned>(m_seed->value());
    return c;
}

void QuantPanel::setConfig(const QuantConfig& c) {
    selectData(m_wBits, c.weightBits);
    m_wSigned->setChecked(c.weightSigned);
    selectData(m_wObserver, int(c.weightObserver));
    selectData(m_aBits, c.actBits);
    m_aSigned->setChecked(c.actSigned);
    selectData(m_aObserver, int(c.actObserver));
    m_ptf->setChecked(c.ptf);
    m_log2->setChecked(c.log2Softmax);
    m_biasCorrection->setChecked(c.biasCorrection);
    m_calibImages->setValue(c.calibImages);
    m_calibBatch->setValue(c.calibBatch);
    m_seed->setValue(static_cast<int>(c.seed));
}

QPushButton* QuantPanel::quantizeButton() const {
    return m_quantize;
}

QString QuantPanel::resultText() const {
    return m_result->text();
}

void QuantPanel::clearResult() {
    m_result->setText(tr("Not quantized yet."));
}

void QuantPanel::setResult(const QuantizeSummary& s) {
    QString text =
        s.source == "baseline" || s.source.isEmpty()
            ? tr("<b>%1 baseline</b> calibrated on %2 images in %3 s.")
                  .arg(s.label)
                  .arg(s.calibImages)
                  .arg(s.seconds, 0, 'f', 2)
            : tr("<b>%1</b> scales loaded from %2.").arg(s.label, s.source.toHtmlEscaped());
    if (s.valImages > 0)
        text += tr("<br>Top-1 on %1 validation images: <b>%2</b> (FP32 %3).")
                    .arg(s.valImages)
                    .arg(percent(s.baselineTop1), percent(s.fp32Top1));
    else
        text += tr("<br>No validation subset: accuracy not measured.");
    m_result->setText(text);
}

void QuantPanel::setWorkerState(WorkerState state) {
    m_quantize->setEnabled(state == WorkerState::Idle);
}

}  // namespace evolq
