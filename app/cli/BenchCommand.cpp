#include <sys/resource.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <algorithm>
#include <memory>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "common/Error.h"
#include "model/Runtime.h"
#include "quant/Baseline.h"
#include "search/EvolSearch.h"
#include "search/FitnessFunction.h"

namespace evolq::cli {

namespace {

// Median seconds of `reps` calls of f.
double medianSeconds(int reps, const std::function<void()>& f) {
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        QElapsedTimer e;
        e.start();
        f();
        t.push_back(e.nsecsElapsed() / 1e9);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// GFLOP/s of torch::mm on [m x k] x [k x n] floats with the BLAS on `blasThreads` threads per call:
// the median of 9 products after 2 warm-up ones. The BLAS setting is restored to `restore`.
double sgemmGflops(int64_t m, int64_t k, int64_t n, int blasThreads, int restore) {
    setBlasThreads(blasThreads);
    torch::manual_seed(0);
    const torch::Tensor a = torch::randn({m, k}), b = torch::randn({k, n});
    torch::Tensor c = torch::empty({m, n});
    for (int i = 0; i < 2; ++i) torch::mm_out(c, a, b);
    const double s = medianSeconds(9, [&] { torch::mm_out(c, a, b); });
    if (restore > 0) setBlasThreads(restore);
    return 2.0 * m * k * n / s / 1e9;
}

// FLOPs per image from the model's shape, 2 per multiply-add; only the matrix products count
// (LayerNorm, softmax, GELU, fake quantization and the loss are left out). T tokens, D width,
// M MLP width, C classes, P patches, c channels, p patch size:
//   block             2 T (3 D^2 + D^2 + 2 D M)  qkv, proj, fc1, fc2
//                   + 4 T^2 D                    q k^T and attn v (H heads of T x T x D/H each)
//   head              2 D C                      (twice with a distillation head)
//   patch embedding   2 P D c p^2                (not run by an evaluation from a cached block
//   input)
// An evaluation from block b runs blocks b..L-1 and the head: (L - b) block + head.
double blockFlops(const ModelInfo& i) {
    const double T = i.numPatches + i.numPrefixTokens, D = i.width, M = i.mlpHidden;
    return 2 * T * (4 * D * D + 2 * D * M) + 4 * T * T * D;
}
double headFlops(const ModelInfo& i) {
    return 2.0 * i.width * i.numClasses * (i.distilled ? 2 : 1);
}
double patchEmbedFlops(const ModelInfo& i) {
    return 2.0 * i.numPatches * i.width * i.channels * i.patchSize * i.patchSize;
}
double flopsFromBlock(const ModelInfo& i, int block) {
    return (i.depth - block) * blockFlops(i) + headFlops(i);
}

double peakRssMiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;  // KiB on Linux
}

int tokens(const ModelInfo& i) {
    return i.numPatches + i.numPrefixTokens;
}

QString fmt(double v, int decimals) {
    return QString::number(v, 'f', decimals);
}

// A calibrated baseline of a random model on `calibImages` (the first ones of `images`), and its
// fitness time from `blocks` on all `images`.
struct RandomModelRun {
    double calibrationSeconds = 0;
    std::vector<double> seconds;  // per entry of `blocks`
    // With `search`: a one-pass search on all images, with all of them as validation images
    // measured after every block visit, and the peak RSS after it.
    double searchSeconds = 0;
    int searchEvaluations = 0;
    double peakRssAfterSearchMiB = 0;
};
RandomModelRun runRandomModel(const ModelInfo& info, const QuantConfig& cfg,
                              const torch::Tensor& images, int64_t calibImages,
                              const std::vector<int>& blocks, int reps, unsigned seed,
                              bool search = false) {
    torch::manual_seed(seed);
    auto model = std::make_shared<VitModel>(info);
    CalibrationSet set;
    set.images = images.slice(0, 0, std::min<int64_t>(calibImages, images.size(0)));
    set.requested = static_cast<int>(set.images.size(0));
    RandomModelRun r;
    std::unique_ptr<QuantizedVit> q = quantizeBaseline(model, cfg, set, &r.calibrationSeconds);
    FitnessFunction fit(*q, images, FitnessSettings{});
    for (int b : blocks) {
        fit.prepareBlock(b);
        r.seconds.push_back(medianSeconds(reps, [&] { fit.evaluateFromBlock(); }));
    }
    if (search) {
        SearchSettings ss;
        ss.passes = 1;
        ss.valSubset = static_cast<int>(images.size(0));
        ss.finalEvaluation = false;
        ss.seed = seed;
        EvolSearch es(*q, images, ss, images, torch::zeros({images.size(0)}, torch::kInt64));
        es.run();
        r.searchSeconds = es.seconds();
        r.searchEvaluations = es.evaluationsDone();
        r.peakRssAfterSearchMiB = peakRssMiB();
    }
    return r;
}

// The scrubber of "Try these scales": per step, the model takes the scales of one point of a 1-D
// landscape and is measured there (the landscape's loss on its calibration subset, top-1 on the
// validation subset, the sample predictions). The first step also builds the probe.
int benchScrubber(const CliArgs& a, const QuantConfig& cfg, int subset, int steps) {
    Session s;
    openSession(s, a);
    const QString valDir = a.isSet("val") ? a.str("val") : defaultDataDir() + "/val";
    const DataSummary v = s.setValidationFolder(valDir);
    if (!v.note.isEmpty()) throw Error(v.note);
    s.setDefaultValidationSubset(subset);
    quantizeIn(s, cfg);
    QJsonArray blocks;
    for (int block : {0, s.modelInfo().depth - 1}) {
        LandscapeSettings l;
        l.block = block;
        l.dims = 1;
        l.points = steps;
        l.losses = QStringList{"infonce"};
        l.subset = subset;
        l.seed = cfg.seed;
        QElapsedTimer first;
        first.start();
        s.tryScales(l, -l.radius, 0);
        const double firstMs = first.nsecsElapsed() / 1e6;
        std::vector<double> ms;
        for (int i = 1; i < steps; ++i) {
            const double x = -l.radius + 2 * l.radius * i / (steps - 1);
            QElapsedTimer t;
            t.start();
            const TryResult r = s.tryScales(l, x, 0);
            ms.push_back(t.nsecsElapsed() / 1e6);
            Q_UNUSED(r);
        }
        s.undoTry();
        std::sort(ms.begin(), ms.end());
        const double median = ms[ms.size() / 2], worst = ms.back();
        out(QString("scrubber, block %1: %2 steps, median %3 ms, max %4 ms per step (first step "
                    "with set-up %5 ms); %6 calibration + %7 validation images")
                .arg(block)
                .arg(ms.size())
                .arg(median, 0, 'f', 1)
                .arg(worst, 0, 'f', 1)
                .arg(firstMs, 0, 'f', 0)
                .arg(subset)
                .arg(s.validationSubsetSize()));
        blocks.append(QJsonObject{{"block", block},
                                  {"steps", static_cast<int>(ms.size())},
                                  {"median_ms", median},
                                  {"max_ms", worst},
                                  {"first_ms", firstMs}});
    }
    if (a.isSet("json")) printJson(QJsonObject{{"scrubber", blocks}, {"subset", subset}});
    return 0;
}

}  // namespace

int cmdBench(const QStringList& args) {
    CliArgs a("bench",
              "Time the pieces a search repeats (forward passes, fitness evaluations, a short "
              "search) against the machine's matrix-product rate.");
    addModelOption(a);
    addQuantOptions(a);
    a.option("repeat", "repetitions per figure (the median is printed)", "N", "3");
    a.option("deit-images", "random images for the DeiT-S-shaped model (0 = skip it)", "N", "100");
    a.flag("quick", "skip the scaling table");
    a.flag("scrubber",
           "only time the scrubber of \"Try these scales\": per step on block 0 and the last "
           "block");
    a.option("val", "validation folder for --scrubber (default: data/fashion-mnist/val)", "DIR");
    a.option("subset", "calibration and validation images of --scrubber", "N", "256");
    a.option("steps", "positions of --scrubber's slider", "N", "21");
    a.flag("json", "print JSON");
    if (!a.parse(args)) return 0;
    const QuantConfig cfg = quantConfigFrom(a);
    if (a.isSet("scrubber"))
        return benchScrubber(a, cfg, a.integer("subset", 1, 1 << 20), a.integer("steps", 3, 10001));
    const int reps = a.integer("repeat", 1, 1000);
    const int deitImages = a.integer("deit-images", 0, 100000);
    const bool quick = a.isSet("quick");
    auto median = [&](const std::function<void()>& f) { return medianSeconds(reps, f); };
    torch::NoGradGuard ng;

    Session s;
    openSession(s, a);
    const ModelInfo info = s.modelInfo();
    const CalibrationSet& calib = s.calibration(cfg.calibImages, cfg.seed);
    const int64_t n = calib.images.size(0);
    const int engineBlas = blasThreads();  // the setting the engine runs with (-1: no control)
    QJsonObject o{{"images", static_cast<int>(n)},
                  {"threads", runtimeThreads()},
                  {"blas_threads_engine", engineBlas},
                  {"bit_config", cfg.label()}};

    // 1. The matrix-product rate, with the BLAS on every thread and as the engine runs it.
    progress("sgemm rate (torch::mm, BLAS on all threads and as the engine sets it)");
    const int64_t skinnyRows = std::min<int64_t>(n, FitnessFunction::kChunkImages) * tokens(info);
    const int64_t D = info.width;
    const double sgemmAll = sgemmGflops(1024, 1024, 1024, runtimeThreads(), engineBlas);
    const double sgemmEngine = sgemmGflops(1024, 1024, 1024, engineBlas, engineBlas);
    const double skinnyAll = sgemmGflops(skinnyRows, D, 3 * D, runtimeThreads(), engineBlas);
    const double skinnyEngine = sgemmGflops(skinnyRows, D, 3 * D, engineBlas, engineBlas);
    const double sgemm = std::max(sgemmAll, sgemmEngine);
    const QString skinnyShape = QString("%1x%2 * %2x%3").arg(skinnyRows).arg(D).arg(3 * D);
    o.insert("sgemm_gflops", sgemm);
    o.insert("sgemm_gflops_blas_threads", sgemmAll);
    o.insert("sgemm_gflops_engine", sgemmEngine);
    o.insert("sgemm_skinny_shape", skinnyShape);
    o.insert("sgemm_skinny_gflops_blas_threads", skinnyAll);
    o.insert("sgemm_skinny_gflops_engine", skinnyEngine);
    auto pct = [&](double gflops) { return 100.0 * gflops / sgemm; };

    // Forward passes and the baseline.
    progress("FP32 forward");
    o.insert("fp32_forward_s",
             median([&] { predictLogits(s.model(), calib.images, nullptr, 100); }));
    const QuantizeSummary q = quantizeIn(s, cfg);
    o.insert("calibration_s", q.seconds);
    QuantizedVit& qv = s.quantizedModel();
    progress("quantized forward");
    o.insert("quantized_forward_s",
             median([&] { predictLogits(s.model(), calib.images, &qv, 100); }));

    // 2-3. Fitness from every block, its FLOPs and rate.
    progress("fitness from every block");
    std::vector<double> perBlock;
    QJsonArray prepareJson;  // caching the input of block b (once per block visit in a search)
    {
        FitnessFunction fit(qv, calib.images, FitnessSettings{});
        for (int b = 0; b < info.depth; ++b) {
            prepareJson.append(medianSeconds(1, [&] { fit.prepareBlock(b); }));
            perBlock.push_back(median([&] { fit.evaluateFromBlock(); }));
        }
    }
    o.insert("prepare_block_s", prepareJson);
    QJsonArray perBlockJson, perBlockGflops;
    for (int b = 0; b < info.depth; ++b) {
        perBlockJson.append(perBlock[b]);
        perBlockGflops.append(flopsFromBlock(info, b) * n / perBlock[b] / 1e9);
    }
    const double fitnessFlops = flopsFromBlock(info, 0) * n;
    const double block0Gflops = fitnessFlops / perBlock[0] / 1e9;
    o.insert("fitness_from_block_s", perBlockJson);
    o.insert("fitness_from_block_gflops", perBlockGflops);
    o.insert("fitness_flops", fitnessFlops);
    o.insert("fitness_flops_per_image", flopsFromBlock(info, 0));
    o.insert("patch_embed_flops_per_image", patchEmbedFlops(info));
    o.insert("fitness_block0_s", perBlock[0]);
    o.insert("fitness_block0_gflops", block0Gflops);
    o.insert("fitness_block0_pct_sgemm", pct(block0Gflops));

    // 4. A short real search through the session.
    if (cfg.weightBits > 0) {
        SearchSettings ss;
        ss.passes = 1;
        ss.cycles = 3;
        ss.population = 15;
        ss.valSubset = 0;
        ss.finalEvaluation = false;
        ss.seed = cfg.seed;
        progress(QString("search: 1 pass, K = 3, population 15"));
        s.startSearch(ss, {});
        s.runSearch();
        const int evals = s.search()->evaluationsDone();
        const double secs = s.search()->seconds();
        s.finishSearch();
        o.insert("search_evaluations", evals);
        o.insert("search_s", secs);
        o.insert("search_evals_per_s", evals / secs);
    }
    o.insert("peak_rss_mib_bundled", peakRssMiB());

    // 7. Scaling: more images, more tokens, more width (random models of the same family).
    QJsonArray scaling;
    if (!quick) {
        auto row = [&](const QString& model, const ModelInfo& i, int64_t images, double secs) {
            const double flops = flopsFromBlock(i, 0) * images;
            scaling.append(QJsonObject{{"model", model},
                                       {"images", static_cast<int>(images)},
                                       {"tokens", tokens(i)},
                                       {"width", i.width},
                                       {"fitness_block0_s", secs},
                                       {"fitness_flops", flops},
                                       {"gflops", flops / secs / 1e9},
                                       {"pct_sgemm", pct(flops / secs / 1e9)}});
        };
        for (int64_t m : {250, 500, 1000}) {
            if (m > n) break;
            double secs = perBlock[0];
            if (m < n) {
                progress(QString("scaling: bundled model, %1 images").arg(m));
                FitnessFunction fit(qv, calib.images.slice(0, 0, m), FitnessSettings{});
                fit.prepareBlock(0);
                secs = median([&] { fit.evaluateFromBlock(); });
            }
            row("bundled", info, m, secs);
        }
        // Random models calibrate on 100 images (one batch; the scales do not change the time).
        ModelInfo more = info;
        more.architecture += "_patch4_random";
        more.patchSize = 4;
        more.numPatches = (info.imageSize / 4) * (info.imageSize / 4);
        ModelInfo wide = info;
        wide.architecture += "_width192_random";
        wide.width = 192;
        wide.mlpHidden = info.mlpHidden * 192 / info.width;
        if (192 % wide.heads != 0) wide.heads = 3;
        for (const auto& [label, i] : {std::pair<QString, ModelInfo>{"patch 4", more},
                                       std::pair<QString, ModelInfo>{"width 192", wide}}) {
            progress(QString("scaling: random model, %1 (%2 tokens, width %3), %4 images")
                         .arg(label)
                         .arg(tokens(i))
                         .arg(i.width)
                         .arg(n));
            // The many-token model also runs a short search, for its memory.
            const bool search = i.patchSize != info.patchSize;
            const RandomModelRun r =
                runRandomModel(i, cfg, calib.images, 100, {0}, reps, cfg.seed, search);
            row(label, i, n, r.seconds[0]);
            if (search) {
                o.insert("tokens50_search_s", r.searchSeconds);
                o.insert("tokens50_search_evaluations", r.searchEvaluations);
                o.insert("peak_rss_mib_after_tokens50_search", r.peakRssAfterSearchMiB);
            }
        }
        o.insert("scaling", scaling);
    }

    // 6. A DeiT-S-shaped model with random weights on random images.
    QJsonObject deit;
    if (deitImages > 0) {
        ModelInfo d;
        d.architecture = "deit_small_random";
        d.imageSize = 224;
        d.patchSize = 16;
        d.channels = 3;
        d.width = 384;
        d.depth = 12;
        d.heads = 6;
        d.mlpHidden = 1536;
        d.numClasses = 1000;
        d.numPatches = 196;
        d.numPrefixTokens = 1;
        torch::manual_seed(cfg.seed);
        const torch::Tensor images = torch::randn({deitImages, 3, 224, 224});
        // Calibrated on the first few images only: OMSE tries 90 ranges over every activation of
        // the last calibration batch, minutes for 100 DeiT-S images on 2 cores, and the scales'
        // values do not change what an evaluation costs.
        const int deitCalib = std::min(deitImages, 8);
        progress(QString("DeiT-S-shaped random model: calibrating on %1 random images, then "
                         "fitness from blocks 0 and 11 on %2")
                     .arg(deitCalib)
                     .arg(deitImages));
        const RandomModelRun r =
            runRandomModel(d, cfg, images, deitCalib, {0, d.depth - 1}, reps, cfg.seed);
        const double f0 = flopsFromBlock(d, 0) * deitImages;
        const double f11 = flopsFromBlock(d, d.depth - 1) * deitImages;
        const double g0 = f0 / r.seconds[0] / 1e9, g11 = f11 / r.seconds[1] / 1e9;
        deit = QJsonObject{{"images", deitImages},
                           {"calibration_images", deitCalib},
                           {"tokens", tokens(d)},
                           {"calibration_s", r.calibrationSeconds},
                           {"fitness_block0_s", r.seconds[0]},
                           {"fitness_block11_s", r.seconds[1]},
                           {"fitness_flops_block0", f0},
                           {"fitness_flops_block11", f11},
                           {"fitness_block0_gflops", g0},
                           {"fitness_block11_gflops", g11},
                           {"fitness_block0_pct_sgemm", pct(g0)},
                           {"fitness_block11_pct_sgemm", pct(g11)}};
        o.insert("deit_s", deit);
    }

    // 5. Peak resident memory of the whole run.
    o.insert("peak_rss_mib", peakRssMiB());

    if (a.isSet("json")) {
        printJson(o);
        return 0;
    }
    out(QString("%1 images, %2 threads (BLAS %3 per call in the engine), %4")
            .arg(n)
            .arg(runtimeThreads())
            .arg(engineBlas)
            .arg(cfg.label()));
    out(QString("sgemm 1024^3                 %1 GFLOP/s (BLAS %2 threads), %3 GFLOP/s (engine)")
            .arg(fmt(sgemmAll, 1))
            .arg(runtimeThreads())
            .arg(fmt(sgemmEngine, 1)));
    out(QString("sgemm %1  %2 GFLOP/s (BLAS %3 threads), %4 GFLOP/s (engine)")
            .arg(skinnyShape)
            .arg(fmt(skinnyAll, 1))
            .arg(runtimeThreads())
            .arg(fmt(skinnyEngine, 1)));
    out(QString("FP32 forward                 %1 s")
            .arg(fmt(o.value("fp32_forward_s").toDouble(), 3)));
    out(QString("calibration                  %1 s").arg(fmt(q.seconds, 3)));
    out(QString("quantized forward            %1 s")
            .arg(fmt(o.value("quantized_forward_s").toDouble(), 3)));
    out(QString("fitness FLOPs from block 0   %1 GFLOP (%2 MFLOP per image; patch embedding %3 "
                "MFLOP per image, not run)")
            .arg(fmt(fitnessFlops / 1e9, 2))
            .arg(fmt(flopsFromBlock(info, 0) / 1e6, 2))
            .arg(fmt(patchEmbedFlops(info) / 1e6, 2)));
    for (int b = 0; b < info.depth; ++b)
        out(QString("fitness from block %1  %2 s  %3 GFLOP/s  (caching its input: %4 s)")
                .arg(b, -8)
                .arg(fmt(perBlock[b], 3))
                .arg(fmt(perBlockGflops[b].toDouble(), 1))
                .arg(fmt(prepareJson[b].toDouble(), 3)));
    out(QString("fitness from block 0: %1 GFLOP/s = %2 % of sgemm (%3 GFLOP/s)")
            .arg(fmt(block0Gflops, 1))
            .arg(fmt(pct(block0Gflops), 1))
            .arg(fmt(sgemm, 1)));
    if (o.contains("search_evals_per_s"))
        out(QString("search (P 1, K 3, population 15): %1 evaluations in %2 s = %3 evaluations/s")
                .arg(o.value("search_evaluations").toInt())
                .arg(fmt(o.value("search_s").toDouble(), 2))
                .arg(fmt(o.value("search_evals_per_s").toDouble(), 2)));
    if (!deit.isEmpty())
        out(QString("DeiT-S (random, %1 images): calibration (%11 images) %2 s; fitness from "
                    "block 0 %3 s, %4 GFLOP, %5 GFLOP/s, %6 % of sgemm; from block 11 %7 s, %8 "
                    "GFLOP, %9 GFLOP/s, %10 % of sgemm")
                .arg(deitImages)
                .arg(fmt(deit.value("calibration_s").toDouble(), 2))
                .arg(fmt(deit.value("fitness_block0_s").toDouble(), 3))
                .arg(fmt(deit.value("fitness_flops_block0").toDouble() / 1e9, 1))
                .arg(fmt(deit.value("fitness_block0_gflops").toDouble(), 1))
                .arg(fmt(deit.value("fitness_block0_pct_sgemm").toDouble(), 1))
                .arg(fmt(deit.value("fitness_block11_s").toDouble(), 3))
                .arg(fmt(deit.value("fitness_flops_block11").toDouble() / 1e9, 1))
                .arg(fmt(deit.value("fitness_block11_gflops").toDouble(), 1))
                .arg(fmt(deit.value("fitness_block11_pct_sgemm").toDouble(), 1))
                .arg(deit.value("calibration_images").toInt()));
    if (!scaling.isEmpty()) {
        out("scaling (fitness from block 0):");
        out(QString("  %1 %2 %3 %4 %5 %6 %7 %8")
                .arg("model", -10)
                .arg("images", 6)
                .arg("tokens", 6)
                .arg("width", 5)
                .arg("seconds", 8)
                .arg("GFLOP", 7)
                .arg("GFLOP/s", 7)
                .arg("% sgemm", 7));
        for (const QJsonValue& v : scaling) {
            const QJsonObject r = v.toObject();
            out(QString("  %1 %2 %3 %4 %5 %6 %7 %8")
                    .arg(r.value("model").toString(), -10)
                    .arg(r.value("images").toInt(), 6)
                    .arg(r.value("tokens").toInt(), 6)
                    .arg(r.value("width").toInt(), 5)
                    .arg(fmt(r.value("fitness_block0_s").toDouble(), 3), 8)
                    .arg(fmt(r.value("fitness_flops").toDouble() / 1e9, 2), 7)
                    .arg(fmt(r.value("gflops").toDouble(), 1), 7)
                    .arg(fmt(r.value("pct_sgemm").toDouble(), 1), 7));
        }
        if (o.contains("tokens50_search_s"))
            out(QString("search on the patch-4 model (1 pass, %1 evaluations, validation after "
                        "every visit): %2 s, peak RSS %3 MiB")
                    .arg(o.value("tokens50_search_evaluations").toInt())
                    .arg(fmt(o.value("tokens50_search_s").toDouble(), 1))
                    .arg(fmt(o.value("peak_rss_mib_after_tokens50_search").toDouble(), 1)));
    }
    out(QString("peak RSS                     %1 MiB (%2 MiB after the bundled model's part)")
            .arg(fmt(o.value("peak_rss_mib").toDouble(), 1))
            .arg(fmt(o.value("peak_rss_mib_bundled").toDouble(), 1)));
    return 0;
}

}  // namespace evolq::cli
