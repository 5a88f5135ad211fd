#pragma once
// How QuantScope writes numbers for people: scores, changes, decibels, sizes, one-line
// summaries of a configuration and of a trial. One place for the window, the report and the
// CLI (tested row by row in tst_format). The engine's formatScore/formatChange are the score
// and change of a metric; everything else shown is built here.

#include "quant.h"
#include "store.h"
#include "trial.h"

#include <QString>

namespace qs {

/// Infinity (no error at all) as people read it: "∞" on screen, "inf" in a terminal.
enum class InfinityStyle { Symbol, Ascii };

/// Decibels with one decimal ("31.6"); infinity as `style` says.
QString formatDb(double v, InfinityStyle style = InfinityStyle::Symbol);
/// A change of score as a bare signed number in the metric's decimals ("+0.12", "−0.40", and
/// "0.00" without a sign when it rounds to zero), for table cells whose header names the unit.
QString formatSignedChange(Metric metric, double change);
/// Bytes with group separators ("37,240").
QString formatBytes(qint64 bytes);
/// "5.25×".
QString formatRatio(double ratio);
/// "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static", with
/// " + N layer overrides" when layers have their own settings.
QString configSummary(const QuantConfig& config);
/// The techniques as users read them: "CLE + bias correction", "AdaRound ×3000" (iterations
/// when not the default); "" for none.
QString techniquesLabel(const Techniques& t);
/// A spec as a short, unambiguous label: "int4 pc sym", "uint8 pt aff hist", "int4 g128 sym",
/// "fp16", "bf16", "float" (min-max, the default range method, is left out).
QString compactSpec(const QuantSpec& spec);
/// The same for a spec's text; text that does not parse is returned as it is.
QString compactSpec(const QString& spec);
/// A data spec as a table shows it: its file's name ("t10k-images-idx3-ubyte.gz", "random
/// 3×64×64"), and "· calibration NAME" when calibration data of its own is given.
QString compactDataSpec(const QString& spec);
/// What a trial's weights (or input activations) were, as applied to its layers: one label when
/// every layer got the same, else "mixed: 6× int4 pc sym, 2× int8 pc sym" (most common first).
QString appliedSpecs(const TrialResult& r, bool weights);
/// A trial's settings in a line: applied weights / applied activations / mode, and
/// " · N layer overrides" when layers have their own settings. Without per-layer results (a
/// history row), what the configuration asks of `layerCount` layers.
QString trialSettingsLine(const QuantConfig& config, const TrialResult& r, int layerCount = 0);
/// Every layer's weight and activation spec as applied, one line each (for tooltips).
QString trialSettingsDetail(const TrialResult& r);
/// "trial 12 (name) of model.pt", "trial 12 of model.pt": how exports and the window title a
/// recorded trial.
QString trialTitle(qint64 id, const QString& name, const QString& modelName);
/// "#12 name — top-1 91.79% (−0.40 points), 37,240 bytes, 5.25× smaller".
QString trialLine(const StoredTrial& t);
/// "Top-1: 91.79% (float 92.19%, change -0.40 points) on 9488 samples", or a language model's
/// perplexity and next-token top-1 (the CLI's result line).
QString metricLine(const TrialResult& r);

} // namespace qs
