#pragma once

#include <torch/torch.h>

#include <functional>

#include "quant/QuantizedVit.h"
#include "types/Sensitivity.h"

namespace evolq {

// Which quantizer hurts: each quantizer alone is switched on (everything else in float) and the
// output loss against the float model is measured on the calibration images, with its SQNR. The
// float model's block inputs are computed once, so a quantizer inside block b runs only blocks
// b..L and the head.
class LayerSensitivity {
public:
    LayerSensitivity(QuantizedVit& q, const torch::Tensor& images, const FitnessSettings& s);

    // `progress(done, total)` may return false to stop (the result is then marked cancelled).
    // The model quantizes as before afterwards, also when this throws.
    SensitivityResult run(const std::function<bool(int, int)>& progress = {});

    // The block a quantizer acts in: -1 for the embedding, depth() for the final norm and head.
    int blockOf(int quantizer) const;

private:
    double lossOf(const std::vector<torch::Tensor>& logitChunks) const;

    QuantizedVit& m_q;
    FitnessSettings m_s;
    std::vector<torch::Tensor> m_images;               // per chunk
    std::vector<std::vector<torch::Tensor>> m_inputs;  // [chunk][block 0..depth]: float inputs
    torch::Tensor m_fp;                                // float logits of all images
};

}  // namespace evolq
