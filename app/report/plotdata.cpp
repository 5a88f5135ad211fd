#include "plotdata.h"

#include "errors.h"
#include "format.h"

#include <QLocale>
#include <QObject>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

namespace {
constexpr int kMaxGridLines = 64; // above this (e.g. 256 levels of 8 bits) only the clipping range is drawn

} // namespace

QuantGrid gridOf(const QParams& q, const QString& what)
{
    if (q.scale.isEmpty() || q.zeroPoint.size() != q.scale.size())
        return {};
    qsizetype widest = 0;
    for (qsizetype i = 1; i < q.scale.size(); ++i)
        if (q.scale[i] > q.scale[widest])
            widest = i;
    QuantGrid g = quantGrid(q.scale[widest], q.zeroPoint[widest], q.quantMin, q.quantMax, kMaxGridLines);
    if (q.scale.size() > 1)
        g.caption += QObject::tr(", widest of %1 %2").arg(q.scale.size()).arg(what);
    return g;
}

HistogramData toHistogram(const TensorStats& s, const QString& title, const QString& xLabel)
{
    // About two bins per square root of the count: small weights get few, smooth bins.
    const int bins = std::clamp(int(2 * std::sqrt(double(s.count))), 16, 160);
    HistogramData h;
    h.bins = displayBins({s.histogram.lo, s.histogram.hi, s.histogram.counts}, s.min, s.max, bins);
    h.min = s.min;
    h.max = s.max;
    h.mean = s.mean;
    h.title = title;
    h.xLabel = xLabel;
    return h;
}

void setPlotMetric(ParetoPlot& plot, Metric metric)
{
    switch (metric) {
    case Metric::Perplexity:
        plot.setMetric(QObject::tr("perplexity (lower is better)"), true);
        break;
    case Metric::Agreement:
        plot.setMetric(QObject::tr("top-1 agreement with float (%)"), false);
        break;
    case Metric::Accuracy:
        plot.setMetric(QObject::tr("top-1 (%)"), false);
        break;
    }
}

TrialPoint trialPoint(const StoredTrial& t, qint64 fullSamples, int layerCount)
{
    const TrialResult& r = t.result;
    const bool partial = r.evaluationSamples > 0 && r.evaluationSamples < fullSamples;
    TrialPoint p;
    p.id = t.id;
    p.sizeBytes = double(r.sizeBytes);
    p.metric = r.score();
    p.latencyMs = t.latencyBatch > 0 ? t.int8Ms : 0;
    p.partial = partial;
    p.label = QObject::tr("#%1 %2\n%3\n%4 %5 (%6 against float's %7 on %8 samples%9)\n%10 bytes, %11 smaller")
            .arg(t.id)
            .arg(t.name, trialSettingsLine(t.settings, r, layerCount), metricName(r.metric),
                 formatScore(r.metric, r.score()), formatChange(r.metric, r.score() - r.floatScore()),
                 formatScore(r.metric, r.floatScore()), QLocale().toString(r.evaluationSamples),
                 partial ? QObject::tr(", a subset: not comparable with the whole split") : QString())
            .arg(formatBytes(r.sizeBytes), formatRatio(r.compression())) +
            (t.latencyBatch > 0 ? QObject::tr("\nint8 %1 ms end to end (float %2 ms), batch %3")
                                      .arg(QLocale().toString(t.int8Ms, 'f', 3), QLocale().toString(t.floatMs, 'f', 3))
                                      .arg(t.latencyBatch)
                                : QString());
    return p;
}

QString statsLine(const TensorStats& s)
{
    const QLocale locale;
    return QObject::tr("%1 values · mean %2 · std %3 · excess kurtosis %4%5")
        .arg(locale.toString(s.count))
        .arg(s.mean, 0, 'g', 4)
        .arg(s.std, 0, 'g', 4)
        .arg(s.kurtosis, 0, 'f', 2)
        .arg(s.channelMin.size() > 1 ? QObject::tr(" · %1 channels").arg(s.channelMin.size()) : QString());
}

QVector<ErrorSeries> trialErrorSeries(const TrialResult& r, QStringList* names)
{
    QVector<ErrorSeries> series(4);
    series[0].name = QObject::tr("weight");
    series[1].name = QObject::tr("input activation");
    series[2].name = QObject::tr("output (accumulated)");
    series[2].kind = ErrorSeries::Line;
    series[3].name = QObject::tr("output (local)");
    series[3].kind = ErrorSeries::Line;
    for (const LayerTrialResult& l : r.layers) {
        *names << l.name;
        series[0].values << l.weightSqnr;
        series[1].values << l.activationSqnr;
        series[2].values << l.outputSqnr;
        series[3].values << l.localSqnr; // NaN when not measured: the series is left out
    }
    return series;
}

QVector<ErrorSeries> stepErrorSeries(const TrialResult& r, double high)
{
    QVector<ErrorSeries> series(2);
    series[0].name = QObject::tr("input activation (rmse / scale)");
    series[1].name = QObject::tr("above %1: clipping").arg(high);
    series[1].colour = QColor(192, 57, 43);
    series[1].stackOn = 0; // the same place as the first, never both
    for (const LayerTrialResult& l : r.layers) {
        const double v = std::isnan(l.rmseOverScale) ? 0.0 : l.rmseOverScale; // float input: no bar
        series[0].values << (v > high ? 0.0 : v);
        series[1].values << (v > high ? v : 0.0);
    }
    return series;
}

QVector<ErrorSeries> roundingClippingSeries(const TrialResult& r)
{
    QVector<ErrorSeries> series(4);
    series[0].name = QObject::tr("weight rounding");
    series[1].name = QObject::tr("weight clipping");
    series[1].stackOn = 0;
    series[1].colour = QColor(41, 128, 185).darker(160);
    series[2].name = QObject::tr("activation rounding");
    series[2].colour = QColor(230, 126, 34);
    series[3].name = QObject::tr("activation clipping");
    series[3].stackOn = 2;
    series[3].colour = QColor(230, 126, 34).darker(160);
    // Noise over signal: the SQNR says it, the split says which part is which.
    auto share = [](double part, double total, double sqnr) {
        if (!(total > 0) || !std::isfinite(sqnr))
            return 0.0;
        return 100 * part / total * std::pow(10.0, -sqnr / 10);
    };
    for (const LayerTrialResult& l : r.layers) {
        const double w = l.weightRoundingMse + l.weightClippingMse;
        const double a = l.activationRoundingMse + l.activationClippingMse;
        series[0].values << share(l.weightRoundingMse, w, l.weightSqnr);
        series[1].values << share(l.weightClippingMse, w, l.weightSqnr);
        series[2].values << share(l.activationRoundingMse, a, l.activationSqnr);
        series[3].values << share(l.activationClippingMse, a, l.activationSqnr);
    }
    return series;
}

const QVector<GraphColourName>& graphColours()
{
    static const QVector<GraphColourName> all{
        {GraphColour::None, "none", QT_TR_NOOP("nothing")},
        {GraphColour::WeightSqnr, "weight_sqnr", QT_TR_NOOP("weight SQNR")},
        {GraphColour::ActivationSqnr, "activation_sqnr", QT_TR_NOOP("input activation SQNR")},
        {GraphColour::OutputSqnr, "output_sqnr", QT_TR_NOOP("output SQNR (accumulated)")},
        {GraphColour::LocalSqnr, "local_sqnr", QT_TR_NOOP("local SQNR")},
        {GraphColour::StepError, "rmse_over_scale", QT_TR_NOOP("activation error in steps")},
        {GraphColour::Bits, "bits", QT_TR_NOOP("weight bits")},
        {GraphColour::Sensitivity, "sensitivity", QT_TR_NOOP("sensitivity"), false},
        {GraphColour::LatencyMs, "latency", QT_TR_NOOP("latency (ms)"), false}};
    return all;
}

GraphColour parseGraphColour(const QString& name)
{
    QStringList names;
    for (const GraphColourName& c : graphColours()) {
        if (!c.ofTrial)
            continue; // the window's sensitivity and latency figures are not kept with a trial
        if (name == QLatin1String(c.name))
            return c.colour;
        names << QString::fromLatin1(c.name);
    }
    throw EngineError(ErrorKind::BadInput,
                      QStringLiteral("--color %1: expected one of %2").arg(name, names.join(QStringLiteral(", "))));
}

namespace {

/// The value a layer is coloured by; NaN when it has none.
double colourValue(const LayerTrialResult& l, GraphColour colour)
{
    switch (colour) {
    case GraphColour::None: return std::numeric_limits<double>::quiet_NaN();
    case GraphColour::WeightSqnr: return l.weightSqnr;
    case GraphColour::ActivationSqnr: return l.activationSqnr;
    case GraphColour::OutputSqnr: return l.outputSqnr;
    case GraphColour::LocalSqnr: return l.localSqnr;
    case GraphColour::StepError: return l.rmseOverScale;
    case GraphColour::Bits: return l.weightBits;
    case GraphColour::Sensitivity:
    case GraphColour::LatencyMs: break; // not a trial's
    }
    return std::numeric_limits<double>::quiet_NaN();
}

/// 0 (bad) … 1 (good) for a value of that colouring; NaN: not coloured.
double goodness(double v, GraphColour colour)
{
    if (std::isnan(v) || std::isinf(v))
        return std::numeric_limits<double>::quiet_NaN();
    switch (colour) {
    case GraphColour::StepError: return std::clamp(1 - (v - 0.289) / (0.7 - 0.289), 0.0, 1.0);
    case GraphColour::Bits: return v >= 32 ? std::numeric_limits<double>::quiet_NaN() : std::clamp((v - 2) / 6, 0.0, 1.0);
    case GraphColour::Sensitivity: return std::clamp(1 - v / 5, 0.0, 1.0); // 0 points green … 5 and more red
    default: return std::clamp(v / 40, 0.0, 1.0); // dB: 0 red … 40 green
    }
}

QString valueText(double v, GraphColour colour)
{
    if (std::isnan(v))
        return QObject::tr("not measured");
    if (colour == GraphColour::StepError)
        return QLocale().toString(v, 'f', 3);
    if (colour == GraphColour::Bits)
        return v >= 32 ? QObject::tr("float") : QObject::tr("%1 bits").arg(v);
    if (colour == GraphColour::Sensitivity)
        return QLocale().toString(v, 'f', 2);
    if (colour == GraphColour::LatencyMs)
        return QObject::tr("%1 ms").arg(QLocale().toString(v, 'f', 3));
    return formatDb(v) + QStringLiteral(" dB");
}

} // namespace

GraphPicture graphPicture(const ModelGraph& graph, const QVector<LayerInfo>& layers, const TrialResult* trial,
                          GraphColour colour, const TrialResult* against, const GraphExtras& extras)
{
    GraphPicture p;
    const QColor unchanged(225, 225, 225);
    QString label;
    for (const GraphColourName& c : graphColours())
        if (c.colour == colour)
            label = QObject::tr(c.label);
    const QVector<double>* extra = colour == GraphColour::Sensitivity ? &extras.sensitivity
                                   : colour == GraphColour::LatencyMs ? &extras.latencyMs
                                                                      : nullptr;
    if (extra) { // the window's own figures: no trial needed
        double slowest = 0;
        for (double v : *extra)
            slowest = std::max(slowest, v);
        p.title = extra->isEmpty() ? QObject::tr("Colour: %1 — none yet (run a sensitivity analysis, or measure latency)").arg(label)
                  : colour == GraphColour::Sensitivity
                      ? QObject::tr("Colour: %1 — green 0 … red 5 points or more lost with only that layer quantized").arg(label)
                      : QObject::tr("Colour: %1 — green fast … red the slowest layer (%2 ms)").arg(label).arg(QLocale().toString(slowest, 'f', 3));
        for (const GraphNode& n : graph.nodes) {
            GraphPicture::Node node;
            node.label = n.label;
            node.emphasised = n.kind == GraphNode::Layer;
            if (n.kind == GraphNode::Layer) {
                node.fill = unchanged;
                const double v = extra->value(n.layers.first(), std::numeric_limits<double>::quiet_NaN());
                if (!std::isnan(v)) {
                    const double g = colour == GraphColour::Sensitivity ? goodness(v, colour) : slowest > 0 ? 1 - v / slowest : 1;
                    node.fill = QColor::fromHsvF(0.33 * g, 0.5, 0.95);
                }
                node.toolTip = QObject::tr("%1: %2").arg(label, valueText(v, colour));
            }
            p.nodes << node;
        }
        p.edges = graph.edges;
        return p;
    }
    const bool coloured = trial && colour != GraphColour::None;
    const bool diff = coloured && against && against->layers.size() == trial->layers.size();
    if (diff)
        p.title = QObject::tr("Colour: %1, this trial against the other — blue better, red worse (±10), grey the same").arg(label);
    else if (coloured)
        p.title = colour == GraphColour::StepError
                      ? QObject::tr("Colour: %1 — green 0.289 (rounding alone) … red 0.7 and above; grey float").arg(label)
                  : colour == GraphColour::Bits ? QObject::tr("Colour: %1 — red 2 … green 8; grey float").arg(label)
                                                : QObject::tr("Colour: %1 — red 0 dB … green 40 dB; grey unchanged").arg(label);
    for (const GraphNode& n : graph.nodes) {
        GraphPicture::Node node;
        node.label = n.label;
        node.emphasised = n.kind == GraphNode::Layer;
        if (n.kind == GraphNode::Layer) {
            const int layer = n.layers.first();
            const LayerInfo& info = layers.value(layer);
            node.toolTip = QObject::tr("%1 — %2, %3 parameters").arg(n.label, info.op).arg(QLocale().toString(info.paramCount));
            node.fill = unchanged;
            if (coloured && layer < trial->layers.size()) {
                const double v = colourValue(trial->layers[layer], colour);
                if (diff) {
                    const double w = colourValue(against->layers[layer], colour);
                    const double d = (std::isinf(v) && std::isinf(w)) ? 0 : v - w;
                    const double sign = colour == GraphColour::StepError ? -1 : 1; // fewer steps are better
                    const double t = std::isnan(d) ? 0 : std::clamp(sign * d / 10, -1.0, 1.0);
                    node.fill = std::abs(t) < 0.02 ? unchanged
                                                   : QColor::fromHsvF(t > 0 ? 0.6 : 0.0, 0.15 + 0.55 * std::abs(t), 0.97);
                    node.toolTip += u'\n' + QObject::tr("%1: %2 against %3").arg(label, valueText(v, colour), valueText(w, colour));
                } else {
                    const double g = goodness(v, colour);
                    if (!std::isnan(g))
                        node.fill = QColor::fromHsvF(0.33 * g, 0.5, 0.95);
                    node.toolTip += u'\n' + QObject::tr("%1: %2").arg(label, valueText(v, colour));
                }
            }
        } else if (n.kind == GraphNode::Op) {
            node.toolTip = QStringLiteral("aten::%1").arg(n.op);
        }
        p.nodes << node;
    }
    p.edges = graph.edges;
    return p;
}

} // namespace qs
