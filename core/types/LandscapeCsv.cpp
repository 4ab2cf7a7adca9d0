#include "types/LandscapeCsv.h"

#include <QJsonDocument>
#include <algorithm>
#include <cmath>

#include "common/Csv.h"

namespace evolq {

QJsonObject LandscapeCsv::jaggednessJson(const QStringList& quantities,
                                         const QVector<Jaggedness>& jaggedness) {
    QJsonObject o;
    for (int k = 0; k < quantities.size() && k < jaggedness.size(); ++k) {
        const Jaggedness& j = jaggedness[k];
        o.insert(quantities[k],
                 QJsonObject{{"local_minima", j.localMinima},
                             {"tv_ratio",
                              std::isfinite(j.tvRatio) ? QJsonValue(j.tvRatio) : QJsonValue("inf")},
                             {"best_gain_over_centre", j.bestGainOverCentre}});
    }
    return o;
}

void LandscapeCsv::write(QTextStream& out, const LandscapeStart& start,
                         const QVector<LandscapePoint>& points,
                         const QVector<Jaggedness>& jaggedness, const QJsonObject& provenance) {
    if (!provenance.isEmpty())
        out << "# evolq landscape " << QJsonDocument(provenance).toJson(QJsonDocument::Compact)
            << '\n';
    if (!jaggedness.isEmpty())
        out << "# jaggedness "
            << QJsonDocument(jaggednessJson(start.losses, jaggedness))
                   .toJson(QJsonDocument::Compact)
            << '\n';
    const bool twoD = start.dims == 2;
    QStringList header = twoD ? QStringList{"i", "j", "a", "b"} : QStringList{"i", "a"};
    header << start.losses;
    out << csvLine(header);
    QVector<LandscapePoint> sorted = points;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const LandscapePoint& x, const LandscapePoint& y) {
                         return x.j != y.j ? x.j < y.j : x.i < y.i;
                     });
    for (const LandscapePoint& p : sorted) {
        QStringList row{QString::number(p.i)};
        if (twoD) row << QString::number(p.j);
        row << csvNumber(p.a);
        if (twoD) row << csvNumber(p.b);
        for (int k = 0; k < start.losses.size(); ++k) row << csvNumber(p.values.value(k, NAN));
        out << row.join(',') << '\n';
    }
}

}  // namespace evolq
