// What a TrialRunner does for a configuration's techniques: the layer input means bias
// correction needs, AdaRound's and SeqMSE's per-layer results (learnt on the layer's inputs from
// the model quantized so far, kept per layer and what came before it), and the second runner a
// trial with cross-layer equalization runs on.

#include "trial.h"
#include "trial_p.h"
#include "trialcache_p.h"

#include "batches_p.h"
#include "data_p.h"
#include "model_p.h"
#include "techniques_p.h"

#include "budget.h"

#include <QElapsedTimer>
#include <QHash>

namespace qs {

/// Each site's input means over the calibration split, on the float model (once per runner).
void TrialRunner::measureInputMeans(const JobControl& control)
{
    if (m_cache->inputMeans)
        return;
    const SampleRange calib = m_data->calibrationRange(m_options.calibrationSamples);
    if (calib.size() == 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("bias correction needs calibration samples; give --calib N with "
                                                              "N of at least 1, or leave bias correction off"));
    InputMeanProbe probe(m_model->impl());
    ScopedProbeHandler scope(&probe);
    forEachBatch(calib, m_options.batchSize, control, 0.3, 0.45, QStringLiteral("Bias correction: layer input means"),
                 [&](qint64, qint64 b, qint64 e) { runForward(*m_model, *m_data, m_data->impl().batchInputs(b, e)); });
    m_cache->inputMeans = probe.means();
}

QString TrialRunner::sequentialKey(const QuantConfig& config, int site, const QString& technique) const
{
    QStringList key{technique, m_variant, config.techniques.toString()};
    for (int i = 0; i <= site; ++i)
        key << config.weightFor(m_model->layers()[i].name).toString();
    return key.join(u'|');
}

namespace {

/// A layer's inputs as AdaRound and SeqMSE learn from them: the calibration split's first
/// samples (at most 512, and what a quarter of the memory budget holds) through the model as
/// swapped in now (the layers before it quantized), activations float.
at::Tensor sequentialInputs(Model& model, const Dataset& data, const TrialOptions& options, int site, const QString& technique,
                            const JobControl& control)
{
    SampleRange range = data.calibrationRange(options.calibrationSamples);
    if (range.size() == 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("%1 learns on calibration samples; give --calib N with N of at "
                                                              "least 1, or leave %1 off")
                                                   .arg(technique));
    range.end = qMin(range.end, range.begin + 512);
    InputCaptureProbe capture(site, memoryBudgetBytes() / 4);
    ScopedProbeHandler scope(&capture);
    forEachBatch(range, options.batchSize, control, 0.45, 0.45,
                 QStringLiteral("%1 %2: its inputs").arg(technique, model.layers()[site].name), [&](qint64, qint64 b, qint64 e) {
                     if (!capture.full())
                         runForward(model, data, data.impl().batchInputs(b, e));
                 });
    return capture.inputs();
}

} // namespace

const AdaRounded* TrialRunner::adaRounded(const QuantConfig& config, int site, const QParams& q,
                                          const SwappedWeights& swapped, const JobControl& control)
{
    const Model::Impl& m = m_model->impl();
    if (!adaRoundApplies(m, site, q))
        return nullptr;
    // The layer's inputs come from the model quantized so far: its key says what made them.
    const QString k = sequentialKey(config, site, QStringLiteral("AdaRound"));
    if (const auto found = m_cache->adarounded.find(k); found != m_cache->adarounded.end())
        return &found->second;
    AdaRoundOptions options;
    options.iterations = config.techniques.adaroundIterations;
    // As AIMET samples them: the inputs from the model quantized so far (unless the float model's
    // are asked for), the target from the float model.
    AdaRoundData data;
    {
        ScopedTensors floatModel(m_model->impl().module);
        const std::vector<TensorSlot>& floatTensors = swapped.originals();
        for (auto it = floatTensors.rbegin(); it != floatTensors.rend(); ++it) // oldest last: the true original
            floatModel.set(it->first, it->second);
        data.targetInputs = sequentialInputs(*m_model, *m_data, m_options, site, QStringLiteral("AdaRound"), control);
    }
    data.inputs = swapped.originals().empty() || config.techniques.adaroundFloatInputs
                      ? data.targetInputs
                      : sequentialInputs(*m_model, *m_data, m_options, site, QStringLiteral("AdaRound"), control);
    if (!m.sites[size_t(site)].biasPath.empty())
        data.bias = m.tensorAt(m.sites[size_t(site)].biasPath);
    data.activation = followingActivation(m, site);
    const AdaRoundLayer a = adaRound(m, site, m.weight(site), q, data, options, control);
    AdaRounded r;
    r.weight = a.weight;
    r.flipped = a.flippedShare;
    r.lossNearest = a.lossNearest;
    r.loss = a.lossAfter;
    r.up = packBits(a.up);
    r.keptNearest = a.keptNearest;
    return &m_cache->adarounded.emplace(k, std::move(r)).first->second;
}

const SeqMseChoice* TrialRunner::seqMseChoice(const QuantConfig& config, int site, const JobControl& control)
{
    const Model::Impl& m = m_model->impl();
    QuantSpec spec = config.weightFor(m.layers[site].name);
    if (!seqMseApplies(m, site, spec))
        return nullptr;
    const QString k = sequentialKey(config, site, QStringLiteral("SeqMSE"));
    if (const auto found = m_cache->seqmse.find(k); found != m_cache->seqmse.end())
        return &found->second;
    const at::Tensor inputs = sequentialInputs(*m_model, *m_data, m_options, site, QStringLiteral("SeqMSE"), control);
    SeqMseChoice c{seqMse(m, site, m.weight(site), spec, inputs, config.techniques.seqMseLoss, control)};
    return &m_cache->seqmse.emplace(k, std::move(c)).first->second;
}

TrialResult TrialRunner::runEqualized(const QuantConfig& config, const JobControl& control, CalibrationCache* cache,
                                      const RunOptions& options)
{
    QElapsedTimer timer;
    timer.start();
    const bool absorb = config.techniques.highBiasAbsorption;
    if (!m_cache->equalized[absorb]) {
        control.report(0, QStringLiteral("Cross-layer equalization"));
        m_cache->equalizedTensors[absorb] = std::make_unique<EqualizedTensors>(equalizedTensors(m_model->impl(), absorb));
        m_cache->equalized[absorb] = std::make_unique<TrialRunner>(m_model, m_data, m_options);
        m_cache->equalized[absorb]->m_variant = absorb ? QStringLiteral("|cle+hba") : QStringLiteral("|cle");
    }
    const EqualizedTensors& tensors = *m_cache->equalizedTensors[absorb];
    TrialRunner& runner = *m_cache->equalized[absorb];
    const double setup = timer.nsecsElapsed() / 1e9;
    ScopedTensors equalized(m_model->impl().module);
    for (const auto& [path, value] : tensors.tensors)
        equalized.set(path, value);
    TrialResult r = runner.run(config, control, cache, options);
    const CleResult& cle = tensors.result;
    const bool moved = std::any_of(cle.pairs.begin(), cle.pairs.end(), [](const EqualizedPair& p) {
        return std::any_of(p.absorbed.begin(), p.absorbed.end(), [](double c) { return c > 0; });
    });
    // Absorption that moved nothing leaves a CLE trial, scored as one: against the equalized float
    // model (the model as loaded differs from it by float rounding, which can flip a prediction).
    const bool rescore = absorb && moved;
    if (rescore && !m_cache->loadedFloat.count(options.evaluationLimit)) {
        // Absorption changes what the float model computes: the trial is scored against the model
        // as loaded (its float run, kept by this runner), not against the absorbed one.
        QuantConfig asLoaded;
        asLoaded.weight = asLoaded.activation = QuantSpec::parse(QStringLiteral("float"));
        asLoaded.mode = TrialMode::WeightOnly;
        const TrialResult loaded = [&] {
            ScopedTensors back(m_model->impl().module); // the tensors as loaded for this run
            const std::vector<TensorSlot>& originals = equalized.originals();
            for (auto it = originals.rbegin(); it != originals.rend(); ++it) // the oldest last: the true original
                back.set(it->first, it->second);
            RunOptions scoreOnly;
            scoreOnly.evaluationLimit = options.evaluationLimit;
            return run(asLoaded, control, cache, scoreOnly);
        }();
        m_cache->loadedFloat[options.evaluationLimit] = std::make_pair(loaded.floatTop1, loaded.floatPerplexity);
    }
    if (rescore)
        std::tie(r.floatTop1, r.floatPerplexity) = m_cache->loadedFloat[options.evaluationLimit];
    QHash<QString, int> row;
    for (int i = 0; i < r.layers.size(); ++i)
        row.insert(r.layers[i].name, i);
    for (const EqualizedPair& p : cle.pairs) {
        LayerTrialResult& first = r.layers[row.value(p.first)];
        first.equalizedWith = p.second;
        first.equalizationScales = p.scales;
        first.highBiasAbsorbed = p.absorbed;
        r.layers[row.value(p.second)].equalizedAfter = p.first;
    }
    if (cle.pairs.isEmpty())
        r.warnings << QStringLiteral("cross-layer equalization found no convolution or linear layers joined by a ReLU, ReLU6 (or "
                                     "nothing) in %1: nothing was equalized")
                          .arg(m_model->displayName());
    if (absorb && !moved)
        r.warnings << QStringLiteral("high-bias absorption moved nothing: no equalized pair's first layer had batch norm with a "
                                     "channel whose shift β exceeds 3|γ|");
    r.seconds += setup;
    return r;
}

} // namespace qs
