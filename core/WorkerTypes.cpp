#include "WorkerTypes.h"

#include <QJsonArray>

namespace evolq {

QJsonObject SearchRunSettings::toJson() const {
    return QJsonObject{{"passes", passes},
                       {"cycles", cycles},
                       {"population", population},
                       {"samples", samples},
                       {"mutation_range", mutationRange},
                       {"relative_mutation", relativeMutation},
                       {"loss", loss},
                       {"temperature", temperature},
                       {"fitness_batch", fitnessBatch},
                       {"seed", static_cast<qint64>(seed)},
                       {"val_subset", valSubset},
                       {"from_baseline", fromBaseline},
                       {"final_evaluation", finalEvaluation}};
}

SearchRunSettings SearchRunSettings::fromJson(const QJsonObject& o) {
    SearchRunSettings s;
    s.passes = o.value("passes").toInt(s.passes);
    s.cycles = o.value("cycles").toInt(s.cycles);
    s.population = o.value("population").toInt(s.population);
    s.samples = o.value("samples").toInt(s.samples);
    s.mutationRange = o.value("mutation_range").toDouble(s.mutationRange);
    s.relativeMutation = o.value("relative_mutation").toBool(s.relativeMutation);
    s.loss = o.value("loss").toString(s.loss);
    s.temperature = o.value("temperature").toDouble(s.temperature);
    s.fitnessBatch = o.value("fitness_batch").toInt(s.fitnessBatch);
    s.seed = static_cast<unsigned>(o.value("seed").toInteger(s.seed));
    s.valSubset = o.value("val_subset").toInt(s.valSubset);
    s.fromBaseline = o.value("from_baseline").toBool(s.fromBaseline);
    s.finalEvaluation = o.value("final_evaluation").toBool(s.finalEvaluation);
    return s;
}

QJsonObject LandscapeRunSettings::toJson() const {
    return QJsonObject{{"block", block},
                       {"quantizer", quantizer},
                       {"dims", dims},
                       {"points", points},
                       {"radius", radius},
                       {"unit", scaleFraction ? "fraction" : "r"},
                       {"direction", direction},
                       {"losses", QJsonArray::fromStringList(losses)},
                       {"subset", subset},
                       {"seed", static_cast<qint64>(seed)},
                       {"temperature", temperature},
                       {"batch", batch}};
}

LandscapeRunSettings LandscapeRunSettings::fromJson(const QJsonObject& o) {
    LandscapeRunSettings s;
    s.block = o.value("block").toInt(s.block);
    s.quantizer = o.value("quantizer").toString(s.quantizer);
    s.dims = o.value("dims").toInt(s.dims);
    s.points = o.value("points").toInt(s.points);
    s.radius = o.value("radius").toDouble(s.radius);
    s.scaleFraction = o.value("unit").toString() == "fraction";
    s.direction = o.value("direction").toString(s.direction);
    if (o.value("losses").isArray()) {
        QStringList l;
        for (const QJsonValue& v : o.value("losses").toArray()) l << v.toString();
        if (!l.isEmpty()) s.losses = l;
    }
    s.subset = o.value("subset").toInt(s.subset);
    s.seed = static_cast<unsigned>(o.value("seed").toInteger(s.seed));
    s.temperature = o.value("temperature").toDouble(s.temperature);
    s.batch = o.value("batch").toInt(s.batch);
    return s;
}

}  // namespace evolq
