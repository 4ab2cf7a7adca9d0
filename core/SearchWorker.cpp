#include "SearchWorker.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <atomic>
#include <cmath>
#include <optional>

#include "Calibration.h"
#include "Error.h"
#include "Evaluate.h"
#include "EvolSearch.h"
#include "FitnessFunction.h"
#include "ImageFolder.h"
#include "ImageLoader.h"
#include "LandscapeSweep.h"
#include "QuantizedVit.h"
#include "ScaleExport.h"
#include "ScaleFile.h"
#include "Version.h"
#include "VitModel.h"

namespace evolq {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

QString messageOf(const std::exception& e) {
    if (auto* err = dynamic_cast<const Error*>(&e)) return err->message();
    return QString::fromLocal8Bit(e.what());
}

// A decoded validation subset, keyed by what it was drawn with.
struct ValidationSubset {
    int requested = -1;
    unsigned seed = 0;
    torch::Tensor images, labels;
    QStringList failed;
    double fp32Top1 = NaN;
    bool defined() const { return images.defined() && images.size(0) > 0; }
};

}  // namespace

struct SearchWorker::Private {
    SearchControl control;
    WorkerState state = WorkerState::Idle;

    // Model.
    std::shared_ptr<VitModel> model;

    // Data: folders as scanned, decoded sets as used.
    QString calibDir, valDir;
    std::optional<ImageFolder> calibFolder, valFolder;
    std::optional<CalibrationSet> calib;
    int calibCount = 1000;
    unsigned calibSeed = 0;
    int valSubsetDefault = 1000;
    ValidationSubset val;

    // Quantization.
    std::unique_ptr<QuantizedVit> q;
    std::optional<QuantizedVit::State> baseline;
    std::vector<torch::Tensor> baselineGenomes;
    double baselineTop1 = NaN;                  // on `val` as currently decoded
    std::optional<QuantizedVit::State> result;  // of the last finished search
    QString source;                             // "baseline" or the imported file
    QJsonObject calibProvenance, searchProvenance;

    // Search.
    std::unique_ptr<EvolSearch> search;
    SearchRunSettings searchSettings;
    std::optional<QuantizedVit::State> runStart, lastVisit;
    std::optional<RunEndEvent> endEvent;
    QVector<FitnessEvent> pendingFitness;
    QVector<LandscapePoint> pendingPoints;
    QElapsedTimer sinceFlush;

    void ensureCalibration(int count, unsigned seed, const std::function<bool()>& cancelled);
    bool ensureValidation(int n, unsigned seed, const std::function<bool()>& cancelled);
    void measureReferences();
    void setBaseline();

    bool validationUsable() const {
        return valFolder && model && valFolder->labelled() &&
               valFolder->classes().size() == model->info().numClasses;
    }
};

// Decodes the calibration set when it is missing or drawn differently.
void SearchWorker::Private::ensureCalibration(int count, unsigned seed,
                                              const std::function<bool()>& cancelled) {
    if (!model) throw Error("no model is loaded: open a model folder first");
    if (calibDir.isEmpty())
        throw Error("no calibration folder is set: choose one in the Data panel");
    if (calib && calib->requested == count && calib->seed == seed && calib->folder == calibDir)
        return;
    calib = loadCalibrationSet(model->info(), calibDir, count, seed, cancelled);
    calibCount = count;
    calibSeed = seed;
}

// Decodes a validation subset of n images when it differs from the one in memory; false when
// there is no usable validation folder or n == 0.
bool SearchWorker::Private::ensureValidation(int n, unsigned seed,
                                             const std::function<bool()>& cancelled) {
    if (n <= 0 || !validationUsable()) return false;
    if (val.requested == n && val.seed == seed && val.defined()) return true;
    const LoadedImages li = loadImages(valFolder->subset(n, seed),
                                       Preprocess::fromModel(model->info()), 0, -1, cancelled);
    val = ValidationSubset();
    val.requested = n;
    val.seed = seed;
    val.images = li.images;
    val.labels = li.labels;
    val.failed = li.failed;
    baselineTop1 = NaN;
    return true;
}

// FP32 and baseline top-1 on the subset in memory, computed once per subset.
void SearchWorker::Private::measureReferences() {
    if (!val.defined()) return;
    torch::NoGradGuard ng;
    if (std::isnan(val.fp32Top1))
        val.fp32Top1 = evaluateTensors(*model, val.images, val.labels).top1;
    if (std::isnan(baselineTop1) && q && baseline) {
        const QuantizedVit::State now = q->state();
        q->restore(*baseline);
        baselineTop1 = evaluateTensors(*model, val.images, val.labels, q.get()).top1;
        q->restore(now);
    }
}

void SearchWorker::Private::setBaseline() {
    baseline = q->state();
    baselineGenomes.clear();
    for (int b = 0; b < model->depth(); ++b) baselineGenomes.push_back(q->genome(b).clone());
    baselineTop1 = NaN;
    result.reset();
}

SearchWorker::SearchWorker(QObject* parent) : QObject(parent), d(std::make_unique<Private>()) {
    registerMetaTypes();
}

SearchWorker::~SearchWorker() = default;

void SearchWorker::registerMetaTypes() {
    qRegisterMetaType<WorkerState>();
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<DataSummary>();
    qRegisterMetaType<QuantizeSummary>();
    qRegisterMetaType<QuantizerSummary>();
    qRegisterMetaType<QVector<QuantizerSummary>>();
    qRegisterMetaType<RunStartEvent>();
    qRegisterMetaType<FitnessEvent>();
    qRegisterMetaType<QVector<FitnessEvent>>();
    qRegisterMetaType<BlockVisitEvent>();
    qRegisterMetaType<RunEndEvent>();
    qRegisterMetaType<QVector<QVector<double>>>();
    qRegisterMetaType<LandscapeStart>();
    qRegisterMetaType<LandscapePoint>();
    qRegisterMetaType<QVector<LandscapePoint>>();
    qRegisterMetaType<LandscapeSummary>();
    qRegisterMetaType<ExportFormat>();
    qRegisterMetaType<ScaleSelection>();
    qRegisterMetaType<ScaleComparison>();
    qRegisterMetaType<SearchRunSettings>();
    qRegisterMetaType<LandscapeRunSettings>();
}

void SearchWorker::pause() {
    d->control.pause.store(true);
}

void SearchWorker::cancel() {
    d->control.cancel.store(true);
    // A paused search is not running, so nothing polls the flag: finish it on the worker thread.
    QMetaObject::invokeMethod(
        this, [this] { cancelPausedSearch(); }, Qt::QueuedConnection);
}

bool SearchWorker::cancelRequested() const {
    return d->control.cancel.load();
}

void SearchWorker::setState(WorkerState s) {
    if (d->state == s) return;
    d->state = s;
    Q_EMIT stateChanged(s);
}

void SearchWorker::fail(const QString& what, const std::exception& e) {
    Q_EMIT error(what.isEmpty() ? messageOf(e) : QString("%1: %2").arg(what, messageOf(e)));
}

// ---------------------------------------------------------------------------------------------
// Model and data

namespace {

DataSummary summarize(const ImageFolder& f) {
    DataSummary s;
    s.folder = f.root();
    s.images = f.size();
    s.classes = f.classes();
    // One thumbnail per class first, then fill up.
    QVector<bool> classSeen(std::max(1, static_cast<int>(f.classes().size())), false);
    for (const ImageItem& it : f.items()) {
        if (s.thumbnails.size() >= 8) break;
        const int c = std::max(0, it.label);
        if (it.label >= 0 && classSeen[c]) continue;
        classSeen[c] = true;
        s.thumbnails << it.path;
    }
    for (size_t i = 0; i < f.items().size() && s.thumbnails.size() < 8; ++i)
        if (!s.thumbnails.contains(f.items()[i].path)) s.thumbnails << f.items()[i].path;
    return s;
}

}  // namespace

void SearchWorker::loadModel(const QString& folder) {
    if (d->search) {
        Q_EMIT error(QString("%1: not opened: a search is paused; cancel it first").arg(folder));
        return;
    }
    setState(WorkerState::Loading);
    Q_EMIT status(QString("Loading model %1").arg(folder));
    try {
        auto model = VitModel::load(folder);
        d->model = std::move(model);
        // Everything decoded or computed for the previous model is void.
        d->calib.reset();
        d->val = ValidationSubset();
        d->q.reset();
        d->baseline.reset();
        d->baselineGenomes.clear();
        d->result.reset();
        d->baselineTop1 = NaN;
        d->calibProvenance = QJsonObject();
        d->searchProvenance = QJsonObject();
        ModelSummary m;
        m.info = d->model->info();
        m.layerNames = d->model->layerNames();
        m.pointNames = d->model->pointNames();
        m.rows = m.info.summaryRows();
        Q_EMIT modelLoaded(m);
        Q_EMIT status(QString("Model %1 loaded").arg(m.info.architecture));
        emitProvenance();
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    setState(WorkerState::Idle);
}

void SearchWorker::loadData(const QString& calibDir, const QString& valDir, int calibSize,
                            int valSubset) {
    if (d->search) {
        Q_EMIT error("Data not loaded: a search is paused; cancel it first");
        return;
    }
    setState(WorkerState::Loading);
    d->control.cancel.store(false);
    d->calibCount = std::max(1, calibSize);
    d->valSubsetDefault = std::max(0, valSubset);
    const auto cancelled = [this] { return d->control.cancel.load(); };
    DataSummary calibSummary, valSummary;
    calibSummary.folder = calibDir;
    valSummary.folder = valDir;

    // Calibration folder.
    if (calibDir != d->calibDir || !d->calibFolder) {
        d->calibFolder.reset();
        d->calib.reset();
    }
    d->calibDir = calibDir;
    if (!calibDir.isEmpty()) {
        try {
            if (!d->calibFolder) d->calibFolder = ImageFolder::scan(calibDir);
            calibSummary = summarize(*d->calibFolder);
            if (d->model) {
                Q_EMIT status(QString("Decoding %1 calibration images from %2")
                                  .arg(d->calibCount)
                                  .arg(calibDir));
                if (!d->calib || d->calib->requested != d->calibCount ||
                    d->calib->seed != d->calibSeed)
                    d->calib = loadCalibrationSet(d->model->info(), calibDir, d->calibCount,
                                                  d->calibSeed, cancelled);
                calibSummary.decoded = static_cast<int>(d->calib->images.size(0));
                calibSummary.failed = d->calib->failed;
            }
        } catch (const std::exception& e) {
            d->calib.reset();
            calibSummary.note = messageOf(e);
            fail(QString(), e);
        }
    }

    // Validation folder.
    if (valDir != d->valDir || !d->valFolder) {
        d->valFolder.reset();
        d->val = ValidationSubset();
        d->baselineTop1 = NaN;
    }
    d->valDir = valDir;
    if (!valDir.isEmpty()) {
        try {
            if (!d->valFolder) d->valFolder = ImageFolder::scan(valDir);
            valSummary = summarize(*d->valFolder);
            if (d->model && !d->validationUsable()) {
                valSummary.note = QString(
                                      "%1: accuracy cannot be measured: the folder has %2 class "
                                      "folders, the model %3 classes")
                                      .arg(valDir)
                                      .arg(d->valFolder->classes().size())
                                      .arg(d->model->info().numClasses);
                Q_EMIT error(valSummary.note);
            } else if (d->model && d->valSubsetDefault > 0) {
                const LoadedImages li =
                    loadImages(d->valFolder->subset(d->valSubsetDefault, d->calibSeed),
                               Preprocess::fromModel(d->model->info()), 0, -1, cancelled);
                d->val = ValidationSubset();
                d->val.requested = d->valSubsetDefault;
                d->val.seed = d->calibSeed;
                d->val.images = li.images;
                d->val.labels = li.labels;
                d->val.failed = li.failed;
                d->baselineTop1 = NaN;
                valSummary.decoded = static_cast<int>(li.images.size(0));
                valSummary.failed = li.failed;
            }
        } catch (const std::exception& e) {
            d->val = ValidationSubset();
            valSummary.note = messageOf(e);
            fail(QString(), e);
        }
    }
    Q_EMIT dataLoaded(calibSummary, valSummary);
    setState(WorkerState::Idle);
}

// ---------------------------------------------------------------------------------------------
// Quantization

void SearchWorker::quantize(const QuantConfig& config) {
    if (d->search) {
        Q_EMIT error("Not quantized: a search is paused; cancel it first");
        return;
    }
    setState(WorkerState::Quantizing);
    d->control.cancel.store(false);
    const auto cancelled = [this] { return d->control.cancel.load(); };
    try {
        if (config.weightBits < 0 || config.actBits < 0 || config.weightBits > 8 ||
            config.actBits > 8)
            throw Error(QString("bits must be 0 (off) to 8, got W%1 A%2")
                            .arg(config.weightBits)
                            .arg(config.actBits));
        Q_EMIT status(QString("Decoding %1 calibration images").arg(config.calibImages));
        d->ensureCalibration(std::max(1, config.calibImages), config.seed, cancelled);
        Q_EMIT status(QString("Calibrating %1 on %2 images")
                          .arg(config.label())
                          .arg(d->calib->images.size(0)));
        double seconds = 0;
        QElapsedTimer t;
        t.start();
        auto q = quantizeBaseline(
            d->model, config, *d->calib, &seconds, [this, &t](int done, int total) {
                const double eta = done > 0 ? t.elapsed() / 1000.0 / done * (total - done) : -1;
                Q_EMIT progress(done, total, eta);
                return !d->control.cancel.load();
            });
        d->q = std::move(q);
        d->source = "baseline";
        d->setBaseline();
        d->calibProvenance = d->calib->provenance();
        d->calibProvenance.insert("seconds", seconds);
        d->searchProvenance = QJsonObject();

        QuantizeSummary s;
        s.label = config.label();
        s.config = config;
        s.calibImages = static_cast<int>(d->calib->images.size(0));
        s.seconds = seconds;
        s.source = d->source;
        if (d->ensureValidation(d->val.requested > 0 ? d->val.requested : d->valSubsetDefault,
                                d->val.requested > 0 ? d->val.seed : config.seed, cancelled)) {
            Q_EMIT status("Measuring FP32 and baseline top-1 on the validation subset");
            d->measureReferences();
            s.valImages = static_cast<int>(d->val.images.size(0));
            s.fp32Top1 = d->val.fp32Top1;
            s.baselineTop1 = d->baselineTop1;
        }
        s.quantizers = ScaleExport::summarize(*d->q);
        Q_EMIT quantized(s);
        emitScaleChanges();
        emitProvenance();
        Q_EMIT status(QString("%1 baseline ready (%2 s)").arg(s.label).arg(seconds, 0, 'f', 2));
    } catch (const std::exception& e) {
        fail("Quantization failed", e);
    }
    setState(WorkerState::Idle);
}

// ---------------------------------------------------------------------------------------------
// Search

void SearchWorker::startSearch(const SearchRunSettings& settings) {
    if (d->search) {
        Q_EMIT error("A search is paused: resume or cancel it before starting another");
        return;
    }
    if (!d->q || !d->q->calibrated()) {
        Q_EMIT error("Nothing to search: quantize the model first");
        return;
    }
    d->control.cancel.store(false);
    d->control.pause.store(false);
    setState(WorkerState::Searching);
    const auto cancelled = [this] { return d->control.cancel.load(); };
    try {
        const SearchSettings s = SearchSettings::fromRun(settings);
        if (d->q->config().weightBits == 0)
            throw Error("the weights are not quantized (0 bits): no scales to search");
        const QuantConfig& cfg = d->q->config();
        d->ensureCalibration(std::max(1, cfg.calibImages), cfg.seed, cancelled);
        if (settings.fromBaseline && d->baseline) d->q->restore(*d->baseline);
        d->runStart = d->q->state();
        d->lastVisit = d->runStart;
        torch::Tensor valImages, valLabels;
        if (d->ensureValidation(settings.valSubset, settings.seed, cancelled)) {
            Q_EMIT status("Measuring FP32 and baseline top-1 on the validation subset");
            d->measureReferences();
            valImages = d->val.images;
            valLabels = d->val.labels;
        }
        d->searchSettings = settings;
        d->search = std::make_unique<EvolSearch>(*d->q, d->calib->images, s, valImages, valLabels);
        d->search->setReferenceAccuracy(d->val.defined() ? d->val.fp32Top1 : NaN,
                                        d->val.defined() ? d->baselineTop1 : NaN);
        SearchCallbacks cb;
        cb.start = [this](const RunStartEvent& e) {
            d->sinceFlush.start();
            Q_EMIT searchStarted(e);
            Q_EMIT progress(0, e.evaluationsTotal, -1);
        };
        cb.fitness = [this](const FitnessEvent& e) {
            d->pendingFitness.append(e);
            if (d->sinceFlush.elapsed() >= BatchIntervalMs) flushFitness();
        };
        cb.blockVisit = [this](const BlockVisitEvent& e) {
            flushFitness();
            d->lastVisit = d->q->state();
            Q_EMIT blockVisited(e);
            Q_EMIT progress(e.evaluationsDone, e.evaluationsTotal, e.eta);
            emitScaleChanges();
        };
        cb.end = [this](const RunEndEvent& e) { d->endEvent = e; };
        d->search->setCallbacks(cb);
        d->endEvent.reset();
        d->pendingFitness.clear();
        Q_EMIT status(QString("Searching: %1 passes x %2 blocks x %3 cycles")
                          .arg(s.passes)
                          .arg(d->model->depth())
                          .arg(s.cycles));
    } catch (const std::exception& e) {
        d->search.reset();
        if (d->runStart) d->q->restore(*d->runStart);
        fail("Search not started", e);
        setState(WorkerState::Idle);
        return;
    }
    runSearchLoop();
}

void SearchWorker::resume() {
    if (!d->search || d->state != WorkerState::Paused) return;
    d->control.pause.store(false);
    setState(WorkerState::Searching);
    Q_EMIT status("Search resumed");
    runSearchLoop();
}

void SearchWorker::cancelPausedSearch() {
    if (!d->search || d->state != WorkerState::Paused) return;
    runSearchLoop();  // run() sees the cancel flag at once and ends the run as cancelled
}

void SearchWorker::flushFitness() {
    if (!d->pendingFitness.isEmpty()) {
        const FitnessEvent last = d->pendingFitness.last();
        Q_EMIT fitnessEvents(d->pendingFitness);
        d->pendingFitness.clear();
        if (d->search) {
            const int total = d->search->evaluationsTotal();
            const double eta = last.evaluation > 0
                                   ? last.elapsed / last.evaluation * (total - last.evaluation)
                                   : -1;
            Q_EMIT progress(last.evaluation, total, eta);
        }
    }
    d->sinceFlush.restart();
}

void SearchWorker::runSearchLoop() {
    SearchStatus st = SearchStatus::Cancelled;
    try {
        st = d->search->run(&d->control);
    } catch (const std::exception& e) {
        flushFitness();
        if (d->runStart) d->q->restore(*d->runStart);
        d->search.reset();
        fail("Search failed", e);
        RunEndEvent end;
        end.cancelled = true;
        Q_EMIT searchFinished(end);
        emitScaleChanges();
        setState(WorkerState::Idle);
        return;
    }
    flushFitness();
    if (st == SearchStatus::Paused) {
        setState(WorkerState::Paused);
        Q_EMIT status(QString("Paused after %1 of %2 evaluations")
                          .arg(d->search->evaluationsDone())
                          .arg(d->search->evaluationsTotal()));
        return;
    }
    RunEndEvent end = d->endEvent.value_or(RunEndEvent{});
    if (st == SearchStatus::Cancelled) {
        // A cancelled run is no result: back to the scales it started from, nothing written.
        end.cancelled = true;
        d->q->restore(*d->runStart);
        d->search.reset();
        Q_EMIT searchFinished(end);
        emitScaleChanges();
        Q_EMIT quantizersChanged(ScaleExport::summarize(*d->q));
        Q_EMIT status("Search cancelled; the scales are those from before the run");
        setState(WorkerState::Idle);
        return;
    }

    // Finished.
    d->result = d->q->state();
    d->searchProvenance = d->search->provenance();
    const SearchRunSettings settings = d->searchSettings;
    d->search.reset();
    if (settings.finalEvaluation && d->validationUsable()) {
        setState(WorkerState::Evaluating);
        Q_EMIT status(QString("Measuring top-1 on the whole validation folder (%1 images)")
                          .arg(d->valFolder->size()));
        d->control.cancel.store(false);
        try {
            QElapsedTimer t;
            t.start();
            const EvalResult r = evaluateFolder(
                *d->model, *d->valFolder, d->q.get(), 250, [this, &t](int done, int total) {
                    Q_EMIT progress(done, total,
                                    done > 0 ? t.elapsed() / 1000.0 / done * (total - done) : -1);
                    return !d->control.cancel.load();
                });
            end.finalTop1 = r.top1;
            d->searchProvenance.insert(
                "validation",
                QJsonObject{{"folder", QDir(d->valDir).absolutePath()},
                            {"images", r.images},
                            {"evolq_top1", r.top1},
                            {"note", "measured after the search; never used to select scales"}});
        } catch (const std::exception& e) {
            Q_EMIT status(QString("Final validation skipped: %1").arg(messageOf(e)));
        }
    }
    if (!settings.outputPath.isEmpty()) {
        try {
            QJsonObject prov{{"calibration", d->calibProvenance}, {"search", d->searchProvenance}};
            ScaleFile::write(settings.outputPath, ScaleFile::toJson(*d->q, prov));
            Q_EMIT exported(settings.outputPath, ExportFormat::Native);
        } catch (const std::exception& e) {
            fail(QString(), e);
        }
    }
    Q_EMIT searchFinished(end);
    Q_EMIT quantizersChanged(ScaleExport::summarize(*d->q));
    emitScaleChanges();
    emitProvenance();
    Q_EMIT status(QString("Search finished: fitness %1 in %2 s")
                      .arg(end.bestFitness, 0, 'g', 6)
                      .arg(end.seconds, 0, 'f', 1));
    setState(WorkerState::Idle);
}

void SearchWorker::emitScaleChanges() {
    if (!d->q || d->baselineGenomes.empty()) return;
    QVector<QVector<double>> rows;
    for (int b = 0; b < d->model->depth(); ++b) {
        const torch::Tensor rel =
            (d->q->genome(b) / d->baselineGenomes[b] - 1).to(torch::kFloat64).contiguous();
        rows.append(QVector<double>(rel.data_ptr<double>(), rel.data_ptr<double>() + rel.numel()));
    }
    Q_EMIT scaleChanges(rows);
}

// ---------------------------------------------------------------------------------------------
// Landscape

void SearchWorker::flushPoints() {
    if (!d->pendingPoints.isEmpty()) {
        Q_EMIT landscapePoints(d->pendingPoints);
        d->pendingPoints.clear();
    }
    d->sinceFlush.restart();
}

void SearchWorker::runLandscape(const LandscapeRunSettings& settings) {
    if (d->search) {
        Q_EMIT error("No landscape while a search is paused: resume or cancel it first");
        return;
    }
    if (!d->q || !d->q->calibrated()) {
        Q_EMIT error("No landscape yet: quantize the model first");
        return;
    }
    d->control.cancel.store(false);
    d->control.pause.store(false);
    setState(WorkerState::Landscape);
    const auto cancelled = [this] { return d->control.cancel.load(); };
    std::optional<QuantizedVit::State> before;
    try {
        const QuantConfig& cfg = d->q->config();
        d->ensureCalibration(std::max(1, cfg.calibImages), cfg.seed, cancelled);
        if (settings.block < 0 || settings.block >= d->model->depth())
            throw Error(QString("block %1 does not exist (the model has blocks 0..%2)")
                            .arg(settings.block)
                            .arg(d->model->depth() - 1));
        LandscapeSettings ls;
        ls.block = settings.block;
        ls.quantizer = settings.quantizer;
        ls.dims = settings.dims == 2 ? 2 : 1;
        ls.points = std::max(2, settings.points);
        ls.radius = settings.radius;
        ls.unit = settings.scaleFraction ? RadiusUnit::ScaleFraction : RadiusUnit::MutationRange;
        ls.losses = settings.losses;
        ls.subset = settings.subset;
        ls.seed = settings.seed;
        ls.temperature = settings.temperature;
        ls.batch = std::max(2, settings.batch);

        before = d->q->state();
        torch::Tensor toward;
        const QString spec = settings.direction.trimmed();
        auto scalesOf = [&](const QuantizedVit& q) {
            if (ls.quantizer.isEmpty()) return q.genome(ls.block).clone();
            const int idx = q.findQuantizer(ls.quantizer);
            if (idx < 0) throw Error(QString("the model has no quantizer '%1'").arg(ls.quantizer));
            return q.quantizer(idx).scale().clone();
        };
        if (spec == "toward" || spec == "toward:result") {
            // From the baseline (a = 0) to the scales the last search found (a = 1).
            if (!d->result || !d->baseline)
                throw Error("\"toward the result\" needs a finished search: run one first");
            d->q->restore(*d->result);
            toward = scalesOf(*d->q);
            d->q->restore(*d->baseline);
            ls.direction = DirectionKind::Toward;
            ls.towardFile = "search result";
        } else {
            ls.direction = LandscapeSettings::directionFromName(spec, &ls.channel, &ls.towardFile);
            if (ls.direction == DirectionKind::Toward) {
                const ScaleFile file = ScaleFile::read(ls.towardFile);
                const auto target = loadQuantized(d->model, file);
                toward = scalesOf(*target);
            }
        }
        LandscapeSweep sweep(*d->q, d->calib->images, d->calib->labels, ls, toward);
        const LandscapeStart start = sweep.startInfo();
        const int total = start.dims == 2 ? start.points * start.points : start.points;
        Q_EMIT landscapeStarted(start);
        Q_EMIT status(QString("Landscape of block %1: %2 points").arg(ls.block).arg(total));
        int done = 0;
        QElapsedTimer t;
        t.start();
        d->sinceFlush.start();
        d->pendingPoints.clear();
        const LandscapeResult r = sweep.run(
            [&](const LandscapePoint& p) {
                d->pendingPoints.append(p);
                ++done;
                if (d->sinceFlush.elapsed() >= BatchIntervalMs) {
                    flushPoints();
                    Q_EMIT progress(done, total, t.elapsed() / 1000.0 / done * (total - done));
                }
            },
            &d->control);
        flushPoints();
        Q_EMIT progress(done, total, 0);
        d->q->restore(*before);
        LandscapeSummary s;
        s.start = r.start;
        s.jaggedness = QVector<Jaggedness>(r.jaggedness.begin(), r.jaggedness.end());
        s.seconds = r.seconds;
        s.cancelled = r.cancelled;
        Q_EMIT landscapeFinished(s);
        Q_EMIT status(r.cancelled ? QString("Landscape cancelled")
                                  : QString("Landscape done in %1 s").arg(r.seconds, 0, 'f', 1));
    } catch (const std::exception& e) {
        flushPoints();
        if (before) d->q->restore(*before);
        fail("Landscape failed", e);
        LandscapeSummary s;
        s.cancelled = true;
        Q_EMIT landscapeFinished(s);
    }
    setState(WorkerState::Idle);
}

// ---------------------------------------------------------------------------------------------
// Files

namespace {

QJsonObject withoutHistories(QJsonObject search) {
    search.remove("fitness_history");
    search.remove("fitness_history_columns");
    search.remove("block_visits");
    return search;
}

}  // namespace

void SearchWorker::emitProvenance() {
    QJsonObject p{{"program", "evolq-workbench"}, {"program_version", EVOLQ_VERSION}};
    if (d->model)
        p.insert("model", QJsonObject{{"architecture", d->model->info().architecture},
                                      {"sha256", d->model->info().sha256},
                                      {"folder", d->model->info().folder}});
    if (d->q) {
        p.insert("bit_config", d->q->config().label());
        p.insert("quant_config", d->q->config().toJson());
        p.insert("seed", static_cast<qint64>(d->q->config().seed));
        p.insert("source", d->source);
    }
    if (!d->calibProvenance.isEmpty()) p.insert("calibration", d->calibProvenance);
    if (!d->searchProvenance.isEmpty()) p.insert("search", withoutHistories(d->searchProvenance));
    Q_EMIT provenanceChanged(p);
}

void SearchWorker::exportScales(const QString& path, ExportFormat format,
                                const ScaleSelection& selection) {
    if (!d->q || !d->q->calibrated()) {
        Q_EMIT error(QString("%1: not written: quantize the model first").arg(path));
        return;
    }
    const WorkerState previous = d->state;
    setState(WorkerState::Exporting);
    // A paused search sits mid-visit with a trial genome in place: export the last whole visit.
    std::optional<QuantizedVit::State> paused;
    if (d->search && d->lastVisit) {
        paused = d->q->state();
        d->q->restore(*d->lastVisit);
    }
    try {
        QJsonObject prov{{"program", "evolq-workbench"},
                         {"program_version", EVOLQ_VERSION},
                         {"created_utc", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                         {"bit_config", d->q->config().label()},
                         {"seed", static_cast<qint64>(d->q->config().seed)},
                         {"source", d->source}};
        if (format != ExportFormat::Native) {
            prov.insert("model", QJsonObject{{"architecture", d->model->info().architecture},
                                             {"sha256", d->model->info().sha256}});
            prov.insert("quant_config", d->q->config().toJson());
        }
        if (!d->calibProvenance.isEmpty()) prov.insert("calibration", d->calibProvenance);
        QJsonObject search = d->searchProvenance;
        if (d->search) {
            search = d->search->provenance();
            search.insert("state", "paused: scales of the last completed block visit");
        }
        if (!search.isEmpty())
            prov.insert("search",
                        format == ExportFormat::Native ? search : withoutHistories(search));
        ScaleExport::write(path, format, *d->q, selection, prov);
        Q_EMIT exported(path, format);
        Q_EMIT status(QString("Wrote %1").arg(path));
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    if (paused) d->q->restore(*paused);
    setState(previous);
}

void SearchWorker::importScales(const QString& path, bool compare) {
    if (d->search) {
        Q_EMIT error(QString("%1: not imported: a search is paused; cancel it first").arg(path));
        return;
    }
    if (!d->model) {
        Q_EMIT error(QString("%1: not imported: open the model it was made for first").arg(path));
        return;
    }
    setState(WorkerState::Loading);
    d->control.cancel.store(false);
    const auto cancelled = [this] { return d->control.cancel.load(); };
    try {
        const ScaleFile file = ScaleFile::read(path);
        auto loaded = loadQuantized(d->model, file);
        if (compare) {
            if (!d->q)
                throw Error(
                    QString("%1: nothing to compare with: quantize the model first").arg(path));
            ScaleComparison c;
            c.source = path;
            c.label = file.config().label();
            for (int b = 0; b < d->model->depth(); ++b) {
                const torch::Tensor cur = d->q->genome(b), imp = loaded->genome(b);
                if (cur.numel() != imp.numel()) {
                    c.perBlock.append(QVector<double>());
                    continue;
                }
                const torch::Tensor rel = (imp / cur - 1).to(torch::kFloat64).contiguous();
                c.perBlock.append(
                    QVector<double>(rel.data_ptr<double>(), rel.data_ptr<double>() + rel.numel()));
            }
            for (int i = 0; i < d->q->quantizerCount() && i < loaded->quantizerCount(); ++i) {
                const torch::Tensor a = d->q->quantizer(i).scale(),
                                    b = loaded->quantizer(i).scale();
                if (!a.defined() || !b.defined() || a.numel() != b.numel()) {
                    ++c.quantizersDiffering;
                    continue;
                }
                const double m = (b / a - 1).abs().max().item<double>();
                if (m > 0) ++c.quantizersDiffering;
                c.maxAbsChange = std::max(c.maxAbsChange, m);
            }
            const unsigned seed = d->val.requested > 0 ? d->val.seed : d->q->config().seed;
            if (d->ensureValidation(d->val.requested > 0 ? d->val.requested : d->valSubsetDefault,
                                    seed, cancelled)) {
                torch::NoGradGuard ng;
                c.currentTop1 =
                    evaluateTensors(*d->model, d->val.images, d->val.labels, d->q.get()).top1;
                c.importedTop1 =
                    evaluateTensors(*d->model, d->val.images, d->val.labels, loaded.get()).top1;
            }
            Q_EMIT comparisonReady(c);
            Q_EMIT status(QString("Compared with %1").arg(path));
        } else {
            const bool sameBaseline = d->q && d->baseline && d->q->config() == file.config();
            d->q = std::move(loaded);
            if (!sameBaseline) d->setBaseline();
            d->result.reset();
            d->source = QFileInfo(path).absoluteFilePath();
            d->calibProvenance = file.json().value("calibration").toObject();
            d->searchProvenance = file.json().value("search").toObject();
            QuantizeSummary s;
            s.label = file.config().label();
            s.config = file.config();
            s.calibImages = d->calibProvenance.value("images").toInt();
            s.source = d->source;
            const unsigned seed = d->val.requested > 0 ? d->val.seed : file.config().seed;
            if (d->ensureValidation(d->val.requested > 0 ? d->val.requested : d->valSubsetDefault,
                                    seed, cancelled)) {
                d->measureReferences();
                torch::NoGradGuard ng;
                s.valImages = static_cast<int>(d->val.images.size(0));
                s.fp32Top1 = d->val.fp32Top1;
                s.baselineTop1 =
                    evaluateTensors(*d->model, d->val.images, d->val.labels, d->q.get()).top1;
            }
            s.quantizers = ScaleExport::summarize(*d->q);
            Q_EMIT quantized(s);
            emitScaleChanges();
            emitProvenance();
            Q_EMIT imported(path);
            Q_EMIT status(QString("Loaded scales from %1").arg(path));
        }
    } catch (const std::exception& e) {
        fail(QString(), e);
    }
    setState(WorkerState::Idle);
}

}  // namespace evolq
