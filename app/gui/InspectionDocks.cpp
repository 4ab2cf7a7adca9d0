#include "InspectionDocks.h"

#include <QDockWidget>
#include <QTabWidget>
#include <QTreeWidget>

#include "AccuracyPlot.h"
#include "FitnessPlot.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MainWindow.h"
#include "ModelPanel.h"
#include "RunHistoryPanel.h"
#include "SearchPanel.h"
#include "SensitivityPanel.h"
#include "TryScalesPanel.h"
#include "common/Error.h"
#include "worker/SearchWorker.h"

namespace evolq {

InspectionDocks::InspectionDocks(MainWindow* window)
    : QObject(window),
      m_window(window),
      m_sensitivity(new SensitivityPanel),
      m_history(new RunHistoryPanel),
      m_try(new TryScalesPanel) {
    auto addDock = [window](QWidget* w, const QString& title, const QString& name) {
        auto* dock = new QDockWidget(title, window);
        dock->setObjectName(name);
        dock->setWidget(w);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
        window->addDockWidget(Qt::RightDockWidgetArea, dock);
        return dock;
    };
    QDockWidget* sens = addDock(m_sensitivity, tr("Layer sensitivity"), "sensitivityDock");
    QDockWidget* hist = addDock(m_history, tr("Run history"), "runHistoryDock");
    QDockWidget* tryDock = addDock(m_try, tr("Try these scales"), "tryScalesDock");
    if (QDockWidget* accuracy = window->dock("accuracyDock")) {
        window->tabifyDockWidget(accuracy, sens);
        window->tabifyDockWidget(accuracy, hist);
        window->tabifyDockWidget(accuracy, tryDock);
        accuracy->raise();
    }

    SearchWorker* w = window->worker();
    connect(m_sensitivity, &SensitivityPanel::runRequested, this, [this] { runSensitivity(); });
    connect(m_sensitivity, &SensitivityPanel::quantizerSelected, this,
            &InspectionDocks::selectQuantizer);
    connect(w, &SearchWorker::sensitivityReady, this, [this, sens](const SensitivityResult& r) {
        QJsonObject prov = m_provenance;
        prov.insert("sensitivity", QJsonObject{{"images", r.images}, {"loss", r.loss}});
        m_sensitivity->setResult(r, prov);
        sens->raise();
    });
    connect(w, &SearchWorker::stateChanged, this, [this](WorkerState s) {
        m_sensitivity->setReady(m_window->isQuantized());
        m_sensitivity->setWorkerState(s);
    });
    connect(w, &SearchWorker::provenanceChanged, this, [this](const QJsonObject& p) {
        m_provenance = p;
        m_history->setProvenance(p);
    });
    connect(w, &SearchWorker::quantized, this,
            [this](const QuantizeSummary& s) { m_bits = s.label; });

    // The session's runs, as they happen.
    connect(w, &SearchWorker::searchStarted, this, [this](const RunStartEvent& run) {
        m_history->beginRun(run, m_window->searchPanel()->settings().toJson(), m_bits);
    });
    connect(w, &SearchWorker::fitnessEvents, m_history, &RunHistoryPanel::addFitness);
    connect(w, &SearchWorker::blockVisited, m_history, &RunHistoryPanel::addVisit);
    connect(w, &SearchWorker::searchFinished, m_history, &RunHistoryPanel::finishRun);
    // A loaded scale file that holds a search is a run too.
    connect(w, &SearchWorker::imported, this, [this](const QString& path) {
        try {
            m_history->addRun(RunHistory::read(path));
        } catch (const Error&) {
            // A baseline file: no run to list.
        }
    });
    // Try these scales: a landscape's point, picked on the plot or with the scrubber.
    LandscapePlot* land = window->landscapePlot();
    connect(w, &SearchWorker::landscapeStarted, this, [this](const LandscapeStart& s) {
        m_landscape = m_window->lastLandscapeSettings();
        m_sweepStart = s;
        m_haveSweep = true;
        m_tryVisit = -1;
        m_try->setLandscape(s);
    });
    connect(land, &LandscapePlot::pointClicked, this, [this, land, tryDock](double a, double b) {
        // A live slice's point is tried on that slice (its centre and axes); a sweep's on the
        // sweep.
        const int visit = land->shownVisit();
        if (visit != m_tryVisit) {
            if (visit >= 0)
                m_try->setLandscape(land->shownSliceStart());
            else if (m_haveSweep)
                m_try->setLandscape(m_sweepStart);
            m_tryVisit = visit;
        }
        m_try->setPoint(a, b);
        land->setMarker(a, b);
        tryDock->raise();
    });
    connect(m_try, &TryScalesPanel::tryRequested, this, &InspectionDocks::requestTry);
    connect(m_try, &TryScalesPanel::undoRequested, this, [this] {
        QMetaObject::invokeMethod(
            m_window->worker(), [w = m_window->worker()] { w->undoTry(); }, Qt::QueuedConnection);
    });
    connect(w, &SearchWorker::scalesTried, this, [this, land](const TryResult& r) {
        m_tryInFlight = false;
        m_try->setResult(r);
        land->setMarker(r.a, r.b);
        if (m_tryPending) {
            m_tryPending = false;
            sendTry(m_pendingA, m_pendingB);
        }
    });
    connect(w, &SearchWorker::tryFailed, this, [this] { m_tryInFlight = m_tryPending = false; });
    connect(w, &SearchWorker::tryUndone, this, [this, land] {
        m_try->setUndone();
        land->clearMarker();
    });
    connect(w, &SearchWorker::stateChanged, m_try, &TryScalesPanel::setWorkerState);

    connect(m_history, &RunHistoryPanel::overlaysChanged, this,
            [this](const QVector<RunRecord>& runs, const QStringList& labels) {
                m_window->fitnessPlot()->setOverlays(runs, labels);
                m_window->accuracyPlot()->setOverlays(runs, labels);
            });
}

void InspectionDocks::runSensitivity() {
    SensitivitySettings s;
    s.images = m_sensitivity->images();
    s.fitness = m_window->searchPanel()->settings().fitness;
    QMetaObject::invokeMethod(
        m_window->worker(), [w = m_window->worker(), s] { w->runSensitivity(s); },
        Qt::QueuedConnection);
}

void InspectionDocks::requestTry(double a, double b) {
    if (m_tryInFlight) {
        m_tryPending = true;
        m_pendingA = a;
        m_pendingB = b;
        return;
    }
    sendTry(a, b);
}

void InspectionDocks::sendTry(double a, double b) {
    m_tryInFlight = true;
    m_window->landscapePlot()->setMarker(a, b);
    const LandscapeSettings s = m_landscape;
    const int visit = m_tryVisit;
    QMetaObject::invokeMethod(
        m_window->worker(),
        [w = m_window->worker(), s, a, b, visit] { w->tryScales(s, a, b, visit); },
        Qt::QueuedConnection);
}

void InspectionDocks::selectQuantizer(const QString& name, int block) {
    ModelPanel* mp = m_window->modelPanel();
    if (QTreeWidgetItem* item = mp->quantizerItem(name)) {
        // The tree's selection carries the block to the fitness curve and the landscape.
        mp->tree()->setCurrentItem(item);
        mp->tree()->scrollToItem(item);
        m_window->panelTabs()->setCurrentWidget(mp);
    } else if (block >= 0) {
        m_window->fitnessPlot()->setHighlightedBlock(block);
        m_window->landscapeControls()->setBlock(block);
    }
}

}  // namespace evolq
