#pragma once

#include <torch/torch.h>

#include <QStringList>
#include <memory>
#include <vector>

#include "landscape/LandscapeSweep.h"
#include "quant/QuantizedVit.h"
#include "types/TryScales.h"

namespace evolq {

// "Try these scales" and the scrubber: the model takes the scales of a point of a landscape and
// is measured there, quickly enough to follow a slider. Built once per landscape around its
// centre; every input that does not depend on the point is computed once: the landscape's
// calibration block input, the validation images' input of the swept block, the FP32
// predictions of the samples.
class ScaleProbe {
public:
    // `samples`: the first validation images, shown with their FP32 and quantized predictions.
    ScaleProbe(QuantizedVit& q, const torch::Tensor& calibImages, const torch::Tensor& calibLabels,
               const LandscapeSettings& s, const torch::Tensor& toward,
               const torch::Tensor& valImages, const torch::Tensor& valLabels,
               const QStringList& valFiles, int samples, const SliceAxes* axes = nullptr);

    const LandscapeSettings& settings() const { return m_sweep.settings(); }
    // The model keeps the scales at (a, b).
    TryResult at(double a, double b);

private:
    QuantizedVit& m_q;
    LandscapeSweep m_sweep;
    int m_from = -1;                     // block the validation pass starts from (-1: all)
    std::vector<torch::Tensor> m_valIn;  // per chunk: validation input of block m_from
    torch::Tensor m_valLabels;
    std::vector<int64_t> m_fp32Pred;  // of the samples
    std::vector<int64_t> m_sampleLabels;
    QStringList m_files;
    double m_fp32Top1 = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace evolq
