#include "MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <cmath>

#include "AccuracyPlot.h"
#include "DataPanel.h"
#include "ExportScalesDialog.h"
#include "FitnessPlot.h"
#include "FolderPicker.h"
#include "InspectionDocks.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MessageBanner.h"
#include "ModelPanel.h"
#include "PresentationWindow.h"
#include "QuantPanel.h"
#include "ResponsivenessProbe.h"
#include "ScaleChangeMap.h"
#include "SearchPanel.h"
#include "common/Error.h"
#include "common/Version.h"
#include "data/FashionMnist.h"
#include "model/Runtime.h"
#include "types/SearchLog.h"
#include "types/WorkbenchConfig.h"
#include "worker/SearchWorker.h"

namespace evolq {

namespace {

QWidget* scrollable(QWidget* w) {
    auto* area = new QScrollArea;
    area->setWidget(w);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

QString percent(double v) {
    return std::isnan(v) ? QStringLiteral("-") : QString::number(v, 'f', 2) + " %";
}

}  // namespace

template <typename F>
void MainWindow::post(F f) {
    SearchWorker* w = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [w, f] { f(w); }, Qt::QueuedConnection);
}

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent),
      m_options(options),
      m_config(new WorkbenchConfig(options.settingsFile, this)),
      m_worker(new SearchWorker) {
    setWindowTitle(tr("Evol-Q Workbench"));
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    SearchWorker::registerMetaTypes();

    // The [worker] pattern: the worker lives on m_thread and is deleted when the thread ends.
    m_thread.setObjectName("SearchWorker");
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    buildPanels();
    buildDocks();
    connectWorker();
    m_inspection = new InspectionDocks(this);
    buildMenus();
    m_prepareWatcher = new QFutureWatcher<QString>(this);
    connect(m_prepareWatcher, &QFutureWatcher<QString>::finished, this, [this] {
        m_prepareAction->setEnabled(true);
        statusBar()->clearMessage();
        const QString error = m_prepareWatcher->result();
        const QString out = m_prepareWatcher->property("outDir").toString();
        if (!error.isEmpty()) {
            m_banner->showError(error);
        } else {
            m_banner->showInfo(tr("Wrote Fashion-MNIST to %1").arg(QDir::toNativeSeparators(out)));
            loadData(out + "/calib", out + "/val");
        }
        Q_EMIT dataPrepared(error.isEmpty());
    });
    connect(m_banner, &MessageBanner::actionTriggered, this,
            [this] { prepareFashionMnist(fashionMnistDefaultSource(), defaultDataDir()); });
    restoreSettings();
    if (!options.probeFile.isEmpty()) {
        m_probe = new ResponsivenessProbe(this);
        m_probe->setLabel("GUI thread timer gaps during a search");
    }
    onStateChanged(WorkerState::Idle);
    m_thread.start();
}

MainWindow::~MainWindow() {
    saveSettings();
    // Writing the data folders cannot stop half-way without leaving it to be rebuilt; it ends.
    m_prepareWatcher->waitForFinished();
    // Cancel reaches the running job at once (an atomic flag), and the jobs queued behind it
    // start cancelled, so the thread ends promptly.
    m_worker->shutDown();
    m_thread.quit();
    m_thread.wait();
}

// ---------------------------------------------------------------------------------------------
// Layout

void MainWindow::buildPanels() {
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    m_banner = new MessageBanner(central);
    m_tabs = new QTabWidget(central);
    m_tabs->setObjectName("panelTabs");
    m_modelPanel = new ModelPanel;
    m_dataPanel = new DataPanel;
    m_quantPanel = new QuantPanel;
    m_searchPanel = new SearchPanel;
    m_tabs->addTab(m_modelPanel, tr("&Model"));
    m_tabs->addTab(scrollable(m_dataPanel), tr("&Data"));
    m_tabs->addTab(scrollable(m_quantPanel), tr("&Quantization"));
    m_tabs->addTab(scrollable(m_searchPanel), tr("&Search"));
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    central->setMinimumWidth(380);
    setCentralWidget(central);

    m_statusText = new QLabel(this);
    m_jobProgress = new QProgressBar(this);
    m_jobProgress->setFixedWidth(280);
    m_jobProgress->setObjectName("jobProgress");
    m_jobCancel = new QToolButton(this);
    m_jobCancel->setText(tr("Cancel"));
    m_jobCancel->setObjectName("jobCancel");
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_jobCancel);

    connect(m_modelPanel, &ModelPanel::openRequested, this, &MainWindow::openModel);
    connect(m_dataPanel, &DataPanel::loadRequested, this, &MainWindow::loadData);
    connect(m_quantPanel, &QuantPanel::quantizeRequested, this, &MainWindow::quantize);
    connect(m_searchPanel, &SearchPanel::startRequested, this, &MainWindow::startSearch);
    connect(m_searchPanel, &SearchPanel::pauseRequested, this, &MainWindow::pauseOrResume);
    connect(m_searchPanel, &SearchPanel::resumeRequested, this, &MainWindow::pauseOrResume);
    connect(m_searchPanel, &SearchPanel::cancelRequested, this, &MainWindow::cancel);
    connect(m_jobCancel, &QToolButton::clicked, this, &MainWindow::cancel);
}

QDockWidget* MainWindow::addPlotDock(QWidget* plot, const QString& title,
                                     const QString& objectName) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(plot);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                      QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    return dock;
}

void MainWindow::buildDocks() {
    m_fitness = new FitnessPlot;
    m_accuracy = new AccuracyPlot;
    m_scales = new ScaleChangeMap;
    m_comparison = new ScaleChangeMap;
    m_landscape = new LandscapePlot;
    m_landscapeControls = new LandscapeControls;
    // What each plot will show, and what to press, instead of empty axes.
    m_fitness->setEmptyText(
        tr("The fitness of every block appears here while the search runs: the best so far as a "
           "line, every evaluated child as a dot.\n\nPress Start in the Search panel (it quantizes "
           "first when needed)."));
    m_accuracy->setEmptyText(
        tr("FP32 and baseline top-1 appear here after Quantize, then the validation top-1 after "
           "every block visit of the search."));
    m_scales->setEmptyText(
        tr("How far the search moves each scale from the baseline, block by block, appears here "
           "after Quantize."));
    m_comparison->setEmptyText(
        tr("File > Import scales... and \"Compare\" sets a scale file beside the current scales "
           "here."));
    m_landscape->setEmptyText(
        tr("The loss along perturbations of a block's scales appears here.\n\nDuring a search with "
           "the live landscape on (Search panel), it follows the block being searched, with the "
           "search's children on the slice. Or quantize, choose a block and a direction above, "
           "then press Run landscape."));

    auto* landscape = new QWidget;
    auto* lv = new QVBoxLayout(landscape);
    lv->setContentsMargins(0, 0, 0, 0);
    lv->addWidget(m_landscapeControls);
    lv->addWidget(m_landscape, 1);

    auto* comparison = new QWidget;
    auto* cv = new QVBoxLayout(comparison);
    cv->setContentsMargins(0, 0, 0, 0);
    m_comparisonText =
        new QLabel(tr("Import a scale file with \"Compare\" to see it beside the current scales."));
    m_comparisonText->setWordWrap(true);
    cv->addWidget(m_comparisonText);
    cv->addWidget(m_comparison, 1);

    QDockWidget* fitness = addPlotDock(m_fitness, tr("Fitness per block"), "fitnessDock");
    QDockWidget* accuracy = addPlotDock(m_accuracy, tr("Accuracy"), "accuracyDock");
    QDockWidget* scales = addPlotDock(m_scales, tr("Scale changes"), "scaleDock");
    QDockWidget* land = addPlotDock(landscape, tr("Landscape"), "landscapeDock");
    QDockWidget* compare = addPlotDock(comparison, tr("Comparison"), "comparisonDock");
    // The landscape beside the fitness, so that a search shows both at once.
    splitDockWidget(fitness, land, Qt::Horizontal);
    tabifyDockWidget(accuracy, scales);
    tabifyDockWidget(accuracy, compare);
    fitness->raise();
    accuracy->raise();
    resizeDocks({fitness, accuracy}, {500, 320}, Qt::Vertical);

    connect(m_landscapeControls, &LandscapeControls::runRequested, this, &MainWindow::runLandscape);
    connect(m_landscapeControls, &LandscapeControls::cancelRequested, this, &MainWindow::cancel);
    // One block, everywhere: the fitness curve, the model tree, the landscape's block.
    connect(m_fitness, &FitnessPlot::highlightedBlockChanged, this, [this](int block) {
        m_modelPanel->selectBlock(block);
        m_landscapeControls->setBlock(block);
    });
    connect(m_modelPanel, &ModelPanel::blockSelected, this, [this](int block) {
        if (block < 0) return;
        m_fitness->setHighlightedBlock(block);
        m_landscapeControls->setBlock(block);
    });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open =
        file->addAction(tr("&Open model..."), this, [this] { m_modelPanel->picker()->browse(); });
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    m_exportAction = file->addAction(tr("&Export scales..."), this, [this] { openExportDialog(); });
    m_exportAction->setShortcut(QKeySequence(tr("Ctrl+E")));
    m_importAction = file->addAction(tr("&Import scales..."), this, &MainWindow::showImportDialog);
    m_importAction->setShortcut(QKeySequence(tr("Ctrl+I")));
    m_openLogAction = file->addAction(tr("Open search &log..."), this, [this] {
        const QString dir = m_config->get(WorkbenchConfig::LastImportDir).toString();
        const QString path = QFileDialog::getOpenFileName(this, tr("Open search log"), dir,
                                                          tr("Search logs (*.csv);;All files (*)"));
        if (path.isEmpty()) return;
        m_config->set(WorkbenchConfig::LastImportDir, QFileInfo(path).absolutePath());
        openSearchLog(path);
    });
    m_prepareAction = file->addAction(tr("&Prepare Fashion-MNIST"), this, [this] {
        prepareFashionMnist(fashionMnistDefaultSource(), defaultDataDir());
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* present =
        view->addAction(tr("&Presentation mode"), this, [this] { openPresentation(false); });
    present->setShortcut(QKeySequence(Qt::Key_F5));
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(
            this, tr("About Evol-Q Workbench"),
            tr("<b>Evol-Q Workbench %1</b><p>Post-training quantization of Vision Transformers "
               "with the FQ-ViT baseline and the Evol-Q evolutionary search over "
               "quantization scales.</p><p>%2</p>")
                .arg(EVOLQ_VERSION, runtimeDescription()));
    });
    connect(m_config, &WorkbenchConfig::changed, this, [this](WorkbenchConfig::Key key) {
        if (key == WorkbenchConfig::RecentModels) updateRecentMenu();
    });
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    m_recentMenu->clear();
    const QStringList models = m_config->recent(WorkbenchConfig::RecentModels);
    for (const QString& m : models) m_recentMenu->addAction(m, this, [this, m] { openModel(m); });
    m_recentMenu->setEnabled(!models.isEmpty());
    m_modelPanel->picker()->setRecent(models);
}

// ---------------------------------------------------------------------------------------------
// Worker results

void MainWindow::connectWorker() {
    SearchWorker* w = m_worker;
    connect(w, &SearchWorker::stateChanged, this, &MainWindow::onStateChanged);
    connect(w, &SearchWorker::status, this,
            [this](const QString& text) { m_statusText->setText(text); });
    connect(w, &SearchWorker::error, m_banner, &MessageBanner::showError);
    connect(w, &SearchWorker::progress, this, &MainWindow::onProgress);
    connect(w, &SearchWorker::modelLoaded, this, [this](const ModelSummary& m) {
        m_modelLoaded = true;
        m_quantized = m_searched = false;
        m_modelFolder = m.info.folder;
        m_modelLabel = m.info.architecture;
        m_modelSha256 = m.info.sha256;
        m_bitLabel.clear();
        m_quantizers.clear();
        m_modelPanel->setModel(m);
        m_quantPanel->clearResult();
        m_landscapeControls->setBlockCount(m.info.depth);
        m_fitness->start(RunStartEvent{});
        m_accuracy->start(RunStartEvent{});
        m_scales->clear();
        m_comparison->clear();
        m_config->addRecent(WorkbenchConfig::RecentModels, m.info.folder);
        if (m_banner->isShowingError()) m_banner->hideMessage();
        updateTitle();
        onStateChanged(m_state);
    });
    connect(
        w, &SearchWorker::dataLoaded, this,
        [this](const DataSummary& calib, const DataSummary& val) {
            m_dataPanel->setSummaries(calib, val);
            m_calibReady = calib.images > 0 && calib.note.isEmpty();
            onStateChanged(m_state);
            if (calib.images > 0)
                m_config->addRecent(WorkbenchConfig::RecentCalibDirs, calib.folder);
            if (val.images > 0) m_config->addRecent(WorkbenchConfig::RecentValDirs, val.folder);
            m_dataPanel->calibPicker()->setRecent(
                m_config->recent(WorkbenchConfig::RecentCalibDirs));
            m_dataPanel->valPicker()->setRecent(m_config->recent(WorkbenchConfig::RecentValDirs));
        });
    connect(w, &SearchWorker::quantized, this, [this](const QuantizeSummary& s) {
        m_quantized = true;
        m_searched = false;
        m_bitLabel = s.label;
        m_quantizers = s.quantizers;
        m_quantPanel->setResult(s);
        m_modelPanel->setQuantizers(s.quantizers);
        RunStartEvent reference;
        reference.fp32Top1 = s.fp32Top1;
        reference.baselineTop1 = s.baselineTop1;
        m_accuracy->start(reference);
        updateTitle();
        onStateChanged(m_state);
    });
    connect(w, &SearchWorker::quantizersChanged, this, [this](const QVector<QuantizerSummary>& q) {
        m_quantizers = q;
        m_modelPanel->setQuantizers(q);
    });
    connect(w, &SearchWorker::provenanceChanged, this,
            [this](const QJsonObject& p) { m_provenance = p; });
    connect(w, &SearchWorker::searchStarted, this, [this](const RunStartEvent& run) {
        m_landscape->clearSlices();
        m_fitness->start(run);
        m_accuracy->start(run);
        m_searchPanel->setProgress(0, run.evaluationsTotal, -1);
        if (m_probe) m_probe->start();
    });
    connect(w, &SearchWorker::fitnessEvents, m_fitness, &FitnessPlot::addFitness);
    connect(w, &SearchWorker::blockVisited, m_accuracy, &AccuracyPlot::addVisit);
    connect(w, &SearchWorker::scaleChanges, m_scales, &ScaleChangeMap::setChanges);
    connect(w, &SearchWorker::searchFinished, this, [this](const RunEndEvent& end) {
        m_accuracy->setFinal(end);
        m_searched = !end.cancelled;
        if (m_probe && m_probe->isRunning()) {
            m_probe->stop();
            QString why;
            if (!m_probe->writeReport(m_options.probeFile, &why)) m_banner->showError(why);
            Q_EMIT probeReported(m_probe->report());
        }
        if (end.cancelled)
            m_banner->showInfo(
                tr("Search cancelled: the scales are those from before the run; nothing was "
                   "written."));
        else
            m_banner->showInfo(tr("Search finished: best fitness %1%2.")
                                   .arg(end.bestFitness, 0, 'g', 6)
                                   .arg(std::isnan(end.finalTop1)
                                            ? QString()
                                            : tr(", top-1 on the validation folder %1")
                                                  .arg(percent(end.finalTop1))));
        onStateChanged(m_state);
    });
    connect(w, &SearchWorker::landscapeStarted, this, [this](const LandscapeStart& s) {
        m_landscape->start(s);
        if (auto* d = dock("landscapeDock")) d->raise();
    });
    connect(w, &SearchWorker::landscapePoints, m_landscape, &LandscapePlot::addPoints);
    connect(w, &SearchWorker::liveSliceStarted, m_landscape, &LandscapePlot::startSlice);
    connect(w, &SearchWorker::liveSlicePoints, m_landscape, &LandscapePlot::addSlicePoints);
    connect(w, &SearchWorker::candidates, m_landscape, &LandscapePlot::addCandidates);
    connect(w, &SearchWorker::liveSliceFinished, m_landscape, &LandscapePlot::finishSlice);
    connect(w, &SearchWorker::landscapeFinished, this, [this](const LandscapeSummary& s) {
        for (int i = 0; i < s.jaggedness.size() && i < s.start.losses.size(); ++i)
            m_landscape->setJaggedness(s.start.losses[i], s.jaggedness[i]);
        m_landscape->flushReplot();
    });
    connect(w, &SearchWorker::exported, this, [this](const QString& path, ExportFormat) {
        m_banner->showInfo(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
    });
    connect(w, &SearchWorker::imported, this, [this](const QString& path) {
        m_banner->showInfo(tr("Loaded the scales of %1").arg(QDir::toNativeSeparators(path)));
    });
    connect(w, &SearchWorker::comparisonReady, this, [this](const ScaleComparison& c) {
        m_comparison->setChanges(c.perBlock);
        m_comparisonText->setText(
            tr("<b>%1</b> (%2) against the current scales: %3 quantizers differ, largest "
               "relative change %4. Top-1 on the validation subset: current %5, imported %6.")
                .arg(QDir::toNativeSeparators(c.source).toHtmlEscaped(), c.label)
                .arg(c.quantizersDiffering)
                .arg(c.maxAbsChange, 0, 'g', 3)
                .arg(percent(c.currentTop1), percent(c.importedTop1)));
        if (QDockWidget* d = dock("comparisonDock")) {
            d->show();
            d->raise();
        }
    });
}

void MainWindow::onStateChanged(WorkerState state) {
    m_state = state;
    const bool idle = state == WorkerState::Idle;
    m_quantPanel->setWorkerState(state);
    m_quantPanel->quantizeButton()->setEnabled(idle && m_modelLoaded);
    m_searchPanel->setWorkerState(state);
    // Start on a model that is not quantized yet quantizes first (startSearch), so a model and a
    // calibration folder are enough.
    m_searchPanel->setReady(m_quantized || (m_modelLoaded && m_calibReady));
    m_landscapeControls->setWorkerState(state);
    m_landscapeControls->setReady(m_quantized, m_searched);
    m_modelPanel->picker()->setEnabled(idle);
    m_dataPanel->setEnabled(idle);
    m_recentMenu->setEnabled(idle && !m_recentMenu->isEmpty());
    m_exportAction->setEnabled(m_quantized && (idle || state == WorkerState::Paused));
    m_importAction->setEnabled(m_modelLoaded && idle);
    m_openLogAction->setEnabled(idle);
    const bool job = !idle && state != WorkerState::Paused && state != WorkerState::Searching;
    m_jobProgress->setVisible(job);
    m_jobCancel->setVisible(!idle);
    if (idle) m_jobProgress->reset();
}

void MainWindow::onProgress(int done, int total, double eta) {
    if (m_state == WorkerState::Searching || m_state == WorkerState::Paused) {
        m_searchPanel->setProgress(done, total, eta);
        return;
    }
    m_jobProgress->setRange(0, std::max(1, total));
    m_jobProgress->setValue(std::min(done, total));
    m_jobProgress->setFormat(eta >= 0 ? QString("%v / %m, %1").arg(SearchPanel::formatEta(eta))
                                      : QString("%v / %m"));
}

void MainWindow::updateTitle() {
    QString t = tr("Evol-Q Workbench");
    if (!m_modelLabel.isEmpty()) t += QString(" - %1").arg(m_modelLabel);
    if (!m_bitLabel.isEmpty()) t += QString(" (%1)").arg(m_bitLabel);
    setWindowTitle(t);
}

// ---------------------------------------------------------------------------------------------
// Actions

void MainWindow::openStartup(const QString& modelDir, const QString& calibDir,
                             const QString& valDir) {
    const QString model = modelDir.isEmpty() ? defaultModelDir() : modelDir;
    if (QFileInfo(model).isDir())
        openModel(model);
    else
        m_banner->showWarning(
            tr("%1: the bundled model is not there (yet). Open a model folder with File > Open "
               "model...")
                .arg(QDir::toNativeSeparators(model)));
    auto pick = [](const QString& given, const QString& fallback) {
        if (!given.isEmpty()) return given;
        return QFileInfo(fallback).isDir() ? fallback : QString();
    };
    const QString calib = pick(calibDir, defaultDataDir() + "/calib");
    const QString val = pick(valDir, defaultDataDir() + "/val");
    m_dataPanel->setFolders(calib, val);
    if (!calib.isEmpty() || !val.isEmpty()) {
        loadData(calib, val);
        return;
    }
    // No data folder (an installed workbench's first start): offer to write Fashion-MNIST into
    // the user's data directory.
    m_banner->showWarning(
        tr("No calibration images: %1 does not exist. Prepare Fashion-MNIST there (from %2, "
           "Debian package dataset-fashion-mnist), or choose folders in the Data panel.")
            .arg(QDir::toNativeSeparators(defaultDataDir()),
                 QDir::toNativeSeparators(fashionMnistDefaultSource())));
    m_banner->setAction(tr("Prepare Fashion-MNIST"));
}

void MainWindow::prepareFashionMnist(const QString& sourceDir, const QString& outDir) {
    if (m_prepareWatcher->isRunning()) return;
    m_prepareAction->setEnabled(false);
    m_banner->showInfo(tr("Writing Fashion-MNIST to %1 ...").arg(QDir::toNativeSeparators(outDir)),
                       MessageBanner::NoAutoHide);
    statusBar()->showMessage(tr("Preparing Fashion-MNIST"));
    m_prepareWatcher->setProperty("outDir", outDir);
    m_prepareWatcher->setFuture(QtConcurrent::run([sourceDir, outDir]() -> QString {
        try {
            evolq::prepareFashionMnist(sourceDir, outDir);
            return QString();
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
}

bool MainWindow::isPreparingData() const {
    return m_prepareWatcher->isRunning();
}

void MainWindow::openModel(const QString& folder) {
    if (folder.isEmpty()) return;
    m_modelPanel->picker()->setFolder(folder);
    post([folder](SearchWorker* w) { w->loadModel(folder); });
}

void MainWindow::loadData(const QString& calibDir, const QString& valDir) {
    m_dataPanel->setFolders(calibDir, valDir);
    const int calibSize = m_quantPanel->config().calibImages,
              valSubset = m_searchPanel->settings().valSubset;
    post([=](SearchWorker* w) { w->loadData(calibDir, valDir, calibSize, valSubset); });
}

void MainWindow::quantize() {
    const QuantConfig cfg = m_quantPanel->config();
    m_config->set(WorkbenchConfig::LastQuantConfig, cfg.toJson());
    post([cfg](SearchWorker* w) { w->quantize(cfg); });
}

void MainWindow::startSearch() {
    const SearchSettings s = m_searchPanel->settings();
    m_config->set(WorkbenchConfig::LastSearchSettings, s.toJson());
    m_searchPanel->setProgress(0, 1, -1);
    if (auto* d = dock("fitnessDock")) d->raise();
    // On a fresh window Start quantizes first with the panel's settings; the worker runs both.
    if (!m_quantized) quantize();
    if (m_probe) {
        const QuantConfig cfg = m_quantPanel->config();
        m_probe->setProvenance(
            QJsonObject{{"program", QCoreApplication::applicationName()},
                        {"program_version", EVOLQ_VERSION},
                        {"runtime", runtimeDescription()},
                        {"created_utc", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                        {"model", QJsonObject{{"architecture", m_modelLabel},
                                              {"sha256", m_modelSha256},
                                              {"folder", m_modelFolder}}},
                        {"bit_config", cfg.label()},
                        {"quant_config", cfg.toJson()},
                        {"seed", static_cast<qint64>(s.seed)},
                        {"search_settings", s.toJson()}});
    }
    post([s](SearchWorker* w) { w->startSearch(s); });
}

void MainWindow::pauseOrResume() {
    if (m_state == WorkerState::Paused)
        post([](SearchWorker* w) { w->resume(); });
    else if (m_state == WorkerState::Searching)
        m_worker->pause();  // directly: an atomic flag the search polls between evaluations
}

void MainWindow::cancel() {
    m_worker->cancel();  // directly, not through the worker's busy event queue
}

void MainWindow::runLandscape() {
    // The landscape measures the losses as the search panel's fitness is set up.
    LandscapeSettings s = m_landscapeControls->settings();
    const FitnessSettings fitness = m_searchPanel->settings().fitness;
    s.temperature = fitness.temperature;
    s.batch = fitness.batch;
    m_config->set(WorkbenchConfig::LastLandscapeSettings, s.toJson());
    m_lastLandscape = s;
    post([s](SearchWorker* w) { w->runLandscape(s); });
}

void MainWindow::exportScales(const QString& path, ExportFormat format,
                              const ScaleSelection& selection) {
    m_config->set(WorkbenchConfig::LastExportDir, QFileInfo(path).absolutePath());
    m_config->set(WorkbenchConfig::LastExportFormat, exportFormatName(format));
    post([=](SearchWorker* w) { w->exportScales(path, format, selection); });
}

ExportScalesDialog* MainWindow::openExportDialog() {
    auto* dialog = new ExportScalesDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setQuantizers(m_quantizers);
    dialog->setProvenance(m_provenance);
    const QString last = m_config->get(WorkbenchConfig::LastExportFormat).toString();
    const ExportFormat format = last == "aimet" ? ExportFormat::Aimet
                                : last == "csv" ? ExportFormat::Csv
                                                : ExportFormat::Native;
    dialog->setFormat(format);
    QString dir = m_config->get(WorkbenchConfig::LastExportDir).toString();
    if (dir.isEmpty()) dir = QDir::homePath();
    const QString base = QString("%1-%2").arg(m_modelLabel.isEmpty() ? "scales" : m_modelLabel,
                                              m_bitLabel.isEmpty() ? "baseline" : m_bitLabel);
    dialog->setPath(QDir(dir).filePath(base + "." + exportFormatSuffix(format)));
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        exportScales(dialog->path(), dialog->format(), dialog->selection());
    });
    dialog->open();
    return dialog;
}

void MainWindow::showImportDialog() {
    const QString dir = m_config->get(WorkbenchConfig::LastImportDir).toString();
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import scales"), dir, tr("Scale files (*.json)"));
    if (path.isEmpty()) return;
    m_config->set(WorkbenchConfig::LastImportDir, QFileInfo(path).absolutePath());
    QMessageBox box(QMessageBox::Question, tr("Import scales"),
                    tr("Load %1 as the current scales, or compare it with them?")
                        .arg(QFileInfo(path).fileName()),
                    QMessageBox::Cancel, this);
    QPushButton* load = box.addButton(tr("&Load"), QMessageBox::AcceptRole);
    QPushButton* compare = box.addButton(tr("&Compare"), QMessageBox::ActionRole);
    compare->setEnabled(m_quantized);
    box.setDefaultButton(load);
    box.exec();
    if (box.clickedButton() == load)
        importScales(path, false);
    else if (box.clickedButton() == compare)
        importScales(path, true);
}

bool MainWindow::openSearchLog(const QString& path) {
    SearchLogData log;
    try {
        log = SearchLog::read(path);
    } catch (const Error& e) {
        m_banner->showError(e.message());
        return false;
    }
    // The plots as the run filled them, in the order its events came.
    m_fitness->start(*log.start);
    m_fitness->addFitness(log.fitness);
    m_accuracy->start(*log.start);
    for (const BlockVisitEvent& v : log.visits) m_accuracy->addVisit(v);
    if (log.end) m_accuracy->setFinal(*log.end);
    m_landscape->clearSlices();
    for (const LandscapeStart& slice : log.slices) {
        m_landscape->startSlice(slice);
        QVector<LandscapePoint> points;
        for (const LandscapePoint& p : log.slicePoints)
            if (p.visit == slice.visit) points.append(p);
        m_landscape->addSlicePoints(points);
        QVector<CandidateEvent> candidates;
        for (const CandidateEvent& c : log.candidates)
            if (c.visit == slice.visit) candidates.append(c);
        m_landscape->addCandidates(candidates);
        for (const LandscapeSummary& e : log.sliceEnds)
            if (e.start.visit == slice.visit) m_landscape->finishSlice(e);
    }
    for (PlotPanel* p : std::initializer_list<PlotPanel*>{m_fitness, m_accuracy, m_landscape})
        p->flushReplot();
    m_banner->showInfo(tr("Replayed %1: %2 evaluations, %3 block visits, %4 live landscape slices.")
                           .arg(QDir::toNativeSeparators(path))
                           .arg(log.fitness.size())
                           .arg(log.visits.size())
                           .arg(log.slices.size()));
    return true;
}

void MainWindow::importScales(const QString& path, bool compare) {
    post([=](SearchWorker* w) { w->importScales(path, compare); });
}

PresentationWindow* MainWindow::openPresentation(bool demo) {
    auto* p = new PresentationWindow(this, demo, this);
    connect(p, &PresentationWindow::left, this, [this] {
        show();
        activateWindow();
    });
    p->showFullScreen();
    return p;
}

// ---------------------------------------------------------------------------------------------
// Settings

void MainWindow::restoreSettings() {
    restoreGeometry(m_config->get(WorkbenchConfig::WindowGeometry).toByteArray());
    m_layoutRestored = restoreState(m_config->get(WorkbenchConfig::WindowState).toByteArray());
    if (!m_layoutRestored && m_config->get(WorkbenchConfig::WindowGeometry).toByteArray().isEmpty())
        resize(1400, 900);
    const QJsonObject quant = m_config->get(WorkbenchConfig::LastQuantConfig).toJsonObject();
    if (!quant.isEmpty()) {
        try {
            m_quantPanel->setConfig(
                QuantConfig::fromJson(quant, m_config->keyName(WorkbenchConfig::LastQuantConfig)));
        } catch (const std::exception&) {
            // Settings from another version: the defaults stand.
        }
    }
    // A stored value this version does not know (a loss, a direction, a radius unit) throws: the
    // panel's defaults stand.
    const QJsonObject search = m_config->get(WorkbenchConfig::LastSearchSettings).toJsonObject();
    if (!search.isEmpty()) {
        try {
            m_searchPanel->setSettings(SearchSettings::fromJson(search));
        } catch (const Error&) {
        }
    }
    const QJsonObject land = m_config->get(WorkbenchConfig::LastLandscapeSettings).toJsonObject();
    if (!land.isEmpty()) {
        try {
            m_landscapeControls->setSettings(LandscapeSettings::fromJson(land));
        } catch (const Error&) {
        }
    }
    m_dataPanel->calibPicker()->setRecent(m_config->recent(WorkbenchConfig::RecentCalibDirs));
    m_dataPanel->valPicker()->setRecent(m_config->recent(WorkbenchConfig::RecentValDirs));
}

void MainWindow::saveSettings() {
    m_config->set(WorkbenchConfig::WindowGeometry, saveGeometry());
    m_config->set(WorkbenchConfig::WindowState, saveState());
    m_config->set(WorkbenchConfig::LastQuantConfig, m_quantPanel->config().toJson());
    m_config->set(WorkbenchConfig::LastSearchSettings, m_searchPanel->settings().toJson());
    m_config->set(WorkbenchConfig::LastLandscapeSettings, m_landscapeControls->settings().toJson());
    m_config->sync();
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (m_shown) return;
    m_shown = true;
    // First run: the plots take what the panels leave, the fitness two fifths of it and the
    // landscape three (its controls need the room); later runs restore the user's layout.
    if (!m_layoutRestored) {
        QDockWidget* fitness = dock("fitnessDock");
        QDockWidget* land = dock("landscapeDock");
        if (fitness && land) {
            const int plots = std::max(600, width() - centralWidget()->minimumWidth() - 20);
            resizeDocks({fitness, land}, {plots * 2 / 5, plots * 3 / 5}, Qt::Horizontal);
        }
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    QMainWindow::closeEvent(event);
}

// ---------------------------------------------------------------------------------------------
// Accessors

SearchWorker* MainWindow::worker() const {
    return m_worker;
}

WorkerState MainWindow::workerState() const {
    return m_state;
}

QString MainWindow::statusText() const {
    return m_statusText->text();
}

bool MainWindow::isQuantized() const {
    return m_quantized;
}

QString MainWindow::errorText() const {
    return m_banner->isShowingError() ? m_banner->text() : QString();
}

MessageBanner* MainWindow::banner() const {
    return m_banner;
}

ModelPanel* MainWindow::modelPanel() const {
    return m_modelPanel;
}

DataPanel* MainWindow::dataPanel() const {
    return m_dataPanel;
}

QuantPanel* MainWindow::quantPanel() const {
    return m_quantPanel;
}

SearchPanel* MainWindow::searchPanel() const {
    return m_searchPanel;
}

LandscapeControls* MainWindow::landscapeControls() const {
    return m_landscapeControls;
}

FitnessPlot* MainWindow::fitnessPlot() const {
    return m_fitness;
}

AccuracyPlot* MainWindow::accuracyPlot() const {
    return m_accuracy;
}

ScaleChangeMap* MainWindow::scaleChangeMap() const {
    return m_scales;
}

ScaleChangeMap* MainWindow::comparisonMap() const {
    return m_comparison;
}

LandscapePlot* MainWindow::landscapePlot() const {
    return m_landscape;
}

QDockWidget* MainWindow::dock(const QString& objectName) const {
    return findChild<QDockWidget*>(objectName);
}

QTabWidget* MainWindow::panelTabs() const {
    return m_tabs;
}

ResponsivenessProbe* MainWindow::probe() const {
    return m_probe;
}

InspectionDocks* MainWindow::inspection() const {
    return m_inspection;
}

}  // namespace evolq
