#pragma once

#include <QString>

#include "model/VitModel.h"
#include "types/QuantConfig.h"
#include "types/Settings.h"

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

// A quantization small enough for tests: 16 calibration images in batches of 8.
inline QuantConfig smallConfig() {
    QuantConfig c;
    c.calibImages = 16;
    c.calibBatch = 8;
    return c;
}

// One pass, one cycle, a population of 3: a search of two evaluations per block.
inline SearchSettings shortSearch(int valSubset = 10) {
    SearchSettings s;
    s.passes = 1;
    s.cycles = 1;
    s.population = 3;
    s.samples = 2;
    s.fitness.batch = 8;
    s.valSubset = valSubset;
    return s;
}

}  // namespace evolq::test
