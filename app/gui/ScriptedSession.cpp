#include "ScriptedSession.h"

#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QPixmap>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>

#include "AccuracyPlot.h"
#include "FitnessPlot.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MainWindow.h"
#include "QcpInclude.h"
#include "ScaleChangeMap.h"
#include "worker/SearchWorker.h"

namespace evolq {

ScriptedSession::ScriptedSession(MainWindow* window, const Settings& settings, QObject* parent)
    : QObject(parent), m_window(window), m_settings(settings) {}

void ScriptedSession::start() {
    const bool shots = !m_settings.screenshotDir.isEmpty();
    if (shots) QDir().mkpath(m_settings.screenshotDir);
    SearchWorker* w = m_window->worker();
    connect(w, &SearchWorker::error, this, [this](const QString& e) { finish(1, e); });
    connect(w, &SearchWorker::quantized, this, [this] {
        m_window->panelTabs()->setCurrentIndex(3);  // the search panel, with its progress bar
        m_window->startSearch();
    });
    connect(w, &SearchWorker::searchStarted, this,
            [this](const RunStartEvent& run) { m_visitsPlanned = run.blocks * run.passes; });
    connect(w, &SearchWorker::blockVisited, this, [this, shots] {
        if (!shots) return;
        // Mid-run: the window as a researcher sees it during the search.
        if (++m_visits >= std::max(1, m_visitsPlanned / 2) && !m_shotRunning) {
            m_shotRunning = true;
            shoot("workbench-search.png");
            // The live landscape's slice of the visit that just ended, children on it.
            LandscapePlot* live = m_window->landscapePlot();
            if (live->sliceCount() > 0) {
                live->setExportSize(QSize(900, 600));
                QString why;
                if (!live->savePlot(QDir(m_settings.screenshotDir).filePath("live-landscape.png"),
                                    &why))
                    return finish(1, why);
                live->setExportSize(QSize());
            }
        }
    });
    connect(w, &SearchWorker::searchFinished, this, [this, shots](const RunEndEvent& end) {
        if (end.cancelled) return finish(1, "the search was cancelled");
        if (!shots) {
            // Leave time for the last signals (probe report, idle state) to arrive.
            QTimer::singleShot(300, this, [this] { finish(0, QString()); });
            return;
        }
        if (!m_shotRunning) shoot("workbench-search.png");
        // The idle state and the last status line arrive just after the end of the run.
        QTimer::singleShot(300, this, [this] {
            shoot("workbench-search-finished.png");
            LandscapeSettings s = m_window->landscapeControls()->settings();
            s.dims = 2;
            s.points = m_settings.landscapePoints;
            s.direction = DirectionKind::Random;
            s.losses = QStringList{lossName(LossKind::InfoNce), lossName(LossKind::Mse)};
            m_window->landscapeControls()->setSettings(s);
            m_window->runLandscape();
        });
    });
    connect(w, &SearchWorker::landscapeFinished, this, [this](const LandscapeSummary& s) {
        if (s.cancelled) return finish(1, "the landscape did not finish");
        m_window->panelTabs()->setCurrentIndex(0);
        if (auto* d = m_window->dock("landscapeDock")) d->raise();
        // Let the jaggedness figures and the last points reach the plot before the shot.
        QTimer::singleShot(300, this, [this] {
            shoot("workbench-landscape-2d.png");
            m_window->landscapePlot()->setExportSize(QSize(900, 700));
            QString why;
            if (!m_window->landscapePlot()->savePlot(
                    QDir(m_settings.screenshotDir).filePath("landscape-2d.png"), &why))
                return finish(1, why);
            finish(0, QString());
        });
    });
    QTimer::singleShot(m_settings.timeoutSeconds * 1000, this, [this] {
        finish(2, QString("timed out after %1 s").arg(m_settings.timeoutSeconds));
    });
    m_window->quantize();
}

void ScriptedSession::shoot(const QString& name) {
    // Bring every plot up to date now rather than at the next coalesced replot.
    for (PlotPanel* p : m_window->findChildren<PlotPanel*>()) {
        p->flushReplot();
        p->plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
    const QString path = QDir(m_settings.screenshotDir).filePath(name);
    if (!m_window->grab().save(path, "PNG"))
        return finish(1, path + ": cannot write the screenshot");
    std::fprintf(stderr, "screenshot: %s\n", qPrintable(path));
}

void ScriptedSession::finish(int code, const QString& why) {
    if (m_done) return;
    m_done = true;
    if (!why.isEmpty()) std::fprintf(stderr, "scripted session: %s\n", qPrintable(why));
    if (code != 0 && !m_settings.screenshotDir.isEmpty()) shoot("error.png");
    QCoreApplication::exit(code);
}

}  // namespace evolq
