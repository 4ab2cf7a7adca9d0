#include "types/ModelInfo.h"

#include <QJsonArray>

namespace evolq {

namespace {
QJsonArray toArray(const std::vector<float>& v) {
    QJsonArray a;
    for (float x : v) a.append(static_cast<double>(x));
    return a;
}
QString joinFloats(const std::vector<float>& v) {
    QStringList s;
    for (float x : v) s << QString::number(x, 'g', 4);
    return s.join(", ");
}
}  // namespace

QJsonObject ModelInfo::toJson() const {
    return QJsonObject{{"folder", folder},
                       {"architecture", architecture},
                       {"sha256", sha256},
                       {"image_size", imageSize},
                       {"patch_size", patchSize},
                       {"channels", channels},
                       {"width", width},
                       {"depth", depth},
                       {"heads", heads},
                       {"mlp_hidden", mlpHidden},
                       {"classes", numClasses},
                       {"tokens", numPatches + numPrefixTokens},
                       {"distilled", distilled},
                       {"global_pool", globalPool},
                       {"parameters", static_cast<qint64>(parameters)},
                       {"input", QJsonObject{{"mean", toArray(mean)},
                                             {"std", toArray(std)},
                                             {"interpolation", interpolation},
                                             {"crop_pct", cropPct},
                                             {"crop_mode", cropMode}}}};
}

QList<QPair<QString, QString>> ModelInfo::summaryRows() const {
    return {{"Architecture", architecture.isEmpty() ? QString("(unnamed)") : architecture},
            {"Folder", folder},
            {"Image", QString("%1 x %1, %2 channel%3")
                          .arg(imageSize)
                          .arg(channels)
                          .arg(channels == 1 ? "" : "s")},
            {"Patch", QString("%1 (%2 patches + %3 prefix tokens)")
                          .arg(patchSize)
                          .arg(numPatches)
                          .arg(numPrefixTokens)},
            {"Width", QString::number(width)},
            {"Depth", QString("%1 blocks").arg(depth)},
            {"Heads", QString::number(heads)},
            {"MLP", QString::number(mlpHidden)},
            {"Classes", QString::number(numClasses)},
            {"Pooling", globalPool + (distilled ? ", distilled" : "")},
            {"Parameters", QString("%L1").arg(parameters)},
            {"Input", QString("mean [%1], std [%2], %3, crop %4")
                          .arg(joinFloats(mean), joinFloats(std), interpolation)
                          .arg(cropPct)},
            {"SHA-256", sha256.left(16) + "…"}};
}

}  // namespace evolq
