// AdaRound (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training Quantization"):
// each weight rounded up or down as learnt from the layer's output on calibration inputs, with
// AIMET's relaxation and schedule; tests/reference/make_adaround_reference.py is the reference.

#include "techniques_p.h"

#include "graph_p.h"

#include <torch/optim/adam.h>

#include <cmath>

namespace qs {

namespace {

constexpr double kZeta = 1.1, kGamma = -0.1;

/// The qparams as tensors that broadcast against the weight: per tensor, or per output channel
/// (axis 0), in float32 as PyTorch keeps them.
std::pair<at::Tensor, at::Tensor> scaleAndZero(const at::Tensor& w, const QParams& q)
{
    std::vector<int64_t> shape(size_t(w.dim()), 1);
    if (q.axis >= 0)
        shape[0] = -1;
    const at::Tensor s = torch::tensor(std::vector<double>(q.scale.begin(), q.scale.end()), at::kFloat).view(shape);
    std::vector<double> zeros(q.zeroPoint.begin(), q.zeroPoint.end());
    const at::Tensor z = torch::tensor(zeros, at::kFloat).view(shape);
    return {s, z};
}

/// AIMET's reconstruction loss: the squared error summed over output channels (dimension 1 of
/// a convolution's output, the last of a linear layer's), averaged over everything else.
at::Tensor reconstructionLoss(const at::Tensor& out, const at::Tensor& target, bool conv)
{
    return (out - target).pow(2).sum(conv ? 1 : -1).mean();
}

} // namespace

bool adaRoundApplies(const Model::Impl& m, int site, const QParams& q)
{
    return m.sites[size_t(site)].call.known && !m.sites[size_t(site)].recurrent() && !q.scale.isEmpty() &&
           (q.axis < 0 ? q.scale.size() == 1 : q.axis == 0 && m.sites[size_t(site)].channelAxis == 0);
}

at::Tensor siteForward(const Model::Impl& m, int site, const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias)
{
    const SiteRef::Call& c = m.sites[size_t(site)].call;
    if (!c.conv)
        return at::linear(x, w, bias);
    return at::convolution(x, w, bias, c.stride, c.padding, c.dilation, false, std::vector<int64_t>(c.stride.size(), 0),
                           c.groups);
}

at::Tensor roundedWeight(const at::Tensor& w, const QParams& q, const at::Tensor& up)
{
    const auto [s, z] = scaleAndZero(w, q);
    return s * (at::clamp(at::floor(w / s) + z + up, double(q.quantMin), double(q.quantMax)) - z);
}

at::Tensor SiteActivation::operator()(const at::Tensor& x) const
{
    switch (kind) {
    case Relu:
        return at::relu(x);
    case Clamp:
        return highs.defined() ? at::minimum(at::clamp_min(x, low), highs) : at::clamp(x, low, high);
    case None:
        break;
    }
    return x;
}

SiteActivation followingActivation(const Model::Impl& m, int site)
{
    std::vector<torch::jit::Node*> nodes;
    const ModelGraph g = modelGraph(m, &nodes);
    const int at = g.nodeOfLayer(site);
    int next = -1, uses = 0;
    for (const auto& [from, to] : g.edges)
        if (from == at) {
            next = to;
            ++uses;
        }
    SiteActivation a;
    if (at < 0 || uses != 1 || g.nodes[next].kind != GraphNode::Op || g.nodes[at].layers.size() != 1)
        return a;
    const QString op = g.nodes[next].label; // without a trailing '_'
    if (const auto bound = m.clampBounds.find(site); g.nodes[next].op == QLatin1String("clamp") && bound != m.clampBounds.end()) {
        a = {SiteActivation::Clamp, 0, 0};
        a.highs = m.tensorAt(bound->second).clone(); // per channel (divided by CLE's scales in a CLE trial)
    } else if (op == QLatin1String("relu")) {
        a.kind = SiteActivation::Relu;
    } else if (op == QLatin1String("relu6")) {
        a = {SiteActivation::Clamp, 0, 6};
    } else if (op == QLatin1String("hardtanh")) {
        const torch::jit::Node* n = nodes[size_t(next)];
        const auto low = torch::jit::constant_as<double>(n->input(1)), high = torch::jit::constant_as<double>(n->input(2));
        if (low && high)
            a = {SiteActivation::Clamp, *low, *high};
    }
    return a;
}

QString SiteActivation::name() const
{
    if (kind == Relu)
        return QStringLiteral("relu");
    if (kind == Clamp)
        return QStringLiteral("clamp(%1, %2)").arg(low).arg(high);
    return {};
}

AdaRoundLayer adaRound(const Model::Impl& m, int site, const at::Tensor& weight, const QParams& q, const AdaRoundData& data,
                       const AdaRoundOptions& o, const JobControl& control)
{
    c10::InferenceMode off(false);
    torch::AutoGradMode grad(true);
    // Normal tensors (not inference tensors): autograd saves them. Detached: a model's
    // parameters may require grad (PyTorch saves them so), and only V is learnt here.
    const at::Tensor w = weight.detach().clone(), x = data.inputs.detach().clone(), xt = data.targetInputs.detach().clone();
    const at::Tensor b = data.bias.defined() ? data.bias.detach().clone() : at::Tensor();
    SiteActivation act = data.activation;
    if (act.highs.defined())
        act.highs = act.highs.detach().clone();
    const bool conv = m.sites[size_t(site)].call.conv;
    const auto [s, z] = scaleAndZero(w, q);
    const at::Tensor floor = at::floor(w / s);
    const at::Tensor rest = w / s - floor;
    at::Tensor v = (-at::log((kZeta - kGamma) / (rest - kGamma) - 1)).detach().clone().set_requires_grad(true);
    auto h = [](const at::Tensor& v) { return at::clamp(at::sigmoid(v) * (kZeta - kGamma) + kGamma, 0, 1); };
    auto weightOf = [&](const at::Tensor& rounding) {
        return s * (at::clamp(floor + z + rounding, double(q.quantMin), double(q.quantMax)) - z);
    };
    auto output = [&](const at::Tensor& in, const at::Tensor& weight) { return act(siteForward(m, site, in, weight, b)); };
    torch::optim::Adam adam({v}, torch::optim::AdamOptions(o.learningRate));
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    const int warm = int(o.warmStart * o.iterations);
    for (int t = 0; t < o.iterations; ++t) {
        if (t % 50 == 0)
            control.checkCancelled();
        const at::Tensor idx = at::randint(0, x.size(0), {o.batchSize}, gen, at::TensorOptions().dtype(at::kLong));
        at::Tensor target;
        {
            torch::NoGradGuard noGrad;
            target = output(xt.index_select(0, idx), w);
        }
        at::Tensor loss = reconstructionLoss(output(x.index_select(0, idx), weightOf(h(v))), target, conv);
        if (t >= warm) {
            const double rel = double(t - warm) / double(o.iterations - warm);
            const double beta = o.betaEnd + 0.5 * (o.betaStart - o.betaEnd) * (1 + std::cos(rel * M_PI));
            loss = loss + o.regularization * (1 - (2 * h(v) - 1).abs().pow(beta)).sum();
        }
        adam.zero_grad();
        loss.backward();
        adam.step();
    }
    AdaRoundLayer r;
    torch::NoGradGuard noGrad;
    r.up = v.detach().ge(0).to(at::kFloat);
    const at::Tensor nearest = rest.ge(0.5).to(at::kFloat);
    const at::Tensor target = output(xt, w);
    r.lossNearest = reconstructionLoss(output(x, weightOf(nearest)), target, conv).item<double>();
    r.weight = weightOf(r.up);
    r.lossAfter = reconstructionLoss(output(x, r.weight), target, conv).item<double>();
    r.flippedShare = r.up.ne(nearest).to(at::kDouble).mean().item<double>();
    if (r.lossAfter > r.lossNearest) { // too few iterations to settle: never worse than nearest on its own inputs
        r.keptNearest = true;
        r.up = nearest;
        r.weight = weightOf(nearest);
        r.lossAfter = r.lossNearest;
        r.flippedShare = 0;
    }
    return r;
}

} // namespace qs
