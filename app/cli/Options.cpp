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
    a.option("wbits", "weight bits: 3, 4, 8 (2..8; 0 = float)", "W", QString::number(d.weightBits));
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
    a.option("passes", "passes over all blocks", "P", QString::number(d.passes));
    a.option("cycles", "evolution cycles per block visit", "K", QString::number(d.cycles));
    a.option("population", "population size", "N", QString::number(d.population));
    a.option("samples", "tournament samples (with replacement)", "S", QString::number(d.samples));
    a.option("mutation",
             "mutation range r (default 1e-3 at 3/4-bit weights, 1e-4 at 8-bit; 0.1 with "
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
