// A TrialRunner's calibration (each activation spec once, with its trace step by step, through
// the calibration cache) and the evaluation batch size it measures.

#include "trial.h"
#include "trialcache_p.h"

#include "batches_p.h"
#include "data_p.h"
#include "model_p.h"
#include "observers_p.h"
#include "trialprobes_p.h"

#include "budget.h"


#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

qint64 CalibrationTrace::convergedAt(double tolerance) const
{
    if (steps.isEmpty())
        return -1;
    const QVector<QParams>& last = steps.last();
    int k = int(steps.size()) - 1;
    // Walk back while every observed site's scale is within the tolerance of its final value.
    for (; k > 0; --k) {
        bool within = true;
        for (int i = 0; i < last.size() && within; ++i)
            if (!last[i].scale.isEmpty() && i < steps[k - 1].size() && !steps[k - 1][i].scale.isEmpty())
                within = std::abs(steps[k - 1][i].scale[0] / last[i].scale[0] - 1) <= tolerance;
        if (!within)
            break;
    }
    return samples[k];
}

int TrialRunner::calibrate(const QVector<QuantSpec>& actSpecs, const JobControl& control,
                           CalibrationCache* cache)
{
    const Dataset& data = *m_data;
    const SampleRange calib = data.calibrationRange(m_options.calibrationSamples);
    const int siteCount = int(actSpecs.size());
    int runs = 0;
    std::map<QString, QuantSpec> needed;
    for (const QuantSpec& s : actSpecs)
        if (s.type == QuantType::Int && !m_cache->calibrated.count(s.toString()))
            needed[s.toString()] = s;
    if (!needed.empty() && calib.size() == 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("static activation quantization (%1) needs calibration samples; "
                                                              "give --calib N with N of at least 1, or use dynamic or weight-only mode")
                                                   .arg(needed.begin()->first));
    for (const auto& [key, spec] : needed) {
        // The cache key says everything the qparams depend on besides model and data.
        const QString cacheKey =
            QStringLiteral("%1|calibration=%2|batch=%3%4").arg(key).arg(calib.size()).arg(m_options.batchSize).arg(m_variant);
        QVector<QParams> cached;
        if (cache && cache->load(cacheKey, cached) && cached.size() == siteCount) {
            m_cache->calibrated[key] = cached;
            // The steps before the last, when the session that calibrated kept them.
            CalibrationTrace trace;
            trace.spec = key;
            QVector<QParams> step;
            for (qint64 n = m_options.batchSize; n < calib.size(); n += m_options.batchSize) {
                if (!cache->load(QStringLiteral("%1|after=%2").arg(cacheKey).arg(n), step) || step.size() != siteCount)
                    break;
                trace.samples << n;
                trace.steps << step;
            }
            if (trace.samples.size() == (calib.size() - 1) / m_options.batchSize) {
                trace.samples << calib.size();
                trace.steps << cached;
                m_cache->calibrationTraces[key] = trace;
            }
            continue;
        }
        // The model is float here, as in PyTorch's prepare → calibrate → convert. Every layer
        // with an activation input is observed, not only those this config gives the spec:
        // later configs may give it to other layers.
        CalibrationProbe probe;
        probe.layers = &m_model->layers();
        for (int i = 0; i < siteCount; ++i)
            probe.observers.push_back(m_model->layers()[i].hasActivationInput ? makeObserver(spec) : nullptr);
        ScopedProbeHandler scope(&probe);
        CalibrationTrace trace;
        trace.spec = key;
        forEachBatch(calib, m_options.batchSize, control, 0.3, 0.45, QStringLiteral("Calibrating %1").arg(key),
                     [&](qint64, qint64 b, qint64 e) {
                         probe.batchStart = b;
                         runForward(*m_model, data, data.impl().batchInputs(b, e));
                         // Each site's qparams so far (the observers' state is only read).
                         QVector<QParams> step(siteCount);
                         for (int i = 0; i < siteCount; ++i)
                             if (probe.observers[size_t(i)])
                                 step[i] = probe.observers[size_t(i)]->qparams();
                         trace.samples << e - calib.begin;
                         trace.steps << step;
                     });
        if (probe.nonFinite > 0) {
            QStringList samples;
            for (qint64 i : probe.nonFiniteSamples) {
                if (samples.size() == 5) {
                    samples << QStringLiteral("…");
                    break;
                }
                samples << QString::number(i);
            }
            m_cache->calibrationWarnings[key] =
                QStringLiteral("calibration (%1): %2 NaN or infinite value(s) at the input of %3%4, from %5 %6, were "
                               "left out of the activation ranges; check the data")
                    .arg(key)
                    .arg(probe.nonFinite)
                    .arg(probe.nonFiniteLayers.first())
                    .arg(probe.nonFiniteLayers.size() > 1
                             ? QStringLiteral(" (and what they became in %1 later layers)").arg(probe.nonFiniteLayers.size() - 1)
                             : QString())
                    .arg(probe.nonFiniteSamples.size() == 1 ? QStringLiteral("sample") : QStringLiteral("samples"))
                    .arg(samples.join(QStringLiteral(", ")));
        }
        QVector<QParams> qp(siteCount);
        for (int i = 0; i < siteCount; ++i)
            if (probe.observers[size_t(i)])
                qp[i] = probe.observers[size_t(i)]->qparams();
        m_cache->calibrated[key] = qp;
        m_cache->calibrationTraces[key] = trace;
        ++m_cache->calibrationPasses;
        ++runs;
        if (cache) {
            cache->save(cacheKey, qp);
            for (int k = 0; k + 1 < trace.samples.size(); ++k)
                cache->save(QStringLiteral("%1|after=%2").arg(cacheKey).arg(trace.samples[k]), trace.steps[k]);
        }
    }
    return runs;
}

int evaluationBatchFor(const Model& model)
{
    // Bytes one sample's activations take at the layers, twice over (inputs and outputs of the
    // ops between them): a bound on what a batch holds while it runs.
    qint64 sampleBytes = 0;
    for (const LayerInfo& l : model.layers()) {
        qint64 in = 1, out = 1;
        for (qint64 d : l.inputShape)
            in *= d;
        for (qint64 d : l.outputShape)
            out *= d;
        sampleBytes += 2 * 4 * (in + out);
    }
    // Powers of two, which divide the 256 error samples: per-layer errors are then measured on the
    // same samples whatever the model. The largest whose activations fit kEvaluationBatchBytes
    // (a large batch's activations fall out of the cache and run slower per sample) and a quarter
    // of the memory budget; never fewer than 16.
    int batch = 16;
    while (batch < kDefaultBatchSize && qint64(2 * batch) * sampleBytes <= kEvaluationBatchBytes &&
           qint64(2 * batch) * sampleBytes <= memoryBudgetBytes() / 4)
        batch *= 2;
    return batch;
}

int TrialRunner::evaluationBatch(TrialMode mode)
{
    if (!m_options.chooseEvaluationBatch || mode == TrialMode::Dynamic)
        return m_options.batchSize;
    const QVector<LayerInfo>& layers = m_model->layers();
    if (std::any_of(layers.begin(), layers.end(), [](const LayerInfo& l) { return l.inputShape.isEmpty() || l.outputShape.isEmpty(); }))
        m_model->measureShapes(*m_data); // one sample through the model: what the rule reads
    return evaluationBatchFor(*m_model);
}

} // namespace qs
