// Percentile, MSE-optimal and entropy clipping ranges, against direct computations on the data.

#include "quant.h"
#include "ranges.h"
#include "stats.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace qs;

namespace {

std::vector<float> gaussian(int n, quint32 seed, double sigma = 1.0)
{
    QRandomGenerator rng(seed);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) {
        const double u1 = std::max(rng.generateDouble(), 1e-12), u2 = rng.generateDouble();
        x = float(sigma * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
    }
    return v;
}

TensorStats statsOf(const std::vector<float>& v)
{
    TensorStatsAccumulator acc;
    acc.add(v.data(), v.size());
    return acc.result();
}

/// Mean squared error of quantizing every value with the qparams of [lo, hi] — computed on the
/// data itself, not on the histogram.
double quantizationMse(const std::vector<float>& v, ClipRange r, const QuantSpec& spec)
{
    const QParams q = calculateQParams({float(r.lo)}, {float(r.hi)}, spec);
    double sum = 0;
    for (float x : v) {
        const double level = std::clamp(std::nearbyint(x / q.scale[0]) + double(q.zeroPoint[0]), double(q.quantMin),
                                        double(q.quantMax));
        const double e = x - (level - double(q.zeroPoint[0])) * q.scale[0];
        sum += e * e;
    }
    return sum / double(v.size());
}

} // namespace

class TestRanges : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void percentileMatchesSortedData_data()
    {
        QTest::addColumn<double>("percentile");
        QTest::newRow("99") << 99.0;
        QTest::newRow("99.9") << 99.9;
        QTest::newRow("90") << 90.0;
    }
    void percentileMatchesSortedData()
    {
        QFETCH(double, percentile);
        auto v = gaussian(200000, 5);
        const TensorStats s = statsOf(v);
        std::sort(v.begin(), v.end());
        const double upper = v[size_t(percentile / 100 * (v.size() - 1))];
        const double lower = v[size_t((1 - percentile / 100) * (v.size() - 1))];
        const ClipRange r = percentileRange(s.histogram, percentile);
        const double bin = s.histogram.binWidth();
        QVERIFY2(std::abs(r.hi - upper) <= bin, qPrintable(QStringLiteral("%1 vs %2").arg(r.hi).arg(upper)));
        QVERIFY(std::abs(r.lo - lower) <= bin);
    }

    // The MSE range never does worse than min-max on the data itself; with few levels it clips
    // the outliers and does far better. (With 256 levels, keeping a few outliers can be optimal.)
    void mseRangeLowersTheErrorOnTheData_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<bool>("clips");
        QTest::newRow("int8 symmetric") << "int8:per_tensor:symmetric:mse" << false;
        QTest::newRow("uint8 affine") << "uint8:per_tensor:affine:mse" << false;
        QTest::newRow("int4 symmetric") << "int4:per_tensor:symmetric:mse" << true;
        QTest::newRow("uint3 affine") << "uint3:per_tensor:affine:mse" << true;
    }
    void mseRangeLowersTheErrorOnTheData()
    {
        QFETCH(QString, spec);
        QFETCH(bool, clips);
        const QuantSpec q = QuantSpec::parse(spec);
        auto v = gaussian(50000, 8);
        v[0] = 60;
        v[1] = -45;
        const TensorStats s = statsOf(v);
        const ClipRange mse = mseRange(s.histogram, s.min, s.max, q);
        const double errMse = quantizationMse(v, mse, q);
        const double errMinMax = quantizationMse(v, {s.min, s.max}, q);
        QVERIFY2(errMse <= 1.001 * errMinMax, qPrintable(QStringLiteral("%1 vs %2").arg(errMse).arg(errMinMax)));
        if (clips) {
            QVERIFY(mse.hi < 0.5 * s.max);
            QVERIFY(errMse < 0.5 * errMinMax);
        }
    }

    void mseKeepsTheRangeOfUniformData()
    {
        QRandomGenerator rng(2);
        std::vector<float> v(50000);
        for (auto& x : v)
            x = float(rng.generateDouble() * 2 - 1);
        const TensorStats s = statsOf(v);
        const ClipRange r = mseRange(s.histogram, s.min, s.max, QuantSpec::parse("int8:per_tensor:symmetric:mse"));
        QVERIFY(r.hi > 0.95 * s.max); // nothing to clip: uniform data has no tails
    }

    void entropyClipsTheTailOfAGaussianWithOutliers()
    {
        auto v = gaussian(100000, 3);
        v[0] = 40;
        const TensorStats s = statsOf(v);
        const QuantSpec q = QuantSpec::parse("int8:per_tensor:symmetric:entropy");
        const ClipRange r = entropyRange(s.histogram, s.min, s.max, q);
        QVERIFY2(r.hi < 20 && r.hi > 2, qPrintable(QString::number(r.hi))); // well inside the outlier, beyond 2σ
        QCOMPARE(r.lo, -r.hi);
        const auto clipped = std::count_if(v.begin(), v.end(), [&](float x) { return std::abs(x) > r.hi; });
        QVERIFY(clipped < 100); // under 0.1% of the values lie beyond the threshold
    }

    void entropyOnNonNegativeDataStartsAtZero()
    {
        auto v = gaussian(50000, 4);
        for (auto& x : v)
            x = std::abs(x);
        const TensorStats s = statsOf(v);
        const ClipRange r = entropyRange(s.histogram, s.min, s.max, QuantSpec::parse("uint8:per_tensor:affine:entropy"));
        QVERIFY(r.lo >= 0 && r.hi > 2 && r.hi <= s.max);
    }
};

QTEST_APPLESS_MAIN(TestRanges)
#include "tst_ranges.moc"
