#include "Commands.h"

namespace evolq::cli {

QList<Command> commands() {
    return {
        {"info", "describe a model folder", cmdInfo},
        {"predict", "top-k predictions for a folder of images", cmdPredict},
        {"eval", "top-1/top-5 accuracy over a labelled folder", cmdEval},
        {"quantize", "FQ-ViT baseline quantization to a scale file", cmdQuantize},
        {"search", "Evol-Q search over quantization scales", cmdSearch},
        {"landscape", "loss landscape along scale perturbations", cmdLandscape},
        {"sensitivity", "loss increase and SQNR of each quantizer alone", cmdSensitivity},
        {"bench", "time forward passes and fitness evaluations", cmdBench},
        {"prepare-fashion-mnist", "write Fashion-MNIST as PNG folders", cmdPrepare},
        {"train", "train a ViT from scratch", cmdTrain},
    };
}

}  // namespace evolq::cli
