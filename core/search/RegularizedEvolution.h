#pragma once

#include <torch/torch.h>

#include <random>
#include <vector>

namespace evolq {

// The per-block evolution loop of Evol-Q, independent of what the genome means: a population of
// copies of a starting genome; each cycle draws `samples` members with replacement, the fittest is
// the parent, the child is |parent + U(-r, r)| elementwise (or |parent + U(-r, r) * step| with a
// per-element step, for a range relative to each element's size); the child joins and the worst
// leaves (the oldest among equals). Lower fitness is better. Driven one child at a time so that a
// caller can stop between evaluations and continue later with identical results.
class RegularizedEvolution {
public:
    struct Member {
        torch::Tensor genome;
        double fitness;
    };

    RegularizedEvolution(int population, int samples, double range)
        : m_size(population), m_samples(samples), m_range(range) {}

    // `step`, when defined, has the genome's shape and multiplies the noise elementwise.
    void reset(const torch::Tensor& genome, double fitness, const torch::Tensor& step = {}) {
        m_pop.assign(m_size, Member{genome.clone(), fitness});
        m_step = step.defined() ? step.reshape(genome.sizes()).to(genome.dtype()).clone()
                                : torch::Tensor();
    }
    // The next child, drawing from `rng`; *parent (when given) is the tournament's winner.
    torch::Tensor propose(std::mt19937_64& rng, torch::Tensor* parent = nullptr) const;
    void accept(const torch::Tensor& child, double fitness);
    const Member& best() const;
    const std::vector<Member>& population() const { return m_pop; }
    double range() const { return m_range; }

    // Uniform in [0, 1) from 53 random bits: the same sequence on every platform.
    static double uniform01(std::mt19937_64& rng) {
        return static_cast<double>(rng() >> 11) * 0x1.0p-53;
    }

private:
    int m_size, m_samples;
    double m_range;
    std::vector<Member> m_pop;
    torch::Tensor m_step;
};

}  // namespace evolq
