#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <QStringList>
#include <functional>
#include <memory>

#include "data/ImageFolder.h"
#include "model/VitModel.h"

namespace evolq {

// Calibration images in memory: a seeded subset of a folder, decoded for a model.
struct CalibrationSet {
    QString folder;
    torch::Tensor images;
    torch::Tensor labels;  // -1 when the folder is unlabelled
    QStringList failed;
    int requested = 0;
    unsigned seed = 0;
    QJsonObject provenance() const;
};

CalibrationSet loadCalibrationSet(const ModelInfo& info, const QString& folder, int count,
                                  unsigned seed, const std::function<bool()>& cancelled = {});

}  // namespace evolq
