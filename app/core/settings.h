#pragma once
// What the app keeps across sessions (QSettings), with every key in one place.

#include "presets.h"
#include "search.h"

#include <QString>
#include <QStringList>

namespace qs {

namespace SettingsKeys {
inline const QString ExportDir = QStringLiteral("files/exportDir");
inline const QString LastModelDir = QStringLiteral("files/lastDir");
inline const QString RecentModels = QStringLiteral("files/recent");
/// Data specs used with one model (by its hash), newest first.
inline QString recentData(const QString& modelSha256)
{
    return QStringLiteral("data/recent/%1").arg(modelSha256.isEmpty() ? QStringLiteral("none") : modelSha256);
}
inline const QString SearchMaxDropPoints = QStringLiteral("search/maxDropPoints");
inline const QString SearchMaxPerplexityRise = QStringLiteral("search/maxPerplexityRise");
inline const QString SearchTargetBytes = QStringLiteral("search/targetBytes");
inline const QString SearchMaxLatencyMs = QStringLiteral("search/maxLatencyMs");
inline const QString SearchBits = QStringLiteral("search/bits");
inline const QString SearchBitsLanguageModel = QStringLiteral("search/bitsLanguageModel");
inline const QString SearchSubsetSamples = QStringLiteral("search/subsetSamples");
inline const QString SearchChooseMethods = QStringLiteral("search/chooseMethods");
inline const QString WindowGeometry = QStringLiteral("window/geometry");
inline const QString WindowSplitter = QStringLiteral("window/splitter");
inline const QString LayerColumns = QStringLiteral("window/layerColumns");  ///< the layer table's header state
inline const QString LayerColumnsHidden = QStringLiteral("window/layerColumnsHidden");
inline const QString HistoryColumns = QStringLiteral("window/historyColumns"); ///< the history's header state
} // namespace SettingsKeys

/// The budget and bit choices of the mixed-precision search, per task where they differ.
struct SearchSettings {
    double maxDropPoints = taskDefaults(Task::Classifier).maxDrop;         ///< < 0: no limit
    double maxPerplexityRise = taskDefaults(Task::LanguageModel).maxDrop;  ///< < 0: no limit
    qint64 targetBytes = 0; ///< 0: no size target
    double maxLatencyMs = 0; ///< 0: no latency budget (the int8 model at batch 1)
    QString bits = formatBitChoices(taskDefaults(Task::Classifier).searchBits);
    QString bitsLanguageModel = formatBitChoices(taskDefaults(Task::LanguageModel).searchBits);
    qint64 subsetSamples = 2048;
    bool chooseMethods = false;

    /// The budget in the task's unit (points of top-1, or perplexity); < 0: none.
    double maxDrop(Task task) const { return task == Task::LanguageModel ? maxPerplexityRise : maxDropPoints; }
    void setMaxDrop(Task task, double v) { (task == Task::LanguageModel ? maxPerplexityRise : maxDropPoints) = v; }
    const QString& bitsFor(Task task) const { return task == Task::LanguageModel ? bitsLanguageModel : bits; }
    void setBits(Task task, const QString& v) { (task == Task::LanguageModel ? bitsLanguageModel : bits) = v; }
    /// The engine's options for a search from `base` (throws EngineError for bad bit choices).
    SearchOptions options(Task task, const QuantConfig& base) const;

    static SearchSettings load();
    void save() const;
};

/// Puts `item` first in the list under `key`, keeping at most `keep` entries; returns the list.
QStringList rememberRecent(const QString& key, const QString& item, int keep = 8);

} // namespace qs
