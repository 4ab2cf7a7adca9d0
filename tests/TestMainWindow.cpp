#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "AccuracyPlot.h"
#include "DataPanel.h"
#include "ExportScalesDialog.h"
#include "FitnessPlot.h"
#include "FolderPicker.h"
#include "InspectionDocks.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "ModelPanel.h"
#include "QcpInclude.h"
#include "QuantPanel.h"
#include "ResponsivenessProbe.h"
#include "RunHistoryPanel.h"
#include "ScaleChangeMap.h"
#include "SearchPanel.h"
#include "SensitivityPanel.h"
#include "TestSupport.h"
#include "TryScalesPanel.h"
#include "WorkbenchFixture.h"
#include "WorkerRelay.h"
#include "common/Version.h"
#include "io/ScaleExport.h"
#include "model/Runtime.h"
#include "types/SearchLog.h"
#include "worker/SearchWorker.h"

using namespace evolq;

namespace {

QJsonArray quantizersOf(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object().value("quantizers").toArray();
}

// Starts a search in the window that runs until it is cancelled, paused or the window closes.
void startEndlessSearch(MainWindow& w) {
    SearchSettings s = test::shortSearch();
    s.passes = 100000;
    w.searchPanel()->setSettings(s);
    w.searchPanel()->startButton()->click();
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model, m_calib, m_val;
    int m_settingsCount = 0;

    MainWindow::Options options(const QString& probe = QString()) {
        MainWindow::Options o;
        o.settingsFile = m_dir.filePath(QString("settings-%1.ini").arg(++m_settingsCount));
        o.probeFile = probe;
        return o;
    }

    // Loads the small model and the temporary folders, then quantizes through the panel.
    void loadAndQuantize(MainWindow& w, test::WorkerRelay& relay) {
        QSignalSpy data(&relay, &test::WorkerRelay::dataLoaded);
        QSignalSpy quantized(&relay, &test::WorkerRelay::quantized);
        w.openStartup(m_model, m_calib, m_val);
        QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 30000);
        QuantConfig c = w.quantPanel()->config();
        c.calibImages = 16;
        c.calibBatch = 8;
        w.quantPanel()->setConfig(c);
        QTRY_VERIFY(w.quantPanel()->quantizeButton()->isEnabled());
        w.quantPanel()->quantizeButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(quantized.count(), 1, 60000);
        QTRY_VERIFY(w.isQuantized());
        // The worker reports the result before it returns to Idle; the actions follow the state.
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        QVERIFY(m_dir.isValid());
        const test::WorkbenchFixture f(m_dir.path());
        m_model = f.model;
        m_calib = f.calib;
        m_val = f.val;
    }

    void loadsModelAndData() {
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        QSignalSpy model(&relay, &test::WorkerRelay::modelLoaded);
        QSignalSpy data(&relay, &test::WorkerRelay::dataLoaded);
        w.openStartup(m_model, m_calib, m_val);
        QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 30000);
        QCOMPARE(model.count(), 1);
        QVERIFY(w.windowTitle().contains("test_vit"));
        // The tree: embedding, two blocks, head; every quantizer listed.
        QCOMPARE(w.modelPanel()->tree()->topLevelItemCount(), 4);
        QVERIFY(w.modelPanel()->quantizerItem("blocks.1.attn.qkv.weight"));
        QVERIFY(w.modelPanel()->quantizerItem("blocks.0.attn.probs"));
        QVERIFY(w.dataPanel()->calibText().contains("class_0"));
        QVERIFY(w.dataPanel()->calibText().contains("25 image files"));
        QVERIFY(w.dataPanel()->thumbnailCount() >= 2);
        // The undecodable file is listed, not fatal.
        const QListWidget* failed = w.dataPanel()->failedList();
        bool listed = false;
        for (int i = 0; i < failed->count(); ++i)
            listed |= failed->item(i)->text().contains("broken.png");
        QVERIFY2(listed, qPrintable(w.dataPanel()->calibText() + " | " +
                                    (failed->count() ? failed->item(0)->text() : QString())));
        QVERIFY(failed->isVisibleTo(w.dataPanel()));
        QVERIFY2(w.dataPanel()->calibText().contains("24 decoded") &&
                     w.dataPanel()->calibText().contains("1 failed to decode"),
                 qPrintable(w.dataPanel()->calibText()));
        QVERIFY(w.errorText().isEmpty());
        QVERIFY(w.quantPanel()->quantizeButton()->isEnabled());
        // Nothing is quantized yet, but Start quantizes first: a model and calibration images do.
        QVERIFY(w.searchPanel()->startButton()->isEnabled());
        QVERIFY2(w.statusText().startsWith("Data ready"), qPrintable(w.statusText()));
    }

    // A new user's first press: Start on a window that has a model and data but no quantized
    // model quantizes with the panel's settings, then searches.
    void startOnAFreshWindowQuantizesFirst() {
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        QSignalSpy data(&relay, &test::WorkerRelay::dataLoaded);
        QSignalSpy quantized(&relay, &test::WorkerRelay::quantized);
        QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
        w.openStartup(m_model, m_calib, m_val);
        QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 30000);
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);
        QuantConfig c = w.quantPanel()->config();
        c.calibImages = 16;
        c.calibBatch = 8;
        w.quantPanel()->setConfig(c);
        QVERIFY(!w.isQuantized());
        w.searchPanel()->setSettings(test::shortSearch());
        QVERIFY(w.searchPanel()->startButton()->isEnabled());
        w.searchPanel()->startButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(quantized.count(), 1);
        QVERIFY(!finished.at(0).at(0).value<RunEndEvent>().cancelled);
        QVERIFY(w.isQuantized());
        QVERIFY(w.errorText().isEmpty());
    }

    void shortSearchReachesThePlots() {
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        loadAndQuantize(w, relay);
        QVERIFY(w.quantPanel()->resultText().contains("Top-1"));
        // The tree holds scale statistics now.
        QTreeWidgetItem* qkv = w.modelPanel()->quantizerItem("blocks.1.attn.qkv.weight");
        QVERIFY(qkv);
        QCOMPARE(qkv->text(ModelPanel::Bits), QString("uint2"));
        QVERIFY(qkv->text(ModelPanel::ScaleMean).toDouble() > 0);

        QSignalSpy started(&relay, &test::WorkerRelay::searchStarted);
        QSignalSpy fitness(&relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy visits(&relay, &test::WorkerRelay::blockVisited);
        QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
        w.searchPanel()->setSettings(test::shortSearch());
        QVERIFY(w.searchPanel()->startButton()->isEnabled());
        w.searchPanel()->startButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(started.count(), 1);
        QVERIFY(fitness.count() >= 1);
        QCOMPARE(visits.count(), 2);
        QVERIFY(!finished.at(0).at(0).value<RunEndEvent>().cancelled);
        // The plots hold the points.
        QTRY_COMPARE(w.fitnessPlot()->blockCount(), 2);
        QCOMPARE(w.fitnessPlot()->pointCount(0) + w.fitnessPlot()->pointCount(1), 4);
        QCOMPARE(w.accuracyPlot()->accuracyPointCount(), 2);
        QVERIFY(!std::isnan(w.accuracyPlot()->fp32Top1()));
        QVERIFY(!std::isnan(w.accuracyPlot()->finalTop1()));
        QCOMPARE(w.scaleChangeMap()->blockCount(), 2);
        QTRY_VERIFY(w.fitnessPlot()->replotCount() > 0);
        QVERIFY2(w.searchPanel()->progressText().contains("4 / 4"),
                 qPrintable(w.searchPanel()->progressText()));
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);
        QVERIFY(w.searchPanel()->startButton()->isEnabled());
        QVERIFY(w.errorText().isEmpty());

        // A 2-D landscape from the dock's controls, and then toward the search's result.
        LandscapeSettings l = w.landscapeControls()->settings();
        l.dims = 2;
        l.points = 3;
        l.subset = 16;
        l.losses = QStringList{"infonce", "mse"};
        w.landscapeControls()->setSettings(l);
        QSignalSpy landscape(&relay, &test::WorkerRelay::landscapeFinished);
        QVERIFY(w.landscapeControls()->runButton()->isEnabled());
        w.landscapeControls()->runButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(landscape.count(), 1, 60000);
        QTRY_COMPARE(w.landscapePlot()->pointCount(), 9);
        QCOMPARE(w.landscapePlot()->dims(), 2);
        QVERIFY(!w.landscapePlot()->jaggednessText().isEmpty());
        l.dims = 1;
        l.points = 5;
        l.direction = DirectionKind::TowardResult;
        w.landscapeControls()->setSettings(l);
        QTRY_VERIFY(w.landscapeControls()->runButton()->isEnabled());
        w.landscapeControls()->runButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(landscape.count(), 2, 60000);
        QTRY_COMPARE(w.landscapePlot()->pointCount(), 5);
        QVERIFY(w.errorText().isEmpty());
    }

    void sensitivityTableAndRunHistory() {
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        QSignalSpy loaded(&relay, &test::WorkerRelay::modelLoaded);
        loadAndQuantize(w, relay);
        const ModelSummary model = loaded.at(0).at(0).value<ModelSummary>();

        // Layer sensitivity: one row per quantizer, each one in the model tree.
        SensitivityPanel* sens = w.inspection()->sensitivity();
        QSignalSpy ready(&relay, &test::WorkerRelay::sensitivityReady);
        sens->setImages(16);
        QTRY_VERIFY(sens->runButton()->isEnabled());
        sens->runButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 60000);
        QTRY_COMPARE(sens->table()->rowCount(),
                     int(model.layerNames.size() + model.pointNames.size()));
        for (const QString& name : sens->rowOrder())
            QVERIFY2(w.modelPanel()->quantizerItem(name), qPrintable(name));
        // Selecting a row selects the quantizer in the tree and its block for the landscape.
        sens->selectQuantizer("blocks.1.attn.proj.weight");
        QCOMPARE(w.modelPanel()->tree()->currentItem(),
                 w.modelPanel()->quantizerItem("blocks.1.attn.proj.weight"));
        QCOMPARE(w.landscapeControls()->settings().block, 1);
        QVERIFY(w.errorText().isEmpty());

        // Two runs in the history; both checked are overlaid on the fitness and accuracy plots.
        RunHistoryPanel* history = w.inspection()->runHistory();
        QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
        for (unsigned seed : {0u, 1u}) {
            SearchSettings s = test::shortSearch();
            s.seed = seed;
            w.searchPanel()->setSettings(s);
            QTRY_VERIFY(w.searchPanel()->startButton()->isEnabled());
            w.searchPanel()->startButton()->click();
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), int(seed) + 1, 60000);
            QTRY_COMPARE(w.workerState(), WorkerState::Idle);
        }
        QTRY_COMPARE(history->runCount(), 2);
        QCOMPARE(history->run(1).seed, qint64(1));
        QCOMPARE(history->run(0).bits, QString("W2A8"));
        QVERIFY(std::isfinite(history->run(1).finalFitness));
        QVERIFY(std::isfinite(history->run(1).top1));
        QCOMPARE(history->run(1).bestFitness.size(), 4);
        history->setChecked(0, true);
        history->setChecked(1, true);
        QCOMPARE(w.fitnessPlot()->overlayCount(), 2);
        QCOMPARE(w.accuracyPlot()->overlayCount(), 2);
        QCOMPARE(w.fitnessPlot()->overlayGraph(1)->dataCount(), 4);
        QCOMPARE(w.accuracyPlot()->overlayGraph(0)->dataCount(), 2);
    }

    void tryTheseScalesAndUndo() {
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        loadAndQuantize(w, relay);
        LandscapeSettings l = w.landscapeControls()->settings();
        l.block = 1;
        l.dims = 1;
        l.points = 5;
        l.subset = 16;
        l.unit = RadiusUnit::ScaleFraction;  // steps large enough to show in the tree
        l.radius = 0.3;
        l.losses = QStringList{"mse"};
        w.landscapeControls()->setSettings(l);
        QSignalSpy landscape(&relay, &test::WorkerRelay::landscapeFinished);
        w.landscapeControls()->runButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(landscape.count(), 1, 60000);
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);

        TryScalesPanel* t = w.inspection()->tryScales();
        QVERIFY(!t->tryButton()->isEnabled());
        auto mean = [&] {
            return w.modelPanel()
                ->quantizerItem("blocks.1.attn.qkv.weight")
                ->text(ModelPanel::ScaleMean);
        };
        const QString before = mean();
        // A click on the plot picks the point; Try: the model takes its scales.
        Q_EMIT w.landscapePlot()->pointClicked(0.3, 0);
        QCOMPARE(w.landscapePlot()->markerA(), 0.3);
        QVERIFY(t->tryButton()->isEnabled());
        QSignalSpy tried(&relay, &test::WorkerRelay::scalesTried);
        t->tryButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(tried.count(), 1, 60000);
        const TryResult r = tried.at(0).at(0).value<TryResult>();
        QCOMPARE(r.a, 0.3);
        QTRY_COMPARE(t->sampleCount(), r.samples.size());
        QVERIFY(t->sampleCount() > 0);
        QVERIFY(t->resultText().contains("top-1"));
        QTRY_VERIFY(mean() != before);
        QVERIFY(t->undoButton()->isEnabled());
        // Undo: the tree shows the scales from before.
        QSignalSpy undone(&relay, &test::WorkerRelay::tryUndone);
        t->undoButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(undone.count(), 1, 60000);
        QTRY_COMPARE(mean(), before);
        QVERIFY(std::isnan(w.landscapePlot()->markerA()));

        // The scrubber: every position is tried, the last one is where the model ends.
        for (int v : {120, 140, 160}) t->scrubber()->setValue(v);
        QTRY_VERIFY_WITH_TIMEOUT(
            !tried.isEmpty() && tried.last().at(0).value<TryResult>().a == t->sliderCoordinate(160),
            60000);
        QCOMPARE(w.landscapePlot()->markerA(), t->sliderCoordinate(160));
        QVERIFY(mean() != before);
        QVERIFY(w.errorText().isEmpty());
    }

    void cancelMidRunLeavesTheWindowUsable() {
        QTemporaryDir out;
        const QString baseline = out.filePath("baseline.json"),
                      afterCancel = out.filePath("after-cancel.json");
        QElapsedTimer closing;
        {
            MainWindow w(options());
            w.show();
            test::WorkerRelay relay(w.worker());
            loadAndQuantize(w, relay);
            QSignalSpy exported(&relay, &test::WorkerRelay::exported);
            w.exportScales(baseline, ExportFormat::Native, ScaleSelection());
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 30000);
            QTRY_COMPARE(w.workerState(), WorkerState::Idle);
            QSignalSpy fitness(&relay, &test::WorkerRelay::fitnessEvents);
            QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
            startEndlessSearch(w);
            QTRY_VERIFY_WITH_TIMEOUT(fitness.count() >= 2, 60000);
            // The window stays responsive while the search runs: tabs and size change at once.
            for (int i = 0; i < 4; ++i) {
                w.panelTabs()->setCurrentIndex(i);
                w.resize(1000 + 50 * i, 700);
                QApplication::processEvents();
            }
            QVERIFY(w.searchPanel()->cancelButton()->isEnabled());
            QVERIFY(w.searchPanel()->pauseButton()->isEnabled());
            QElapsedTimer t;
            t.start();
            w.searchPanel()->cancelButton()->click();
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
            QVERIFY2(t.elapsed() < 5000, qPrintable(QString("cancel took %1 ms").arg(t.elapsed())));
            QVERIFY(finished.at(0).at(0).value<RunEndEvent>().cancelled);
            QTRY_COMPARE(w.workerState(), WorkerState::Idle);
            QVERIFY(w.searchPanel()->startButton()->isEnabled());
            QVERIFY(w.banner()->text().contains("cancelled"));
            // The cancelled run left the scales it started from: the baseline.
            w.exportScales(afterCancel, ExportFormat::Native, ScaleSelection());
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 30000);
            QVERIFY(!quantizersOf(baseline).isEmpty());
            QCOMPARE(quantizersOf(afterCancel), quantizersOf(baseline));
            QTRY_COMPARE(w.workerState(), WorkerState::Idle);
            // Still usable: a short search runs to its end afterwards.
            w.searchPanel()->setSettings(test::shortSearch());
            w.searchPanel()->startButton()->click();
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
            QVERIFY(!finished.at(1).at(0).value<RunEndEvent>().cancelled);

            // Closing during a run: the destructor cancels, quits and joins the worker thread.
            const int before = static_cast<int>(fitness.count());
            startEndlessSearch(w);
            QTRY_VERIFY_WITH_TIMEOUT(fitness.count() >= before + 2, 60000);
            closing.start();
        }
        QVERIFY2(closing.elapsed() < 10000,
                 qPrintable(QString("closing took %1 ms").arg(closing.elapsed())));
        // The folder holds the two exports and nothing else (no temporary file left behind).
        QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name),
                 (QStringList{"after-cancel.json", "baseline.json"}));
    }

    // Closing the window during each kind of job: the destructor cancels and joins the worker
    // thread (a QThread destroyed while running aborts the process), no file is left half
    // written, and a cancel before it puts the scales back as they were.
    void closingDuringEachJob_data() {
        QTest::addColumn<QString>("job");
        for (const char* j :
             {"loading", "calibration", "live landscape search", "landscape", "export"})
            QTest::addRow("%s", j) << QString(j);
    }

    void closingDuringEachJob() {
        QFETCH(QString, job);
        QTemporaryDir out;
        const QString previous = out.filePath("previous.json");
        QByteArray previousBytes;
        QElapsedTimer closing;
        {
            MainWindow w(options());
            w.show();
            test::WorkerRelay relay(w.worker());
            QSignalSpy exported(&relay, &test::WorkerRelay::exported);
            QSignalSpy slicePoints(&relay, &test::WorkerRelay::liveSlicePoints);
            QSignalSpy searchEnd(&relay, &test::WorkerRelay::searchFinished);
            QSignalSpy landscapePoints(&relay, &test::WorkerRelay::landscapePoints);
            QSignalSpy landscapeEnd(&relay, &test::WorkerRelay::landscapeFinished);
            auto startSearch = [&] {
                SearchSettings s = test::shortSearch();
                s.passes = 100000;
                s.live.dims = 2;
                s.live.points = 5;
                s.live.share = 1000;
                w.searchPanel()->setSettings(s);
                w.searchPanel()->startButton()->click();
            };
            auto startLandscape = [&] {
                LandscapeSettings l = w.landscapeControls()->settings();
                l.dims = 2;
                l.points = 41;  // 1,681 points: far longer than the test waits
                l.subset = 16;
                w.landscapeControls()->setSettings(l);
                QVERIFY(w.landscapeControls()->runButton()->isEnabled());
                w.landscapeControls()->runButton()->click();
            };
            // The small model loads and calibrates in well under a second: the window closes
            // as soon as the worker says it has started.
            QSignalSpy states(&relay, &test::WorkerRelay::stateChanged);
            auto started = [&](WorkerState s) {
                for (const QList<QVariant>& args : states)
                    if (args.at(0).value<WorkerState>() == s) return true;
                return false;
            };
            if (job == "loading") {
                w.openStartup(m_model, m_calib, m_val);
                QTRY_VERIFY_WITH_TIMEOUT(started(WorkerState::Loading), 10000);
            } else if (job == "calibration") {
                QSignalSpy data(&relay, &test::WorkerRelay::dataLoaded);
                w.openStartup(m_model, m_calib, m_val);
                QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 30000);
                QTRY_COMPARE(w.workerState(), WorkerState::Idle);
                w.quantize();
                QTRY_VERIFY_WITH_TIMEOUT(started(WorkerState::Quantizing), 10000);
            } else {
                loadAndQuantize(w, relay);
                w.exportScales(previous, ExportFormat::Native, ScaleSelection());
                QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 30000);
                QTRY_COMPARE(w.workerState(), WorkerState::Idle);
                QFile f(previous);
                QVERIFY(f.open(QIODevice::ReadOnly));
                previousBytes = f.readAll();
                QVERIFY(!quantizersOf(previous).isEmpty());
                const QString check = out.filePath("check.json");
                auto scalesAreThePrevious = [&] {
                    w.exportScales(check, ExportFormat::Native, ScaleSelection());
                    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 30000);
                    QTRY_COMPARE(w.workerState(), WorkerState::Idle);
                    QCOMPARE(quantizersOf(check), quantizersOf(previous));
                    QVERIFY(QFile::remove(check));
                };
                if (job == "live landscape search") {
                    // Cancel first: the scales go back to where the run started.
                    startSearch();
                    QTRY_VERIFY_WITH_TIMEOUT(slicePoints.count() >= 1, 60000);
                    w.cancel();
                    QTRY_COMPARE_WITH_TIMEOUT(searchEnd.count(), 1, 10000);
                    QTRY_COMPARE(w.workerState(), WorkerState::Idle);
                    scalesAreThePrevious();
                    const int before = slicePoints.count();
                    startSearch();
                    QTRY_VERIFY_WITH_TIMEOUT(slicePoints.count() > before, 60000);
                } else if (job == "landscape") {
                    startLandscape();
                    QTRY_VERIFY_WITH_TIMEOUT(landscapePoints.count() >= 1, 60000);
                    w.cancel();
                    QTRY_COMPARE_WITH_TIMEOUT(landscapeEnd.count(), 1, 10000);
                    QTRY_COMPARE(w.workerState(), WorkerState::Idle);
                    scalesAreThePrevious();
                    const int before = landscapePoints.count();
                    startLandscape();
                    QTRY_VERIFY_WITH_TIMEOUT(landscapePoints.count() > before, 60000);
                }
                if (job != "export") {
                    // The second run is the one the window closes on.
                    QTRY_VERIFY(w.workerState() != WorkerState::Idle);
                } else {
                    // Overwriting the previous file, closed at once: either the old file or the
                    // new one, whole.
                    w.exportScales(previous, ExportFormat::Native, ScaleSelection());
                }
            }
            closing.start();
        }
        QVERIFY2(closing.elapsed() < 10000,
                 qPrintable(QString("closing took %1 ms").arg(closing.elapsed())));
        const QStringList files = QDir(out.path()).entryList(QDir::Files | QDir::Hidden);
        if (job == "loading" || job == "calibration") {
            QVERIFY2(files.isEmpty(), qPrintable(files.join(", ")));
            return;
        }
        QCOMPARE(files, QStringList{"previous.json"});  // no temporary left behind
        QFile f(previous);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray now = f.readAll();
        if (job == "export")
            QCOMPARE(quantizersOf(previous),
                     QJsonDocument::fromJson(previousBytes).object().value("quantizers").toArray());
        else
            QCOMPARE(now, previousBytes);
    }

    void pauseAndResume() {
        MainWindow w(options());
        test::WorkerRelay relay(w.worker());
        loadAndQuantize(w, relay);
        QSignalSpy started(&relay, &test::WorkerRelay::searchStarted);
        QSignalSpy fitness(&relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
        QSignalSpy states(&relay, &test::WorkerRelay::stateChanged);
        startEndlessSearch(w);
        QTRY_VERIFY_WITH_TIMEOUT(fitness.count() >= 1, 60000);
        w.searchPanel()->pauseButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(w.workerState(), WorkerState::Paused, 10000);
        // The worker itself reported the pause, mid-run.
        QTRY_VERIFY(!states.isEmpty() &&
                    states.last().at(0).value<WorkerState>() == WorkerState::Paused);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(started.count(), 1);
        int delivered = 0;
        for (const auto& args : fitness)
            delivered += args.at(0).value<QVector<FitnessEvent>>().size();
        QVERIFY(delivered > 0);
        QVERIFY(delivered < started.at(0).at(0).value<RunStartEvent>().evaluationsTotal);
        QCOMPARE(w.searchPanel()->pauseButton()->text(), QString("Resume"));
        const int before = fitness.count();
        QTest::qWait(200);
        QCOMPARE(fitness.count(), before);  // nothing runs while paused
        w.searchPanel()->pauseButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(fitness.count() > before, 10000);
        QCOMPARE(w.workerState(), WorkerState::Searching);
        w.searchPanel()->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    }

    // The scripted run of the live landscape: a short search with it on fills the Landscape plot
    // with a slice per block visit and the children on it while the search runs, and its result
    // (scales and fitness history) equals the same run with it off. Then a log replays.
    void liveLandscapeDuringASearch() {
        QTemporaryDir out;
        QStringList files;
        for (const bool live : {false, true}) {
            MainWindow w(options());
            w.show();
            test::WorkerRelay relay(w.worker());
            loadAndQuantize(w, relay);
            QSignalSpy slices(&relay, &test::WorkerRelay::liveSliceStarted);
            QSignalSpy points(&relay, &test::WorkerRelay::liveSlicePoints);
            QSignalSpy candidates(&relay, &test::WorkerRelay::candidates);
            QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
            SearchSettings s = test::shortSearch();
            s.finalEvaluation = false;
            s.live.dims = live ? 2 : 0;
            s.live.points = 3;
            s.live.share = 1000;  // whole slices
            w.searchPanel()->setSettings(s);
            QCOMPARE(w.searchPanel()->settings().live.dims, s.live.dims);
            w.searchPanel()->startButton()->click();
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
            QTRY_COMPARE(w.workerState(), WorkerState::Idle);
            if (live) {
                QCOMPARE(slices.count(), 2);
                QVERIFY(points.count() >= 1);
                QVERIFY(candidates.count() >= 1);
                LandscapePlot* plot = w.landscapePlot();
                QTRY_COMPARE(plot->sliceCount(), 2);
                QCOMPARE(plot->shownVisit(), 1);  // following the search
                QCOMPARE(plot->dims(), 2);
                QCOMPARE(plot->pointCount(), 9);
                QCOMPARE(plot->candidateCount(), 2);  // the start and one child
                plot->flushReplot();
                QCOMPARE(plot->candidateGraph()->dataCount(), 1);
                QVERIFY(plot->visitSelector()->itemText(0).contains("local minima"));
                QVERIFY(!plot->isShowingEmptyText());

                // Try a point of the live slice shown: the block takes the slice's scales there;
                // undo gives the search's result back (the export below compares it, bit for
                // bit, with the run without the live landscape).
                TryScalesPanel* t = w.inspection()->tryScales();
                Q_EMIT plot->pointClicked(s.live.radius, 0);
                QVERIFY(t->tryButton()->isEnabled());
                QSignalSpy tried(&relay, &test::WorkerRelay::scalesTried);
                t->tryButton()->click();
                QTRY_COMPARE_WITH_TIMEOUT(tried.count(), 1, 60000);
                const TryResult r = tried.at(0).at(0).value<TryResult>();
                QCOMPARE(r.a, s.live.radius);
                QCOMPARE(r.block, plot->shownSliceStart().block);
                QCOMPARE(r.values.size(), 1);
                QVERIFY(std::isfinite(r.values[0]));
                QVERIFY2(w.errorText().isEmpty(), qPrintable(w.errorText()));
                QSignalSpy undone(&relay, &test::WorkerRelay::tryUndone);
                t->undoButton()->click();
                QTRY_COMPARE_WITH_TIMEOUT(undone.count(), 1, 60000);
            } else {
                QCOMPARE(slices.count(), 0);
                QCOMPARE(w.landscapePlot()->sliceCount(), 0);
            }
            QSignalSpy exported(&relay, &test::WorkerRelay::exported);
            files << out.filePath(QString("scales-%1.json").arg(live));
            w.exportScales(files.last(), ExportFormat::Native, ScaleSelection{});
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 30000);
            QTRY_COMPARE(w.workerState(), WorkerState::Idle);
        }
        QCOMPARE(quantizersOf(files[1]), quantizersOf(files[0]));
        auto historyOf = [](const QString& path) {
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) return QJsonValue();
            return QJsonDocument::fromJson(f.readAll())
                .object()
                .value("search")
                .toObject()
                .value("fitness_history");
        };
        QVERIFY(historyOf(files[0]).isArray());
        QCOMPARE(historyOf(files[1]), historyOf(files[0]));

        // File > Open search log: a log with a live slice replays into the plots.
        const QString log = out.filePath("log.csv");
        {
            QFile f(log);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QString(SearchLog::columns() + "\n" +
                            "start,0,,,,2,,,,0,,,,,,,,,\n"
                            "slice_start,,0,1,,,,,,,0,,,,,,,,dims=1;points=3;radius=1;axes=x\n"
                            "child,1,0,1,-1,2,,,,,0,,,0,0,,,start,\n"
                            "fitness,1,0,1,-1,2,2,2,,0.1,,,,,,,,,\n"
                            "slice,,0,1,,2.5,,,,,0,0,0,-1,0,,,,\n"
                            "slice,,0,1,,2,,,,,0,1,0,0,0,,,,\n"
                            "child,2,0,1,0,1.5,,,,,0,,,0.5,0,0,0,best,\n"
                            "fitness,2,0,1,0,1.5,1.5,1.5,,0.2,,,,,,,,,\n"
                            "slice_end,,0,1,,,,,,,0,,,,,,,,local_minima=0;tv_ratio=1\n"
                            "block,2,0,1,,1.5,,,60,0.3,,,,,,,,,\n")
                        .toUtf8());
        }
        MainWindow w(options());
        QVERIFY(w.openSearchLog(log));
        QCOMPARE(w.landscapePlot()->sliceCount(), 1);
        QCOMPARE(w.landscapePlot()->pointCount(), 2);
        QCOMPARE(w.landscapePlot()->candidateCount(), 2);
        QCOMPARE(w.fitnessPlot()->pointCount(1), 2);
        QCOMPARE(w.accuracyPlot()->accuracyPointCount(), 1);
        QVERIFY(!w.openSearchLog(out.filePath("missing.csv")));
        QVERIFY(w.errorText().contains("missing.csv"));
    }

    void exportDialogWritesEachFormatAndNativeReimports() {
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        loadAndQuantize(w, relay);
        QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
        SearchSettings s = test::shortSearch();
        s.finalEvaluation = false;
        w.searchPanel()->setSettings(s);
        w.searchPanel()->startButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);

        QTemporaryDir out;
        QSignalSpy exported(&relay, &test::WorkerRelay::exported);
        const struct {
            ExportFormat format;
            QString name;
            ExportScalesDialog::Choice choice;
        } cases[] = {{ExportFormat::Native, "scales.json", ExportScalesDialog::All},
                     {ExportFormat::Aimet, "scales.encodings", ExportScalesDialog::All},
                     {ExportFormat::Csv, "scales.csv", ExportScalesDialog::Searched}};
        for (const auto& c : cases) {
            ExportScalesDialog* dialog = w.openExportDialog();
            QVERIFY(dialog);
            QVERIFY(dialog->isVisible());
            QVERIFY(dialog->provenanceText().contains("sha256"));
            QVERIFY(dialog->provenanceText().contains("W2A8"));
            QVERIFY(dialog->provenanceText().contains("search"));
            dialog->setFormat(c.format);
            dialog->setChoice(c.choice);
            dialog->setPath(out.filePath(c.name));
            if (c.format == ExportFormat::Csv) QCOMPARE(dialog->selectedCount(), 4);
            dialog->accept();
        }
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 3, 30000);
        for (const auto& c : cases)
            QVERIFY2(QFile::exists(out.filePath(c.name)), qPrintable(c.name));
        QVERIFY(w.errorText().isEmpty());
        // The CSV holds the searched weights only: qkv and proj of both blocks.
        QFile csv(out.filePath("scales.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
        const QString text = QString::fromUtf8(csv.readAll());
        QVERIFY(text.contains(ScaleExport::csvHeader()));
        QCOMPARE(text.count("\nblocks."), 2 * (3 * 48 + 48));

        // Native re-imports identically.
        QSignalSpy imported(&relay, &test::WorkerRelay::imported);
        w.importScales(out.filePath("scales.json"), false);
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, 30000);
        w.exportScales(out.filePath("again.json"), ExportFormat::Native, ScaleSelection());
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 4, 30000);
        QCOMPARE(quantizersOf(out.filePath("again.json")),
                 quantizersOf(out.filePath("scales.json")));

        // Compare: the imported file beside the current scales.
        QSignalSpy compared(&relay, &test::WorkerRelay::comparisonReady);
        w.importScales(out.filePath("scales.json"), true);
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 1, 30000);
        QTRY_COMPARE(w.comparisonMap()->blockCount(), 2);
        QCOMPARE(w.comparisonMap()->maxAbsChange(), 0.0);
        QVERIFY(w.dock("comparisonDock")->isVisible());
        QVERIFY(w.errorText().isEmpty());
    }

    void badInputShowsTheBanner() {
        MainWindow w(options());
        test::WorkerRelay relay(w.worker());
        QSignalSpy errors(&relay, &test::WorkerRelay::error);
        const QString missing = m_dir.filePath("no-model-here");
        w.openModel(missing);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 10000);
        QTRY_VERIFY(w.errorText().contains(missing));
        // Still usable afterwards.
        loadAndQuantize(w, relay);
        const QString garbage = m_dir.filePath("garbage-scales.json");
        QFile g(garbage);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("[1, 2");
        g.close();
        w.importScales(garbage, false);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 2, 10000);
        QTRY_VERIFY(w.errorText().contains(garbage));
        const QString empty = m_dir.filePath("empty-folder");
        QDir().mkpath(empty);
        w.loadData(empty, m_val);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 3, 10000);
        QTRY_VERIFY(w.errorText().contains(empty));
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);
        QVERIFY(w.isQuantized());
    }

    void prepareDataFromABadSourceShowsTheBanner() {
        MainWindow w(options());
        QSignalSpy prepared(&w, &MainWindow::dataPrepared);
        const QString source = m_dir.filePath("no-idx-files-here");
        QDir().mkpath(source);
        const QString out = m_dir.filePath("prepared-data");
        w.prepareFashionMnist(source, out);
        QTRY_COMPARE_WITH_TIMEOUT(prepared.count(), 1, 30000);
        QCOMPARE(prepared.at(0).at(0).toBool(), false);
        QVERIFY(!w.isPreparingData());
        QVERIFY2(w.errorText().contains(source), qPrintable(w.errorText()));
        QVERIFY(!QFileInfo::exists(out + "/calib"));
        // Still usable afterwards.
        test::WorkerRelay relay(w.worker());
        loadAndQuantize(w, relay);
    }

    void settingsPersist() {
        const MainWindow::Options o = options();
        {
            MainWindow w(o);
            test::WorkerRelay relay(w.worker());
            QSignalSpy model(&relay, &test::WorkerRelay::modelLoaded);
            w.openModel(m_model);
            QTRY_COMPARE_WITH_TIMEOUT(model.count(), 1, 30000);
            SearchSettings s = w.searchPanel()->settings();
            s.passes = 7;
            s.fitness.loss = LossKind::Mse;
            s.relativeMutation = true;
            w.searchPanel()->setSettings(s);
            QuantConfig c = w.quantPanel()->config();
            c.weightBits = 3;
            w.quantPanel()->setConfig(c);
        }
        MainWindow w(o);
        QCOMPARE(w.searchPanel()->settings().passes, 7);
        QCOMPARE(w.searchPanel()->settings().fitness.loss, LossKind::Mse);
        QVERIFY(w.searchPanel()->settings().relativeMutation);
        QCOMPARE(w.quantPanel()->config().weightBits, 3);
        QVERIFY(w.modelPanel()->picker()->recent().contains(QDir::cleanPath(m_model)));
    }

    void probeWritesTheGapsOfASearch() {
        const QString report = m_dir.filePath("probe.json");
        MainWindow w(options(report));
        test::WorkerRelay relay(w.worker());
        QVERIFY(w.probe());
        QSignalSpy reported(&w, &MainWindow::probeReported);
        loadAndQuantize(w, relay);
        // Long enough for the 5 ms probe to tick many times even on a fast machine.
        SearchSettings s = test::shortSearch();
        s.passes = 40;
        s.cycles = 3;
        w.searchPanel()->setSettings(s);
        w.searchPanel()->startButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(reported.count(), 1, 120000);
        QFile f(report);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject r = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(r.value("samples").toInt() > 0);
        QVERIFY(r.value("p99_ms").toDouble() > 0);
        QVERIFY(r.value("max_ms").toDouble() >= r.value("p99_ms").toDouble());
        // What was measured: the program, the model, the bits and the search's settings.
        const QJsonObject p = r.value("provenance").toObject();
        QCOMPARE(p.value("program_version").toString(), QString(EVOLQ_VERSION));
        QCOMPARE(p.value("model").toObject().value("sha256").toString().size(), 64);
        QCOMPARE(p.value("bit_config").toString(), w.quantPanel()->config().label());
        QCOMPARE(p.value("search_settings").toObject().value("passes").toInt(), 40);
        QCOMPARE(p.value("seed").toInt(), static_cast<int>(s.seed));
    }

    // The bundled model is being trained; until it lands this test skips.
    void bundledModelShortSearch() {
        const QString model = defaultModelDir(), calib = defaultDataDir() + "/calib",
                      val = defaultDataDir() + "/val";
        if (!QFile::exists(model + "/model.safetensors"))
            QSKIP("the bundled model is not there yet");
        if (!QFileInfo(calib).isDir() || !QFileInfo(val).isDir())
            QSKIP("data/fashion-mnist is not prepared");
        MainWindow w(options());
        w.show();
        test::WorkerRelay relay(w.worker());
        QSignalSpy data(&relay, &test::WorkerRelay::dataLoaded);
        QSignalSpy quantized(&relay, &test::WorkerRelay::quantized);
        QSignalSpy fitness(&relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy visits(&relay, &test::WorkerRelay::blockVisited);
        QSignalSpy finished(&relay, &test::WorkerRelay::searchFinished);
        SearchSettings s = test::shortSearch();
        s.fitness.batch = 100;
        s.valSubset = 100;
        s.finalEvaluation = false;
        w.searchPanel()->setSettings(s);
        QuantConfig c = w.quantPanel()->config();
        c.calibImages = 100;
        c.calibBatch = 100;
        w.quantPanel()->setConfig(c);
        w.openStartup();  // no arguments: the bundled model and data/fashion-mnist
        QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 120000);
        QVERIFY2(w.errorText().isEmpty(), qPrintable(w.errorText()));
        w.quantize();
        QTRY_COMPARE_WITH_TIMEOUT(quantized.count(), 1, 300000);
        QTRY_VERIFY(w.searchPanel()->startButton()->isEnabled());
        w.startSearch();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 600000);
        QVERIFY(fitness.count() >= 1);
        const int blocks = w.fitnessPlot()->blockCount();
        QVERIFY(blocks > 0);
        QCOMPARE(visits.count(), blocks);
        QCOMPARE(w.accuracyPlot()->accuracyPointCount(), blocks);
        int points = 0;
        for (int b = 0; b < blocks; ++b) points += w.fitnessPlot()->pointCount(b);
        QCOMPARE(points, 2 * blocks);
    }
};

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
