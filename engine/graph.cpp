#include "graph_p.h"

#include "recurrent_p.h"

#include <functional>
#include <map>
#include <set>

namespace qs {

using torch::jit::Node;
using torch::jit::Value;

namespace {

const c10::Symbol kProbe = c10::Symbol::fromQualString("quantscope::probe");

bool isTensor(const Value* v)
{
    return v->type()->kind() == c10::TypeKind::TensorType;
}

} // namespace

bool isShownOp(c10::Symbol kind)
{
    static const std::set<std::string> shown{
        // data flow joins
        "aten::add", "aten::add_", "aten::cat", "aten::mul", "aten::mul_", "aten::matmul", "aten::bmm",
        // pooling and means
        "aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d", "aten::avg_pool1d", "aten::avg_pool2d",
        "aten::avg_pool3d", "aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d",
        "aten::adaptive_max_pool1d", "aten::adaptive_max_pool2d", "aten::adaptive_max_pool3d", "aten::mean",
        // activation functions
        "aten::relu", "aten::relu_", "aten::relu6", "aten::relu6_", "aten::hardtanh", "aten::hardtanh_",
        "aten::gelu", "aten::sigmoid", "aten::sigmoid_", "aten::tanh", "aten::tanh_", "aten::silu", "aten::silu_",
        "aten::hardswish", "aten::hardswish_", "aten::hardsigmoid", "aten::hardsigmoid_", "aten::leaky_relu",
        "aten::leaky_relu_", "aten::elu", "aten::elu_", "aten::softmax", "aten::log_softmax", "aten::clamp",
        // reshapes
        "aten::flatten", "aten::reshape", "aten::view"};
    return shown.count(kind.toQualString()) > 0;
}

int ModelGraph::nodeOfLayer(int layer) const
{
    for (int i = 0; i < nodes.size(); ++i)
        if (nodes[i].kind == GraphNode::Layer && nodes[i].layers.contains(layer))
            return i;
    return -1;
}

ModelGraph modelGraph(const Model::Impl& m, std::vector<Node*>* torchNodes)
{
    torch::jit::Graph& g = *m.graph;
    // The op node of each site: what its output probe wraps; LSTM and GRU layers: their call.
    std::map<Node*, QVector<int>> sitesOf;
    forEachNode(g.block(), [&](Node* n) {
        if (n->kind() == kProbe && torch::jit::toIValue(n->input(2))->toInt() == int64_t(ProbeRole::Output))
            sitesOf[n->input(0)->node()] << int(torch::jit::toIValue(n->input(1))->toInt());
    });
    for (Node* call : recurrentCalls(g)) { // one site per layer and direction
        const int first = recurrentFirstSite(call);
        const auto layers = torch::jit::constant_as<int64_t>(call->input(4));
        const auto bidirectional = torch::jit::constant_as<bool>(call->input(7));
        const int cells = layers && bidirectional ? int(*layers * (*bidirectional ? 2 : 1)) : int(m.layers.size()) - first;
        QVector<int>& sites = sitesOf[call];
        for (int s = first; s < first + cells && s < m.layers.size(); ++s)
            if (!sites.contains(s))
                sites << s;
    }

    ModelGraph out;
    std::map<Node*, int> index; // shown node → its index
    std::vector<Node*> order;
    auto add = [&](GraphNode node, Node* n) {
        out.nodes << node;
        order.push_back(n);
        return int(out.nodes.size()) - 1;
    };
    const int input = add({GraphNode::Input, QStringLiteral("input"), QString(), {}}, nullptr);
    forEachNode(g.block(), [&](Node* n) {
        const auto site = sitesOf.find(n);
        const QString op = QString::fromStdString(n->kind().toUnqualString());
        if (site != sitesOf.end()) {
            GraphNode node{GraphNode::Layer, m.layers[site->second.first()].name, op, site->second};
            if (site->second.size() > 1) // lstm.l0, lstm.l1, …: one call, named by its module
                node.label = node.label.left(node.label.lastIndexOf(u'.'));
            index[n] = add(node, n);
        } else if (isShownOp(n->kind())) {
            int tensors = 0;
            for (const Value* v : n->inputs())
                tensors += isTensor(v);
            const bool join = op.startsWith(QLatin1String("add")) || op.startsWith(QLatin1String("mul"));
            if (join && tensors < 2) // x + 1, x * 0.5: not a join of two paths
                return;
            QString label = op;
            if (label.endsWith(u'_'))
                label.chop(1);
            if (const QString was = boundedActivation(n); !was.isEmpty())
                label = was; // a ReLU6 or hardtanh given per-channel bounds at load
            else if (label == QLatin1String("hardtanh") && torch::jit::constant_as<double>(n->input(1)) == 0.0 &&
                     torch::jit::constant_as<double>(n->input(2)) == 6.0)
                label = QStringLiteral("relu6"); // nn.ReLU6 calls hardtanh(x, 0, 6)
            index[n] = add({GraphNode::Op, label, op, {}}, n);
        }
    });
    const int output = add({GraphNode::Output, QStringLiteral("output"), QString(), {}}, nullptr);

    // The shown nodes a value comes from, through nodes that are not shown.
    std::map<const Value*, std::set<int>> from;
    Value* self = g.inputs().empty() ? nullptr : g.inputs()[0];
    std::function<const std::set<int>&(Value*)> sources = [&](Value* v) -> const std::set<int>& {
        if (auto it = from.find(v); it != from.end())
            return it->second;
        std::set<int>& s = from[v];
        Node* n = v->node();
        std::set<int> found;
        auto take = [&](Value* in) {
            if (isTensor(in) || in->type()->kind() == c10::TypeKind::ListType ||
                in->type()->kind() == c10::TypeKind::TupleType || in->type()->kind() == c10::TypeKind::OptionalType) {
                const std::set<int> more = sources(in);
                found.insert(more.begin(), more.end());
            }
        };
        if (n == g.param_node()) {
            if (v != self && isTensor(v))
                s.insert(input);
            return s;
        }
        if (n->kind() == c10::prim::Param) { // a branch's or loop's parameter: what its node is given
            if (Node* owner = n->owningBlock()->owningNode())
                for (Value* in : owner->inputs())
                    take(in);
            from[v] = found;
            return from[v];
        }
        if (auto it = index.find(n); it != index.end()) {
            s.insert(it->second);
            return s;
        }
        for (Value* in : n->inputs())
            take(in);
        for (torch::jit::Block* b : n->blocks()) // an if's or loop's outputs come from its blocks
            for (Value* ret : b->outputs())
                take(ret);
        from[v] = found;
        return from[v];
    };
    std::set<QPair<int, int>> edges;
    for (const auto& [n, i] : index)
        for (Value* in : n->inputs())
            if (isTensor(in) || in->type()->kind() == c10::TypeKind::ListType || in->type()->kind() == c10::TypeKind::TupleType)
                for (int s : sources(in))
                    edges.insert({s, i});
    for (Value* v : g.outputs())
        for (int s : sources(v))
            edges.insert({s, output});
    for (const auto& e : edges)
        out.edges << e;
    if (torchNodes)
        *torchNodes = order;
    return out;
}

ModelGraph modelGraph(const Model& model)
{
    return modelGraph(model.impl(), nullptr);
}

} // namespace qs
