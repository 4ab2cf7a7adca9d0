#pragma once

#include <QTimer>
#include <QWidget>

#include "types/Summaries.h"

class QLabel;
class QPushButton;

namespace evolq {

class AccuracyPlot;
class LandscapePlot;
class MainWindow;

// Presentation mode, for teaching: large type, one big landscape, the accuracy line with FP32 and
// the baseline, a caption in plain words and one Start button. Start runs the lesson once:
// quantize, a 1-D slice of the last block and its pits, a short search, a summary of FP32 /
// baseline / searched top-1. A demo runs the lesson unattended, in a loop. Esc leaves. The
// window's worker does the work: this only sends requests and shows the answers.
class PresentationWindow : public QWidget {
    Q_OBJECT
public:
    enum class Step { Ready, Quantizing, Landscape, Searching, Summary };
    Q_ENUM(Step)

    PresentationWindow(MainWindow* window, bool demo, QWidget* parent = nullptr);

    Step step() const { return m_step; }
    bool isDemo() const { return m_demo; }
    int loopsDone() const { return m_loops; }
    QString caption() const;
    QString summary() const;
    LandscapePlot* landscape() const { return m_landscape; }
    AccuracyPlot* accuracy() const { return m_accuracy; }
    QPushButton* startButton() const { return m_start; }
    // The lesson's search and landscape, from the window's settings.
    SearchSettings lessonSearch() const;
    LandscapeSettings lessonLandscape() const;
    // Pause between steps of the demo (ms); tests shorten it.
    void setDemoPause(int ms) { m_pauseMs = ms; }

public Q_SLOTS:
    void startLesson();

Q_SIGNALS:
    void stepChanged(evolq::PresentationWindow::Step step);
    // Esc or close: the workbench takes over again.
    void left();

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void setStep(Step s);
    void setCaption(const QString& text);
    void onIdle();
    void applyFonts();
    void runLandscape();
    void runSearch();

    MainWindow* m_window;
    bool m_demo;
    Step m_step = Step::Ready;
    int m_loops = 0;
    int m_pauseMs = 6000;
    bool m_jobSent = false;  // a request went to the worker for the current step
    QLabel* m_title;
    QLabel* m_caption;
    QLabel* m_summary;
    QPushButton* m_start;
    LandscapePlot* m_landscape;
    AccuracyPlot* m_accuracy;
    QTimer m_next;
    double m_fp32 = std::numeric_limits<double>::quiet_NaN();
    double m_baseline = std::numeric_limits<double>::quiet_NaN();
    double m_searched = std::numeric_limits<double>::quiet_NaN();
    int m_pits = -1;
    int m_slicePits = -1;  // local minima of the live slice of the visit under way
    int m_totalPasses = 0;
    QString m_bits;
};

}  // namespace evolq
