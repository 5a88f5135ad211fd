// The PyTorch script export: the trial's settings as torch.ao.quantization code (FX graph mode, or
// quantize_dynamic for dynamic trials), with the observers, notes where PyTorch cannot say the
// same, and the loader of the weights file a trial with techniques ships beside it.

#include "export.h"

#include "data.h"
#include "quant.h"
#include "trial.h"

#include <QRegularExpression>
#include <QStringList>

#include <cmath>

namespace qs {
namespace {

QString pyString(const QString& s)
{
    QString e = s;
    e.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\"")).replace(u'\n', QStringLiteral("\\n"));
    return u'"' + e + u'"';
}

QString pyNumber(double v)
{
    return QString::number(v, 'g', 17);
}

QString pyList(const QVector<double>& v)
{
    QStringList parts;
    for (double x : v)
        parts << pyNumber(x);
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}

QString pyList(const QVector<qint64>& v)
{
    QStringList parts;
    for (qint64 x : v)
        parts << QString::number(x);
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}

/// One tensor's observer (or fake-quantize) constructor in torch.ao.quantization terms, with
/// the notes on what PyTorch cannot express.
struct PyObserver {
    QString expr;
    QStringList notes;
    bool int8Kernels = true; ///< runs on PyTorch's quantized int8 kernels after convert_fx
};

/// With `fake`, integer specs become fake-quantize modules that simulate them (for configs
/// PyTorch's int8 kernels cannot run). With `trialOwned`, a weight's qparams are the trial's own
/// (AdaRound, SeqMSE): an observer of the script's that returns them.
PyObserver pyObserver(const QuantSpec& spec, const QParams& qparams, bool weight, bool fake, bool trialOwned = false)
{
    PyObserver o;
    switch (spec.type) {
    case QuantType::Float:
        o.expr = QStringLiteral("PlaceholderObserver.with_args(dtype=torch.float)");
        o.int8Kernels = !weight; // a float activation is fine; a float weight means the layer is float
        return o;
    case QuantType::Float16:
        o.expr = QStringLiteral("PlaceholderObserver.with_args(dtype=torch.float16)");
        o.int8Kernels = false;
        return o;
    case QuantType::BFloat16:
        o.expr = QStringLiteral("PlaceholderObserver.with_args(dtype=torch.bfloat16)");
        o.notes << QStringLiteral("bfloat16 has no quantized kernels in torch.ao.quantization; kept as a placeholder");
        o.int8Kernels = false;
        return o;
    case QuantType::Int: break;
    }
    QuantSpec s = spec;
    const bool perChannel = s.granularity != Granularity::PerTensor;
    if (s.granularity == Granularity::Group) {
        o.notes << QStringLiteral("group-wise (groups of %1) has no torch.ao.quantization observer; "
                                  "per-channel at the same bits instead")
                       .arg(s.groupSize);
        s.axis = 0;
    }
    QStringList args{QStringLiteral("dtype=%1").arg(s.isSigned ? "torch.qint8" : "torch.quint8")};
    args << QStringLiteral("qscheme=torch.per_%1_%2")
                .arg(perChannel ? "channel" : "tensor", s.symmetric ? "symmetric" : "affine");
    if (s.reduceRange)
        args << QStringLiteral("reduce_range=True");
    if (s.bits < 8) { // PyTorch reduces this range itself when reduce_range is set
        QuantSpec full = s;
        full.reduceRange = false;
        args << QStringLiteral("quant_min=%1").arg(full.quantMin()) << QStringLiteral("quant_max=%1").arg(full.quantMax());
    }
    if (perChannel)
        args << QStringLiteral("ch_axis=%1").arg(s.axis);
    QString cls;
    if (weight && trialOwned && !qparams.scale.isEmpty()) {
        // AdaRound rounded to this grid, SeqMSE chose these ranges: PyTorch must not compute others.
        cls = qparams.scale.size() > 1 ? QStringLiteral("TrialPerChannelQParams") : QStringLiteral("TrialPerTensorQParams");
        args << QStringLiteral("scale=%1").arg(pyList(qparams.scale)) << QStringLiteral("zero_point=%1").arg(pyList(qparams.zeroPoint));
        if (s.bits >= 8) // the observer's own range otherwise comes from the qscheme
            args << QStringLiteral("quant_min=%1").arg(qparams.quantMin) << QStringLiteral("quant_max=%1").arg(qparams.quantMax);
        o.notes << QStringLiteral("the trial's own scales and zero points (AdaRound's grid or SeqMSE's ranges), fixed");
    } else if (perChannel) {
        cls = s.method == RangeMethod::MovingAverageMinMax ? QStringLiteral("MovingAveragePerChannelMinMaxObserver")
                                                            : QStringLiteral("PerChannelMinMaxObserver");
        if (s.method == RangeMethod::MovingAverageMinMax)
            args << QStringLiteral("averaging_constant=%1").arg(pyNumber(s.averagingConstant));
    } else {
        switch (s.method) {
        case RangeMethod::MinMax: cls = QStringLiteral("MinMaxObserver"); break;
        case RangeMethod::MovingAverageMinMax:
            cls = QStringLiteral("MovingAverageMinMaxObserver");
            args << QStringLiteral("averaging_constant=%1").arg(pyNumber(s.averagingConstant));
            break;
        case RangeMethod::Histogram: cls = QStringLiteral("HistogramObserver"); break;
        case RangeMethod::Percentile:
        case RangeMethod::Mse:
        case RangeMethod::Entropy:
        case RangeMethod::Fixed:
            if (qparams.scale.size() == 1) {
                // No such observer in PyTorch: QuantScope's calibrated range, fixed.
                cls = QStringLiteral("FixedQParamsObserver");
                args = QStringList{QStringLiteral("scale=%1").arg(pyNumber(qparams.scale[0])),
                                   QStringLiteral("zero_point=%1").arg(qparams.zeroPoint[0]),
                                   QStringLiteral("dtype=%1").arg(s.isSigned ? "torch.qint8" : "torch.quint8"),
                                   QStringLiteral("quant_min=%1").arg(qparams.quantMin),
                                   QStringLiteral("quant_max=%1").arg(qparams.quantMax)};
                o.notes << (s.method == RangeMethod::Fixed
                                ? QStringLiteral("the fixed range [%1, %2] as its scale and zero point")
                                      .arg(s.fixedLo)
                                      .arg(s.fixedHi)
                                : QStringLiteral("PyTorch has no %1 observer: QuantScope's calibrated scale and zero point are fixed")
                                      .arg(rangeMethodName(s.method)));
            } else {
                cls = QStringLiteral("HistogramObserver");
                o.notes << QStringLiteral("PyTorch has no %1 observer: its histogram observer instead")
                               .arg(rangeMethodName(s.method));
            }
            break;
        }
    }
    o.expr = QStringLiteral("%1.with_args(%2)").arg(cls, args.join(QStringLiteral(", ")));
    if (s.bits < 8 || s.granularity == Granularity::Group) {
        o.int8Kernels = false;
        if (s.bits < 8)
            o.notes << QStringLiteral("%1 bits: simulated with FakeQuantize (PyTorch's quantized kernels are 8-bit)").arg(s.bits);
    }
    if (fake) {
        if (cls == QLatin1String("FixedQParamsObserver"))
            o.expr = QStringLiteral("FixedQParamsFakeQuantize.with_args(observer=%1)").arg(o.expr);
        else
            o.expr = QStringLiteral("FakeQuantize.with_args(observer=%1, %2)").arg(cls, args.join(QStringLiteral(", ")));
    }
    return o;
}

struct PyQConfig {
    QString expr; ///< "None" for a float layer
    QStringList notes;
    bool int8Kernels = true;
};

PyQConfig pyQConfig(const QuantSpec& weight, const QuantSpec& activation, const LayerTrialResult* layer, TrialMode mode,
                    bool fake)
{
    PyQConfig q;
    if (weight.type == QuantType::Float && activation.type == QuantType::Float) {
        q.expr = QStringLiteral("None");
        return q;
    }
    const QParams noQParams;
    const bool trialOwned = layer && (!layer->adaroundUp.isEmpty() || !layer->seqmseChosen.isEmpty());
    const PyObserver w = pyObserver(weight, layer ? layer->weightQParams : noQParams, true, fake, trialOwned);
    PyObserver a;
    if (mode == TrialMode::Dynamic && activation.type == QuantType::Int) {
        a.expr = QStringLiteral("PlaceholderObserver.with_args(dtype=%1, is_dynamic=True)")
                     .arg(activation.isSigned ? "torch.qint8" : "torch.quint8");
        if (activation.bits < 8) {
            a.notes << QStringLiteral("dynamic activations below 8 bits have no PyTorch equivalent; 8-bit dynamic instead");
            a.int8Kernels = false;
        }
    } else {
        a = pyObserver(activation, layer ? layer->activationQParams : noQParams, false, fake);
    }
    q.expr = QStringLiteral("QConfig(\n        activation=%1,\n        weight=%2)").arg(a.expr, w.expr);
    for (const QString& n : a.notes)
        q.notes << QStringLiteral("activations: ") + n;
    for (const QString& n : w.notes)
        q.notes << QStringLiteral("weights: ") + n;
    q.int8Kernels = w.int8Kernels && a.int8Kernels && weight.type == QuantType::Int;
    return q;
}

/// Observers for weights whose scales and zero points the trial chose itself (AdaRound, SeqMSE).
const char* const kTrialObservers = R"(

class _TrialQParams:
    """The weight's scales and zero points as the trial chose them (AdaRound rounded the weights
    to this grid, SeqMSE searched these ranges), fixed: computing them anew from the weights, as
    PyTorch's observers would, gives another grid."""

    def __init__(self, scale, zero_point, **kwargs):
        super().__init__(**kwargs)
        self.register_buffer("trial_scale", torch.tensor(scale, dtype=torch.float))
        self.register_buffer("trial_zero_point", torch.tensor(zero_point, dtype=torch.int))

    def calculate_qparams(self):
        return self.trial_scale, self.trial_zero_point


class TrialPerChannelQParams(_TrialQParams, PerChannelMinMaxObserver):
    pass


class TrialPerTensorQParams(_TrialQParams, MinMaxObserver):
    pass

)";

/// The exported scripts' placeholder for the user's model (both script kinds).
const char* const kBuildModel = R"(def build_model():
    """Return the float model QuantScope analysed, as a torch.nn.Module with the same module
    names (e.g. load your class and its state_dict)."""
    raise NotImplementedError("build_model(): return your float torch.nn.Module"))";

/// What the scripts say and do to load the trial's changed weights (source.weightsFile).
QString weightsLoader(const ExportSource& source)
{
    if (source.weightsFile.isEmpty())
        return QStringLiteral("\n\ndef with_quantscope_weights(model):\n    return model\n");
    return QStringLiteral(R"(

# The trial changed weights before quantizing them (%1): they are in this file, by the names of
# the model with batch norm folded into the convolution before it, as QuantScope analysed it.
WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), %2)


def with_quantscope_weights(model):
    """The model with batch norm folded (torch.fx) and the trial's changed weights loaded."""
    model.eval()
    if any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        from torch.fx.experimental.optimization import fuse
        model = fuse(model)
    state = torch.load(WEIGHTS)
    bounds = {name[:-len(".relu6_bound")]: state.pop(name) for name in list(state) if name.endswith(".relu6_bound")}
    if bounds:
        model = with_channel_bounds(model, bounds)
    for name in state:  # a convolution without a bias got one from bias correction
        owner, _, attribute = name.rpartition(".")
        module = model.get_submodule(owner) if attribute == "bias" else None
        if module is not None and getattr(module, "bias", False) is None:
            module.bias = torch.nn.Parameter(torch.zeros_like(state[name]))
    own = model.state_dict()
    unknown = sorted(name for name in state if name not in own)
    if unknown:
        raise KeyError(WEIGHTS + " names parameters the model does not have: " + ", ".join(unknown) +
                       "; build_model() must return the model QuantScope analysed")
    for name, value in state.items():
        if own[name].shape != value.shape:
            raise ValueError(f"{name}: the model's shape {tuple(own[name].shape)}, the file's {tuple(value.shape)}")
    model.load_state_dict(state, strict=False)
    return model


class ChannelClamp(torch.nn.Module):
    """ReLU6 (or hardtanh) with its upper bound per channel: cross-layer equalization divided
    each channel's bound by the channel's scale, so that the model computes what it did."""

    def __init__(self, bound):
        super().__init__()
        self.register_buffer("bound", bound)

    def forward(self, x):
        return torch.minimum(torch.relu(x), self.bound)


def with_channel_bounds(model, bounds):
    """The model (torch.fx) with the ReLU6 that takes each named layer's output replaced by a
    ChannelClamp of that layer's bounds."""
    if not isinstance(model, torch.fx.GraphModule):
        model = torch.fx.symbolic_trace(model)
    modules = dict(model.named_modules())
    clamps = (torch.nn.ReLU6, torch.nn.Hardtanh)
    for node in list(model.graph.nodes):
        if node.op != "call_module" or node.target not in bounds or len(node.users) != 1:
            continue
        user = next(iter(node.users))
        if not ((user.op == "call_module" and isinstance(modules[user.target], clamps)) or
                (user.op == "call_function" and user.target in (torch.nn.functional.relu6, torch.nn.functional.hardtanh))):
            raise ValueError(f"{node.target}: its output does not go into a ReLU6 here as in the model QuantScope analysed")
        name = node.target.replace(".", "_") + "_clamp"
        model.add_module(name, ChannelClamp(bounds.pop(node.target)))
        with model.graph.inserting_after(user):
            clamp = model.graph.call_module(name, (node,))
        user.replace_all_uses_with(clamp)
        model.graph.erase_node(user)
    if bounds:
        raise KeyError("no layer " + ", ".join(sorted(bounds)) + " followed by a ReLU6 in the model build_model() returned")
    model.graph.lint()
    model.recompile()
    return model
)")
        .arg(source.config.techniques.toString(), pyString(source.weightsFile));
}

/// The module a layer belongs to in PyTorch: a recurrent site (rnn.l0, rnn.l1_reverse) is one
/// layer and direction of the nn.LSTM / nn.GRU module `rnn`; other sites are their module.
QString moduleOfLayer(const QString& layer)
{
    static const QRegularExpression recurrent(QStringLiteral("^(.+)\\.l\\d+(_reverse)?$"));
    const QRegularExpressionMatch m = recurrent.match(layer);
    return m.hasMatch() ? m.captured(1) : layer;
}

/// A dynamic trial as torch.ao.quantization.quantize_dynamic: one qconfig per module name for
/// every layer whose activations are quantized dynamically (nn.Linear, nn.LSTM, nn.GRU).
QByteArray dynamicPythonScript(const ExportSource& source)
{
    const TrialResult& r = source.result;
    QString py = QStringLiteral(R"("""QuantScope export: %1.

Rebuilds these dynamic quantization settings with torch.ao.quantization.quantize_dynamic
(PyTorch 1.13 or later): one qconfig per module name, as QuantScope's trial set them — weights
quantized once, each layer's input (an LSTM's or GRU's input sequence and, at every step, its
hidden state) quantized per batch as it runs. Fill in build_model(), then run this file.
Settings PyTorch cannot express exactly are written as the nearest it can, marked NOTE.

Measured by QuantScope on %2: %3 (float %4), %5 bytes.
"""
import os

import torch
from torch.ao.quantization import (MinMaxObserver, PerChannelMinMaxObserver, PlaceholderObserver,
                                   QConfig, quantize_dynamic)

)")
                     .arg(source.title, source.dataSpec, metricName(r.metric) + u' ' + formatScore(r.metric, r.score()),
                          formatScore(r.metric, r.floatScore()), QString::number(r.sizeBytes));
    py += QStringLiteral("# QuantScope's weight scale and zero point per layer (an LSTM's or GRU's layer: weight_ih's, then "
                         "weight_hh's), for comparison.\nQUANTSCOPE_QPARAMS = {\n");
    for (const LayerTrialResult& l : r.layers)
        if (!l.weightQParams.scale.isEmpty())
            py += QStringLiteral("    %1: {\"weight_scale\": %2, \"weight_zero_point\": %3},\n")
                      .arg(pyString(l.name), pyList(l.weightQParams.scale), pyList(l.weightQParams.zeroPoint));
    py += QStringLiteral("}\n\nqconfig_spec = {\n");
    QMap<QString, QString> written; // module → the qconfig written for it
    QMap<QString, QString> firstLayer;
    for (const LayerTrialResult& l : r.layers) {
        const QuantSpec w = QuantSpec::parse(l.weightSpec);
        const QuantSpec a = QuantSpec::parse(l.activationSpec);
        const QString module = moduleOfLayer(l.name);
        if (a.type != QuantType::Int) {
            if (w.type != QuantType::Float)
                py += QStringLiteral("    # NOTE: %1 (weights %2, activations %3) is left in float: quantize_dynamic "
                                     "quantizes a layer's weights together with its input\n")
                          .arg(l.name, l.weightSpec, l.activationSpec);
            continue;
        }
        const PyQConfig q = pyQConfig(w, a, &l, TrialMode::Dynamic, false);
        if (written.contains(module)) {
            if (written[module] != q.expr)
                py += QStringLiteral("    # NOTE: %1 has other settings than %2 (weights %3); PyTorch sets one qconfig "
                                     "for the whole module %4\n")
                          .arg(l.name, firstLayer[module], l.weightSpec, pyString(module));
            continue;
        }
        written[module] = q.expr;
        firstLayer[module] = l.name;
        py += QStringLiteral("    # %1: weights %2, activations %3 per batch\n").arg(l.name, l.weightSpec, l.activationSpec);
        for (const QString& n : q.notes)
            py += QStringLiteral("    # NOTE: %1\n").arg(n);
        QString expr = q.expr;
        expr.replace(QStringLiteral("\n"), QStringLiteral("\n    "));
        py += QStringLiteral("    %1: %2,\n").arg(pyString(module), expr);
    }
    py += QStringLiteral("}\n") + weightsLoader(source) + QStringLiteral("\n\n") + QLatin1String(kBuildModel) + QStringLiteral(R"(


def quantize(model):
    """Dynamic quantization needs no calibration (QuantScope measured on %1, in batches of %2:
    dynamic ranges are per batch)."""
    model = with_quantscope_weights(model.eval())
    return quantize_dynamic(model, qconfig_spec)


if __name__ == "__main__":
    print(quantize(build_model()))
)")
              .arg(source.dataSpec)
              .arg(source.batchSize);
    return py.toUtf8();
}

} // namespace

QByteArray pythonScript(const ExportSource& source)
{
    const QuantConfig& c = source.config;
    const TrialResult& r = source.result;
    if (c.mode == TrialMode::Dynamic)
        return dynamicPythonScript(source);
    QString py;
    py += QStringLiteral(R"("""QuantScope export: %1.

Rebuilds these quantization settings with torch.ao.quantization (FX graph mode, PyTorch 1.13 or
later): a QConfigMapping with a global qconfig and one entry per layer whose settings differ.
Fill in build_model() and calibration_batches(), then run this file. Settings PyTorch cannot
express exactly are written as the nearest it can, marked NOTE.

Measured by QuantScope on %2: %3 (float %4), %5 bytes.
"""
import os

import torch
from torch.ao.quantization import (FakeQuantize, FixedQParamsFakeQuantize, FixedQParamsObserver,
                                   HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver,
                                   MovingAveragePerChannelMinMaxObserver, PerChannelMinMaxObserver,
                                   PlaceholderObserver, QConfig, QConfigMapping, disable_observer)
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx, prepare_qat_fx
%6
)")
              .arg(source.title, source.dataSpec, metricName(r.metric) + u' ' + formatScore(r.metric, r.score()),
                   formatScore(r.metric, r.floatScore()), QString::number(r.sizeBytes),
                   c.techniques.ownsWeightQuantization() ? QLatin1String(kTrialObservers) : QLatin1String(""));

    // QuantScope's numbers, to compare with the observers after calibration.
    py += QStringLiteral("# QuantScope's scale and zero point per layer (weights per output channel), for comparison.\n"
                         "QUANTSCOPE_QPARAMS = {\n");
    for (const LayerTrialResult& l : r.layers) {
        QStringList fields;
        if (!l.weightQParams.scale.isEmpty())
            fields << QStringLiteral("\"weight_scale\": %1").arg(pyList(l.weightQParams.scale))
                   << QStringLiteral("\"weight_zero_point\": %1").arg(pyList(l.weightQParams.zeroPoint));
        if (!l.activationQParams.scale.isEmpty())
            fields << QStringLiteral("\"activation_scale\": %1").arg(pyNumber(l.activationQParams.scale[0]))
                   << QStringLiteral("\"activation_zero_point\": %1").arg(l.activationQParams.zeroPoint[0]);
        py += QStringLiteral("    %1: {%2},\n").arg(pyString(l.name), fields.join(QStringLiteral(", ")));
    }
    py += QStringLiteral("}\n\n");

    // Can PyTorch's int8 kernels run every quantized layer? If not, every integer setting is
    // written as a fake-quantize module, so that the prepared model simulates the whole config.
    bool int8Kernels = true;
    for (const LayerTrialResult& l : r.layers) {
        const PyQConfig q = pyQConfig(QuantSpec::parse(l.weightSpec), QuantSpec::parse(l.activationSpec), &l, c.mode, false);
        if (q.expr != QLatin1String("None"))
            int8Kernels &= q.int8Kernels;
    }
    const bool fake = !int8Kernels;
    // The global qconfig from the defaults; an entry for every layer that differs from them.
    const QuantSpec globalActivation = c.mode == TrialMode::WeightOnly ? QuantSpec::parse(QStringLiteral("float")) : c.activation;
    const PyQConfig global = pyQConfig(c.weight, globalActivation, nullptr, c.mode, fake);
    py += QStringLiteral("# Defaults: weights %1, activations %2, mode %3.\n")
              .arg(c.weight.toString(), c.activation.toString(), trialModeName(c.mode));
    for (const QString& n : global.notes)
        py += QStringLiteral("# NOTE: %1\n").arg(n);
    py += QStringLiteral("global_qconfig = %1\n\nqconfig_mapping = QConfigMapping().set_global(global_qconfig)\n").arg(global.expr);
    for (const LayerTrialResult& l : r.layers) {
        const QuantSpec w = QuantSpec::parse(l.weightSpec);
        const QuantSpec a = QuantSpec::parse(l.activationSpec);
        const PyQConfig q = pyQConfig(w, a, &l, c.mode, fake);
        const bool isDefault = q.expr == global.expr;
        if (isDefault)
            continue;
        py += QStringLiteral("# %1: weights %2, activations %3%4\n")
                  .arg(l.name, l.weightSpec, l.activationSpec, q.expr == QLatin1String("None") ? QStringLiteral(" (left in float)") : QString());
        for (const QString& n : q.notes)
            py += QStringLiteral("# NOTE: %1\n").arg(n);
        py += QStringLiteral("qconfig_mapping.set_module_name(%1, %2)\n").arg(pyString(l.name), q.expr);
    }
    py += QString(QStringLiteral(R"(
# True when every quantized layer runs on PyTorch's int8 kernels after convert_fx; otherwise the
# result is a fake-quantized model that simulates the settings (as QuantScope's trial does).
CONVERTIBLE = %1
)") + weightsLoader(source) + QStringLiteral("\n\n") + QLatin1String(kBuildModel) + QStringLiteral(R"(


def calibration_batches():
    """Yield input batches for calibration. QuantScope calibrated on the first %2 samples of
    %3, in batches of %4, preprocessed as the model expects."""
    raise NotImplementedError("calibration_batches(): yield your calibration inputs")


def quantize(model, batches):
    """prepare, calibrate, convert: returns the quantized model."""
    model = with_quantscope_weights(model.eval())
    example = next(iter(batches()))
    if CONVERTIBLE:
        prepared = prepare_fx(model, qconfig_mapping, example_inputs=(example,))
    else:
        # Fake-quantize modules need the QAT preparation; batch norm is folded and frozen first.
        prepared = prepare_qat_fx(model.train(), qconfig_mapping, example_inputs=(example,))
        prepared.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
        prepared.eval()
    with torch.no_grad():
        for x in batches():
            prepared(x)
    if CONVERTIBLE:
        return convert_fx(prepared)
    prepared.apply(disable_observer)  # keep the calibrated ranges
    return prepared


if __name__ == "__main__":
    quantized = quantize(build_model(), calibration_batches)
    print(quantized)
)"))
              .arg(int8Kernels ? QStringLiteral("True") : QStringLiteral("False"))
              .arg(source.calibrationSamples)
              .arg(source.dataSpec)
              .arg(source.batchSize);
    return py.toUtf8();
}

} // namespace qs
