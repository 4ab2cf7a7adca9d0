#include "InspectionTour.h"

#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QPixmap>
#include <QTabWidget>
#include <cstdio>

#include "InspectionDocks.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MainWindow.h"
#include "PresentationWindow.h"
#include "QcpInclude.h"
#include "RunHistoryPanel.h"
#include "SearchPanel.h"
#include "SensitivityPanel.h"
#include "TryScalesPanel.h"
#include "worker/SearchWorker.h"

namespace evolq {

InspectionTour::InspectionTour(MainWindow* window, const QString& dir, QObject* parent)
    : QObject(parent), m_window(window), m_dir(dir) {}

void InspectionTour::start() {
    QDir().mkpath(m_dir);
    SearchWorker* w = m_window->worker();
    connect(w, &SearchWorker::error, this, [this](const QString& e) { finish(1, e); });
    connect(w, &SearchWorker::sensitivityReady, this, [this] { ++m_sensitivity; });
    connect(w, &SearchWorker::searchFinished, this, [this] { ++m_finished; });
    connect(w, &SearchWorker::landscapeFinished, this, [this] { ++m_landscapes; });
    connect(w, &SearchWorker::scalesTried, this, [this] { ++m_tried; });
    connect(&m_poll, &QTimer::timeout, this, &InspectionTour::poll);
    m_poll.start(300);
    m_window->quantize();
}

void InspectionTour::poll() {
    InspectionDocks* in = m_window->inspection();
    const bool idle = m_window->workerState() == WorkerState::Idle;
    auto raise = [this](const char* dock) {
        if (QDockWidget* d = m_window->dock(dock)) d->raise();
    };
    auto search = [this](unsigned seed) {
        SearchSettings s = m_window->searchPanel()->settings();
        s.passes = 1;
        s.seed = seed;
        m_window->searchPanel()->setSettings(s);
        m_window->startSearch();
    };
    switch (m_phase) {
        case 0:  // quantized
            if (!idle || !m_window->isQuantized()) return;
            in->sensitivity()->setImages(256);
            in->runSensitivity();
            m_phase = 1;
            return;
        case 1:
            if (!idle || m_sensitivity < 1) return;
            in->sensitivity()->selectQuantizer(in->sensitivity()->rowOrder().first());
            raise("sensitivityDock");
            shoot(m_window, "inspect-sensitivity.png");
            search(0);
            m_phase = 2;
            return;
        case 2:
            if (!idle || m_finished < 1) return;
            search(1);
            m_phase = 3;
            return;
        case 3:
            if (!idle || m_finished < 2) return;
            in->runHistory()->setChecked(0, true);
            in->runHistory()->setChecked(1, true);
            raise("runHistoryDock");
            raise("fitnessDock");
            m_phase = 4;
            return;
        case 4: {
            shoot(m_window, "inspect-run-history.png");
            LandscapeSettings l = m_window->landscapeControls()->settings();
            l.block = std::max(0, m_window->landscapeControls()->blockCount() - 1);
            l.dims = 1;
            l.points = 41;
            l.direction = DirectionKind::Random;
            l.losses = QStringList{"infonce", "top1"};
            l.subset = 256;
            m_window->landscapeControls()->setSettings(l);
            m_window->runLandscape();
            m_phase = 5;
            return;
        }
        case 5:
            if (!idle || m_landscapes < 1) return;
            raise("landscapeDock");
            Q_EMIT m_window->landscapePlot()->pointClicked(2.0, 0);
            in->tryScales()->tryButton()->click();
            m_phase = 6;
            return;
        case 6:
            if (m_tried < 1) return;
            raise("tryScalesDock");
            m_phase = 7;
            return;
        case 7:
            shoot(m_window, "inspect-try-scales.png");
            m_present = m_window->openPresentation(false);
            m_present->setDemoPause(4000);
            m_present->startButton()->click();
            m_phase = 8;
            return;
        case 8:
            if (m_present->step() != PresentationWindow::Step::Landscape ||
                !m_present->caption().contains("pits"))
                return;
            shoot(m_present, "presentation-landscape.png");
            m_phase = 9;
            return;
        case 9:
            if (m_present->step() != PresentationWindow::Step::Summary) return;
            m_phase = 10;
            return;
        case 10:
            shoot(m_present, "presentation-summary.png");
            finish(0, QString());
            return;
    }
}

void InspectionTour::shoot(QWidget* w, const QString& name) {
    for (PlotPanel* p : w->findChildren<PlotPanel*>()) {
        p->flushReplot();
        p->plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
    const QString path = QDir(m_dir).filePath(name);
    if (!w->grab().save(path, "PNG")) return finish(1, path + ": cannot write the screenshot");
    std::fprintf(stderr, "screenshot: %s\n", qPrintable(path));
}

void InspectionTour::finish(int code, const QString& why) {
    m_poll.stop();
    if (!why.isEmpty()) std::fprintf(stderr, "inspection tour: %s\n", qPrintable(why));
    QCoreApplication::exit(code);
}

}  // namespace evolq
