#pragma once

#include <QJsonObject>
#include <QTextStream>
#include <QVector>

#include "types/Events.h"

namespace evolq {

// The landscape CSV, as `evolq landscape` writes it and the landscape plot's Save data saves it:
// provenance and the jaggedness figures as "# " lines (JSON objects), then one row per computed
// point in grid order:
//   i,a,<quantity>...        (1-D)
//   i,j,a,b,<quantity>...    (2-D)
// i, j are grid indices, a, b the coordinates in the sweep's radius unit; NaN is an empty field.
class LandscapeCsv {
public:
    static void write(QTextStream& out, const LandscapeStart& start,
                      const QVector<LandscapePoint>& points, const QVector<Jaggedness>& jaggedness,
                      const QJsonObject& provenance = {});
    // {"<quantity>": {"local_minima", "tv_ratio" (a number or "inf"), "best_gain_over_centre"}}
    static QJsonObject jaggednessJson(const QStringList& quantities,
                                      const QVector<Jaggedness>& jaggedness);
};

}  // namespace evolq
