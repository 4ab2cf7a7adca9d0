#pragma once

#include <QObject>
#include <QString>

namespace evolq {

class MainWindow;

// Drives the real window through a scripted session and quits: quantize, then a search with the
// panel's settings. With a screenshot folder it also saves screenshots (QWidget::grab) for the
// documentation: one while the search runs, one when it ends, then a 2-D landscape. Exit code 0,
// 1 after an error, 2 on timeout.
class ScriptedSession : public QObject {
    Q_OBJECT
public:
    struct Settings {
        QString screenshotDir;  // empty: search only, no screenshots, no landscape
        int landscapePoints = 21;
        int timeoutSeconds = 24 * 3600;
    };

    ScriptedSession(MainWindow* window, const Settings& settings, QObject* parent = nullptr);
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
