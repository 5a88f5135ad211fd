#pragma once
// Plot data shared by the window and the report: histograms, quantization grids and the
// statistics line of a profiled tensor.

#include "graph.h"
#include "graphview.h"
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
/// A trial's per-layer errors as the error chart's series: weight and input activation SQNR
/// (bars), the layer's output SQNR in the quantized model (accumulated error) and, when
/// measured, with only that layer quantized (local error), as lines along depth; the layer
/// names go to `names`.
QVector<ErrorSeries> trialErrorSeries(const TrialResult& r, QStringList* names);
/// rmse/scale of each layer's input activation, in two bar series: up to `high`, and above it
/// (drawn in red).
QVector<ErrorSeries> stepErrorSeries(const TrialResult& r, double high);
/// Each layer's quantization noise over signal power (%), split into rounding and clipping, as
/// two stacks: the weight's and the input activation's.
QVector<ErrorSeries> roundingClippingSeries(const TrialResult& r);
/// rmse/scale of pure rounding: 1/√12.
constexpr double kRoundingStepError = 0.28867513459481287;

/// What the graph's layer nodes are coloured by.
enum class GraphColour { None, WeightSqnr, ActivationSqnr, OutputSqnr, LocalSqnr, StepError, Bits, Sensitivity, LatencyMs };
/// Every colouring with its CLI name ("output_sqnr", …) and its label in the window.
struct GraphColourName {
    GraphColour colour;
    const char* name;
    const char* label;
    bool ofTrial = true; ///< a trial's figure; false: the window's last sensitivity run or latency measurement
};
/// Per-layer figures that are not a trial's, for the graph's colours (empty: none yet).
struct GraphExtras {
    QVector<double> sensitivity; ///< points lost (or perplexity added) with only that layer quantized
    QVector<double> latencyMs;   ///< the layer's time per forward pass (the last measurement)
};
const QVector<GraphColourName>& graphColours();
/// The colouring of a CLI name; throws EngineError(BadInput) listing the names for another.
GraphColour parseGraphColour(const QString& name);
/// The model's graph as a picture: layers as boxes coloured by `colour` of `trial` (red bad,
/// green good, grey unchanged or not measured); with `against`, by how much better (blue) or
/// worse (red) `trial`'s value is than `against`'s. The title says what the colours mean.
GraphPicture graphPicture(const ModelGraph& graph, const QVector<LayerInfo>& layers, const TrialResult* trial,
                          GraphColour colour, const TrialResult* against = nullptr, const GraphExtras& extras = {});

/// "N values · mean · std · excess kurtosis · channels".
QString statsLine(const TensorStats& s);

} // namespace qs
