#include "int8.h"

#include "batches_p.h"
#include "data_p.h"
#include "export_p.h"
#include "model_p.h"
#include "observers_p.h"
#include "int8_p.h"
#include "recurrent_p.h"
#include "techniques_p.h"
#include "trial_p.h"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace qs {

namespace {

/// Observes every site's output, for the requantization scale of int8 kernels.
class OutputCalibration : public ProbeHandler
{
public:
    std::vector<std::unique_ptr<Observer>> observers;
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override
    {
        if (role == ProbeRole::Output && observers[size_t(site)])
            observers[size_t(site)]->observe(x);
        return x;
    }
};

/// Why a layer cannot run on int8 kernels, or empty. Static: conv2d and linear with static
/// uint8 inputs. Dynamic: linear, LSTM and GRU with uint8 inputs ranged by min and max per
/// batch, what the dynamic kernels do.
QString unsupported(const LayerInfo& l, const LayerTrialResult& r, TrialMode mode)
{
    const bool dynamic = mode == TrialMode::Dynamic;
    const bool hasKernel = dynamic ? l.op == QLatin1String("linear") || isRecurrentOp(l.op)
                                   : l.op == QLatin1String("conv2d") || l.op == QLatin1String("linear");
    if (!hasKernel)
        return QStringLiteral("%1 has no %2int8 kernel here").arg(l.op, dynamic ? QStringLiteral("dynamic ") : QString());
    const QuantSpec w = QuantSpec::parse(r.weightSpec);
    const QuantSpec a = QuantSpec::parse(r.activationSpec);
    if (w.type != QuantType::Int || w.bits != 8 || !w.isSigned || w.granularity == Granularity::Group || w.axis != 0)
        return QStringLiteral("weights %1 are not int8 per tensor or per output channel").arg(r.weightSpec);
    if (dynamic && (a.type != QuantType::Int || a.bits != 8 || a.isSigned || a.method != RangeMethod::MinMax))
        return QStringLiteral("input activations %1 are not uint8 min-max, the range the dynamic kernels choose per batch")
            .arg(r.activationSpec);
    if (!dynamic && (a.type != QuantType::Int || a.bits != 8 || a.isSigned || r.activationQParams.scale.size() != 1))
        return QStringLiteral("input activations %1 are not static uint8").arg(r.activationSpec);
    return {};
}

/// Entries [from, from + count) of a weight's qparams applied to `w` as qint8: per tensor (one
/// entry) or per output channel.
at::Tensor quantizeInt8(const at::Tensor& w, const QParams& q, int from, int count)
{
    if (count == 1)
        return at::quantize_per_tensor(w, q.scale[from], q.zeroPoint[from], at::kQInt8);
    const at::Tensor scales = torch::tensor(std::vector<double>(q.scale.begin() + from, q.scale.begin() + from + count), at::kDouble);
    const at::Tensor zps =
        torch::tensor(std::vector<int64_t>(q.zeroPoint.begin() + from, q.zeroPoint.begin() + from + count), at::kLong);
    return at::quantize_per_channel(w, scales, zps, 0, at::kQInt8);
}

/// Calls a registered operator by name with boxed arguments; returns its first output.
c10::IValue callOp(const char* name, torch::jit::Stack stack)
{
    const auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
    op.callBoxed(&stack);
    return stack.at(0);
}

/// A recurrent layer's dynamic int8 cell: weight_ih and weight_hh quantized with the trial's
/// qparams and prepacked with their biases (zeros for a layer without), as quantize_dynamic
/// builds them.
c10::IValue dynamicCell(const Model::Impl& m, int site, const LayerTrialResult& l, bool reduceRange)
{
    const at::Tensor w = m.weight(site);
    const int64_t split = m.recurrentSplit(site);
    const at::Tensor wih = w.slice(1, 0, split).contiguous(), whh = w.slice(1, split).contiguous();
    const int half = int(l.weightQParams.scale.size() / 2); // weight_ih's entries, then weight_hh's
    const SiteRef& ref = m.sites[size_t(site)];
    const at::Tensor bih = ref.biasPath.empty() ? at::zeros({w.size(0)}) : m.tensorAt(ref.biasPath);
    const at::Tensor bhh = ref.hiddenBiasPath.empty() ? at::zeros({w.size(0)}) : m.tensorAt(ref.hiddenBiasPath);
    const c10::IValue pih = callOp("quantized::linear_prepack", {quantizeInt8(wih, l.weightQParams, 0, half), bih});
    const c10::IValue phh = callOp("quantized::linear_prepack", {quantizeInt8(whh, l.weightQParams, half, half), bhh});
    return callOp("quantized::make_quantized_cell_params_dynamic", {pih, phh, bih, bhh, reduceRange});
}

/// A constant argument of a node: a constant, or a list built from constant ints.
c10::IValue constantArg(torch::jit::Value* v, const QString& layer)
{
    if (auto c = torch::jit::toIValue(v))
        return *c;
    torch::jit::Node* n = v->node();
    if (n->kind() == c10::prim::ListConstruct) {
        c10::List<int64_t> list;
        for (torch::jit::Value* in : n->inputs()) {
            const auto c = torch::jit::toIValue(in);
            if (!c || !c->isInt())
                break;
            list.push_back(c->toInt());
        }
        if (list.size() == n->inputs().size())
            return list;
    }
    throw EngineError(ErrorKind::BadInput, QStringLiteral("%1: its convolution arguments are not constants").arg(layer));
}

double medianMs(const std::function<void()>& fn, int runs)
{
    for (int i = 0; i < 3; ++i)
        fn(); // warm-up: the profiling executor specialises on the first runs
    std::vector<double> ms;
    QElapsedTimer t;
    for (int i = 0; i < runs; ++i) {
        t.start();
        fn();
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    return ms[ms.size() / 2];
}

} // namespace

Int8Build buildInt8(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                    const TrialOptions& options, const JobControl& control)
{
    using namespace torch::jit;
    Model::Impl& m = model.impl();
    Int8Build build;
    Int8Result& result = build.result;
    NodeTags& tags = build.tags;
    const bool dynamic = config.mode == TrialMode::Dynamic;
    if (config.mode == TrialMode::WeightOnly)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("int8 kernels need quantized activations (static or dynamic); this trial is weight-only"));
    if (trial.layers.size() != m.layers.size())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the trial is not of %1").arg(m.displayName));
    // The trial's equalized weights and corrected biases, in the model while it is copied.
    ScopedTensors adjusted(m.module);
    const std::vector<bool> adarounded = applyTrialTechniques(m, config, trial, adjusted);
    std::vector<bool> int8(size_t(m.layers.size()), false);
    QStringList why(m.layers.size());
    for (int i = 0; i < m.layers.size(); ++i)
        why[i] = unsupported(m.layers[i], trial.layers[i], config.mode);
    // An LSTM or GRU runs on int8 kernels as a whole (every layer and direction) or not at all.
    auto moduleOf = [&](int site) {
        std::vector<std::string> path = m.sites[size_t(site)].weightPath;
        path.pop_back(); // weight_ih_lK
        return path;
    };
    for (int i = 0; i < m.layers.size(); ++i)
        if (isRecurrentOp(m.layers[i].op) && why[i].isEmpty())
            for (int j = 0; j < m.layers.size(); ++j)
                if (j != i && !why[j].isEmpty() && isRecurrentOp(m.layers[j].op) && moduleOf(j) == moduleOf(i))
                    why[i] = QStringLiteral("%1 of the same module cannot (%2)").arg(m.layers[j].name, why[j]);
    for (int i = 0; i < m.layers.size(); ++i) {
        if (why[i].isEmpty()) {
            int8[size_t(i)] = true;
            continue;
        }
        if (trial.layers[i].weightSpec == QLatin1String("float") && trial.layers[i].activationSpec == QLatin1String("float"))
            why[i] = QStringLiteral("float in the trial");
        // A dynamic trial's activations have no fixed qparams to bake: a layer whose input the
        // trial quantizes per batch must run on a dynamic kernel.
        if (dynamic && QuantSpec::parse(trial.layers[i].activationSpec).type != QuantType::Float)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1 cannot run on dynamic int8 kernels: %2; give it int8 weights and the "
                                             "activations uint8:per_tensor:affine:minmax:reduce_range (what quantize_dynamic "
                                             "does), or leave its activations float")
                                  .arg(m.layers[i].name, why[i]));
        result.fakeQuantLayers << QStringLiteral("%1: %2").arg(m.layers[i].name, why[i]);
    }
    result.int8Layers = int(std::count(int8.begin(), int8.end(), true));
    if (result.int8Layers == 0)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("no layer of this trial can run on int8 kernels (%1)").arg(result.fakeQuantLayers.join(QStringLiteral("; "))));

    // The quantized engine: oneDNN on x86 when this LibTorch has it, else whatever it has.
    auto& context = at::globalContext();
    const auto engines = context.supportedQEngines();
    for (at::QEngine e : {at::QEngine::ONEDNN, at::QEngine::FBGEMM, at::QEngine::QNNPACK})
        if (std::find(engines.begin(), engines.end(), e) != engines.end()) {
            context.setQEngine(e);
            break;
        }
    result.engine = QString::fromStdString(c10::toString(context.qEngine())).toLower();

    c10::InferenceMode guard;
    // 1. Static: output qparams of each int8 layer and of each residual add and concatenation
    // (probes put in after them, numbered after the sites), observed on the float model over the
    // calibration split (dynamic kernels return float).
    OutputCalibration calibration;
    for (int i = 0; i < m.layers.size() && !dynamic; ++i) {
        QuantSpec out = QuantSpec::parse(trial.layers[i].activationSpec);
        out.isSigned = false;
        out.symmetric = false;
        calibration.observers.push_back(int8[size_t(i)] ? makeObserver(out) : nullptr);
    }
    Module calibrated = m.module.clone();
    const std::vector<Node*> calibratedJoins = int8CandidateJoins(*calibrated.get_method("forward").graph());
    if (!dynamic) {
        QuantSpec out = config.activation;
        if (out.type != QuantType::Int || out.bits != 8)
            out = QuantSpec::parse(QStringLiteral("uint8:per_tensor:affine:minmax"));
        out.isSigned = false;
        out.symmetric = false;
        for (size_t k = 0; k < calibratedJoins.size(); ++k) {
            Node* join = calibratedJoins[k];
            WithInsertPoint point(join->next());
            Value* probed = join->owningGraph()->insert(c10::Symbol::fromQualString("quantscope::probe"),
                                                        {join->output(), int64_t(m.layers.size() + int(k)), int64_t(ProbeRole::Output)});
            join->output()->replaceAllUsesAfterNodeWith(probed->node(), probed);
            calibration.observers.push_back(makeObserver(out));
        }
        ScopedProbeHandler scope(&calibration);
        forEachBatch(data.calibrationRange(options.calibrationSamples), options.batchSize, control, 0.0, 0.3,
                     QStringLiteral("Calibrating layer outputs"), [&](qint64, qint64 b, qint64 e) {
                         const at::Tensor x = data.impl().batchInputs(b, e);
                         try {
                             calibrated.forward({x});
                         } catch (const std::exception&) {
                             runForward(model, data, x); // the model's own message
                             throw;
                         }
                     });
    }

    // 2. The int8 graph: a probe-free copy whose int8 layers are rewritten.
    build.floatModule = probeFreeCopy(m, {});
    // Each node put in for a layer, and each layer's own op, is tagged with it for the time profile.
    build.int8 = int8;
    Module q = probeFreeCopy(m, [&](Module& copy, Graph& graph, Node* probe, Value* x, int site, bool input) -> Value* {
        if (!input) { // a layer without an input probe (an embedding): its op makes the output
            if (!tags.count(x->node()))
                tags[x->node()] = {{}, site, false};
            return x;
        }
        if (isRecurrentOp(m.layers[site].op)) // recurrent calls: replaced as a whole, below
            return x;
        if (!int8[size_t(site)]) { // not on int8 kernels: the trial's fake quantization, as in the baked model
            for (const Use& use : probe->output()->uses())
                tags[use.user] = {{}, site, false};
            Value* baked = dynamic ? x : bakedActivation(graph, probe, x, trial.layers[site], config.mode);
            if (baked != x)
                tags[baked->node()] = {{}, site, true};
            return baked;
        }
        Node* op = nullptr; // the site's op uses the input probe's output
        for (const Use& use : probe->output()->uses())
            if (use.user->kind() == aten::conv2d || use.user->kind() == aten::linear)
                op = use.user;
        if (!op) {
            result.fakeQuantLayers << QStringLiteral("%1: its op was not found after the probe").arg(m.layers[site].name);
            --result.int8Layers;
            int8[size_t(site)] = false;
            return bakedActivation(graph, probe, x, trial.layers[site], config.mode);
        }
        const LayerTrialResult& l = trial.layers[site];
        const QParams& wq = l.weightQParams;
        const at::Tensor qw = quantizeInt8(m.weight(site).contiguous(), wq, 0, int(wq.scale.size()));
        c10::IValue bias; // None for a layer without one
        if (const at::Tensor b = m.tensorAt(m.sites[size_t(site)].biasPath); b.defined())
            bias = b;
        const bool conv = op->kind() == aten::conv2d;
        const c10::IValue packed =
            conv ? callOp("quantized::conv2d_prepack",
                          {qw, bias, constantArg(op->input(3), l.name), constantArg(op->input(4), l.name),
                           constantArg(op->input(5), l.name), constantArg(op->input(6), l.name)})
                 : callOp("quantized::linear_prepack", {qw, bias});
        const std::string attr = "_quantscope_packed_" + std::to_string(site);
        copy.register_attribute(attr, packed.type(), packed);
        if (dynamic) { // quantize_dynamic's nn.Linear: the input quantized per call inside the kernel
            WithInsertPoint point(op);
            Value* params = graph.insertGetAttr(graph.inputs().at(0), attr);
            Value* y = graph.insert(c10::Symbol::fromQualString("quantized::linear_dynamic"),
                                    {x, params, QuantSpec::parse(l.activationSpec).reduceRange});
            tags[y->node()] = {{}, site, false};
            op->output()->replaceAllUsesWith(y);
            op->destroy();
            return x;
        }
        const QParams& in = l.activationQParams;
        const QParams out = calibration.observers[size_t(site)]->qparams();
        WithInsertPoint point(op);
        Value* xq = graph.insert(aten::quantize_per_tensor, {x, in.scale[0], int64_t(in.zeroPoint[0]), at::kQUInt8});
        Value* params = graph.insertGetAttr(graph.inputs().at(0), attr);
        Value* yq = graph.insert(c10::Symbol::fromQualString(conv ? "quantized::conv2d" : "quantized::linear"),
                                 {xq, params, out.scale[0], int64_t(out.zeroPoint[0])});
        Value* y = graph.insert(aten::dequantize, {yq});
        tags[xq->node()] = {{}, site, true};
        tags[yq->node()] = {{}, site, false};
        tags[y->node()] = {{}, site, true};
        op->output()->replaceAllUsesWith(y);
        op->destroy();
        return x;
    }, [&](Module& copy, Graph& graph, Node* call, int first) -> bool {
        // quantize_dynamic's nn.LSTM / nn.GRU: aten::quantized_lstm / quantized_gru on dynamic
        // int8 cells, one per layer and direction.
        const bool lstm = call->kind() == c10::Symbol::fromQualString("quantscope::lstm");
        if (!dynamic || !int8[size_t(first)]) { // LibTorch's own op, with the trial's fake-quantized weights
            tags[replaceRecurrentCall(graph, call, lstm ? aten::lstm : aten::gru)] = {{}, first, false};
            return true;
        }
        const int64_t cells = *constant_as<int64_t>(call->input(4)) * (*constant_as<bool>(call->input(7)) ? 2 : 1);
        std::vector<c10::IValue> cellValues;
        for (int site = first; site < first + cells; ++site)
            cellValues.push_back(dynamicCell(m, site, trial.layers[site],
                                             QuantSpec::parse(trial.layers[site].activationSpec).reduceRange));
        const c10::TypePtr cellType = cellValues.front().type(); // LibTorch's CellParamsBase class
        c10::impl::GenericList typed(cellType);
        for (const c10::IValue& v : cellValues)
            typed.push_back(v);
        const std::string attr = "_quantscope_cells_" + std::to_string(first);
        copy.register_attribute(attr, c10::ListType::create(cellType), typed);
        Value* params = nullptr;
        Value* biases = nullptr;
        std::vector<Value*> extra;
        {
            WithInsertPoint point(call); // ends before the call is replaced
            params = graph.insertGetAttr(graph.inputs().at(0), attr);
            biases = graph.insertConstant(true); // a layer without biases got zeros
            if (lstm)
                extra = {graph.insertConstant(c10::IValue()), graph.insertConstant(true)}; // dtype=None, use_dynamic=True
        }
        Node* q = replaceRecurrentCall(graph, call, c10::Symbol::fromQualString(lstm ? "aten::quantized_lstm" : "aten::quantized_gru"), extra);
        q->replaceInput(2, params);
        q->replaceInput(3, biases);
        tags[q] = {{}, first, false};
        return true;
    });
    if (!dynamic) {
        const std::shared_ptr<Graph> graph = q.get_method("forward").graph();
        restoreUniformClamps(*graph, q);
        const std::vector<Node*> joins = int8CandidateJoins(*graph);
        std::unordered_map<const Node*, std::pair<double, int64_t>> observed;
        for (size_t k = 0; k < joins.size() && joins.size() == calibratedJoins.size(); ++k) {
            const QParams qp = calibration.observers[size_t(m.layers.size()) + k]->qparams();
            observed[joins[k]] = {qp.scale[0], int64_t(qp.zeroPoint[0])};
        }
        const Int8GraphStats between = quantizeBetweenLayers(graph, tags, observed);
        result.chainedLayers = between.chainedLayers;
        result.quantizedOps = between.quantizedOps;
        result.requantized = between.requantized;
    }
    std::vector<bool> keep = int8; // int8 kernels take their weights prepacked; AdaRounded ones are final
    for (size_t i = 0; i < keep.size(); ++i)
        keep[i] = keep[i] || adarounded[i];
    bakeWeights(q, m, trial, keep);
    result.torchscript = saveModule(q);
    build.module = q;
    return build;
}

Int8Result buildInt8Model(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                          const TrialOptions& options, const JobControl& control)
{
    using namespace torch::jit;
    const SampleRange eval = data.evaluationRange(options.calibrationSamples, options.evaluationLimit);
    if (eval.size() <= 0) // no figure over nothing: neither a score nor a latency
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("nothing to evaluate the int8 model on: %1 has %2 samples and the calibration takes "
                                         "the first %3")
                              .arg(data.description())
                              .arg(data.size())
                              .arg(options.calibrationSamples));
    Int8Build build = buildInt8(model, data, config, trial, options, control);
    Int8Result& result = build.result;
    Module& q = build.module;
    const Module& floatModule = build.floatModule;

    // 3. The score on the evaluation split, beside the trial's: top-1 (against labels or the
    // float model), or for token windows perplexity and next-token top-1.
    const Metric metric = metricFor(data);
    double correct = 0, nll = 0;
    Module floatRun = floatModule;
    // One copy of the int8 model per batch size, loaded from its bytes: LibTorch 1.13's oneDNN
    // convolution reorders its packed weights for the first input shape it sees and can fail on
    // another ("could not create a primitive descriptor for a reorder primitive", fixed in
    // PyTorch by pytorch/pytorch#86876, after 1.13).
    std::map<int64_t, Module> copies;
    auto int8For = [&](const at::Tensor& x) -> Module& {
        const int64_t n = x.size(0);
        if (copies.empty()) {
            copies[n] = q; // the first shape: the model as built
        } else if (!copies.count(n)) {
            std::istringstream in(result.torchscript.toStdString());
            copies[n] = torch::jit::load(in);
        }
        return copies[n];
    };
    forEachBatch(eval, options.batchSize, control, 0.3, 0.8, QStringLiteral("Evaluating the int8 model"),
                 [&](qint64, qint64 b, qint64 e) {
                     const at::Tensor x = data.impl().batchInputs(b, e);
                     const at::Tensor out = outputTensor(int8For(x).forward({x}), model.impl().output, model.displayName());
                     const at::Tensor labels = data.hasLabels() ? data.impl().batchLabels(b, e) : at::Tensor();
                     const at::Tensor agree =
                         metric == Metric::Agreement
                             ? outputTensor(floatRun.forward({x}), model.impl().output, model.displayName()).argmax(1)
                             : at::Tensor();
                     const BatchScore score = scoreBatch(out, metric, x, labels, agree);
                     correct += score.correct.sum().item<double>();
                     if (score.nll.defined())
                         nll += score.nll.sum().item<double>();
                 });
    const double predictions = qMax(1.0, predictionCount(data, eval.size()));
    result.metric = metric;
    result.hasAccuracy = data.hasLabels();
    result.evaluationSamples = eval.size();
    result.top1 = correct / predictions;
    result.fakeQuantTop1 = trial.top1;
    result.floatTop1 = trial.floatTop1;
    if (metric == Metric::Perplexity) {
        result.perplexity = std::exp(nll / predictions);
        result.fakeQuantPerplexity = trial.perplexity;
        result.floatPerplexity = trial.floatPerplexity;
    }

    // 4. Latency: batches of 1 and 32 from the evaluation split, float against int8.
    control.report(0.8, QStringLiteral("Timing"));
    for (int batch : {1, 32}) {
        const at::Tensor x = data.impl().batchInputs(eval.begin, qMin(eval.end, eval.begin + batch));
        const int runs = batch == 1 ? 200 : 40;
        const double f = medianMs([&] { floatRun.forward({x}); }, runs);
        control.checkCancelled();
        const double i = medianMs([&] { int8For(x).forward({x}); }, runs);
        (batch == 1 ? result.floatMs1 : result.floatMs32) = f;
        (batch == 1 ? result.int8Ms1 : result.int8Ms32) = i;
    }
    control.report(1, QStringLiteral("Done"));
    return result;
}

LatencyProfile int8Latency(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                           const TrialOptions& options, const LatencyOptions& latency, const JobControl& control)
{
    if (latency.batch <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--batch must be at least 1, not %1").arg(latency.batch));
    Int8Build build = buildInt8(model, data, config, trial, options, control);
    const SampleRange eval = data.evaluationRange(options.calibrationSamples);
    const qint64 first = eval.size() > 0 ? eval.begin : 0;
    const at::Tensor input = data.impl().batchInputs(first, qMin(data.size(), first + latency.batch));
    torch::jit::Graph& graph = *build.module.get_method("forward").graph();
    LatencyProfile p = measureLatency(build.module, tagsInOrder(graph, build.tags), input, model.layers(),
                                      QStringLiteral("int8"), latency, control);
    for (int i = 0; i < p.layers.size(); ++i) {
        p.layers[i].int8 = build.int8[size_t(i)];
        for (const QString& why : build.result.fakeQuantLayers)
            if (why.startsWith(p.layers[i].name + QStringLiteral(": ")))
                p.layers[i].note = why.mid(p.layers[i].name.size() + 2);
        if (isRecurrentOp(model.layers()[i].op) && p.layers[i].totalMs() == 0 && p.layers[i].note.isEmpty())
            p.layers[i].note = QStringLiteral("timed with the first layer of its module (one LibTorch call)");
    }
    return p;
}

} // namespace qs
