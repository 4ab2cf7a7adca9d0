#include "Commands.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>
#include <cmath>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

#include "CliArgs.h"
#include "Error.h"
#include "Calibration.h"
#include "EvolSearch.h"
#include "Evaluate.h"
#include "LandscapeSweep.h"
#include "LandscapePlot.h"
#include "FashionMnist.h"
#include "ImageFolder.h"
#include "ImageLoader.h"
#include "Runtime.h"
#include "Trainer.h"
#include "Version.h"
#include "VitModel.h"
#include "WorkerTypes.h"

namespace evolq::cli {

void out(const QString& line) {
    std::fputs((line + "\n").toLocal8Bit().constData(), stdout);
    std::fflush(stdout);
}

void progress(const QString& line) {
    std::fputs((line + "\n").toLocal8Bit().constData(), stderr);
    std::fflush(stderr);
}

namespace {

void printJson(const QJsonObject& o) { out(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)).trimmed()); }

QString modelArg(const CliArgs& a) { return a.isSet("model") ? a.str("model") : defaultModelDir(); }

int cmdInfo(const QStringList& args) {
    CliArgs a("info", "Describe a model folder (config.json + model.safetensors).");
    a.positional("MODEL_DIR", "model folder (default: the bundled model)");
    a.flag("json", "print JSON");
    if (!a.parse(args)) return 0;
    const QString dir = a.positionals().value(0, defaultModelDir());
    const auto model = VitModel::load(dir);
    const ModelInfo& i = model->info();
    if (a.isSet("json")) {
        printJson(i.toJson());
    } else {
        for (const auto& row : i.summaryRows()) out(QString("%1 %2").arg(row.first + ":", -14).arg(row.second));
    }
    return 0;
}

int cmdPredict(const QStringList& args) {
    CliArgs a("predict", "Top-k predictions of a model for every image in a folder.");
    a.option("model", "model folder (default: the bundled model)", "DIR");
    a.option("images", "image folder (flat or one sub-folder per class)", "DIR");
    a.option("topk", "classes per image", "K", "5");
    a.flag("json", "print one JSON document with top-k and logits per image");
    if (!a.parse(args)) return 0;
    const auto model = VitModel::load(modelArg(a));
    const ImageFolder folder = ImageFolder::scan(a.required("images"));
    const int k = std::min(a.integer("topk", 1, 100000), model->info().numClasses);
    const LoadedImages li = loadImages(folder, Preprocess::fromModel(model->info()));
    for (const QString& f : li.failed) progress("skipped " + f);
    const torch::Tensor logits = predictLogits(*model, li.images);
    const torch::Tensor probs = logits.softmax(1);
    const auto [tp, ti] = probs.topk(k, 1);
    // Sorted by file name relative to the folder.
    std::vector<int> order(li.items.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::sort(order.begin(), order.end(), [&](int x, int y) {
        return folder.items()[li.items[x]].relative < folder.items()[li.items[y]].relative;
    });
    QJsonArray images;
    for (int r : order) {
        const QString file = folder.items()[li.items[r]].relative;
        if (a.isSet("json")) {
            QJsonArray topk, lg;
            for (int j = 0; j < k; ++j)
                topk.append(QJsonArray{static_cast<int>(ti[r][j].item<int64_t>()), tp[r][j].item<double>()});
            const torch::Tensor row = logits[r].contiguous();
            for (int64_t c = 0; c < row.size(0); ++c) lg.append(static_cast<double>(row[c].item<float>()));
            images.append(QJsonObject{{"file", file}, {"topk", topk}, {"logits", lg}});
        } else {
            QStringList parts;
            for (int j = 0; j < k; ++j)
                parts << QString("%1 %2%").arg(model->info().className(static_cast<int>(ti[r][j].item<int64_t>())))
                             .arg(100.0 * tp[r][j].item<double>(), 0, 'f', 1);
            out(file + ": " + parts.join(", "));
        }
    }
    if (a.isSet("json")) {
        QJsonArray failed;
        for (const QString& f : li.failed) failed.append(f);
        printJson(QJsonObject{{"images", images}, {"failed", failed}});
    }
    return 0;
}

void addQuantOptions(CliArgs& a) {
    QuantConfig d;
    a.option("calib", "calibration image folder (default: data/fashion-mnist/calib)", "DIR");
    a.option("wbits", "weight bits: 3, 4, 8 (2..8; 0 = float)", "W", QString::number(d.weightBits));
    a.option("abits", "activation bits (2..8; 0 = float)", "A", QString::number(d.actBits));
    a.option("observer", "activation observer: minmax, ema, percentile, omse", "NAME", observerName(d.actObserver));
    a.option("weight-observer", "weight observer: minmax, ema, percentile, omse", "NAME", observerName(d.weightObserver));
    a.flag("signed-weights", "signed (symmetric) weights instead of unsigned (asymmetric)");
    a.flag("signed-acts", "signed (symmetric) activations instead of unsigned (asymmetric)");
    a.flag("no-ptf", "no power-of-two factor for LayerNorm inputs");
    a.flag("log2-softmax", "log2 quantizer for attention probabilities");
    a.flag("bias-correction", "correct linear biases for the expected weight quantization error");
    a.option("calib-size", "calibration images", "N", QString::number(d.calibImages));
    a.option("calib-batch", "calibration batch size (the last batch finalizes OMSE and PTF)", "B", QString::number(d.calibBatch));
    a.option("seed", "seed (calibration subset; search)", "S", "0");
}

QuantConfig quantConfigFrom(const CliArgs& a) {
    QuantConfig c;
    auto bits = [&](const char* name) {
        const int b = a.integer(name, 0, 8);
        if (b == 1) throw Error(QString("--%1 must be 0 (float) or 2..8").arg(name));
        return b;
    };
    c.weightBits = bits("wbits");
    c.actBits = bits("abits");
    c.actObserver = observerFromName(a.str("observer"));
    c.weightObserver = observerFromName(a.str("weight-observer"));
    c.weightSigned = a.isSet("signed-weights");
    c.actSigned = a.isSet("signed-acts");
    c.ptf = !a.isSet("no-ptf");
    c.log2Softmax = a.isSet("log2-softmax");
    c.biasCorrection = a.isSet("bias-correction");
    c.calibImages = a.integer("calib-size", 1, 1 << 30);
    c.calibBatch = a.integer("calib-batch", 1, 1 << 20);
    c.seed = static_cast<unsigned>(a.integer("seed", 0, 1 << 30));
    return c;
}

QString calibArg(const CliArgs& a) { return a.isSet("calib") ? a.str("calib") : defaultDataDir() + "/calib"; }

// The baseline: load the calibration subset, calibrate, report the time.
CalibrationSet calibrationFrom(const CliArgs& a, const ModelInfo& info, const QuantConfig& cfg) {
    const CalibrationSet calib = loadCalibrationSet(info, calibArg(a), cfg.calibImages, cfg.seed);
    for (const QString& f : calib.failed) progress("skipped " + f);
    return calib;
}

std::unique_ptr<QuantizedVit> baselineFrom(std::shared_ptr<VitModel> model, const QuantConfig& cfg,
                                           const CalibrationSet& calib, QJsonObject* provenance) {
    double secs = 0;
    auto q = quantizeBaseline(model, cfg, calib, &secs, [](int done, int total) {
        progress(QString("calibrating %1 / %2 images").arg(done).arg(total));
        return true;
    });
    progress(QString("%1 calibration on %2 images took %3 s").arg(cfg.label()).arg(calib.images.size(0)).arg(secs, 0, 'f', 2));
    QJsonObject c = calib.provenance();
    c.insert("seconds", secs);
    if (provenance) provenance->insert("calibration", c);
    return q;
}

int cmdQuantize(const QStringList& args) {
    CliArgs a("quantize", "FQ-ViT baseline post-training quantization; writes a scale file.");
    a.option("model", "model folder (default: the bundled model)", "DIR");
    addQuantOptions(a);
    a.option("out", "scale file to write", "FILE");
    a.option("val", "also report top-1 over this labelled folder", "DIR");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    const QuantConfig cfg = quantConfigFrom(a);
    const auto model = VitModel::load(modelArg(a));
    QJsonObject prov;
    auto q = baselineFrom(model, cfg, calibrationFrom(a, model->info(), cfg), &prov);
    ScaleFile::write(outPath, ScaleFile::toJson(*q, prov));
    out(QString("wrote %1 (%2, %3 quantizers, calibration %4 s)").arg(outPath, cfg.label()).arg(q->quantizerCount())
            .arg(prov.value("calibration").toObject().value("seconds").toDouble(), 0, 'f', 2));
    if (a.isSet("val")) {
        const EvalResult r = evaluateFolder(*model, ImageFolder::scan(a.str("val")), q.get());
        out(QString("%1 top-1 %2 %  top-5 %3 %  (%4 images)").arg(cfg.label()).arg(r.top1, 0, 'f', 2).arg(r.top5, 0, 'f', 2).arg(r.images));
    }
    return 0;
}

int cmdSearch(const QStringList& args) {
    CliArgs a("search", "Baseline quantization, then the Evol-Q search over weight scales; writes a scale file.");
    a.option("model", "model folder (default: the bundled model)", "DIR");
    addQuantOptions(a);
    a.option("val", "labelled validation folder (default: data/fashion-mnist/val if present)", "DIR");
    const SearchRunSettings d;
    a.option("passes", "passes over all blocks", "P", QString::number(d.passes));
    a.option("cycles", "evolution cycles per block visit", "K", QString::number(d.cycles));
    a.option("population", "population size", "N", QString::number(d.population));
    a.option("samples", "tournament samples (with replacement)", "S", QString::number(d.samples));
    a.option("mutation", "mutation range r (default 1e-3 at 3/4-bit weights, 1e-4 at 8-bit; 0.1 with --relative-mutation)", "R", "0");
    a.flag("relative-mutation", "r is a fraction of each scale as the search found it, not an absolute step");
    a.option("loss", "fitness loss: infonce, mse, kl, cosine", "NAME", d.loss);
    a.option("temperature", "infoNCE temperature", "T", QString::number(d.temperature));
    a.option("fitness-batch", "images per fitness batch", "B", QString::number(d.fitnessBatch));
    a.option("val-subset", "validation images measured after each block visit, display only (0 = off)", "N",
             QString::number(d.valSubset));
    a.option("out", "scale file to write", "FILE");
    a.option("log", "write every event as CSV", "FILE");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    const QuantConfig cfg = quantConfigFrom(a);
    SearchRunSettings run;
    run.passes = a.integer("passes", 1, 100000);
    run.cycles = a.integer("cycles", 1, 100000);
    run.population = a.integer("population", 1, 100000);
    run.samples = a.integer("samples", 1, 100000);
    run.mutationRange = a.number("mutation", 0, 1e6);
    run.relativeMutation = a.isSet("relative-mutation");
    run.loss = a.str("loss");
    run.temperature = a.number("temperature", 1e-6, 1e6);
    run.fitnessBatch = a.integer("fitness-batch", 2, 1 << 20);
    run.valSubset = a.integer("val-subset", 0, 1 << 30);
    run.seed = cfg.seed;
    const SearchSettings s = SearchSettings::fromRun(run);
    if (cfg.weightBits == 0) throw Error("evolq search: --wbits 0 leaves no weight scales to search");

    QElapsedTimer total;
    total.start();
    const auto model = VitModel::load(modelArg(a));
    // Validation: only for display during the run and for the final table.
    QString valDir = a.isSet("val") ? a.str("val") : defaultDataDir() + "/val";
    std::unique_ptr<ImageFolder> val;
    if (a.isSet("val") || QFileInfo(valDir).isDir()) {
        val = std::make_unique<ImageFolder>(ImageFolder::scan(valDir));
        if (!val->labelled() || val->classes().size() != model->info().numClasses)
            throw Error(QString("%1: needs %2 class folders to measure accuracy").arg(valDir).arg(model->info().numClasses));
    }
    QJsonObject prov;
    const CalibrationSet calib = calibrationFrom(a, model->info(), cfg);
    auto q = baselineFrom(model, cfg, calib, &prov);
    torch::Tensor valImages, valLabels;
    double fpSub = std::nan(""), baseSub = std::nan("");
    if (val && s.valSubset > 0) {
        const LoadedImages li = loadImages(val->subset(s.valSubset, s.seed), Preprocess::fromModel(model->info()));
        valImages = li.images;
        valLabels = li.labels;
        fpSub = evaluateTensors(*model, valImages, valLabels).top1;
        baseSub = evaluateTensors(*model, valImages, valLabels, q.get()).top1;
        progress(QString("validation subset (%1 images, display only): FP32 %2 %, baseline %3 %")
                     .arg(valImages.size(0)).arg(fpSub, 0, 'f', 2).arg(baseSub, 0, 'f', 2));
    }
    const auto baselineState = q->state();

    QSaveFile logFile(a.isSet("log") ? a.str("log") : QString());
    QTextStream log(&logFile);
    if (a.isSet("log")) {
        if (!logFile.open(QIODevice::WriteOnly | QIODevice::Text))
            throw Error(QString("%1: cannot write: %2").arg(a.str("log"), logFile.errorString()));
        log << "event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,elapsed_s\n";
    }
    EvolSearch search(*q, calib.images, s, valImages, valLabels);
    search.setReferenceAccuracy(fpSub, baseSub);
    SearchCallbacks cb;
    cb.start = [&](const RunStartEvent& e) {
        progress(QString("search: %1 blocks x %2 passes, %3 fitness evaluations, loss %4, baseline fitness %5")
                     .arg(e.blocks).arg(e.passes).arg(e.evaluationsTotal).arg(e.loss).arg(e.baselineFitness, 0, 'g', 6));
        if (a.isSet("log")) log << "start,0,,,," << e.baselineFitness << ",,,,0\n";
    };
    cb.fitness = [&](const FitnessEvent& e) {
        if (a.isSet("log"))
            log << "fitness," << e.evaluation << ',' << e.pass << ',' << e.block << ',' << e.cycle << ','
                << QString::number(e.childFitness, 'g', 17) << ',' << QString::number(e.blockBest, 'g', 17) << ','
                << QString::number(e.overallBest, 'g', 17) << ",," << e.elapsed << "\n";
    };
    cb.blockVisit = [&](const BlockVisitEvent& e) {
        progress(QString("pass %1/%2  block %3  fitness %4%5  [%6/%7 evaluations, ETA %8 s]")
                     .arg(e.pass + 1).arg(s.passes).arg(e.block).arg(e.bestFitness, 0, 'g', 6)
                     .arg(std::isnan(e.accuracy) ? QString() : QString("  val top-1 %1 %").arg(e.accuracy, 0, 'f', 2))
                     .arg(e.evaluationsDone).arg(e.evaluationsTotal).arg(e.eta, 0, 'f', 0));
        if (a.isSet("log"))
            log << "block," << e.evaluationsDone << ',' << e.pass << ',' << e.block << ",,"
                << QString::number(e.bestFitness, 'g', 17) << ",,," << (std::isnan(e.accuracy) ? QString() : QString::number(e.accuracy))
                << ',' << e.elapsed << "\n";
    };
    cb.end = [&](const RunEndEvent& e) {
        if (a.isSet("log")) log << "end,,,,," << QString::number(e.bestFitness, 'g', 17) << ",,,," << e.seconds << "\n";
    };
    search.setCallbacks(cb);
    search.run();

    QJsonObject results;
    double fpTop1 = std::nan(""), baseTop1 = std::nan(""), evoTop1 = std::nan("");
    if (val) {
        progress("measuring top-1 on the full validation folder (FP32, baseline, Evol-Q)");
        const auto evolState = q->state();
        fpTop1 = evaluateFolder(*model, *val).top1;
        q->restore(baselineState);
        baseTop1 = evaluateFolder(*model, *val, q.get()).top1;
        q->restore(evolState);
        evoTop1 = evaluateFolder(*model, *val, q.get()).top1;
        results = QJsonObject{{"folder", QDir(valDir).absolutePath()}, {"images", val->size()}, {"fp32_top1", fpTop1},
                              {"baseline_top1", baseTop1}, {"evolq_top1", evoTop1},
                              {"note", "measured after the search; never used to select scales"}};
    }
    prov.insert("search", search.provenance());
    if (!results.isEmpty()) prov.insert("validation", results);
    ScaleFile::write(outPath, ScaleFile::toJson(*q, prov));
    if (a.isSet("log") && !logFile.commit()) throw Error(QString("%1: cannot write").arg(a.str("log")));
    out(QString("wrote %1").arg(outPath));
    out(QString("%1  %2").arg("", -10).arg("top-1 %"));
    auto row = [&](const QString& name, double v) {
        out(QString("%1  %2").arg(name, -10).arg(std::isnan(v) ? QString("-") : QString::number(v, 'f', 2)));
    };
    row("FP32", fpTop1);
    row("baseline", baseTop1);
    row("Evol-Q", evoTop1);
    out(QString("fitness %1 -> %2, search %3 s, total %4 s (%5)").arg(search.baselineFitness(), 0, 'g', 6)
            .arg(search.bestFitness(), 0, 'g', 6).arg(search.seconds(), 0, 'f', 1).arg(total.elapsed() / 1000.0, 0, 'f', 1)
            .arg(cfg.label()));
    return 0;
}

int cmdBench(const QStringList& args) {
    CliArgs a("bench", "Time the pieces a search repeats: forward passes and fitness evaluations.");
    a.option("model", "model folder (default: the bundled model)", "DIR");
    addQuantOptions(a);
    a.option("repeat", "repetitions per figure (the median is printed)", "N", "3");
    a.flag("json", "print JSON");
    if (!a.parse(args)) return 0;
    const QuantConfig cfg = quantConfigFrom(a);
    const int reps = a.integer("repeat", 1, 1000);
    const auto model = VitModel::load(modelArg(a));
    const CalibrationSet calib = calibrationFrom(a, model->info(), cfg);
    auto median = [&](const std::function<void()>& f) {
        std::vector<double> t;
        for (int i = 0; i < reps; ++i) {
            QElapsedTimer e;
            e.start();
            f();
            t.push_back(e.nsecsElapsed() / 1e9);
        }
        std::sort(t.begin(), t.end());
        return t[t.size() / 2];
    };
    torch::NoGradGuard ng;
    QJsonObject o{{"images", static_cast<int>(calib.images.size(0))}, {"threads", runtimeThreads()},
                  {"bit_config", cfg.label()}};
    o.insert("fp32_forward_s", median([&] { predictLogits(*model, calib.images, nullptr, 100); }));
    double calibSeconds = 0;
    auto q = quantizeBaseline(model, cfg, calib, &calibSeconds);
    o.insert("calibration_s", calibSeconds);
    o.insert("quantized_forward_s", median([&] { predictLogits(*model, calib.images, q.get(), 100); }));
    FitnessFunction fit(*q, calib.images, FitnessSettings{});
    QJsonArray perBlock;
    for (int b = 0; b < model->depth(); ++b) {
        fit.prepareBlock(b);
        perBlock.append(median([&] { fit.evaluateFromBlock(); }));
    }
    o.insert("fitness_from_block_s", perBlock);
    if (a.isSet("json")) {
        printJson(o);
    } else {
        out(QString("%1 images, %2 threads, %3").arg(o.value("images").toInt()).arg(runtimeThreads()).arg(cfg.label()));
        out(QString("FP32 forward          %1 s").arg(o.value("fp32_forward_s").toDouble(), 0, 'f', 3));
        out(QString("calibration           %1 s").arg(calibSeconds, 0, 'f', 3));
        out(QString("quantized forward     %1 s").arg(o.value("quantized_forward_s").toDouble(), 0, 'f', 3));
        for (int b = 0; b < perBlock.size(); ++b)
            out(QString("fitness from block %1  %2 s").arg(b).arg(perBlock[b].toDouble(), 0, 'f', 3));
    }
    return 0;
}

int cmdLandscape(const QStringList& args) {
    CliArgs a("landscape", "Loss over a line or grid of weight-scale perturbations around the current scales.");
    a.option("model", "model folder (default: the bundled model)", "DIR");
    addQuantOptions(a);
    a.option("scales", "start from this scale file instead of the baseline", "FILE");
    LandscapeSettings d;
    a.option("block", "block whose genome (qkv and proj weight scales) is swept", "B", QString::number(d.block));
    a.option("quantizer", "sweep this one weight quantizer instead (e.g. blocks.3.mlp.fc1.weight)", "NAME");
    a.option("dims", "1 (line) or 2 (grid)", "D", QString::number(d.dims));
    a.option("points", "points per axis", "N", QString::number(d.points));
    a.option("radius", "coordinates run over [-radius, radius]", "R", QString::number(d.radius));
    a.option("unit", "radius unit: r (mutation range) or fraction (of each scale)", "U", "r");
    a.option("direction", "random, mutation, channel:N or toward:FILE", "DIR", "random");
    a.option("loss", "comma-separated: infonce, mse, kl, cosine, ce, top1", "LIST", d.losses.join(','));
    a.option("temperature", "infoNCE temperature", "T", QString::number(d.temperature));
    a.option("subset", "calibration images used (0 = all)", "N", QString::number(d.subset));
    a.option("out", "CSV to write (one row per point)", "FILE");
    a.option("png", "also draw the plot to this PNG", "FILE");
    a.flag("json", "print the jaggedness figures as JSON");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    LandscapeSettings s;
    s.block = a.integer("block", 0, 4096);
    s.quantizer = a.str("quantizer");
    s.dims = a.integer("dims", 1, 2);
    s.points = a.integer("points", 2, 1001);
    s.radius = a.number("radius", 1e-12, 1e12);
    if (a.str("unit") == "r") s.unit = RadiusUnit::MutationRange;
    else if (a.str("unit") == "fraction") s.unit = RadiusUnit::ScaleFraction;
    else throw Error("evolq landscape: --unit must be r or fraction");
    s.direction = LandscapeSettings::directionFromName(a.str("direction"), &s.channel, &s.towardFile);
    s.losses = a.str("loss").split(',', Qt::SkipEmptyParts);
    s.temperature = a.number("temperature", 1e-6, 1e6);
    s.subset = a.integer("subset", 0, 1 << 30);
    const auto model = VitModel::load(modelArg(a));
    QJsonObject prov;
    std::unique_ptr<QuantizedVit> q;
    QuantConfig cfg = quantConfigFrom(a);
    if (a.isSet("scales")) {
        q = loadQuantized(model, ScaleFile::read(a.str("scales")));
        cfg = q->config();
        prov.insert("scales", QFileInfo(a.str("scales")).absoluteFilePath());
    }
    const CalibrationSet calib = calibrationFrom(a, model->info(), cfg);
    if (!q) q = baselineFrom(model, cfg, calib, &prov);
    s.seed = cfg.seed;
    torch::Tensor toward;
    if (s.direction == DirectionKind::Toward) {
        const ScaleFile target = ScaleFile::read(s.towardFile);
        auto tq = loadQuantized(model, target);
        toward = s.quantizer.isEmpty() ? tq->genome(s.block) : tq->quantizer(tq->findQuantizer(s.quantizer)).scale();
    }
    LandscapeSweep sweep(*q, calib.images, calib.labels, s, toward);
    const int total = s.dims == 2 ? s.points * s.points : s.points;
    QElapsedTimer t;
    t.start();
    int done = 0;
    const LandscapeResult res = sweep.run([&](const LandscapePoint&) {
        if (++done % std::max(1, total / 10) == 0 || done == total)
            progress(QString("%1 / %2 points, %3 s").arg(done).arg(total).arg(t.elapsed() / 1000.0, 0, 'f', 1));
    });
    // CSV: coordinates and every loss; jaggedness and provenance as comment lines.
    QSaveFile f(outPath);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) throw Error(QString("%1: cannot write: %2").arg(outPath, f.errorString()));
    QTextStream o(&f);
    o << "# evolq landscape, program " << EVOLQ_VERSION << ", model " << model->info().architecture << " sha256 "
      << model->info().sha256 << ", " << cfg.label() << ", seed " << s.seed << "\n";
    o << "# settings " << QJsonDocument(s.toJson()).toJson(QJsonDocument::Compact) << "\n";
    o << "# quant_config " << QJsonDocument(cfg.toJson()).toJson(QJsonDocument::Compact) << "\n";
    QJsonObject jag;
    for (int k = 0; k < s.losses.size() && k < static_cast<int>(res.jaggedness.size()); ++k) {
        const Jaggedness& j = res.jaggedness[k];
        jag.insert(s.losses[k], QJsonObject{{"local_minima", j.localMinima},
                                            {"tv_ratio", std::isfinite(j.tvRatio) ? QJsonValue(j.tvRatio) : QJsonValue("inf")},
                                            {"best_gain_over_centre", j.bestGainOverCentre}});
    }
    o << "# jaggedness " << QJsonDocument(jag).toJson(QJsonDocument::Compact) << "\n";
    o << (s.dims == 2 ? "i,j,a,b" : "i,a");
    for (const QString& l : s.losses) o << ',' << l;
    o << "\n";
    for (const LandscapePoint& p : res.points) {
        o << p.i << ',';
        if (s.dims == 2) o << p.j << ',';
        o << QString::number(p.a, 'g', 10);
        if (s.dims == 2) o << ',' << QString::number(p.b, 'g', 10);
        for (double v : p.values) o << ',' << QString::number(v, 'g', 12);
        o << "\n";
    }
    o.flush();
    if (!f.commit()) throw Error(QString("%1: cannot write").arg(outPath));
    if (a.isSet("png")) {
        LandscapePlot plot;
        plot.resize(900, 600);
        plot.start(res.start);
        plot.addPoints(QVector<LandscapePoint>(res.points.begin(), res.points.end()));
        for (int k = 0; k < s.losses.size() && k < static_cast<int>(res.jaggedness.size()); ++k)
            plot.setJaggedness(s.losses[k], res.jaggedness[k]);
        QString err;
        if (!plot.savePlot(a.str("png"), &err)) throw Error(err);
    }
    if (a.isSet("json")) {
        printJson(QJsonObject{{"seconds", res.seconds}, {"points", static_cast<int>(res.points.size())}, {"jaggedness", jag}});
    } else {
        for (int k = 0; k < s.losses.size() && k < static_cast<int>(res.jaggedness.size()); ++k)
            out(QString("%1: %2 local minima, total variation / net change %3, best gain over centre %4")
                    .arg(s.losses[k], -8).arg(res.jaggedness[k].localMinima).arg(res.jaggedness[k].tvRatio, 0, 'g', 4)
                    .arg(res.jaggedness[k].bestGainOverCentre, 0, 'g', 4));
        out(QString("wrote %1 (%2 points in %3 s)").arg(outPath).arg(res.points.size()).arg(res.seconds, 0, 'f', 1));
    }
    return 0;
}

int cmdEval(const QStringList& args) {
    CliArgs a("eval", "Top-1 and top-5 accuracy of a model (float or fake-quantized) over a labelled image folder.");
    a.option("scales", "evaluate the model quantized with this scale file", "FILE");
    a.flag("quantize", "quantize on the fly (implied by --wbits or --abits)");
    addQuantOptions(a);
    a.option("model", "model folder (default: the bundled model)", "DIR");
    a.option("data", "ImageFolder-style folder (default: data/fashion-mnist/val)", "DIR");
    a.option("limit", "evaluate a seeded subset of N images (0 = all)", "N", "0");
    a.flag("json", "print {\"top1\", \"top5\", \"images\", \"seconds\"}");
    if (!a.parse(args)) return 0;
    const auto model = VitModel::load(modelArg(a));
    const QString data = a.isSet("data") ? a.str("data") : defaultDataDir() + "/val";
    ImageFolder folder = ImageFolder::scan(data);
    folder = folder.subset(a.integer("limit", 0, 1 << 30), static_cast<unsigned>(a.integer("seed", 0, 1 << 30)));
    std::unique_ptr<QuantizedVit> q;
    QString label = "FP32";
    double calibSeconds = 0;
    if (a.isSet("scales")) {
        q = loadQuantized(model, ScaleFile::read(a.str("scales")));
        label = q->config().label();
    } else if (a.isSet("quantize") || a.isSet("wbits") || a.isSet("abits")) {
        QJsonObject prov;
        const QuantConfig cfg = quantConfigFrom(a);
        q = baselineFrom(model, cfg, calibrationFrom(a, model->info(), cfg), &prov);
        label = q->config().label();
        calibSeconds = prov.value("calibration").toObject().value("seconds").toDouble();
    }
    const EvalResult r = evaluateFolder(*model, folder, q.get(), 250, [&](int done, int total) {
        if (!a.isSet("json")) progress(QString("evaluated %1 / %2").arg(done).arg(total));
        return true;
    });
    for (const QString& f : r.failed) progress("skipped " + f);
    if (a.isSet("json")) {
        QJsonObject o{{"top1", r.top1}, {"top5", r.top5}, {"images", r.images}, {"seconds", r.seconds},
                      {"precision", label}, {"model_sha256", model->info().sha256}, {"program_version", EVOLQ_VERSION}};
        if (q) {
            o.insert("quant_config", q->config().toJson());
            if (calibSeconds > 0) o.insert("calibration_seconds", calibSeconds);
        }
        printJson(o);
    } else {
        out(QString("%1 top-1 %2 %  top-5 %3 %  (%4 images, %5 s)").arg(label).arg(r.top1, 0, 'f', 2).arg(r.top5, 0, 'f', 2)
                .arg(r.images).arg(r.seconds, 0, 'f', 2));
    }
    return 0;
}

int cmdPrepare(const QStringList& args) {
    CliArgs a("prepare-fashion-mnist", "Write Fashion-MNIST as PNG folders: train/, val/, calib/.");
    a.option("source", "folder with the IDX files", "DIR", fashionMnistDefaultSource());
    a.option("out", "output folder", "DIR", defaultDataDir());
    if (!a.parse(args)) return 0;
    QElapsedTimer t;
    t.start();
    const FashionMnistResult r = prepareFashionMnist(a.str("source"), a.str("out"), progress);
    out(QString("%1: train %2, val %3, calib %4 images%5 (%6 s)").arg(a.str("out")).arg(r.train).arg(r.val)
            .arg(r.calib).arg(r.alreadyComplete ? ", already complete" : "").arg(t.elapsed() / 1000.0, 0, 'f', 1));
    return 0;
}

int cmdTrain(const QStringList& args) {
    CliArgs a("train", "Train a ViT from scratch and write a timm-layout model folder.");
    a.option("train", "training ImageFolder", "DIR");
    a.option("val", "validation ImageFolder", "DIR");
    a.option("out", "output model folder", "DIR");
    TrainSettings d;
    a.option("epochs", "epochs", "N", QString::number(d.epochs));
    a.option("seed", "seed", "S", QString::number(d.seed));
    a.option("width", "embedding width", "D", QString::number(d.width));
    a.option("depth", "blocks", "L", QString::number(d.depth));
    a.option("heads", "attention heads", "H", QString::number(d.heads));
    a.option("patch", "patch size", "P", QString::number(d.patch));
    a.option("mlp-ratio", "MLP hidden width / width", "R", QString::number(d.mlpRatio));
    a.option("batch", "batch size", "B", QString::number(d.batch));
    a.option("lr", "peak learning rate", "LR", QString::number(d.lr));
    a.option("weight-decay", "AdamW weight decay", "WD", QString::number(d.weightDecay));
    a.option("warmup", "warm-up epochs", "E", QString::number(d.warmupEpochs));
    a.option("label-smoothing", "label smoothing", "E", QString::number(d.labelSmoothing));
    a.option("crop-padding", "random-crop padding in pixels", "PX", QString::number(d.cropPadding));
    a.flag("no-flip", "no horizontal flips");
    a.option("limit", "use a seeded subset of N training images (0 = all)", "N", "0");
    a.option("architecture", "architecture name written to config.json", "NAME", d.architecture);
    a.option("init", "start from this model folder's weights (fine-tuning)", "DIR");
    if (!a.parse(args)) return 0;
    TrainSettings s;
    s.trainDir = a.required("train");
    s.valDir = a.required("val");
    s.outDir = a.required("out");
    s.epochs = a.integer("epochs", 1, 10000);
    s.seed = static_cast<unsigned>(a.integer("seed", 0, 1 << 30));
    s.width = a.integer("width", 8, 4096);
    s.depth = a.integer("depth", 1, 64);
    s.heads = a.integer("heads", 1, 64);
    s.patch = a.integer("patch", 1, 64);
    s.mlpRatio = a.integer("mlp-ratio", 1, 16);
    s.batch = a.integer("batch", 1, 65536);
    s.lr = a.number("lr", 1e-7, 1);
    s.weightDecay = a.number("weight-decay", 0, 10);
    s.warmupEpochs = a.number("warmup", 0, 1000);
    s.labelSmoothing = a.number("label-smoothing", 0, 0.99);
    s.cropPadding = a.integer("crop-padding", 0, 64);
    s.flip = !a.isSet("no-flip");
    s.limit = a.integer("limit", 0, 1 << 30);
    s.architecture = a.str("architecture");
    s.initDir = a.str("init");
    QElapsedTimer t;
    t.start();
    trainModel(
        s,
        [&](const EpochReport& r) {
            out(QString("epoch %1/%2  loss %3  train %4 %  val top-1 %5 %  lr %6  %7 s")
                    .arg(r.epoch).arg(r.epochs).arg(r.loss, 0, 'f', 4).arg(r.trainTop1, 0, 'f', 2)
                    .arg(r.valTop1, 0, 'f', 2).arg(r.lr, 0, 'g', 3).arg(r.seconds, 0, 'f', 1));
        },
        [&](int step, int steps, double secs) {
            if (step % 100 == 0)
                progress(QString("  step %1/%2, epoch ETA %3 s").arg(step).arg(steps).arg(secs / step * (steps - step), 0, 'f', 0));
        });
    out(QString("wrote %1 in %2 min").arg(s.outDir).arg(t.elapsed() / 60000.0, 0, 'f', 1));
    return 0;
}

}  // namespace

QList<Command> commands() {
    return {
        {"info", "describe a model folder", cmdInfo},
        {"predict", "top-k predictions for a folder of images", cmdPredict},
        {"eval", "top-1/top-5 accuracy over a labelled folder", cmdEval},
        {"quantize", "FQ-ViT baseline quantization to a scale file", cmdQuantize},
        {"search", "Evol-Q search over quantization scales", cmdSearch},
        {"landscape", "loss landscape along scale perturbations", cmdLandscape},
        {"bench", "time forward passes and fitness evaluations", cmdBench},
        {"prepare-fashion-mnist", "write Fashion-MNIST as PNG folders", cmdPrepare},
        {"train", "train a ViT from scratch", cmdTrain},
    };
}

}  // namespace evolq::cli
