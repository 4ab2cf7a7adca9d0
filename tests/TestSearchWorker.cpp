#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include "TestSupport.h"
#include "WorkbenchFixture.h"
#include "WorkerRelay.h"
#include "io/ScaleExport.h"
#include "model/Runtime.h"
#include "worker/SearchWorker.h"

using namespace evolq;

namespace {

// A worker on its own thread, as the GUI runs it.
struct Harness {
    QThread thread;
    SearchWorker* worker = new SearchWorker;
    test::WorkerRelay relay{worker};

    Harness() {
        worker->moveToThread(&thread);
        QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
        thread.start();
    }
    ~Harness() { stop(); }
    // Cancel whatever runs or is queued, then quit and join (as the main window closes).
    bool stop(int ms = 30000) {
        if (thread.isFinished()) return true;
        worker->shutDown();
        thread.quit();
        return thread.wait(ms);
    }
    template <typename F>
    void post(F f) {
        SearchWorker* w = worker;
        QMetaObject::invokeMethod(
            worker, [w, f] { f(w); }, Qt::QueuedConnection);
    }
};

QJsonArray quantizersOf(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object().value("quantizers").toArray();
}

}  // namespace

class TestSearchWorker : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model, m_calib, m_val;

    // Model, data and baseline, ready to search.
    void prepare(Harness& h) {
        QSignalSpy loaded(&h.relay, &test::WorkerRelay::modelLoaded);
        QSignalSpy data(&h.relay, &test::WorkerRelay::dataLoaded);
        QSignalSpy quantized(&h.relay, &test::WorkerRelay::quantized);
        const QString model = m_model, calib = m_calib, val = m_val;
        h.post([=](SearchWorker* w) { w->loadModel(model); });
        h.post([=](SearchWorker* w) { w->loadData(calib, val, 16, 10); });
        h.post([](SearchWorker* w) { w->quantize(test::smallConfig()); });
        QTRY_COMPARE_WITH_TIMEOUT(quantized.count(), 1, 60000);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(data.count(), 1);
    }

private Q_SLOTS:
    void initTestCase() {
        SearchWorker::registerMetaTypes();
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        QVERIFY(m_dir.isValid());
        const test::WorkbenchFixture f(m_dir.path());
        m_model = f.model;
        m_calib = f.calib;
        m_val = f.val;
    }

    void loadsModelDataAndBaseline() {
        Harness h;
        QSignalSpy loaded(&h.relay, &test::WorkerRelay::modelLoaded);
        QSignalSpy data(&h.relay, &test::WorkerRelay::dataLoaded);
        QSignalSpy quantized(&h.relay, &test::WorkerRelay::quantized);
        QSignalSpy errors(&h.relay, &test::WorkerRelay::error);
        QSignalSpy provenance(&h.relay, &test::WorkerRelay::provenanceChanged);
        prepare(h);
        // prepare() used its own spies; these saw the same signals.
        QCOMPARE(loaded.count(), 1);
        const auto model = loaded.at(0).at(0).value<ModelSummary>();
        QCOMPARE(model.info.numClasses, 2);
        QCOMPARE(model.info.depth, 2);
        QVERIFY(model.layerNames.contains("blocks.1.attn.qkv"));

        const auto calib = data.at(0).at(0).value<DataSummary>();
        const auto val = data.at(0).at(1).value<DataSummary>();
        QCOMPARE(calib.classes, QStringList({"class_0", "class_1"}));
        QCOMPARE(calib.images, 25);  // the broken file counts as a file
        QVERIFY(calib.decoded >= 15);
        QVERIFY(!calib.thumbnails.isEmpty());
        QCOMPARE(val.images, 21);
        QCOMPARE(val.decoded + val.failed.size(), 10);

        const auto q = quantized.at(0).at(0).value<QuantizeSummary>();
        QCOMPARE(q.label, QString("W2A8"));
        QVERIFY(q.calibImages > 0);
        QVERIFY(q.valImages > 0);
        QVERIFY(!std::isnan(q.fp32Top1));
        QVERIFY(!std::isnan(q.baselineTop1));
        QVERIFY(!q.quantizers.isEmpty());
        int searched = 0;
        for (const QuantizerSummary& s : q.quantizers) {
            if (s.searched) ++searched;
            if (s.bits > 0 && !s.log2) QVERIFY(s.scaleMin > 0);
        }
        QCOMPARE(searched, 4);  // qkv and proj of two blocks
        QVERIFY(provenance.count() >= 1);
        const QJsonObject p = provenance.last().at(0).toJsonObject();
        QCOMPARE(p.value("bit_config").toString(), QString("W2A8"));
        QCOMPARE(p.value("model").toObject().value("sha256").toString().size(), 64);
        QVERIFY(errors.isEmpty());
        QVERIFY(h.stop());
    }

    void shortSearchStreamsEventsAndFinishes() {
        Harness h;
        prepare(h);
        QSignalSpy started(&h.relay, &test::WorkerRelay::searchStarted);
        QSignalSpy fitness(&h.relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy visits(&h.relay, &test::WorkerRelay::blockVisited);
        QSignalSpy changes(&h.relay, &test::WorkerRelay::scaleChanges);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
        QSignalSpy progress(&h.relay, &test::WorkerRelay::progress);
        QSignalSpy states(&h.relay, &test::WorkerRelay::stateChanged);
        QSignalSpy errors(&h.relay, &test::WorkerRelay::error);
        SearchSettings s = test::shortSearch();
        s.outputPath = m_dir.filePath("short-result.json");
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.value(0).value(0).toString()));

        QCOMPARE(started.count(), 1);
        const auto run = started.at(0).at(0).value<RunStartEvent>();
        QCOMPARE(run.blocks, 2);
        QCOMPARE(run.evaluationsTotal, 1 * 2 * (1 + 1));
        QVERIFY(!std::isnan(run.fp32Top1));
        // Every evaluation arrives once, in order, in batches.
        int n = 0;
        for (const auto& args : fitness) {
            for (const FitnessEvent& e : args.at(0).value<QVector<FitnessEvent>>())
                QCOMPARE(e.evaluation, ++n);
        }
        QCOMPARE(n, run.evaluationsTotal);
        // Blocks last to first.
        QCOMPARE(visits.count(), 2);
        QCOMPARE(visits.at(0).at(0).value<BlockVisitEvent>().block, 1);
        QCOMPARE(visits.at(1).at(0).value<BlockVisitEvent>().block, 0);
        QVERIFY(!std::isnan(visits.at(1).at(0).value<BlockVisitEvent>().accuracy));
        QVERIFY(changes.count() >= 2);
        QCOMPARE(changes.last().at(0).value<QVector<QVector<double>>>().size(), 2);
        const auto end = finished.at(0).at(0).value<RunEndEvent>();
        QVERIFY(!end.cancelled);
        QVERIFY(!std::isnan(end.finalTop1));
        QVERIFY(end.bestFitness <= run.baselineFitness);
        QCOMPARE(progress.last().at(0).toInt(), progress.last().at(1).toInt());
        QCOMPARE(states.last().at(0).value<WorkerState>(), WorkerState::Idle);
        QVERIFY(QFile::exists(s.outputPath));
        QVERIFY(h.stop());
    }

    void cancelMidRunWritesNothingAndJoins() {
        Harness h;
        prepare(h);
        QSignalSpy fitness(&h.relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
        QSignalSpy changes(&h.relay, &test::WorkerRelay::scaleChanges);
        QTemporaryDir out;
        SearchSettings s = test::shortSearch();
        s.passes = 100000;  // far longer than the test waits
        s.outputPath = out.filePath("never.json");
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        QTRY_VERIFY_WITH_TIMEOUT(fitness.count() >= 2, 60000);
        QElapsedTimer t;
        t.start();
        h.worker->cancel();  // directly, from this thread, as the GUI does
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString("cancel took %1 ms").arg(t.elapsed())));
        QVERIFY(finished.at(0).at(0).value<RunEndEvent>().cancelled);
        // The scales went back to where the run started: the baseline.
        for (const auto& row : changes.last().at(0).value<QVector<QVector<double>>>())
            for (double v : row) QCOMPARE(v, 0.0);
        QVERIFY(!QFile::exists(s.outputPath));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden).size(),
                 0);  // no temporary left
        QVERIFY(h.stop(5000));
        QVERIFY(h.thread.isFinished());
    }

    // Closing right after Start: the search is still queued when the window shuts the worker
    // down. It must start cancelled and end at once, and so must any job behind it; otherwise
    // the thread never returns to its event loop and joining it hangs.
    void shutDownCancelsTheJobsStillQueued() {
        Harness h;
        prepare(h);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
        SearchSettings s = test::shortSearch();
        s.passes = 100000;  // far longer than the test waits
        h.worker->shutDown();
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
        QVERIFY(finished.at(0).at(0).value<RunEndEvent>().cancelled);
        QVERIFY(finished.at(1).at(0).value<RunEndEvent>().cancelled);
        h.thread.quit();
        QVERIFY(h.thread.wait(10000));
    }

    // One fitnessEvents() per BatchIntervalMs or block visit, not one per evaluation: with many
    // fast evaluations the signals are fewer than the events, and every event arrives once, in
    // order.
    void fitnessEventsAreBatched() {
        Harness h;
        prepare(h);
        QSignalSpy started(&h.relay, &test::WorkerRelay::searchStarted);
        QSignalSpy fitness(&h.relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy visits(&h.relay, &test::WorkerRelay::blockVisited);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
        SearchSettings s = test::shortSearch();
        s.cycles = 40;
        s.valSubset = 0;
        s.finalEvaluation = false;
        QElapsedTimer t;
        t.start();
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const qint64 ms = t.elapsed();
        QCOMPARE(started.count(), 1);
        const int total = started.at(0).at(0).value<RunStartEvent>().evaluationsTotal;
        QCOMPARE(total, 1 * 2 * (1 + 40));
        int n = 0;
        for (const auto& args : fitness) {
            const auto batch = args.at(0).value<QVector<FitnessEvent>>();
            QVERIFY(!batch.isEmpty());
            for (const FitnessEvent& e : batch) QCOMPARE(e.evaluation, ++n);
        }
        QCOMPARE(n, total);
        QCOMPARE(visits.count(), 2);
        // A batch goes out at a block visit or once BatchIntervalMs have passed since the last.
        QVERIFY2(fitness.count() <= visits.count() + ms / SearchWorker::BatchIntervalMs + 1,
                 qPrintable(QString("%1 signals in %2 ms").arg(fitness.count()).arg(ms)));
        QVERIFY2(fitness.count() < n,
                 qPrintable(QString("%1 signals for %2 events in %3 ms: nothing was batched")
                                .arg(fitness.count())
                                .arg(n)
                                .arg(ms)));
    }

    void pauseResumeEqualsAnUninterruptedRun() {
        QTemporaryDir out;
        const QString straight = out.filePath("straight.json"),
                      paused = out.filePath("paused.json");
        SearchSettings s = test::shortSearch();
        s.passes = 2;
        s.cycles = 3;
        s.finalEvaluation = false;
        auto trace = [](const QSignalSpy& spy) {
            QVector<double> f;
            for (const auto& args : spy)
                for (const FitnessEvent& e : args.at(0).value<QVector<FitnessEvent>>())
                    f.append(e.childFitness);
            return f;
        };
        QVector<double> straightTrace, pausedTrace;
        RunEndEvent straightEnd, pausedEnd;
        {
            Harness h;
            prepare(h);
            QSignalSpy fitness(&h.relay, &test::WorkerRelay::fitnessEvents);
            QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
            SearchSettings a = s;
            a.outputPath = straight;
            h.post([a](SearchWorker* w) { w->startSearch(a); });
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
            straightTrace = trace(fitness);
            straightEnd = finished.at(0).at(0).value<RunEndEvent>();
        }
        {
            Harness h;
            prepare(h);
            QSignalSpy started(&h.relay, &test::WorkerRelay::searchStarted);
            QSignalSpy fitness(&h.relay, &test::WorkerRelay::fitnessEvents);
            QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
            QSignalSpy states(&h.relay, &test::WorkerRelay::stateChanged);
            SearchWorker* worker = h.worker;
            // Pause from the worker's thread as the first batch goes out, so that the pause
            // lands mid-run however fast the evaluations are (pause() is thread-safe).
            auto once = std::make_shared<std::atomic<bool>>(false);
            QObject::connect(
                worker, &SearchWorker::fitnessEvents, worker,
                [worker, once](const QVector<FitnessEvent>&) {
                    if (!once->exchange(true)) worker->pause();
                },
                Qt::DirectConnection);
            SearchSettings b = s;
            b.outputPath = paused;
            h.worker->pause();  // stale requests do not carry over into a new run
            h.post([b](SearchWorker* w) { w->startSearch(b); });
            QTRY_VERIFY_WITH_TIMEOUT(
                !states.isEmpty() &&
                    states.last().at(0).value<WorkerState>() == WorkerState::Paused,
                60000);
            QCOMPARE(finished.count(), 0);
            QCOMPARE(started.count(), 1);
            const int total = started.at(0).at(0).value<RunStartEvent>().evaluationsTotal;
            // Every evaluation made before the pause was delivered before the Paused state.
            const int doneAtPause = trace(fitness).size();
            QVERIFY(doneAtPause > 0);
            QVERIFY2(doneAtPause < total,
                     qPrintable(QString("%1 of %2").arg(doneAtPause).arg(total)));
            QTest::qWait(100);
            QCOMPARE(trace(fitness).size(), doneAtPause);  // nothing runs while paused
            QCOMPARE(states.last().at(0).value<WorkerState>(), WorkerState::Paused);

            // Exports while paused hold whole block visits only.
            QSignalSpy exported(&h.relay, &test::WorkerRelay::exported);
            const QString mid = out.filePath("mid.json");
            h.post([mid](SearchWorker* w) { w->exportScales(mid, ExportFormat::Native, {}); });
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 30000);
            QVERIFY(QFile::exists(mid));
            h.post([](SearchWorker* w) { w->resume(); });
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
            pausedEnd = finished.at(0).at(0).value<RunEndEvent>();
            QVERIFY(!pausedEnd.cancelled);
            pausedTrace = trace(fitness);
            QCOMPARE(pausedTrace.size(), total);
        }
        // Same seed: the resumed run made the same evaluations and found the same scales.
        QCOMPARE(pausedTrace, straightTrace);
        QCOMPARE(pausedEnd.bestFitness, straightEnd.bestFitness);
        const QJsonArray a = quantizersOf(straight), b = quantizersOf(paused);
        QVERIFY(!a.isEmpty());
        QCOMPARE(a, b);
    }

    // The workbench and `evolq search` drive the same session: on the same model, folders and
    // settings they write scale files with the same keys and, with the same seed, the same scales.
    void workbenchAndCliWriteTheSameFile() {
        QTemporaryDir out;
        const QString fromWorker = out.filePath("workbench.json"),
                      fromCli = out.filePath("cli.json");
        SearchSettings s = test::shortSearch();
        s.outputPath = fromWorker;
        {
            Harness h;
            prepare(h);
            QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
            QSignalSpy exported(&h.relay, &test::WorkerRelay::exported);
            QSignalSpy errors(&h.relay, &test::WorkerRelay::error);
            h.post([s](SearchWorker* w) { w->startSearch(s); });
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
            QVERIFY2(errors.isEmpty(), qPrintable(errors.value(0).value(0).toString()));
            QCOMPARE(exported.count(), 1);
            QCOMPARE(exported.at(0).at(0).toString(), fromWorker);
        }
        const QuantConfig q = test::smallConfig();
        QProcess p;
        p.start(QString(EVOLQ_BIN_DIR) + "/evolq", {"search",
                                                    "--model",
                                                    m_model,
                                                    "--calib",
                                                    m_calib,
                                                    "--val",
                                                    m_val,
                                                    "--calib-size",
                                                    QString::number(q.calibImages),
                                                    "--calib-batch",
                                                    QString::number(q.calibBatch),
                                                    "--seed",
                                                    QString::number(s.seed),
                                                    "--passes",
                                                    QString::number(s.passes),
                                                    "--cycles",
                                                    QString::number(s.cycles),
                                                    "--population",
                                                    QString::number(s.population),
                                                    "--samples",
                                                    QString::number(s.samples),
                                                    "--fitness-batch",
                                                    QString::number(s.fitness.batch),
                                                    "--val-subset",
                                                    QString::number(s.valSubset),
                                                    "--out",
                                                    fromCli});
        QVERIFY(p.waitForFinished(300000));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 p.readAllStandardError().constData());

        auto read = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()
                                               : QJsonObject();
        };
        auto keys = [](const QJsonObject& o) {
            QStringList k = o.keys();
            k.sort();
            return k;
        };
        const QJsonObject w = read(fromWorker), c = read(fromCli);
        QVERIFY(!w.isEmpty());
        QVERIFY(!c.isEmpty());
        QCOMPARE(keys(w), keys(c));
        for (const char* key : {"validation", "search", "calibration", "model"})
            QVERIFY2(w.value(key).isObject(), key);
        const QJsonObject wv = w.value("validation").toObject(),
                          cv = c.value("validation").toObject();
        QCOMPARE(keys(wv), keys(cv));
        const QJsonObject ws = w.value("search").toObject(), cs = c.value("search").toObject();
        QCOMPARE(keys(ws), keys(cs));
        QCOMPARE(keys(ws.value("settings").toObject()), keys(cs.value("settings").toObject()));
        QVERIFY(!keys(ws.value("settings").toObject()).isEmpty());
        QCOMPARE(keys(w.value("calibration").toObject()), keys(c.value("calibration").toObject()));
        // Same settings, same seed: the same run and the same result.
        QCOMPARE(ws.value("settings").toObject(), cs.value("settings").toObject());
        QCOMPARE(w.value("quant_config").toObject(), c.value("quant_config").toObject());
        QCOMPARE(ws.value("fitness_history").toArray(), cs.value("fitness_history").toArray());
        QCOMPARE(w.value("quantizers").toArray(), c.value("quantizers").toArray());
        QVERIFY(!w.value("quantizers").toArray().isEmpty());
        for (const char* key : {"fp32_top1", "baseline_top1", "evolq_top1", "images"})
            QCOMPARE(wv.value(key), cv.value(key));
    }

    void cancelWhilePausedFinishesTheRun() {
        Harness h;
        prepare(h);
        QSignalSpy fitness(&h.relay, &test::WorkerRelay::fitnessEvents);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
        QSignalSpy states(&h.relay, &test::WorkerRelay::stateChanged);
        SearchSettings s = test::shortSearch();
        s.passes = 100000;
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        QTRY_VERIFY_WITH_TIMEOUT(fitness.count() >= 1, 60000);
        h.worker->pause();
        QTRY_VERIFY_WITH_TIMEOUT(states.last().at(0).value<WorkerState>() == WorkerState::Paused,
                                 30000);
        h.worker->cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.at(0).at(0).value<RunEndEvent>().cancelled);
        QTRY_COMPARE(states.last().at(0).value<WorkerState>(), WorkerState::Idle);
        QVERIFY(h.stop(5000));
    }

    void exportsEachFormatAndReimportsNative() {
        Harness h;
        prepare(h);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::searchFinished);
        QSignalSpy exported(&h.relay, &test::WorkerRelay::exported);
        QSignalSpy imported(&h.relay, &test::WorkerRelay::imported);
        QSignalSpy quantized(&h.relay, &test::WorkerRelay::quantized);
        QSignalSpy errors(&h.relay, &test::WorkerRelay::error);
        SearchSettings s = test::shortSearch();
        s.finalEvaluation = false;
        h.post([s](SearchWorker* w) { w->startSearch(s); });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);

        QTemporaryDir out;
        const QString native = out.filePath("scales.json"),
                      aimet = out.filePath("scales.encodings"), csv = out.filePath("scales.csv"),
                      again = out.filePath("again.json");
        h.post([=](SearchWorker* w) {
            w->exportScales(native, ExportFormat::Native, {});
            w->exportScales(aimet, ExportFormat::Aimet, {});
            ScaleSelection weights;
            weights.activations = false;
            w->exportScales(csv, ExportFormat::Csv, weights);
        });
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 3, 30000);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.value(0).value(0).toString()));

        // AIMET encodings 1.0.0.
        QFile af(aimet);
        QVERIFY(af.open(QIODevice::ReadOnly));
        const QJsonObject enc = QJsonDocument::fromJson(af.readAll()).object();
        QCOMPARE(enc.value("version").toString(), QString("1.0.0"));
        QVERIFY(enc.value("quantizer_args").isObject());
        const QJsonArray params = enc.value("param_encodings").toArray();
        const QJsonArray acts = enc.value("activation_encodings").toArray();
        QCOMPARE(params.size(), 1 + 2 * 4 + 1);  // patch embedding, 4 linears per block, head
        QVERIFY(!acts.isEmpty());
        const QJsonObject qkv = [&] {
            for (const QJsonValue& v : params)
                if (v.toObject().value("name") == "blocks.1.attn.qkv.weight") return v.toObject();
            return QJsonObject();
        }();
        QCOMPARE(qkv.value("enc_type").toString(), QString("PER_CHANNEL"));
        QCOMPARE(qkv.value("dtype").toString(), QString("INT"));
        QCOMPARE(qkv.value("bw").toInt(), 2);
        QCOMPARE(qkv.value("is_sym").toBool(), false);
        QCOMPARE(qkv.value("scale").toArray().size(), 3 * 48);
        QCOMPARE(qkv.value("offset").toArray().size(), 3 * 48);
        for (const QJsonValue& o : qkv.value("offset").toArray())
            QVERIFY(o.toDouble() <= 0 && o.toDouble() >= -3);  // 2-bit: levels 0..3
        bool perTensor = false;
        for (const QJsonValue& v : acts)
            perTensor |= v.toObject().value("enc_type") == "PER_TENSOR";
        QVERIFY(perTensor);
        QCOMPARE(enc.value("evolq_provenance").toObject().value("bit_config").toString(),
                 QString("W2A8"));
        QVERIFY(enc.value("evolq_provenance").toObject().value("search").isObject());

        // CSV: provenance comments, the header, one row per weight channel.
        QFile cf(csv);
        QVERIFY(cf.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(cf.readAll()).split('\n', Qt::SkipEmptyParts);
        int header = -1;
        for (int i = 0; i < lines.size(); ++i)
            if (lines[i] == ScaleExport::csvHeader()) header = i;
        QVERIFY(header > 0);
        QVERIFY(lines[0].startsWith('#'));
        QVERIFY(QStringList(lines.mid(0, header)).join('\n').contains("sha256"));
        const int channels = 48 + 2 * (3 * 48 + 48 + 96 + 48) + 2;
        QCOMPARE(lines.size() - header - 1, channels);
        QVERIFY(lines.last().startsWith("head.weight,weight,1,2,false,"));

        // Native: import it back, export again, same scales.
        h.post([=](SearchWorker* w) {
            w->importScales(native, false);
            w->exportScales(again, ExportFormat::Native, {});
        });
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 4, 30000);
        QCOMPARE(imported.count(), 1);
        QCOMPARE(quantized.count(), 1);
        QCOMPARE(quantizersOf(again), quantizersOf(native));
        QVERIFY(errors.isEmpty());
    }

    void comparesAnImportedFile() {
        Harness h;
        prepare(h);
        QSignalSpy exported(&h.relay, &test::WorkerRelay::exported);
        QSignalSpy compared(&h.relay, &test::WorkerRelay::comparisonReady);
        QTemporaryDir out;
        const QString base = out.filePath("base.json");
        h.post([=](SearchWorker* w) { w->exportScales(base, ExportFormat::Native, {}); });
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 30000);
        h.post([=](SearchWorker* w) { w->importScales(base, true); });
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 1, 30000);
        const auto c = compared.at(0).at(0).value<ScaleComparison>();
        QCOMPARE(c.perBlock.size(), 2);
        QCOMPARE(c.maxAbsChange, 0.0);
        QCOMPARE(c.quantizersDiffering, 0);
        QCOMPARE(c.currentTop1, c.importedTop1);
    }

    void landscapeStreamsPointsAndRestoresScales() {
        Harness h;
        prepare(h);
        QSignalSpy started(&h.relay, &test::WorkerRelay::landscapeStarted);
        QSignalSpy points(&h.relay, &test::WorkerRelay::landscapePoints);
        QSignalSpy finished(&h.relay, &test::WorkerRelay::landscapeFinished);
        QSignalSpy errors(&h.relay, &test::WorkerRelay::error);
        QSignalSpy exported(&h.relay, &test::WorkerRelay::exported);
        QTemporaryDir out;
        const QString before = out.filePath("before.json"), after = out.filePath("after.json");
        LandscapeSettings l;
        l.block = 1;
        l.dims = 2;
        l.points = 5;
        l.radius = 2;
        l.losses = {"infonce", "mse"};
        l.subset = 16;
        l.batch = 8;
        h.post([=](SearchWorker* w) {
            w->exportScales(before, ExportFormat::Native, {});
            w->runLandscape(l);
            w->exportScales(after, ExportFormat::Native, {});
        });
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 60000);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.value(0).value(0).toString()));
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.at(0).at(0).value<LandscapeStart>().dims, 2);
        int n = 0;
        for (const auto& args : points) n += args.at(0).value<QVector<LandscapePoint>>().size();
        QCOMPARE(n, 25);
        const auto summary = finished.at(0).at(0).value<LandscapeSummary>();
        QVERIFY(!summary.cancelled);
        QCOMPARE(summary.jaggedness.size(), 2);
        QCOMPARE(quantizersOf(after), quantizersOf(before));

        // "Toward the result" needs a search first; without one it is an error, not a crash.
        LandscapeSettings toward = l;
        toward.direction = DirectionKind::TowardResult;
        toward.dims = 1;
        h.post([=](SearchWorker* w) { w->runLandscape(toward); });
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
        QVERIFY(errors.at(0).at(0).toString().contains("search"));
        QSignalSpy searched(&h.relay, &test::WorkerRelay::searchFinished);
        SearchSettings s = test::shortSearch();
        s.finalEvaluation = false;
        h.post([=](SearchWorker* w) {
            w->startSearch(s);
            w->runLandscape(toward);
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 60000);
        QCOMPARE(errors.count(), 1);
        QVERIFY(!finished.last().at(0).value<LandscapeSummary>().cancelled);
    }

    void badInputBecomesAnErrorNamingTheFile() {
        Harness h;
        QSignalSpy errors(&h.relay, &test::WorkerRelay::error);
        QSignalSpy states(&h.relay, &test::WorkerRelay::stateChanged);
        const QString missing = m_dir.filePath("no-such-model");
        h.post([=](SearchWorker* w) { w->loadModel(missing); });
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 10000);
        QVERIFY(errors.at(0).at(0).toString().contains(missing));

        // Quantize and search before a model: errors, no crash.
        h.post([](SearchWorker* w) {
            w->quantize(test::smallConfig());
            w->startSearch(test::shortSearch());
        });
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 3, 10000);

        prepare(h);
        const QString garbage = m_dir.filePath("garbage.json");
        QFile g(garbage);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("{ not json");
        g.close();
        const QString unwritable = m_dir.filePath("no/such/dir/out.json");
        const QString emptyFolder = m_dir.filePath("empty");
        QDir().mkpath(emptyFolder);
        h.post([=](SearchWorker* w) {
            w->importScales(garbage, false);
            w->exportScales(unwritable, ExportFormat::Aimet, {});
            w->loadData(emptyFolder, QString(), 16, 0);
        });
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 6, 10000);
        QVERIFY(errors.at(3).at(0).toString().contains(garbage));
        QVERIFY(errors.at(4).at(0).toString().contains(unwritable));
        QVERIFY(errors.at(5).at(0).toString().contains(emptyFolder));
        QCOMPARE(states.last().at(0).value<WorkerState>(), WorkerState::Idle);
        QVERIFY(h.stop());
    }
};

QTEST_GUILESS_MAIN(TestSearchWorker)
#include "TestSearchWorker.moc"
