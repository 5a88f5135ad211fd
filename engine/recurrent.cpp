#include "recurrent_p.h"

#include "model.h"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

namespace qs {

namespace {

using torch::jit::Node;
using torch::jit::Value;

const c10::Symbol kLstm = c10::Symbol::fromQualString("quantscope::lstm");
const c10::Symbol kGru = c10::Symbol::fromQualString("quantscope::gru");

std::string suffix(int layer, int direction)
{
    return "_l" + std::to_string(layer) + (direction ? "_reverse" : "");
}

/// The parameter names of one layer and direction, in PyTorch's _flat_weights order.
std::vector<std::string> parameterNames(int layer, int direction, bool biases)
{
    const std::string s = suffix(layer, direction);
    std::vector<std::string> names{"weight_ih" + s, "weight_hh" + s};
    if (biases) {
        names.push_back("bias_ih" + s);
        names.push_back("bias_hh" + s);
    }
    return names;
}

torch::jit::Module submodule(torch::jit::Module m, const std::vector<std::string>& path)
{
    for (const std::string& p : path)
        m = m.attr(p).toModule();
    return m;
}

/// The hidden-state width, the input width and the gate count of one layer's weights.
int gatesOf(const QString& op)
{
    return op == QLatin1String("lstm") ? 4 : 3;
}

// ---- The ops the rewritten graph calls ----------------------------------------------------------

/// One layer and direction step by step, in ATen's cell arithmetic (RNN.cpp's LSTMCell and
/// GRUCell with the input projection computed for the whole sequence first, as LibTorch does
/// on CPU), with the hidden state passed through a Step probe before each hidden-to-hidden matmul.
/// `x` is T×B×I; returns the T×B×H outputs; h and c hold the final state.
at::Tensor runSteps(bool lstm, const at::Tensor& x, at::TensorList w, bool biases, bool reverse, at::Tensor& h,
                    at::Tensor& c, ProbeHandler& handler, int site)
{
    const at::Tensor bih = biases ? w[2] : at::Tensor();
    const at::Tensor bhh = biases ? w[3] : at::Tensor();
    const at::Tensor gx = at::linear(x, w[0], bih);
    const int64_t steps = x.size(0);
    std::vector<at::Tensor> outputs(static_cast<size_t>(steps));
    for (int64_t i = 0; i < steps; ++i) {
        const int64_t t = reverse ? steps - 1 - i : i;
        const at::Tensor hq = handler.onProbe(h, site, ProbeRole::Step);
        if (lstm) {
            const at::Tensor gates = at::linear(hq, w[1], bhh).add_(gx[t]);
            const auto chunks = gates.unsafe_chunk(4, 1);
            const at::Tensor in = chunks[0].sigmoid_();
            const at::Tensor forget = chunks[1].sigmoid_();
            const at::Tensor cell = chunks[2].tanh_();
            const at::Tensor out = chunks[3].sigmoid_();
            c = forget.mul(c).add_(in.mul(cell));
            h = out.mul(c.tanh());
        } else {
            const auto ig = gx[t].unsafe_chunk(3, 1);
            const auto hg = at::linear(hq, w[1], bhh).unsafe_chunk(3, 1);
            const at::Tensor reset = hg[0].add_(ig[0]).sigmoid_();
            const at::Tensor update = hg[1].add_(ig[1]).sigmoid_();
            const at::Tensor candidate = ig[2].add(hg[2].mul_(reset)).tanh_();
            h = (h - candidate).mul_(update).add_(candidate);
        }
        outputs[size_t(t)] = h;
    }
    return at::stack(outputs);
}

/// Both ops: every layer and direction with its probes. `h0` and `c0` are L·D×B×H (c0 undefined
/// for a GRU); returns the output sequence and the final states.
std::tuple<at::Tensor, at::Tensor, at::Tensor> runLayers(bool lstm, const at::Tensor& input, const at::Tensor& h0,
                                                         const at::Tensor& c0, at::TensorList params, bool biases,
                                                         int64_t layers, bool bidirectional, bool batchFirst,
                                                         int64_t firstSite, ProbeHandler& handler)
{
    const int64_t directions = bidirectional ? 2 : 1;
    const int64_t stride = biases ? 4 : 2;
    at::Tensor x = batchFirst ? input.transpose(0, 1) : input;
    std::vector<at::Tensor> hn, cn;
    for (int64_t l = 0; l < layers; ++l) {
        std::vector<at::Tensor> outputs;
        for (int64_t d = 0; d < directions; ++d) {
            const int64_t index = l * directions + d;
            const int site = int(firstSite + index);
            const at::TensorList w = params.slice(size_t(index * stride), size_t(stride));
            const at::Tensor in = handler.onProbe(x, site, ProbeRole::Input);
            at::Tensor h = h0[index], c = lstm ? c0[index] : at::Tensor(), out;
            if (handler.wantsSteps(site)) {
                out = runSteps(lstm, in, w, biases, d == 1, h, c, handler, site);
            } else {
                // LibTorch's own op, one layer and one direction; the reverse direction is the
                // forward one on the reversed sequence.
                const at::Tensor seq = d ? in.flip(0) : in;
                if (lstm) {
                    auto [o, hN, cN] = at::lstm(seq, {h.unsqueeze(0), c.unsqueeze(0)}, w, biases, 1, 0.0, false, false, false);
                    out = o;
                    h = hN[0];
                    c = cN[0];
                } else {
                    auto [o, hN] = at::gru(seq, h.unsqueeze(0), w, biases, 1, 0.0, false, false, false);
                    out = o;
                    h = hN[0];
                }
                if (d)
                    out = out.flip(0);
            }
            outputs.push_back(handler.onProbe(out, site, ProbeRole::Output));
            hn.push_back(h);
            if (lstm)
                cn.push_back(c);
        }
        x = directions == 2 ? at::cat(outputs, 2) : outputs[0];
    }
    return {batchFirst ? x.transpose(0, 1) : x, at::stack(hn), lstm ? at::stack(cn) : at::Tensor()};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> lstmOp(const at::Tensor& input, at::TensorList hx, at::TensorList params,
                                                      bool biases, int64_t layers, double dropout, bool train,
                                                      bool bidirectional, bool batchFirst, int64_t firstSite)
{
    ProbeHandler* handler = currentProbeHandler();
    if (!handler)
        return at::lstm(input, hx, params, biases, layers, dropout, train, bidirectional, batchFirst);
    return runLayers(true, input, hx[0], hx[1], params, biases, layers, bidirectional, batchFirst, firstSite, *handler);
}

std::tuple<at::Tensor, at::Tensor> gruOp(const at::Tensor& input, const at::Tensor& hx, at::TensorList params,
                                         bool biases, int64_t layers, double dropout, bool train, bool bidirectional,
                                         bool batchFirst, int64_t firstSite)
{
    ProbeHandler* handler = currentProbeHandler();
    if (!handler)
        return at::gru(input, hx, params, biases, layers, dropout, train, bidirectional, batchFirst);
    auto [out, hn, unused] =
        runLayers(false, input, hx, at::Tensor(), params, biases, layers, bidirectional, batchFirst, firstSite, *handler);
    return {out, hn};
}

} // namespace

// CONSERVATIVE, as quantscope::probe: the ops call probes, which have side effects.
TORCH_LIBRARY_FRAGMENT(quantscope, m)
{
    m.def(torch::schema("quantscope::lstm(Tensor input, Tensor[] hx, Tensor[] params, bool has_biases, int num_layers, "
                        "float dropout, bool train, bool bidirectional, bool batch_first, int first_site) "
                        "-> (Tensor, Tensor, Tensor)",
                        c10::AliasAnalysisKind::CONSERVATIVE),
          &lstmOp);
    m.def(torch::schema("quantscope::gru(Tensor input, Tensor hx, Tensor[] params, bool has_biases, int num_layers, "
                        "float dropout, bool train, bool bidirectional, bool batch_first, int first_site) "
                        "-> (Tensor, Tensor)",
                        c10::AliasAnalysisKind::CONSERVATIVE),
          &gruOp);
}

// ---- Recognising and rewriting the calls --------------------------------------------------------

bool recognizeRecurrent(Node* n, Value* self, const torch::jit::Module& root, RecurrentCall& call, QString& why)
{
    const std::string kind = n->kind().toQualString();
    if (kind != "aten::lstm" && kind != "aten::gru")
        return false;
    const auto* schema = n->maybeSchema();
    if (!schema)
        return false;
    const bool packed = schema->overload_name() == "data";
    const size_t paramsInput = packed ? 3 : 2;
    // Where the weights come from: a scripted module's _flat_weights list, or (traced) a list
    // built from its parameters one by one.
    Value* params = n->input(paramsInput);
    std::vector<std::string> path;
    if (params->node()->kind() == c10::prim::GetAttr) {
        path = attributePath(params, self);
        if (!path.empty())
            path.pop_back();
    } else if (params->node()->kind() == c10::prim::ListConstruct && params->node()->inputs().size() > 0) {
        for (Value* v : params->node()->inputs()) {
            std::vector<std::string> p = attributePath(v, self);
            if (p.empty())
                return false;
            p.pop_back();
            if (!path.empty() && p != path)
                return false;
            path = p;
        }
    }
    if (path.empty())
        return false;
    QStringList parts;
    for (const auto& p : path)
        parts << QString::fromStdString(p);
    const QString name = parts.join(u'.');
    call.op = QString::fromStdString(kind.substr(6));
    if (packed) {
        why = QStringLiteral("%1: an %2 fed a packed sequence (pack_padded_sequence) is left in float: QuantScope quantizes "
                             "recurrent layers fed tensors; pad the batch instead of packing it to measure it")
                  .arg(name, call.op.toUpper());
        return false;
    }
    const torch::jit::Module module = submodule(root, path);
    const size_t at = paramsInput + 1;
    const auto biases = torch::jit::constant_as<bool>(n->input(at));
    const auto layers = torch::jit::constant_as<int64_t>(n->input(at + 1));
    const auto bidirectional = torch::jit::constant_as<bool>(n->input(at + 4));
    if (!biases || !layers || !bidirectional) {
        why = QStringLiteral("%1: an %2 whose layer count, direction or bias is computed at run time is left in float")
                  .arg(name, call.op.toUpper());
        return false;
    }
    call.node = n;
    call.modulePath = path;
    call.layers = int(*layers);
    call.directions = *bidirectional ? 2 : 1;
    call.hasBiases = *biases;
    if (module.hasattr("weight_hr_l0")) {
        why = QStringLiteral("%1: an LSTM with proj_size is left in float: QuantScope quantizes LSTMs without projections "
                             "(PyTorch's quantize_dynamic cannot run them either)")
                  .arg(name);
        return false;
    }
    for (int l = 0; l < call.layers; ++l)
        for (int d = 0; d < call.directions; ++d)
            for (const std::string& p : parameterNames(l, d, call.hasBiases))
                if (!module.hasattr(p) || !module.attr(p).isTensor()) {
                    why = QStringLiteral("%1: an %2 without the parameter %3 is left in float")
                              .arg(name, call.op.toUpper(), QString::fromStdString(p));
                    return false;
                }
    return true;
}

void recurrentSites(const RecurrentCall& call, const Model::Impl& m, QVector<LayerInfo>& layers,
                    std::vector<SiteRef>& sites)
{
    QStringList parts;
    for (const auto& p : call.modulePath)
        parts << QString::fromStdString(p);
    const QString base = parts.join(u'.');
    for (int l = 0; l < call.layers; ++l)
        for (int d = 0; d < call.directions; ++d) {
            const std::vector<std::string> names = parameterNames(l, d, call.hasBiases);
            auto pathTo = [&](const std::string& p) {
                std::vector<std::string> full = call.modulePath;
                full.push_back(p);
                return full;
            };
            SiteRef ref;
            ref.weightPath = pathTo(names[0]);
            ref.hiddenWeightPath = pathTo(names[1]);
            if (call.hasBiases) {
                ref.biasPath = pathTo(names[2]);
                ref.hiddenBiasPath = pathTo(names[3]);
            }
            const at::Tensor wih = m.tensorAt(ref.weightPath), whh = m.tensorAt(ref.hiddenWeightPath);
            LayerInfo info;
            info.name = QStringLiteral("%1.l%2%3").arg(base).arg(l).arg(d ? QStringLiteral("_reverse") : QString());
            info.op = call.op;
            info.weightShape = {wih.size(0), wih.size(1) + whh.size(1)};
            info.weightCount = wih.numel() + whh.numel();
            info.paramCount = info.weightCount + (call.hasBiases ? 2 * wih.size(0) : 0);
            info.weightParts = {QStringLiteral("%1 %2×%3").arg(QString::fromStdString(names[0])).arg(wih.size(0)).arg(wih.size(1)),
                                QStringLiteral("%1 %2×%3").arg(QString::fromStdString(names[1])).arg(whh.size(0)).arg(whh.size(1))};
            Q_ASSERT(wih.size(0) == gatesOf(call.op) * whh.size(1));
            layers << info;
            sites.push_back(ref);
        }
}

void rewriteRecurrent(torch::jit::Graph& graph, Value* self, const RecurrentCall& call, int firstSite)
{
    using namespace torch::jit;
    Node* old = call.node;
    WithInsertPoint guard(old);
    Value* module = self;
    for (const std::string& p : call.modulePath)
        module = graph.insertGetAttr(module, p);
    std::vector<Value*> weights;
    for (int l = 0; l < call.layers; ++l)
        for (int d = 0; d < call.directions; ++d)
            for (const std::string& p : parameterNames(l, d, call.hasBiases))
                weights.push_back(graph.insertGetAttr(module, p));
    Value* list = graph.insertNode(graph.createList(TensorType::get(), weights))->output();
    std::vector<Value*> inputs(old->inputs().begin(), old->inputs().end());
    Value* previous = inputs[2];
    inputs[2] = list;
    inputs.push_back(graph.insertConstant(int64_t(firstSite)));
    Node* op = graph.insertNode(graph.create(call.op == QLatin1String("lstm") ? kLstm : kGru, inputs, old->outputs().size()));
    for (size_t i = 0; i < old->outputs().size(); ++i) {
        op->output(i)->setType(old->output(i)->type());
        old->output(i)->replaceAllUsesWith(op->output(i));
    }
    old->destroy();
    // The scripted module's _flat_weights list (or the traced list) is no longer read.
    if (!previous->hasUses() && (previous->node()->kind() == prim::GetAttr || previous->node()->kind() == prim::ListConstruct))
        previous->node()->destroy();
}

std::vector<Node*> recurrentCalls(torch::jit::Graph& graph)
{
    std::vector<Node*> calls;
    for (Node* n : graph.nodes())
        if (n->kind() == kLstm || n->kind() == kGru)
            calls.push_back(n);
    return calls;
}

int recurrentFirstSite(Node* call)
{
    return int(torch::jit::toIValue(call->inputs().back())->toInt());
}

Node* replaceRecurrentCall(torch::jit::Graph& graph, Node* call, c10::Symbol kind, const std::vector<Value*>& extra)
{
    torch::jit::WithInsertPoint guard(call);
    std::vector<Value*> inputs(call->inputs().begin(), call->inputs().end() - 1);
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    Node* n = graph.insertNode(graph.create(kind, inputs, call->outputs().size()));
    for (size_t i = 0; i < call->outputs().size(); ++i) {
        n->output(i)->setType(call->output(i)->type());
        call->output(i)->replaceAllUsesWith(n->output(i));
    }
    call->destroy();
    return n;
}

} // namespace qs
