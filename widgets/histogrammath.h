#pragma once
// Pure maths behind the histogram plot: choosing the bins to draw. No painting here.

#include <QPair>
#include <QString>
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

/// The values a quantized tensor can take, for drawing over its histogram.
struct QuantGrid {
    bool valid = false;
    double clipLo = 0;        ///< values below are clipped to clipLo
    double clipHi = 0;
    double step = 0;          ///< the scale
    int levels = 0;           ///< qmax - qmin + 1
    QVector<double> lines;    ///< every representable value, or empty when there are more than maxLines
    QString caption;          ///< e.g. "16 levels, step 0.0123"
};

/// Grid of an affine quantizer: value(q) = (q - zeroPoint) · scale for q in [qmin, qmax].
QuantGrid quantGrid(double scale, long long zeroPoint, int qmin, int qmax, int maxLines);

/// What the values of a histogram become when quantized on `grid`: each bin's count moves to
/// the level its centre rounds to (clipped to the range). Returns (level value, count) pairs
/// for the levels that receive anything, in increasing order.
QVector<QPair<double, double>> quantizedCounts(const Bins& source, double scale, long long zeroPoint, int qmin, int qmax);

/// How unequal a layer's output channels are: the quantity that decides whether one scale for
/// the whole tensor is enough. Ranges are max − min per channel.
struct ChannelSpread {
    int channels = 0;
    int widest = -1;              ///< channel index
    int narrowest = -1;
    double widestOverMedian = 0;  ///< widest range / median range (0 when the median is 0)
    double widestOverNarrowest = 0;
    /// With a per-tensor quantizer of this step: how many steps the narrowest channel spans
    /// (its range / step); negative when no step was given.
    double narrowestSteps = -1;
};
ChannelSpread channelSpread(const QVector<double>& min, const QVector<double>& max, double perTensorStep = 0);

} // namespace qs
