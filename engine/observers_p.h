#pragma once
// Engine-private: observers that turn observed tensors into scale and zero point, mirroring
// torch.ao.quantization.observer of PyTorch 1.13 (Debian's) op for op, so the numbers agree.

#include "quant.h"

#include <torch/script.h>

#include <memory>

namespace qs {

class Observer
{
public:
    virtual ~Observer() = default;
    /// Feeds one batch (any shape; per-channel observers use the spec's axis).
    virtual void observe(const at::Tensor& x) = 0;
    virtual QParams qparams() const = 0;
};

/// The observer for a spec's range method and granularity.
std::unique_ptr<Observer> makeObserver(const QuantSpec& spec);

/// Same counts as at::histc(x, bins, min, max) of LibTorch 1.13, several times faster.
/// Defined in fakequant.cpp.
at::Tensor histcLinear(const at::Tensor& x, int64_t bins, double min, double max);

/// PyTorch 1.13's HistogramObserver._combine_histograms, bit for bit, into `combined` (bins
/// floats): `orig` upsampled `upsample`× into bins × downsample slots from `start`, a float64
/// cumsum, every downsample-th value, differences against the float32-rounded previous one,
/// divided by `upsample`, added as float32. Without the 2048 × downsample slots: runs of equal
/// values are added at once where that is exact, one by one where it is not.
void combineHistograms(const float* orig, float* combined, int64_t bins, int64_t upsample, int64_t downsample,
                       int64_t start);

/// Same values as at::fake_quantize_per_tensor_affine for finite inputs (±Inf clamp to the
/// nearer end instead of quant_min), several times faster. Defined in fakequant.cpp.
at::Tensor fakeQuantizePerTensor(const at::Tensor& x, double scale, int64_t zeroPoint, int64_t quantMin,
                                 int64_t quantMax);

/// The sums a layer's output error is measured by, in one pass over two float32 tensors of the
/// same shape, accumulated in double: Σref², Σ(out−ref)², Σref·out, Σout². `valid` is false when
/// the tensors are not contiguous float32 or hold NaN or infinity (then measure otherwise).
/// Defined in fakequant.cpp.
struct ErrorMoments {
    bool valid = false;
    double refSquares = 0, noise = 0, dot = 0, outSquares = 0, maxAbs = 0;
};
ErrorMoments errorMoments(const at::Tensor& ref, const at::Tensor& out);

} // namespace qs
