#pragma once

#include <QWidget>

#include "types/Events.h"
#include "types/Summaries.h"
#include "types/TryScales.h"

class QGridLayout;
class QLabel;
class QPushButton;
class QSlider;

namespace evolq {

// "Try these scales" and the scrubber. A point picked on the landscape (setPoint) can be tried:
// the model takes its scales and this panel shows the landscape's quantities there, top-1 on the
// validation subset beside FP32, and a grid of validation images with their FP32 and quantized
// predictions (changes marked). Undo goes back to the scales from before the first try. The
// slider moves along the landscape's first direction (at the picked b in 2-D), trying each
// position as it goes.
class TryScalesPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int SliderSteps = 200;

    explicit TryScalesPanel(QWidget* parent = nullptr);

    QPushButton* tryButton() const;
    QPushButton* undoButton() const;
    QSlider* scrubber() const;
    // The grid's cells: one per sample, and the text of each.
    int sampleCount() const;
    QString sampleText(int i) const;
    int changedCount() const;
    QString resultText() const;
    double pointA() const { return m_a; }
    double pointB() const { return m_b; }
    // Slider position <-> coordinate a.
    double sliderCoordinate(int value) const;
    int sliderValue(double a) const;

public Q_SLOTS:
    void setLandscape(const evolq::LandscapeStart& start);
    void setPoint(double a, double b);
    void setResult(const evolq::TryResult& result);
    // The scales are those from before the first try again.
    void setUndone();
    void setWorkerState(evolq::WorkerState state);

Q_SIGNALS:
    void tryRequested(double a, double b);
    void undoRequested();

private:
    void updateButtons();
    void clearSamples();

    QLabel* m_point;
    QPushButton* m_try;
    QPushButton* m_undo;
    QSlider* m_slider;
    QLabel* m_sliderLabel;
    QLabel* m_result;
    QGridLayout* m_grid;
    QVector<QLabel*> m_cells;
    LandscapeStart m_start;
    bool m_haveLandscape = false, m_havePoint = false, m_tried = false;
    double m_a = 0, m_b = 0;
    WorkerState m_state = WorkerState::Idle;
    int m_changed = 0;
};

}  // namespace evolq
