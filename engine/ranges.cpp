#include "ranges.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace qs {

namespace {

/// The value below which `fraction` of the histogram's mass lies.
double quantile(const Histogram& h, double fraction)
{
    const double total = h.total();
    if (total <= 0)
        return 0;
    const double width = h.binWidth();
    const double target = fraction * total;
    double seen = 0;
    for (qsizetype i = 0; i < h.counts.size(); ++i) {
        const double c = h.counts[i];
        if (seen + c >= target && c > 0)
            return h.lo + width * (double(i) + (target - seen) / c);
        seen += c;
    }
    return h.hi;
}

} // namespace

RangeEffect rangeEffect(const Histogram& h, double lo, double hi, const QuantSpec& spec)
{
    RangeEffect e;
    e.qparams = calculateQParams({float(lo)}, {float(hi)}, spec.withFixedRange(lo, hi));
    const double scale = double(float(e.qparams.scale[0]));
    const double zp = double(e.qparams.zeroPoint[0]);
    const double qmin = e.qparams.quantMin, qmax = e.qparams.quantMax;
    const double rangeLo = (qmin - zp) * scale, rangeHi = (qmax - zp) * scale;
    const double width = h.binWidth();
    double signal = 0, rounding = 0, clipping = 0, count = 0, clipped = 0;
    for (qsizetype i = 0; i < h.counts.size(); ++i) {
        const double c = h.counts[i];
        if (c <= 0)
            continue;
        const double x = h.lo + (double(i) + 0.5) * width;
        const double q = (std::clamp(std::nearbyint(x / scale) + zp, qmin, qmax) - zp) * scale;
        const double e2 = (x - q) * (x - q) * c;
        signal += x * x * c;
        count += c;
        if (x < rangeLo || x > rangeHi) {
            clipping += e2;
            clipped += c;
        } else {
            rounding += e2;
        }
    }
    e.sqnr = rounding + clipping > 0 ? 10 * std::log10(signal / (rounding + clipping)) : std::numeric_limits<double>::infinity();
    e.roundingMse = count > 0 ? rounding / count : 0;
    e.clippingMse = count > 0 ? clipping / count : 0;
    e.clippedShare = count > 0 ? clipped / count : 0;
    return e;
}

ClipRange percentileRange(const Histogram& h, double percentile)
{
    const double p = std::clamp(percentile, 50.0, 100.0) / 100.0;
    return {quantile(h, 1.0 - p), quantile(h, p)};
}

ClipRange mseRange(const Histogram& h, double min, double max, const QuantSpec& spec)
{
    const double minNeg = std::min(min, 0.0), maxPos = std::max(max, 0.0);
    const double width = h.binWidth();
    const double levels = double(spec.quantMax() - spec.quantMin());
    ClipRange best{minNeg, maxPos};
    double bestError = std::numeric_limits<double>::infinity();
    for (int k = 200; k >= 1; --k) {
        const double a = k / 200.0;
        double lo = a * minNeg, hi = a * maxPos;
        if (spec.symmetric) {
            const double m = std::max(-lo, hi);
            lo = minNeg < 0 ? -m : 0; // a symmetric grid spends its levels on both sides
            hi = m;
        }
        const double step = spec.symmetric ? 2 * std::max(-lo, hi) / levels : (hi - lo) / levels;
        if (!(step > 0))
            continue;
        double error = 0;
        for (qsizetype i = 0; i < h.counts.size(); ++i) {
            if (h.counts[i] == 0)
                continue;
            const double x = h.lo + (double(i) + 0.5) * width;
            const double e = x < lo ? (lo - x) * (lo - x) : x > hi ? (x - hi) * (x - hi) : step * step / 12;
            error += h.counts[i] * e;
        }
        if (error < bestError) {
            bestError = error;
            best = {a * minNeg, a * maxPos};
        }
    }
    return best;
}

ClipRange entropyRange(const Histogram& h, double min, double max, const QuantSpec& spec)
{
    const double absMax = std::max(std::abs(min), std::abs(max));
    if (!(absMax > 0) || h.counts.isEmpty())
        return {min, max};
    // Histogram of |x| over [0, absMax].
    const int bins = 2048;
    std::vector<double> abs(bins, 0.0);
    const double width = h.binWidth();
    for (qsizetype i = 0; i < h.counts.size(); ++i) {
        const double x = std::abs(h.lo + (double(i) + 0.5) * width);
        abs[size_t(std::min(bins - 1, int(x / absMax * bins)))] += h.counts[i];
    }
    const int levels = spec.quantMax() - spec.quantMin() + 1;
    const int target = std::max(2, min >= 0 ? levels : levels / 2); // levels available on one side
    double bestKl = std::numeric_limits<double>::infinity();
    int bestI = bins;
    std::vector<double> p, q;
    for (int i = target; i <= bins; ++i) {
        // Reference: the first i bins, with everything beyond folded into the last one.
        p.assign(abs.begin(), abs.begin() + i);
        for (int j = i; j < bins; ++j)
            p[size_t(i - 1)] += abs[size_t(j)];
        // Candidate: the first i bins merged into `target` levels, then spread back evenly over
        // the bins that held values.
        q.assign(size_t(i), 0.0);
        for (int t = 0; t < target; ++t) {
            const int from = int(std::floor(double(t) * i / target));
            const int to = std::max(from + 1, int(std::floor(double(t + 1) * i / target)));
            double mass = 0;
            int nonZero = 0;
            for (int j = from; j < to; ++j) {
                mass += abs[size_t(j)];
                nonZero += abs[size_t(j)] > 0;
            }
            for (int j = from; j < to; ++j)
                if (abs[size_t(j)] > 0)
                    q[size_t(j)] = mass / nonZero;
        }
        double pSum = 0, qSum = 0;
        for (int j = 0; j < i; ++j) {
            pSum += p[size_t(j)];
            qSum += q[size_t(j)];
        }
        if (pSum <= 0 || qSum <= 0)
            continue;
        double kl = 0;
        for (int j = 0; j < i; ++j) {
            const double pj = p[size_t(j)] / pSum;
            if (pj <= 0)
                continue;
            const double qj = q[size_t(j)] / qSum;
            kl += qj > 0 ? pj * std::log(pj / qj) : pj * 50; // a value the candidate cannot represent
        }
        if (kl < bestKl) {
            bestKl = kl;
            bestI = i;
        }
    }
    const double t = absMax * double(bestI) / bins;
    return {std::max(min, -t), std::min(max, t)};
}

} // namespace qs
