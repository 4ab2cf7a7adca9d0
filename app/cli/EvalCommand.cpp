#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "common/Version.h"
#include "model/Runtime.h"

namespace evolq::cli {

int cmdEval(const QStringList& args) {
    CliArgs a("eval",
              "Top-1 and top-5 accuracy of a model (float or fake-quantized) over a labelled image "
              "folder.");
    a.option("scales", "evaluate the model quantized with this scale file", "FILE");
    a.flag("quantize", "quantize on the fly (implied by --wbits or --abits)");
    addQuantOptions(a);
    addModelOption(a);
    a.option("data", "ImageFolder-style folder (default: data/fashion-mnist/val)", "DIR");
    a.option("limit", "evaluate a seeded subset of N images (0 = all)", "N", "0");
    a.flag("json", "print {\"top1\", \"top5\", \"images\", \"seconds\"}");
    if (!a.parse(args)) return 0;
    Session s;
    openSession(s, a);
    const QString data = a.isSet("data") ? a.str("data") : defaultDataDir() + "/val";
    const ImageFolder folder = ImageFolder::scan(data).subset(
        a.integer("limit", 0, 1 << 30), static_cast<unsigned>(a.integer("seed", 0, 1 << 30)));
    QString label = "FP32";
    double calibSeconds = 0;
    if (a.isSet("scales")) {
        label = s.importScales(a.str("scales")).label;
    } else if (a.isSet("quantize") || a.isSet("wbits") || a.isSet("abits")) {
        const QuantizeSummary q = quantizeIn(s, quantConfigFrom(a));
        label = q.label;
        calibSeconds = q.seconds;
    }
    const bool json = a.isSet("json");
    const EvalResult r = s.evaluate(folder, [json](int done, int total, double) {
        if (!json) progress(QString("evaluated %1 / %2").arg(done).arg(total));
    });
    for (const QString& f : r.failed) progress("skipped " + f);
    if (json) {
        QJsonObject o{{"top1", r.top1},
                      {"top5", r.top5},
                      {"images", r.images},
                      {"seconds", r.seconds},
                      {"precision", label},
                      {"model_sha256", s.modelInfo().sha256},
                      {"program_version", EVOLQ_VERSION}};
        if (s.quantized()) {
            o.insert("quant_config", s.quantConfig().toJson());
            if (calibSeconds > 0) o.insert("calibration_seconds", calibSeconds);
        }
        printJson(o);
    } else {
        out(QString("%1 top-1 %2 %  top-5 %3 %  (%4 images, %5 s)")
                .arg(label)
                .arg(r.top1, 0, 'f', 2)
                .arg(r.top5, 0, 'f', 2)
                .arg(r.images)
                .arg(r.seconds, 0, 'f', 2));
    }
    return 0;
}

}  // namespace evolq::cli
