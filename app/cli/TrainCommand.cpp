#include <QElapsedTimer>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "data/Trainer.h"
#include "model/Runtime.h"

namespace evolq::cli {

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
                    .arg(r.epoch)
                    .arg(r.epochs)
                    .arg(r.loss, 0, 'f', 4)
                    .arg(r.trainTop1, 0, 'f', 2)
                    .arg(r.valTop1, 0, 'f', 2)
                    .arg(r.lr, 0, 'g', 3)
                    .arg(r.seconds, 0, 'f', 1));
        },
        [&](int step, int steps, double secs) {
            if (step % 100 == 0)
                progress(QString("  step %1/%2, epoch ETA %3 s")
                             .arg(step)
                             .arg(steps)
                             .arg(secs / step * (steps - step), 0, 'f', 0));
        });
    out(QString("wrote %1 in %2 min").arg(s.outDir).arg(t.elapsed() / 60000.0, 0, 'f', 1));
    return 0;
}

}  // namespace evolq::cli
