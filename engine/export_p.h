#pragma once
// Engine-private: copies of the open model for export, with the probes replaced.

#include "model_p.h"
#include "trial.h"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <QByteArray>

#include <functional>

namespace qs {

/// What replaces one probe: given the copy, its forward graph, the probe node, the probe's
/// input, the site and whether it is the site's input (else its output), returns the value the
/// graph continues with (x itself to remove the probe). Insert new nodes before `probe`.
using ProbeReplacement = std::function<torch::jit::Value*(torch::jit::Module& copy, torch::jit::Graph& graph,
                                                          torch::jit::Node* probe, torch::jit::Value* x, int site, bool input)>;

/// What replaces a recurrent call (quantscope::lstm / gru, its sites from `firstSite`): returns
/// true when it replaced the call itself, false to leave it to LibTorch's own aten::lstm / gru.
using RecurrentReplacement =
    std::function<bool(torch::jit::Module& copy, torch::jit::Graph& graph, torch::jit::Node* call, int firstSite)>;

/// A clone of the open model with its own types and graphs (the model itself keeps its probes),
/// every probe replaced as `replace` says (removed when empty), every recurrent call as
/// `replaceRecurrent` says (LibTorch's aten::lstm / gru otherwise, so that the copy loads
/// anywhere), dead nodes eliminated.
torch::jit::Module probeFreeCopy(const Model::Impl& m, const ProbeReplacement& replace,
                                 const RecurrentReplacement& replaceRecurrent = {});
/// What replaces a site's input probe in a baked model: ATen's fake-quantize with the trial's
/// qparams for a static integer activation, a round trip through float16/bfloat16, else x.
torch::jit::Value* bakedActivation(torch::jit::Graph& graph, torch::jit::Node* probe, torch::jit::Value* x,
                                   const LayerTrialResult& layer, TrialMode mode);
/// Swaps the trial's fake-quantized weights into `copy`, except for sites marked in `skip`.
void bakeWeights(torch::jit::Module& copy, const Model::Impl& m, const TrialResult& r, const std::vector<bool>& skip);
/// The module as TorchScript bytes; throws EngineError(Internal) when LibTorch cannot save it.
QByteArray saveModule(const torch::jit::Module& module);

} // namespace qs
