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

/// What quantizeBetweenLayers did.
struct Int8GraphStats {
    int quantizedOps = 0;  ///< ops between layers running on quantized tensors (adds, pooling, reshapes, clamps, cat)
    int fusedRelu = 0;     ///< ReLUs folded into the kernel or add before them
    int requantized = 0;   ///< quantized values quantized again to another scale (through float)
    int chainedLayers = 0; ///< int8 layers whose output reaches a quantized op without going through float
};

/// The residual adds (aten::add / add_ of two tensors) and concatenations of `graph`, in order:
/// where calibration observes outputs that may stay quantized.
std::vector<torch::jit::Node*> int8CandidateJoins(torch::jit::Graph& graph);

/// Rewrites an int8 graph (quantize → int8 kernel → dequantize per layer) so that quantized
/// tensors flow between layers: each kernel writes in the scale of the quantization that
/// follows it through clamps and layout ops; dequantize sinks through ops with quantized
/// kernels (ReLU, hardtanh, max/average/adaptive pooling, mean, flatten, reshape, view,
/// dropout); adds and concatenations of quantized tensors become quantized::add / cat, in the
/// scale of the quantization after them or their `observed` output qparams (else they stay
/// float); a quantization to the scale a tensor already has is dropped; a ReLU after a kernel or
/// add is fused into it. New nodes take the tags of the nodes they replace.
/// Puts back a ReLU6 or hardtanh for each clamp that boundClamps gave a per-channel bound where
/// the bound is the same for every channel (no equalization changed it): quantized tensors go
/// through a hardtanh, not through a clamp to a tensor. Returns how many.
int restoreUniformClamps(torch::jit::Graph& graph, const torch::jit::Module& module);

Int8GraphStats quantizeBetweenLayers(const std::shared_ptr<torch::jit::Graph>& graph, NodeTags& tags,
                                     const std::unordered_map<const torch::jit::Node*, std::pair<double, int64_t>>& observed);

/// The int8 model of a trial (see buildInt8Model), not yet evaluated or timed.
Int8Build buildInt8(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                    const TrialOptions& options, const JobControl& control);

} // namespace qs
