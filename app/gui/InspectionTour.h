#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace evolq {

class MainWindow;

// A scripted tour of the inspection tools for the documentation's screenshots, on the real
// window: layer sensitivity, two short runs overlaid in the run history, "Try these scales" on a
// 1-D landscape, then the presentation mode's lesson. Saves PNGs (QWidget::grab) and quits:
// 0 when every shot was written, 1 after an error.
class InspectionTour : public QObject {
    Q_OBJECT
public:
    InspectionTour(MainWindow* window, const QString& dir, QObject* parent = nullptr);
    void start();

private:
    void poll();
    void shoot(QWidget* w, const QString& name);
    void finish(int code, const QString& why);

    MainWindow* m_window;
    QString m_dir;
    QTimer m_poll;
    int m_phase = 0;
    int m_sensitivity = 0, m_finished = 0, m_landscapes = 0, m_tried = 0;
    bool m_idle = false;
    class PresentationWindow* m_present = nullptr;
};

}  // namespace evolq
