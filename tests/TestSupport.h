#pragma once

#include <QString>

#include "model/VitModel.h"

// Small models for tests: every parameter randomized so that each matters, saved in the timm
// layout.
namespace evolq::test {

inline ModelInfo smallInfo(int depth = 2, int width = 48, int heads = 4, int classes = 7) {
    ModelInfo i;
    i.architecture = "test_vit";
    i.imageSize = 32;
    i.patchSize = 8;
    i.channels = 3;
    i.width = width;
    i.depth = depth;
    i.heads = heads;
    i.mlpHidden = 2 * width;
    i.numClasses = classes;
    i.numPatches = 16;
    i.numPrefixTokens = 1;
    i.cropPct = 1.0;
    return i;
}

inline std::shared_ptr<VitModel> makeModel(const ModelInfo& info, const QString& dir,
                                           int seed = 7) {
    torch::manual_seed(seed);
    VitModel m(info);
    {
        torch::NoGradGuard ng;
        for (auto& t : m.parameters()) t.add_(torch::randn_like(t) * 0.2);
    }
    m.save(dir, info.architecture);
    return VitModel::load(dir);
}

}  // namespace evolq::test
