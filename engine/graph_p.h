#pragma once
// Engine-private: the collapsed graph with the TorchScript node behind each shown node (for tests).

#include "graph.h"
#include "model_p.h"

namespace qs {

/// modelGraph, and in `nodes` the TorchScript node of each shown node (nullptr for input and output).
ModelGraph modelGraph(const Model::Impl& m, std::vector<torch::jit::Node*>* nodes);

/// Whether a node of this kind is shown between layers.
bool isShownOp(c10::Symbol kind);

/// For a clamp that replaced a ReLU6 or hardtanh between two layers at load (boundClamps), the
/// activation's name ("relu6", "hardtanh"); else "".
QString boundedActivation(const torch::jit::Node* n);

} // namespace qs
