#include "format.h"

#include <QLocale>
#include <QObject>

#include <cmath>

namespace qs {

QString formatDb(double v, InfinityStyle style)
{
    if (std::isinf(v))
        return style == InfinityStyle::Symbol ? QStringLiteral("∞") : QStringLiteral("inf");
    return QString::number(v, 'f', 1);
}

QString formatSignedChange(Metric metric, double change)
{
    const QLocale locale;
    const int decimals = metric == Metric::Perplexity ? 3 : 2;
    const QString magnitude = locale.toString(std::abs(change), 'f', decimals);
    if (magnitude == locale.toString(0.0, 'f', decimals))
        return magnitude; // no sign on a rounded zero
    return (change > 0 ? QStringLiteral("+") : QStringLiteral("−")) + magnitude;
}

QString formatBytes(qint64 bytes)
{
    return QLocale().toString(bytes);
}

QString formatRatio(double ratio)
{
    return QLocale().toString(ratio, 'f', 2) + u'×';
}

QString configSummary(const QuantConfig& config)
{
    QString s = config.weight.toString() + QStringLiteral(" / ") + config.activation.toString() + QStringLiteral(" / ") +
                trialModeName(config.mode);
    if (!config.layers.isEmpty())
        s += QStringLiteral(" + %1 layer overrides").arg(config.layers.size());
    return s;
}

QString trialTitle(qint64 id, const QString& name, const QString& modelName)
{
    return name.isEmpty() ? QObject::tr("trial %1 of %2").arg(id).arg(modelName)
                          : QObject::tr("trial %1 (%2) of %3").arg(id).arg(name, modelName);
}

QString trialLine(const StoredTrial& t)
{
    const TrialResult& r = t.result;
    return QObject::tr("#%1 %2 — %3 %4 (%5), %6 bytes, %7 smaller")
        .arg(t.id)
        .arg(t.name)
        .arg(metricName(r.metric), formatScore(r.metric, r.score()), formatChange(r.metric, r.score() - r.floatScore()))
        .arg(formatBytes(r.sizeBytes), formatRatio(r.compression()));
}

QString metricLine(const TrialResult& r)
{
    if (r.metric == Metric::Perplexity)
        return QStringLiteral("Perplexity: %1 (float %2, change %3); next-token top-1 %4% (float %5%) on %6 windows")
            .arg(formatScore(r.metric, r.score()), formatScore(r.metric, r.floatScore()),
                 formatChange(r.metric, r.score() - r.floatScore()), QString::number(100 * r.top1, 'f', 2),
                 QString::number(100 * r.floatTop1, 'f', 2))
            .arg(r.evaluationSamples);
    return QStringLiteral("%1%2% (float %3%, change %4 points) on %5 samples")
        .arg(r.hasAccuracy ? QStringLiteral("Top-1: ") : QStringLiteral("Top-1 agreement with float: "),
             QString::number(100 * r.top1, 'f', 2), QString::number(100 * r.floatTop1, 'f', 2),
             QString::number(100 * (r.top1 - r.floatTop1), 'f', 2))
        .arg(r.evaluationSamples);
}

} // namespace qs
