#pragma once

#include <QWidget>

#include "types/Settings.h"
#include "types/Summaries.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace evolq {

// The strategy (Evol-Q or a rival), its genome and mixed precision, Evol-Q's settings, the live
// landscape's, Start / Pause-Resume / Cancel, and a progress bar with
// evaluations done / total and the ETA.
class SearchPanel : public QWidget {
    Q_OBJECT
public:
    explicit SearchPanel(QWidget* parent = nullptr);

    // Every field but outputPath (left empty: the workbench exports scales from the File menu).
    SearchSettings settings() const;
    void setSettings(const SearchSettings& s);

    QPushButton* startButton() const;
    QPushButton* pauseButton() const;
    QPushButton* cancelButton() const;
    QProgressBar* progressBar() const;
    QString progressText() const;
    static QString formatEta(double seconds);

public Q_SLOTS:
    void setWorkerState(evolq::WorkerState state);
    // Whether a quantized model exists to search.
    void setReady(bool ready);
    void setProgress(int done, int total, double etaSeconds);
    void resetProgress();

Q_SIGNALS:
    void startRequested();
    void pauseRequested();
    void resumeRequested();
    void cancelRequested();

private:
    void updateButtons();
    // Whether the chosen loss has a temperature (infoNCE).
    bool usesTemperature() const;

    QComboBox* m_strategy;
    QComboBox* m_genome;
    QDoubleSpinBox* m_mixed;
    // What the panel does not show (the similarity search's and reconstruction's settings) is
    // kept as set, so that settings() returns it.
    SearchSettings m_kept;
    QSpinBox* m_passes;
    QSpinBox* m_cycles;
    QSpinBox* m_population;
    QSpinBox* m_samples;
    QDoubleSpinBox* m_mutation;
    QCheckBox* m_relative;
    QComboBox* m_loss;
    QDoubleSpinBox* m_temperature;
    QSpinBox* m_batch;
    QSpinBox* m_seed;
    QSpinBox* m_valSubset;
    QCheckBox* m_fromBaseline;
    QCheckBox* m_finalEval;
    // The live landscape (LiveLandscapeSettings).
    QComboBox* m_liveMode;
    QSpinBox* m_livePoints;
    QDoubleSpinBox* m_liveRadius;
    QComboBox* m_liveAxes;
    QDoubleSpinBox* m_liveShare;
    QSpinBox* m_liveSubset;
    QPushButton* m_start;
    QPushButton* m_pause;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_eta;
    WorkerState m_state = WorkerState::Idle;
    bool m_ready = false;
};

}  // namespace evolq
