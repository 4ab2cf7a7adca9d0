#pragma once

#include <QFutureWatcher>
#include <QJsonObject>
#include <QMainWindow>
#include <QThread>
#include <QVector>

#include "types/Summaries.h"

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace evolq {

class AccuracyPlot;
class DataPanel;
class ExportScalesDialog;
class FitnessPlot;
class InspectionDocks;
class PresentationWindow;
class LandscapeControls;
class LandscapePlot;
class MessageBanner;
class ModelPanel;
class QuantPanel;
class ResponsivenessProbe;
class ScaleChangeMap;
class SearchPanel;
class SearchWorker;
class WorkbenchConfig;

// The workbench: panels for model, data, quantization and search; dockable live plots; the File
// menu's export and import. All work runs in a SearchWorker on a QThread this window owns; the
// window only forwards requests and shows results.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        QString settingsFile;  // an INI file instead of the user's settings (tests)
        QString probeFile;     // when set: GUI-thread timer gaps during each search, written here
    };

    explicit MainWindow(const Options& options = Options(), QWidget* parent = nullptr);
    ~MainWindow() override;

    // What a start without arguments opens: the named model (default: the bundled one) and the
    // named data folders (default: data/fashion-mnist/calib and val when present).
    void openStartup(const QString& modelDir = QString(), const QString& calibDir = QString(),
                     const QString& valDir = QString());

    // The actions, for the menus, the tests and the scripted sessions.
    void openModel(const QString& folder);
    void loadData(const QString& calibDir, const QString& valDir);
    void quantize();
    void startSearch();
    void pauseOrResume();
    void cancel();
    void runLandscape();
    // The settings of the last landscape run from the window (its controls and the fitness's
    // temperature and batch).
    LandscapeSettings lastLandscapeSettings() const { return m_lastLandscape; }
    void exportScales(const QString& path, ExportFormat format, const ScaleSelection& selection);
    // File > Export scales...: opens the dialog (window-modal, not blocking) and returns it.
    ExportScalesDialog* openExportDialog();
    void importScales(const QString& path, bool compare);
    // File > Open search log...: the fitness, accuracy and landscape plots filled from a log that
    // `evolq search --log` (or the fitness plot's Save data) wrote. False, with the banner, on a
    // bad file.
    bool openSearchLog(const QString& path);
    // View > Presentation mode: a window of its own (full screen); the demo runs unattended.
    // Leaving it (Esc) shows this window again.
    PresentationWindow* openPresentation(bool demo = false);

    SearchWorker* worker() const;
    WorkerState workerState() const;
    bool isQuantized() const;
    // File > Prepare Fashion-MNIST..., and the banner's offer when a start finds no data folder:
    // writes the PNG folders from the IDX files in sourceDir into outDir (default: the user's
    // data directory) on a thread of its own, then opens outDir/calib and outDir/val. Errors go
    // to the banner; dataPrepared(ok) follows either way.
    void prepareFashionMnist(const QString& sourceDir, const QString& outDir);
    bool isPreparingData() const;
    QString errorText() const;   // the banner's error, empty when none is shown
    QString statusText() const;  // the status bar's text
    MessageBanner* banner() const;
    ModelPanel* modelPanel() const;
    DataPanel* dataPanel() const;
    QuantPanel* quantPanel() const;
    SearchPanel* searchPanel() const;
    LandscapeControls* landscapeControls() const;
    FitnessPlot* fitnessPlot() const;
    AccuracyPlot* accuracyPlot() const;
    ScaleChangeMap* scaleChangeMap() const;
    ScaleChangeMap* comparisonMap() const;
    LandscapePlot* landscapePlot() const;
    QDockWidget* dock(const QString& objectName) const;
    QTabWidget* panelTabs() const;
    ResponsivenessProbe* probe() const;
    InspectionDocks* inspection() const;

Q_SIGNALS:
    // The probe's report after a search, when a probe file is set.
    void probeReported(const QJsonObject& report);
    void dataPrepared(bool ok);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void buildPanels();
    void buildDocks();
    void buildMenus();
    void connectWorker();
    void restoreSettings();
    void saveSettings();
    void updateRecentMenu();
    void updateTitle();
    void onStateChanged(WorkerState state);
    void onProgress(int done, int total, double eta);
    void showImportDialog();
    QDockWidget* addPlotDock(QWidget* plot, const QString& title, const QString& objectName);
    template <typename F>
    void post(F f);

    Options m_options;
    WorkbenchConfig* m_config;
    QFutureWatcher<QString>* m_prepareWatcher;  // the error, empty on success
    QAction* m_prepareAction = nullptr;
    QThread m_thread;
    SearchWorker* m_worker;
    WorkerState m_state = WorkerState::Idle;

    MessageBanner* m_banner;
    QTabWidget* m_tabs;
    ModelPanel* m_modelPanel;
    DataPanel* m_dataPanel;
    QuantPanel* m_quantPanel;
    SearchPanel* m_searchPanel;
    FitnessPlot* m_fitness;
    AccuracyPlot* m_accuracy;
    ScaleChangeMap* m_scales;
    ScaleChangeMap* m_comparison;
    QLabel* m_comparisonText;
    LandscapePlot* m_landscape;
    LandscapeControls* m_landscapeControls;
    QMenu* m_recentMenu = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_importAction = nullptr;
    QAction* m_openLogAction = nullptr;
    QLabel* m_statusText;
    QProgressBar* m_jobProgress;
    QToolButton* m_jobCancel;
    ResponsivenessProbe* m_probe = nullptr;
    InspectionDocks* m_inspection = nullptr;

    QString m_modelFolder, m_modelLabel, m_bitLabel;
    QString m_modelSha256;
    bool m_modelLoaded = false, m_calibReady = false, m_quantized = false, m_searched = false;
    bool m_layoutRestored = false, m_shown = false;
    QVector<QuantizerSummary> m_quantizers;
    QJsonObject m_provenance;
    LandscapeSettings m_lastLandscape;
};

}  // namespace evolq
