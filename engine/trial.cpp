#include "trial.h"

#include "data_p.h"
#include "model_p.h"
#include "observers_p.h"

#include <QElapsedTimer>

#include <cmath>
#include <limits>

namespace qs {

namespace {

double sqnr(const at::Tensor& ref, const at::Tensor& q)
{
    const double signal = ref.to(at::kDouble).pow(2).sum().item<double>();
    const double noise = (ref.to(at::kDouble) - q.to(at::kDouble)).pow(2).sum().item<double>();
    return noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
}

at::Tensor fakeQuantize(const at::Tensor& x, const QParams& q)
{
    if (q.axis < 0)
        return at::fake_quantize_per_tensor_affine(x, q.scale[0], q.zeroPoint[0], q.quantMin, q.quantMax);
    const at::Tensor scale = torch::tensor(std::vector<double>(q.scale.begin(), q.scale.end()), at::kFloat);
    // LibTorch 1.13 wants int32 zero points here, though the observers give int64.
    const at::Tensor zp = torch::tensor(std::vector<int64_t>(q.zeroPoint.begin(), q.zeroPoint.end()), at::kInt);
    return at::fake_quantize_per_channel_affine(x, scale, zp, q.axis, q.quantMin, q.quantMax);
}

int bitsOf(const QuantSpec& s)
{
    switch (s.type) {
    case QuantType::Int: return s.bits;
    case QuantType::Float16:
    case QuantType::BFloat16: return 16;
    case QuantType::Float: return 32;
    }
    return 32;
}

/// Sets a tensor attribute by path; returns the previous value.
at::Tensor swapTensor(torch::jit::Module root, const std::vector<std::string>& path, const at::Tensor& value)
{
    for (size_t i = 0; i + 1 < path.size(); ++i)
        root = root.attr(path[i]).toModule();
    at::Tensor old = root.attr(path.back()).toTensor();
    root.setattr(path.back(), value);
    return old;
}

class ActivationProbe : public ProbeHandler
{
public:
    enum class Phase { Calibrate, Quantize };
    ActivationProbe(const QuantConfig& c, int sites) : m_config(c), m_qparams(sites)
    {
        for (int i = 0; i < sites; ++i)
            m_observers.push_back(makeObserver(c.activation));
    }
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override
    {
        if (role != ProbeRole::Input || m_config.mode == TrialMode::WeightOnly)
            return x;
        if (m_phase == Phase::Calibrate) {
            m_observers[size_t(site)]->observe(x);
            return x;
        }
        if (m_config.mode == TrialMode::Dynamic) {
            auto observer = makeObserver(m_config.activation);
            observer->observe(x);
            return fakeQuantize(x, observer->qparams());
        }
        return fakeQuantize(x, m_qparams[site]);
    }
    void finishCalibration()
    {
        for (size_t i = 0; i < m_observers.size(); ++i)
            m_qparams[int(i)] = m_observers[i]->qparams();
        m_phase = Phase::Quantize;
    }
    const QVector<QParams>& qparams() const { return m_qparams; }

private:
    const QuantConfig& m_config;
    std::vector<std::unique_ptr<Observer>> m_observers;
    QVector<QParams> m_qparams;
    Phase m_phase = Phase::Calibrate;
};

} // namespace

TrialResult runTrial(Model& model, const Dataset& data, const QuantConfig& config, const TrialOptions& options,
                     const JobControl& control)
{
    QElapsedTimer timer;
    timer.start();
    c10::InferenceMode guard;
    Model::Impl& m = model.impl();
    TrialResult r;
    const SampleRange calib = data.calibrationRange(options.calibrationSamples);
    const SampleRange eval = data.evaluationRange(options.calibrationSamples, options.evaluationLimit);
    if (eval.size() <= 0)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 leaves no samples to evaluate after calibration").arg(data.description()));
    if (config.activation.type == QuantType::Int && config.activation.granularity != Granularity::PerTensor &&
        config.mode != TrialMode::WeightOnly)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("activations are quantized per tensor; '%1' is not")
                                                   .arg(config.activation.toString()));
    r.evaluationSamples = eval.size();
    auto batches = [&](SampleRange range, double from, double to, const QString& stage, auto&& fn) {
        for (qint64 b = range.begin; b < range.end; b += options.batchSize) {
            control.checkCancelled();
            control.report(from + (to - from) * double(b - range.begin) / double(range.size()), stage);
            fn(b, qMin(range.end, b + qint64(options.batchSize)));
        }
    };

    // Float reference outputs over the evaluation split.
    std::vector<at::Tensor> reference;
    {
        ScopedProbeHandler none(nullptr);
        batches(eval, 0.0, 0.3, QStringLiteral("Float reference"), [&](qint64 b, qint64 e) {
            reference.push_back(m.forward(data.impl().batchInputs(b, e)));
        });
    }

    // Weights: fake-quantized copies swapped in; originals restored on every way out.
    std::vector<std::pair<size_t, at::Tensor>> originals;
    struct Restore {
        Model::Impl& m;
        std::vector<std::pair<size_t, at::Tensor>>& originals;
        ~Restore()
        {
            for (auto& [site, w] : originals)
                swapTensor(m.module, m.sites[site].weightPath, w);
        }
    } restore{m, originals};

    qint64 quantizedParams = 0;
    for (int i = 0; i < model.layers().size(); ++i) {
        const LayerInfo& l = model.layers()[i];
        LayerTrialResult lr;
        lr.name = l.name;
        QuantSpec ws = config.weight;
        if (ws.granularity == Granularity::PerChannel)
            ws.axis = m.sites[size_t(i)].channelAxis;
        lr.weightSpec = ws.toString();
        lr.activationSpec =
            config.mode == TrialMode::WeightOnly || !l.hasActivationInput ? QStringLiteral("float") : config.activation.toString();
        const at::Tensor w = m.weight(i);
        at::Tensor wq = w;
        if (ws.type == QuantType::Int && ws.granularity == Granularity::Group) {
            r.warnings << QStringLiteral("%1: group-wise weights are not implemented yet; left in float").arg(l.name);
            ws = QuantSpec::parse(QStringLiteral("float"));
            lr.weightSpec = ws.toString();
        }
        if (ws.type == QuantType::Int) {
            auto observer = makeObserver(ws);
            observer->observe(w);
            lr.weightQParams = observer->qparams();
            wq = fakeQuantize(w, lr.weightQParams);
        } else if (ws.type == QuantType::Float16) {
            wq = w.to(at::kHalf).to(w.scalar_type());
        } else if (ws.type == QuantType::BFloat16) {
            wq = w.to(at::kBFloat16).to(w.scalar_type());
        }
        lr.weightBits = bitsOf(ws);
        lr.weightSqnr = sqnr(w, wq);
        const qint64 overhead = ws.type == QuantType::Int ? lr.weightQParams.scale.size() * 8 : 0; // fp32 scale + int32 zp
        r.sizeBytes += (l.weightCount * lr.weightBits + 7) / 8 + overhead;
        quantizedParams += l.weightCount;
        if (!wq.is_same(w))
            originals.emplace_back(size_t(i), swapTensor(m.module, m.sites[size_t(i)].weightPath, wq));
        r.layers << lr;
    }
    r.floatBytes = model.parameterCount() * 4;
    r.sizeBytes += (model.parameterCount() - quantizedParams) * 4; // biases, norms, other parameters

    ActivationProbe probe(config, int(model.layers().size()));
    {
        ScopedProbeHandler scope(&probe);
        if (config.mode == TrialMode::Static && config.activation.type == QuantType::Int)
            batches(calib, 0.3, 0.5, QStringLiteral("Calibrating"),
                    [&](qint64 b, qint64 e) { m.forward(data.impl().batchInputs(b, e)); });
        probe.finishCalibration();
        if (config.activation.type != QuantType::Int && config.mode != TrialMode::WeightOnly)
            r.warnings << QStringLiteral("activations of type %1 are left in float").arg(config.activation.toString());
        for (int i = 0; i < r.layers.size(); ++i)
            if (config.mode == TrialMode::Static && model.layers()[i].hasActivationInput)
                r.layers[i].activationQParams = probe.qparams()[i];

        double signal = 0, noise = 0;
        qint64 correct = 0, floatCorrect = 0;
        size_t k = 0;
        ActivationProbe* quantizing = config.activation.type == QuantType::Int ? &probe : nullptr;
        ScopedProbeHandler evalScope(quantizing);
        batches(eval, 0.5, 1.0, QStringLiteral("Evaluating"), [&](qint64 b, qint64 e) {
            const at::Tensor out = m.forward(data.impl().batchInputs(b, e));
            const at::Tensor& ref = reference[k++];
            signal += ref.to(at::kDouble).pow(2).sum().item<double>();
            noise += (ref.to(at::kDouble) - out.to(at::kDouble)).pow(2).sum().item<double>();
            if (data.hasLabels()) {
                const at::Tensor labels = data.impl().batchLabels(b, e);
                correct += out.argmax(1).eq(labels).sum().item<int64_t>();
                floatCorrect += ref.argmax(1).eq(labels).sum().item<int64_t>();
            } else {
                correct += out.argmax(1).eq(ref.argmax(1)).sum().item<int64_t>(); // agreement with float
                floatCorrect += e - b;
            }
        });
        r.outputSqnr = noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
        r.hasAccuracy = data.hasLabels();
        r.top1 = double(correct) / double(eval.size());
        r.floatTop1 = double(floatCorrect) / double(eval.size());
    }
    r.seconds = timer.nsecsElapsed() / 1e9;
    control.report(1, QStringLiteral("Done"));
    return r;
}

} // namespace qs
