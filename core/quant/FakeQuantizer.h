#pragma once

#include <torch/torch.h>

#include <QString>

#include "model/Kernels.h"
#include "types/QuantConfig.h"

namespace evolq {

// Integer range of a bit type: [0, 2^b - 1] unsigned, [-2^(b-1), 2^(b-1) - 1] signed.
struct BitSpec {
    int bits = 8;  // 0 = off (float)
    bool isSigned = false;
    double lo() const { return isSigned ? -std::ldexp(1.0, bits - 1) : 0.0; }
    double hi() const {
        return isSigned ? std::ldexp(1.0, bits - 1) - 1 : std::ldexp(1.0, bits) - 1;
    }
};

enum class Granularity { PerTensor, PerChannel };

// Uniform fake quantization: q = clamp(round(x / s + z), lo, hi) with round half to even,
// x_hat = (q - z) s. `scale` and `zero` broadcast against x (already shaped by the caller).
torch::Tensor fakeQuantize(const torch::Tensor& x, const torch::Tensor& scale,
                           const torch::Tensor& zero, double lo, double hi);
// Log2 quantizer for attention probabilities: q = clamp(round(-log2 x), 0, 2^b - 1), x_hat = 2^-q,
// and 0 where round(-log2 x) >= 2^b (FQ-ViT's Log-Int-Softmax).
torch::Tensor log2Quantize(const torch::Tensor& x, int bits);
// Scale and zero point from a range (per element of minv/maxv), as FQ-ViT computes them: symmetric
// for signed types (s = max(|min|, max) / ((hi - lo) / 2), z = 0), asymmetric otherwise
// (s = (max - min) / (hi - lo), z = clamp(lo - round(min / s), lo, hi)); s >= float eps.
void rangeToParams(const torch::Tensor& minv, const torch::Tensor& maxv, const BitSpec& b,
                   torch::Tensor* scale, torch::Tensor* zero);

// One fake quantizer with its observer. Stats are gathered over calibration batches; the last batch
// is kept for OMSE and PTF, which choose among candidate ranges by least L2 error on it.
class FakeQuantizer {
public:
    FakeQuantizer() = default;
    FakeQuantizer(QString name, bool isWeight, BitSpec bits, Granularity g, int axis,
                  ObserverKind observer, bool ptf, bool log2);

    const QString& name() const { return m_name; }
    bool isWeight() const { return m_isWeight; }
    bool enabled() const { return m_bits.bits > 0; }
    const BitSpec& bits() const { return m_bits; }
    Granularity granularity() const { return m_gran; }
    int axis() const {
        return m_axis;
    }  // channel axis (0 for weights; -1 = last for PTF activations)
    bool ptf() const { return m_ptf; }
    bool log2() const { return m_log2; }
    ObserverKind observer() const { return m_observer; }

    void resetObserver();
    void observe(const torch::Tensor& x, bool lastBatch);
    // Computes scale and zero point from what was observed; throws if nothing was.
    void finalize();
    bool calibrated() const { return m_scale.defined(); }

    torch::Tensor apply(const torch::Tensor& x) const;
    // The quantization apply() does to a float activation of `dims` dimensions whose last one is
    // `lastDim`, as the fused kernels' plain affine map (an identity when disabled); false when it
    // is not one (weights, log2, a channel axis other than the last, no parameters yet). The
    // pointers stay valid until the parameters change.
    bool affine(int64_t dims, int64_t lastDim, AffineQuant* q) const;

    // 1-D tensors of length C (1 when per tensor).
    const torch::Tensor& scale() const { return m_scale; }
    const torch::Tensor& zeroPoint() const { return m_zero; }
    void setParams(const torch::Tensor& scale, const torch::Tensor& zero);
    void setScale(const torch::Tensor& scale);
    // Another bit width (mixed precision); the caller recomputes or sets the parameters.
    void setBits(int bits) { m_bits.bits = bits; }

private:
    torch::Tensor channelsFirst(const torch::Tensor& x) const;  // [C, rest]
    torch::Tensor shaped(const torch::Tensor& p, const torch::Tensor& like) const;

    QString m_name;
    bool m_isWeight = false;
    BitSpec m_bits;
    Granularity m_gran = Granularity::PerTensor;
    int m_axis = 0;
    ObserverKind m_observer = ObserverKind::MinMax;
    bool m_ptf = false;
    bool m_log2 = false;
    // Observer state.
    torch::Tensor m_min, m_max, m_last;
    // Quantization parameters.
    torch::Tensor m_scale, m_zero;
};

// PTF (power-of-two factor) on a tensor whose last dim holds channels: one layer-wise scale s8 from
// the overall range, then per channel the factor 2^alpha (alpha in 0..3) of s1 = s8 / 8 with least
// L2 error. Returns per-channel scales and the shared zero point (broadcast to C values).
void ptfParams(const torch::Tensor& lastBatch, const torch::Tensor& minv, const torch::Tensor& maxv,
               const BitSpec& b, torch::Tensor* scale, torch::Tensor* zero);
// OMSE: among 90 ranges shrunk by (1 - 0.01 i), the one with least L2 error on `data`.
void omseParams(const torch::Tensor& data, const torch::Tensor& minv, const torch::Tensor& maxv,
                const BitSpec& b, const std::function<torch::Tensor(const torch::Tensor&)>& shape,
                torch::Tensor* scale, torch::Tensor* zero);

}  // namespace evolq
