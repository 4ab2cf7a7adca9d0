#include "types/Settings.h"

#include <QJsonArray>
#include <QRegularExpression>

#include "common/Error.h"

namespace evolq {

QString lossName(LossKind k) {
    switch (k) {
        case LossKind::InfoNce:
            return "infonce";
        case LossKind::Mse:
            return "mse";
        case LossKind::Kl:
            return "kl";
        case LossKind::Cosine:
            return "cosine";
    }
    return "infonce";
}

QString lossLabel(LossKind k) {
    switch (k) {
        case LossKind::InfoNce:
            return "infoNCE";
        case LossKind::Mse:
            return "MSE";
        case LossKind::Kl:
            return "KL divergence";
        case LossKind::Cosine:
            return "1 - cosine";
    }
    return "infoNCE";
}

QList<LossKind> lossKinds() {
    return {LossKind::InfoNce, LossKind::Mse, LossKind::Kl, LossKind::Cosine};
}

LossKind lossFromName(const QString& name) {
    for (LossKind k : lossKinds())
        if (lossName(k) == name.trimmed().toLower()) return k;
    throw Error(QString("unknown loss '%1' (infonce, mse, kl, cosine)").arg(name));
}

QString strategyName(StrategyKind k) {
    switch (k) {
        case StrategyKind::EvolQ:
            return "evolq";
        case StrategyKind::Random:
            return "random";
        case StrategyKind::Similarity:
            return "similarity";
        case StrategyKind::Reconstruct:
            return "reconstruct";
    }
    return "evolq";
}

QString strategyLabel(StrategyKind k) {
    switch (k) {
        case StrategyKind::EvolQ:
            return "Evol-Q";
        case StrategyKind::Random:
            return "random search";
        case StrategyKind::Similarity:
            return "similarity";
        case StrategyKind::Reconstruct:
            return "MGRQ";
    }
    return "Evol-Q";
}

QList<StrategyKind> strategyKinds() {
    return {StrategyKind::EvolQ, StrategyKind::Random, StrategyKind::Similarity,
            StrategyKind::Reconstruct};
}

StrategyKind strategyFromName(const QString& name) {
    for (StrategyKind k : strategyKinds())
        if (strategyName(k) == name.trimmed().toLower()) return k;
    throw Error(
        QString("unknown strategy '%1' (evolq, random, similarity, reconstruct)").arg(name));
}

QString genomeName(GenomeKind k) {
    switch (k) {
        case GenomeKind::Attention:
            return "attention";
        case GenomeKind::Weights:
            return "weights";
        case GenomeKind::WeightsActivations:
            return "weights+activations";
    }
    return "attention";
}

GenomeKind genomeFromName(const QString& name) {
    for (GenomeKind k :
         {GenomeKind::Attention, GenomeKind::Weights, GenomeKind::WeightsActivations})
        if (genomeName(k) == name.trimmed().toLower()) return k;
    throw Error(QString("unknown genome '%1' (attention, weights, weights+activations)").arg(name));
}

QString LiveLandscapeSettings::spec() const {
    if (!enabled()) return "off";
    return QString("%1d:%2").arg(dims).arg(points);
}

void LiveLandscapeSettings::setSpec(const QString& raw) {
    const QString spec = raw.trimmed().toLower();
    if (spec == "off" || spec == "0") {
        dims = 0;
        return;
    }
    static const QRegularExpression re("^([12])d(?::(\\d+))?$");
    const QRegularExpressionMatch m = re.match(spec);
    if (!m.hasMatch())
        throw Error(QString("live landscape '%1': expected off, 1d:N or 2d:N (N points per axis)")
                        .arg(raw));
    dims = m.captured(1).toInt();
    if (!m.captured(2).isEmpty()) points = m.captured(2).toInt();
    validate();
}

QString LiveLandscapeSettings::axesName(LiveAxes a) {
    switch (a) {
        case LiveAxes::Random:
            return "random";
        case LiveAxes::Mutation:
            return "mutation";
        case LiveAxes::TowardBest:
            return "best";
    }
    return "random";
}

LiveAxes LiveLandscapeSettings::axesFromName(const QString& name) {
    for (LiveAxes a : {LiveAxes::Random, LiveAxes::Mutation, LiveAxes::TowardBest})
        if (axesName(a) == name.trimmed().toLower()) return a;
    throw Error(QString("unknown live landscape axes '%1' (random, mutation, best)").arg(name));
}

QJsonObject LiveLandscapeSettings::toJson() const {
    return QJsonObject{{"dims", dims},           {"points", points}, {"radius", radius},
                       {"axes", axesName(axes)}, {"share", share},   {"subset", subset}};
}

LiveLandscapeSettings LiveLandscapeSettings::fromJson(const QJsonObject& o) {
    LiveLandscapeSettings s;
    s.dims = o.value("dims").toInt(s.dims);
    s.points = o.value("points").toInt(s.points);
    s.radius = o.value("radius").toDouble(s.radius);
    if (o.contains("axes")) s.axes = axesFromName(o.value("axes").toString());
    s.share = o.value("share").toDouble(s.share);
    s.subset = o.value("subset").toInt(s.subset);
    return s;
}

void LiveLandscapeSettings::validate() const {
    if (dims < 0 || dims > 2) throw Error("a live landscape is off, 1-D or 2-D");
    // Odd, so that the centre (the block's current scales) is one of the points.
    if (points < 3 || points > 201 || points % 2 == 0)
        throw Error(
            QString("a live landscape has an odd number of points per axis from 3 to 201, not %1")
                .arg(points));
    if (!(radius > 0)) throw Error("the live landscape radius must be positive");
    if (!(share > 0)) throw Error("the live landscape's share of the machine must be positive");
    if (subset < 0) throw Error("the live landscape subset cannot be negative");
}

double SearchSettings::rangeFor(int weightBits) const {
    if (mutationRange > 0) return mutationRange;
    if (relativeMutation) return 0.1;
    if (weightBits >= 8) return 1e-4;
    return weightBits <= 2 ? 1e-2 : 1e-3;
}

QString SearchSettings::mutationUnit() const {
    return relativeMutation ? "fraction of each starting scale" : "absolute";
}

namespace {

QJsonObject similarityJson(const SimilaritySettings& s) {
    return QJsonObject{{"candidates", s.candidates},
                       {"low", s.low},
                       {"high", s.high},
                       {"rounds", s.rounds},
                       {"images", s.images},
                       {"similarity", s.cosine ? "cosine" : "pearson"},
                       {"ranking_weight", s.rankingWeight}};
}

SimilaritySettings similarityFromJson(const QJsonObject& o) {
    SimilaritySettings s;
    s.candidates = o.value("candidates").toInt(s.candidates);
    s.low = o.value("low").toDouble(s.low);
    s.high = o.value("high").toDouble(s.high);
    s.rounds = o.value("rounds").toInt(s.rounds);
    s.images = o.value("images").toInt(s.images);
    s.cosine = o.value("similarity").toString("pearson") == "cosine";
    s.rankingWeight = o.value("ranking_weight").toDouble(s.rankingWeight);
    return s;
}

QJsonObject reconstructJson(const ReconstructSettings& s) {
    return QJsonObject{{"steps", s.steps},
                       {"learning_rate", s.learningRate},
                       {"mse_weight", s.mseWeight},
                       {"global_weight", s.globalWeight},
                       {"local_weight", s.localWeight}};
}

ReconstructSettings reconstructFromJson(const QJsonObject& o) {
    ReconstructSettings s;
    s.steps = o.value("steps").toInt(s.steps);
    s.learningRate = o.value("learning_rate").toDouble(s.learningRate);
    s.mseWeight = o.value("mse_weight").toDouble(s.mseWeight);
    s.globalWeight = o.value("global_weight").toDouble(s.globalWeight);
    s.localWeight = o.value("local_weight").toDouble(s.localWeight);
    return s;
}

}  // namespace

QJsonObject SearchSettings::toJson() const {
    return QJsonObject{{"strategy", strategyName(strategy)},
                       {"genome", genomeName(genome)},
                       {"mixed_precision", mixedPrecision},
                       {"similarity", similarityJson(similarity)},
                       {"reconstruct", reconstructJson(reconstruct)},
                       {"passes", passes},
                       {"cycles", cycles},
                       {"population", population},
                       {"samples", samples},
                       {"mutation_range", mutationRange},
                       {"relative_mutation", relativeMutation},
                       {"loss", lossName(fitness.loss)},
                       {"temperature", fitness.temperature},
                       {"fitness_batch", fitness.batch},
                       {"seed", static_cast<qint64>(seed)},
                       {"val_subset", valSubset},
                       {"from_baseline", fromBaseline},
                       {"final_evaluation", finalEvaluation},
                       {"live_landscape", live.toJson()}};
}

SearchSettings SearchSettings::fromJson(const QJsonObject& o) {
    SearchSettings s;
    if (o.contains("strategy")) s.strategy = strategyFromName(o.value("strategy").toString());
    if (o.contains("genome")) s.genome = genomeFromName(o.value("genome").toString());
    s.mixedPrecision = o.value("mixed_precision").toDouble(s.mixedPrecision);
    if (o.value("similarity").isObject())
        s.similarity = similarityFromJson(o.value("similarity").toObject());
    if (o.value("reconstruct").isObject())
        s.reconstruct = reconstructFromJson(o.value("reconstruct").toObject());
    s.passes = o.value("passes").toInt(s.passes);
    s.cycles = o.value("cycles").toInt(s.cycles);
    s.population = o.value("population").toInt(s.population);
    s.samples = o.value("samples").toInt(s.samples);
    s.mutationRange = o.value("mutation_range").toDouble(s.mutationRange);
    s.relativeMutation = o.value("relative_mutation").toBool(s.relativeMutation);
    if (o.contains("loss")) s.fitness.loss = lossFromName(o.value("loss").toString());
    s.fitness.temperature = o.value("temperature").toDouble(s.fitness.temperature);
    s.fitness.batch = o.value("fitness_batch").toInt(s.fitness.batch);
    s.seed = static_cast<unsigned>(o.value("seed").toInteger(s.seed));
    s.valSubset = o.value("val_subset").toInt(s.valSubset);
    s.fromBaseline = o.value("from_baseline").toBool(s.fromBaseline);
    s.finalEvaluation = o.value("final_evaluation").toBool(s.finalEvaluation);
    if (o.value("live_landscape").isObject())
        s.live = LiveLandscapeSettings::fromJson(o.value("live_landscape").toObject());
    return s;
}

void SearchSettings::validate() const {
    if (passes < 1 || cycles < 1 || population < 1 || samples < 1)
        throw Error("passes, cycles, population and samples must be at least 1");
    if (!(mutationRange >= 0)) throw Error("the mutation range must be 0 (default) or positive");
    if (!(fitness.temperature > 0)) throw Error("the temperature must be positive");
    if (fitness.batch < 2) throw Error("a fitness batch needs at least 2 images");
    if (valSubset < 0) throw Error("the validation subset cannot be negative");
    if (mixedPrecision != 0 && !(mixedPrecision >= 2 && mixedPrecision <= 8))
        throw Error(QString("a mixed-precision budget is an average of 2 to 8 bits (from 2, 3, 4 "
                            "and 8), not %1")
                        .arg(mixedPrecision));
    if (similarity.candidates < 2) throw Error("the similarity search needs at least 2 candidates");
    if (!(similarity.low > 0) || !(similarity.high > similarity.low))
        throw Error("the similarity search's interval factors need 0 < low < high");
    if (similarity.rounds < 1) throw Error("the similarity search needs at least 1 round");
    if (similarity.images < 1) throw Error("the similarity search needs at least 1 image");
    if (!(similarity.rankingWeight >= 0)) throw Error("the ranking loss weight cannot be negative");
    if (reconstruct.steps < 0) throw Error("reconstruction steps cannot be negative");
    if (!(reconstruct.learningRate > 0)) throw Error("the learning rate must be positive");
    if (!(reconstruct.mseWeight >= 0) || !(reconstruct.globalWeight >= 0) ||
        !(reconstruct.localWeight >= 0))
        throw Error("the reconstruction loss weights cannot be negative");
    live.validate();
}

QStringList landscapeQuantities() {
    return {"infonce", "mse", "kl", "cosine", "ce", "top1"};
}

void LandscapeSettings::setDirection(const QString& raw) {
    const QString spec = raw.trimmed();
    if (spec == "random") {
        direction = DirectionKind::Random;
    } else if (spec == "mutation") {
        direction = DirectionKind::Mutation;
    } else if (spec.startsWith("channel:")) {
        bool ok = false;
        const int c = spec.mid(8).toInt(&ok);
        if (!ok || c < 0)
            throw Error(QString("direction '%1': channel:N needs a channel number").arg(spec));
        direction = DirectionKind::Channel;
        channel = c;
    } else if (spec == "toward" || spec == "toward:result") {
        direction = DirectionKind::TowardResult;
    } else if (spec.startsWith("toward:") && spec.size() > 7) {
        direction = DirectionKind::Toward;
        towardFile = spec.mid(7);
    } else {
        throw Error(QString("unknown direction '%1' (random, mutation, channel:N, toward:FILE, "
                            "toward:result)")
                        .arg(spec));
    }
}

QString LandscapeSettings::directionName() const {
    switch (direction) {
        case DirectionKind::Random:
            return "random";
        case DirectionKind::Mutation:
            return "mutation";
        case DirectionKind::Channel:
            return QString("channel:%1").arg(channel);
        case DirectionKind::Toward:
            return "toward:" + towardFile;
        case DirectionKind::TowardResult:
            return "toward:result";
    }
    return "random";
}

QString LandscapeSettings::unitName(RadiusUnit u) {
    return u == RadiusUnit::ScaleFraction ? "scale_fraction" : "mutation_range";
}

QJsonObject LandscapeSettings::toJson() const {
    return QJsonObject{{"block", block},
                       {"quantizer", quantizer},
                       {"dims", dims},
                       {"points", points},
                       {"radius", radius},
                       {"unit", unitName(unit)},
                       {"direction", directionName()},
                       {"losses", QJsonArray::fromStringList(losses)},
                       {"subset", subset},
                       {"seed", static_cast<qint64>(seed)},
                       {"temperature", temperature},
                       {"batch", batch}};
}

LandscapeSettings LandscapeSettings::fromJson(const QJsonObject& o) {
    LandscapeSettings s;
    s.block = o.value("block").toInt(s.block);
    s.quantizer = o.value("quantizer").toString(s.quantizer);
    s.dims = o.value("dims").toInt(s.dims);
    s.points = o.value("points").toInt(s.points);
    s.radius = o.value("radius").toDouble(s.radius);
    if (o.contains("unit")) {
        const QString u = o.value("unit").toString();
        // "r" and "fraction" are how settings saved by version 0.1.0 name them.
        if (u == unitName(RadiusUnit::MutationRange) || u == "r")
            s.unit = RadiusUnit::MutationRange;
        else if (u == unitName(RadiusUnit::ScaleFraction) || u == "fraction")
            s.unit = RadiusUnit::ScaleFraction;
        else
            throw Error(
                QString("unknown radius unit '%1' (mutation_range, scale_fraction)").arg(u));
    }
    if (o.contains("direction")) s.setDirection(o.value("direction").toString());
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

void LandscapeSettings::validate() const {
    if (dims != 1 && dims != 2) throw Error("a landscape has 1 or 2 dimensions");
    if (points < 2) throw Error("a landscape needs at least 2 points per axis");
    if (!(radius > 0)) throw Error("the landscape radius must be positive");
    if (losses.isEmpty()) throw Error("name at least one loss");
    if (direction == DirectionKind::Toward && towardFile.trimmed().isEmpty())
        throw Error("direction toward a scale file: name the file");
    for (const QString& l : losses)
        if (!landscapeQuantities().contains(l))
            throw Error(QString("unknown loss '%1' (%2)").arg(l, landscapeQuantities().join(", ")));
    if (block < 0) throw Error(QString("block %1 does not exist").arg(block));
    if (!(temperature > 0)) throw Error("the temperature must be positive");
    if (batch < 2) throw Error("a loss batch needs at least 2 images");
    if (subset < 0) throw Error("the subset cannot be negative");
}

}  // namespace evolq
