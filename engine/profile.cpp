#include "profile.h"

#include "batches_p.h"
#include "data_p.h"
#include "model_p.h"

#include <QElapsedTimer>

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

void checkClassifierOutput(const at::Tensor& out, qint64 batch, const Model& model, const Dataset& data)
{
    if (out.dim() != 2 || out.size(0) != batch)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 returns shape %2 for a batch of %3; top-1 needs batch×classes")
                              .arg(model.displayName())
                              .arg(formatShape(QVector<qint64>(out.sizes().begin(), out.sizes().end())))
                              .arg(batch));
    if (out.size(1) < data.classCount())
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 has labels up to %2 but %3 outputs only %4 classes")
                              .arg(data.description())
                              .arg(data.classCount() - 1)
                              .arg(model.displayName())
                              .arg(out.size(1)));
}

double evaluateTop1(Model& model, const Dataset& data, SampleRange range, int batchSize,
                    const JobControl& control)
{
    if (!data.hasLabels())
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
    forEachBatch(range, batchSize, control, 0, 1, QStringLiteral("Evaluating"),
                 [&](qint64, qint64 b, qint64 e) {
                     at::Tensor out = runForward(model, data, data.impl().batchInputs(b, e));
                     checkClassifierOutput(out, e - b, model, data);
                     correct += out.argmax(1).eq(data.impl().batchLabels(b, e)).sum().item<int64_t>();
                 });
    return double(correct) / double(range.size());
}

ProfileReport profile(Model& model, const Dataset& data, const ProfileOptions& options,
                      const JobControl& control)
{
    ProfileReport r;
    r.model = model.displayName();
    r.data = data.description();
    r.parameterCount = model.parameterCount();

    control.report(0, QStringLiteral("Measuring shapes"));
    model.measureShapes(data);
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

    if (data.hasLabels() && eval.size() > 0) {
        timer.restart();
        sub.progress = [&](double f, const QString& s) { control.report(0.5 + 0.5 * f, s); };
        r.floatTop1 = evaluateTop1(model, data, eval, options.batchSize, sub);
        r.hasAccuracy = true;
        r.evaluationSeconds = timer.nsecsElapsed() / 1e9;
    } else if (!data.hasLabels()) {
        r.warnings << QStringLiteral("%1 has no labels: no accuracy").arg(data.description());
    } else {
        r.warnings << QStringLiteral("no samples left for evaluation after %1 calibration samples")
                          .arg(calib.size());
    }
    control.report(1, QStringLiteral("Done"));
    return r;
}

} // namespace qs
