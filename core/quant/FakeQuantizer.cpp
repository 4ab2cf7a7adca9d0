#include "quant/FakeQuantizer.h"

#include <algorithm>
#include <limits>

#include "common/Error.h"

namespace evolq {

torch::Tensor fakeQuantize(const torch::Tensor& x, const torch::Tensor& scale,
                           const torch::Tensor& zero, double lo, double hi) {
    // torch::round rounds half to even, as the integer hardware's convert does.
    return x.div(scale).add_(zero).round_().clamp_(lo, hi).sub_(zero).mul_(scale);
}

torch::Tensor log2Quantize(const torch::Tensor& x, int bits) {
    const double levels = std::ldexp(1.0, bits);
    const torch::Tensor rounds = torch::round(-torch::log2(x));
    const torch::Tensor dropped = rounds >= levels;
    torch::Tensor out = torch::pow(2.0, -rounds.clamp(0, levels - 1));
    return out.masked_fill_(dropped, 0.0);
}

void rangeToParams(const torch::Tensor& minIn, const torch::Tensor& maxIn, const BitSpec& b,
                   torch::Tensor* scale, torch::Tensor* zero) {
    const double eps = std::numeric_limits<float>::epsilon();
    const double lo = b.lo(), hi = b.hi();
    if (b.isSigned) {
        const torch::Tensor m = torch::max(-minIn, maxIn);
        *scale = (m / ((hi - lo) / 2)).clamp_min(eps);
        *zero = torch::zeros_like(*scale);
    } else {
        *scale = ((maxIn - minIn) / (hi - lo)).clamp_min(eps);
        *zero = (lo - torch::round(minIn / *scale)).clamp(lo, hi);
    }
}

FakeQuantizer::FakeQuantizer(QString name, bool isWeight, BitSpec bits, Granularity g, int axis,
                             ObserverKind observer, bool ptf, bool log2)
    : m_name(std::move(name)),
      m_isWeight(isWeight),
      m_bits(bits),
      m_gran(g),
      m_axis(axis),
      m_observer(observer),
      m_ptf(ptf),
      m_log2(log2) {}

void FakeQuantizer::resetObserver() {
    m_min = m_max = m_last = torch::Tensor();
}

torch::Tensor FakeQuantizer::channelsFirst(const torch::Tensor& x) const {
    if (m_gran == Granularity::PerTensor && !m_ptf) return x.reshape({1, -1});
    const int64_t ax = m_axis < 0 ? x.dim() + m_axis : m_axis;
    return x.movedim(ax, 0).reshape({x.size(ax), -1});
}

torch::Tensor FakeQuantizer::shaped(const torch::Tensor& p, const torch::Tensor& like) const {
    if (p.numel() == 1) return p.reshape({});
    const int64_t ax = m_axis < 0 ? like.dim() + m_axis : m_axis;
    std::vector<int64_t> shape(like.dim(), 1);
    shape[ax] = p.numel();
    return p.view(shape);
}

void FakeQuantizer::observe(const torch::Tensor& xin, bool lastBatch) {
    if (!enabled() || m_log2) return;
    const torch::Tensor x = xin.detach().to(torch::kFloat32);
    const torch::Tensor flat = channelsFirst(x);
    torch::Tensor curMin, curMax;
    if (m_observer == ObserverKind::Percentile) {
        // FQ-ViT clips at the 0.99999 quantile (and its mirror), smoothed over batches.
        const int64_t n = flat.size(1);
        const int64_t kHi = std::max<int64_t>(
            1, std::min<int64_t>(n, static_cast<int64_t>(std::ceil(0.99999 * n))));
        const int64_t kLo = std::max<int64_t>(
            1, std::min<int64_t>(n, static_cast<int64_t>(std::floor(0.00001 * n)) + 1));
        curMax = std::get<0>(flat.kthvalue(kHi, 1));
        curMin = std::get<0>(flat.kthvalue(kLo, 1));
    } else {
        curMin = flat.amin(1);
        curMax = flat.amax(1);
    }
    if (!m_min.defined()) {
        m_min = curMin;
        m_max = curMax;
    } else if (m_observer == ObserverKind::Ema || m_observer == ObserverKind::Percentile) {
        m_min = m_min + 0.01 * (curMin - m_min);
        m_max = m_max + 0.01 * (curMax - m_max);
    } else {
        m_min = torch::min(m_min, curMin);
        m_max = torch::max(m_max, curMax);
    }
    if (lastBatch && (m_ptf || m_observer == ObserverKind::Omse)) m_last = x.clone();
}

void ptfParams(const torch::Tensor& data, const torch::Tensor& minv, const torch::Tensor& maxv,
               const BitSpec& b, torch::Tensor* scale, torch::Tensor* zero) {
    const double eps = std::numeric_limits<float>::epsilon();
    const double lo = b.lo(), hi = b.hi();
    const torch::Tensor maxT = maxv.max(), minT = minv.min();
    const torch::Tensor s8 = ((maxT - minT) / (hi - lo)).clamp_min(eps);
    const torch::Tensor z = (lo - torch::round(minT / s8)).clamp(lo, hi);
    const torch::Tensor s1 = s8 / 8;
    const int64_t C = data.size(-1);
    const torch::Tensor d = data.reshape({-1, C});
    torch::Tensor best, bestErr;
    for (int alpha = 0; alpha <= 3; ++alpha) {
        const torch::Tensor s = s1 * std::ldexp(1.0, alpha);
        const torch::Tensor err = (fakeQuantize(d, s, z, lo, hi) - d).pow(2).sum(0);  // per channel
        if (!best.defined()) {
            best = torch::zeros({C});
            bestErr = err;
        } else {
            const torch::Tensor better = err < bestErr;
            best = torch::where(better, torch::full({C}, static_cast<float>(alpha)), best);
            bestErr = torch::where(better, err, bestErr);
        }
    }
    *scale = s1 * torch::pow(2.0, best);
    *zero = z.expand({C}).clone();
}

void omseParams(const torch::Tensor& data, const torch::Tensor& minv, const torch::Tensor& maxv,
                const BitSpec& b, const std::function<torch::Tensor(const torch::Tensor&)>& shape,
                torch::Tensor* scale, torch::Tensor* zero) {
    double bestErr = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 90; ++i) {
        const double f = 1.0 - 0.01 * i;
        torch::Tensor s, z;
        rangeToParams(minv * f, maxv * f, b, &s, &z);
        const double err = (fakeQuantize(data, shape(s), shape(z), b.lo(), b.hi()) - data)
                               .pow(2)
                               .sum()
                               .item<double>();
        if (err < bestErr) {
            bestErr = err;
            *scale = s;
            *zero = z;
        }
    }
}

void FakeQuantizer::finalize() {
    if (!enabled() || m_log2) {
        m_scale = torch::ones({1});
        m_zero = torch::zeros({1});
        return;
    }
    if (!m_min.defined())
        throw Error(QString("quantizer %1 saw no data during calibration").arg(m_name));
    if (m_ptf) {
        ptfParams(m_last, m_min, m_max, m_bits, &m_scale, &m_zero);
    } else if (m_observer == ObserverKind::Omse) {
        const torch::Tensor data = m_last.defined() ? m_last : torch::Tensor();
        if (!data.defined())
            throw Error(QString("quantizer %1: OMSE needs the last calibration batch").arg(m_name));
        omseParams(
            data, m_min, m_max, m_bits, [&](const torch::Tensor& p) { return shaped(p, data); },
            &m_scale, &m_zero);
    } else {
        rangeToParams(m_min, m_max, m_bits, &m_scale, &m_zero);
    }
    m_scale = m_scale.to(torch::kFloat32).contiguous();
    m_zero = m_zero.to(torch::kFloat32).contiguous();
    m_last = torch::Tensor();
}

bool FakeQuantizer::affine(int64_t dims, int64_t lastDim, AffineQuant* q) const {
    if (!enabled()) {
        *q = AffineQuant{};
        return true;
    }
    if (m_isWeight || m_log2 || !m_scale.defined()) return false;
    const int64_t C = m_scale.numel();
    const bool lastAxis = C == 1 || m_axis == -1 || m_axis == dims - 1;
    if (!lastAxis || (C != 1 && C != lastDim) || m_zero.numel() != C) return false;
    q->scale = m_scale.data_ptr<float>();
    q->zero = m_zero.data_ptr<float>();
    q->channels = C;
    q->lo = static_cast<float>(m_bits.lo());
    q->hi = static_cast<float>(m_bits.hi());
    return true;
}

torch::Tensor FakeQuantizer::apply(const torch::Tensor& x) const {
    if (!enabled()) return x;
    if (m_log2) return log2Quantize(x, m_bits.bits);
    // Activations (per tensor, or per channel of the last dimension with PTF) take the fused
    // single pass: they are quantized at every forward, and the six elementwise passes of
    // fakeQuantize() over large activations cost more than the matrix products around them.
    AffineQuant q;
    if (x.scalar_type() == torch::kFloat32 && x.dim() >= 1 && affine(x.dim(), x.size(-1), &q)) {
        const torch::Tensor xc = x.contiguous();
        torch::Tensor out = torch::empty_like(xc);
        fakeQuantizeRows(xc.data_ptr<float>(), out.data_ptr<float>(), xc.numel() / q.channels, q);
        return out;
    }
    return fakeQuantize(x, shaped(m_scale, x), shaped(m_zero, x), m_bits.lo(), m_bits.hi());
}

void FakeQuantizer::setParams(const torch::Tensor& scale, const torch::Tensor& zero) {
    m_scale = scale.to(torch::kFloat32).contiguous();
    m_zero = zero.to(torch::kFloat32).contiguous();
}

void FakeQuantizer::setScale(const torch::Tensor& scale) {
    m_scale = scale.to(torch::kFloat32).contiguous();
}

}  // namespace evolq
