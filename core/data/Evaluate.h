#pragma once

#include <torch/torch.h>

#include <QStringList>
#include <functional>

#include "data/ImageFolder.h"
#include "data/ImageLoader.h"
#include "model/VitModel.h"

namespace evolq {

struct EvalResult {
    double top1 = 0;  // percent
    double top5 = 0;  // percent
    int images = 0;
    double seconds = 0;
    QStringList failed;
};

// Counts of correct top-1 / top-5 predictions in a batch of logits.
std::pair<int64_t, int64_t> topkCorrect(const torch::Tensor& logits, const torch::Tensor& labels);

// Top-1/top-5 over a labelled folder, decoding in chunks so that large folders fit in memory.
// Class folders map to model classes by sorted order; a class count that does not fit the model
// is an error. `progress(done, total)` may return false to cancel (throws Error "cancelled").
EvalResult evaluateFolder(VitModel& model, const ImageFolder& folder, ForwardHooks* hooks = nullptr,
                          int batch = 250, const std::function<bool(int, int)>& progress = {});

// Several models over one folder, each image decoded once: for every chunk of decoded images,
// pass p runs with the hooks setUp(p) returns (nullptr = the float model; setUp may also switch
// a quantized model's scales). Progress counts images over all passes.
std::vector<EvalResult> evaluateFolderPasses(VitModel& model, const ImageFolder& folder, int passes,
                                             const std::function<ForwardHooks*(int)>& setUp,
                                             int batch = 100,
                                             const std::function<bool(int, int)>& progress = {});

// Same over images already in memory.
EvalResult evaluateTensors(VitModel& model, const torch::Tensor& images,
                           const torch::Tensor& labels, ForwardHooks* hooks = nullptr,
                           int batch = 100);

// Logits of the whole tensor, batch by batch (batches in parallel), without autograd.
torch::Tensor predictLogits(VitModel& model, const torch::Tensor& images,
                            ForwardHooks* hooks = nullptr, int batch = 100);

}  // namespace evolq
