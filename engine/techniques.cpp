// What a trial configuration's techniques compute from the float model: the equalized tensors
// (engine/cle) and the inputs' means that empirical bias correction needs.

#include "techniques_p.h"
#include "trialprobes_p.h"

#include <set>

namespace qs {

ScopedTensors::~ScopedTensors()
{
    for (auto it = m_originals.rbegin(); it != m_originals.rend(); ++it)
        swapTensor(m_module, it->first, it->second);
}

void ScopedTensors::set(const std::vector<std::string>& path, const at::Tensor& value)
{
    m_originals.emplace_back(path, swapTensor(m_module, path, value));
}

void ScopedTensors::setWeight(const Model::Impl& m, int site, const at::Tensor& value)
{
    for (TensorSlot& old : swapSiteWeight(m_module, m, site, value))
        m_originals.push_back(std::move(old));
}

std::vector<std::vector<std::string>> ScopedTensors::paths() const
{
    std::vector<std::vector<std::string>> out;
    std::set<std::vector<std::string>> seen;
    for (const TensorSlot& slot : m_originals)
        if (seen.insert(slot.first).second)
            out.push_back(slot.first);
    return out;
}

EqualizedTensors equalizedTensors(Model::Impl& m, bool absorbHighBias)
{
    // Equalize in place, read the new values, put the old ones back.
    EqualizedTensors e;
    std::vector<TensorSlot> originals;
    std::set<std::vector<std::string>> seen; // a layer in two pairs (a chain) once
    for (const auto& [a, b] : equalizablePairs(m))
        for (int s : {a, b})
            for (const auto* path : {&m.sites[size_t(s)].weightPath, &m.sites[size_t(s)].biasPath})
                if (!path->empty() && seen.insert(*path).second)
                    originals.emplace_back(*path, m.tensorAt(*path));
    for (const auto& [a, b] : equalizablePairs(m))
        if (const auto it = m.clampBounds.find(a); it != m.clampBounds.end() && seen.insert(it->second).second)
            originals.emplace_back(it->second, m.tensorAt(it->second));
    {
        c10::InferenceMode guard;
        e.result = crossLayerEqualize(m, absorbHighBias);
    }
    for (const auto& [path, old] : originals) {
        e.tensors.emplace_back(path, m.tensorAt(path));
        swapTensor(m.module, path, old);
    }
    return e;
}

CleResult applyEqualization(Model::Impl& m, ScopedTensors& scope, bool absorbHighBias)
{
    const EqualizedTensors e = equalizedTensors(m, absorbHighBias);
    for (const auto& [path, value] : e.tensors)
        scope.set(path, value);
    return e.result;
}

std::vector<bool> applyTrialTechniques(Model::Impl& m, const QuantConfig& config, const TrialResult& result,
                                       ScopedTensors& scope)
{
    if (config.techniques.cle)
        applyEqualization(m, scope, config.techniques.highBiasAbsorption);
    std::vector<bool> quantized(m.sites.size(), false);
    for (int i = 0; i < result.layers.size() && i < m.layers.size(); ++i) {
        const LayerTrialResult& l = result.layers[i];
        if (!l.adaroundUp.isEmpty()) {
            const at::Tensor w = m.weight(i);
            scope.setWeight(m, i, roundedWeight(w, l.weightQParams, unpackBits(l.adaroundUp, w.sizes())));
            quantized[size_t(i)] = true;
        } else if (!l.seqmseChosen.isEmpty()) { // the trial's own ranges, kept in its qparams
            scope.setWeight(m, i, fakeQuantize(m.weight(i), l.weightQParams));
            quantized[size_t(i)] = true;
        }
        const QVector<double>& c = result.layers[i].biasCorrection;
        if (c.isEmpty())
            continue;
        const SiteRef& ref = m.sites[size_t(i)];
        at::Tensor bias = ref.biasPath.empty() ? at::Tensor() : m.tensorAt(ref.biasPath);
        if (!bias.defined() && canTakeTensor(m.module, ref.biasPath)) // the trial gave the layer a bias
            bias = at::zeros({qsizetype(c.size())}, m.weight(i).options());
        if (!bias.defined() || bias.numel() != c.size())
            throw EngineError(ErrorKind::BadInput, QStringLiteral("%1: the trial's bias correction has %2 channels, the "
                                                                  "model's bias %3")
                                                       .arg(m.layers[i].name)
                                                       .arg(c.size())
                                                       .arg(bias.defined() ? bias.numel() : 0));
        const at::Tensor correction = torch::tensor(std::vector<double>(c.begin(), c.end()), at::kDouble);
        scope.set(ref.biasPath, (bias.to(at::kDouble) - correction).to(bias.scalar_type()));
    }
    return quantized;
}

at::Tensor InputCaptureProbe::onProbe(const at::Tensor& x, int site, ProbeRole role)
{
    if (site != m_site || role != ProbeRole::Input || m_full)
        return x;
    const qint64 bytes = x.numel() * qint64(x.element_size());
    if (!m_batches.empty() && m_bytes + bytes > m_maxBytes) {
        m_full = true;
        return x;
    }
    m_batches.push_back(x.clone());
    m_bytes += bytes;
    return x;
}

at::Tensor InputCaptureProbe::inputs() const
{
    return m_batches.empty() ? at::Tensor() : at::cat(m_batches, 0);
}

QByteArray packBits(const at::Tensor& bits)
{
    const at::Tensor flat = bits.flatten().ne(0).to(at::kByte).contiguous();
    QByteArray out((flat.numel() + 7) / 8, '\0');
    const uint8_t* b = flat.data_ptr<uint8_t>();
    for (int64_t i = 0; i < flat.numel(); ++i)
        if (b[i])
            out[qsizetype(i / 8)] = char(uchar(out[qsizetype(i / 8)]) | (1u << (i % 8)));
    return out;
}

at::Tensor unpackBits(const QByteArray& bytes, at::IntArrayRef shape)
{
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    if ((n + 7) / 8 != bytes.size())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the trial's AdaRound rounding has %1 bits; the weight %2 values")
                                                   .arg(bytes.size() * 8)
                                                   .arg(n));
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        v[size_t(i)] = (uchar(bytes[qsizetype(i / 8)]) >> (i % 8)) & 1u ? 1.0f : 0.0f;
    return torch::tensor(v, at::kFloat).view(shape);
}

InputMeanProbe::InputMeanProbe(const Model::Impl& m)
    : m_m(m), m_sums(m.sites.size()), m_counts(m.sites.size(), 0.0)
{
}

at::Tensor InputMeanProbe::onProbe(const at::Tensor& x, int site, ProbeRole role)
{
    const SiteRef::Call& call = m_m.sites[size_t(site)].call;
    if (role != ProbeRole::Input || !call.known)
        return x;
    const at::Tensor xd = x.to(at::kDouble);
    at::Tensor sum;
    double count = 0;
    if (!call.conv) { // linear: every leading position is one sample of the input features
        const at::Tensor rows = xd.reshape({-1, xd.size(-1)});
        sum = rows.sum(0);
        count = double(rows.size(0));
    } else {
        // For each kernel offset, the input values the convolution multiplies with that weight
        // element: the zero-padded input sliced from offset·dilation in steps of the stride.
        const int64_t dims = int64_t(call.stride.size());
        const at::Tensor w = m_m.weight(site);
        std::vector<int64_t> pad;
        for (int64_t d = dims - 1; d >= 0; --d) // constant_pad_nd pads the last dimension first
            pad.insert(pad.end(), {call.padding[size_t(d)], call.padding[size_t(d)]});
        const at::Tensor padded = at::constant_pad_nd(xd, pad, 0);
        const std::vector<int64_t> kernel(w.sizes().begin() + 2, w.sizes().end());
        std::vector<int64_t> outSize(static_cast<size_t>(dims));
        int64_t offsets = 1;
        for (int64_t d = 0; d < dims; ++d) {
            const int64_t span = call.dilation[size_t(d)] * (kernel[size_t(d)] - 1) + 1;
            outSize[size_t(d)] = (padded.size(2 + d) - span) / call.stride[size_t(d)] + 1;
            offsets *= kernel[size_t(d)];
        }
        std::vector<at::Tensor> columns;
        for (int64_t k = 0; k < offsets; ++k) {
            at::Tensor s = padded;
            int64_t rest = k;
            for (int64_t d = dims - 1; d >= 0; --d) { // row-major over the kernel's dimensions
                const int64_t o = rest % kernel[size_t(d)];
                rest /= kernel[size_t(d)];
                const int64_t start = o * call.dilation[size_t(d)];
                s = s.slice(2 + d, start, start + (outSize[size_t(d)] - 1) * call.stride[size_t(d)] + 1,
                            call.stride[size_t(d)]);
            }
            std::vector<int64_t> reduce{0};
            for (int64_t d = 0; d < dims; ++d)
                reduce.push_back(2 + d);
            columns.push_back(s.sum(reduce));
        }
        sum = at::stack(columns, 1); // C_in × kernel elements
        count = double(xd.size(0));
        for (int64_t o : outSize)
            count *= double(o);
    }
    at::Tensor& total = m_sums[size_t(site)];
    total = total.defined() ? total + sum : sum;
    m_counts[size_t(site)] += count;
    return x;
}

std::vector<at::Tensor> InputMeanProbe::means() const
{
    std::vector<at::Tensor> out(m_sums.size());
    for (size_t i = 0; i < m_sums.size(); ++i)
        if (m_sums[i].defined() && m_counts[i] > 0)
            out[i] = m_sums[i] / m_counts[i];
    return out;
}

at::Tensor expectedOutputError(const Model::Impl& m, int site, const at::Tensor& weightError, const at::Tensor& mean)
{
    if (!mean.defined())
        return {};
    const at::Tensor dw = weightError.to(at::kDouble);
    if (!m.sites[size_t(site)].call.conv)
        return at::mv(dw.reshape({dw.size(0), -1}), mean);
    const int64_t groups = m.sites[size_t(site)].call.groups, out = dw.size(0);
    // Output channels of group g read input channels g·C_in/groups onwards.
    const at::Tensor w = dw.reshape({groups, out / groups, -1});
    const at::Tensor x = mean.reshape({groups, -1, 1});
    return at::bmm(w, x).flatten();
}

} // namespace qs
