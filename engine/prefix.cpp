#include "prefix_p.h"

#include "recurrent_p.h"

#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/ir.h>

#include <functional>
#include <unordered_map>

namespace qs {

namespace {

using torch::jit::Graph;
using torch::jit::GraphFunction;
using torch::jit::Node;
using torch::jit::Value;

/// The top-level node that holds `n` (n itself when it is at the top level).
Node* topLevel(Node* n, torch::jit::Block* top)
{
    while (n->owningBlock() != top)
        n = n->owningBlock()->owningNode();
    return n;
}

/// Values defined before top-level node `at` (the graph's inputs included; constants and
/// attribute reads not) that `at` or anything after it uses: what a graph cut before `at` must
/// carry across.
std::vector<Value*> liveAt(Graph& g, Node* at)
{
    torch::jit::Block* top = g.block();
    std::vector<Value*> candidates(g.inputs().begin(), g.inputs().end());
    for (Node* n : g.nodes()) {
        if (n == at)
            break;
        if (n->kind() == c10::prim::Constant || n->kind() == c10::prim::GetAttr)
            continue; // copied into the part that uses them: a trial swaps weights between runs
        for (Value* v : n->outputs())
            candidates.push_back(v);
    }
    std::vector<Value*> live;
    for (Value* v : candidates) {
        bool used = false;
        for (const torch::jit::Use& use : v->uses()) {
            Node* user = use.user == g.return_node() ? nullptr : topLevel(use.user, top);
            used = used || !user || !user->isBefore(at);
        }
        if (used || v == g.inputs().at(0)) // self first, always: the segment reads attributes through it
            live.push_back(v);
    }
    return live;
}

/// The top-level nodes [begin, end) of `g` as a graph of their own, taking `inputs` and
/// returning `outputs` as a tuple (null: returning what `g` returns). Constants are copied in.
std::shared_ptr<Graph> segment(Graph& g, const std::vector<Value*>& inputs, Node* begin, Node* end,
                               const std::vector<Value*>* outputs)
{
    auto s = std::make_shared<Graph>();
    std::unordered_map<Value*, Value*> map;
    for (Value* v : inputs)
        map[v] = s->addInput()->copyMetadata(v);
    Node* lastCopied = nullptr; // constants and attribute reads copied in, at the start
    std::function<Value*(Value*)> lookup = [&](Value* v) -> Value* {
        if (const auto it = map.find(v); it != map.end())
            return it->second;
        const c10::Symbol kind = v->node()->kind();
        if (kind != c10::prim::Constant && kind != c10::prim::GetAttr)
            throw std::out_of_range("a value crosses the cut that is not carried");
        Node* c = s->createClone(v->node(), lookup); // an attribute read: its module first
        if (lastCopied)
            c->insertAfter(lastCopied);
        else
            s->block()->prependNode(c);
        lastCopied = c;
        return map[v] = c->output();
    };
    for (Node* n = begin; n != end; n = n->next()) {
        Node* c = s->createClone(n, lookup);
        s->appendNode(c);
        for (size_t i = 0; i < n->outputs().size(); ++i)
            map[n->output(i)] = c->output(i);
    }
    if (outputs) {
        std::vector<Value*> outs;
        for (Value* v : *outputs)
            outs.push_back(lookup(v));
        s->registerOutput(s->insertNode(s->createTuple(outs))->output());
    } else {
        for (Value* v : g.outputs())
            s->registerOutput(lookup(v));
    }
    s->lint();
    return s;
}

std::unique_ptr<GraphFunction> function(std::shared_ptr<Graph> graph)
{
    return std::make_unique<GraphFunction>(c10::QualifiedName("quantscope.segment"), std::move(graph), nullptr);
}

qint64 bytesOf(const std::vector<c10::IValue>& values)
{
    qint64 bytes = 0;
    for (const c10::IValue& v : values)
        if (v.isTensor())
            bytes += qint64(v.toTensor().nbytes());
    return bytes;
}

} // namespace

struct PrefixCache::Cut {
    int site = -1;
    QString why;                             ///< not empty: no cut here
    Node* at = nullptr;                      ///< the site's input probe, at the top level of the model's graph
    std::vector<Value*> live;                ///< carried across, self first
    std::unique_ptr<GraphFunction> fromInputs; ///< the graph's inputs → the live values
    std::unique_ptr<GraphFunction> rest;       ///< the live values → what the model returns
    std::vector<bool> written;                 ///< per live value: the rest writes to it in place
    std::map<int, std::unique_ptr<GraphFunction>> fromCut; ///< an earlier cut's live values → these
};

PrefixCache::PrefixCache(Model::Impl& model, qint64 budgetBytes) : m_model(model), m_budget(budgetBytes) {}

PrefixCache::~PrefixCache() = default;

PrefixCache::Cut* PrefixCache::cut(int site)
{
    if (const auto it = m_cuts.find(site); it != m_cuts.end())
        return it->second.get();
    auto c = std::make_unique<Cut>();
    c->site = site;
    Graph& g = *m_model.graph;
    torch::jit::Block* top = g.block();
    const c10::Symbol probe = c10::Symbol::fromQualString("quantscope::probe");
    // Where each site is: its probes (or, for LSTM and GRU layers, their call), by top-level node.
    std::map<int, std::vector<Node*>> where;
    forEachNode(top, [&](Node* n) {
        if (n->kind() != probe)
            return;
        const int s = int(torch::jit::toIValue(n->input(1))->toInt());
        where[s].push_back(topLevel(n, top));
        if (n->owningBlock() == top && s == site && torch::jit::toIValue(n->input(2))->toInt() == int64_t(ProbeRole::Input))
            c->at = n;
    });
    for (Node* call : recurrentCalls(g)) { // one site per layer and direction
        const int first = recurrentFirstSite(call);
        const auto layers = torch::jit::constant_as<int64_t>(call->input(4));
        const auto bidirectional = torch::jit::constant_as<bool>(call->input(7));
        const int cells = layers && bidirectional ? int(*layers * (*bidirectional ? 2 : 1)) : int(m_model.layers.size()) - first;
        for (int s = first; s < first + cells; ++s)
            where[s].push_back(topLevel(call, top));
    }
    if (!c->at)
        c->why = QStringLiteral("its input is not probed at the top level of the graph (inside a branch or loop, or "
                                "a layer without an input probe)");
    for (const auto& [s, nodes] : where)
        for (Node* n : nodes)
            if (c->why.isEmpty() && (s < site) != n->isBefore(c->at))
                c->why = QStringLiteral("layers before it in the model's order run after it in the graph");
    if (c->why.isEmpty()) {
        try {
            c->live = liveAt(g, c->at);
            const std::vector<Value*> inputs(g.inputs().begin(), g.inputs().end());
            c->fromInputs = function(segment(g, inputs, g.nodes().front(), c->at, &c->live));
            const std::shared_ptr<Graph> rest = segment(g, c->live, c->at, g.return_node(), nullptr);
            torch::jit::AliasDb aliases(rest);
            for (Value* in : rest->inputs())
                c->written.push_back(aliases.hasWriters(in));
            c->rest = function(rest);
        } catch (const std::exception& e) {
            c->why = QStringLiteral("the graph cannot be cut there (%1)").arg(QString::fromUtf8(e.what()).section(u'\n', 0, 0));
        }
    }
    return (m_cuts[site] = std::move(c)).get();
}

QString PrefixCache::whyNotCut(int site)
{
    if (site <= 0)
        return QStringLiteral("it is the first layer");
    return cut(site)->why;
}

std::vector<c10::IValue> PrefixCache::valuesAt(Cut& c, const Kept* kept, const at::Tensor& x)
{
    ScopedProbeHandler idle(nullptr); // the float model: nothing to observe or quantize
    c10::IValue out;
    if (kept && kept->site < c.site) {
        // From the values kept at an earlier cut: only the layers between the two run.
        const Cut& from = *cut(kept->site);
        auto& fn = c.fromCut[from.site];
        if (!fn)
            fn = function(segment(*m_model.graph, from.live, from.at, c.at, &c.live));
        out = (*fn)(kept->values);
    } else {
        out = (*c.fromInputs)(std::vector<c10::IValue>{m_model.module._ivalue(), x});
    }
    const auto& elements = out.toTupleRef().elements();
    return std::vector<c10::IValue>(elements.begin(), elements.end());
}

std::optional<c10::IValue> PrefixCache::runFrom(int site, qint64 index, const at::Tensor& x)
{
    Cut* c = cut(site);
    if (!c->why.isEmpty() || m_budget <= 0)
        return std::nullopt;
    std::vector<c10::IValue> values;
    const auto kept = m_kept.find(index);
    if (kept != m_kept.end() && kept->second.site == site) {
        values = kept->second.values;
    } else {
        values = valuesAt(*c, kept != m_kept.end() ? &kept->second : nullptr, x);
        if (kept != m_kept.end()) {
            m_keptBytes -= bytesOf(kept->second.values);
            m_kept.erase(kept);
        }
        const qint64 bytes = bytesOf(values);
        if (m_keptBytes + bytes <= m_budget) {
            m_kept[index] = Kept{site, values};
            m_keptBytes += bytes;
        } else {
            ++m_notKept; // used this once; computed from the inputs again next time
        }
    }
    for (size_t i = 0; i < values.size(); ++i)
        if (c->written[i] && values[i].isTensor())
            values[i] = values[i].toTensor().clone(); // the rest writes to it in place: the kept value stays
    return (*c->rest)(std::move(values));
}

} // namespace qs
