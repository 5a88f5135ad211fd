// A layer's weight quantized as a trial says: the spec applied, its qparams and error, and the
// fake-quantized tensor swapped into the model (or a copy of it).

#include "trial.h"
#include "trial_p.h"

#include "observers_p.h"
#include "trialprobes_p.h"

#include <cmath>
#include <limits>

namespace qs {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double sqnr(const at::Tensor& ref, const at::Tensor& q)
{
    const at::Tensor r = ref.to(at::kDouble);
    return decibels(r.pow(2).sum().item<double>(), (r - q.to(at::kDouble)).pow(2).sum().item<double>());
}

/// Group-wise: min-max qparams per group of `groupSize` consecutive input elements of each
/// output channel (the weight flattened to out × rest), as LLM weight quantization does.
at::Tensor fakeQuantizeGroups(const at::Tensor& w, const QuantSpec& spec, QParams& q)
{
    const int64_t rows = w.size(0);
    const at::Tensor flat = w.reshape({rows, -1});
    const int64_t groups = flat.size(1) / spec.groupSize;
    const at::Tensor g = flat.reshape({rows * groups, spec.groupSize});
    auto [lo, hi] = at::aminmax(g, 1);
    lo = lo.contiguous();
    hi = hi.contiguous();
    q = calculateQParams(QVector<float>(lo.data_ptr<float>(), lo.data_ptr<float>() + lo.numel()),
                         QVector<float>(hi.data_ptr<float>(), hi.data_ptr<float>() + hi.numel()), spec);
    q.axis = 0; // one entry per (output channel, group), row-major
    const at::Tensor scale =
        torch::tensor(std::vector<double>(q.scale.begin(), q.scale.end()), at::kFloat).unsqueeze(1);
    const at::Tensor zp =
        torch::tensor(std::vector<int64_t>(q.zeroPoint.begin(), q.zeroPoint.end()), at::kFloat).unsqueeze(1);
    const at::Tensor quantized = at::clamp(at::round(g / scale) + zp, q.quantMin, q.quantMax);
    return ((quantized - zp) * scale).reshape(w.sizes());
}

int bitsOf(const QuantSpec& s)
{
    switch (s.type) {
    case QuantType::Int:
        return s.bits;
    case QuantType::Float16:
    case QuantType::BFloat16:
        return 16;
    case QuantType::Float:
        return 32;
    }
    return 32;
}

/// One weight tensor fake-quantized as an int spec says; fills its qparams.
at::Tensor quantizeTensor(const at::Tensor& w, const QuantSpec& ws, QParams& qparams)
{
    if (ws.granularity == Granularity::Group)
        return fakeQuantizeGroups(w, ws, qparams);
    auto observer = makeObserver(ws);
    observer->observe(w);
    qparams = observer->qparams();
    return fakeQuantize(w, qparams);
}

/// Each output channel's count of values per integer level of `q` (per tensor, per channel or
/// per group of `groupSize` along each channel's flattened inputs).
LevelUsage levelUsage(const at::Tensor& w, const QParams& q, int channelAxis, int groupSize)
{
    LevelUsage u;
    if (q.scale.isEmpty() || w.dim() < 1)
        return u;
    const int64_t levels = q.quantMax - q.quantMin + 1;
    const int axis = groupSize > 0 ? 0 : q.axis >= 0 ? q.axis : channelAxis; // groups: along each row of the weight
    const at::Tensor rows = w.movedim(axis, 0).reshape({w.size(axis), -1}).to(at::kDouble); // channel × values
    at::Tensor scale, zp;
    if (groupSize > 0) { // one scale per (channel, group), row-major
        std::vector<double> sv(q.scale.begin(), q.scale.end()), zv(q.zeroPoint.begin(), q.zeroPoint.end());
        scale = torch::tensor(sv, at::kDouble).view({rows.size(0), -1, 1}).expand({rows.size(0), -1, groupSize}).reshape({rows.size(0), -1});
        zp = torch::tensor(zv, at::kDouble).view({rows.size(0), -1, 1}).expand({rows.size(0), -1, groupSize}).reshape({rows.size(0), -1});
    } else if (q.axis >= 0) {
        std::vector<double> sv(q.scale.begin(), q.scale.end()), zv(q.zeroPoint.begin(), q.zeroPoint.end());
        scale = torch::tensor(sv, at::kDouble).view({-1, 1});
        zp = torch::tensor(zv, at::kDouble).view({-1, 1});
    } else {
        scale = torch::tensor(double(float(q.scale[0])), at::kDouble);
        zp = torch::tensor(double(q.zeroPoint[0]), at::kDouble);
    }
    // Levels as PyTorch rounds: half to even, then clamped.
    const at::Tensor code = at::clamp(at::round(rows / scale) + zp, double(q.quantMin), double(q.quantMax)) - double(q.quantMin);
    const at::Tensor index = (code + at::arange(rows.size(0), at::kDouble).view({-1, 1}) * double(levels)).to(at::kLong).flatten();
    const at::Tensor counts = at::bincount(index, {}, rows.size(0) * levels).contiguous();
    u.channels = int(rows.size(0));
    u.levels = int(levels);
    u.quantMin = q.quantMin;
    u.counts = QVector<qint64>(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
    return u;
}

} // namespace

double LevelUsage::unusedShare() const
{
    if (counts.isEmpty())
        return std::numeric_limits<double>::quiet_NaN();
    qint64 unused = 0;
    for (qint64 c : counts)
        unused += c == 0;
    return double(unused) / double(counts.size());
}

/// Fake-quantizes one site's weight as `requested` says, filling the weight fields of `lr`
/// (spec actually applied, bits, qparams, SQNR, quantized histogram). A weight that cannot take
/// the spec stays float, with a warning. A recurrent site's weight_ih and weight_hh are
/// quantized each on its own, as PyTorch does (their qparams follow each other in `lr`).
at::Tensor quantizeWeight(const Model::Impl& m, int site, QuantSpec ws, LayerTrialResult& lr,
                          QStringList& warnings)
{
    const LayerInfo& l = m.layers[site];
    if (ws.granularity == Granularity::PerChannel)
        ws.axis = m.sites[size_t(site)].channelAxis;
    const at::Tensor w = m.weight(site);
    std::vector<at::Tensor> parts{w};
    if (m.sites[size_t(site)].recurrent()) {
        const int64_t split = m.recurrentSplit(site);
        parts = {w.slice(1, 0, split).contiguous(), w.slice(1, split).contiguous()};
    }
    if (ws.type == QuantType::Int && ws.granularity == Granularity::Group) {
        for (const at::Tensor& part : parts) {
            const int64_t inner = part.numel() / std::max<int64_t>(1, part.size(0));
            if (inner % ws.groupSize == 0)
                continue;
            // The requested bits still apply, with one scale per output channel instead.
            warnings << QStringLiteral("%1: %2 input elements per channel do not divide into groups of %3; "
                                       "quantized per channel instead")
                            .arg(l.name)
                            .arg(inner)
                            .arg(ws.groupSize);
            ws.granularity = Granularity::PerChannel;
            ws.groupSize = 0;
            ws.axis = m.sites[size_t(site)].channelAxis;
            break;
        }
    }
    if (ws.type == QuantType::Int && w.isfinite().logical_not().any().item<bool>()) {
        warnings << QStringLiteral("%1: the weight holds NaN or infinite values; left in float").arg(l.name);
        ws = QuantSpec::parse(QStringLiteral("float"));
    }
    at::Tensor wq = w;
    ErrorSplit split;
    // Groups have one scale per (output channel, group): split them row by row.
    auto addSplit = [&](const at::Tensor& x, const at::Tensor& q, const QParams& qp) {
        if (ws.granularity == Granularity::Group)
            split.add(errorSplit(x.reshape({-1, ws.groupSize}), q.reshape({-1, ws.groupSize}), qp));
        else
            split.add(errorSplit(x, q, qp));
    };
    if (ws.type == QuantType::Int && parts.size() == 1) {
        wq = quantizeTensor(w, ws, lr.weightQParams);
        addSplit(w, wq, lr.weightQParams);
        lr.weightLevels = levelUsage(w, lr.weightQParams, m.sites[size_t(site)].channelAxis,
                                     ws.granularity == Granularity::Group ? ws.groupSize : 0);
        lr.weightUnusedLevels = lr.weightLevels.unusedShare();
    } else if (ws.type == QuantType::Int) {
        QParams hidden;
        const at::Tensor inputHalf = quantizeTensor(parts[0], ws, lr.weightQParams);
        const at::Tensor hiddenHalf = quantizeTensor(parts[1], ws, hidden);
        addSplit(parts[0], inputHalf, lr.weightQParams);
        addSplit(parts[1], hiddenHalf, hidden);
        wq = at::cat({inputHalf, hiddenHalf}, 1);
        lr.weightQParams.scale += hidden.scale;
        lr.weightQParams.zeroPoint += hidden.zeroPoint;
    } else {
        wq = castThrough(w, ws);
        if (!wq.is_same(w)) { // float16 / bfloat16: rounding only
            split.rounding = (w.to(at::kDouble) - wq.to(at::kDouble)).square().sum().item<double>();
            split.count = w.numel();
        }
    }
    finishSplit(split, lr.weightRoundingMse, lr.weightClippingMse, lr.weightClippedShare);
    lr.weightSpec = ws.toString();
    lr.weightBits = bitsOf(ws);
    lr.weightSqnr = wq.is_same(w) ? kInf : sqnr(w, wq);
    if (!wq.is_same(w)) {
        const at::Tensor flat = wq.detach().to(at::kFloat).contiguous();
        TensorStatsAccumulator acc;
        acc.add(flat.data_ptr<float>(), size_t(flat.numel()));
        lr.quantizedWeight = acc.result().histogram;
    }
    return wq;
}

void setQuantizedWeightFields(const at::Tensor& w, const at::Tensor& wq, int channelAxis, LayerTrialResult& lr)
{
    ErrorSplit split = errorSplit(w, wq, lr.weightQParams);
    finishSplit(split, lr.weightRoundingMse, lr.weightClippingMse, lr.weightClippedShare);
    lr.weightLevels = levelUsage(wq, lr.weightQParams, channelAxis, 0); // wq is on the grid: its own levels
    lr.weightUnusedLevels = lr.weightLevels.unusedShare();
    lr.weightSqnr = sqnr(w, wq);
    const at::Tensor flat = wq.detach().to(at::kFloat).contiguous();
    TensorStatsAccumulator acc;
    acc.add(flat.data_ptr<float>(), size_t(flat.numel()));
    lr.quantizedWeight = acc.result().histogram;
}

at::Tensor swapTensor(torch::jit::Module root, const std::vector<std::string>& path, const at::Tensor& value)
{
    for (size_t i = 0; i + 1 < path.size(); ++i)
        root = root.attr(path[i]).toModule();
    const c10::IValue previous = root.attr(path.back());
    root.setattr(path.back(), value.defined() ? c10::IValue(value) : c10::IValue());
    return previous.isTensor() ? previous.toTensor() : at::Tensor();
}

bool canTakeTensor(torch::jit::Module root, const std::vector<std::string>& path)
{
    if (path.empty())
        return false;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
        if (!root.hasattr(path[i]) || !root.attr(path[i]).isModule())
            return false;
        root = root.attr(path[i]).toModule();
    }
    const c10::ClassTypePtr type = root.type();
    if (!type->hasAttribute(path.back()) || !root.attr(path.back()).isNone())
        return false;
    const c10::TypePtr declared = type->getAttribute(path.back());
    return declared->kind() == c10::TypeKind::OptionalType &&
           declared->expectRef<c10::OptionalType>().getElementType()->kind() == c10::TypeKind::TensorType;
}

std::vector<TensorSlot> swapSiteWeight(torch::jit::Module root, const Model::Impl& m, int site, const at::Tensor& value)
{
    const SiteRef& ref = m.sites[size_t(site)];
    if (!ref.recurrent())
        return {{ref.weightPath, swapTensor(root, ref.weightPath, value)}};
    const int64_t split = m.recurrentSplit(site);
    return {{ref.weightPath, swapTensor(root, ref.weightPath, value.slice(1, 0, split).contiguous())},
            {ref.hiddenWeightPath, swapTensor(root, ref.hiddenWeightPath, value.slice(1, split).contiguous())}};
}

at::Tensor fakeQuantizedWeight(const Model::Impl& m, int site, const QuantSpec& spec)
{
    LayerTrialResult lr;
    QStringList warnings;
    return quantizeWeight(m, site, spec, lr, warnings);
}

RangeEffect weightRangeEffect(const Model& model, int site, double lo, double hi, const QuantSpec& spec)
{
    c10::InferenceMode guard;
    RangeEffect e;
    e.qparams = calculateQParams({float(lo)}, {float(hi)}, spec.withFixedRange(lo, hi));
    const at::Tensor w = model.impl().weight(site);
    const at::Tensor q = fakeQuantize(w, e.qparams);
    const ErrorSplit split = errorSplit(w, q, e.qparams);
    finishSplit(split, e.roundingMse, e.clippingMse, e.clippedShare);
    e.sqnr = sqnr(w, q);
    return e;
}

LayerTrialResult previewWeight(const Model& model, int site, const QuantSpec& spec, QStringList* warnings)
{
    c10::InferenceMode guard;
    LayerTrialResult lr;
    lr.name = model.layers().value(site).name;
    QStringList w;
    quantizeWeight(model.impl(), site, spec, lr, w);
    if (warnings)
        *warnings << w;
    return lr;
}

} // namespace qs
