#include <QFileInfo>
#include <algorithm>
#include <cmath>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "common/AtomicFile.h"
#include "common/Error.h"

namespace evolq::cli {

int cmdSensitivity(const QStringList& args) {
    CliArgs a("sensitivity",
              "Layer sensitivity: each quantizer alone (everything else in float), its loss "
              "increase over the float model and its SQNR; writes CSV.");
    addModelOption(a);
    addQuantOptions(a);
    a.option("scales", "measure these scales instead of the baseline", "FILE");
    const SensitivitySettings d;
    a.option("subset", "calibration images used (0 = all)", "N", QString::number(d.images));
    a.option("loss", "infonce, mse, kl or cosine", "LOSS", lossName(d.fitness.loss));
    a.option("temperature", "infoNCE temperature", "T", QString::number(d.fitness.temperature));
    a.option("fitness-batch", "images per loss batch", "N", QString::number(d.fitness.batch));
    a.option("top", "rows printed, most sensitive first (0 = all)", "N", "10");
    a.option("out", "CSV to write (one row per quantizer)", "FILE");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    if (!QFileInfo(QFileInfo(outPath).absolutePath()).isDir())
        throw Error(QString("%1: cannot write: the folder %2 does not exist")
                        .arg(outPath, QFileInfo(outPath).absolutePath()));
    SensitivitySettings ss;
    ss.images = a.integer("subset", 0, 1 << 30);
    ss.fitness.loss = lossFromName(a.str("loss"));
    ss.fitness.temperature = a.number("temperature", 1e-6, 1e6);
    ss.fitness.batch = a.integer("fitness-batch", 2, 1 << 20);
    const int top = a.integer("top", 0, 1 << 20);

    Session s;
    openSession(s, a);
    if (a.isSet("scales"))
        s.importScales(a.str("scales"));
    else
        quantizeIn(s, quantConfigFrom(a));
    const SensitivityResult r = s.sensitivity(ss, progressLines("quantizers"));
    QJsonObject prov = s.provenance();
    prov.insert("sensitivity", ss.toJson());
    {
        AtomicFile f(outPath);
        writeSensitivityCsv(f.stream(), r, prov);
        f.commit();
    }
    QVector<SensitivityRow> rows = r.rows;
    std::stable_sort(rows.begin(), rows.end(),
                     [](const SensitivityRow& x, const SensitivityRow& y) {
                         const double a = std::isnan(x.lossIncrease) ? -INFINITY : x.lossIncrease;
                         const double b = std::isnan(y.lossIncrease) ? -INFINITY : y.lossIncrease;
                         return a > b;
                     });
    out(QString("%1  %2  %3").arg("quantizer", -32).arg("loss increase", 14).arg("SQNR dB", 8));
    for (int i = 0; i < rows.size() && (top == 0 || i < top); ++i)
        out(QString("%1  %2  %3")
                .arg(rows[i].name, -32)
                .arg(rows[i].lossIncrease, 14, 'g', 5)
                .arg(rows[i].sqnrDb, 8, 'f', 2));
    out(QString("wrote %1 (%2 quantizers, %3 images, float %4 %5, %6 s)")
            .arg(outPath)
            .arg(r.rows.size())
            .arg(r.images)
            .arg(r.loss)
            .arg(r.floatLoss, 0, 'g', 6)
            .arg(r.seconds, 0, 'f', 1));
    return 0;
}

}  // namespace evolq::cli
