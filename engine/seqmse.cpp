// Sequential MSE (AIMET's SeqMSE): each layer's weight range chosen among candidates shrinking
// from min/max by the error they cause at the layer's output on calibration inputs;
// tests/reference/make_seqmse_reference.py is the reference.

#include "techniques_p.h"

#include "observers_p.h"
#include "trialprobes_p.h"

namespace qs {

namespace {

/// The squared, absolute or −SQNR error of `y` against `target`, per output channel (dimension 1
/// of a convolution's output, the last of a linear layer's), in double.
at::Tensor channelLoss(const at::Tensor& y, const at::Tensor& target, SeqMseLoss loss, bool conv)
{
    const int64_t channel = conv ? 1 : y.dim() - 1;
    std::vector<int64_t> others;
    for (int64_t d = 0; d < y.dim(); ++d)
        if (d != channel)
            others.push_back(d);
    const at::Tensor e = y - target;
    switch (loss) {
    case SeqMseLoss::Mse: return e.pow(2).sum(others);
    case SeqMseLoss::L1: return e.abs().sum(others);
    case SeqMseLoss::Sqnr: return -10 * at::log10(target.pow(2).sum(others) / e.pow(2).sum(others));
    }
    return {};
}

QVector<float> floats(const at::Tensor& t)
{
    const at::Tensor c = t.to(at::kFloat).contiguous();
    return QVector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

} // namespace

bool seqMseApplies(const Model::Impl& m, int site, const QuantSpec& spec)
{
    const SiteRef& ref = m.sites[size_t(site)];
    return ref.call.known && !ref.recurrent() && ref.channelAxis == 0 && spec.type == QuantType::Int &&
           spec.granularity != Granularity::Group;
}

SeqMseLayer seqMse(const Model::Impl& m, int site, const at::Tensor& weight, const QuantSpec& spec, const at::Tensor& inputs,
                   SeqMseLoss loss, const JobControl& control, int candidates)
{
    c10::InferenceMode guard;
    const bool conv = m.sites[size_t(site)].call.conv;
    const bool perChannel = spec.granularity == Granularity::PerChannel;
    const at::Tensor rows = weight.flatten(1);
    // The ranges candidates shrink from: per channel (or for the tensor), min and max, or ±|max|.
    at::Tensor lo = perChannel ? std::get<0>(rows.min(1)) : rows.min().reshape({1});
    at::Tensor hi = perChannel ? std::get<0>(rows.max(1)) : rows.max().reshape({1});
    if (spec.symmetric) {
        hi = at::maximum(lo.abs(), hi.abs());
        lo = -hi;
    }
    auto qparamsFor = [&](const at::Tensor& l, const at::Tensor& h) {
        QParams q = calculateQParams(floats(l), floats(h), spec);
        q.axis = perChannel ? 0 : -1;
        return q;
    };
    const at::Tensor target = siteForward(m, site, inputs, weight).to(at::kDouble);
    std::vector<at::Tensor> table;
    std::vector<QParams> qparams;
    for (int k = 1; k <= candidates; ++k) {
        control.checkCancelled();
        // k/candidates of the range, in float32 as the reference computes it.
        const at::Tensor l = lo / float(candidates) * float(k), h = hi / float(candidates) * float(k);
        qparams.push_back(qparamsFor(l, h));
        const at::Tensor y = siteForward(m, site, inputs, fakeQuantize(weight, qparams.back())).to(at::kDouble);
        at::Tensor c = channelLoss(y, target, loss, conv);
        if (!perChannel) // one range for the tensor: the whole output's error
            c = loss == SeqMseLoss::Sqnr ? -10 * at::log10(target.pow(2).sum() / (y - target).pow(2).sum()).reshape({1})
                                         : c.sum().reshape({1});
        table.push_back(c);
    }
    const at::Tensor chosen = at::stack(table).argmin(0).contiguous(); // the first of equal losses
    SeqMseLayer r;
    QVector<float> l, h;
    for (int64_t c = 0; c < chosen.numel(); ++c) {
        const int k = int(chosen[c].item<int64_t>());
        r.chosen << k + 1;
        l << float(lo[c].item<float>() / float(candidates) * float(k + 1));
        h << float(hi[c].item<float>() / float(candidates) * float(k + 1));
    }
    r.qparams = calculateQParams(l, h, spec);
    r.qparams.axis = perChannel ? 0 : -1;
    r.weight = fakeQuantize(weight, r.qparams);
    r.outputMseMinMax = (siteForward(m, site, inputs, fakeQuantize(weight, qparams.back())).to(at::kDouble) - target).pow(2).mean().item<double>();
    r.outputMse = (siteForward(m, site, inputs, r.weight).to(at::kDouble) - target).pow(2).mean().item<double>();
    return r;
}

} // namespace qs
