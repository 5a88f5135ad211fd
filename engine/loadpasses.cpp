// Graph passes run when a model loads, before its sites are found: branches whose condition
// is fixed by the module's settings or by the fused fast paths QuantScope cannot measure.

#include "model_p.h"

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>

#include <set>

namespace qs {

using torch::jit::Node;
using torch::jit::Value;

/// Replaces reads of the module's bool attributes (torchvision's `use_res_connect`, `training`)
/// with their values and folds the branches they choose, as torch.jit.freeze does: a site
/// inside an untaken branch would otherwise be measured twice or never run. Not when forward
/// sets attributes. Returns whether anything folded.
bool foldBoolAttributes(std::shared_ptr<torch::jit::Graph>& graph, const torch::jit::Module& module)
{
    using namespace torch::jit;
    std::vector<Node*> reads;
    bool sets = false;
    forEachNode(graph->block(), [&](Node* n) {
        sets = sets || n->kind() == c10::prim::SetAttr;
        if (n->kind() == c10::prim::GetAttr && n->output()->type()->kind() == c10::TypeKind::BoolType)
            reads.push_back(n);
    });
    if (sets)
        return false;
    Value* self = graph->inputs().at(0);
    bool folded = false;
    for (Node* n : reads) {
        const std::vector<std::string> path = attributePath(n->output(), self);
        if (path.empty())
            continue;
        c10::IValue v = module._ivalue();
        for (const std::string& name : path) {
            if (!v.isObject() || !v.toObject()->type()->hasAttribute(name))
                break;
            v = v.toObject()->getAttr(name);
        }
        if (!v.isBool())
            continue;
        WithInsertPoint point(n);
        n->output()->replaceAllUsesWith(graph->insertConstant(v.toBool()));
        folded = true;
    }
    if (folded) {
        ConstantPropagation(graph);
        EliminateDeadCode(graph);
    }
    return folded;
}


/// PyTorch's built-in transformer modules (nn.TransformerEncoderLayer, nn.MultiheadAttention)
/// take a fused "fast path" in inference — one op for a whole layer — that bypasses the
/// aten::linear calls QuantScope measures and quantizes. The unfused path computes the same, and
/// PyTorch itself takes it whenever gradients are on. Every prim::If with the fused op directly in
/// one branch is fixed to the other branch (its condition replaced by a constant everywhere).
/// Returns whether any was.
bool takeUnfusedTransformerPaths(torch::jit::Graph& graph)
{
    static const std::set<std::string> fused = {"aten::_transformer_encoder_layer_fwd",
                                                "aten::_native_multi_head_attention",
                                                "aten::_transformer_decoder_only_layer_fwd"};
    auto callsFused = [](torch::jit::Block* b) {
        for (Node* n : b->nodes())
            if (fused.count(n->kind().toQualString()))
                return true;
        return false;
    };
    bool changed = false;
    forEachNode(graph.block(), [&](Node* n) {
        if (n->kind() != c10::prim::If || n->blocks().size() != 2)
            return;
        const bool inThen = callsFused(n->blocks()[0]), inElse = callsFused(n->blocks()[1]);
        if (inThen == inElse)
            return;
        // The condition, not just this If's input: TorchScript's early-return lowering tests
        // the same value again to pick the return value after the branch.
        Value* condition = n->input(0);
        torch::jit::WithInsertPoint guard(graph.block()->nodes().front());
        condition->replaceAllUsesWith(graph.insertConstant(!inThen));
        changed = true;
    });
    return changed;
}

BatchNormPaths convBatchNormPairs(const torch::jit::Module& module)
{
    BatchNormPaths out;
    try {
        auto graph = torch::jit::toGraphFunction(module.get_method("forward").function()).graph()->copy();
        torch::jit::Inline(*graph);
        Value* self = graph->inputs().at(0);
        forEachNode(graph->block(), [&](Node* n) {
            if (n->kind() != c10::aten::batch_norm)
                return;
            const Node* conv = n->input(0)->node();
            const std::string kind = conv->kind().toQualString();
            if (kind != "aten::_convolution" && kind != "aten::conv1d" && kind != "aten::conv2d" && kind != "aten::conv3d")
                return;
            auto weight = attributePath(conv->input(1), self);
            auto gamma = attributePath(n->input(1), self), beta = attributePath(n->input(2), self);
            if (!weight.empty() && !gamma.empty() && !beta.empty())
                out[weight] = {gamma, beta};
        });
    } catch (const std::exception&) { // a graph that cannot be read so: no batch norms known
    }
    return out;
}

std::vector<std::string> biasSlot(Model::Impl& d, Node* call, int biasInput, int site)
{
    const std::string name = "_quantscope_linear_bias" + std::to_string(site);
    d.module.register_attribute(name, c10::OptionalType::create(c10::TensorType::get()), c10::IValue());
    torch::jit::WithInsertPoint point(call);
    call->replaceInput(size_t(biasInput), d.graph->insertGetAttr(d.graph->inputs().at(0), name));
    return {name};
}

} // namespace qs
