#include "quant/Baseline.h"

namespace evolq {

std::unique_ptr<QuantizedVit> quantizeBaseline(std::shared_ptr<VitModel> model,
                                               const QuantConfig& cfg, const CalibrationSet& calib,
                                               double* seconds,
                                               const std::function<bool(int, int)>& progress) {
    auto q = std::make_unique<QuantizedVit>(std::move(model), cfg);
    const double s = q->calibrate(calib.images, progress);
    if (seconds) *seconds = s;
    return q;
}

}  // namespace evolq
