#pragma once
// Spec presets and per-task defaults: what the toolbar, the per-layer editors, the app's
// command line and quantscope-cli offer and start from, in one place.

#include "data.h"
#include "quant.h"

#include <QStringList>
#include <QVector>

namespace qs {

/// What kind of model the data says it is: an image/feature classifier (top-1) or a language
/// model on token windows (perplexity).
enum class Task { Classifier, LanguageModel };

/// The task a metric belongs to.
Task taskOf(Metric metric);

/// Weight specs offered for the whole model and for one layer (one list for both).
QStringList weightSpecPresets();
/// Input-activation specs offered for the whole model and for one layer.
QStringList activationSpecPresets();

/// Where a task starts when the user names nothing.
struct TaskDefaults {
    QuantConfig config;            ///< trial settings
    QuantSpec sensitivityWeight;   ///< weights a sensitivity analysis tests by default
    QVector<int> searchBits;       ///< weight bits the search chooses from (32: float)
    double maxDrop = 1.0;          ///< search budget in the metric's unit
};
TaskDefaults taskDefaults(Task task);

/// "2,4,8,float" for {2, 4, 8, 32}: the text parseBitChoices reads back.
QString formatBitChoices(const QVector<int>& bits);

} // namespace qs
