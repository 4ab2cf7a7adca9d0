#include "data/Calibration.h"

#include <QDir>

#include "common/Error.h"
#include "data/ImageLoader.h"

namespace evolq {

QJsonObject CalibrationSet::provenance() const {
    return QJsonObject{{"folder", QDir(folder).absolutePath()},
                       {"images", static_cast<int>(images.size(0))},
                       {"requested", requested},
                       {"subset_seed", static_cast<qint64>(seed)},
                       {"failed_to_decode", failed.size()}};
}

CalibrationSet loadCalibrationSet(const ModelInfo& info, const QString& folder, int count,
                                  unsigned seed, const std::function<bool()>& cancelled) {
    const ImageFolder all = ImageFolder::scan(folder);
    const ImageFolder sub = all.subset(count, seed);
    LoadedImages li = loadImages(sub, Preprocess::fromModel(info), 0, -1, cancelled);
    CalibrationSet c;
    c.folder = folder;
    c.images = li.images;
    c.labels = li.labels;
    c.failed = li.failed;
    c.requested = count;
    c.seed = seed;
    if (all.labelled() && all.classes().size() != info.numClasses)
        c.labels = torch::full({c.images.size(0)}, -1,
                               torch::kInt64);  // labels of another task are meaningless
    return c;
}

}  // namespace evolq
