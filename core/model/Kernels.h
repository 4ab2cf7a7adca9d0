#pragma once

#include <cstdint>

namespace evolq {

// A uniform fake quantization as the fused kernels apply it: (clamp(round(x / s + z), lo, hi) - z)
// * s, rounding half to even, with one (s, z) per channel of the last dimension (channels = 1:
// one pair for the whole tensor). The same float operations in the same order as fakeQuantize()
// (quant/FakeQuantizer), so the values are the same bit for bit.
struct AffineQuant {
    const float* scale = nullptr;  // null: identity (the point is not quantized; channels 1)
    const float* zero = nullptr;
    int64_t channels = 1;
    float lo = 0, hi = 0;
    bool identity() const { return scale == nullptr; }
};

// out = q(in) over `rows` rows of q.channels floats; out may be in (in place).
void fakeQuantizeRows(const float* in, float* out, int64_t rows, const AffineQuant& q);

// What follows a linear layer's product y [rows, cols] (row-major, written in place):
//   y = qy(y + bias)                       residual == nullptr
//   y = qr(residual + qy(y + bias))        otherwise (residual [rows, cols])
// where an absent bias adds nothing and an identity quantization does nothing. Each step is the
// float operation the separate tensor operations would do (the bias added to the product, the
// quantization, the residual sum), so the values are the same bit for bit, in one pass.
// A quantization's channels must be 1 or cols.
void linearEpilogue(float* y, int64_t rows, int64_t cols, const float* bias, const AffineQuant& qy,
                    const float* residual = nullptr, const AffineQuant& qr = AffineQuant{});

}  // namespace evolq
