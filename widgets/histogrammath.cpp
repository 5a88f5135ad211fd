#include "histogrammath.h"

#include <algorithm>
#include <cmath>

namespace qs {

Bins displayBins(const Bins& source, double from, double to, int maxBins)
{
    const int n = int(source.counts.size());
    if (n == 0 || !(source.hi > source.lo) || maxBins < 1)
        return {};
    const double width = (source.hi - source.lo) / n;
    int first = std::clamp(int(std::floor((from - source.lo) / width)), 0, n - 1);
    int last = std::clamp(int(std::ceil((to - source.lo) / width)) - 1, first, n - 1);
    const int kept = last - first + 1;
    const int group = (kept + maxBins - 1) / maxBins;
    // Extend to whole groups; stay inside the source.
    const int groups = (kept + group - 1) / group;
    last = first + groups * group - 1;
    if (last >= n) {
        first = std::max(0, first - (last - n + 1));
        last = n - 1;
    }
    Bins out;
    out.lo = source.lo + first * width;
    out.counts = QVector<double>((last - first + 1 + group - 1) / group, 0.0);
    out.hi = out.lo + out.counts.size() * group * width; // equal widths, even if the last group is short
    for (int i = first; i <= last; ++i)
        out.counts[(i - first) / group] += source.counts[i];
    return out;
}

QVector<QPair<double, double>> quantizedCounts(const Bins& source, double scale, long long zeroPoint, int qmin, int qmax)
{
    QVector<QPair<double, double>> out;
    const int n = int(source.counts.size());
    if (n == 0 || !(scale > 0) || qmax < qmin)
        return out;
    QVector<double> levels(qmax - qmin + 1, 0.0);
    const double width = (source.hi - source.lo) / n;
    for (int i = 0; i < n; ++i) {
        if (source.counts[i] == 0)
            continue;
        const double centre = source.lo + (i + 0.5) * width;
        const long long q = std::clamp<long long>(std::llround(std::nearbyint(centre / scale)) + zeroPoint, qmin, qmax);
        levels[int(q - qmin)] += source.counts[i];
    }
    for (int k = 0; k < levels.size(); ++k)
        if (levels[k] > 0)
            out.append({double(k + qmin - zeroPoint) * scale, levels[k]});
    return out;
}

QuantGrid quantGrid(double scale, long long zeroPoint, int qmin, int qmax, int maxLines)
{
    QuantGrid g;
    if (!(scale > 0) || qmax < qmin)
        return g;
    g.valid = true;
    g.step = scale;
    g.levels = qmax - qmin + 1;
    g.clipLo = double(qmin - zeroPoint) * scale;
    g.clipHi = double(qmax - zeroPoint) * scale;
    if (g.levels <= maxLines)
        for (int q = qmin; q <= qmax; ++q)
            g.lines << double(q - zeroPoint) * scale;
    g.caption = QStringLiteral("%1 levels, step %2").arg(g.levels).arg(scale, 0, 'g', 3);
    return g;
}

ChannelSpread channelSpread(const QVector<double>& min, const QVector<double>& max, double perTensorStep)
{
    ChannelSpread s;
    const qsizetype n = qMin(min.size(), max.size());
    if (n == 0)
        return s;
    QVector<double> ranges(n);
    for (qsizetype i = 0; i < n; ++i)
        ranges[i] = max[i] - min[i];
    s.channels = int(n);
    s.widest = int(std::max_element(ranges.cbegin(), ranges.cend()) - ranges.cbegin());
    s.narrowest = int(std::min_element(ranges.cbegin(), ranges.cend()) - ranges.cbegin());
    QVector<double> sorted = ranges;
    std::sort(sorted.begin(), sorted.end());
    // The median of an even count is the mean of the two middle values, as numpy's.
    const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    const double widest = ranges[s.widest], narrowest = ranges[s.narrowest];
    s.widestOverMedian = median > 0 ? widest / median : 0;
    s.widestOverNarrowest = narrowest > 0 ? widest / narrowest : 0;
    if (perTensorStep > 0)
        s.narrowestSteps = narrowest / perTensorStep;
    return s;
}

} // namespace qs
