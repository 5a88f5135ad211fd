#pragma once
// Engine-private: the int8 model as built, with each op's layer for the time profile.

#include "int8.h"
#include "latency_p.h"

#include <torch/script.h>

#include <vector>

namespace qs {

struct Int8Build {
    Int8Result result;              ///< what is known before evaluating: engine, layers, the TorchScript
    torch::jit::Module module;      ///< the int8 model
    torch::jit::Module floatModule; ///< the float model without probes, for comparison
    NodeTags tags;                  ///< the int8 model's nodes put in for a layer, or that are its op
    std::vector<bool> int8;         ///< per site: on int8 kernels
};

/// The int8 model of a trial (see buildInt8Model), not yet evaluated or timed.
Int8Build buildInt8(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                    const TrialOptions& options, const JobControl& control);

} // namespace qs
