#pragma once
// Clipping ranges chosen from a histogram: percentile, MSE-optimal and entropy (KL divergence).
// Pure maths on the engine's histograms; no LibTorch. PyTorch has no observer for these, so
// they are QuantScope's own, documented in the README.

#include "quant.h"
#include "stats.h"

namespace qs {

struct ClipRange {
    double lo = 0;
    double hi = 0;
};

/// [lower, upper] percentiles: the `percentile`-th of the values and the (100 − percentile)-th,
/// interpolated linearly inside histogram bins.
ClipRange percentileRange(const Histogram& h, double percentile);

/// The range, shrunk from [min, max] towards zero by a common factor, that minimises the
/// expected squared error: clipping error outside, step²/12 rounding noise inside.
ClipRange mseRange(const Histogram& h, double min, double max, const QuantSpec& spec);

/// TensorRT-style entropy calibration: the threshold on |x| whose quantized distribution is
/// closest (KL divergence) to the clipped original; the range is [max(min, −t), min(max, t)].
ClipRange entropyRange(const Histogram& h, double min, double max, const QuantSpec& spec);

/// What quantizing with the clipping range [lo, hi] does to a tensor: the SQNR and its error
/// split into rounding (values inside the range) and clipping (outside), as a trial reports it.
struct RangeEffect {
    QParams qparams;
    double sqnr = 0; ///< dB
    double roundingMse = 0, clippingMse = 0, clippedShare = 0;
};

/// The effect of [lo, hi] (as a fixed range of `spec`'s type) on the values a histogram holds,
/// each bin's count at its centre — for activations, from their calibration histogram.
RangeEffect rangeEffect(const Histogram& h, double lo, double hi, const QuantSpec& spec);

} // namespace qs
