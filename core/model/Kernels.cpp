#include "model/Kernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace evolq {

namespace {

// Rounding half to even: adding and subtracting 1.5 * 2^23 leaves the value rounded in the
// default rounding mode, as torch::round (nearbyint) does, and vectorizes with plain SSE2;
// clamping to [lo - 1, hi + 1] first keeps it in the trick's range and gives the same result.
inline float fakeQuantizeOne(float x, float s, float z, float lo, float hi) {
    float v = x / s + z;
    v = std::min(std::max(v, lo - 1.0f), hi + 1.0f);
    v = (v + 12582912.0f) - 12582912.0f;
    v = std::min(std::max(v, lo), hi);
    return (v - z) * s;
}

// Grain of the parallel loops, in floats (inside a forward chunk run by forEachChunk they run
// inline on the chunk's thread).
constexpr int64_t kGrain = 65536;

// A quantization's parameters spread over `cols` channels, so that every inner loop reads s[c]
// and z[c] (and vectorizes) whether the quantization is per tensor or per channel.
struct Spread {
    std::vector<float> s, z;
    Spread(const AffineQuant& q, int64_t cols) {
        if (q.identity()) return;
        s.resize(cols);
        z.resize(cols);
        for (int64_t c = 0; c < cols; ++c) {
            s[c] = q.scale[q.channels == 1 ? 0 : c];
            z[c] = q.zero[q.channels == 1 ? 0 : c];
        }
    }
};

// The loops over one stretch of floats, compiled for AVX-512 and AVX2 as well as the baseline
// x86-64 (chosen at load time by the CPU): the same IEEE operations at any vector width (division,
// addition, min, max, multiplication; no fused multiply-add: -ffp-contract=off for this file),
// so every variant gives the same values.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EVOLQ_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EVOLQ_CLONES
#endif

EVOLQ_CLONES
void quantizeFlat(const float* in, float* out, int64_t n, float s, float z, float lo, float hi) {
    for (int64_t i = 0; i < n; ++i) out[i] = fakeQuantizeOne(in[i], s, z, lo, hi);
}

EVOLQ_CLONES
void quantizeChannels(const float* in, float* out, int64_t C, const float* s, const float* z,
                      float lo, float hi) {
    for (int64_t c = 0; c < C; ++c) out[c] = fakeQuantizeOne(in[c], s[c], z[c], lo, hi);
}

EVOLQ_CLONES
void biasQuantizeRow(float* y, const float* b, int64_t C, const float* s, const float* z, float lo,
                     float hi) {
    for (int64_t c = 0; c < C; ++c) y[c] = fakeQuantizeOne(y[c] + b[c], s[c], z[c], lo, hi);
}

EVOLQ_CLONES
void biasRow(float* y, const float* b, int64_t C) {
    for (int64_t c = 0; c < C; ++c) y[c] = y[c] + b[c];
}

EVOLQ_CLONES
void residualQuantizeRow(float* y, const float* x, int64_t C, const float* s, const float* z,
                         float lo, float hi) {
    for (int64_t c = 0; c < C; ++c) y[c] = fakeQuantizeOne(x[c] + y[c], s[c], z[c], lo, hi);
}

EVOLQ_CLONES
void residualRow(float* y, const float* x, int64_t C) {
    for (int64_t c = 0; c < C; ++c) y[c] = x[c] + y[c];
}

}  // namespace

void fakeQuantizeRows(const float* in, float* out, int64_t rows, const AffineQuant& q) {
    if (q.identity()) {
        if (out != in) std::copy(in, in + rows * q.channels, out);
        return;
    }
    const int64_t C = q.channels;
    const float lo = q.lo, hi = q.hi;
    if (C == 1) {
        // Per tensor: one flat loop, which the compiler vectorizes.
        const float s0 = q.scale[0], z0 = q.zero[0];
        at::parallel_for(0, rows, kGrain, [&](int64_t i0, int64_t i1) {
            quantizeFlat(in + i0, out + i0, i1 - i0, s0, z0, lo, hi);
        });
        return;
    }
    const float* s = q.scale;
    const float* z = q.zero;
    at::parallel_for(0, rows, std::max<int64_t>(1, kGrain / C), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r)
            quantizeChannels(in + r * C, out + r * C, C, s, z, lo, hi);
    });
}

void linearEpilogue(float* y, int64_t rows, int64_t cols, const float* bias, const AffineQuant& qy,
                    const float* residual, const AffineQuant& qr) {
    const Spread sy(qy, cols), sr(qr, cols);
    const float* b = bias;
    const float* ys = sy.s.data();
    const float* yz = sy.z.data();
    const float* rs = sr.s.data();
    const float* rz = sr.z.data();
    const float ylo = qy.lo, yhi = qy.hi, rlo = qr.lo, rhi = qr.hi;
    const bool quantY = !qy.identity(), quantR = !qr.identity();
    at::parallel_for(0, rows, std::max<int64_t>(1, kGrain / cols), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            float* yr = y + r * cols;
            if (quantY && bias)
                biasQuantizeRow(yr, b, cols, ys, yz, ylo, yhi);
            else if (quantY)
                quantizeChannels(yr, yr, cols, ys, yz, ylo, yhi);
            else if (bias)
                biasRow(yr, b, cols);
            if (!residual) continue;
            const float* xr = residual + r * cols;
            if (quantR)
                residualQuantizeRow(yr, xr, cols, rs, rz, rlo, rhi);
            else
                residualRow(yr, xr, cols);
        }
    });
}

}  // namespace evolq
