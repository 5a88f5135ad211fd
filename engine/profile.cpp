#include "profile.h"

#include "batches_p.h"
#include "data_p.h"
#include "model_p.h"

#include <QElapsedTimer>

#include <cmath>

namespace qs
{

namespace
{

/// Minima and maxima of `t` along `axis`, as plain vectors.
void channelRanges(const at::Tensor& t, int64_t axis, QVector<double>& mins, QVector<double>& maxs)
{
    at::Tensor moved = t.movedim(axis, 0).reshape({t.size(axis), -1}).to(torch::kDouble);
    // NaN would poison min/max; ignore non-finite values as the moments do.
    at::Tensor finite = moved.isfinite();
    const double inf = std::numeric_limits<double>::infinity();
    at::Tensor lo = std::get<0>(moved.masked_fill(~finite, inf).min(1));
    at::Tensor hi = std::get<0>(moved.masked_fill(~finite, -inf).max(1));
    mins.resize(lo.size(0));
    maxs.resize(hi.size(0));
    std::copy_n(lo.data_ptr<double>(), lo.size(0), mins.data());
    std::copy_n(hi.data_ptr<double>(), hi.size(0), maxs.data());
}

void accumulate(TensorStatsAccumulator& acc, const at::Tensor& t, int64_t channelAxis)
{
    at::Tensor f = t.detach().to(torch::kFloat32).contiguous();
    acc.add(f.data_ptr<float>(), size_t(f.numel()));
    if (channelAxis >= 0 && channelAxis < f.dim() && f.numel() > 0) {
        QVector<double> mins, maxs;
        channelRanges(f, channelAxis, mins, maxs);
        acc.addChannelRanges(int(channelAxis), mins, maxs);
    }
}

/// Activation channel axis: 1 for convolutions (N×C×…), the last for everything else.
int64_t activationChannelAxis(const LayerInfo& l, int64_t dim)
{
    if (l.op.startsWith(QLatin1String("conv")) && dim >= 3)
        return 1;
    return dim - 1;
}

class CalibrationProbe : public ProbeHandler
{
public:
    CalibrationProbe(const QVector<LayerInfo>& layers, int bins) : m_layers(layers)
    {
        for (int i = 0; i < layers.size(); ++i)
            m_acc.emplace_back(bins);
    }
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override
    {
        if (role == ProbeRole::Input)
            accumulate(m_acc[size_t(site)], x, activationChannelAxis(m_layers[site], x.dim()));
        return x;
    }
    std::vector<TensorStatsAccumulator> m_acc;

private:
    const QVector<LayerInfo>& m_layers;
};

} // namespace

at::Tensor runForward(Model& model, const Dataset& data, const at::Tensor& x)
{
    try {
        return model.impl().forward(x);
    } catch (const EngineError&) {
        throw;
    } catch (const std::exception& e) {
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 failed on %2 (input %3): %4")
                              .arg(model.displayName(), data.description(),
                                   formatShape(data.sampleShape(true)), torchMessage(e)));
    }
}

TensorStats weightStats(const Model& model, int site, int bins)
{
    c10::InferenceMode guard;
    TensorStatsAccumulator acc(bins);
    accumulate(acc, model.impl().weight(site), model.impl().sites[size_t(site)].channelAxis);
    return acc.result();
}

QVector<TensorStats> activationStats(Model& model, const Dataset& data, SampleRange range, int batchSize,
                                     const JobControl& control, int bins)
{
    c10::InferenceMode guard;
    CalibrationProbe probe(model.layers(), bins);
    ScopedProbeHandler scope(&probe);
    forEachBatch(range, batchSize, control, 0, 1, QStringLiteral("Calibrating"),
                 [&](qint64, qint64 b, qint64 e) { runForward(model, data, data.impl().batchInputs(b, e)); });
    QVector<TensorStats> out;
    for (const auto& acc : probe.m_acc)
        out << acc.result();
    return out;
}

void checkModelOutput(const at::Tensor& out, qint64 batch, const Model& model, const Dataset& data)
{
    const QString shape = formatShape(QVector<qint64>(out.sizes().begin(), out.sizes().end()));
    if (data.isTokenWindows()) {
        const at::Tensor& tokens = data.impl().inputs;
        const int64_t window = tokens.size(1);
        if (window < 2)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1: token windows of %2 token(s) leave no next token to predict")
                                  .arg(data.description())
                                  .arg(window));
        if (out.dim() != 3 || out.size(0) != batch || out.size(1) != window)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1 returns shape %2 for %3 token windows of %4; perplexity needs "
                                             "windows×tokens×vocabulary logits")
                                  .arg(model.displayName(), shape)
                                  .arg(batch)
                                  .arg(window));
        const int64_t largest = tokens.max().item<int64_t>();
        if (largest >= out.size(2) || tokens.min().item<int64_t>() < 0)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1 holds token ids up to %2 but %3 predicts a vocabulary of %4")
                                  .arg(data.description())
                                  .arg(largest)
                                  .arg(model.displayName())
                                  .arg(out.size(2)));
        return;
    }
    if (out.dim() != 2 || out.size(0) != batch)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 returns shape %2 for a batch of %3; top-1 needs batch×classes")
                              .arg(model.displayName(), shape)
                              .arg(batch));
    if (out.size(1) < data.classCount())
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 has labels up to %2 but %3 outputs only %4 classes")
                              .arg(data.description())
                              .arg(data.classCount() - 1)
                              .arg(model.displayName())
                              .arg(out.size(1)));
}

/// Scores a batch: against labels, against the float model's predictions (`agreeWith`, without
/// labels; undefined: the float model itself) or, for token windows, against the next token.
BatchScore scoreBatch(const at::Tensor& out, Metric metric, const at::Tensor& inputs, const at::Tensor& labels,
                      const at::Tensor& agreeWith)
{
    BatchScore s;
    if (metric == Metric::Perplexity) {
        const int64_t n = inputs.size(0), t = inputs.size(1), vocabulary = out.size(2);
        const at::Tensor logits = out.narrow(1, 0, t - 1).to(at::kFloat);
        const at::Tensor targets = inputs.narrow(1, 1, t - 1);
        s.predictions = logits.argmax(-1);
        s.correct = s.predictions.eq(targets).sum(1);
        s.nll = logits.reshape({-1, vocabulary})
                    .log_softmax(-1)
                    .gather(1, targets.reshape({-1, 1}))
                    .neg()
                    .reshape({n, t - 1})
                    .to(at::kDouble)
                    .sum(1);
        return s;
    }
    s.predictions = out.argmax(1);
    const at::Tensor& target = metric == Metric::Accuracy ? labels : agreeWith.defined() ? agreeWith : s.predictions;
    s.correct = s.predictions.eq(target).to(at::kLong);
    return s;
}


double predictionCount(const Dataset& data, qint64 samples)
{
    return double(samples) * (data.isTokenWindows() ? double(data.impl().inputs.size(1) - 1) : 1.0);
}

FloatEvaluation evaluateFloat(Model& model, const Dataset& data, SampleRange range, int batchSize,
                              const JobControl& control)
{
    const Metric metric = metricFor(data);
    if (metric == Metric::Agreement)
        throw EngineError(
            ErrorKind::BadInput,
            QStringLiteral("%1 has no labels; top-1 accuracy needs labels").arg(data.description()));
    if (range.size() <= 0)
        throw EngineError(
            ErrorKind::BadInput,
            QStringLiteral("%1 leaves no samples to evaluate after calibration").arg(data.description()));
    c10::InferenceMode guard;
    ScopedProbeHandler scope(nullptr);
    qint64 correct = 0;
    double nll = 0;
    forEachBatch(range, batchSize, control, 0, 1, QStringLiteral("Evaluating"),
                 [&](qint64, qint64 b, qint64 e) {
                     at::Tensor out = runForward(model, data, data.impl().batchInputs(b, e));
                     checkModelOutput(out, e - b, model, data);
                     const BatchScore s = scoreBatch(out, metric, data.impl().batchInputs(b, e),
                                                     data.hasLabels() ? data.impl().batchLabels(b, e) : at::Tensor(), {});
                     correct += s.correct.sum().item<int64_t>();
                     if (s.nll.defined())
                         nll += s.nll.sum().item<double>();
                 });
    FloatEvaluation f;
    f.metric = metric;
    const double predictions = predictionCount(data, range.size());
    f.top1 = double(correct) / predictions;
    if (metric == Metric::Perplexity)
        f.perplexity = std::exp(nll / predictions);
    return f;
}

ProfileReport profile(Model& model, const Dataset& data, const ProfileOptions& options,
                      const JobControl& control)
{
    ProfileReport r;
    r.model = model.displayName();
    r.data = data.description();
    r.parameterCount = model.parameterCount();

    control.report(0, QStringLiteral("Measuring shapes"));
    try {
        model.measureShapes(data);
        r.outputChoices = model.outputChoices();
        r.output = model.scoredOutput();
    } catch (const EngineError& e) {
        if (!options.weightsWhenDataDoesNotFit || e.kind() != ErrorKind::BadInput)
            throw;
        r.dataProblem = e.message();
    }
    const auto& layers = model.layers();
    r.warnings << data.warnings(); // e.g. images that could not be read
    if (layers.isEmpty())
        r.warnings << QStringLiteral("%1 has no quantizable layers (linear, convolution, matmul with a "
                                     "parameter, embedding)")
                          .arg(model.displayName());

    for (int i = 0; i < layers.size(); ++i) {
        control.checkCancelled();
        control.report(0.05 * i / qMax(1, int(layers.size())), QStringLiteral("Weight statistics"));
        LayerProfile lp;
        lp.layer = layers[i];
        lp.weight = weightStats(model, i, options.histogramBins);
        if (lp.weight.nonFinite > 0)
            r.warnings << QStringLiteral("%1: the weight holds %2 NaN or infinite values")
                              .arg(lp.layer.name)
                              .arg(lp.weight.nonFinite);
        r.layers << lp;
    }

    if (!r.dataProblem.isEmpty()) { // the weights are known; activations and scores need data that fits
        r.warnings << r.dataProblem;
        control.report(1, QStringLiteral("Done"));
        return r;
    }

    const SampleRange calib = data.calibrationRange(options.calibrationSamples);
    const SampleRange eval = data.evaluationRange(options.calibrationSamples, options.evaluationLimit);
    r.calibrationSamples = calib.size();
    r.evaluationSamples = eval.size();

    QElapsedTimer timer;
    timer.start();
    JobControl sub = control;
    sub.progress = [&](double f, const QString& s) { control.report(0.05 + 0.45 * f, s); };
    const QVector<TensorStats> acts =
        activationStats(model, data, calib, options.batchSize, sub, options.histogramBins);
    for (int i = 0; i < r.layers.size(); ++i)
        r.layers[i].activation = acts[i];
    r.calibrationSeconds = timer.nsecsElapsed() / 1e9;

    r.metric = metricFor(data);
    if (r.metric != Metric::Agreement && eval.size() > 0) {
        timer.restart();
        sub.progress = [&](double f, const QString& s) { control.report(0.5 + 0.5 * f, s); };
        const FloatEvaluation f = evaluateFloat(model, data, eval, options.batchSize, sub);
        r.floatTop1 = f.top1;
        r.floatPerplexity = f.perplexity;
        r.hasAccuracy = true;
        r.evaluationSeconds = timer.nsecsElapsed() / 1e9;
    } else if (r.metric == Metric::Agreement) {
        r.warnings << QStringLiteral("%1 has no labels: no accuracy").arg(data.description());
    } else {
        r.warnings << QStringLiteral("no samples left for evaluation after %1 calibration samples")
                          .arg(calib.size());
    }
    control.report(1, QStringLiteral("Done"));
    return r;
}

} // namespace qs
