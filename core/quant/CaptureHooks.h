#pragma once

#include <torch/torch.h>

#include <map>
#include <set>

#include "model/VitModel.h"

namespace evolq {

// Hooks that pass every call on to `inner` (none: the float model) and keep the tensors at chosen
// activation points, as they arrive (raw) and as they leave (quantized by `inner`). For the
// layer-wise work of the similarity search, mixed precision and reconstruction; one thread only.
class CaptureHooks : public ForwardHooks {
public:
    CaptureHooks(ForwardHooks* inner, std::set<int> points)
        : m_inner(inner), m_points(std::move(points)) {}

    torch::Tensor weight(int layer, const torch::Tensor& w) override {
        return m_inner ? m_inner->weight(layer, w) : w;
    }
    torch::Tensor bias(int layer, const torch::Tensor& b) override {
        return m_inner ? m_inner->bias(layer, b) : b;
    }
    torch::Tensor activation(int point, const torch::Tensor& x) override {
        const torch::Tensor y = m_inner ? m_inner->activation(point, x) : x;
        if (m_points.count(point)) {
            raw[point] = x;
            out[point] = y;
        }
        return y;
    }
    void prepareConcurrent() override {
        if (m_inner) m_inner->prepareConcurrent();
    }

    std::map<int, torch::Tensor> raw, out;

private:
    ForwardHooks* m_inner;
    std::set<int> m_points;
};

}  // namespace evolq
