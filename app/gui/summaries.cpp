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
    return QObject::tr("<b>int8 kernels</b> (%1, %2 layers%3): top-1 <b>%4%</b> beside fake-quant %5% (%6 points) · "
                       "latency batch 1: int8 %7 ms, float %8 ms · batch 32: int8 %9 ms, float %10 ms")
        .arg(r.engine)
        .arg(r.int8Layers)
        .arg(r.fakeQuantLayers.isEmpty() ? QString() : QObject::tr(", %1 fake-quantized").arg(r.fakeQuantLayers.size()))
        .arg(locale.toString(100 * r.top1, 'f', 2), locale.toString(100 * r.fakeQuantTop1, 'f', 2),
             locale.toString(100 * (r.top1 - r.fakeQuantTop1), 'f', 2), locale.toString(r.int8Ms1, 'f', 3),
             locale.toString(r.floatMs1, 'f', 3), locale.toString(r.int8Ms32, 'f', 2))
        .arg(locale.toString(r.floatMs32, 'f', 2));
}

QString aboutHtml()
{
    return QObject::tr("<b>QuantScope %1</b><p>Which quantization settings should each layer of my model get?</p>"
                       "<p>Built on LibTorch %2, Qt %3 and QCustomPlot. Licensed GPL-3.0-or-later.</p>")
        .arg(QCoreApplication::applicationVersion(), torchVersion(), QString::fromLatin1(qVersion()));
}

} // namespace qs
