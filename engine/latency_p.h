#pragma once
// Engine-private: timing a TorchScript module op by op and attributing each op to a layer.

#include "latency.h"

#include <torch/script.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace qs {

/// Which layer a graph node's op belongs to, and as what.
struct OpTag {
    std::string kind;     ///< the node's op, as RecordFunction names it
    int site = -1;        ///< -1: between layers
    bool quantize = false;
};
using NodeTags = std::unordered_map<const torch::jit::Node*, OpTag>;

/// The graph's nodes in execution order (blocks in place), each with its tag from `tags`
/// (between layers when it has none).
std::vector<OpTag> tagsInOrder(torch::jit::Graph& graph, const NodeTags& tags);

/// Times `module` on `input`: end to end without hooks, then op by op through RecordFunction;
/// each op attributed by matching the recorded sequence against `order`.
LatencyProfile measureLatency(torch::jit::Module& module, const std::vector<OpTag>& order, const at::Tensor& input,
                              const QVector<LayerInfo>& layers, const QString& label, const LatencyOptions& options,
                              const JobControl& control);

} // namespace qs
