#include "format.h"

#include "data.h"
#include "errors.h"
#include "model.h"

#include <QFileInfo>

#include <QLocale>
#include <QObject>

#include <algorithm>
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
    if (config.techniques.any())
        s += QStringLiteral(" + ") + techniquesLabel(config.techniques);
    return s;
}

QString techniquesLabel(const Techniques& t)
{
    QStringList names;
    if (t.cle)
        names << (t.highBiasAbsorption ? QObject::tr("CLE with high-bias absorption") : QObject::tr("CLE"));
    if (t.biasCorrection)
        names << QObject::tr("bias correction");
    if (t.adaroundIterations == Techniques::kDefaultAdaroundIterations)
        names << QObject::tr("AdaRound");
    else if (t.adaroundIterations > 0)
        names << QObject::tr("AdaRound ×%1").arg(t.adaroundIterations);
    if (t.adaroundIterations > 0 && t.adaroundFloatInputs)
        names.last() += QObject::tr(" (float inputs)");
    if (t.seqMse)
        names << (t.seqMseLoss == SeqMseLoss::Mse ? QObject::tr("SeqMSE") : QObject::tr("SeqMSE (%1)").arg(seqMseLossName(t.seqMseLoss)));
    return names.join(QStringLiteral(" + "));
}

QString compactSpec(const QuantSpec& spec)
{
    switch (spec.type) {
    case QuantType::Float: return QStringLiteral("float");
    case QuantType::Float16: return QStringLiteral("fp16");
    case QuantType::BFloat16: return QStringLiteral("bf16");
    case QuantType::Int: break;
    }
    QStringList parts{QStringLiteral("%1int%2").arg(spec.isSigned ? "" : "u").arg(spec.bits)};
    switch (spec.granularity) {
    case Granularity::PerTensor: parts << QStringLiteral("pt"); break;
    case Granularity::PerChannel: parts << (spec.axis == 0 ? QStringLiteral("pc") : QStringLiteral("pc%1").arg(spec.axis)); break;
    case Granularity::Group: parts << QStringLiteral("g%1").arg(spec.groupSize); break;
    }
    parts << (spec.symmetric ? QStringLiteral("sym") : QStringLiteral("aff"));
    if (spec.reduceRange)
        parts << QStringLiteral("rr");
    switch (spec.method) {
    case RangeMethod::MinMax: break;
    case RangeMethod::MovingAverageMinMax: parts << QStringLiteral("ma%1").arg(spec.averagingConstant); break;
    case RangeMethod::Histogram: parts << QStringLiteral("hist"); break;
    case RangeMethod::Percentile: parts << QStringLiteral("pct%1").arg(spec.percentile); break;
    case RangeMethod::Mse: parts << QStringLiteral("mse"); break;
    case RangeMethod::Entropy: parts << QStringLiteral("entropy"); break;
    case RangeMethod::Fixed: parts << QStringLiteral("[%1, %2]").arg(spec.fixedLo).arg(spec.fixedHi); break;
    }
    return parts.join(u' ');
}

QString compactSpec(const QString& spec)
{
    try {
        return compactSpec(QuantSpec::parse(spec));
    } catch (const EngineError&) {
        return spec;
    }
}

namespace {

/// One label when all are the same, else "mixed: 6× a, 2× b" (most common first).
QString mixedLabel(const QStringList& labels)
{
    QList<QPair<QString, int>> counts; // in order of first appearance, then by count
    for (const QString& label : labels) {
        auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == label; });
        if (it == counts.end())
            counts.append({label, 1});
        else
            ++it->second;
    }
    if (counts.size() == 1)
        return counts.first().first;
    std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    QStringList parts;
    for (const auto& [label, n] : counts)
        parts << QStringLiteral("%1× %2").arg(n).arg(label);
    return QStringLiteral("mixed: ") + parts.join(QStringLiteral(", "));
}

/// What the configuration asks of `layerCount` layers (its overrides and the default for the rest).
QString configuredSpecs(const QuantConfig& config, int layerCount, bool weights)
{
    QStringList labels;
    for (const QuantConfig::Override& o : config.layers)
        if (weights ? o.hasWeight : o.hasActivation)
            labels << compactSpec(weights ? o.weight : o.activation);
    for (qsizetype i = labels.size(); i < layerCount; ++i)
        labels << compactSpec(weights ? config.weight : config.activation);
    return labels.isEmpty() ? compactSpec(weights ? config.weight : config.activation) : mixedLabel(labels);
}

} // namespace

QString appliedSpecs(const TrialResult& r, bool weights)
{
    QStringList labels;
    for (const LayerTrialResult& l : r.layers)
        labels << compactSpec(weights ? l.weightSpec : l.activationSpec);
    return mixedLabel(labels);
}

QString trialSettingsLine(const QuantConfig& config, const TrialResult& r, int layerCount)
{
    const bool applied = !r.layers.isEmpty();
    QString s = (applied ? appliedSpecs(r, true) : configuredSpecs(config, layerCount, true)) + QStringLiteral(" / ") +
                (applied ? appliedSpecs(r, false) : configuredSpecs(config, layerCount, false)) + QStringLiteral(" / ") +
                trialModeName(config.mode);
    const qsizetype n = config.layers.size();
    if (n > 0)
        s += n == 1 ? QObject::tr(" · 1 layer override") : QObject::tr(" · %1 layer overrides").arg(n);
    if (config.techniques.any())
        s += QStringLiteral(" · ") + techniquesLabel(config.techniques);
    return s;
}

QString trialSettingsDetail(const TrialResult& r)
{
    QStringList lines;
    for (const LayerTrialResult& l : r.layers)
        lines << QStringLiteral("%1: weights %2, input %3").arg(l.name, l.weightSpec, l.activationSpec);
    return lines.join(u'\n');
}

QString trialTitle(qint64 id, const QString& name, const QString& modelName)
{
    return name.isEmpty() ? QObject::tr("trial %1 of %2").arg(id).arg(modelName)
                          : QObject::tr("trial %1 (%2) of %3").arg(id).arg(name, modelName);
}

QString trialLine(const StoredTrial& t)
{
    const TrialResult& r = t.result;
    const QString line = QObject::tr("#%1 %2 — %3 %4 (%5), %6 bytes, %7 smaller")
                             .arg(t.id)
                             .arg(t.name)
                             .arg(metricName(r.metric), formatScore(r.metric, r.score()),
                                  formatChange(r.metric, r.score() - r.floatScore()))
                             .arg(formatBytes(r.sizeBytes), formatRatio(r.compression()));
    return t.dataSpec.isEmpty() ? line : QObject::tr("%1, on %2").arg(line, compactDataSpec(t.dataSpec));
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

namespace {

QString dataName(const DataSpec& spec)
{
    if (spec.format == QLatin1String("random"))
        return QStringLiteral("random %1").arg(formatShape(spec.shape));
    if (spec.inputsPath.isEmpty())
        return spec.format;
    return QFileInfo(spec.inputsPath).fileName();
}

} // namespace

QString compactDataSpec(const QString& text)
{
    try {
        const DataSpec spec = DataSpec::parse(text);
        QString shown = dataName(spec);
        if (!spec.calibrationSpec.isEmpty())
            shown += QStringLiteral(" · calibration %1").arg(dataName(DataSpec::parse(spec.calibrationSpec)));
        return shown;
    } catch (const EngineError&) {
        return text; // a spec this version cannot read: as it is
    }
}

} // namespace qs
