#pragma once
// Engine-private: inserts quantscope::probe nodes into an inlined forward graph.

#include <torch/script.h>

#include <vector>

namespace qs {

struct ProbePoint {
    torch::jit::Node* node;   ///< the site's op node
    int site;
    int activationInput;      ///< index of the activation operand, or -1 (embedding)
};

/// Wraps each site's activation input and its output in a probe call. The whole list is
/// collected before the graph is touched; call before the module's first forward.
void insertProbes(torch::jit::Graph& graph, const std::vector<ProbePoint>& points);

} // namespace qs
