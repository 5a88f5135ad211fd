#include "export.h"

#include "errors.h"
#include "export_p.h"
#include "techniques_p.h"
#include "model_p.h"
#include "recurrent_p.h"
#include "trial_p.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include <cmath>
#include <sstream>

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/serialization/pickle.h>

namespace qs {

void writeFileAtomically(const QString& path, const QByteArray& bytes)
{
    QSaveFile f(path);
    auto fail = [&](const QString& reason) {
        f.cancelWriting();
        throw EngineError(ErrorKind::BadInput, QStringLiteral("cannot write %1: %2").arg(path, reason));
    };
    if (QFileInfo(path).isDir())
        fail(QStringLiteral("it is a folder"));
    if (!f.open(QIODevice::WriteOnly))
        fail(f.errorString());
    if (f.write(bytes) != bytes.size())
        fail(f.errorString());
    if (!f.commit())
        fail(f.errorString());
}


torch::jit::Module probeFreeCopy(const Model::Impl& m, const ProbeReplacement& replace,
                                 const RecurrentReplacement& replaceRecurrent)
{
    using namespace torch::jit;
    Module copy = m.module.clone(); // own types and graphs: the open model keeps its probes
    std::shared_ptr<Graph> graph = toGraphFunction(copy.get_method("forward").function()).graph();
    const c10::Symbol probeKind = c10::Symbol::fromQualString("quantscope::probe");
    std::vector<Node*> probes;
    for (Node* n : graph->nodes())
        if (n->kind() == probeKind)
            probes.push_back(n);
    for (Node* n : probes) {
        Value* x = n->input(0);
        const int site = int(toIValue(n->input(1))->toInt());
        const bool input = toIValue(n->input(2))->toInt() == int64_t(ProbeRole::Input);
        Value* replacement = replace ? replace(copy, *graph, n, x, site, input) : x;
        n->output()->replaceAllUsesWith(replacement);
        n->destroy();
    }
    for (Node* call : recurrentCalls(*graph)) {
        if (replaceRecurrent && replaceRecurrent(copy, *graph, call, recurrentFirstSite(call)))
            continue;
        const bool lstm = call->kind() == c10::Symbol::fromQualString("quantscope::lstm");
        replaceRecurrentCall(*graph, call, lstm ? aten::lstm : aten::gru);
    }
    EliminateDeadCode(graph);
    graph->lint();
    return copy;
}

QByteArray saveModule(const torch::jit::Module& module)
{
    std::ostringstream out;
    try {
        module.save(out);
    } catch (const std::exception& e) {
        throw EngineError(ErrorKind::Internal, QStringLiteral("cannot save the model: %1").arg(torchMessage(e)));
    }
    const std::string bytes = out.str();
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

torch::jit::Value* bakedActivation(torch::jit::Graph& graph, torch::jit::Node* probe, torch::jit::Value* x,
                                   const LayerTrialResult& l, TrialMode mode)
{
    using namespace torch::jit;
    if (mode != TrialMode::Static)
        return x;
    const QuantSpec spec = QuantSpec::parse(l.activationSpec);
    WithInsertPoint point(probe);
    Value* replacement = x;
    if (spec.type == QuantType::Int) {
        const QParams& q = l.activationQParams;
        if (q.scale.size() != 1)
            throw EngineError(ErrorKind::BadInput, QStringLiteral("%1: the trial has no activation scale to bake").arg(l.name));
        replacement = graph.insert(aten::fake_quantize_per_tensor_affine,
                                   {x, q.scale[0], int64_t(q.zeroPoint[0]), int64_t(q.quantMin), int64_t(q.quantMax)});
    } else if (spec.type == QuantType::Float16 || spec.type == QuantType::BFloat16) {
        Value* low = graph.insert(aten::to, {x, spec.type == QuantType::Float16 ? at::kHalf : at::kBFloat16});
        replacement = graph.insert(aten::to, {low, at::kFloat});
    }
    replacement->setType(x->type());
    return replacement;
}

void bakeWeights(torch::jit::Module& copy, const Model::Impl& m, const TrialResult& r, const std::vector<bool>& skip)
{
    for (int i = 0; i < r.layers.size(); ++i) {
        const QuantSpec spec = QuantSpec::parse(r.layers[i].weightSpec);
        if (spec.type != QuantType::Float && !(size_t(i) < skip.size() && skip[size_t(i)]))
            swapSiteWeight(copy, m, i, fakeQuantizedWeight(m, i, spec).clone());
    }
}

QByteArray bakedTorchScript(const Model& model, const QuantConfig& config, const TrialResult& result)
{
    using namespace torch::jit;
    const Model::Impl& m = model.impl();
    if (result.layers.size() != m.layers.size())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the trial has %1 layers; %2 has %3")
                                                   .arg(result.layers.size())
                                                   .arg(m.displayName)
                                                   .arg(m.layers.size()));
    if (config.mode == TrialMode::Dynamic)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("dynamic activations have no fixed scale and zero point to bake into TorchScript; "
                                         "export a static or weight-only trial"));
    c10::InferenceMode guard(false);
    at::NoGradGuard noGrad;
    // The trial's equalized weights and corrected biases, in the open model while it is copied.
    ScopedTensors adjusted(m.module);
    const std::vector<bool> quantized = applyTrialTechniques(const_cast<Model::Impl&>(m), config, result, adjusted);
    Module copy = probeFreeCopy(m, [&](Module&, Graph& graph, Node* n, Value* x, int site, bool input) -> Value* {
        return input ? bakedActivation(graph, n, x, result.layers.at(site), config.mode) : x;
    });
    bakeWeights(copy, m, result, quantized); // AdaRounded weights are in the copy as the trial had them
    return saveModule(copy);
}

QString weightsFileBeside(const QString& scriptPath)
{
    const QFileInfo info(scriptPath);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral("_weights.pt"));
}

QByteArray trialStateDict(const Model& model, const QuantConfig& config, const TrialResult& result)
{
    const Model::Impl& m = model.impl();
    if (!config.techniques.any())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the trial changed no weights (no techniques): the script needs no weights file"));
    if (result.layers.size() != m.layers.size())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the trial is not of %1").arg(m.displayName));
    c10::InferenceMode guard(false);
    ScopedTensors adjusted(m.module);
    applyTrialTechniques(const_cast<Model::Impl&>(m), config, result, adjusted);
    c10::Dict<std::string, at::Tensor> state;
    for (const std::vector<std::string>& path : adjusted.paths()) {
        std::vector<std::string> named = path; // a bias slot of a linear layer without one: its module's "bias"
        for (const SiteRef& site : m.sites)
            if (site.biasPath == path && path.size() == 1 && site.weightPath.size() > 1) {
                named = site.weightPath;
                named.back() = "bias";
            }
        for (const auto& [first, bound] : m.clampBounds) // a ReLU6's per-channel bound: "<the layer before>.relu6_bound"
            if (bound == path && m.sites[size_t(first)].weightPath.size() > 1) {
                named = m.sites[size_t(first)].weightPath;
                named.back() = "relu6_bound";
            }
        std::string name;
        for (const std::string& part : named)
            name += (name.empty() ? "" : ".") + part;
        state.insert_or_assign(name, m.tensorAt(path).detach().clone());
    }
    const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(state));
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

QByteArray layerCsv(const TrialResult& result)
{
    auto cell = [](const QString& s) -> QString {
        if (!s.contains(u',') && !s.contains(u'"') && !s.contains(u'\n'))
            return s;
        QString e = s;
        e.replace(u'"', QStringLiteral("\"\""));
        return u'"' + e + u'"';
    };
    auto db = [](double v) { return std::isinf(v) ? QStringLiteral("inf") : QString::number(v, 'g', 6); };
    auto num = [](double v) { return QString::number(v, 'g', 6); };
    auto optional = [&](double v) { return std::isnan(v) ? QString() : db(v); }; // empty: not measured
    QString csv = QStringLiteral("layer,weight_spec,activation_spec,weight_bits,weight_sqnr_db,activation_sqnr_db,"
                                 "output_sqnr_db,output_mse,output_cosine,output_max_abs_error,local_sqnr_db,"
                                 "rmse_over_scale,weight_rounding_mse,weight_clipping_mse,weight_clipped_share,"
                                 "activation_rounding_mse,activation_clipping_mse,activation_clipped_share,unused_levels\r\n");
    for (const LayerTrialResult& l : result.layers)
        csv += QStringList{cell(l.name), cell(l.weightSpec), cell(l.activationSpec), QString::number(l.weightBits),
                           db(l.weightSqnr), db(l.activationSqnr), db(l.outputSqnr), num(l.outputMse),
                           num(l.outputCosine), num(l.outputMaxAbsError), optional(l.localSqnr),
                           optional(l.rmseOverScale), num(l.weightRoundingMse), num(l.weightClippingMse),
                           num(l.weightClippedShare), num(l.activationRoundingMse), num(l.activationClippingMse),
                           num(l.activationClippedShare), optional(l.weightUnusedLevels)}
                   .join(u',') +
               QStringLiteral("\r\n");
    return csv.toUtf8();
}

} // namespace qs
