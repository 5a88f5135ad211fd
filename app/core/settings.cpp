#include "settings.h"

#include <QSettings>

namespace qs {

SearchOptions SearchSettings::options(Task task, const QuantConfig& base) const
{
    SearchOptions o;
    o.base = base;
    o.bits = parseBitChoices(bitsFor(task));
    o.maxDrop = maxDrop(task) >= 0 ? maxDrop(task) : -1;
    o.targetBytes = targetBytes;
    o.maxLatencyMs = maxLatencyMs;
    o.subsetSamples = subsetSamples;
    return o;
}

SearchSettings SearchSettings::load()
{
    const QSettings s;
    SearchSettings d;
    d.maxDropPoints = s.value(SettingsKeys::SearchMaxDropPoints, d.maxDropPoints).toDouble();
    d.maxPerplexityRise = s.value(SettingsKeys::SearchMaxPerplexityRise, d.maxPerplexityRise).toDouble();
    d.targetBytes = s.value(SettingsKeys::SearchTargetBytes, d.targetBytes).toLongLong();
    d.maxLatencyMs = s.value(SettingsKeys::SearchMaxLatencyMs, d.maxLatencyMs).toDouble();
    d.bits = s.value(SettingsKeys::SearchBits, d.bits).toString();
    d.bitsLanguageModel = s.value(SettingsKeys::SearchBitsLanguageModel, d.bitsLanguageModel).toString();
    d.subsetSamples = s.value(SettingsKeys::SearchSubsetSamples, d.subsetSamples).toLongLong();
    d.chooseMethods = s.value(SettingsKeys::SearchChooseMethods, d.chooseMethods).toBool();
    return d;
}

void SearchSettings::save() const
{
    QSettings s;
    s.setValue(SettingsKeys::SearchMaxDropPoints, maxDropPoints);
    s.setValue(SettingsKeys::SearchMaxPerplexityRise, maxPerplexityRise);
    s.setValue(SettingsKeys::SearchTargetBytes, targetBytes);
    s.setValue(SettingsKeys::SearchMaxLatencyMs, maxLatencyMs);
    s.setValue(SettingsKeys::SearchBits, bits);
    s.setValue(SettingsKeys::SearchBitsLanguageModel, bitsLanguageModel);
    s.setValue(SettingsKeys::SearchSubsetSamples, subsetSamples);
    s.setValue(SettingsKeys::SearchChooseMethods, chooseMethods);
}

QStringList rememberRecent(const QString& key, const QString& item, int keep)
{
    QSettings s;
    QStringList recent = s.value(key).toStringList();
    recent.removeAll(item);
    recent.prepend(item);
    recent = recent.mid(0, keep);
    s.setValue(key, recent);
    return recent;
}

} // namespace qs
