#include <QElapsedTimer>
#include <QJsonArray>
#include <algorithm>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "model/Runtime.h"
#include "search/FitnessFunction.h"

namespace evolq::cli {

int cmdBench(const QStringList& args) {
    CliArgs a("bench", "Time the pieces a search repeats: forward passes and fitness evaluations.");
    addModelOption(a);
    addQuantOptions(a);
    a.option("repeat", "repetitions per figure (the median is printed)", "N", "3");
    a.flag("json", "print JSON");
    if (!a.parse(args)) return 0;
    const QuantConfig cfg = quantConfigFrom(a);
    const int reps = a.integer("repeat", 1, 1000);
    Session s;
    openSession(s, a);
    const CalibrationSet& calib = s.calibration(cfg.calibImages, cfg.seed);
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
    QJsonObject o{{"images", static_cast<int>(calib.images.size(0))},
                  {"threads", runtimeThreads()},
                  {"bit_config", cfg.label()}};
    o.insert("fp32_forward_s",
             median([&] { predictLogits(s.model(), calib.images, nullptr, 100); }));
    const QuantizeSummary q = s.quantize(cfg);
    o.insert("calibration_s", q.seconds);
    QuantizedVit& qv = s.quantizedModel();
    o.insert("quantized_forward_s",
             median([&] { predictLogits(s.model(), calib.images, &qv, 100); }));
    FitnessFunction fit(qv, calib.images, FitnessSettings{});
    QJsonArray perBlock;
    for (int b = 0; b < s.model().depth(); ++b) {
        fit.prepareBlock(b);
        perBlock.append(median([&] { fit.evaluateFromBlock(); }));
    }
    o.insert("fitness_from_block_s", perBlock);
    if (a.isSet("json")) {
        printJson(o);
    } else {
        out(QString("%1 images, %2 threads, %3")
                .arg(o.value("images").toInt())
                .arg(runtimeThreads())
                .arg(cfg.label()));
        out(QString("FP32 forward          %1 s")
                .arg(o.value("fp32_forward_s").toDouble(), 0, 'f', 3));
        out(QString("calibration           %1 s").arg(q.seconds, 0, 'f', 3));
        out(QString("quantized forward     %1 s")
                .arg(o.value("quantized_forward_s").toDouble(), 0, 'f', 3));
        for (int b = 0; b < perBlock.size(); ++b)
            out(QString("fitness from block %1  %2 s")
                    .arg(b)
                    .arg(perBlock[b].toDouble(), 0, 'f', 3));
    }
    return 0;
}

}  // namespace evolq::cli
