#include "trialprobes_p.h"

#include <cmath>
#include <limits>

namespace qs {

namespace {

/// The elements where both tensors are finite (all of them, without copying, in the usual case):
/// where the float model itself gives NaN or infinity there is no error to measure.
std::pair<at::Tensor, at::Tensor> finitePairs(const at::Tensor& a, const at::Tensor& b, ErrorSums& s)
{
    const at::Tensor ok = at::isfinite(a).logical_and_(at::isfinite(b));
    if (ok.all().item<bool>())
        return {a, b};
    s.nonFinite = true;
    return {a.masked_select(ok), b.masked_select(ok)};
}

} // namespace

double decibels(double signal, double noise)
{
    return noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
}

at::Tensor fakeQuantize(const at::Tensor& x, const QParams& q)
{
    if (q.axis < 0)
        return fakeQuantizePerTensor(x, q.scale[0], q.zeroPoint[0], q.quantMin, q.quantMax);
    const at::Tensor scale = torch::tensor(std::vector<double>(q.scale.begin(), q.scale.end()), at::kFloat);
    // LibTorch 1.13 wants int32 zero points here, though the observers give int64.
    const at::Tensor zp =
        torch::tensor(std::vector<int64_t>(q.zeroPoint.begin(), q.zeroPoint.end()), at::kInt);
    return at::fake_quantize_per_channel_affine(x, scale, zp, q.axis, q.quantMin, q.quantMax);
}

at::Tensor castThrough(const at::Tensor& x, const QuantSpec& s)
{
    if (s.type == QuantType::Float16)
        return x.to(at::kHalf).to(x.scalar_type());
    if (s.type == QuantType::BFloat16)
        return x.to(at::kBFloat16).to(x.scalar_type());
    return x;
}

at::Tensor CaptureProbe::onProbe(const at::Tensor& x, int site, ProbeRole role)
{
    if (outputs && role == ProbeRole::Output)
        (*outputs)[size_t(site)] = x.clone(); // later in-place ops (relu_) must not change it
    return x;
}

at::Tensor CalibrationProbe::onProbe(const at::Tensor& x, int site, ProbeRole role)
{
    if (role != ProbeRole::Input || !observers[size_t(site)])
        return x;
    const at::Tensor finite = at::isfinite(x);
    if (finite.all().item<bool>()) {
        observers[size_t(site)]->observe(x);
        return x;
    }
    // One NaN pixel must not make every range NaN (or 1): the ranges are of the finite
    // values, as the profile's statistics are, and the trial says what was left out.
    const at::Tensor bad = finite.logical_not();
    if (nonFiniteLayers.isEmpty() || nonFiniteLayers.first() == (layers ? (*layers)[site].name : QString::number(site)))
        nonFinite += bad.sum().item<int64_t>(); // counted where they first appear; later layers inherit them
    if (x.dim() >= 1) {
        const at::Tensor rows = bad.reshape({x.size(0), -1}).any(1).nonzero().flatten();
        for (int64_t i = 0; i < rows.numel(); ++i)
            nonFiniteSamples.insert(batchStart + rows[i].item<int64_t>());
    }
    const QString name = layers ? (*layers)[site].name : QString::number(site);
    if (!nonFiniteLayers.contains(name))
        nonFiniteLayers << name;
    const at::Tensor kept = x.masked_select(finite);
    if (kept.numel() > 0)
        observers[size_t(site)]->observe(kept);
    return x;
}

ErrorSums outputSums(const at::Tensor& ref, const at::Tensor& out)
{
    ErrorSums s;
    s.outCount = out.numel();
    if (const ErrorMoments m = errorMoments(ref, out); m.valid) {
        s.outSignal = s.refNorm = m.refSquares;
        s.outNoise = m.noise;
        s.dot = m.dot;
        s.outNorm = m.outSquares;
        s.maxAbs = m.maxAbs;
        return s;
    }
    const auto [r, x] = finitePairs(ref, out, s);
    const at::Tensor diff = x - r;
    s.outSignal = s.refNorm = r.square().sum().item<double>();
    s.outNoise = diff.square().sum().item<double>();
    s.dot = (r * x).sum().item<double>();
    s.outNorm = x.square().sum().item<double>();
    s.maxAbs = diff.numel() > 0 ? diff.abs().max().item<double>() : 0.0;
    s.outCount = x.numel();
    return s;
}

void addOutputSums(ErrorSums& total, const ErrorSums& batch)
{
    total.nonFinite = total.nonFinite || batch.nonFinite;
    total.outSignal += batch.outSignal;
    total.refNorm += batch.refNorm;
    total.outNoise += batch.outNoise;
    total.dot += batch.dot;
    total.outNorm += batch.outNorm;
    total.maxAbs = std::max(total.maxAbs, batch.maxAbs);
    total.outCount += batch.outCount;
}

at::Tensor QuantizeProbe::onProbe(const at::Tensor& x, int site, ProbeRole role)
{
    ErrorSums& s = sums[site];
    if (role == ProbeRole::Output) {
        const at::Tensor& out = x;
        if (reference) {
            const at::Tensor& ref = (*reference)[size_t(site)];
            addOutputSums(s, outputSums(ref, out));
            if (isolate)
                return ref.clone(); // later in-place ops must not change the reference
        }
        return out;
    }
    const QuantSpec& spec = specs[site];
    at::Tensor q = x;
    if (spec.type == QuantType::Int) {
        if (dynamic) {
            auto observer = makeObserver(spec);
            observer->observe(x);
            q = fakeQuantize(x, observer->qparams());
        } else {
            q = fakeQuantize(x, qparams[site]);
        }
    } else {
        q = castThrough(x, spec);
    }
    if (reference && !q.is_same(x)) {
        const auto [a, b] = finitePairs(x, q, s);
        s.actSignal += a.square().sum().item<double>();
        s.actNoise += (a - b).square().sum().item<double>();
    }
    return q;
}

void finishErrors(const ErrorSums& s, LayerTrialResult& lr)
{
    lr.activationSqnr = decibels(s.actSignal, s.actNoise);
    lr.outputSqnr = decibels(s.outSignal, s.outNoise);
    lr.outputMse = s.outCount ? s.outNoise / double(s.outCount) : 0;
    lr.outputCosine = s.refNorm > 0 && s.outNorm > 0 ? s.dot / std::sqrt(s.refNorm * s.outNorm) : 1;
    lr.outputMaxAbsError = s.maxAbs;
}

} // namespace qs
