// The int8 model between its layers: quantized tensors carried across residual adds, pooling,
// reshapes, clamps and concatenation, as PyTorch's FX convert does, instead of a float tensor
// after every int8 kernel.

#include "int8_p.h"

#include "graph_p.h"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace qs {

namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

c10::Symbol sym(const char* name) { return c10::Symbol::fromQualString(name); }

/// Ops whose result on a quantized tensor is the op on its values: quantizing before them
/// rounds exactly as quantizing after them (clamps, max, layout). A kernel's output can take
/// the scale of a quantization that follows such ops.
bool commutes(const Node* n)
{
    static const std::unordered_set<c10::Symbol> kinds = {
        c10::aten::relu, c10::aten::relu_, c10::aten::hardtanh, c10::aten::hardtanh_, c10::aten::max_pool2d,
        c10::aten::flatten, c10::aten::reshape, c10::aten::view, c10::aten::dropout, c10::aten::dropout_,
        c10::aten::contiguous};
    return kinds.count(n->kind()) > 0;
}

/// Ops that run on a quantized tensor and keep its scale and zero point: the above and the
/// averaging ones (which round their result to the input's scale).
bool keepsScale(const Node* n)
{
    if (commutes(n))
        return true;
    if (n->kind() == c10::aten::adaptive_avg_pool2d || n->kind() == c10::aten::avg_pool2d)
        return true;
    if (n->kind() == c10::aten::mean) // the dim form, no dtype
        return n->inputs().size() == 4 && torch::jit::toIValue(n->input(3)) && torch::jit::toIValue(n->input(3))->isNone();
    return false;
}

c10::Symbol functional(c10::Symbol kind)
{
    if (kind == c10::aten::relu_)
        return c10::aten::relu;
    if (kind == c10::aten::hardtanh_)
        return c10::aten::hardtanh;
    if (kind == c10::aten::dropout_)
        return c10::aten::dropout;
    return kind;
}

bool inPlace(const Node* n) { return functional(n->kind()) != n->kind() || n->kind() == c10::aten::add_; }

bool onlyFirstIsTensor(const Node* n)
{
    for (size_t i = 1; i < n->inputs().size(); ++i)
        if (n->input(i)->type()->cast<c10::TensorType>())
            return false;
    return n->outputs().size() == 1;
}

struct QParam {
    double scale = 0;
    int64_t zeroPoint = 0;
    bool operator==(const QParam& o) const { return scale == o.scale && zeroPoint == o.zeroPoint; }
};

/// A quantize_per_tensor to quint8 with constant scale and zero point: those, else nothing.
std::optional<QParam> quantizeTarget(const Node* n)
{
    if (n->kind() != c10::aten::quantize_per_tensor || n->inputs().size() != 4)
        return {};
    const auto s = torch::jit::toIValue(n->input(1)), z = torch::jit::toIValue(n->input(2)), t = torch::jit::toIValue(n->input(3));
    if (!s || !z || !t || !s->isDouble() || !z->isInt() || !t->isInt() || t->toInt() != int64_t(at::kQUInt8))
        return {};
    return QParam{s->toDouble(), z->toInt()};
}

/// The quantization that float value `v` reaches through single-use ops that commute with
/// quantization; the kernel producing `v` can write in its scale, and every user of the value
/// quantized there sees the range that quantization was calibrated on.
std::optional<QParam> downstreamQuantize(Value* v)
{
    for (;;) {
        for (const torch::jit::Use& use : v->uses())
            if (use.offset == 0)
                if (const auto q = quantizeTarget(use.user))
                    return q;
        if (v->uses().size() != 1)
            return {};
        Node* next = v->uses()[0].user;
        if (!commutes(next) || next->input(0) != v || !onlyFirstIsTensor(next))
            return {};
        v = next->output();
    }
}

/// Whether quantized tensor `q` is four-dimensional: made by a convolution, through ops that
/// keep the rank.
bool fourDimensional(const Value* q)
{
    static const std::unordered_set<c10::Symbol> keepRank = {
        c10::aten::relu, c10::aten::hardtanh, c10::aten::dropout, c10::aten::contiguous, c10::aten::max_pool2d,
        c10::aten::avg_pool2d, sym("quantized::add"), sym("quantized::add_relu")};
    for (int depth = 0; depth < 64; ++depth) {
        const Node* n = q->node();
        if (n->kind() == sym("quantized::conv2d") || n->kind() == sym("quantized::conv2d_relu"))
            return true;
        if (n->kind() == sym("quantized::cat") && n->input(0)->node()->kind() == c10::prim::ListConstruct &&
            n->input(0)->node()->inputs().size() > 0) {
            q = n->input(0)->node()->input(0);
            continue;
        }
        if (!keepRank.count(n->kind()))
            return false;
        q = n->input(0);
    }
    return false;
}

/// A mean over the last two dimensions of a four-dimensional quantized tensor (a global
/// average pool, as the demo and MobileNet-style models write it), without dtype.
bool isGlobalPool(const Node* mean, const Value* q)
{
    if (!torch::jit::toIValue(mean->input(2)))
        return false;
    std::vector<int64_t> d; // a constant list, or a list built from constants
    if (const auto dims = torch::jit::toIValue(mean->input(1)); dims && dims->isIntList()) {
        d = dims->toIntVector();
    } else if (mean->input(1)->node()->kind() == c10::prim::ListConstruct) {
        for (const Value* v : mean->input(1)->node()->inputs()) {
            const auto c = torch::jit::toIValue(v);
            if (!c || !c->isInt())
                return false;
            d.push_back(c->toInt());
        }
    }
    return (d == std::vector<int64_t>{2, 3} || d == std::vector<int64_t>{-2, -1}) && fourDimensional(q);
}

bool isKernel(const Node* n)
{
    static const std::unordered_set<c10::Symbol> kinds = {sym("quantized::conv2d"), sym("quantized::linear")};
    return kinds.count(n->kind()) > 0;
}

/// Forgets the tags of nodes no longer in the graph (before anything new can reuse their address).
void eliminateDeadCode(const std::shared_ptr<Graph>& graph, NodeTags& tags)
{
    torch::jit::EliminateDeadCode(graph);
    std::unordered_set<const Node*> live;
    for (const Node* n : graph->nodes())
        live.insert(n);
    for (auto it = tags.begin(); it != tags.end();)
        it = live.count(it->first) ? std::next(it) : tags.erase(it);
}

} // namespace

std::vector<Node*> int8CandidateJoins(Graph& graph)
{
    std::vector<Node*> joins;
    for (Node* n : graph.nodes()) {
        const bool add = (n->kind() == c10::aten::add || n->kind() == c10::aten::add_) && n->inputs().size() == 3 &&
                         n->input(1)->type()->cast<c10::TensorType>();
        if (add || (n->kind() == c10::aten::cat && n->inputs().size() == 2))
            joins.push_back(n);
    }
    return joins;
}

int restoreUniformClamps(Graph& graph, const torch::jit::Module& module)
{
    std::vector<Node*> clamps;
    for (Node* n : graph.nodes())
        if (!boundedActivation(n).isEmpty())
            clamps.push_back(n);
    int restored = 0;
    for (Node* n : clamps) {
        const at::Tensor bound = module.attr(n->input(2)->node()->s(c10::attr::name)).toTensor();
        const double high = bound.max().item<double>();
        if (bound.min().item<double>() != high)
            continue;
        torch::jit::WithInsertPoint point(n);
        Value* out = graph.insert(c10::aten::hardtanh, {n->input(0), 0.0, high});
        n->output()->replaceAllUsesWith(out);
        n->destroy();
        ++restored;
    }
    return restored;
}

Int8GraphStats quantizeBetweenLayers(const std::shared_ptr<Graph>& graph, NodeTags& tags,
                                     const std::unordered_map<const Node*, std::pair<double, int64_t>>& observed)
{
    Int8GraphStats stats;
    Graph& g = *graph;
    auto constant = [&](const c10::IValue& v) { return g.insertConstant(v); };

    // 1. A kernel whose output is quantized again after clamps or layout ops writes straight in
    // that scale: one rounding, where the fake-quantized trial rounds.
    for (Node* n : g.nodes()) {
        if (!isKernel(n) || n->output()->uses().size() != 1)
            continue;
        Node* dq = n->output()->uses()[0].user;
        if (dq->kind() != c10::aten::dequantize)
            continue;
        if (const auto q = downstreamQuantize(dq->output())) {
            torch::jit::WithInsertPoint point(n);
            n->replaceInput(2, constant(q->scale));
            n->replaceInput(3, constant(q->zeroPoint));
        }
    }

    // 2. Dequantize sinks through every op with a quantized kernel; joins get their output scale
    // from the quantization after them or from calibration; a quantization of a value already in
    // that scale goes away.
    std::unordered_map<const Value*, Value*> quantizedOf; // dequantize output → quantized tensor
    std::unordered_map<const Value*, QParam> scaleOf;      // quantized tensor → its qparams
    std::unordered_map<const Value*, OpTag> dequantizeTag; // quantized tensor → tag for dequantizing it
    auto qparamsOf = [&](Node* n, size_t scaleInput) {
        return QParam{torch::jit::toIValue(n->input(scaleInput))->toDouble(), torch::jit::toIValue(n->input(scaleInput + 1))->toInt()};
    };
    auto dequantizeAfter = [&](Node* old, Value* q, const QParam& qp, const OpTag* tag) {
        scaleOf[q] = qp;
        Value* y = g.insert(c10::aten::dequantize, {q});
        y->setType(old->output()->type());
        quantizedOf[y] = q;
        if (tag)
            tags[y->node()] = dequantizeTag[q] = *tag;
        old->output()->replaceAllUsesWith(y);
    };
    auto destroy = [&](Node* n) {
        tags.erase(n);
        n->destroy();
    };
    std::vector<Node*> nodes(g.nodes().begin(), g.nodes().end());
    for (Node* n : nodes) {
        const c10::Symbol kind = n->kind();
        if (isKernel(n)) {
            scaleOf[n->output()] = qparamsOf(n, 2);
        } else if (kind == c10::aten::dequantize) {
            quantizedOf[n->output()] = n->input(0);
            if (tags.count(n))
                dequantizeTag[n->input(0)] = tags[n];
        } else if (kind == c10::aten::quantize_per_tensor) {
            const auto target = quantizeTarget(n);
            if (!target)
                continue;
            const auto from = quantizedOf.find(n->input(0));
            if (from == quantizedOf.end()) {
                scaleOf[n->output()] = *target;
            } else if (scaleOf.count(from->second) && scaleOf[from->second] == *target) {
                n->output()->replaceAllUsesWith(from->second);
                destroy(n);
            } else {
                ++stats.requantized;
            }
        } else if ((kind == c10::aten::size || kind == c10::aten::dim) && quantizedOf.count(n->input(0))) {
            n->replaceInput(0, quantizedOf[n->input(0)]); // shapes need no float tensor
        } else if (keepsScale(n) && quantizedOf.count(n->input(0)) && onlyFirstIsTensor(n) &&
                   (!inPlace(n) || n->input(0)->uses().size() == 1)) {
            Value* q = quantizedOf[n->input(0)];
            if (!scaleOf.count(q))
                continue;
            torch::jit::WithInsertPoint point(n);
            Node* op = nullptr;
            Value* y = nullptr;
            if (kind == c10::aten::mean && isGlobalPool(n, q)) {
                // On quantized tensors LibTorch's mean is a slow generic loop and its adaptive
                // average pool a vectorised kernel (40× faster at 32×128×7×7): the same average.
                op = g.insertNode(g.create(c10::aten::adaptive_avg_pool2d, {q, g.insertConstant(std::vector<int64_t>{1, 1})}, 1));
                y = op->output();
                if (!torch::jit::toIValue(n->input(2))->toBool())
                    y = g.insert(c10::aten::flatten, {y, 1, -1});
            } else {
                op = g.create(functional(kind), n->inputs(), 1);
                op->replaceInput(0, q);
                g.insertNode(op);
                y = op->output();
            }
            y->setType(n->output()->type());
            if (tags.count(n)) {
                tags[op] = tags[n];
                tags[y->node()] = tags[n];
            }
            const auto tag = dequantizeTag.find(q);
            dequantizeAfter(n, y, scaleOf[q], tag == dequantizeTag.end() ? nullptr : &tag->second);
            destroy(n);
            ++stats.quantizedOps;
        } else if (kind == c10::aten::add || kind == c10::aten::add_ || kind == c10::aten::cat) {
            const bool add = kind != c10::aten::cat;
            std::vector<Value*> in;
            if (add) {
                const auto alpha = torch::jit::toIValue(n->input(2));
                if (n->inputs().size() != 3 || !alpha || !(alpha->isInt() ? alpha->toInt() == 1 : alpha->toDouble() == 1.0) ||
                    (kind == c10::aten::add_ && n->input(0)->uses().size() != 1))
                    continue;
                in = {n->input(0), n->input(1)};
            } else {
                Node* list = n->input(0)->node();
                if (list->kind() != c10::prim::ListConstruct || n->input(0)->uses().size() != 1 || !torch::jit::toIValue(n->input(1)))
                    continue;
                in.assign(list->inputs().begin(), list->inputs().end());
            }
            bool allQuantized = !in.empty();
            for (Value*& v : in) {
                allQuantized = allQuantized && quantizedOf.count(v) && scaleOf.count(quantizedOf[v]);
                if (allQuantized)
                    v = quantizedOf[v];
            }
            if (!allQuantized)
                continue;
            std::optional<QParam> out = downstreamQuantize(n->output());
            if (!out) {
                const auto o = observed.find(n);
                if (o == observed.end())
                    continue;
                out = QParam{o->second.first, o->second.second};
            }
            torch::jit::WithInsertPoint point(n);
            Value* y = nullptr;
            if (add) {
                y = g.insert(sym("quantized::add"), {in[0], in[1], out->scale, out->zeroPoint});
            } else {
                Value* list = g.insertNode(g.createList(in[0]->type(), in))->output();
                y = g.insert(sym("quantized::cat"), {list, n->input(1), out->scale, out->zeroPoint});
            }
            if (tags.count(n))
                tags[y->node()] = tags[n];
            dequantizeAfter(n, y, *out, nullptr);
            destroy(n);
            ++stats.quantizedOps;
        }
    }
    eliminateDeadCode(graph, tags);

    // 3. A kernel or add whose only user is a ReLU on its quantized output becomes the fused op
    // (same scale: the ReLU of a quantized tensor clamps at its zero point).
    const std::unordered_map<c10::Symbol, c10::Symbol> fused = {{sym("quantized::conv2d"), sym("quantized::conv2d_relu")},
                                                                {sym("quantized::linear"), sym("quantized::linear_relu")},
                                                                {sym("quantized::add"), sym("quantized::add_relu")}};
    nodes.assign(g.nodes().begin(), g.nodes().end());
    for (Node* n : nodes) {
        const auto f = fused.find(n->kind());
        if (f == fused.end() || n->output()->uses().size() != 1)
            continue;
        Node* relu = n->output()->uses()[0].user;
        if (relu->kind() != c10::aten::relu)
            continue;
        torch::jit::WithInsertPoint point(n);
        Node* op = g.insertNode(g.create(f->second, n->inputs(), 1));
        op->output()->setType(n->output()->type());
        if (tags.count(n))
            tags[op] = tags[n];
        relu->output()->replaceAllUsesWith(op->output());
        destroy(relu);
        destroy(n);
        --stats.quantizedOps; // the ReLU counted above is now part of the kernel or add
        ++stats.fusedRelu;
    }
    eliminateDeadCode(graph, tags);
    const std::unordered_set<c10::Symbol> layerKernels = {sym("quantized::conv2d"), sym("quantized::linear"),
                                                          sym("quantized::conv2d_relu"), sym("quantized::linear_relu")};
    for (Node* n : g.nodes()) {
        if (!layerKernels.count(n->kind()))
            continue;
        for (const torch::jit::Use& use : n->output()->uses())
            if (use.user->kind() != c10::aten::dequantize) {
                ++stats.chainedLayers;
                break;
            }
    }
    graph->lint();
    return stats;
}

} // namespace qs
