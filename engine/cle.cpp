#include "cle.h"

#include "graph_p.h"
#include "model_p.h"
#include "techniques_p.h"
#include "trial_p.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace qs {

namespace {

bool isConvOrLinear(const QString& op)
{
    return op == QLatin1String("conv1d") || op == QLatin1String("conv2d") || op == QLatin1String("conv3d") ||
           op == QLatin1String("linear");
}

/// Whether `second` (weight w2) is depthwise over the first's `channels` output channels.
bool depthwise(const at::Tensor& w2, int64_t channels)
{
    return w2.dim() >= 3 && w2.size(1) == 1 && w2.size(0) == channels;
}

} // namespace

QVector<QPair<int, int>> equalizablePairs(const Model& model)
{
    return equalizablePairs(model.impl());
}

CleResult crossLayerEqualize(Model& model, bool absorbHighBias)
{
    return crossLayerEqualize(model.impl(), absorbHighBias);
}

void withEqualizedWeights(Model& model, const std::function<void()>& fn, bool absorbHighBias)
{
    ScopedTensors scope(model.impl().module);
    applyEqualization(model.impl(), scope, absorbHighBias);
    fn();
}

namespace {

struct PairCandidate {
    int first = -1, second = -1; ///< sites
    int joiner = -1;             ///< the graph node between them, or -1
};

/// Conv/linear pairs whose first's output feeds only the second, directly or through one shown
/// op that `joins` accepts, the second taking the first's channels as input channels (or,
/// depthwise, as its channels).
std::vector<PairCandidate> pairCandidates(const Model::Impl& m, const ModelGraph& g,
                                          const std::function<bool(const GraphNode&, int)>& joins)
{
    std::map<int, QVector<int>> next, previous;
    for (const auto& [from, to] : g.edges) {
        next[from] << to;
        previous[to] << from;
    }
    std::vector<PairCandidate> pairs;
    for (int a = 0; a < g.nodes.size(); ++a) {
        const GraphNode& first = g.nodes[a];
        if (first.kind != GraphNode::Layer || first.layers.size() != 1 || !isConvOrLinear(first.op) || next[a].size() != 1)
            continue;
        int b = next[a].first(), joiner = -1;
        if (g.nodes[b].kind == GraphNode::Op && joins(g.nodes[b], b)) {
            if (next[b].size() != 1 || previous[b].size() != 1)
                continue;
            joiner = b;
            b = next[b].first();
        }
        const GraphNode& second = g.nodes[b];
        if (second.kind != GraphNode::Layer || second.layers.size() != 1 || !isConvOrLinear(second.op) || previous[b].size() != 1)
            continue;
        const int s1 = first.layers.first(), s2 = second.layers.first();
        const at::Tensor w1 = m.weight(s1), w2 = m.weight(s2);
        if (m.sites[size_t(s1)].channelAxis != 0 || m.sites[size_t(s2)].channelAxis != 0)
            continue; // transposed convolutions: their channels are on another axis
        if (w2.dim() < 2 || (w2.size(1) != w1.size(0) && !depthwise(w2, w1.size(0))))
            continue;
        pairs.push_back({s1, s2, joiner});
    }
    return pairs;
}

/// The upper bound of a ReLU6 (6) or of a hardtanh clamping at 0 and a constant M > 0 (M); else 0.
double clampHigh(const torch::jit::Node* n)
{
    if (n->kind() == c10::aten::relu6 || n->kind() == c10::Symbol::fromQualString("aten::relu6_"))
        return 6;
    if (n->kind() != c10::aten::hardtanh && n->kind() != c10::aten::hardtanh_)
        return 0;
    const auto low = torch::jit::constant_as<double>(n->input(1)), high = torch::jit::constant_as<double>(n->input(2));
    return low && high && *low == 0 && *high > 0 ? *high : 0;
}

const char* const kBoundPrefix = "_quantscope_";

} // namespace

QString boundedActivation(const torch::jit::Node* n)
{
    if (n->kind() != c10::aten::clamp || n->inputs().size() != 3 || n->input(2)->node()->kind() != c10::prim::GetAttr)
        return {};
    const std::string name = n->input(2)->node()->s(c10::attr::name);
    if (name.rfind(kBoundPrefix, 0) != 0)
        return {};
    return QString::fromStdString(name.substr(std::string(kBoundPrefix).size())).section(u'_', 0, 0);
}

void boundClamps(Model::Impl& m)
{
    std::vector<torch::jit::Node*> nodes;
    const ModelGraph g = modelGraph(m, &nodes);
    const auto found = pairCandidates(m, g, [&](const GraphNode&, int b) { return clampHigh(nodes[size_t(b)]) > 0; });
    torch::jit::Graph& graph = *m.graph;
    int k = 0;
    for (const PairCandidate& p : found) {
        if (p.joiner < 0)
            continue;
        torch::jit::Node* n = nodes[size_t(p.joiner)];
        const bool relu6 = n->kind() == c10::aten::relu6 || n->kind() == c10::Symbol::fromQualString("aten::relu6_") ||
                           clampHigh(n) == 6;
        const at::Tensor w1 = m.weight(p.first);
        std::vector<int64_t> shape(size_t(std::max<int64_t>(1, w1.dim() - 1)), 1); // broadcasts over the output's channels
        shape[0] = w1.size(0);
        const std::string name = std::string(kBoundPrefix) + (relu6 ? "relu6" : "hardtanh") + "_bound" + std::to_string(k++);
        m.module.register_buffer(name, at::full(shape, clampHigh(n)));
        torch::jit::WithInsertPoint point(n);
        torch::jit::Value* bound = graph.insertGetAttr(graph.inputs().at(0), name);
        torch::jit::Value* zero = graph.insertConstant(at::zeros({}));
        torch::jit::Value* out = graph.insert(c10::aten::clamp, {n->input(0), zero, bound});
        n->output()->replaceAllUsesWith(out);
        n->destroy();
        m.clampBounds[p.first] = {name};
    }
}

namespace {

/// The pairs equalization applies to: joined by a ReLU, by a ReLU6 or hardtanh whose bound
/// boundClamps made per channel, or by nothing.
std::vector<PairCandidate> equalizableCandidates(const Model::Impl& m)
{
    const ModelGraph g = modelGraph(m, nullptr);
    const auto joins = [](const GraphNode& n, int) {
        return n.op == QLatin1String("relu") || n.op == QLatin1String("relu_") ||
               (n.op == QLatin1String("clamp") && (n.label == QLatin1String("relu6") || n.label == QLatin1String("hardtanh")));
    };
    return pairCandidates(m, g, joins);
}

} // namespace

QVector<QPair<int, int>> equalizablePairs(const Model::Impl& m)
{
    QVector<QPair<int, int>> pairs;
    for (const PairCandidate& p : equalizableCandidates(m))
        pairs << qMakePair(p.first, p.second);
    return pairs;
}

CleResult crossLayerEqualize(Model::Impl& m, bool absorbHighBias)
{
    c10::InferenceMode guard;
    const std::vector<PairCandidate> candidates = equalizableCandidates(m);
    QVector<QPair<int, int>> pairs;
    std::vector<bool> joinedByActivation;
    for (const PairCandidate& p : candidates) {
        pairs << qMakePair(p.first, p.second);
        joinedByActivation.push_back(p.joiner >= 0);
    }
    std::map<int, at::Tensor> weight, bias;
    for (const auto& [a, b] : pairs)
        for (int s : {a, b}) {
            weight[s] = m.weight(s).clone();
            if (const at::Tensor b = m.tensorAt(m.sites[size_t(s)].biasPath); b.defined())
                bias[s] = b.clone();
        }
    std::map<int, at::Tensor> bound; // the first site's per-channel clamp bound, when a ReLU6 joins the pair
    for (const auto& [a, b] : pairs)
        if (const auto it = m.clampBounds.find(a); it != m.clampBounds.end())
            bound[a] = m.tensorAt(it->second).clone();
    CleResult r;
    std::vector<at::Tensor> total;
    for (const auto& [a, b] : pairs)
        total.push_back(at::ones({weight[a].size(0)}));
    for (r.rounds = 1; r.rounds <= 100 && !pairs.isEmpty(); ++r.rounds) {
        double moved = 0;
        for (qsizetype k = 0; k < pairs.size(); ++k) {
            const auto [a, b] = pairs[k];
            const at::Tensor& w1 = weight[a];
            const at::Tensor& w2 = weight[b];
            const at::Tensor r1 = std::get<0>(w1.abs().flatten(1).max(1));
            const bool dw = depthwise(w2, w1.size(0));
            const at::Tensor r2 = dw ? std::get<0>(w2.abs().flatten(1).max(1))
                                     : std::get<0>(w2.abs().transpose(0, 1).flatten(1).max(1));
            const at::Tensor s = at::sqrt(r1 / r2);
            std::vector<int64_t> view1(size_t(w1.dim()), 1), view2(size_t(w2.dim()), 1);
            view1[0] = -1;
            view2[dw ? 0 : 1] = -1;
            weight[a] = w1 / s.view(view1);
            if (bias.count(a))
                bias[a] = bias[a] / s;
            if (bound.count(a)) // ReLU6(y) / s = clamp(y / s, 0, 6 / s)
                bound[a] = bound[a] / s.view(bound[a].sizes());
            weight[b] = w2 * s.view(view2);
            total[size_t(k)] = total[size_t(k)] * s;
            moved = std::max(moved, (s - 1).abs().max().item<double>());
        }
        if (moved <= 1e-8)
            break;
    }
    r.rounds = std::min(r.rounds, 100);
    std::vector<at::Tensor> absorbed(size_t(pairs.size()));
    if (absorbHighBias)
        for (qsizetype k = 0; k < pairs.size(); ++k) {
            const auto [a, b] = pairs[k];
            const auto bn = m.foldedBatchNorms.find(m.sites[size_t(a)].weightPath);
            if (bn == m.foldedBatchNorms.end() || !bias.count(a) || !bias.count(b))
                continue; // AIMET's too: β and γ come from the first layer's batch norm, both biases move
            // The batch norm's output, as equalization scaled the channels: mean β / s, spread |γ| / s.
            const at::Tensor gamma = m.tensorAt(bn->second.first) / total[size_t(k)];
            const at::Tensor beta = m.tensorAt(bn->second.second) / total[size_t(k)];
            const at::Tensor c = joinedByActivation[size_t(k)] ? at::clamp_min(beta - 3 * gamma.abs(), 0) : beta;
            const at::Tensor& w2 = weight[b];
            const at::Tensor through = depthwise(w2, c.size(0)) ? w2.flatten(1).sum(1) * c       // per channel
                                                                : at::matmul(w2.flatten(2).sum(2).view({w2.size(0), -1}), c);
            bias[a] = bias[a] - c;
            bias[b] = bias[b] + through;
            if (bound.count(a)) // clamp(y − c, 0, 6/s − c) + c = ReLU6(y)/s where y ≥ c
                bound[a] = bound[a] - c.view(bound[a].sizes());
            absorbed[size_t(k)] = c;
        }
    for (qsizetype k = 0; k < pairs.size(); ++k) {
        EqualizedPair p;
        p.first = m.layers[pairs[k].first].name;
        p.second = m.layers[pairs[k].second].name;
        const at::Tensor t = total[size_t(k)].to(at::kDouble).contiguous();
        p.scales = QVector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
        if (absorbed[size_t(k)].defined()) {
            const at::Tensor c = absorbed[size_t(k)].to(at::kDouble).contiguous();
            p.absorbed = QVector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
        }
        r.pairs << p;
    }
    for (const auto& [s, w] : weight)
        swapSiteWeight(m.module, m, s, w);
    for (const auto& [s, v] : bias)
        swapTensor(m.module, m.sites[size_t(s)].biasPath, v);
    for (const auto& [s, v] : bound)
        swapTensor(m.module, m.clampBounds.at(s), v);
    return r;
}

} // namespace qs
