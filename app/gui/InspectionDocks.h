#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

#include "types/Events.h"
#include "types/Settings.h"

class QDockWidget;

namespace evolq {

class MainWindow;
class RunHistoryPanel;
class SensitivityPanel;
class TryScalesPanel;

// The inspection docks of the workbench: layer sensitivity, the run history and "Try these
// scales" with its scrubber, wired to the window's worker, model tree and plots. Kept out of
// MainWindow so that the window stays the place of the main pipeline.
class InspectionDocks : public QObject {
    Q_OBJECT
public:
    explicit InspectionDocks(MainWindow* window);

    SensitivityPanel* sensitivity() const { return m_sensitivity; }
    RunHistoryPanel* runHistory() const { return m_history; }
    TryScalesPanel* tryScales() const { return m_try; }
    // Runs the layer sensitivity on the panel's number of calibration images.
    void runSensitivity();

    // Tries the scales at (a, b) of the last landscape; while one try runs, only the latest
    // request waits (a scrubber sends many).
    void requestTry(double a, double b);

private:
    void selectQuantizer(const QString& name, int block);
    void sendTry(double a, double b);

    MainWindow* m_window;
    SensitivityPanel* m_sensitivity;
    RunHistoryPanel* m_history;
    TryScalesPanel* m_try;
    LandscapeSettings m_landscape;  // the last sweep's settings
    LandscapeStart m_sweepStart;
    bool m_haveSweep = false;
    int m_tryVisit = -1;  // the live slice the try panel works on, -1: the last sweep
    bool m_tryInFlight = false, m_tryPending = false;
    double m_pendingA = 0, m_pendingB = 0;
    QJsonObject m_provenance;
    QString m_bits;
};

}  // namespace evolq
