#include "Commands.h"
#include "Options.h"
#include "Output.h"

namespace evolq::cli {

int cmdQuantize(const QStringList& args) {
    CliArgs a("quantize", "FQ-ViT baseline post-training quantization; writes a scale file.");
    addModelOption(a);
    addQuantOptions(a);
    a.option("out", "scale file to write", "FILE");
    a.option("val", "also report top-1 over this labelled folder", "DIR");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    const QuantConfig cfg = quantConfigFrom(a);
    Session s;
    openSession(s, a);
    const QuantizeSummary q = quantizeIn(s, cfg);
    s.exportScales(outPath, ExportFormat::Native);
    out(QString("wrote %1 (%2, %3 quantizers, calibration %4 s)")
            .arg(outPath, cfg.label())
            .arg(q.quantizers.size())
            .arg(q.seconds, 0, 'f', 2));
    if (a.isSet("val")) {
        const EvalResult r = s.evaluate(ImageFolder::scan(a.str("val")));
        out(QString("%1 top-1 %2 %  top-5 %3 %  (%4 images)")
                .arg(cfg.label())
                .arg(r.top1, 0, 'f', 2)
                .arg(r.top5, 0, 'f', 2)
                .arg(r.images));
    }
    return 0;
}

}  // namespace evolq::cli
