#include <QElapsedTimer>
#include <QFileInfo>

#include "Commands.h"
#include "LandscapePlot.h"
#include "Options.h"
#include "Output.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "types/LandscapeCsv.h"

namespace evolq::cli {

int cmdLandscape(const QStringList& args) {
    CliArgs a("landscape",
              "Loss over a line or grid of weight-scale perturbations around the current scales.");
    addModelOption(a);
    addQuantOptions(a);
    a.option("scales", "start from this scale file instead of the baseline", "FILE");
    const LandscapeSettings d;
    a.option("block", "block whose genome (qkv and proj weight scales) is swept", "B",
             QString::number(d.block));
    a.option("quantizer", "sweep this one weight quantizer instead (e.g. blocks.3.mlp.fc1.weight)",
             "NAME");
    a.option("dims", "1 (line) or 2 (grid)", "D", QString::number(d.dims));
    a.option("points", "points per axis", "N", QString::number(d.points));
    a.option("radius", "coordinates run over [-radius, radius]", "R", QString::number(d.radius));
    a.option("unit", "radius unit: r (mutation range) or fraction (of each scale)", "U", "r");
    a.option("direction", "random, mutation, channel:N or toward:FILE", "DIR", "random");
    a.option("loss", "comma-separated: " + landscapeQuantities().join(", "), "LIST",
             d.losses.join(','));
    a.option("temperature", "infoNCE temperature", "T", QString::number(d.temperature));
    a.option("subset", "calibration images used (0 = all)", "N", QString::number(d.subset));
    a.option("out", "CSV to write (one row per point)", "FILE");
    a.option("png", "also draw the plot to this PNG", "FILE");
    a.flag("json", "print the jaggedness figures as JSON");
    if (!a.parse(args)) return 0;
    const QString outPath = a.required("out");
    LandscapeSettings ls;
    ls.block = a.integer("block", 0, 4096);
    ls.quantizer = a.str("quantizer");
    ls.dims = a.integer("dims", 1, 2);
    ls.points = a.integer("points", 2, 1001);
    ls.radius = a.number("radius", 1e-12, 1e12);
    if (a.str("unit") == "r")
        ls.unit = RadiusUnit::MutationRange;
    else if (a.str("unit") == "fraction")
        ls.unit = RadiusUnit::ScaleFraction;
    else
        throw Error("evolq landscape: --unit must be r or fraction");
    ls.setDirection(a.str("direction"));
    if (ls.direction == DirectionKind::TowardResult)
        throw Error(
            "evolq landscape: toward:result needs a search in the same session; name a "
            "scale file with toward:FILE");
    ls.losses = a.str("loss").split(',', Qt::SkipEmptyParts);
    ls.temperature = a.number("temperature", 1e-6, 1e6);
    ls.subset = a.integer("subset", 0, 1 << 30);
    ls.validate();

    Session s;
    openSession(s, a);
    if (a.isSet("scales"))
        s.importScales(a.str("scales"));
    else
        quantizeIn(s, quantConfigFrom(a));
    ls.seed = s.quantConfig().seed;
    QElapsedTimer t;
    t.start();
    int done = 0, total = 0;
    const LandscapeResult res = s.landscape(
        ls,
        [&](const LandscapeStart& st) { total = st.dims == 2 ? st.points * st.points : st.points; },
        [&](const LandscapePoint&) {
            if (++done % std::max(1, total / 10) == 0 || done == total)
                progress(QString("%1 / %2 points, %3 s")
                             .arg(done)
                             .arg(total)
                             .arg(t.elapsed() / 1000.0, 0, 'f', 1));
        });
    const QVector<LandscapePoint> points(res.points.begin(), res.points.end());
    const QVector<Jaggedness> jag(res.jaggedness.begin(), res.jaggedness.end());
    QJsonObject prov = s.provenance();
    prov.insert("landscape", ls.toJson());
    {
        AtomicFile f(outPath);
        LandscapeCsv::write(f.stream(), res.start, points, jag, prov);
        f.commit();
    }
    if (a.isSet("png")) {
        LandscapePlot plot;
        plot.resize(900, 600);
        plot.start(res.start);
        plot.addPoints(points);
        for (int k = 0; k < ls.losses.size() && k < jag.size(); ++k)
            plot.setJaggedness(ls.losses[k], jag[k]);
        QString err;
        if (!plot.savePlot(a.str("png"), &err)) throw Error(err);
    }
    if (a.isSet("json")) {
        printJson(QJsonObject{{"seconds", res.seconds},
                              {"points", static_cast<int>(res.points.size())},
                              {"jaggedness", LandscapeCsv::jaggednessJson(ls.losses, jag)}});
    } else {
        for (int k = 0; k < ls.losses.size() && k < jag.size(); ++k)
            out(QString("%1: %2 local minima, total variation / net change %3, best gain over "
                        "centre %4")
                    .arg(ls.losses[k], -8)
                    .arg(jag[k].localMinima)
                    .arg(jag[k].tvRatio, 0, 'g', 4)
                    .arg(jag[k].bestGainOverCentre, 0, 'g', 4));
        out(QString("wrote %1 (%2 points in %3 s)")
                .arg(outPath)
                .arg(res.points.size())
                .arg(res.seconds, 0, 'f', 1));
    }
    return 0;
}

}  // namespace evolq::cli
