#pragma once

#include <torch/torch.h>

#include <atomic>
#include <functional>

#include "types/Events.h"

namespace evolq {

class FitnessFunction;

// Pause and cancel requests, honoured between fitness evaluations.
struct SearchControl {
    std::atomic<bool> cancel{false};
    std::atomic<bool> pause{false};
};

enum class SearchStatus { Finished, Paused, Cancelled };

// One fitness evaluation, as any search strategy reports it after it evaluated a genome of a
// block: the genome is in the model when the report arrives.
struct EvaluatedGenome {
    int evaluation = 0;  // 1-based over the run
    int pass = 0;
    int block = 0;
    int cycle = 0;         // -1 for the visit's starting genome
    torch::Tensor genome;  // as evaluated (the block's genome, flat)
    torch::Tensor parent;  // what it was derived from; undefined for a starting genome
    double fitness = 0;    // lower is better
    double seconds = 0;    // the evaluation's time
};

struct SearchCallbacks {
    std::function<void(const RunStartEvent&)> start;
    std::function<void(const FitnessEvent&)> fitness;
    std::function<void(const BlockVisitEvent&)> blockVisit;
    std::function<void(const RunEndEvent&)> end;
    // Hooks for what watches the search on its own thread (the live landscape): a block visit
    // begins, its fitness function prepared for the block; then every evaluation. Whatever runs
    // here may evaluate other genomes with that fitness function but must leave the model's
    // scales exactly as it found them and draw from no random source of the search.
    std::function<void(const VisitStartEvent&, FitnessFunction&)> visitStart;
    std::function<void(const EvaluatedGenome&)> evaluated;
};

}  // namespace evolq
