#include "session/Session.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

#include "common/Error.h"
#include "common/Eta.h"
#include "common/Version.h"
#include "data/ImageLoader.h"
#include "inspect/LayerSensitivity.h"
#include "inspect/ScaleProbe.h"
#include "io/ScaleFile.h"
#include "model/Runtime.h"
#include "quant/Baseline.h"

namespace evolq {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

QVector<double> toDoubles(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kFloat64).contiguous();
    return QVector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

QJsonObject withoutHistories(QJsonObject search) {
    search.remove("fitness_history");
    search.remove("fitness_history_columns");
    search.remove("block_visits");
    return search;
}

// Adapts a ProgressFn to the (done, total) -> keep-going callbacks of the engine, with the ETA
// measured from the first call and the session's cancel flag.
std::function<bool(int, int)> progressOf(const ProgressFn& progress, const SearchControl& control) {
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    return [progress, &control, timer](int done, int total) {
        if (progress) progress(done, total, etaSeconds(timer->elapsed() / 1000.0, done, total));
        return !control.cancel.load();
    };
}

}  // namespace

QJsonObject FinalValidation::toJson() const {
    auto num = [](double v) { return std::isnan(v) ? QJsonValue() : QJsonValue(v); };
    return QJsonObject{{"folder", folder},
                       {"images", images},
                       {"fp32_top1", num(fp32Top1)},
                       {"baseline_top1", num(baselineTop1)},
                       {"evolq_top1", num(searchedTop1)},
                       {"note", "measured after the search; never used to select scales"}};
}

Session::Session() = default;
Session::~Session() = default;

void Session::requireNoSearch(const QString& what) const {
    if (m_search) throw Error(QString("%1: a search is paused; cancel it first").arg(what));
}

void Session::requireQuantized(const QString& what) const {
    if (!m_model)
        throw Error(QString("%1: no model is loaded: open a model folder first").arg(what));
    if (!quantized()) throw Error(QString("%1: quantize the model first").arg(what));
}

VitModel& Session::model() {
    if (!m_model) throw Error("no model is loaded: open a model folder first");
    return *m_model;
}

const ModelInfo& Session::modelInfo() const {
    if (!m_model) throw Error("no model is loaded: open a model folder first");
    return m_model->info();
}

QuantizedVit& Session::quantizedModel() {
    requireQuantized("no quantized model");
    return *m_q;
}

const QuantConfig& Session::quantConfig() const {
    if (!m_q) throw Error("the model is not quantized yet");
    return m_q->config();
}

// ---------------------------------------------------------------------------------------------
// Model and data

ModelSummary Session::loadModel(const QString& folder) {
    requireNoSearch(QString("%1: not opened").arg(folder));
    auto model = VitModel::load(folder);
    dropTry();
    m_liveSlices.clear();
    m_model = std::move(model);
    // Everything decoded or computed for the previous model is void.
    m_calib.reset();
    m_val = ValidationSubset();
    m_q.reset();
    m_baseline.reset();
    m_result.reset();
    m_baselineGenomes.clear();
    m_source.clear();
    m_calibProvenance = QJsonObject();
    m_searchProvenance = QJsonObject();
    m_validationProvenance = QJsonObject();
    m_final.reset();
    m_folderFp32Top1 = m_folderBaselineTop1 = NaN;
    ModelSummary m;
    m.info = m_model->info();
    m.layerNames = m_model->layerNames();
    m.pointNames = m_model->pointNames();
    m.rows = m.info.summaryRows();
    return m;
}

DataSummary Session::setCalibrationFolder(const QString& folder) {
    requireNoSearch("Data not loaded");
    if (folder != m_calibDir || !m_calibFolder) {
        m_calibFolder.reset();
        m_calib.reset();
    }
    m_calibDir = folder;
    if (folder.isEmpty()) return DataSummary();
    if (!m_calibFolder) m_calibFolder = ImageFolder::scan(folder);
    return summarizeFolder(*m_calibFolder);
}

DataSummary Session::setValidationFolder(const QString& folder) {
    requireNoSearch("Data not loaded");
    if (folder != m_valDir || !m_valFolder) {
        m_valFolder.reset();
        m_val = ValidationSubset();
        m_folderFp32Top1 = m_folderBaselineTop1 = NaN;
    }
    m_valDir = folder;
    if (folder.isEmpty()) return DataSummary();
    if (!m_valFolder) m_valFolder = ImageFolder::scan(folder);
    DataSummary s = summarizeFolder(*m_valFolder);
    if (m_model && !validationUsable())
        s.note = QString(
                     "%1: accuracy cannot be measured: the folder has %2 class folders, the "
                     "model %3 classes")
                     .arg(folder)
                     .arg(m_valFolder->classes().size())
                     .arg(m_model->info().numClasses);
    return s;
}

bool Session::validationUsable() const {
    return m_valFolder && m_model && m_valFolder->labelled() &&
           m_valFolder->classes().size() == m_model->info().numClasses;
}

const CalibrationSet& Session::calibration(int count, unsigned seed) {
    if (!m_model) throw Error("no model is loaded: open a model folder first");
    if (m_calibDir.isEmpty())
        throw Error("no calibration folder is set: choose one in the Data panel or with --calib");
    count = std::max(1, count);
    if (m_calib && m_calib->requested == count && m_calib->seed == seed) return *m_calib;
    m_calib = loadCalibrationSet(m_model->info(), m_calibDir, count, seed,
                                 [this] { return m_control.cancel.load(); });
    return *m_calib;
}

bool Session::validationSubset(int n, unsigned seed) {
    if (n <= 0 || !validationUsable()) return false;
    if (m_val.requested == n && m_val.seed == seed && m_val.defined()) return true;
    const ImageFolder subset = m_valFolder->subset(n, seed);
    const LoadedImages li = loadImages(subset, Preprocess::fromModel(m_model->info()), 0, -1,
                                       [this] { return m_control.cancel.load(); });
    m_val = ValidationSubset();
    m_val.requested = n;
    m_val.seed = seed;
    m_val.images = li.images;
    m_val.labels = li.labels;
    for (int k : li.items) m_val.files << subset.items()[k].path;
    return true;
}

bool Session::currentValidationSubset() {
    // The subset in memory, else the default size drawn with the quantization's seed.
    const bool keep = m_val.requested > 0;
    return validationSubset(keep ? m_val.requested : m_defaultValSubset,
                            keep ? m_val.seed : (m_q ? m_q->config().seed : 0u));
}

int Session::validationSubsetSize() const {
    return m_val.defined() ? static_cast<int>(m_val.images.size(0)) : 0;
}

// FP32 and baseline top-1 on the subset in memory, computed once per subset and baseline.
void Session::measureSubsetReferences() {
    if (!m_val.defined()) return;
    torch::NoGradGuard ng;
    if (std::isnan(m_val.fp32Top1))
        m_val.fp32Top1 = evaluateTensors(*m_model, m_val.images, m_val.labels).top1;
    if (std::isnan(m_val.baselineTop1) && m_q && m_baseline) {
        const QuantizedVit::State now = m_q->state();
        m_q->restore(*m_baseline);
        m_val.baselineTop1 = evaluateTensors(*m_model, m_val.images, m_val.labels, m_q.get()).top1;
        m_q->restore(now);
    }
}

// ---------------------------------------------------------------------------------------------
// Quantization

void Session::setBaseline() {
    m_baseline = m_q->state();
    m_baselineGenomes.clear();
    for (int b = 0; b < m_model->depth(); ++b) m_baselineGenomes.push_back(m_q->genome(b).clone());
    m_val.baselineTop1 = NaN;
    m_folderBaselineTop1 = NaN;
    m_result.reset();
}

QuantizeSummary Session::summaryOfCurrent(const QString& label, double seconds) {
    QuantizeSummary s;
    s.label = label;
    s.config = m_q->config();
    s.calibImages = m_calib ? static_cast<int>(m_calib->images.size(0))
                            : m_calibProvenance.value("images").toInt();
    s.seconds = seconds;
    s.source = m_source;
    if (currentValidationSubset()) {
        measureSubsetReferences();
        torch::NoGradGuard ng;
        s.valImages = static_cast<int>(m_val.images.size(0));
        s.fp32Top1 = m_val.fp32Top1;
        s.baselineTop1 = evaluateTensors(*m_model, m_val.images, m_val.labels, m_q.get()).top1;
    }
    s.quantizers = quantizerSummaries();
    return s;
}

QuantizeSummary Session::quantize(const QuantConfig& config, const ProgressFn& progress) {
    requireNoSearch("Not quantized");
    if (config.weightBits < 0 || config.actBits < 0 || config.weightBits > 8 ||
        config.actBits > 8 || config.weightBits == 1 || config.actBits == 1)
        throw Error(QString("bits must be 0 (off) or 2 to 8, got W%1 A%2")
                        .arg(config.weightBits)
                        .arg(config.actBits));
    const CalibrationSet& calib = calibration(config.calibImages, config.seed);
    double seconds = 0;
    auto q = quantizeBaseline(m_model, config, calib, &seconds, progressOf(progress, m_control));
    dropTry();
    m_liveSlices.clear();
    m_q = std::move(q);
    m_source = "baseline";
    setBaseline();
    m_calibProvenance = calib.provenance();
    m_calibProvenance.insert("seconds", seconds);
    m_searchProvenance = QJsonObject();
    m_validationProvenance = QJsonObject();
    m_final.reset();
    return summaryOfCurrent(config.label(), seconds);
}

// ---------------------------------------------------------------------------------------------
// Search

void Session::startSearch(const SearchSettings& settings, SearchCallbacks callbacks,
                          LiveLandscapeCallbacks live) {
    if (m_search) throw Error("A search is paused: resume or cancel it before starting another");
    requireQuantized("Nothing to search");
    settings.validate();
    if (m_q->config().weightBits == 0)
        throw Error("the weights are not quantized (0 bits): no scales to search");
    const QuantConfig& cfg = m_q->config();
    const CalibrationSet& calib = calibration(cfg.calibImages, cfg.seed);
    const QuantizedVit::State before = m_q->state();
    try {
        if (settings.fromBaseline && m_baseline) m_q->restore(*m_baseline);
        m_runStart = m_q->state();
        m_lastVisit = m_runStart;
        torch::Tensor valImages, valLabels;
        if (validationSubset(settings.valSubset, settings.seed)) {
            measureSubsetReferences();
            valImages = m_val.images;
            valLabels = m_val.labels;
        }
        m_searchSettings = settings;
        m_callbacks = std::move(callbacks);
        m_endEvent.reset();
        m_final.reset();
        m_search = makeSearchStrategy(*m_q, calib.images, settings, valImages, valLabels);
        m_search->setReferenceAccuracy(m_val.defined() ? m_val.fp32Top1 : NaN,
                                       m_val.defined() ? m_val.baselineTop1 : NaN);
        SearchCallbacks cb = m_callbacks;
        cb.blockVisit = [this](const BlockVisitEvent& e) {
            m_lastVisit = m_q->state();
            if (m_callbacks.blockVisit) m_callbacks.blockVisit(e);
        };
        cb.end = [this](const RunEndEvent& e) { m_endEvent = e; };
        m_live.reset();
        if (settings.live.enabled()) {
            m_live = std::make_unique<LiveLandscape>(*m_q, calib.images, settings.live,
                                                     settings.fitness, m_search->rangeUsed(),
                                                     settings.relativeMutation, settings.seed);
            m_live->setCallbacks(std::move(live));
            m_live->setControl(&m_control);
            cb = m_live->attach(cb);
        }
        m_search->setCallbacks(cb);
        dropTry();  // the run starts from the scales tried, if any: they are the session's now
        m_liveSlices.clear();
    } catch (...) {
        m_live.reset();
        m_search.reset();
        m_q->restore(before);
        throw;
    }
}

SearchStatus Session::runSearch() {
    if (!m_search) throw Error("no search to run: start one first");
    SearchStatus st;
    try {
        st = m_search->run(&m_control);
    } catch (...) {
        m_q->restore(*m_runStart);
        m_search.reset();
        m_live.reset();
        throw;
    }
    if (st == SearchStatus::Paused) return st;
    if (st == SearchStatus::Cancelled) {
        // A cancelled run is no result: back to the scales it started from, nothing written.
        m_q->restore(*m_runStart);
        m_search.reset();
        m_live.reset();
        RunEndEvent end = m_endEvent.value_or(RunEndEvent{});
        end.cancelled = true;
        m_endEvent = end;
        if (m_callbacks.end) m_callbacks.end(end);
        return st;
    }
    m_result = m_q->state();
    m_searchProvenance = m_search->provenance();
    if (m_live) {
        m_searchProvenance.insert("live_landscape", m_live->provenance());
        m_liveSlices = m_live->sliceAxes();
        m_liveSettings = m_searchSettings;
    }
    return st;
}

RunEndEvent Session::finishSearch(const ProgressFn& progress) {
    if (!m_search || !m_search->finished()) throw Error("no finished search to finish");
    RunEndEvent end = m_endEvent.value_or(RunEndEvent{});
    const SearchSettings settings = m_searchSettings;
    m_search.reset();
    m_live.reset();
    m_final.reset();
    m_validationProvenance = QJsonObject();
    m_finalNote.clear();
    if (settings.finalEvaluation && validationUsable()) try {
            // FP32 and baseline are measured once per folder and baseline; the result every time.
            // One decode of the folder serves all of them.
            enum Pass { Fp32, Baseline, Result };
            std::vector<Pass> passes;
            if (std::isnan(m_folderFp32Top1)) passes.push_back(Fp32);
            if (std::isnan(m_folderBaselineTop1) && m_baseline) passes.push_back(Baseline);
            passes.push_back(Result);
            QElapsedTimer t;
            t.start();
            FinalValidation f;
            f.folder = QDir(m_valDir).absolutePath();
            const QuantizedVit::State result = m_q->state();
            std::vector<EvalResult> rs;
            try {
                rs = evaluateFolderPasses(
                    *m_model, *m_valFolder, static_cast<int>(passes.size()),
                    [&](int p) -> ForwardHooks* {
                        if (passes[p] == Fp32) return nullptr;
                        m_q->restore(passes[p] == Baseline ? *m_baseline : result);
                        return m_q.get();
                    },
                    100,
                    [&](int done, int total) {
                        if (progress)
                            progress(done, total, etaSeconds(t.elapsed() / 1000.0, done, total));
                        return !m_control.cancel.load();
                    });
            } catch (...) {
                m_q->restore(result);
                throw;
            }
            m_q->restore(result);
            for (size_t p = 0; p < passes.size(); ++p) {
                if (passes[p] == Fp32) m_folderFp32Top1 = rs[p].top1;
                if (passes[p] == Baseline) m_folderBaselineTop1 = rs[p].top1;
            }
            const EvalResult& r = rs.back();
            f.images = r.images;
            f.fp32Top1 = m_folderFp32Top1;
            f.baselineTop1 = m_folderBaselineTop1;
            f.searchedTop1 = r.top1;
            end.finalTop1 = r.top1;
            m_final = f;
            m_validationProvenance = f.toJson();
        } catch (const Error& e) {
            // The result stands without it; the file says nothing about validation.
            m_finalNote = QString("final validation skipped: %1").arg(e.message());
        }
    if (!settings.outputPath.isEmpty()) exportScales(settings.outputPath, ExportFormat::Native);
    return end;
}

// ---------------------------------------------------------------------------------------------
// Landscape

torch::Tensor Session::scalesOf(const QuantizedVit& q, const LandscapeSettings& s) const {
    if (s.quantizer.isEmpty()) return q.genome(s.block).clone();
    const int idx = q.findQuantizer(s.quantizer);
    if (idx < 0) throw Error(QString("the model has no quantizer '%1'").arg(s.quantizer));
    return q.quantizer(idx).scale().clone();
}

torch::Tensor Session::towardOf(const LandscapeSettings& ls) {
    torch::Tensor toward;
    if (ls.direction == DirectionKind::TowardResult) {
        // From the baseline (a = 0) to the scales the last search found (a = 1).
        if (!m_result || !m_baseline)
            throw Error("\"toward the result\" needs a finished search: run one first");
        m_q->restore(*m_result);
        toward = scalesOf(*m_q, ls);
        m_q->restore(*m_baseline);
    } else if (ls.direction == DirectionKind::Toward) {
        const auto target = loadQuantized(m_model, ScaleFile::read(ls.towardFile));
        toward = scalesOf(*target, ls);
    } else {
        scalesOf(*m_q, ls);  // checks the quantizer's name
    }
    return toward;
}

LandscapeResult Session::landscape(const LandscapeSettings& settings,
                                   const std::function<void(const LandscapeStart&)>& onStart,
                                   const std::function<void(const LandscapePoint&)>& onPoint) {
    if (m_search) throw Error("No landscape while a search is paused: resume or cancel it first");
    requireQuantized("No landscape yet");
    settings.validate();
    if (settings.block >= m_model->depth())
        throw Error(QString("block %1 does not exist (the model has blocks 0..%2)")
                        .arg(settings.block)
                        .arg(m_model->depth() - 1));
    const QuantConfig& cfg = m_q->config();
    const CalibrationSet& calib = calibration(cfg.calibImages, cfg.seed);
    dropTry();  // scales tried before are the centre now: the session's own
    const QuantizedVit::State before = m_q->state();
    try {
        const LandscapeSettings& ls = settings;
        const torch::Tensor toward = towardOf(ls);
        LandscapeSweep sweep(*m_q, calib.images, calib.labels, ls, toward);
        if (onStart) onStart(sweep.startInfo());
        LandscapeResult r = sweep.run(onPoint, &m_control);
        m_q->restore(before);
        return r;
    } catch (...) {
        m_q->restore(before);
        throw;
    }
}

// ---------------------------------------------------------------------------------------------
// Inspection

SensitivityResult Session::sensitivity(const SensitivitySettings& settings,
                                       const ProgressFn& progress) {
    if (m_search) throw Error("No layer sensitivity while a search is paused: resume or cancel it");
    requireQuantized("No layer sensitivity yet");
    const QuantConfig& cfg = m_q->config();
    const CalibrationSet& calib = calibration(cfg.calibImages, cfg.seed);
    const int64_t n = calib.images.size(0);
    const int64_t use = settings.images > 0 ? std::min<int64_t>(settings.images, n) : n;
    LayerSensitivity ls(*m_q, calib.images.slice(0, 0, use), settings.fitness);
    return ls.run(progressOf(progress, m_control));
}

void Session::dropTry() {
    m_probe.reset();
    m_probeKey = QJsonObject();
    m_beforeTry.reset();
    m_sourceBeforeTry.clear();
}

TryResult Session::tryScales(const LandscapeSettings& sweepSettings, double a, double b,
                             int samples, int liveVisit) {
    if (m_search) throw Error("Scales not tried: a search is paused; resume or cancel it first");
    requireQuantized("Scales not tried");
    LandscapeSettings settings = sweepSettings;
    const SliceAxes* axes = nullptr;
    if (liveVisit >= 0) {
        // A live slice of the last finished search: its own centre and axes, its images.
        const auto it = m_liveSlices.find(liveVisit);
        if (it == m_liveSlices.end())
            throw Error(QString("Scales not tried: the live slice of visit %1 is not kept (only "
                                "a finished search's slices are, until the model changes)")
                            .arg(liveVisit + 1));
        axes = &it->second;
        const LiveLandscapeSettings& live = m_liveSettings.live;
        settings = LandscapeSettings();
        settings.block = axes->block;
        settings.dims = axes->dims;
        settings.points = live.points;
        settings.radius = live.radius;
        settings.losses = QStringList{lossName(m_liveSettings.fitness.loss)};
        settings.subset = live.subset;
        settings.seed = m_liveSettings.seed;
        settings.temperature = m_liveSettings.fitness.temperature;
        settings.batch = live.subset > 0 ? std::min(m_liveSettings.fitness.batch, live.subset)
                                         : m_liveSettings.fitness.batch;
    }
    settings.validate();
    if (settings.block >= m_model->depth())
        throw Error(QString("block %1 does not exist (the model has blocks 0..%2)")
                        .arg(settings.block)
                        .arg(m_model->depth() - 1));
    QJsonObject key = settings.toJson();
    key.insert("samples", samples);
    key.insert("live_visit", liveVisit);
    key.insert("val_images", validationSubsetSize());
    const bool first = !m_beforeTry;
    const QuantizedVit::State before = first ? m_q->state() : *m_beforeTry;
    try {
        if (!m_probe || key != m_probeKey) {
            // A new landscape: around the scales from before the first try, as it was run.
            m_probe.reset();
            m_q->restore(before);
            const QuantConfig& cfg = m_q->config();
            const CalibrationSet& calib = calibration(cfg.calibImages, cfg.seed);
            const torch::Tensor toward = axes ? torch::Tensor() : towardOf(settings);
            torch::Tensor valImages, valLabels;
            if (currentValidationSubset()) {
                valImages = m_val.images;
                valLabels = m_val.labels;
            }
            m_probe =
                std::make_unique<ScaleProbe>(*m_q, calib.images, calib.labels, settings, toward,
                                             valImages, valLabels, m_val.files, samples, axes);
            m_probeKey = key;
        }
        TryResult r = m_probe->at(a, b);
        if (m_valFolder) r.classes = m_valFolder->classes();
        if (first) {
            m_beforeTry = before;
            m_sourceBeforeTry = m_source;
        }
        m_source = QString("%1, then the landscape point a = %2, b = %3 of block %4 (%5)")
                       .arg(m_sourceBeforeTry)
                       .arg(a, 0, 'g', 6)
                       .arg(b, 0, 'g', 6)
                       .arg(r.block)
                       .arg(axes ? QString("the live slice of visit %1").arg(liveVisit + 1)
                                 : settings.directionName());
        return r;
    } catch (...) {
        // Back to the scales from before the first try, with nothing left to undo.
        m_q->restore(before);
        if (!first) m_source = m_sourceBeforeTry;
        dropTry();
        throw;
    }
}

void Session::undoTry() {
    if (!m_beforeTry) throw Error("nothing to undo: no scales were tried");
    m_q->restore(*m_beforeTry);
    m_source = m_sourceBeforeTry;
    dropTry();
}

// ---------------------------------------------------------------------------------------------
// Files

QuantizeSummary Session::importScales(const QString& path) {
    requireNoSearch(QString("%1: not imported").arg(path));
    if (!m_model)
        throw Error(QString("%1: not imported: open the model it was made for first").arg(path));
    const ScaleFile file = ScaleFile::read(path);
    auto loaded = loadQuantized(m_model, file);
    dropTry();
    m_liveSlices.clear();
    const bool sameBaseline = m_q && m_baseline && m_q->config() == file.config();
    m_q = std::move(loaded);
    if (!sameBaseline) setBaseline();
    m_result.reset();
    m_source = QFileInfo(path).absoluteFilePath();
    m_calibProvenance = file.json().value("calibration").toObject();
    m_searchProvenance = file.json().value("search").toObject();
    m_validationProvenance = file.json().value("validation").toObject();
    m_final.reset();
    return summaryOfCurrent(file.config().label(), 0);
}

ScaleComparison Session::compareScales(const QString& path) {
    requireNoSearch(QString("%1: not compared").arg(path));
    if (!m_model)
        throw Error(QString("%1: not compared: open the model it was made for first").arg(path));
    if (!m_q)
        throw Error(QString("%1: nothing to compare with: quantize the model first").arg(path));
    const ScaleFile file = ScaleFile::read(path);
    const auto loaded = loadQuantized(m_model, file);
    ScaleComparison c;
    c.source = path;
    c.label = file.config().label();
    for (int b = 0; b < m_model->depth(); ++b) {
        const torch::Tensor cur = m_q->genome(b), imp = loaded->genome(b);
        c.perBlock.append(cur.numel() == imp.numel() ? toDoubles(imp / cur - 1)
                                                     : QVector<double>());
    }
    for (int i = 0; i < m_q->quantizerCount() && i < loaded->quantizerCount(); ++i) {
        const torch::Tensor a = m_q->quantizer(i).scale(), b = loaded->quantizer(i).scale();
        if (!a.defined() || !b.defined() || a.numel() != b.numel()) {
            ++c.quantizersDiffering;
            continue;
        }
        const double m = (b / a - 1).abs().max().item<double>();
        if (m > 0) ++c.quantizersDiffering;
        c.maxAbsChange = std::max(c.maxAbsChange, m);
    }
    if (currentValidationSubset()) {
        torch::NoGradGuard ng;
        c.currentTop1 = evaluateTensors(*m_model, m_val.images, m_val.labels, m_q.get()).top1;
        c.importedTop1 = evaluateTensors(*m_model, m_val.images, m_val.labels, loaded.get()).top1;
    }
    return c;
}

void Session::exportScales(const QString& path, ExportFormat format,
                           const ScaleSelection& selection) {
    if (!quantized()) throw Error(QString("%1: not written: quantize the model first").arg(path));
    // A paused search sits mid-visit with a trial genome in place: export the last whole visit.
    std::optional<QuantizedVit::State> paused;
    if (m_search && m_lastVisit) {
        paused = m_q->state();
        m_q->restore(*m_lastVisit);
    }
    try {
        ScaleExport::write(path, format, *m_q, selection,
                           provenance(format == ExportFormat::Native));
    } catch (...) {
        if (paused) m_q->restore(*paused);
        throw;
    }
    if (paused) m_q->restore(*paused);
}

EvalResult Session::evaluate(const ImageFolder& folder, const ProgressFn& progress) {
    if (!m_model) throw Error("no model is loaded: open a model folder first");
    return evaluateFolder(*m_model, folder, m_q ? m_q.get() : nullptr, 100,
                          progressOf(progress, m_control));
}

QJsonObject Session::provenance(bool withHistories) const {
    QJsonObject p{{"program", QCoreApplication::applicationName()},
                  {"program_version", EVOLQ_VERSION},
                  {"runtime", runtimeDescription()},
                  {"created_utc", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
    if (m_model)
        p.insert("model", QJsonObject{{"architecture", m_model->info().architecture},
                                      {"sha256", m_model->info().sha256},
                                      {"folder", m_model->info().folder},
                                      {"depth", m_model->info().depth},
                                      {"width", m_model->info().width}});
    if (m_q) {
        p.insert("bit_config", m_q->config().label());
        p.insert("quant_config", m_q->config().toJson());
        p.insert("seed", static_cast<qint64>(m_q->config().seed));
        p.insert("source", m_source);
    }
    if (!m_calibProvenance.isEmpty()) p.insert("calibration", m_calibProvenance);
    QJsonObject search = m_searchProvenance;
    if (m_search) {
        search = m_search->provenance();
        if (m_live) search.insert("live_landscape", m_live->provenance());
        search.insert("state", "paused: scales of the last completed block visit");
    }
    if (!search.isEmpty()) p.insert("search", withHistories ? search : withoutHistories(search));
    if (!m_validationProvenance.isEmpty()) p.insert("validation", m_validationProvenance);
    return p;
}

QVector<QVector<double>> Session::scaleChanges() const {
    QVector<QVector<double>> rows;
    if (!m_q || m_baselineGenomes.empty()) return rows;
    for (int b = 0; b < m_model->depth(); ++b)
        rows.append(toDoubles(m_q->genome(b) / m_baselineGenomes[b] - 1));
    return rows;
}

QVector<QuantizerSummary> Session::quantizerSummaries() const {
    return m_q ? ScaleExport::summarize(*m_q) : QVector<QuantizerSummary>();
}

}  // namespace evolq
