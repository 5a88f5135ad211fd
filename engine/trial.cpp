#include "trial.h"
#include "trial_p.h"
#include "trialcache_p.h"

#include "batches_p.h"
#include "data_p.h"
#include "model_p.h"
#include "observers_p.h"
#include "prefix_p.h"
#include "trialprobes_p.h"

#include "budget.h"

#include <QElapsedTimer>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace qs
{

namespace
{

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The model's floating-point parameters and buffers that hold NaN or infinity, each with its
/// counts ("fc1.weight: 1 NaN").
QStringList nonFiniteTensors(const torch::jit::Module& module)
{
    QStringList found;
    auto scan = [&](const std::string& name, const at::Tensor& t) {
        if (!t.defined() || !t.is_floating_point())
            return;
        const int64_t nan = t.isnan().sum().item<int64_t>(), inf = t.isinf().sum().item<int64_t>();
        QStringList counts;
        if (nan)
            counts << QStringLiteral("%1 NaN").arg(nan);
        if (inf)
            counts << QStringLiteral("%1 Inf").arg(inf);
        if (!counts.isEmpty())
            found << QStringLiteral("%1: %2").arg(QString::fromStdString(name), counts.join(QStringLiteral(", ")));
    };
    for (const auto& p : module.named_parameters(true))
        scan(p.name, p.value);
    for (const auto& b : module.named_buffers(true))
        scan(b.name, b.value);
    return found;
}

/// A float model whose outputs are not finite on samples with finite inputs is no baseline: a
/// quantized copy could "beat" it (fake quantization can turn a NaN weight into a number).
/// Throws EngineError(BadInput) naming the tensors at fault and what to do. Samples whose input
/// is not finite are left out here, as everywhere (the trial reports them).
void checkFloatOutputFinite(const at::Tensor& out, qint64 begin, const Model& model, const Dataset& data)
{
    if (at::isfinite(out).all().item<bool>())
        return;
    const at::Tensor badRows = at::isfinite(out.reshape({out.size(0), -1})).all(1).logical_not();
    const std::vector<int64_t>& badInputs = data.impl().nonFiniteSamples;
    qint64 bad = 0, first = -1;
    const auto rows = badRows.nonzero().reshape({-1});
    for (int64_t k = 0; k < rows.numel(); ++k) {
        const qint64 sample = begin + rows[k].item<int64_t>();
        if (std::binary_search(badInputs.begin(), badInputs.end(), int64_t(sample)))
            continue;
        ++bad;
        if (first < 0)
            first = sample;
    }
    if (!bad)
        return;
    const QStringList tensors = nonFiniteTensors(model.impl().module);
    throw EngineError(
        ErrorKind::BadInput,
        QStringLiteral("%1 is no baseline: its float outputs are NaN or infinite on evaluation sample %2 (%3 in this batch) "
                       "although the inputs are finite — %4. Fix or retrain the model and save it again; nothing was recorded")
            .arg(model.displayName())
            .arg(first)
            .arg(bad)
            .arg(tensors.isEmpty() ? QStringLiteral("no parameter holds NaN or Inf, so the values overflow inside the model")
                                   : QStringLiteral("its tensors hold %1").arg(tensors.join(QStringLiteral("; ")))));
}

} // namespace

QString formatScore(Metric metric, double score)
{
    const QLocale locale;
    return metric == Metric::Perplexity ? locale.toString(score, 'f', 3) : locale.toString(score, 'f', 2) + u'%';
}

int firstErrorDrop(const QVector<LayerTrialResult>& layers, double dB)
{
    for (int i = 1; i < layers.size(); ++i) {
        const double before = layers[i - 1].outputSqnr, now = layers[i].outputSqnr;
        if (std::isfinite(now) && now < before - dB) // +inf before: the first error is a drop
            return i;
    }
    return -1;
}

QString formatChange(Metric metric, double change)
{
    const QLocale locale;
    const int decimals = metric == Metric::Perplexity ? 3 : 2;
    const QString magnitude = locale.toString(std::abs(change), 'f', decimals);
    const bool zero = magnitude == locale.toString(0.0, 'f', decimals); // no sign on a rounded zero
    const QString sign = zero ? QString() : change > 0 ? QStringLiteral("+") : QStringLiteral("−");
    return QStringLiteral("%1%2 %3").arg(sign, magnitude,
                                         metric == Metric::Perplexity ? QStringLiteral("perplexity") : QStringLiteral("points"));
}

TrialOptions recordedTrialOptions(const TrialResult& trial, TrialOptions fallback)
{
    if (trial.calibrationSamples >= 0)
        fallback.calibrationSamples = trial.calibrationSamples;
    if (trial.calibrationBatch > 0)
        fallback.batchSize = trial.calibrationBatch;
    if (trial.evaluationSamples > 0)
        fallback.evaluationLimit = trial.evaluationSamples;
    fallback.chooseEvaluationBatch = false;
    return fallback;
}

int TrialRunner::calibrationPasses() const
{
    return m_cache->calibrationPasses;
}

TrialRunner::TrialRunner(std::shared_ptr<Model> model, std::shared_ptr<const Dataset> data,
                         const TrialOptions& options)
    : m_model(std::move(model)), m_data(std::move(data)), m_options(options),
      m_cache(std::make_unique<Cache>())
{
    if (m_options.batchSize <= 0)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("batch size must be positive, not %1").arg(m_options.batchSize));
}

TrialRunner::~TrialRunner() = default;

QVector<QuantSpec> TrialRunner::activationSpecs(const QuantConfig& config) const
{
    QStringList names;
    for (const auto& l : m_model->layers())
        names << l.name;
    config.checkLayers(names, m_model->displayName());
    QVector<QuantSpec> specs;
    for (const LayerInfo& l : m_model->layers()) {
        QuantSpec s = config.activationFor(l.name);
        // Recurrent layers take dynamic activations only, as in PyTorch (quantize_dynamic; its
        // static flow leaves nn.LSTM and nn.GRU in float): static keeps their activations float.
        if (config.mode == TrialMode::WeightOnly || !l.hasActivationInput ||
            (config.mode == TrialMode::Static && isRecurrentOp(l.op)))
            s = QuantSpec::parse(QStringLiteral("float"));
        if (s.type == QuantType::Int && s.granularity != Granularity::PerTensor)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1: activations are quantized per tensor; '%2' is not")
                                  .arg(l.name, s.toString()));
        specs << s;
    }
    return specs;
}

namespace {

/// Empirical bias correction of one quantized weight: the bias minus E[Wq·x] − E[W·x] over the
/// calibration split's inputs to the layer, swapped in with the weight.
void correctBias(const Model::Impl& m, int site, const at::Tensor& mean, const at::Tensor& quantized,
                 TrialRunner::Cache::QuantizedWeight& q, TrialRunner::SwappedWeights& swapped, LayerTrialResult& lr,
                 QStringList& uncorrected)
{
    const SiteRef& ref = m.sites[size_t(site)];
    // A convolution without a bias (its attribute None, declared Optional) gets one: zeros minus
    // the correction.
    const bool noBias = !m.tensorAt(ref.biasPath).defined();
    if (ref.biasPath.empty() || !mean.defined() || (noBias && !canTakeTensor(m.module, ref.biasPath))) {
        uncorrected << m.layers[site].name;
        return;
    }
    // The nearest-rounded weight's correction is kept with it; an AdaRounded one's is computed each time.
    at::Tensor correction = q.correction;
    if (!quantized.is_same(q.value))
        correction = expectedOutputError(m, site, quantized - m.weight(site), mean).contiguous();
    else if (!correction.defined())
        correction = q.correction = expectedOutputError(m, site, q.value - m.weight(site), mean).contiguous();
    const at::Tensor bias = noBias ? at::zeros({correction.numel()}, m.weight(site).options()) : m.tensorAt(ref.biasPath);
    swapped.swap(ref.biasPath, (bias.to(at::kDouble) - correction).to(bias.scalar_type()));
    lr.biasCorrection = QVector<double>(correction.data_ptr<double>(), correction.data_ptr<double>() + correction.numel());
}

} // namespace

/// Fake-quantizes every layer's weight as the config says (each site and spec once per runner)
/// and swaps the copies into the model; fills the weight fields, sizes and warnings of `r`.
void TrialRunner::applyWeights(const QuantConfig& config, const QVector<QuantSpec>& actSpecs,
                               SwappedWeights& swapped, TrialResult& r, const JobControl& control)
{
    Model::Impl& m = m_model->impl();
    const QVector<LayerInfo>& layers = m_model->layers();
    qint64 quantizedParams = 0;
    QStringList uncorrected; // bias correction: layers it cannot apply to
    QStringList notAdaRounded, notChosen, keptNearest;
    std::map<std::vector<std::string>, int> owner; // weight path → the first site using it
    for (int i = 0; i < layers.size(); ++i) {
        const LayerInfo& l = layers[i];
        QuantSpec ws = config.weightFor(l.name);
        // A weight used by two sites (a module called twice, tied weights, two branches) is one
        // tensor: quantized once, as its first site says, and counted once in the size.
        const auto [shared, first] = owner.emplace(m.sites[size_t(i)].weightPath, i);
        if (!first) {
            const LayerInfo& o = layers[shared->second];
            LayerTrialResult lr = r.layers[shared->second];
            lr.name = l.name;
            lr.activationSpec = actSpecs[i].toString();
            lr.activationQParams = {};
            if (config.mode == TrialMode::Static && actSpecs[i].type == QuantType::Int)
                lr.activationQParams = m_cache->calibrated[actSpecs[i].toString()][i];
            if (ws.toString() != config.weightFor(o.name).toString())
                r.warnings << QStringLiteral("%1 uses the same weight tensor as %2: %2's weight setting (%3) applies to both")
                                  .arg(l.name, o.name, config.weightFor(o.name).toString());
            r.layers << lr;
            continue;
        }
        const auto key = std::make_pair(i, ws.toString());
        auto found = m_cache->weights.find(key);
        if (found == m_cache->weights.end()) {
            Cache::QuantizedWeight q;
            q.value = quantizeWeight(m, i, ws, q.fields, q.warnings);
            found = m_cache->weights.emplace(key, std::move(q)).first;
        }
        LayerTrialResult lr = found->second.fields;
        r.warnings << found->second.warnings;
        at::Tensor quantized = found->second.value;
        if (config.techniques.seqMse && lr.weightSqnr != kInf && ws.type == QuantType::Int) {
            control.report(0.45, QStringLiteral("SeqMSE %1 (%2 of %3)").arg(l.name).arg(i + 1).arg(layers.size()));
            if (const SeqMseChoice* c = seqMseChoice(config, i, control)) {
                quantized = c->weight;
                lr.weightQParams = c->qparams;
                setQuantizedWeightFields(m.weight(i), quantized, m.sites[size_t(i)].channelAxis, lr);
                lr.seqmseChosen = c->chosen;
                lr.seqmseOutputMseMinMax = c->outputMseMinMax;
                lr.seqmseOutputMse = c->outputMse;
            } else {
                notChosen << l.name;
            }
        }
        if (config.techniques.adaroundIterations > 0 && lr.weightSqnr != kInf && ws.type == QuantType::Int) {
            control.report(0.45, QStringLiteral("AdaRound %1 (%2 of %3)").arg(l.name).arg(i + 1).arg(layers.size()));
            if (const AdaRounded* a = adaRounded(config, i, lr.weightQParams, swapped, control)) {
                quantized = a->weight;
                setQuantizedWeightFields(m.weight(i), quantized, m.sites[size_t(i)].channelAxis, lr);
                lr.adaroundFlipped = a->flipped;
                lr.adaroundLossNearest = a->lossNearest;
                lr.adaroundLoss = a->loss;
                lr.adaroundUp = a->up;
                if (a->keptNearest)
                    keptNearest << l.name;
            } else {
                notAdaRounded << l.name;
            }
        }
        lr.name = l.name;
        lr.activationSpec = actSpecs[i].toString();
        // Storage: the weight at its bits, plus a float32 scale and an int32 zero point per channel or group.
        const qint64 overhead = lr.weightQParams.scale.size() * 8;
        r.sizeBytes += (l.weightCount * lr.weightBits + 7) / 8 + overhead;
        quantizedParams += l.weightCount;
        if (lr.weightSqnr != kInf) { // changed by quantization (a recurrent weight() is a new tensor each time)
            if (config.techniques.biasCorrection) // before the swap: it compares with the float weight
                correctBias(m, i, (*m_cache->inputMeans)[size_t(i)], quantized, found->second, swapped, lr, uncorrected);
            swapped.swap(i, quantized);
        }
        if (config.mode == TrialMode::Static && actSpecs[i].type == QuantType::Int)
            lr.activationQParams = m_cache->calibrated[actSpecs[i].toString()][i];
        r.layers << lr;
    }
    if (!notChosen.isEmpty())
        r.warnings << QStringLiteral("SeqMSE left %1 at min-max ranges (not a convolution or linear layer it can run alone, or "
                                     "weights neither per tensor nor per output channel)")
                          .arg(notChosen.join(QStringLiteral(", ")));
    if (!notAdaRounded.isEmpty())
        r.warnings << QStringLiteral("AdaRound left %1 at nearest rounding (not a convolution or linear layer it can run alone, "
                                     "or weights neither per tensor nor per output channel)")
                          .arg(notAdaRounded.join(QStringLiteral(", ")));
    if (!keptNearest.isEmpty())
        r.warnings << QStringLiteral("AdaRound kept nearest rounding for %1: the rounding it learnt lost to nearest rounding on the "
                                     "layer's output (more iterations, --adaround=N, let it settle)")
                          .arg(keptNearest.join(QStringLiteral(", ")));
    if (!uncorrected.isEmpty())
        r.warnings << QStringLiteral("bias correction left %1 uncorrected (not a convolution or linear layer it can run alone)")
                          .arg(uncorrected.join(QStringLiteral(", ")));
    r.floatBytes = m_model->parameterCount() * 4;
    r.sizeBytes +=
        (m_model->parameterCount() - quantizedParams) * 4; // biases and other parameters stay float
}

namespace {

/// Whether two sites share a weight (a later site's setting can then change an earlier one's).
bool sharesWeights(const Model::Impl& m)
{
    std::set<std::vector<std::string>> paths;
    for (const SiteRef& site : m.sites)
        if (!paths.insert(site.weightPath).second)
            return true;
    return false;
}

/// The first site (in the model's order) whose weight or input activation `config` changes; -1
/// when it changes none.
int firstChangedSite(const Model::Impl& m, const QuantConfig& config, const QVector<QuantSpec>& actSpecs)
{
    for (int i = 0; i < m.layers.size(); ++i)
        if (config.weightFor(m.layers[i].name).type != QuantType::Float || actSpecs[i].type != QuantType::Float)
            return i;
    return -1;
}

} // namespace

TrialResult TrialRunner::run(const QuantConfig& config, const JobControl& control, CalibrationCache* cache,
                             const RunOptions& options)
{
    if (config.techniques.cle && m_variant.isEmpty())
        return runEqualized(config, control, cache, options);
    QElapsedTimer timer;
    timer.start();
    c10::InferenceMode guard;
    const Dataset& data = *m_data;
    const int siteCount = int(m_model->layers().size());
    TrialResult r;
    r.calibrationSamples = m_options.calibrationSamples;
    r.calibrationBatch = m_options.batchSize;

    const QVector<QuantSpec> actSpecs = activationSpecs(config);
    if (config.mode == TrialMode::Static) {
        QStringList recurrent;
        for (const LayerInfo& l : m_model->layers())
            if (isRecurrentOp(l.op) && config.activationFor(l.name).type == QuantType::Int)
                recurrent << l.name;
        if (!recurrent.isEmpty())
            r.warnings << QStringLiteral("%1: recurrent layers take no static activation quantization (PyTorch's static flow "
                                         "leaves LSTM and GRU in float), so their activations stay float; dynamic mode "
                                         "quantizes them as quantize_dynamic does")
                              .arg(recurrent.join(QStringLiteral(", ")));
    }
    const SampleRange full = data.evaluationRange(m_options.calibrationSamples, m_options.evaluationLimit);
    SampleRange eval = full;
    if (options.evaluationLimit >= 0)
        eval.end = qMin(eval.end, eval.begin + options.evaluationLimit);
    if (eval.size() <= 0)
        throw EngineError(
            ErrorKind::BadInput,
            QStringLiteral("%1 leaves no samples to evaluate after calibration").arg(data.description()));
    const qint64 batch = evaluationBatch(config.mode);
    Cache::Evaluation& cached = m_cache->evaluations[int(batch)];
    r.batchSize = int(batch);
    const qint64 batches = (eval.size() + batch - 1) / batch;
    const qint64 errorBatches = (qMin(m_options.errorSamples, full.size()) + batch - 1) / batch;
    r.evaluationSamples = eval.size();
    r.errorSamples = qMin(eval.size(), qMin(errorBatches * batch, full.size()));

    const Metric metric = metricFor(data);
    auto forward = [&](qint64 b, qint64 e) {
        return runForward(*m_model, data, data.impl().batchInputs(b, e));
    };
    // The model's output computed from the values kept at `site`'s cut, or nothing (then the
    // whole model runs).
    auto fromPrefix = [&](PrefixCache& cache, int site, qint64 index, qint64 b, qint64 e) -> std::optional<at::Tensor> {
        try {
            const auto out = cache.runFrom(site, index, data.impl().batchInputs(b, e));
            if (!out)
                return std::nullopt;
            return outputTensor(*out, m_model->impl().output, m_model->displayName());
        } catch (const EngineError&) {
            throw;
        } catch (const std::exception& e) {
            throw EngineError(ErrorKind::BadInput, QStringLiteral("%1 failed on %2: %3")
                                                       .arg(m_model->displayName(), data.description(), torchMessage(e)));
        }
    };
    auto labelsOf = [&](qint64 b, qint64 e) {
        return data.hasLabels() ? data.impl().batchLabels(b, e) : at::Tensor();
    };

    QElapsedTimer stage;
    // 1. Float reference, for the batches not computed before. Batches are aligned to the full
    //    split, so a shorter evaluation reuses the first batches of a longer one.
    stage.start();
    if (qint64(cached.outputs.size()) < batches) {
        CaptureProbe capture;
        ScopedProbeHandler scope(&capture);
        cached.siteOutputs.resize(size_t(errorBatches), std::vector<at::Tensor>(size_t(siteCount)));
        const qint64 done = qint64(cached.outputs.size());
        const SampleRange missing{full.begin + done * batch, qMin(full.end, full.begin + batches * batch)};
        forEachBatch(missing, int(batch), control, 0.0, 0.3, QStringLiteral("Float reference"),
                     [&](qint64 i, qint64 b, qint64 e) {
                         const qint64 index = done + i;
                         capture.outputs =
                             index < errorBatches ? &cached.siteOutputs[size_t(index)] : nullptr;
                         const at::Tensor out = forward(b, e);
                         checkModelOutput(out, e - b, *m_model, data);
                         checkFloatOutputFinite(out, b, *m_model, data);
                         const bool keep = metric != Metric::Perplexity || index < errorBatches;
                         cached.outputs.push_back(keep ? out : at::Tensor());
                         cached.floatScores.push_back(
                             scoreBatch(out, metric, data.impl().batchInputs(b, e), labelsOf(b, e), {}));
                     });
    }
    r.referenceSeconds = stage.nsecsElapsed() / 1e9;
    stage.restart();

    // 2. Calibration of each static activation spec not seen before.
    if (config.mode == TrialMode::Static) {
        r.calibrationsRun = calibrate(actSpecs, control, cache);
        std::set<QString> specs;
        for (const QuantSpec& a : actSpecs)
            if (a.type == QuantType::Int && specs.insert(a.toString()).second)
                if (const auto w = m_cache->calibrationWarnings.find(a.toString()); w != m_cache->calibrationWarnings.end())
                    r.warnings << w->second;
    }
    if (config.techniques.biasCorrection)
        measureInputMeans(control);
    r.calibrationSeconds = stage.nsecsElapsed() / 1e9;
    if (config.mode == TrialMode::Static) {
        std::set<QString> seen;
        for (const QuantSpec& a : actSpecs)
            if (a.type == QuantType::Int && seen.insert(a.toString()).second)
                if (const auto t = m_cache->calibrationTraces.find(a.toString()); t != m_cache->calibrationTraces.end())
                    r.calibration << t->second;
    }

    // 3. Weights: fake-quantized copies swapped in; the originals go back on every way out.
    SwappedWeights swapped(m_model->impl());
    applyWeights(config, actSpecs, swapped, r, control);

    // 4. The quantized model over the evaluation split — from the first layer the trial changes,
    //    on the float model's values kept there, when it leaves the layers before it float.
    if (!m_cache->sharesWeights)
        m_cache->sharesWeights = sharesWeights(m_model->impl());
    const int start = *m_cache->sharesWeights ? -1 : firstChangedSite(m_model->impl(), config, actSpecs);
    PrefixCache* prefix = nullptr;
    if (start > 0 && m_options.prefixBudgetBytes != 0) {
        if (!cached.prefix)
            cached.prefix = std::make_unique<PrefixCache>(
                m_model->impl(), m_options.prefixBudgetBytes > 0 ? m_options.prefixBudgetBytes : memoryBudgetBytes() / 4);
        const QString why = cached.prefix->whyNotCut(start);
        if (why.isEmpty()) {
            prefix = cached.prefix.get();
            r.startLayer = start;
        }
        else
            r.warnings << QStringLiteral("%1: the trial runs the whole model, not only the part from %1 on (%2)")
                              .arg(m_model->layers()[start].name, why);
    }
    const int notKeptBefore = prefix ? prefix->batchesNotKept() : 0;
    QuantizeProbe probe;
    probe.specs = actSpecs;
    probe.dynamic = config.mode == TrialMode::Dynamic;
    probe.sums = QVector<ErrorSums>(siteCount);
    for (const LayerTrialResult& lr : r.layers)
        probe.qparams << lr.activationQParams;
    double signal = 0, noise = 0, nll = 0, floatNll = 0;
    qint64 correct = 0, floatCorrect = 0;
    // Evaluation samples whose input holds NaN or infinity (the data set found them when it loaded).
    QVector<qint64> nonFiniteSamples;
    for (int64_t i : data.impl().nonFiniteSamples)
        if (i >= eval.begin && i < eval.end)
            nonFiniteSamples << i;
    {
        ScopedProbeHandler scope(&probe);
        forEachBatch(eval, int(batch), control, 0.45, 1.0, QStringLiteral("Evaluating"),
                     [&](qint64 i, qint64 b, qint64 e) {
                         probe.reference = i < errorBatches ? &cached.siteOutputs[size_t(i)] : nullptr;
                         at::Tensor out;
                         if (const auto rest = prefix ? fromPrefix(*prefix, start, i, b, e) : std::nullopt) {
                             out = *rest;
                             // The layers before the start are the float model's: their outputs
                             // are the reference, measured as the whole graph would.
                             for (int site = 0; probe.reference && site < start; ++site) {
                                 auto [it, added] = cached.floatSiteSums.try_emplace({i, site});
                                 if (added) // the same in every trial: computed once
                                     it->second = outputSums((*probe.reference)[size_t(site)], (*probe.reference)[size_t(site)]);
                                 addOutputSums(probe.sums[site], it->second);
                             }
                         } else {
                             out = forward(b, e);
                         }
                         at::Tensor ref = cached.outputs[size_t(i)];
                         BatchScore floatScore = cached.floatScores[size_t(i)];
                         if (floatScore.correct.size(0) != e - b) { // the last batch of a shorter evaluation
                             floatScore = floatScore.prefix(e - b);
                             if (ref.defined())
                                 ref = ref.narrow(0, 0, e - b);
                         }
                         if (ref.defined()) {
                             signal += ref.square().sum().item<double>();
                             noise += (ref - out).square().sum().item<double>();
                         }
                         const BatchScore score = scoreBatch(out, metric, data.impl().batchInputs(b, e),
                                                             labelsOf(b, e), floatScore.predictions);
                         correct += score.correct.sum().item<int64_t>();
                         floatCorrect += floatScore.correct.sum().item<int64_t>();
                         if (metric == Metric::Perplexity) {
                             nll += score.nll.sum().item<double>();
                             floatNll += floatScore.nll.sum().item<double>();
                             // Next tokens predicted differently: counted, not listed.
                             r.disagreementCount +=
                                 score.predictions.ne(floatScore.predictions).sum().item<int64_t>();
                             return;
                         }
                         // Where quantization changed the prediction, for the disagreement view.
                         const at::Tensor& floatClass = floatScore.predictions;
                         const at::Tensor& quantClass = score.predictions;
                         const at::Tensor changed = floatClass.ne(quantClass).nonzero().flatten();
                         r.disagreementCount += changed.numel();
                         for (int64_t k = 0; k < changed.numel() && r.disagreements.size() < 1000; ++k) {
                             const int64_t j = changed[k].item<int64_t>();
                             TrialResult::Disagreement d;
                             d.sample = b + j;
                             d.floatClass = int(floatClass[j].item<int64_t>());
                             d.quantizedClass = int(quantClass[j].item<int64_t>());
                             d.label = data.hasLabels() ? int(data.impl().labels[b + j].item<int64_t>()) : -1;
                             r.disagreements << d;
                         }
                     });
    }
    if (prefix)
        r.batchesNotKept = prefix->batchesNotKept() - notKeptBefore;
    // 5. Each layer's local error: the model once more over the error batches, every layer's
    //    output replaced by the float model's before the next layer sees it.
    QVector<ErrorSums> local;
    if (options.localErrors) {
        QuantizeProbe isolated;
        isolated.specs = probe.specs;
        isolated.qparams = probe.qparams;
        isolated.dynamic = probe.dynamic;
        isolated.isolate = true;
        isolated.sums = QVector<ErrorSums>(siteCount);
        ScopedProbeHandler scope(&isolated);
        const SampleRange errorRange{eval.begin, qMin(eval.end, eval.begin + errorBatches * batch)};
        forEachBatch(errorRange, int(batch), control, 1.0, 1.0, QStringLiteral("Local errors"),
                     [&](qint64 i, qint64 b, qint64 e) {
                         isolated.reference = &cached.siteOutputs[size_t(i)];
                         forward(b, e);
                     });
        local = isolated.sums;
    }
    for (int i = 0; i < siteCount; ++i) {
        if (!local.isEmpty())
            r.layers[i].localSqnr = decibels(local[i].outSignal, local[i].outNoise);
        finishErrors(probe.sums[i], r.layers[i]);
        if (probe.sums[i].nonFinite)
            r.warnings << QStringLiteral("%1: NaN or infinite values (in the float model too); errors "
                                         "measured on the finite ones")
                              .arg(r.layers[i].name);
    }
    r.outputSqnr = decibels(signal, noise);
    r.nonFiniteSamples = nonFiniteSamples.size();
    if (!nonFiniteSamples.isEmpty()) {
        QStringList first;
        for (qsizetype k = 0; k < std::min<qsizetype>(5, nonFiniteSamples.size()); ++k)
            first << QString::number(nonFiniteSamples[k]);
        r.warnings << QStringLiteral("%1 evaluation sample(s) hold NaN or infinite inputs (%2%3); their scores are counted as "
                                     "the model gives them")
                          .arg(nonFiniteSamples.size())
                          .arg(first.join(QStringLiteral(", ")), nonFiniteSamples.size() > 5 ? QStringLiteral(", …") : QString());
    }
    r.metric = metric;
    r.hasAccuracy = metric != Metric::Agreement;
    // Top-1 counts samples; for token windows, every predicted next token.
    const double predictions = predictionCount(data, eval.size());
    r.top1 = double(correct) / predictions;
    r.floatTop1 = r.hasAccuracy ? double(floatCorrect) / predictions : 1.0;
    if (metric == Metric::Perplexity) {
        r.perplexity = std::exp(nll / predictions);
        r.floatPerplexity = std::exp(floatNll / predictions);
    }
    r.seconds = timer.nsecsElapsed() / 1e9;
    control.report(1, QStringLiteral("Done"));
    return r;
}

QVector<LayerTrialResult> TrialRunner::isolatedErrors(const QuantConfig& config, const JobControl& control,
                                                      CalibrationCache* cache)
{
    c10::InferenceMode guard;
    const Dataset& data = *m_data;
    const int siteCount = int(m_model->layers().size());
    const QVector<QuantSpec> actSpecs = activationSpecs(config);
    if (config.mode == TrialMode::Static)
        calibrate(actSpecs, control, cache);
    // The first samples of the calibration split: the choice is made on calibration data.
    SampleRange range = data.calibrationRange(m_options.calibrationSamples);
    range.end = qMin(range.end, range.begin + m_options.errorSamples);
    const int batch = m_options.batchSize;

    std::vector<std::vector<at::Tensor>> reference;
    {
        CaptureProbe capture;
        ScopedProbeHandler scope(&capture);
        forEachBatch(range, batch, control, 0.45, 0.7, QStringLiteral("Float layer outputs"),
                     [&](qint64, qint64 b, qint64 e) {
                         reference.emplace_back(size_t(siteCount));
                         capture.outputs = &reference.back();
                         runForward(*m_model, data, data.impl().batchInputs(b, e));
                     });
    }
    TrialResult r;
    SwappedWeights swapped(m_model->impl());
    applyWeights(config, actSpecs, swapped, r, control);
    QuantizeProbe probe;
    probe.specs = actSpecs;
    probe.dynamic = config.mode == TrialMode::Dynamic;
    probe.isolate = true;
    probe.sums = QVector<ErrorSums>(siteCount);
    for (const LayerTrialResult& lr : r.layers)
        probe.qparams << lr.activationQParams;
    {
        ScopedProbeHandler scope(&probe);
        forEachBatch(range, batch, control, 0.7, 1.0, QStringLiteral("Layer errors"),
                     [&](qint64 i, qint64 b, qint64 e) {
                         probe.reference = &reference[size_t(i)];
                         runForward(*m_model, data, data.impl().batchInputs(b, e));
                     });
    }
    for (int i = 0; i < siteCount; ++i)
        finishErrors(probe.sums[i], r.layers[i]);
    return r.layers;
}

} // namespace qs
