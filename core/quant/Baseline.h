#pragma once

#include <functional>
#include <memory>

#include "data/Calibration.h"
#include "quant/QuantizedVit.h"
#include "types/QuantConfig.h"

namespace evolq {

// The FQ-ViT baseline: a quantized model calibrated on `calib` (observers collect over every batch,
// the last batch finalizes OMSE and PTF). Seconds in *seconds. `progress(done, total)` may return
// false to cancel (throws evolq::Error).
std::unique_ptr<QuantizedVit> quantizeBaseline(std::shared_ptr<VitModel> model,
                                               const QuantConfig& cfg, const CalibrationSet& calib,
                                               double* seconds = nullptr,
                                               const std::function<bool(int, int)>& progress = {});

}  // namespace evolq
