#include "observers_p.h"

#include "errors.h"
#include "ranges.h"
#include "stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

/// The value of the lowest set bit of x's significand (+inf for 0): every double that is a
/// multiple of it and below 2^53 times it is exact.
double lowestBit(double x)
{
    if (x == 0)
        return std::numeric_limits<double>::infinity();
    int exponent = 0;
    const double fraction = std::frexp(std::abs(x), &exponent);
    const auto significand = uint64_t(std::ldexp(fraction, 53));
    return std::ldexp(1.0, exponent - 53 + __builtin_ctzll(significand));
}

/// torch.div(a, b, rounding_mode="floor") for float32, as ATen computes it: through fmod, so
/// that the quotient is floored exactly (Python's floor division).
float divFloor(float a, float b)
{
    // For b > 0 that is the floor of the exact quotient: a float64 quotient floored, then
    // corrected by exact float64 products (24-bit × 24-bit significands fit in 53 bits).
    if (b > 0.0f && std::isfinite(a) && std::isfinite(b) && std::abs(a / b) < 8388608.0f) {
        double q = std::floor(double(a) / double(b));
        if (q * double(b) > double(a))
            q -= 1;
        else if ((q + 1) * double(b) <= double(a))
            q += 1;
        return q == 0 ? std::copysign(0.0f, a / b) : float(q);
    }
    if (b == 0.0f)
        return a / b;
    const float mod = std::fmod(a, b);
    float div = (a - mod) / b;
    if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f))
        div -= 1.0f;
    if (div == 0.0f)
        return std::copysign(0.0f, a / b);
    float floordiv = std::floor(div);
    if (div - floordiv > 0.5f)
        floordiv += 1.0f;
    return floordiv;
}

/// torch.minimum / torch.maximum of two floats: NaN wins.
float nanMin(float a, float b)
{
    return a != a || b != b ? std::numeric_limits<float>::quiet_NaN() : std::min(a, b);
}
float nanMax(float a, float b)
{
    return a != a || b != b ? std::numeric_limits<float>::quiet_NaN() : std::max(a, b);
}

/// s + v + v + … (m times) in float64, as a sequential sum computes it. When every partial sum
/// is exact (all are multiples of the lowest bit of s and v, and none reaches 2^52 of it) that is
/// s + m·v in one step; otherwise the additions are done one by one.
double addRepeated(double s, double v, int64_t m)
{
    if (v == 0 || m == 0)
        return s;
    const double grain = std::min(lowestBit(s), lowestBit(v));
    if (std::abs(s) + double(m) * std::abs(v) < std::ldexp(grain, 52))
        return s + double(m) * v;
    for (int64_t i = 0; i < m; ++i)
        s += v;
    return s;
}


/// MinMaxObserver and MovingAverageMinMaxObserver (per tensor).
class MinMaxObserver : public Observer
{
public:
    MinMaxObserver(const QuantSpec& spec, double averaging) : m_spec(spec), m_averaging(averaging) {}
    void observe(const at::Tensor& x) override
    {
        if (x.numel() == 0)
            return;
        const auto [lo, hi] = at::aminmax(x.detach().to(at::kFloat));
        const float curMin = lo.item<float>(), curMax = hi.item<float>();
        if (m_min == kInf && m_max == -kInf) {
            m_min = curMin;
            m_max = curMax;
        } else if (m_averaging > 0) {
            // float32 tensor arithmetic with a double scalar, as PyTorch's buffers update.
            m_min = m_min + float(m_averaging) * (curMin - m_min);
            m_max = m_max + float(m_averaging) * (curMax - m_max);
        } else {
            m_min = std::min(m_min, curMin);
            m_max = std::max(m_max, curMax);
        }
    }
    QParams qparams() const override { return calculateQParams({m_min}, {m_max}, m_spec); }

private:
    QuantSpec m_spec;
    double m_averaging; // 0: plain min-max
    float m_min = kInf, m_max = -kInf;
};

/// PerChannelMinMaxObserver: running minimum and maximum along the spec's axis.
class PerChannelObserver : public Observer
{
public:
    explicit PerChannelObserver(const QuantSpec& spec) : m_spec(spec) {}
    void observe(const at::Tensor& x) override
    {
        if (x.numel() == 0)
            return;
        if (m_spec.axis >= x.dim())
            throw EngineError(ErrorKind::BadInput, QStringLiteral("per-channel axis %1 does not exist in a %2-d tensor")
                                                       .arg(m_spec.axis)
                                                       .arg(x.dim()));
        const at::Tensor y = x.detach().to(at::kFloat).movedim(m_spec.axis, 0).flatten(1);
        auto [lo, hi] = at::aminmax(y, 1);
        if (m_min.defined() && m_min.sizes() == lo.sizes()) {
            lo = at::minimum(lo, m_min);
            hi = at::maximum(hi, m_max);
        }
        m_min = lo.contiguous();
        m_max = hi.contiguous();
    }
    QParams qparams() const override
    {
        QVector<float> lo, hi;
        if (m_min.defined()) {
            lo = QVector<float>(m_min.data_ptr<float>(), m_min.data_ptr<float>() + m_min.numel());
            hi = QVector<float>(m_max.data_ptr<float>(), m_max.data_ptr<float>() + m_max.numel());
        } else {
            lo = {kInf};
            hi = {-kInf};
        }
        QParams q = calculateQParams(lo, hi, m_spec);
        q.axis = m_spec.axis;
        return q;
    }

private:
    QuantSpec m_spec;
    at::Tensor m_min, m_max;
};

/// HistogramObserver as in PyTorch 1.13: 2048 bins, histograms combined by upsampling 128×,
/// histc over the integer-truncated range, then the L2 non-linear search for min and max.
/// Every step uses the same ATen ops and dtypes as observer.py so rounding agrees.
class HistogramObserver : public Observer
{
public:
    explicit HistogramObserver(const QuantSpec& spec) : m_spec(spec), m_dstBins(1 << 8) {}

    void observe(const at::Tensor& xIn) override
    {
        if (xIn.numel() == 0)
            return;
        const at::Tensor x = xIn.detach().to(at::kFloat);
        const bool uninitialized = !m_histogram.defined();
        const bool sameValues = !uninitialized && m_min.item<float>() == m_max.item<float>();
        if (uninitialized || sameValues) {
            auto [lo, hi] = at::aminmax(x);
            m_min = lo.clone();
            m_max = hi.clone();
            m_histogram = histcLinear(x, kBins, truncated(m_min), truncated(m_max));
            return;
        }
        // _adjust_min_max on 0-dim float32 tensors in observer.py: the same float32 operations
        // here on plain floats (no fused multiply-add in this file: -ffp-contract=off).
        const auto [newMinT, newMaxT] = at::aminmax(x);
        const float oldMin = m_min.item<float>(), oldMax = m_max.item<float>();
        const float combinedMinF = nanMin(newMinT.item<float>(), oldMin);
        float combinedMaxF = nanMax(newMaxT.item<float>(), oldMax);
        const float histBinWidth = (oldMax - oldMin) / float(kBins * kUpsample);
        const auto downsample =
            int64_t(std::ceil((combinedMaxF - combinedMinF) / (float(kBins) * histBinWidth)));
        const float e = float(downsample) * (float(kBins) * histBinWidth) - (combinedMaxF - combinedMinF);
        combinedMaxF = combinedMaxF + e;
        const auto startIdx = int64_t(std::nearbyint((oldMin - combinedMinF) / histBinWidth));
        const at::Tensor combinedMin = at::scalar_tensor(combinedMinF, at::kFloat);
        const at::Tensor combinedMax = at::scalar_tensor(combinedMaxF, at::kFloat);

        at::Tensor combined = histcLinear(x, kBins, truncated(combinedMin), truncated(combinedMax));
        if (combinedMinF == oldMin && combinedMaxF == oldMax) {
            combined += m_histogram;
        } else {
            const at::Tensor orig = m_histogram.contiguous();
            combined = combined.contiguous();
            combineHistograms(orig.data_ptr<float>(), combined.data_ptr<float>(), kBins, kUpsample, downsample, startIdx);
        }
        m_histogram = combined;
        m_min = combinedMin;
        m_max = combinedMax;
    }

    QParams qparams() const override
    {
        if (!m_histogram.defined())
            return calculateQParams({kInf}, {-kInf}, m_spec);
        const auto [lo, hi] = nonLinearParamSearch();
        return calculateQParams({lo}, {hi}, m_spec);
    }

private:
    static constexpr int64_t kBins = 2048;
    static constexpr int64_t kUpsample = 128;

    /// PyTorch 1.13 passes int(min), int(max) to histc.
    static double truncated(const at::Tensor& v) { return double(int64_t(v.item<float>())); }

    /// What every step of the search shares: the bin width and the density.
    struct SearchConstants {
        double binWidth = 0;
        at::Tensor density;
    };

    /// observer.py's _compute_quantization_error: per source bin, the float32 tensor operations
    /// of PyTorch 1.13 done here on plain floats in the same order (so each bin's value is the
    /// same), then summed by ATen as PyTorch sums them.
    double quantizationError(const SearchConstants& c, int64_t nextStart, int64_t nextEnd) const
    {
        const double binWidth = c.binWidth;
        const double dstBinWidth = binWidth * double(nextEnd - nextStart + 1) / m_dstBins;
        if (dstBinWidth == 0.0)
            return 0.0;
        // Python floats meet float32 tensors as float32.
        const float width = float(binWidth), dstWidth = float(dstBinWidth);
        const float half = float(dstBinWidth / 2), minusHalf = float(-dstBinWidth / 2);
        const float lastDst = float(m_dstBins - 1);
        const float* density = c.density.data_ptr<float>();
        // norm(-half, half) of the bins a source bin covers whole, the same for every bin.
        const float whole = (half * half * half - minusHalf * minusHalf * minusHalf) / 3.0f;
        const float minusHalfCubed = minusHalf * minusHalf * minusHalf;
        at::Tensor n = at::empty({kBins}, at::kFloat);
        float* out = n.data_ptr<float>();
        for (int64_t i = 0; i < kBins; ++i) {
            const float srcBegin = float(i - nextStart) * width;
            const float srcEnd = srcBegin + width;
            const float dstOfBegin = std::clamp(divFloor(srcBegin, dstWidth), 0.0f, lastDst);
            const float dstOfBeginCenter = (dstOfBegin + 0.5f) * dstWidth;
            const float dstOfEnd = std::clamp(divFloor(srcEnd, dstWidth), 0.0f, lastDst);
            const float b1 = srcBegin - dstOfBeginCenter;
            const float first = density[i] * ((half * half * half - b1 * b1 * b1) / 3.0f);
            const float middle = (dstOfEnd - dstOfBegin - 1.0f) * (density[i] * whole);
            const float dstOfEndCenter = dstOfEnd * dstWidth + half;
            const float e3 = srcEnd - dstOfEndCenter;
            const float last = density[i] * ((e3 * e3 * e3 - minusHalfCubed) / 3.0f);
            out[i] = ((0.0f + first) + middle) + last;
        }
        return n.sum().item<double>();
    }

    std::pair<float, float> nonLinearParamSearch() const
    {
        const at::Tensor binWidth = (m_max - m_min) / kBins;
        SearchConstants constants;
        constants.binWidth = (double(m_max.item<float>()) - double(m_min.item<float>())) / kBins;
        constants.density = (m_histogram / constants.binWidth).contiguous();
        const double total = at::sum(m_histogram).item<double>();
        const at::Tensor cSumT = at::cumsum(m_histogram, 0).contiguous();
        const float* cSum = cSumT.data_ptr<float>();
        const double stepsize = 1e-5;
        double alpha = 0.0, beta = 1.0;
        int64_t startBin = 0, endBin = kBins - 1;
        double normMin = std::numeric_limits<double>::infinity();
        while (alpha < beta) {
            const double nextAlpha = alpha + stepsize;
            const double nextBeta = beta - stepsize;
            int64_t l = startBin, r = endBin;
            // A 0-dim float tensor compared with a Python float: compared in float32.
            while (l < endBin && cSum[l] < float(nextAlpha * total))
                ++l;
            while (r > startBin && cSum[r] > float(nextBeta * total))
                --r;
            int64_t nextStart = startBin, nextEnd = endBin;
            if ((l - startBin) > (endBin - r)) {
                nextStart = l;
                alpha = nextAlpha;
            } else {
                nextEnd = r;
                beta = nextBeta;
            }
            if (nextStart == startBin && nextEnd == endBin)
                continue;
            const double n = quantizationError(constants, nextStart, nextEnd);
            if (n > normMin)
                break;
            normMin = n;
            startBin = nextStart;
            endBin = nextEnd;
        }
        const float newMin = (m_min + binWidth * startBin).item<float>();
        const float newMax = (m_min + binWidth * (endBin + 1)).item<float>();
        return {newMin, newMax};
    }

    QuantSpec m_spec;
    int64_t m_dstBins; // 2 ** iinfo(dtype).bits: 256 for PyTorch's 8-bit dtypes, whatever the range
    at::Tensor m_histogram, m_min, m_max;
};

/// Percentile, MSE and entropy: QuantScope's own range methods, from a streaming histogram
/// (2048 bins, exact merging) and the running min and max.
class HistogramRangeObserver : public Observer
{
public:
    explicit HistogramRangeObserver(const QuantSpec& spec) : m_spec(spec) {}
    void observe(const at::Tensor& x) override
    {
        const at::Tensor f = x.detach().to(at::kFloat).contiguous();
        m_acc.add(f.data_ptr<float>(), size_t(f.numel()));
    }
    QParams qparams() const override
    {
        const TensorStats s = m_acc.result();
        if (s.count == 0)
            return calculateQParams({kInf}, {-kInf}, m_spec);
        ClipRange r{s.min, s.max};
        if (m_spec.method == RangeMethod::Percentile)
            r = percentileRange(s.histogram, m_spec.percentile);
        else if (m_spec.method == RangeMethod::Mse)
            r = mseRange(s.histogram, s.min, s.max, m_spec);
        else if (m_spec.method == RangeMethod::Entropy)
            r = entropyRange(s.histogram, s.min, s.max, m_spec);
        return calculateQParams({float(r.lo)}, {float(r.hi)}, m_spec);
    }

private:
    QuantSpec m_spec;
    TensorStatsAccumulator m_acc;
};

} // namespace

void combineHistograms(const float* orig, float* combined, int64_t bins, int64_t upsample, int64_t downsample,
                       int64_t start)
{
    // Slot i of the upsampled histogram holds orig[(i − start) / upsample] for start ≤ i <
    // start + bins·upsample and 0 elsewhere; adding zeros leaves a float64 sum unchanged, so the
    // cumsum at slot p is the sequential sum of the first `count` upsampled values.
    const int64_t upsampled = bins * upsample;
    double sum = 0;
    int64_t added = 0;
    float previous = 0; // the shifted integral: float32, 0 before the first bin
    for (int64_t k = 0; k < bins; ++k) {
        const int64_t slot = (k + 1) * downsample - 1;
        const int64_t count = std::clamp<int64_t>(slot - start + 1, 0, upsampled);
        while (added < count) {
            const int64_t j = added / upsample;
            const int64_t runEnd = std::min(count, (j + 1) * upsample);
            sum = addRepeated(sum, double(orig[j]), runEnd - added);
            added = runEnd;
        }
        const double interpolated = (sum - double(previous)) / double(upsample);
        combined[k] = combined[k] + float(interpolated);
        previous = float(sum);
    }
}

namespace {

/// A range the user fixed: the data does not move it; its qparams are min-max's for that range.
class FixedRangeObserver : public Observer
{
public:
    explicit FixedRangeObserver(const QuantSpec& spec) : m_spec(spec) {}
    void observe(const at::Tensor&) override {}
    QParams qparams() const override
    {
        return calculateQParams({float(m_spec.fixedLo)}, {float(m_spec.fixedHi)}, m_spec);
    }

private:
    QuantSpec m_spec;
};

} // namespace

std::unique_ptr<Observer> makeObserver(const QuantSpec& spec)
{
    if (spec.granularity == Granularity::PerChannel)
        return std::make_unique<PerChannelObserver>(spec);
    switch (spec.method) {
    case RangeMethod::MinMax: return std::make_unique<MinMaxObserver>(spec, 0.0);
    case RangeMethod::MovingAverageMinMax: return std::make_unique<MinMaxObserver>(spec, spec.averagingConstant);
    case RangeMethod::Histogram: return std::make_unique<HistogramObserver>(spec);
    case RangeMethod::Percentile:
    case RangeMethod::Mse:
    case RangeMethod::Entropy: return std::make_unique<HistogramRangeObserver>(spec);
    case RangeMethod::Fixed: return std::make_unique<FixedRangeObserver>(spec);
    }
    return nullptr;
}

} // namespace qs
