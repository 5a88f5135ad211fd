#include "instrument.h"

#include "model_p.h"

#include <torch/csrc/jit/ir/ir.h>

namespace qs {

namespace {

thread_local ProbeHandler* t_handler = nullptr;

at::Tensor probe(const at::Tensor& x, int64_t site, int64_t role)
{
    if (!t_handler)
        return x;
    return t_handler->onProbe(x, int(site), ProbeRole(role));
}

const c10::Symbol kProbe = c10::Symbol::fromQualString("quantscope::probe");

} // namespace

// CONSERVATIVE: the probe has side effects (statistics), so the optimiser must neither drop
// nor reorder it.
TORCH_LIBRARY(quantscope, m)
{
    m.def(torch::schema("quantscope::probe(Tensor x, int site, int role) -> Tensor",
                        c10::AliasAnalysisKind::CONSERVATIVE),
          &probe);
}

ProbeHandler* currentProbeHandler()
{
    return t_handler;
}

ScopedProbeHandler::ScopedProbeHandler(ProbeHandler* handler) : m_previous(t_handler)
{
    t_handler = handler;
}

ScopedProbeHandler::~ScopedProbeHandler()
{
    t_handler = m_previous;
}

void insertProbes(torch::jit::Graph& graph, const std::vector<ProbePoint>& points)
{
    using namespace torch::jit;
    for (const ProbePoint& p : points) {
        Node* n = p.node;
        if (p.activationInput >= 0) {
            WithInsertPoint guard(n);
            Value* in = n->input(size_t(p.activationInput));
            Value* probed = graph.insert(kProbe, {in, int64_t(p.site), int64_t(ProbeRole::Input)});
            probed->setType(in->type());
            n->replaceInput(size_t(p.activationInput), probed);
        }
        Value* out = n->output(0);
        WithInsertPoint guard(n->next());
        Value* probed = graph.insert(kProbe, {out, int64_t(p.site), int64_t(ProbeRole::Output)});
        probed->setType(out->type());
        out->replaceAllUsesAfterNodeWith(probed->node(), probed);
    }
}

} // namespace qs
