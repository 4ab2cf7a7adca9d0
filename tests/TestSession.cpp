#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "TestErrors.h"
#include "TestImages.h"
#include "TestSupport.h"
#include "common/Error.h"
#include "common/Version.h"
#include "io/ScaleFile.h"
#include "model/Runtime.h"
#include "session/Session.h"

using namespace evolq;

namespace {

using evolq::test::errorOf;

bool sameState(const QuantizedVit::State& a, const QuantizedVit::State& b) {
    if (a.scales.size() != b.scales.size() || a.zeros.size() != b.zeros.size()) return false;
    for (size_t i = 0; i < a.scales.size(); ++i) {
        if (a.scales[i].defined() != b.scales[i].defined()) return false;
        if (a.scales[i].defined() && !torch::equal(a.scales[i], b.scales[i])) return false;
    }
    for (size_t i = 0; i < a.zeros.size(); ++i) {
        if (a.zeros[i].defined() != b.zeros[i].defined()) return false;
        if (a.zeros[i].defined() && !torch::equal(a.zeros[i], b.zeros[i])) return false;
    }
    return true;
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QStringList sortedKeys(const QJsonObject& o) {
    QStringList k = o.keys();
    k.sort();
    return k;
}

}  // namespace

class TestSession : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model, m_otherModel, m_calib, m_val;

    // Model, folders and baseline, ready to search.
    void prepare(Session& s) {
        s.loadModel(m_model);
        s.setCalibrationFolder(m_calib);
        s.setValidationFolder(m_val);
        s.setDefaultValidationSubset(8);
        s.quantize(test::smallConfig());
        QVERIFY(s.quantized());
    }

private Q_SLOTS:
    void initTestCase() {
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath("model");
        test::makeModel(test::smallInfo(2, 48, 4, 2), m_model);
        m_otherModel = m_dir.filePath("other-model");
        test::makeModel(test::smallInfo(2, 48, 4, 2), m_otherModel, 8);
        m_calib = m_dir.filePath("calib");
        m_val = m_dir.filePath("val");
        test::writeImageFolder(m_calib, 2, 12, 32, 1);
        test::writeImageFolder(m_val, 2, 10, 28, 2);
    }

    void wholePipelineWritesTheResultFile() {
        Session s;
        QVERIFY(!s.hasModel());
        const ModelSummary m = s.loadModel(m_model);
        QCOMPARE(m.info.depth, 2);
        QCOMPARE(m.info.numClasses, 2);
        QVERIFY(s.hasModel());
        const DataSummary calib = s.setCalibrationFolder(m_calib);
        QCOMPARE(calib.images, 25);
        QCOMPARE(calib.classes, (QStringList{"class_0", "class_1"}));
        const DataSummary val = s.setValidationFolder(m_val);
        QVERIFY2(val.note.isEmpty(), qPrintable(val.note));
        QVERIFY(s.validationUsable());
        s.setDefaultValidationSubset(8);
        int progressCalls = 0;
        const QuantizeSummary q =
            s.quantize(test::smallConfig(), [&](int, int, double) { ++progressCalls; });
        QVERIFY(progressCalls > 0);
        QCOMPARE(q.label, QString("W2A8"));
        QCOMPARE(q.source, QString("baseline"));
        QVERIFY(q.calibImages >= 15 && q.calibImages <= 16);
        QCOMPARE(q.valImages, 8);
        QVERIFY(!std::isnan(q.fp32Top1));
        QVERIFY(!std::isnan(q.baselineTop1));
        QVERIFY(s.quantized());

        const QString out = m_dir.filePath("pipeline.json");
        SearchSettings settings = test::shortSearch(8);
        settings.outputPath = out;
        int starts = 0, fitness = 0, visits = 0;
        SearchCallbacks cb;
        cb.start = [&](const RunStartEvent& e) {
            ++starts;
            QCOMPARE(e.evaluationsTotal, 4);
        };
        cb.fitness = [&](const FitnessEvent& e) { QCOMPARE(e.evaluation, ++fitness); };
        cb.blockVisit = [&](const BlockVisitEvent&) { ++visits; };
        s.startSearch(settings, cb);
        QVERIFY(s.searchActive());
        QCOMPARE(s.runSearch(), SearchStatus::Finished);
        QVERIFY(s.hasSearchResult());
        QVERIFY(!QFile::exists(out));  // written by finishSearch
        int evalProgress = 0;
        const RunEndEvent end = s.finishSearch([&](int, int, double) { ++evalProgress; });
        QVERIFY(!s.searchActive());
        QCOMPARE(starts, 1);
        QCOMPARE(fitness, 4);
        QCOMPARE(visits, 2);
        QVERIFY(!end.cancelled);
        QVERIFY(!std::isnan(end.finalTop1));
        QVERIFY(evalProgress > 0);
        QVERIFY2(s.finalValidationNote().isEmpty(), qPrintable(s.finalValidationNote()));
        QVERIFY(s.finalValidation().has_value());
        QCOMPARE(s.finalValidation()->searchedTop1, end.finalTop1);

        QVERIFY(QFile::exists(out));
        const QJsonObject doc = readJson(out);
        for (const char* key : {"validation", "search", "calibration", "model", "program_version",
                                "bit_config", "seed", "source", "quantizers", "quant_config"})
            QVERIFY2(doc.contains(key), key);
        const QJsonObject v = doc.value("validation").toObject();
        QCOMPARE(sortedKeys(v), (QStringList{"baseline_top1", "evolq_top1", "folder", "fp32_top1",
                                             "images", "note"}));
        for (const char* key : {"fp32_top1", "baseline_top1", "evolq_top1"}) {
            QVERIFY2(v.value(key).isDouble(), key);
            QVERIFY(v.value(key).toDouble() >= 0 && v.value(key).toDouble() <= 100);
        }
        QCOMPARE(v.value("evolq_top1").toDouble(), end.finalTop1);
        QCOMPARE(v.value("folder").toString(), QDir(m_val).absolutePath());
        QCOMPARE(v.value("images").toInt(), 20);  // the broken file is not an image
        QVERIFY(!v.value("note").toString().isEmpty());
        const QJsonObject search = doc.value("search").toObject();
        for (const char* key : {"settings", "fitness_history", "fitness_history_columns",
                                "block_visits", "evaluations", "best_fitness", "baseline_fitness"})
            QVERIFY2(search.contains(key), key);
        QCOMPARE(search.value("fitness_history").toArray().size(), 4);
        QCOMPARE(search.value("block_visits").toArray().size(), 2);
        QCOMPARE(search.value("evaluations").toInt(), 4);
        QVERIFY(search.value("finished").toBool());
        const QJsonObject st = search.value("settings").toObject();
        const QJsonObject given = settings.toJson();
        for (auto it = given.begin(); it != given.end(); ++it)
            QVERIFY2(st.value(it.key()) == it.value(), qPrintable(it.key()));
        QCOMPARE(st.value("mutation_range_used").toDouble(), 1e-2);  // the default at 2-bit weights
        const QJsonObject c = doc.value("calibration").toObject();
        QCOMPARE(c.value("folder").toString(), QDir(m_calib).absolutePath());
        QCOMPARE(c.value("requested").toInt(), 16);
        QCOMPARE(c.value("images").toInt(), q.calibImages);
        QCOMPARE(c.value("subset_seed").toInteger(), qint64(0));
        QVERIFY(c.contains("failed_to_decode"));
        QCOMPARE(doc.value("model").toObject().value("sha256").toString(), s.modelInfo().sha256);
        QCOMPARE(doc.value("program_version").toString(), QString(EVOLQ_VERSION));
        QCOMPARE(doc.value("bit_config").toString(), QString("W2A8"));
        QCOMPARE(doc.value("seed").toInteger(), qint64(0));
        QCOMPARE(doc.value("source").toString(), QString("baseline"));
        // The file holds the session's scales.
        const auto loaded = loadQuantized(s.quantizedModel().modelPtr(), ScaleFile::read(out));
        QVERIFY(sameState(loaded->state(), s.quantizedModel().state()));

        // Another model: nothing measured on the previous one is reported for it.
        s.loadModel(m_otherModel);
        QVERIFY(!s.quantized());
        QVERIFY(!s.hasSearchResult());
        const QJsonObject p = s.provenance();
        for (const char* key : {"validation", "search", "calibration", "bit_config", "source"})
            QVERIFY2(!p.contains(key), key);
        QCOMPARE(p.value("model").toObject().value("sha256").toString(), s.modelInfo().sha256);
    }

    void cancelBeforeRunWritesNothing() {
        Session s;
        prepare(s);
        const QuantizedVit::State before = s.quantizedModel().state();
        const QString out = m_dir.filePath("cancelled.json");
        SearchSettings settings = test::shortSearch(8);
        settings.outputPath = out;
        bool endCancelled = false;
        SearchCallbacks cb;
        cb.end = [&](const RunEndEvent& e) { endCancelled = e.cancelled; };
        s.startSearch(settings, cb);
        s.control().cancel.store(true);
        QCOMPARE(s.runSearch(), SearchStatus::Cancelled);
        QVERIFY(endCancelled);
        QVERIFY(!s.searchActive());
        QVERIFY(!s.hasSearchResult());
        QVERIFY(sameState(s.quantizedModel().state(), before));
        QVERIFY(!QFile::exists(out));
        QVERIFY(!errorOf([&] { s.finishSearch(); }).isEmpty());  // nothing to finish
        QVERIFY(!QFile::exists(out));
    }

    void cancelMidRunRestoresTheScales() {
        Session s;
        prepare(s);
        const QuantizedVit::State before = s.quantizedModel().state();
        const QString out = m_dir.filePath("cancelled-mid-run.json");
        SearchSettings settings = test::shortSearch(8);
        settings.cycles = 5;
        settings.outputPath = out;
        bool changedWhenCancelled = false;
        SearchCallbacks cb;
        cb.fitness = [&](const FitnessEvent& e) {
            if (e.cycle < 0) return;
            // A child genome is in place now: the scales differ from those before the run.
            changedWhenCancelled = !sameState(s.quantizedModel().state(), before);
            s.control().cancel.store(true);
        };
        s.startSearch(settings, cb);
        QCOMPARE(s.runSearch(), SearchStatus::Cancelled);
        QVERIFY(changedWhenCancelled);
        QVERIFY(sameState(s.quantizedModel().state(), before));
        QVERIFY(!QFile::exists(out));
        QVERIFY(!s.searchActive());
    }

    void pausedRunContinuesExactly() {
        SearchSettings settings = test::shortSearch(8);
        settings.cycles = 3;
        settings.finalEvaluation = false;
        QuantizedVit::State straight;
        double straightBest = 0;
        {
            Session s;
            prepare(s);
            s.startSearch(settings, {});
            QCOMPARE(s.runSearch(), SearchStatus::Finished);
            straightBest = s.search()->bestFitness();
            s.finishSearch();
            straight = s.quantizedModel().state();
        }
        Session s;
        prepare(s);
        const torch::Tensor baseGenome0 = s.quantizedModel().genome(0).clone();
        SearchCallbacks cb;
        cb.fitness = [&](const FitnessEvent& e) {
            if (e.evaluation == 6) s.control().pause.store(true);  // mid-visit of block 0
        };
        s.startSearch(settings, cb);
        QCOMPARE(s.runSearch(), SearchStatus::Paused);
        QCOMPARE(s.search()->evaluationsDone(), 6);
        QVERIFY(s.searchActive());
        // While paused: no other search, no landscape; an export holds a whole block visit.
        QVERIFY(!errorOf([&] { s.startSearch(settings, {}); }).isEmpty());
        LandscapeSettings l;
        l.points = 3;
        QVERIFY(!errorOf([&] { s.landscape(l, {}, {}); }).isEmpty());
        const QString mid = m_dir.filePath("paused-export.json");
        s.exportScales(mid, ExportFormat::Native);
        const QJsonObject midDoc = readJson(mid);
        QVERIFY(midDoc.value("search").toObject().value("state").toString().contains("paused"));
        const auto midScales = loadQuantized(s.quantizedModel().modelPtr(), ScaleFile::read(mid));
        // Block 1 was visited; block 0 is mid-visit with a trial genome in place, which the
        // export leaves out and leaves in place.
        QVERIFY(!torch::equal(s.quantizedModel().genome(0), baseGenome0));
        QVERIFY(torch::equal(midScales->genome(0), baseGenome0));
        QVERIFY(torch::equal(midScales->genome(1), s.quantizedModel().genome(1)));
        s.control().pause.store(false);
        QCOMPARE(s.runSearch(), SearchStatus::Finished);
        QCOMPARE(s.search()->bestFitness(), straightBest);
        s.finishSearch();
        QVERIFY(sameState(s.quantizedModel().state(), straight));
    }

    void tryTheseScalesAndUndoBitForBit() {
        Session s;
        prepare(s);
        const QuantizedVit::State before = s.quantizedModel().state();
        const QString source = s.provenance().value("source").toString();
        LandscapeSettings l;
        l.block = 1;
        l.dims = 1;
        l.points = 5;
        l.radius = 3;
        l.losses = QStringList{"mse", "top1"};
        l.batch = 8;
        l.subset = 16;
        // The landscape's own value at a = 3 is what the try measures there.
        const LandscapeResult land = s.landscape(l, {}, {});
        QVERIFY(sameState(s.quantizedModel().state(), before));
        const TryResult r = s.tryScales(l, 3, 0, 4);
        QVERIFY(s.hasTry());
        QCOMPARE(r.block, 1);
        QCOMPARE(r.values.size(), 2);
        QCOMPARE(r.values[0], land.points.back().values[0]);
        QCOMPARE(r.valImages, 8);
        QVERIFY(r.top1 >= 0 && r.top1 <= 100);
        QVERIFY(std::isfinite(r.fp32Top1));
        QCOMPARE(r.samples.size(), 4);
        for (const SamplePrediction& p : r.samples) {
            QVERIFY(QFile::exists(p.file));
            QVERIFY(p.label >= 0 && p.fp32 >= 0 && p.quantized >= 0);
        }
        // The model holds the point's scales: block 1's genome moved, nothing else did.
        const QuantizedVit::State tried = s.quantizedModel().state();
        QVERIFY(!sameState(tried, before));
        const int qkv1 = s.quantizedModel().findQuantizer("blocks.1.attn.qkv.weight");
        const int qkv0 = s.quantizedModel().findQuantizer("blocks.0.attn.qkv.weight");
        QVERIFY(!torch::equal(tried.scales[qkv1], before.scales[qkv1]));
        QVERIFY(torch::equal(tried.scales[qkv0], before.scales[qkv0]));
        QVERIFY(s.provenance().value("source").toString().contains("landscape point a = 3"));
        // A second try moves along the same landscape, from the same centre.
        const TryResult centre = s.tryScales(l, 0, 0, 4);
        QCOMPARE(centre.values[0], land.points[2].values[0]);
        QVERIFY(sameState(s.quantizedModel().state(), before));
        s.tryScales(l, -3, 0, 4);
        // Undo: back to the scales from before the first try, bit for bit.
        s.undoTry();
        QVERIFY(!s.hasTry());
        QVERIFY(sameState(s.quantizedModel().state(), before));
        QCOMPARE(s.provenance().value("source").toString(), source);
        QVERIFY(errorOf([&] { s.undoTry(); }).contains("nothing to undo"));
        // A bad block is an error that leaves the scales as they were.
        LandscapeSettings bad = l;
        bad.block = 9;
        QVERIFY(errorOf([&] { s.tryScales(bad, 1, 0); }).contains("block 9"));
        QVERIFY(!s.hasTry());
        QVERIFY(sameState(s.quantizedModel().state(), before));
        // Quantizing again drops a try: nothing to undo afterwards.
        s.tryScales(l, 1, 0);
        s.quantize(test::smallConfig());
        QVERIFY(!s.hasTry());
    }

    // A point of a live slice, after the search: the block takes the slice's scales there, the
    // loss is the slice's own value (the last visit: every other block is as it was then), and
    // undo gives the search's result back bit for bit.
    void tryAPointOfALiveSlice() {
        Session s;
        prepare(s);
        SearchSettings settings = test::shortSearch(8);
        settings.live.dims = 1;
        settings.live.points = 5;
        settings.live.radius = 2;
        settings.live.share = 1000;  // every slice complete
        std::vector<LandscapePoint> points;
        LiveLandscapeCallbacks live;
        live.point = [&](const LandscapePoint& p) { points.push_back(p); };
        s.startSearch(settings, {}, live);
        QCOMPARE(s.runSearch(), SearchStatus::Finished);
        s.finishSearch();
        const QuantizedVit::State result = s.quantizedModel().state();
        QVERIFY(!s.liveSlices().empty());
        const int last = s.liveSlices().rbegin()->first;
        const SliceAxes& axes = s.liveSlices().at(last);
        const LandscapePoint* edge = nullptr;
        for (const LandscapePoint& p : points)
            if (p.visit == last && p.a == 2) edge = &p;
        QVERIFY(edge);
        const TryResult r = s.tryScales(LandscapeSettings(), 2, 0, 4, last);
        QCOMPARE(r.block, axes.block);
        QCOMPARE(r.values.size(), 1);
        QVERIFY2(std::abs(r.values[0] - edge->values[0]) <= 1e-5 * std::abs(edge->values[0]),
                 qPrintable(QString("tried %1, slice %2").arg(r.values[0]).arg(edge->values[0])));
        const torch::Tensor expected =
            (axes.centre + 2 * axes.u[0]).abs().clamp_min(std::numeric_limits<float>::epsilon());
        QVERIFY(torch::allclose(s.quantizedModel().genome(axes.block).reshape({-1}), expected));
        QVERIFY(s.provenance().value("source").toString().contains(
            QString("live slice of visit %1").arg(last + 1)));
        s.undoTry();
        QVERIFY(sameState(s.quantizedModel().state(), result));
        // A visit that has no slice, and slices gone with a new quantization, are errors.
        QVERIFY(errorOf([&] {
                    s.tryScales(LandscapeSettings(), 0, 0, 4, 999);
                }).contains("visit 1000"));
        s.quantize(test::smallConfig());
        QVERIFY(s.liveSlices().empty());
        QVERIFY(
            errorOf([&] { s.tryScales(LandscapeSettings(), 0, 0, 4, last); }).contains("not kept"));
    }

    void sensitivityHasOneRowPerQuantizer() {
        Session s;
        prepare(s);
        const QuantizedVit::State before = s.quantizedModel().state();
        SensitivitySettings ss;
        ss.images = 8;
        ss.fitness.batch = 4;
        const SensitivityResult r = s.sensitivity(ss);
        QCOMPARE(r.rows.size(), s.quantizedModel().quantizerCount());
        QCOMPARE(r.images, 8);
        QVERIFY(sameState(s.quantizedModel().state(), before));
    }

    void errorsLeaveTheSessionAsItWas() {
        Session s;
        // Nothing loaded.
        QVERIFY(!errorOf([&] { s.quantize(test::smallConfig()); }).isEmpty());
        QVERIFY(!s.quantized());
        s.loadModel(m_model);
        s.setCalibrationFolder(m_calib);
        QVERIFY(errorOf([&] { s.startSearch(test::shortSearch(8), {}); }).contains("quantize"));
        QVERIFY(!s.searchActive());
        QVERIFY(!errorOf([&] { s.landscape(LandscapeSettings(), {}, {}); }).isEmpty());
        QVERIFY(!errorOf([&] {
                     s.exportScales(m_dir.filePath("x.json"), ExportFormat::Native);
                 }).isEmpty());
        QVERIFY(!QFile::exists(m_dir.filePath("x.json")));
        QuantConfig oneBit = test::smallConfig();
        oneBit.weightBits = 1;
        QVERIFY(!errorOf([&] { s.quantize(oneBit); }).isEmpty());
        QVERIFY(!s.quantized());
        s.setValidationFolder(m_val);
        s.setDefaultValidationSubset(8);
        s.quantize(test::smallConfig());
        const QuantizedVit::State before = s.quantizedModel().state();

        // A landscape over a quantizer that does not exist names it, also toward a file.
        LandscapeSettings l;
        l.block = 1;
        l.points = 5;
        l.subset = 16;
        l.batch = 8;
        l.quantizer = "no.such.weight";
        QString msg = errorOf([&] { s.landscape(l, {}, {}); });
        QVERIFY2(msg.contains("no.such.weight"), qPrintable(msg));
        const QString base = m_dir.filePath("errors-baseline.json");
        s.exportScales(base, ExportFormat::Native);
        l.setDirection("toward:" + base);
        msg = errorOf([&] { s.landscape(l, {}, {}); });
        QVERIFY2(msg.contains("no.such.weight"), qPrintable(msg));
        QVERIFY(sameState(s.quantizedModel().state(), before));
        l.setDirection("toward:" + m_dir.filePath("missing-scales.json"));
        l.quantizer.clear();
        msg = errorOf([&] { s.landscape(l, {}, {}); });
        QVERIFY2(msg.contains("missing-scales.json"), qPrintable(msg));
        l.setDirection("toward:result");  // no search yet
        QVERIFY(errorOf([&] { s.landscape(l, {}, {}); }).contains("search"));
        l.block = 7;
        l.setDirection("random");
        QVERIFY(errorOf([&] { s.landscape(l, {}, {}); }).contains("7"));
        QVERIFY(sameState(s.quantizedModel().state(), before));

        // A landscape that runs restores the scales afterwards.
        l.block = 1;
        int points = 0, starts = 0;
        const LandscapeResult r = s.landscape(
            l, [&](const LandscapeStart&) { ++starts; }, [&](const LandscapePoint&) { ++points; });
        QCOMPARE(starts, 1);
        QCOMPARE(points, 5);
        QCOMPARE(int(r.points.size()), 5);
        QVERIFY(!r.cancelled);
        QVERIFY(sameState(s.quantizedModel().state(), before));
        l.quantizer = "blocks.0.mlp.fc1.weight";
        QCOMPARE(int(s.landscape(l, {}, {}).points.size()), 5);
        QVERIFY(sameState(s.quantizedModel().state(), before));

        // An export into a folder that does not exist names the path and creates nothing.
        const QString nowhere = m_dir.filePath("no/such/folder/scales.json");
        for (ExportFormat f : {ExportFormat::Native, ExportFormat::Aimet, ExportFormat::Csv}) {
            msg = errorOf([&] { s.exportScales(nowhere, f); });
            QVERIFY2(msg.contains(nowhere), qPrintable(msg));
        }
        QVERIFY(!QFileInfo::exists(m_dir.filePath("no")));

        // A scale file of another model is refused; the scales stay.
        {
            Session other;
            other.loadModel(m_otherModel);
            other.setCalibrationFolder(m_calib);
            other.quantize(test::smallConfig());
            QVERIFY(other.modelInfo().sha256 != s.modelInfo().sha256);
            other.exportScales(m_dir.filePath("other-model.json"), ExportFormat::Native);
        }
        const QString foreign = m_dir.filePath("other-model.json");
        msg = errorOf([&] { s.importScales(foreign); });
        QVERIFY2(msg.contains(foreign), qPrintable(msg));
        msg = errorOf([&] { s.compareScales(foreign); });
        QVERIFY2(msg.contains(foreign), qPrintable(msg));
        QVERIFY(sameState(s.quantizedModel().state(), before));
        QCOMPARE(s.provenance().value("source").toString(), QString("baseline"));
        // A corrupt scale file is refused, naming it.
        const QString corrupt = m_dir.filePath("corrupt.json");
        {
            QFile f(corrupt);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"format\": \"evolq-scales\", ");
        }
        msg = errorOf([&] { s.importScales(corrupt); });
        QVERIFY2(msg.contains(corrupt), qPrintable(msg));
        QVERIFY(sameState(s.quantizedModel().state(), before));
        // The file of this model imports, and is then the source.
        s.importScales(base);
        QCOMPARE(s.provenance().value("source").toString(), QFileInfo(base).absoluteFilePath());
        QVERIFY(sameState(s.quantizedModel().state(), before));
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "TestSession.moc"
