#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <QStringList>
#include <functional>
#include <memory>

#include "ImageFolder.h"
#include "QuantizedVit.h"
#include "ScaleFile.h"
#include "VitModel.h"

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

CalibrationSet loadCalibrationSet(const ModelInfo& info, const QString& folder, int count, unsigned seed,
                                  const std::function<bool()>& cancelled = {});

// Builds the baseline: the FQ-ViT quantized model calibrated on `calib`. Seconds in *seconds.
std::unique_ptr<QuantizedVit> quantizeBaseline(std::shared_ptr<VitModel> model, const QuantConfig& cfg,
                                               const CalibrationSet& calib, double* seconds = nullptr,
                                               const std::function<bool(int, int)>& progress = {});

// Restores a quantized model from a scale file (its config, then its scales); checks identity.
std::unique_ptr<QuantizedVit> loadQuantized(std::shared_ptr<VitModel> model, const ScaleFile& file);

}  // namespace evolq
