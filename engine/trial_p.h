#pragma once
// Engine-private: a layer's weight quantized as in a trial, for exports that bake it in.

#include "model_p.h"
#include "quant.h"
#include "trial.h"

#include <torch/script.h>

namespace qs {

/// Fake-quantizes one site's weight as `ws` says, filling the weight fields of `lr` (spec
/// actually applied, bits, qparams, SQNR, quantized histogram); a weight that cannot take the
/// spec stays float, with a warning. A recurrent site's weight_ih and weight_hh are quantized
/// each on its own (their qparams follow each other in `lr`). Defined in trialweights.cpp.
at::Tensor quantizeWeight(const Model::Impl& m, int site, QuantSpec ws, LayerTrialResult& lr, QStringList& warnings);

/// The weight fields of `lr` (rounding/clipping split, level usage, SQNR, quantized histogram)
/// for weight `w` replaced by `wq` on the grid of lr.weightQParams — AdaRound's rounding.
void setQuantizedWeightFields(const at::Tensor& w, const at::Tensor& wq, int channelAxis, LayerTrialResult& lr);

/// The weight of `site` fake-quantized as `spec` says — the same values a trial swaps in.
at::Tensor fakeQuantizedWeight(const Model::Impl& m, int site, const QuantSpec& spec);

/// Sets a tensor attribute by path from `root`; returns the previous value. An Optional[Tensor]
/// attribute (a convolution's bias) may be None: undefined tensors stand for None both ways.
at::Tensor swapTensor(torch::jit::Module root, const std::vector<std::string>& path, const at::Tensor& value);

/// Whether the attribute at `path` is None and declared Optional[Tensor] (nn.Conv2d(bias=False)'s
/// bias), so that a tensor can be set there; nn.Linear(bias=False)'s is NoneType and cannot.
bool canTakeTensor(torch::jit::Module root, const std::vector<std::string>& path);

/// A tensor attribute's path and value.
using TensorSlot = std::pair<std::vector<std::string>, at::Tensor>;

/// Sets the weight of `site` in `root` (the model's module or a copy of it) to `value`, split
/// into weight_ih and weight_hh for a recurrent site; returns the previous values by path.
std::vector<TensorSlot> swapSiteWeight(torch::jit::Module root, const Model::Impl& m, int site, const at::Tensor& value);

} // namespace qs
