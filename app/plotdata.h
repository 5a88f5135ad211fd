#pragma once
// Plot data shared by the window and the report: histograms, quantization grids and the
// statistics line of a profiled tensor.

#include "histogramplot.h"
#include "quant.h"
#include "stats.h"

#include <QString>

namespace qs {

/// The grid of one tensor's qparams; for per-channel or group qparams, the widest one.
QuantGrid gridOf(const QParams& q, const QString& what);
/// Decibels with one decimal; "∞" for no error.
QString dB(double v);
/// Display bins of a tensor's exact histogram, with its min, max and mean.
HistogramData toHistogram(const TensorStats& s, const QString& title, const QString& xLabel);
/// "N values · mean · std · excess kurtosis · channels".
QString statsLine(const TensorStats& s);

} // namespace qs
