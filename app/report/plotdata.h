#pragma once
// Plot data shared by the window and the report: histograms, quantization grids and the
// statistics line of a profiled tensor.

#include "histogramplot.h"
#include "layererrorplot.h"
#include "paretoplot.h"
#include "quant.h"
#include "stats.h"
#include "store.h"

#include <QString>

namespace qs {

/// The grid of one tensor's qparams; for per-channel or group qparams, the widest one.
QuantGrid gridOf(const QParams& q, const QString& what);
/// Display bins of a tensor's exact histogram, with its min, max and mean.
HistogramData toHistogram(const TensorStats& s, const QString& title, const QString& xLabel);
/// Sets a size plot's y axis for the metric: "top-1 (%)", or "perplexity (lower is better)".
void setPlotMetric(ParetoPlot& plot, Metric metric);
/// A stored trial as a point of the size plot (score as TrialResult::score), with its hover text;
/// `partial` when it was scored on fewer than `fullSamples` samples. `layerCount` describes a
/// history row's per-layer settings.
TrialPoint trialPoint(const StoredTrial& t, qint64 fullSamples, int layerCount);
/// A trial's per-layer errors as the error chart's three series (weight, input activation,
/// layer output); the layer names go to `names`.
QVector<ErrorSeries> trialErrorSeries(const TrialResult& r, QStringList* names);

/// "N values · mean · std · excess kurtosis · channels".
QString statsLine(const TensorStats& s);

} // namespace qs
