#pragma once

#include <QString>
#include <functional>

namespace evolq {

// Trains a ViT from scratch on an ImageFolder (AdamW, linear warm-up then cosine decay, label
// smoothing, random crop with padding and horizontal flip) and writes a timm-layout model folder
// plus training.json.
struct TrainSettings {
    QString trainDir, valDir, outDir;
    int epochs = 30;
    unsigned seed = 0;
    int width = 96;
    int depth = 6;
    int heads = 3;
    int patch = 4;
    int mlpRatio = 4;
    int batch = 128;
    double lr = 1e-3;
    double weightDecay = 0.05;
    double warmupEpochs = 2;
    double labelSmoothing = 0.1;
    int cropPadding = 2;
    bool flip = true;
    int threads = 0;
    int limit = 0;  // use only this many training images (0 = all); for quick tests
    QString architecture = "vit_tiny_fmnist";
    QString initDir;  // start from this model folder's weights (fine-tuning) instead of random ones
};

struct EpochReport {
    int epoch = 0, epochs = 0;
    double loss = 0, trainTop1 = 0, valTop1 = 0, seconds = 0, lr = 0;
};

// Throws evolq::Error. `onEpoch` receives each epoch's figures; `onStep(done, total)` step
// progress.
void trainModel(const TrainSettings& s, const std::function<void(const EpochReport&)>& onEpoch,
                const std::function<void(int, int, double)>& onStep = {});

}  // namespace evolq
