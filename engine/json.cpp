#include "json.h"

#include <cmath>

namespace qs {

namespace {

QJsonArray numbersJson(const QVector<double>& v)
{
    QJsonArray a;
    for (double x : v)
        a.append(x);
    return a;
}

QJsonArray integersJson(const QVector<qint64>& v)
{
    QJsonArray a;
    for (qint64 x : v)
        a.append(double(x));
    return a;
}

QString stepKindName(SearchStep::Kind k)
{
    switch (k) {
    case SearchStep::Sensitivity: return QStringLiteral("sensitivity");
    case SearchStep::Candidate: return QStringLiteral("candidate");
    case SearchStep::Confirmation: return QStringLiteral("confirmation");
    }
    return {};
}

} // namespace

QString metricJsonName(Metric m)
{
    return m == Metric::Perplexity ? QStringLiteral("perplexity")
           : m == Metric::Accuracy ? QStringLiteral("top1")
                                   : QStringLiteral("top1_agreement");
}

QJsonValue dbJson(double v)
{
    return std::isinf(v) ? QJsonValue() : QJsonValue(v);
}

QJsonArray shapeJson(const QVector<qint64>& shape)
{
    QJsonArray a;
    for (qint64 s : shape)
        a.append(double(s));
    return a;
}

QJsonObject configJson(const QuantConfig& config)
{
    return config.toJsonObject();
}

QJsonObject layerInfoJson(const LayerInfo& l)
{
    QJsonObject o{{QStringLiteral("name"), l.name},
                  {QStringLiteral("op"), l.op},
                  {QStringLiteral("weight_shape"), shapeJson(l.weightShape)},
                  {QStringLiteral("params"), double(l.paramCount)},
                  {QStringLiteral("input_shape"), shapeJson(l.inputShape)},
                  {QStringLiteral("output_shape"), shapeJson(l.outputShape)}};
    if (!l.weightParts.isEmpty()) // recurrent: weight_shape is gate rows × (input + hidden)
        o[QStringLiteral("weight_parts")] = QJsonArray::fromStringList(l.weightParts);
    return o;
}

QJsonObject tensorStatsJson(const TensorStats& s)
{
    QJsonObject o{{QStringLiteral("count"), double(s.count)},
                  {QStringLiteral("non_finite"), double(s.nonFinite)},
                  {QStringLiteral("min"), s.min},
                  {QStringLiteral("max"), s.max},
                  {QStringLiteral("mean"), s.mean},
                  {QStringLiteral("std"), s.std},
                  {QStringLiteral("excess_kurtosis"), s.kurtosis}};
    if (s.channelAxis >= 0) {
        o[QStringLiteral("channel_axis")] = s.channelAxis;
        o[QStringLiteral("channel_min")] = numbersJson(s.channelMin);
        o[QStringLiteral("channel_max")] = numbersJson(s.channelMax);
    }
    const Histogram h = s.histogram.coarsened(16); // 2048 → 128 bins keeps the JSON readable
    o[QStringLiteral("histogram")] = QJsonObject{
        {QStringLiteral("lo"), h.lo}, {QStringLiteral("hi"), h.hi}, {QStringLiteral("counts"), numbersJson(h.counts)}};
    return o;
}

namespace {

QVariantList toVariantList(const QVector<double>& v)
{
    QVariantList out;
    for (double x : v)
        out << x;
    return out;
}

} // namespace

QJsonObject layerResultJson(const LayerTrialResult& l)
{
    QJsonObject o{{QStringLiteral("name"), l.name},
                  {QStringLiteral("weight_spec"), l.weightSpec},
                  {QStringLiteral("activation_spec"), l.activationSpec},
                  {QStringLiteral("weight_bits"), l.weightBits},
                  {QStringLiteral("weight_sqnr_db"), dbJson(l.weightSqnr)},
                  {QStringLiteral("activation_sqnr_db"), dbJson(l.activationSqnr)},
                  {QStringLiteral("output_sqnr_db"), dbJson(l.outputSqnr)},
                  {QStringLiteral("output_mse"), l.outputMse},
                  {QStringLiteral("output_cosine"), l.outputCosine},
                  {QStringLiteral("output_max_abs_error"), l.outputMaxAbsError},
                  {QStringLiteral("weight_scale"), numbersJson(l.weightQParams.scale)},
                  {QStringLiteral("weight_zero_point"), integersJson(l.weightQParams.zeroPoint)}};
    if (!l.activationQParams.scale.isEmpty()) {
        o[QStringLiteral("activation_scale")] = l.activationQParams.scale[0];
        o[QStringLiteral("activation_zero_point")] = double(l.activationQParams.zeroPoint[0]);
    }
    if (!std::isnan(l.localSqnr))
        o[QStringLiteral("local_sqnr_db")] = dbJson(l.localSqnr);
    if (!std::isnan(l.rmseOverScale))
        o[QStringLiteral("rmse_over_scale")] = l.rmseOverScale;
    o[QStringLiteral("weight_rounding_mse")] = l.weightRoundingMse;
    o[QStringLiteral("weight_clipping_mse")] = l.weightClippingMse;
    o[QStringLiteral("weight_clipped_share")] = l.weightClippedShare;
    if (!std::isnan(l.weightUnusedLevels))
        o[QStringLiteral("unused_levels")] = l.weightUnusedLevels;
    o[QStringLiteral("activation_rounding_mse")] = l.activationRoundingMse;
    o[QStringLiteral("activation_clipping_mse")] = l.activationClippingMse;
    o[QStringLiteral("activation_clipped_share")] = l.activationClippedShare;
    if (!l.equalizedWith.isEmpty())
        o[QStringLiteral("equalized_with")] = l.equalizedWith;
    if (!l.equalizationScales.isEmpty())
        o[QStringLiteral("equalization_scales")] = QJsonArray::fromVariantList(toVariantList(l.equalizationScales));
    if (!l.highBiasAbsorbed.isEmpty())
        o[QStringLiteral("high_bias_absorbed")] = QJsonArray::fromVariantList(toVariantList(l.highBiasAbsorbed));
    if (!l.equalizedAfter.isEmpty())
        o[QStringLiteral("equalized_after")] = l.equalizedAfter;
    if (!l.biasCorrection.isEmpty())
        o[QStringLiteral("bias_correction")] = QJsonArray::fromVariantList(toVariantList(l.biasCorrection));
    if (!l.adaroundUp.isEmpty()) {
        o[QStringLiteral("adaround_flipped_share")] = l.adaroundFlipped;
        o[QStringLiteral("adaround_loss_nearest")] = l.adaroundLossNearest;
        o[QStringLiteral("adaround_loss")] = l.adaroundLoss;
    }
    if (!l.seqmseChosen.isEmpty()) {
        QJsonArray chosen;
        for (int k : l.seqmseChosen)
            chosen.append(k);
        o[QStringLiteral("seqmse_chosen")] = chosen;
        o[QStringLiteral("seqmse_output_mse_minmax")] = l.seqmseOutputMseMinMax;
        o[QStringLiteral("seqmse_output_mse")] = l.seqmseOutputMse;
    }
    return o;
}

void addMetricJson(QJsonObject& o, const TrialResult& r)
{
    o[QStringLiteral("metric")] = metricJsonName(r.metric);
    o[QStringLiteral("top1")] = r.top1;
    o[QStringLiteral("float_top1")] = r.floatTop1;
    if (r.metric == Metric::Perplexity) {
        o[QStringLiteral("perplexity")] = r.perplexity;
        o[QStringLiteral("float_perplexity")] = r.floatPerplexity;
    }
}

QJsonObject trialJson(const QuantConfig& config, const TrialResult& r)
{
    QJsonArray layers;
    for (const LayerTrialResult& l : r.layers)
        layers.append(layerResultJson(l));
    QJsonObject root{{QStringLiteral("config"), configJson(config)},
                     {QStringLiteral("output_sqnr_db"), dbJson(r.outputSqnr)},
                     {QStringLiteral("size_bytes"), double(r.sizeBytes)},
                     {QStringLiteral("float_bytes"), double(r.floatBytes)},
                     {QStringLiteral("compression"), r.compression()},
                     {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                     {QStringLiteral("error_samples"), double(r.errorSamples)},
                     {QStringLiteral("non_finite_samples"), double(r.nonFiniteSamples)},
                     {QStringLiteral("seconds"), r.seconds},
                     {QStringLiteral("calibration_seconds"), r.calibrationSeconds},
                     {QStringLiteral("calibrations_run"), r.calibrationsRun},
                     {QStringLiteral("batch"), r.batchSize},
                     {QStringLiteral("calibration_samples"), double(r.calibrationSamples)},
                     {QStringLiteral("calibration_batch"), r.calibrationBatch},
                     {QStringLiteral("first_error_drop"), firstErrorDrop(r.layers) >= 0 ? QJsonValue(r.layers[firstErrorDrop(r.layers)].name) : QJsonValue()},
                     {QStringLiteral("layers"), layers},
                     {QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings)}};
    QJsonArray calibration;
    for (const CalibrationTrace& t : r.calibration) {
        QJsonArray samples, scales;
        for (qint64 n : t.samples)
            samples.append(double(n));
        for (const QVector<QParams>& step : t.steps) {
            QJsonArray row; // per site: its scale, null where it is not observed
            for (const QParams& q : step)
                row.append(q.scale.isEmpty() ? QJsonValue() : QJsonValue(q.scale[0]));
            scales.append(row);
        }
        calibration.append(QJsonObject{{QStringLiteral("spec"), t.spec},
                                       {QStringLiteral("samples"), samples},
                                       {QStringLiteral("scales"), scales},
                                       {QStringLiteral("converged_at"), double(t.convergedAt())}});
    }
    root[QStringLiteral("calibration")] = calibration;
    addMetricJson(root, r);
    return root;
}

QJsonObject storedTrialJson(const StoredTrial& t)
{
    QJsonObject o{{QStringLiteral("id"), double(t.id)},
                  {QStringLiteral("created"), t.created.toString(Qt::ISODate)},
                  {QStringLiteral("origin"), t.origin},
                  {QStringLiteral("name"), t.name},
                  {QStringLiteral("note"), t.note},
                  {QStringLiteral("model"), t.modelName},
                  {QStringLiteral("model_sha256"), t.modelSha256},
                  {QStringLiteral("data"), t.dataSpec},
                  {QStringLiteral("config"), configJson(t.settings)},
                  {QStringLiteral("output_sqnr_db"), dbJson(t.result.outputSqnr)},
                  {QStringLiteral("size_bytes"), double(t.result.sizeBytes)},
                  {QStringLiteral("compression"), t.result.compression()}};
    addMetricJson(o, t.result);
    if (t.latencyBatch > 0) { // its int8 model was timed
        o[QStringLiteral("int8_ms")] = t.int8Ms;
        o[QStringLiteral("float_ms")] = t.floatMs;
        o[QStringLiteral("latency_batch")] = t.latencyBatch;
    }
    return o;
}

QJsonObject sensitivityJson(const QuantConfig& config, const SensitivityResult& r, bool converse)
{
    const QVector<int> ranking = r.ranking();
    QJsonArray layers;
    for (int rank = 0; rank < ranking.size(); ++rank) {
        const LayerSensitivity& l = r.layers[ranking[rank]];
        QJsonObject o{{QStringLiteral("rank"), rank + 1},
                      {QStringLiteral("name"), l.name},
                      {QStringLiteral("drop"), l.drop},
                      {QStringLiteral("output_sqnr_db"), dbJson(l.outputSqnr)},
                      {QStringLiteral("trial"), double(l.trialId)}};
        if (l.hasConverse) {
            o[QStringLiteral("converse_drop")] = l.converseDrop;
            o[QStringLiteral("converse_output_sqnr_db")] = dbJson(l.converseSqnr);
            o[QStringLiteral("converse_trial")] = double(l.converseTrialId);
        }
        layers.append(o);
    }
    QJsonObject root{{QStringLiteral("config"), configJson(config)},
                     {QStringLiteral("metric"), metricJsonName(r.metric)},
                     {QStringLiteral("float_top1"), r.floatTop1},
                     {QStringLiteral("float_score"), r.floatScore},
                     {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                     {QStringLiteral("trials"), r.trials},
                     {QStringLiteral("seconds"), r.seconds},
                     {QStringLiteral("layers"), layers}};
    if (converse) {
        root[QStringLiteral("all_quantized_drop")] = r.allDrop;
        root[QStringLiteral("all_quantized_output_sqnr_db")] = dbJson(r.allSqnr);
    }
    return root;
}

QJsonObject rangeMethodsJson(const RangeMethodResult& r)
{
    QJsonArray layers;
    for (const RangeMethodChoice& c : r.layers) {
        QJsonObject sqnr;
        for (int m = 0; m < r.methods.size(); ++m)
            sqnr[rangeMethodName(r.methods[m])] = dbJson(c.outputSqnr.value(m));
        layers.append(QJsonObject{{QStringLiteral("name"), c.layer},
                                  {QStringLiteral("chosen"), c.chosen ? QJsonValue(rangeMethodName(c.best)) : QJsonValue()},
                                  {QStringLiteral("output_sqnr_db"), sqnr}});
    }
    return {{QStringLiteral("layers"), layers}, {QStringLiteral("config"), configJson(r.config)}};
}

QJsonObject searchJson(const SearchResult& r, double maxDrop)
{
    QJsonObject bits;
    for (auto it = r.bits.begin(); it != r.bits.end(); ++it)
        bits[it.key()] = it.value() >= 32 ? QJsonValue(QStringLiteral("float")) : QJsonValue(it.value());
    QJsonArray steps;
    for (const SearchStep& s : r.steps)
        steps.append(QJsonObject{{QStringLiteral("name"), s.name},
                                 {QStringLiteral("kind"), stepKindName(s.kind)},
                                 {QStringLiteral("accepted"), s.accepted},
                                 {QStringLiteral("drop"), s.drop},
                                 {QStringLiteral("size_bytes"), double(s.sizeBytes)},
                                 {QStringLiteral("trial"), double(s.trialId)}});
    const TrialResult& b = r.bestResult;
    QJsonObject root{{QStringLiteral("within_budget"), r.withinBudget},
                     {QStringLiteral("best_trial"), double(r.bestTrialId)},
                     {QStringLiteral("config"), configJson(r.best)},
                     {QStringLiteral("bits"), bits},
                     {QStringLiteral("max_drop"), maxDrop},
                     {QStringLiteral("size_bytes"), double(b.sizeBytes)},
                     {QStringLiteral("float_bytes"), double(b.floatBytes)},
                     {QStringLiteral("subset_samples"), double(r.subsetSamples)},
                     {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                     {QStringLiteral("trials"), r.trials},
                     {QStringLiteral("seconds"), r.seconds},
                     {QStringLiteral("steps"), steps}};
    if (r.latencyBatch > 0) {
        root[QStringLiteral("latency_batch")] = r.latencyBatch;
        root[QStringLiteral("int8_ms")] = r.latencyMs;
        root[QStringLiteral("predicted_int8_ms")] = r.predictedLatencyMs;
        root[QStringLiteral("float_ms")] = r.floatLatencyMs;
    }
    addMetricJson(root, b);
    return root;
}

QJsonObject latencyJson(const LatencyProfile& p)
{
    QJsonArray layers;
    for (const LayerTime& l : p.layers) {
        QJsonObject o{{QStringLiteral("name"), l.name},
                      {QStringLiteral("kernel_ms"), l.kernelMs},
                      {QStringLiteral("quantize_ms"), l.quantizeMs},
                      {QStringLiteral("total_ms"), l.totalMs()}};
        if (p.label == QLatin1String("int8"))
            o[QStringLiteral("int8")] = l.int8;
        if (!l.note.isEmpty())
            o[QStringLiteral("note")] = l.note;
        layers.append(o);
    }
    return {{QStringLiteral("batch"), p.batch},
            {QStringLiteral("threads"), p.threads},
            {QStringLiteral("runs"), p.runs},
            {QStringLiteral("end_to_end_ms"), p.endToEndMs},
            {QStringLiteral("between_layers_ms"), p.betweenMs},
            {QStringLiteral("profiled_ms"), p.profiledMs()},
            {QStringLiteral("layers"), layers}};
}

} // namespace qs
