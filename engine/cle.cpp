#include "cle.h"

#include "graph_p.h"
#include "model_p.h"
#include "techniques_p.h"
#include "trial_p.h"

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

CleResult crossLayerEqualize(Model& model)
{
    return crossLayerEqualize(model.impl());
}

void withEqualizedWeights(Model& model, const std::function<void()>& fn)
{
    ScopedTensors scope(model.impl().module);
    applyEqualization(model.impl(), scope);
    fn();
}

QVector<QPair<int, int>> equalizablePairs(const Model::Impl& m)
{
    const ModelGraph g = modelGraph(m, nullptr);
    std::map<int, QVector<int>> next, previous;
    for (const auto& [from, to] : g.edges) {
        next[from] << to;
        previous[to] << from;
    }
    QVector<QPair<int, int>> pairs;
    for (int a = 0; a < g.nodes.size(); ++a) {
        const GraphNode& first = g.nodes[a];
        if (first.kind != GraphNode::Layer || first.layers.size() != 1 || !isConvOrLinear(first.op) || next[a].size() != 1)
            continue;
        int b = next[a].first();
        if (g.nodes[b].kind == GraphNode::Op && (g.nodes[b].op == QLatin1String("relu") || g.nodes[b].op == QLatin1String("relu_"))) {
            if (next[b].size() != 1 || previous[b].size() != 1)
                continue;
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
        pairs << qMakePair(s1, s2);
    }
    return pairs;
}

CleResult crossLayerEqualize(Model::Impl& m)
{
    c10::InferenceMode guard;
    const QVector<QPair<int, int>> pairs = equalizablePairs(m);
    std::map<int, at::Tensor> weight, bias;
    for (const auto& [a, b] : pairs)
        for (int s : {a, b}) {
            weight[s] = m.weight(s).clone();
            if (!m.sites[size_t(s)].biasPath.empty())
                bias[s] = m.tensorAt(m.sites[size_t(s)].biasPath).clone();
        }
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
            weight[b] = w2 * s.view(view2);
            total[size_t(k)] = total[size_t(k)] * s;
            moved = std::max(moved, (s - 1).abs().max().item<double>());
        }
        if (moved <= 1e-8)
            break;
    }
    r.rounds = std::min(r.rounds, 100);
    for (qsizetype k = 0; k < pairs.size(); ++k) {
        EqualizedPair p;
        p.first = m.layers[pairs[k].first].name;
        p.second = m.layers[pairs[k].second].name;
        const at::Tensor t = total[size_t(k)].to(at::kDouble).contiguous();
        p.scales = QVector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
        r.pairs << p;
    }
    for (const auto& [s, w] : weight)
        swapSiteWeight(m.module, m, s, w);
    for (const auto& [s, v] : bias)
        swapTensor(m.module, m.sites[size_t(s)].biasPath, v);
    return r;
}

} // namespace qs
