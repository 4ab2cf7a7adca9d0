#pragma once

#include <QWidget>

#include "types/Settings.h"
#include "types/Summaries.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace evolq {

// What a landscape sweep measures: block, direction kind, 1-D or 2-D, points, radius, losses;
// Run and Cancel.
class LandscapeControls : public QWidget {
    Q_OBJECT
public:
    explicit LandscapeControls(QWidget* parent = nullptr);

    // Block, direction, grid, radius, unit, losses, subset and seed; the quantizer, temperature
    // and batch keep their defaults (the window takes the last two from the search panel).
    LandscapeSettings settings() const;
    void setSettings(const LandscapeSettings& s);
    void setBlockCount(int blocks);
    int blockCount() const;
    QPushButton* runButton() const;
    QPushButton* cancelButton() const;
    QComboBox* directionCombo() const;

public Q_SLOTS:
    void setBlock(int block);
    void setWorkerState(evolq::WorkerState state);
    // Whether a quantized model exists, and whether a finished search gives "toward the result".
    void setReady(bool quantized, bool searched);

Q_SIGNALS:
    void runRequested();
    void cancelRequested();

public:
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateEnabled();
    DirectionKind currentDirection() const;

    QSpinBox* m_block;
    QComboBox* m_direction;
    QSpinBox* m_channel;
    QLineEdit* m_file;
    QToolButton* m_browse;
    QComboBox* m_dims;
    QSpinBox* m_points;
    QDoubleSpinBox* m_radius;
    QComboBox* m_unit;
    QList<QCheckBox*> m_losses;
    QSpinBox* m_subset;
    QSpinBox* m_seed;
    QPushButton* m_run;
    QPushButton* m_cancel;
    WorkerState m_state = WorkerState::Idle;
    bool m_quantized = false, m_searched = false;
};

}  // namespace evolq
