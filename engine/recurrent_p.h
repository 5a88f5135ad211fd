#pragma once
// Engine-private: LSTM and GRU layers as quantizable sites. Includes LibTorch.
//
// Each aten::lstm / aten::gru call of an nn.LSTM or nn.GRU (scripted or traced) becomes one site
// per layer and direction, named after PyTorch's parameters (rnn.l0, rnn.l0_reverse). The call
// is replaced by quantscope::lstm / quantscope::gru, which reads each weight from its own
// parameter (so that trials can swap it) and runs layer by layer with the site's probes around
// it: as LibTorch's own op per layer, or, for a handler that wants steps (dynamic quantization
// of the hidden state), step by step with ATen's cell arithmetic.

#include "model_p.h"

#include <QString>

#include <torch/script.h>

#include <vector>

namespace qs {

/// The sites of one recurrent call, before the call is rewritten.
struct RecurrentCall {
    torch::jit::Node* node = nullptr;
    QString op;                          ///< "lstm" or "gru"
    std::vector<std::string> modulePath; ///< the nn.LSTM / nn.GRU module from the root
    int layers = 0;
    int directions = 1;
    bool hasBiases = true;
};

/// Recognises an aten::lstm / aten::gru call whose weights are parameters of one submodule of
/// `self`. Returns false (and a reason in `why` when the call cannot be a site: packed
/// sequences, projections) for anything else.
bool recognizeRecurrent(torch::jit::Node* n, torch::jit::Value* self, const torch::jit::Module& root,
                        RecurrentCall& call, QString& why);

/// The layer infos and site references of a recognised call, one per layer and direction in
/// PyTorch's parameter order (l0, l0_reverse, l1, ...).
void recurrentSites(const RecurrentCall& call, const Model::Impl& m, QVector<LayerInfo>& layers,
                    std::vector<SiteRef>& sites);

/// Replaces the call by quantscope::lstm / quantscope::gru reading each weight from its
/// parameter, its sites numbered from `firstSite`.
void rewriteRecurrent(torch::jit::Graph& graph, torch::jit::Value* self, const RecurrentCall& call, int firstSite);

/// The quantscope::lstm / quantscope::gru calls of a graph (a copy's, for export).
std::vector<torch::jit::Node*> recurrentCalls(torch::jit::Graph& graph);
/// The first site of a quantscope::lstm / gru call.
int recurrentFirstSite(torch::jit::Node* call);
/// Replaces a quantscope::lstm / gru call by a node of `kind` with the call's inputs (without
/// the first site) followed by `extra`, and the call's outputs; the new node's inputs from 2 on
/// can then be changed. Returns the new node.
torch::jit::Node* replaceRecurrentCall(torch::jit::Graph& graph, torch::jit::Node* call, c10::Symbol kind,
                                       const std::vector<torch::jit::Value*>& extra = {});

} // namespace qs
