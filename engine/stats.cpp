#include "stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

double Histogram::total() const
{
    double t = 0;
    for (double c : counts)
        t += c;
    return t;
}

Histogram Histogram::coarsened(int factor) const
{
    if (factor <= 1 || counts.size() % factor != 0)
        return *this;
    Histogram h{lo, hi, QVector<double>(counts.size() / factor, 0.0)};
    for (qsizetype i = 0; i < counts.size(); ++i)
        h.counts[i / factor] += counts[i];
    return h;
}

void MomentAccumulator::add(const float* data, std::size_t n)
{
    // Two passes over the batch in double, then merged into the running totals.
    MomentAccumulator b;
    double sum = 0;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = data[i];
        if (!std::isfinite(x)) {
            ++b.m_nonFinite;
            continue;
        }
        ++b.m_n;
        sum += x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    if (b.m_n > 0) {
        b.m_mean = sum / double(b.m_n);
        b.m_min = lo;
        b.m_max = hi;
        for (std::size_t i = 0; i < n; ++i) {
            const double x = data[i];
            if (!std::isfinite(x))
                continue;
            const double d = x - b.m_mean;
            const double d2 = d * d;
            b.m_m2 += d2;
            b.m_m3 += d2 * d;
            b.m_m4 += d2 * d2;
        }
    }
    merge(b);
}

void MomentAccumulator::merge(const MomentAccumulator& o)
{
    m_nonFinite += o.m_nonFinite;
    if (o.m_n == 0)
        return;
    if (m_n == 0) {
        const qint64 nf = m_nonFinite;
        *this = o;
        m_nonFinite = nf;
        return;
    }
    const double na = double(m_n), nb = double(o.m_n), n = na + nb;
    const double delta = o.m_mean - m_mean;
    const double d2 = delta * delta, d3 = d2 * delta, d4 = d2 * d2;
    const double m2 = m_m2 + o.m_m2 + d2 * na * nb / n;
    const double m3 = m_m3 + o.m_m3 + d3 * na * nb * (na - nb) / (n * n) +
                      3.0 * delta * (na * o.m_m2 - nb * m_m2) / n;
    const double m4 = m_m4 + o.m_m4 + d4 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                      6.0 * d2 * (na * na * o.m_m2 + nb * nb * m_m2) / (n * n) +
                      4.0 * delta * (na * o.m_m3 - nb * m_m3) / n;
    m_mean += delta * nb / n;
    m_m2 = m2;
    m_m3 = m3;
    m_m4 = m4;
    m_n += o.m_n;
    m_min = std::min(m_min, o.m_min);
    m_max = std::max(m_max, o.m_max);
}

double MomentAccumulator::excessKurtosis() const
{
    if (m_n == 0 || m_m2 <= 0)
        return 0.0;
    return double(m_n) * m_m4 / (m_m2 * m_m2) - 3.0;
}

StreamingHistogram::StreamingHistogram(int bins) : m_bins(std::max(2, bins + (bins % 2))) {}

void StreamingHistogram::start(double lo, double hi)
{
    if (!(hi > lo)) {
        // A constant batch: give it a narrow range around the value.
        const double pad = std::max(std::abs(lo) * 1e-3, 1e-6);
        lo -= pad;
        hi += pad;
    }
    m_lo = lo;
    m_width = (hi - lo) / m_bins;
    m_counts = QVector<double>(m_bins, 0.0);
}

void StreamingHistogram::widenToInclude(double lo, double hi)
{
    // Double the bin width until [lo, hi] fits. The old range becomes the left or right half of
    // the new one, so old bin edges stay edges and bins merge in exact pairs.
    while (lo < m_lo || hi > m_lo + m_width * m_bins) {
        const bool growLeft = lo < m_lo;
        QVector<double> merged(m_bins, 0.0);
        const int offset = growLeft ? m_bins / 2 : 0;
        for (int i = 0; i < m_bins; ++i)
            merged[offset + i / 2] += m_counts[i];
        if (growLeft)
            m_lo -= m_width * m_bins;
        m_width *= 2;
        m_counts = merged;
    }
}

void StreamingHistogram::add(const float* data, std::size_t n)
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = data[i];
        if (std::isfinite(x)) {
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
    }
    if (!(lo <= hi))
        return; // nothing finite in this batch
    if (m_counts.isEmpty())
        start(lo, hi);
    else
        widenToInclude(lo, hi);
    const double inv = 1.0 / m_width;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = data[i];
        if (!std::isfinite(x))
            continue;
        const int bin = std::clamp(int((x - m_lo) * inv), 0, m_bins - 1);
        m_counts[bin] += 1.0;
    }
}

Histogram StreamingHistogram::histogram() const
{
    return {m_lo, m_lo + m_width * m_bins, m_counts};
}

void TensorStatsAccumulator::add(const float* data, std::size_t n)
{
    m_moments.add(data, n);
    m_histogram.add(data, n);
}

void TensorStatsAccumulator::addChannelRanges(int axis, const QVector<double>& mins, const QVector<double>& maxs)
{
    if (m_channelMin.isEmpty() || m_axis != axis || m_channelMin.size() != mins.size()) {
        m_axis = axis;
        m_channelMin = mins;
        m_channelMax = maxs;
        return;
    }
    for (qsizetype i = 0; i < mins.size(); ++i) {
        m_channelMin[i] = std::min(m_channelMin[i], mins[i]);
        m_channelMax[i] = std::max(m_channelMax[i], maxs[i]);
    }
}

TensorStats TensorStatsAccumulator::result() const
{
    TensorStats s;
    s.count = m_moments.count();
    s.nonFinite = m_moments.nonFinite();
    s.min = m_moments.min();
    s.max = m_moments.max();
    s.mean = m_moments.mean();
    s.std = std::sqrt(m_moments.variance());
    s.kurtosis = m_moments.excessKurtosis();
    s.channelAxis = m_axis;
    s.channelMin = m_channelMin;
    s.channelMax = m_channelMax;
    s.histogram = m_histogram.histogram();
    return s;
}

} // namespace qs
