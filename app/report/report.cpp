#include "report.h"

#include "format.h"

#include "channelrangeplot.h"
#include "histogramplot.h"
#include "layererrorplot.h"
#include "paretoplot.h"
#include "plotdata.h"
#include "plotexport.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace qs {

namespace {

/// An <img> with the plot rendered at `w`×`h` (twice that in pixels, for sharp printing).
QString image(QCustomPlot* plot, int w, int h, const QString& alt)
{
    const QByteArray png = plotPng(plot, w, h);
    return QStringLiteral("<img width=\"%1\" height=\"%2\" alt=\"%3\" src=\"data:image/png;base64,%4\">")
        .arg(w)
        .arg(h)
        .arg(alt.toHtmlEscaped(), QString::fromLatin1(png.toBase64()));
}


/// One of the layers with the largest error: its weight histogram (and per-channel ranges
/// under a per-tensor grid) and input-activation histogram, with the trial's quantization grids.
QString layerSection(const LayerTrialResult& l, const ProfileReport& profile)
{
    QString html;
    html += QStringLiteral("<h3>%1 — output SQNR %2 dB</h3>\n<div>").arg(l.name.toHtmlEscaped(), formatDb(l.outputSqnr));
    const LayerProfile* p = nullptr;
    for (const LayerProfile& candidate : profile.layers)
        if (candidate.layer.name == l.name)
            p = &candidate;
    if (!p) {
        html += QStringLiteral("<p>No statistics for this layer.</p></div>\n");
        return html;
    }
    HistogramPlot weight;
    weight.setData(toHistogram(p->weight, QObject::tr("%1 — weight, %2").arg(l.name, l.weightSpec), QObject::tr("weight value")));
    weight.setGrid(gridOf(l.weightQParams, QObject::tr("scales")));
    html += image(weight.plot(), 900, 280, l.name + QStringLiteral(" weight"));
    if (l.weightQParams.scale.size() == 1 && p->weight.channelMin.size() > 1) {
        // One scale for all channels: the per-channel picture shows what that costs.
        ChannelRangePlot channels;
        channels.setData({p->weight.channelMin, p->weight.channelMax,
                          QObject::tr("%1 — weight range per output channel, %2").arg(l.name, l.weightSpec),
                          gridOf(l.weightQParams, QString()), false});
        html += image(channels.plot(), 900, 280, l.name + QStringLiteral(" weight per channel"));
    }
    if (p->activation.count > 0) {
        HistogramPlot activation;
        activation.setLogScale(true);
        activation.setData(toHistogram(p->activation, QObject::tr("%1 — input activation, %2").arg(l.name, l.activationSpec),
                                       QObject::tr("activation value")));
        activation.setGrid(gridOf(l.activationQParams, QString()));
        html += image(activation.plot(), 900, 280, l.name + QStringLiteral(" activation"));
    }
    html += QStringLiteral("</div>\n");
    return html;
}

/// The page's head and style, up to the body.
QString pageHead(qint64 id)
{
    return QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<title>QuantScope — trial %1</title><style>"
                          "body{font-family:'DejaVu Sans',sans-serif;max-width:960px;margin:24px auto;color:#222}"
                          "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}"
                          "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;text-align:right;"
                          "border-bottom:1px solid #eee}td:first-child,th:first-child{text-align:left}"
                          ".metrics td{font-size:15px}img{display:block;margin:4px 0}</style></head><body>\n")
        .arg(id);
}

} // namespace

QByteArray trialReportHtml(const ReportInput& input)
{
    const StoredTrial& t = input.trial;
    const TrialResult& r = t.result;
    const QLocale locale;
    const QuantConfig& config = t.settings;
    QString html;
    html += pageHead(t.id);
    html += QStringLiteral("<h1>QuantScope — trial %1%2</h1>\n<p>%3 on <code>%4</code>, %5 (%6).</p>\n")
                .arg(t.id)
                .arg(t.name.isEmpty() ? QString() : QStringLiteral(": ") + t.name.toHtmlEscaped())
                .arg(t.modelName.toHtmlEscaped(), t.dataSpec.toHtmlEscaped(),
                     locale.toString(t.created, QLocale::LongFormat).toHtmlEscaped(), t.origin.toHtmlEscaped());
    const QString metric = metricName(r.metric);
    html += QStringLiteral("<table class=\"metrics\">"
                           "<tr><td>Settings</td><td>weights <code>%1</code>, activations <code>%2</code>, %3%14</td></tr>"
                           "<tr><td>%4</td><td><b>%5</b> (float %6, <b>%7</b>)</td></tr>"
                           "<tr><td>Output SQNR</td><td>%8 dB</td></tr>"
                           "<tr><td>Size</td><td>%9 bytes, <b>%10×</b> smaller than float (%11 bytes)</td></tr>"
                           "<tr><td>Evaluated on</td><td>%12 samples, in %13 s</td></tr></table>\n")
                .arg(config.weight.toString().toHtmlEscaped(), config.activation.toString().toHtmlEscaped(),
                     trialModeName(config.mode), metric, formatScore(r.metric, r.score()),
                     formatScore(r.metric, r.floatScore()), formatChange(r.metric, r.score() - r.floatScore()), formatDb(r.outputSqnr),
                     locale.toString(r.sizeBytes))
                .arg(locale.toString(r.compression(), 'f', 2), locale.toString(r.floatBytes), locale.toString(r.evaluationSamples),
                     locale.toString(r.seconds, 'f', 1),
                     config.layers.isEmpty()
                         ? QString()
                         : QObject::tr("; per-layer settings of %1 layers in the table below")
                               .arg(config.layers.size()));
    if (!r.warnings.isEmpty())
        html += QStringLiteral("<p><i>%1</i></p>\n").arg(r.warnings.join(QStringLiteral("; ")).toHtmlEscaped());

    // The metric against size: every trial of this model and data, this one selected.
    ParetoPlot pareto;
    QVector<TrialPoint> pts;
    for (const StoredTrial& s : input.trials)
        if (s.origin != QLatin1String("sensitivity"))
            pts << trialPoint(s, input.profile.evaluationSamples, int(input.profile.layers.size()));
    setPlotMetric(pareto, r.metric);
    pareto.setData(pts, double(r.floatBytes), r.floatScore());
    pareto.setSelected(t.id);
    html += QStringLiteral("<h2>Metric against size</h2>\n<p>%1 trials of this model and data; this one circled.</p>\n%2\n")
                .arg(pts.size())
                .arg(image(pareto.plot(), 900, 380, QStringLiteral("accuracy against size")));

    // Per-layer errors.
    LayerErrorPlot errors;
    QStringList names;
    errors.setData(names, trialErrorSeries(r, &names));
    html += QStringLiteral("<h2>Error per layer</h2>\n%1\n<table><tr><th>layer</th><th>weights</th><th>activations</th>"
                           "<th>W SQNR</th><th>A SQNR</th><th>out SQNR</th><th>cosine</th></tr>\n")
                .arg(image(errors.plot(), 900, 320, QStringLiteral("SQNR per layer")));
    for (const LayerTrialResult& l : r.layers)
        html += QStringLiteral("<tr><td>%1</td><td><code>%2</code></td><td><code>%3</code></td><td>%4</td><td>%5</td><td>%6</td><td>%7</td></tr>\n")
                    .arg(l.name.toHtmlEscaped(), l.weightSpec.toHtmlEscaped(), l.activationSpec.toHtmlEscaped(), formatDb(l.weightSqnr),
                         formatDb(l.activationSqnr), formatDb(l.outputSqnr), QString::number(l.outputCosine, 'f', 4));
    html += QStringLiteral("</table>\n<p>SQNR in dB, higher is better; ∞: unchanged. Output SQNR compares each layer's output "
                           "in the quantized model with the float model's, on the first %1 evaluation samples.</p>\n")
                .arg(r.errorSamples);

    // The five layers with the lowest output SQNR: their distributions and quantization grids.
    QVector<int> order;
    for (int i = 0; i < r.layers.size(); ++i)
        if (std::isfinite(r.layers[i].outputSqnr))
            order << i;
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return r.layers[a].outputSqnr < r.layers[b].outputSqnr; });
    order.resize(std::min<qsizetype>(order.size(), 5));
    html += QStringLiteral("<h2>The %1 layers with the largest error</h2>\n").arg(order.size());
    for (int i : order)
        html += layerSection(r.layers[i], input.profile);
    html += QStringLiteral("<p style=\"color:#888;font-size:12px\">Made by QuantScope.</p></body></html>\n");
    return html.toUtf8();
}

} // namespace qs
