#include "summaries.h"

#include "format.h"
#include "runtime.h"

#include <QCoreApplication>

#include <QLocale>
#include <QObject>

namespace qs {

QString modelSummaryHtml(const QString& modelName, const ProfileReport& report)
{
    const QLocale locale;
    QString accuracy = QObject::tr("no labels: no accuracy");
    if (report.metric == Metric::Perplexity)
        accuracy = QObject::tr("token windows: float perplexity <b>%1</b>, next-token top-1 %2% on %3 windows")
                       .arg(formatScore(Metric::Perplexity, report.floatPerplexity))
                       .arg(locale.toString(100 * report.floatTop1, 'f', 2))
                       .arg(locale.toString(report.evaluationSamples));
    else if (report.hasAccuracy)
        accuracy = QObject::tr("float top-1 <b>%1%</b> on %2 samples")
                       .arg(locale.toString(100 * report.floatTop1, 'f', 2))
                       .arg(locale.toString(report.evaluationSamples));
    if (!report.dataProblem.isEmpty())
        return QObject::tr("<b>%1</b> · %2 parameters · %3 quantizable layers<br><span style=\"color:#c0392b\">%4</span><br>"
                           "Its layers and weights are shown; open data it runs on with <b>File ▸ Open Data…</b> to see "
                           "activations and run trials.")
            .arg(modelName.toHtmlEscaped())
            .arg(locale.toString(report.parameterCount))
            .arg(report.layers.size())
            .arg(report.dataProblem.toHtmlEscaped()); // it names the data and what the model expects
    return QObject::tr("<b>%1</b> · %2 parameters · %3 quantizable layers<br>"
                       "Data: %4 · calibration: first %5 %7 · %6")
        .arg(modelName.toHtmlEscaped())
        .arg(locale.toString(report.parameterCount))
        .arg(report.layers.size())
        .arg(report.data.toHtmlEscaped())
        .arg(locale.toString(report.calibrationSamples))
        .arg(accuracy)
        .arg(report.metric == Metric::Perplexity ? QObject::tr("windows") : QObject::tr("samples"));
}

QString trialSummaryHtml(const ShownTrial& trial)
{
    const QLocale locale;
    const TrialResult& r = trial.result;
    const QString which = trial.id > 0 ? QObject::tr("Trial #%1%2").arg(trial.id).arg(trial.name.isEmpty() ? QString() : u' ' + trial.name)
                                       : QObject::tr("Trial");
    return QObject::tr("<b>%1</b> (%2): %3 <b>%4</b> (float %5, <b>%6</b>)%7 · output SQNR %8 dB · "
                       "size %9 bytes, <b>%10</b> smaller · %11 s%12")
        .arg(which.toHtmlEscaped(), trialSettingsLine(trial.config, trial.result).toHtmlEscaped(), metricName(r.metric),
             formatScore(r.metric, r.score()), formatScore(r.metric, r.floatScore()),
             formatChange(r.metric, r.score() - r.floatScore()),
             r.metric == Metric::Perplexity ? QObject::tr(" · next-token top-1 %1%").arg(locale.toString(100 * r.top1, 'f', 2))
                                            : QString(),
             formatDb(r.outputSqnr), formatBytes(r.sizeBytes))
        .arg(formatRatio(r.compression()), locale.toString(r.seconds, 'f', 1),
             r.warnings.isEmpty() ? QString()
                                  : QStringLiteral("<br><i>%1</i>").arg(r.warnings.join(QStringLiteral("; ")).toHtmlEscaped()));
}

QString int8SummaryHtml(const Int8Result& r)
{
    const QLocale locale;
    return QObject::tr("<b>int8 kernels</b> (%1, %2 layers%3): %4 <b>%5</b> beside fake-quant %6 (%7) · "
                       "latency batch 1: int8 %8 ms, float %9 ms · batch 32: int8 %10 ms, float %11 ms")
        .arg(r.engine)
        .arg(r.int8Layers)
        .arg(r.fakeQuantLayers.isEmpty() ? QString() : QObject::tr(", %1 fake-quantized or float").arg(r.fakeQuantLayers.size()))
        .arg(metricName(r.metric), formatScore(r.metric, r.score()), formatScore(r.metric, r.fakeQuantScore()),
             formatChange(r.metric, r.score() - r.fakeQuantScore()), locale.toString(r.int8Ms1, 'f', 3),
             locale.toString(r.floatMs1, 'f', 3), locale.toString(r.int8Ms32, 'f', 2))
        .arg(locale.toString(r.floatMs32, 'f', 2));
}

QString quickTourHtml()
{
    return QObject::tr(
        "<h3>The window</h3>"
        "<p><b>Trial bar</b> (top): the weight and input-activation spec for every layer and the mode; "
        "<b>Run Trial</b> (Ctrl+R) quantizes the model that way and evaluates it; <b>Sensitivity</b> quantizes "
        "one layer at a time; <b>Choose Ranges</b> picks each layer's activation range method; <b>Search</b> "
        "(Ctrl+F5) finds the smallest model within the budget of Trial ▸ Search Settings.</p>"
        "<p><b>Layer table</b> (left): every quantizable layer with its parameters, its own settings (double-click "
        "a W or A setting to give a layer its own; select several rows to set them all), each trial's errors "
        "(SQNR in dB: higher is better) and each layer's sensitivity. Right-click the header to show or hide "
        "columns; drag to reorder.</p>"
        "<p><b>Plots</b> (right): the selected layer's weight histogram (or, with <b>Channels</b>, each output "
        "channel's range) and its input activations, with the trial's quantization grid and clipped ranges "
        "shaded; <b>Quantized</b> draws the values after quantization.</p>"
        "<p><b>Tabs</b> (below the table): each layer's error in the trial shown; accuracy (or perplexity) "
        "against size for every trial, with the Pareto front (hollow points were scored on a subset and are "
        "not on it); the sensitivity ranking; the inputs whose prediction quantization changed; and the "
        "history of every trial, kept in the trial database (right-click to compare, rename or delete).</p>"
        "<h3>A first session</h3>"
        "<ol><li>Run Trial with the defaults (int8 weights per channel, uint8 activations): the loss is small.</li>"
        "<li>Set the weights to <code>int4:per_tensor:symmetric</code> and run again: the error chart and the "
        "table name the layer that suffers (the demo's <code>block1.dw</code>); tick <b>Channels</b> to see why.</li>"
        "<li>Try <code>int4:per_channel:symmetric</code>, then <b>Search</b>, and export the result with "
        "File ▸ Export (a PyTorch script, TorchScript, int8 kernels or a report).</li></ol>"
        "<p>Help ▸ README has every spec, data format and command-line option.</p>");
}

QString aboutHtml()
{
    return QObject::tr("<b>QuantScope %1</b><p>Which quantization settings should each layer of my model get?</p>"
                       "<p>Built on LibTorch %2, Qt %3 and QCustomPlot. Licensed GPL-3.0-or-later.</p>")
        .arg(QCoreApplication::applicationVersion(), torchVersion(), QString::fromLatin1(qVersion()));
}

} // namespace qs
