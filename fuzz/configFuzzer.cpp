// config.json of a model folder: a tiny valid model.safetensors beside an arbitrary config.json,
// loaded as the workbench and every command load a model.
#include <torch/torch.h>

#include "FuzzSupport.h"
#include "model/VitModel.h"

namespace {

QString modelDir() {
    static const QString dir = [] {
        evolq::fuzz::app();
        evolq::ModelInfo i;
        i.architecture = "fuzz_vit";
        i.imageSize = 16;
        i.patchSize = 8;
        i.channels = 1;
        i.width = 8;
        i.depth = 1;
        i.heads = 2;
        i.mlpHidden = 16;
        i.numClasses = 3;
        i.numPatches = 4;
        i.numPrefixTokens = 1;
        i.cropPct = 1.0;
        const QString d = evolq::fuzz::scratch().filePath("model");
        evolq::VitModel(i).save(d, i.architecture);
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString dir = modelDir();
    QFile::remove(dir + "/config.json");
    evolq::fuzz::writeScratch("model/config.json", data, size);
    evolq::fuzz::expectErrorOnly([&] { (void)evolq::VitModel::load(dir); });
    return 0;
}
