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

} // namespace qs
