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

ErrorSplit errorSplit(const at::Tensor& x, const at::Tensor& q, const QParams& qp)
{
    ErrorSplit s;
    if (qp.scale.isEmpty())
        return s;
    at::Tensor scale, zp;
    if (qp.axis < 0) {
        scale = torch::tensor(double(float(qp.scale[0])), at::kDouble);
        zp = torch::tensor(double(qp.zeroPoint[0]), at::kDouble);
    } else {
        std::vector<int64_t> view(size_t(x.dim()), 1);
        view[size_t(qp.axis)] = -1;
        std::vector<double> sv, zv;
        for (double v : qp.scale)
            sv.push_back(double(float(v)));
        for (qint64 z : qp.zeroPoint)
            zv.push_back(double(z));
        scale = torch::tensor(sv, at::kDouble).view(view);
        zp = torch::tensor(zv, at::kDouble).view(view);
    }
    const at::Tensor xd = x.to(at::kDouble);
    const at::Tensor lo = (double(qp.quantMin) - zp) * scale, hi = (double(qp.quantMax) - zp) * scale;
    const at::Tensor finite = at::isfinite(xd).logical_and_(at::isfinite(q));
    const at::Tensor outside = xd.lt(lo).logical_or_(xd.gt(hi)).logical_and_(finite);
    const at::Tensor inside = finite.logical_and(outside.logical_not());
    const at::Tensor e2 = (xd - q.to(at::kDouble)).square_();
    s.rounding = e2.masked_select(inside).sum().item<double>();
    s.clipping = e2.masked_select(outside).sum().item<double>();
    if (qp.axis < 0)
        s.steps = (s.rounding + s.clipping) / (scale.item<double>() * scale.item<double>());
    s.clipped = outside.sum().item<int64_t>();
    s.count = finite.sum().item<int64_t>();
    return s;
}

void finishSplit(const ErrorSplit& s, double& roundingMse, double& clippingMse, double& clippedShare)
{
    roundingMse = s.count ? s.rounding / double(s.count) : 0;
    clippingMse = s.count ? s.clipping / double(s.count) : 0;
    clippedShare = s.count ? double(s.clipped) / double(s.count) : 0;
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
    QParams used;
    if (spec.type == QuantType::Int) {
        if (dynamic) {
            auto observer = makeObserver(spec);
            observer->observe(x);
            used = observer->qparams();
        } else {
            used = qparams[site];
        }
        q = fakeQuantize(x, used);
    } else {
        q = castThrough(x, spec);
    }
    if (reference && !q.is_same(x)) {
        const auto [a, b] = finitePairs(x, q, s);
        s.actSignal += a.square().sum().item<double>();
        s.actNoise += (a - b).square().sum().item<double>();
        if (spec.type == QuantType::Int && !isolate)
            s.actSplit.add(errorSplit(x, q, used));
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
    finishSplit(s.actSplit, lr.activationRoundingMse, lr.activationClippingMse, lr.activationClippedShare);
    if (s.actSplit.count > 0 && s.actSplit.steps > 0)
        lr.rmseOverScale = std::sqrt(s.actSplit.steps / double(s.actSplit.count));
    else if (s.actSplit.count > 0)
        lr.rmseOverScale = 0;
}

} // namespace qs
