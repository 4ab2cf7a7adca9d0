#include "TryScalesPanel.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>
#include <cmath>

namespace evolq {

namespace {

QString percent(double v) {
    return std::isnan(v) ? QStringLiteral("-") : QString::number(v, 'f', 2) + " %";
}

QString className(const QStringList& classes, int i) {
    return i >= 0 && i < classes.size() ? classes[i] : QString::number(i);
}

}  // namespace

TryScalesPanel::TryScalesPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_point = new QLabel(tr("Run a landscape, then click a point of it."));
    m_point->setWordWrap(true);
    layout->addWidget(m_point);
    auto* buttons = new QHBoxLayout;
    m_try = new QPushButton(tr("Try these scales"));
    m_try->setObjectName("tryScales");
    m_try->setToolTip(tr("The model takes the scales of the picked point"));
    m_undo = new QPushButton(tr("Undo: back to the previous scales"));
    m_undo->setObjectName("undoTry");
    buttons->addWidget(m_try);
    buttons->addWidget(m_undo);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    auto* scrub = new QHBoxLayout;
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setObjectName("scrubber");
    m_slider->setRange(0, SliderSteps);
    m_slider->setValue(SliderSteps / 2);
    m_slider->setToolTip(tr("Moves along the landscape's direction, trying each position"));
    m_sliderLabel = new QLabel;
    m_sliderLabel->setMinimumWidth(90);
    scrub->addWidget(new QLabel(tr("Scrub:")));
    scrub->addWidget(m_slider, 1);
    scrub->addWidget(m_sliderLabel);
    layout->addLayout(scrub);
    m_result = new QLabel;
    m_result->setObjectName("tryResult");
    m_result->setWordWrap(true);
    m_result->setTextFormat(Qt::RichText);
    layout->addWidget(m_result);
    auto* gridHost = new QWidget;
    m_grid = new QGridLayout(gridHost);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setSpacing(4);
    layout->addWidget(gridHost);
    layout->addStretch(1);

    connect(m_try, &QPushButton::clicked, this, [this] { Q_EMIT tryRequested(m_a, m_b); });
    connect(m_undo, &QPushButton::clicked, this, &TryScalesPanel::undoRequested);
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        if (!m_haveLandscape) return;
        m_a = sliderCoordinate(v);
        if (!m_havePoint) m_b = 0;
        m_havePoint = true;
        m_sliderLabel->setText(QString("a = %1").arg(m_a, 0, 'g', 3));
        Q_EMIT tryRequested(m_a, m_b);
    });
    updateButtons();
}

QPushButton* TryScalesPanel::tryButton() const {
    return m_try;
}

QPushButton* TryScalesPanel::undoButton() const {
    return m_undo;
}

QSlider* TryScalesPanel::scrubber() const {
    return m_slider;
}

int TryScalesPanel::sampleCount() const {
    return m_cells.size();
}

QString TryScalesPanel::sampleText(int i) const {
    return i >= 0 && i < m_cells.size() ? m_cells[i]->toolTip() : QString();
}

int TryScalesPanel::changedCount() const {
    return m_changed;
}

QString TryScalesPanel::resultText() const {
    return m_result->text();
}

double TryScalesPanel::sliderCoordinate(int value) const {
    return -m_start.radius + 2 * m_start.radius * value / SliderSteps;
}

int TryScalesPanel::sliderValue(double a) const {
    if (m_start.radius <= 0) return SliderSteps / 2;
    return qBound(0, int(std::lround((a + m_start.radius) / (2 * m_start.radius) * SliderSteps)),
                  SliderSteps);
}

void TryScalesPanel::setLandscape(const LandscapeStart& start) {
    m_start = start;
    m_haveLandscape = true;
    m_havePoint = false;
    m_point->setText(tr("Block %1, %2 direction: click a point of the landscape, or scrub.")
                         .arg(start.block)
                         .arg(start.direction));
    const QSignalBlocker block(m_slider);
    m_slider->setValue(SliderSteps / 2);
    m_sliderLabel->setText("a = 0");
    updateButtons();
}

void TryScalesPanel::setPoint(double a, double b) {
    m_a = a;
    m_b = b;
    m_havePoint = true;
    m_point->setText(
        m_start.dims == 2
            ? tr("Picked a = %1, b = %2 (%3)").arg(a, 0, 'g', 4).arg(b, 0, 'g', 4).arg(m_start.unit)
            : tr("Picked a = %1 (%2)").arg(a, 0, 'g', 4).arg(m_start.unit));
    const QSignalBlocker block(m_slider);
    m_slider->setValue(sliderValue(a));
    m_sliderLabel->setText(QString("a = %1").arg(a, 0, 'g', 3));
    updateButtons();
}

void TryScalesPanel::clearSamples() {
    for (QLabel* c : m_cells) delete c;
    m_cells.clear();
    m_changed = 0;
}

void TryScalesPanel::setResult(const TryResult& r) {
    m_tried = true;
    QStringList values;
    for (int i = 0; i < r.losses.size() && i < r.values.size(); ++i)
        values << QString("%1 %2").arg(r.losses[i]).arg(r.values[i], 0, 'g', 6);
    m_result->setText(
        tr("<b>At a = %1%2</b> (block %3): calibration %4. Validation top-1 on %5 images: "
           "<b>%6</b> (FP32 %7). %8 ms.")
            .arg(r.a, 0, 'g', 4)
            .arg(m_start.dims == 2 ? QString(", b = %1").arg(r.b, 0, 'g', 4) : QString())
            .arg(r.block)
            .arg(values.join(", "))
            .arg(r.valImages)
            .arg(percent(r.top1), percent(r.fp32Top1))
            .arg(r.milliseconds, 0, 'f', 0));
    clearSamples();
    const int columns = 6;
    for (int i = 0; i < r.samples.size(); ++i) {
        const SamplePrediction& s = r.samples[i];
        auto* cell = new QLabel;
        QPixmap pix(s.file);
        if (!pix.isNull())
            cell->setPixmap(pix.scaled(56, 56, Qt::KeepAspectRatio, Qt::FastTransformation));
        const QString text = tr("true %1\nFP32 %2\nquantized %3")
                                 .arg(className(r.classes, s.label), className(r.classes, s.fp32),
                                      className(r.classes, s.quantized));
        cell->setToolTip(text + (s.changed() ? tr("\n(changed)") : QString()));
        cell->setAlignment(Qt::AlignCenter);
        cell->setFixedSize(64, 64);
        // A changed prediction gets a red frame, a kept one a light one.
        cell->setStyleSheet(s.changed() ? "border: 3px solid #d62728;" : "border: 1px solid #ccc;");
        if (s.changed()) ++m_changed;
        m_grid->addWidget(cell, i / columns, i % columns);
        m_cells.append(cell);
    }
    if (!r.samples.isEmpty())
        m_result->setText(m_result->text() +
                          tr(" Samples: %1 of %2 predictions differ from FP32 (red frames; hover "
                             "for labels).")
                              .arg(m_changed)
                              .arg(r.samples.size()));
    updateButtons();
}

void TryScalesPanel::setUndone() {
    m_tried = false;
    m_result->setText(tr("Back to the scales from before the first try."));
    clearSamples();
    updateButtons();
}

void TryScalesPanel::setWorkerState(WorkerState state) {
    m_state = state;
    updateButtons();
}

void TryScalesPanel::updateButtons() {
    const bool idle = m_state == WorkerState::Idle;
    m_try->setEnabled(idle && m_haveLandscape && m_havePoint);
    m_undo->setEnabled(idle && m_tried);
    // The scrubber queues its own requests (one in flight), so it stays usable while one runs.
    m_slider->setEnabled(m_haveLandscape && (idle || m_state == WorkerState::Evaluating));
}

}  // namespace evolq
