#pragma once

#include <QObject>
#include <QString>

namespace evolq {

class MainWindow;

// Drives the real window through a short session and saves screenshots (QWidget::grab) for the
// documentation: quantize, a search (a shot while it runs and one when it ends), then a 2-D
// landscape. Quits the application when done: exit code 0, or 1 after an error.
class ScreenshotTour : public QObject {
    Q_OBJECT
public:
    struct Settings {
        QString dir;
        int landscapePoints = 21;
        int timeoutSeconds = 3600;
    };

    ScreenshotTour(MainWindow* window, const Settings& settings, QObject* parent = nullptr);
    void start();

private:
    void shoot(const QString& name);
    void finish(int code, const QString& why);

    MainWindow* m_window;
    Settings m_settings;
    int m_visits = 0;
    int m_visitsPlanned = 0;
    bool m_shotRunning = false;
    bool m_done = false;
};

}  // namespace evolq
