#pragma once
// Engine-private: a layer's weight quantized as in a trial, for exports that bake it in.

#include "model_p.h"
#include "quant.h"

#include <torch/script.h>

namespace qs {

/// The weight of `site` fake-quantized as `spec` says — the same values a trial swaps in.
at::Tensor fakeQuantizedWeight(const Model::Impl& m, int site, const QuantSpec& spec);

/// Sets a tensor attribute by path from `root`; returns the previous value.
at::Tensor swapTensor(torch::jit::Module root, const std::vector<std::string>& path, const at::Tensor& value);

/// A tensor attribute's path and value.
using TensorSlot = std::pair<std::vector<std::string>, at::Tensor>;

/// Sets the weight of `site` in `root` (the model's module or a copy of it) to `value`, split
/// into weight_ih and weight_hh for a recurrent site; returns the previous values by path.
std::vector<TensorSlot> swapSiteWeight(torch::jit::Module root, const Model::Impl& m, int site, const at::Tensor& value);

} // namespace qs
