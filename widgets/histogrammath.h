#pragma once
// Pure maths behind the histogram plot: choosing the bins to draw. No painting here.

#include <QVector>

namespace qs {

/// Equal-width bins over [lo, hi), the form the engine's histograms come in.
struct Bins {
    double lo = 0;
    double hi = 0;
    QVector<double> counts;
};

/// Keeps the bins that overlap [from, to] and merges neighbours so at most `maxBins` remain.
/// Merging is in whole groups, so every drawn bin holds an exact sum of source bins.
Bins displayBins(const Bins& source, double from, double to, int maxBins);

} // namespace qs
