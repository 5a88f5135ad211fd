#pragma once
// JSON of every value QuantScope writes for other programs (quantscope-cli's --json, the
// configuration file): one writer per value type, one name per field. Decibels that are
// infinite (no error at all) are written as null: JSON has no infinity.

#include "latency.h"
#include "model.h"
#include "search.h"
#include "stats.h"
#include "store.h"
#include "trial.h"

#include <QJsonArray>
#include <QJsonObject>

namespace qs {

/// The metric's name: "top1", "top1_agreement" or "perplexity".
QString metricJsonName(Metric m);
/// A decibel value, null for infinity.
QJsonValue dbJson(double v);
QJsonArray shapeJson(const QVector<qint64>& shape);
/// The configuration file's object (README's format).
QJsonObject configJson(const QuantConfig& config);
/// name, op, weight_shape, params, input_shape, output_shape.
QJsonObject layerInfoJson(const LayerInfo& l);
/// count, non_finite, min, max, mean, std, excess_kurtosis, channel ranges, a 128-bin histogram.
QJsonObject tensorStatsJson(const TensorStats& s);
/// One layer of a trial: specs, bits, SQNRs (weight_sqnr_db, activation_sqnr_db,
/// output_sqnr_db), output errors, weight_scale, weight_zero_point, activation_scale and
/// activation_zero_point (the names the exported Python script uses).
QJsonObject layerResultJson(const LayerTrialResult& l);
/// A trial's metric: metric, top1, float_top1 and, for language models, perplexity and
/// float_perplexity (added to `o`).
void addMetricJson(QJsonObject& o, const TrialResult& r);
/// A whole trial: its configuration, metric, output SQNR, sizes, timings, layers, warnings.
QJsonObject trialJson(const QuantConfig& config, const TrialResult& r);
/// A recorded trial as the history lists it (no per-layer results).
QJsonObject storedTrialJson(const StoredTrial& t);
/// Layers ranked, most sensitive first, with their trials.
QJsonObject sensitivityJson(const QuantConfig& config, const SensitivityResult& r, bool converse);
QJsonObject rangeMethodsJson(const RangeMethodResult& r);
QJsonObject searchJson(const SearchResult& r, double maxDrop);
/// One time profile: its batch, threads, runs, end-to-end and between-layers times, per layer.
QJsonObject latencyJson(const LatencyProfile& p);

} // namespace qs
