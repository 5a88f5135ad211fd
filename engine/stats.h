#pragma once
// Streaming tensor statistics in constant memory: moments, ranges and a widening histogram.

#include <QVector>

#include <cstddef>

namespace qs {

/// Equal-width bins over [lo, hi); the last bin also holds hi.
struct Histogram {
    double lo = 0;
    double hi = 0;
    QVector<double> counts;

    double binWidth() const { return counts.isEmpty() ? 0.0 : (hi - lo) / counts.size(); }
    double total() const;
    /// Merges groups of `factor` adjacent bins (bins must divide evenly).
    Histogram coarsened(int factor) const;
};

/// Summary of every value seen in one tensor (a weight, or a site's activations over a calibration run).
struct TensorStats {
    qint64 count = 0;          ///< finite values seen
    qint64 nonFinite = 0;      ///< NaN and ±Inf values, left out of everything else
    double min = 0;
    double max = 0;
    double mean = 0;
    double std = 0;            ///< population standard deviation
    double kurtosis = 0;       ///< excess kurtosis: 0 for a Gaussian, large for heavy tails
    int channelAxis = -1;      ///< axis of the per-channel ranges, -1 when there are none
    QVector<double> channelMin;
    QVector<double> channelMax;
    Histogram histogram;
};

/// Running count, mean and central moments (M2..M4), merged batch by batch (Pébay's formulas).
class MomentAccumulator
{
public:
    void add(const float* data, std::size_t n);
    void merge(const MomentAccumulator& other);
    qint64 count() const { return m_n; }
    qint64 nonFinite() const { return m_nonFinite; }
    double min() const { return m_min; }
    double max() const { return m_max; }
    double mean() const { return m_mean; }
    double variance() const { return m_n > 0 ? m_m2 / double(m_n) : 0.0; }
    double excessKurtosis() const;

private:
    qint64 m_n = 0;
    qint64 m_nonFinite = 0;
    double m_mean = 0, m_m2 = 0, m_m3 = 0, m_m4 = 0;
    double m_min = 0, m_max = 0;
};

/// A histogram whose range grows as data arrives. Bins stay aligned to one grid: when a value
/// falls outside, the bin width doubles and pairs of bins merge exactly, so the result equals a
/// direct histogram over the final range, without keeping the data.
class StreamingHistogram
{
public:
    explicit StreamingHistogram(int bins = 2048);
    void add(const float* data, std::size_t n);
    Histogram histogram() const;
    bool isEmpty() const { return m_counts.isEmpty(); }

private:
    void start(double lo, double hi);
    void widenToInclude(double lo, double hi);
    int m_bins;
    double m_lo = 0;
    double m_width = 0;
    QVector<double> m_counts;
};

/// Collects TensorStats over any number of batches.
class TensorStatsAccumulator
{
public:
    explicit TensorStatsAccumulator(int bins = 2048) : m_histogram(bins) {}
    void add(const float* data, std::size_t n);
    /// Folds one batch's per-channel minima and maxima into the running ones.
    void addChannelRanges(int axis, const QVector<double>& mins, const QVector<double>& maxs);
    TensorStats result() const;

private:
    MomentAccumulator m_moments;
    StreamingHistogram m_histogram;
    int m_axis = -1;
    QVector<double> m_channelMin, m_channelMax;
};

} // namespace qs
