#include "Options.h"

#include <QFileInfo>

#include "Output.h"
#include "common/Error.h"
#include "model/Runtime.h"

namespace evolq::cli {

void addModelOption(CliArgs& a) {
    a.option("model", "model folder (default: the bundled model)", "DIR");
}

QString modelArg(const CliArgs& a) {
    return a.isSet("model") ? a.str("model") : defaultModelDir();
}

void addQuantOptions(CliArgs& a) {
    const QuantConfig d;
    a.option("calib",
             "calibration image folder (default: fashion-mnist/calib in the data folder that "
             "evolq prepare-fashion-mnist writes)",
             "DIR");
    a.option("wbits", "weight bits (2..8; 0 = float)", "W", QString::number(d.weightBits));
    a.option("abits", "activation bits (2..8; 0 = float)", "A", QString::number(d.actBits));
    a.option("observer", "activation observer: minmax, ema, percentile, omse", "NAME",
             observerName(d.actObserver));
    a.option("weight-observer", "weight observer: minmax, ema, percentile, omse", "NAME",
             observerName(d.weightObserver));
    a.flag("signed-weights", "signed (symmetric) weights instead of unsigned (asymmetric)");
    a.flag("signed-acts", "signed (symmetric) activations instead of unsigned (asymmetric)");
    a.flag("no-ptf", "no power-of-two factor for LayerNorm inputs");
    a.flag("log2-softmax", "log2 quantizer for attention probabilities");
    a.flag("bias-correction", "correct linear biases for the expected weight quantization error");
    a.option("calib-size", "calibration images", "N", QString::number(d.calibImages));
    a.option("calib-batch", "calibration batch size (the last batch finalizes OMSE and PTF)", "B",
             QString::number(d.calibBatch));
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

QString calibArg(const CliArgs& a) {
    if (a.isSet("calib")) return a.str("calib");
    const QString dir = defaultDataDir() + "/calib";
    if (!QFileInfo(dir).isDir())
        throw Error(QString("%1: no such folder; evolq prepare-fashion-mnist writes Fashion-MNIST "
                            "there, or name a folder with --calib")
                        .arg(dir));
    return dir;
}

void addSearchOptions(CliArgs& a) {
    const SearchSettings d;
    a.option("strategy", "search strategy: evolq, random, similarity, reconstruct", "NAME",
             strategyName(d.strategy));
    a.option("genome",
             "what evolq and random search per block: attention (qkv, proj weight scales), "
             "weights (also fc1, fc2), weights+activations (also the block's activation scales)",
             "KIND", genomeName(d.genome));
    a.option("mixed-precision",
             "nuclear-norm-guided weight bits per block layer from {2, 3, 4, 8} under this average "
             "(0 = off; any strategy)",
             "BITS", "0");
    a.option("sim-candidates", "similarity: candidate intervals per layer", "N",
             QString::number(d.similarity.candidates));
    a.option("sim-range", "similarity: candidates from LOW to HIGH times the baseline interval",
             "LOW:HIGH", QString("%1:%2").arg(d.similarity.low).arg(d.similarity.high));
    a.option("sim-rounds", "similarity: rounds alternating weights and activations", "N",
             QString::number(d.similarity.rounds));
    a.option("sim-images", "similarity: calibration images the layer outputs are compared on", "N",
             QString::number(d.similarity.images));
    a.option("sim-metric", "similarity: pearson or cosine", "NAME", "pearson");
    a.option("sim-ranking", "similarity: weight of the attention ranking loss", "W",
             QString::number(d.similarity.rankingWeight));
    a.option("rec-steps",
             "reconstruct: Adam steps per block, each a forward + backward pass (0 = Evol-Q's "
             "budget: passes x (1 + cycles) - 2)",
             "N", QString::number(d.reconstruct.steps));
    a.option("rec-lr", "reconstruct: Adam learning rate on the log scales", "LR",
             QString::number(d.reconstruct.learningRate));
    a.option("rec-weights",
             "reconstruct: weights of block-output MSE, global KL and local mean/variance terms",
             "MSE:GLOBAL:LOCAL",
             QString("%1:%2:%3")
                 .arg(d.reconstruct.mseWeight)
                 .arg(d.reconstruct.globalWeight)
                 .arg(d.reconstruct.localWeight));
    a.option("passes", "passes over all blocks", "P", QString::number(d.passes));
    a.option("cycles", "evolution cycles per block visit", "K", QString::number(d.cycles));
    a.option("population", "population size", "N", QString::number(d.population));
    a.option("samples", "tournament samples (with replacement)", "S", QString::number(d.samples));
    a.option(
        "mutation",
        "mutation range r (default 1e-2 at 2-bit weights, 1e-3 at 3/4-bit, 1e-4 at 8-bit; 0.1 with "
        "--relative-mutation)",
        "R", "0");
    a.flag("relative-mutation",
           "r is a fraction of each scale as the search found it, not an absolute step");
    a.option("loss", "fitness loss: infonce, mse, kl, cosine", "NAME", lossName(d.fitness.loss));
    a.option("temperature", "infoNCE temperature", "T", QString::number(d.fitness.temperature));
    a.option("fitness-batch", "images per fitness batch", "B", QString::number(d.fitness.batch));
    a.option("val-subset",
             "validation images measured after each block visit, display only (0 = off)", "N",
             QString::number(d.valSubset));
    a.option("live-landscape",
             "slices through the searched block's scales between the search's evaluations: off, "
             "1d:N or 2d:N (N odd points per axis); into the --log file",
             "SPEC", d.live.spec());
    a.option("live-radius", "live landscape coordinates run over [-R, R] mutation ranges", "R",
             QString::number(d.live.radius));
    a.option("live-axes", "live landscape axes: random (filter-normalized), mutation, best", "NAME",
             LiveLandscapeSettings::axesName(d.live.axes));
    a.option("live-share", "live landscape time at most X times the search's time", "X",
             QString::number(d.live.share));
    a.option("live-subset",
             "calibration images per live landscape point, a seeded subset (0 = the fitness's)",
             "N", QString::number(d.live.subset));
}

SearchSettings searchSettingsFrom(const CliArgs& a, unsigned seed) {
    SearchSettings s;
    s.passes = a.integer("passes", 1, 100000);
    s.cycles = a.integer("cycles", 1, 100000);
    s.population = a.integer("population", 1, 100000);
    s.samples = a.integer("samples", 1, 100000);
    s.mutationRange = a.number("mutation", 0, 1e6);
    s.relativeMutation = a.isSet("relative-mutation");
    s.fitness.loss = lossFromName(a.str("loss"));
    s.fitness.temperature = a.number("temperature", 1e-6, 1e6);
    s.fitness.batch = a.integer("fitness-batch", 2, 1 << 20);
    s.valSubset = a.integer("val-subset", 0, 1 << 30);
    s.live.points = LiveLandscapeSettings{}.points;
    try {
        s.live.setSpec(a.str("live-landscape"));
    } catch (const Error& e) {
        throw Error(QString("--live-landscape: %1").arg(e.message()));
    }
    s.live.radius = a.number("live-radius", 1e-9, 1e9);
    s.live.axes = LiveLandscapeSettings::axesFromName(a.str("live-axes"));
    s.live.share = a.number("live-share", 1e-6, 1e6);
    s.live.subset = a.integer("live-subset", 0, 1 << 30);
    s.strategy = strategyFromName(a.str("strategy"));
    s.genome = genomeFromName(a.str("genome"));
    s.mixedPrecision = a.number("mixed-precision", 0, 8);
    auto numbers = [&](const QString& name, int count) {
        const QStringList parts = a.str(name).split(':');
        QVector<double> v;
        for (const QString& p : parts) {
            bool ok = false;
            v << p.toDouble(&ok);
            if (!ok) v.clear();
            if (!ok) break;
        }
        if (v.size() != count)
            throw Error(QString("--%1 '%2': expected %3 numbers separated by ':'")
                            .arg(name, a.str(name))
                            .arg(count));
        return v;
    };
    s.similarity.candidates = a.integer("sim-candidates", 2, 100000);
    const QVector<double> range = numbers("sim-range", 2);
    s.similarity.low = range[0];
    s.similarity.high = range[1];
    s.similarity.rounds = a.integer("sim-rounds", 1, 1000);
    s.similarity.images = a.integer("sim-images", 1, 1 << 20);
    const QString metric = a.str("sim-metric").trimmed().toLower();
    if (metric != "pearson" && metric != "cosine")
        throw Error(QString("--sim-metric '%1': pearson or cosine").arg(a.str("sim-metric")));
    s.similarity.cosine = metric == "cosine";
    s.similarity.rankingWeight = a.number("sim-ranking", 0, 1e9);
    s.reconstruct.steps = a.integer("rec-steps", 0, 1 << 20);
    s.reconstruct.learningRate = a.number("rec-lr", 1e-12, 1e3);
    const QVector<double> w = numbers("rec-weights", 3);
    s.reconstruct.mseWeight = w[0];
    s.reconstruct.globalWeight = w[1];
    s.reconstruct.localWeight = w[2];
    s.seed = seed;
    s.validate();
    return s;
}

void openSession(Session& s, const CliArgs& a) {
    s.loadModel(modelArg(a));
    s.setCalibrationFolder(calibArg(a));
}

QuantizeSummary quantizeIn(Session& s, const QuantConfig& cfg) {
    const QuantizeSummary q = s.quantize(cfg, [](int done, int total, double) {
        progress(QString("calibrating %1 / %2 images").arg(done).arg(total));
    });
    if (const CalibrationSet* c = s.calibrationSet())
        for (const QString& f : c->failed) progress("skipped " + f);
    progress(QString("%1 calibration on %2 images took %3 s")
                 .arg(cfg.label())
                 .arg(q.calibImages)
                 .arg(q.seconds, 0, 'f', 2));
    return q;
}

}  // namespace evolq::cli
