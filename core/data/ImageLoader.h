#pragma once

#include <torch/torch.h>

#include <QStringList>
#include <functional>
#include <vector>

#include "data/ImageFolder.h"
#include "types/ModelInfo.h"

namespace evolq {

// timm's eval transform, done with OpenCV: resize the shorter side to floor(size / crop_pct) with
// the configured interpolation, center-crop to size, scale to [0, 1], normalize with mean and std.
struct Preprocess {
    int channels = 3;
    int imageSize = 224;
    double cropPct = 1.0;
    QString interpolation = "bicubic";
    std::vector<float> mean{0.485f, 0.456f, 0.406f};
    std::vector<float> std{0.229f, 0.224f, 0.225f};

    static Preprocess fromModel(const ModelInfo& info);
};

struct LoadedImages {
    torch::Tensor images;    // [N, C, S, S] float32, normalized
    torch::Tensor labels;    // [N] int64, -1 when unlabelled
    std::vector<int> items;  // index into the folder's items, per row
    QStringList failed;      // "relative/path: reason" for each file that failed to decode
};

// Decodes items [begin, end) of a folder (all when end < 0). Failed files are skipped and listed.
// Throws evolq::Error when no image in the range could be used. `cancelled` is polled.
LoadedImages loadImages(const ImageFolder& folder, const Preprocess& pre, int begin = 0,
                        int end = -1, const std::function<bool()>& cancelled = {});

// One image, decoded and preprocessed into [C, S, S]; returns an undefined tensor on failure.
torch::Tensor loadImage(const QString& path, const Preprocess& pre, QString* error = nullptr);

// Size and channel count of an image file as stored; false when it cannot be decoded.
bool probeImage(const QString& path, int* width, int* height, int* channels);

}  // namespace evolq
