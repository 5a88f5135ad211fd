// Streaming statistics against direct computations over all the data at once.

#include "stats.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace qs;

namespace {

struct Direct {
    double min, max, mean, var, kurt;
};

/// Textbook two-pass moments over the whole vector, in long double.
Direct direct(const std::vector<float>& v)
{
    long double sum = 0;
    double lo = v[0], hi = v[0];
    for (float x : v) {
        sum += x;
        lo = std::min(lo, double(x));
        hi = std::max(hi, double(x));
    }
    const long double mean = sum / v.size();
    long double m2 = 0, m4 = 0;
    for (float x : v) {
        const long double d = x - mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    const long double var = m2 / v.size();
    return {lo, hi, double(mean), double(var), double((m4 / v.size()) / (var * var) - 3)};
}

/// Heavy-tailed data: mostly Gaussian, a few large outliers, shifted mean.
std::vector<float> sample(int n, quint32 seed)
{
    QRandomGenerator rng(seed);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) {
        const double u1 = std::max(rng.generateDouble(), 1e-12), u2 = rng.generateDouble();
        x = float(0.7 + 0.3 * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
        if (rng.bounded(100) == 0)
            x *= 12;
    }
    return v;
}

} // namespace

class TestStats : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void momentsMergedOverBatchesEqualDirect_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("batches");
        QTest::newRow("one batch") << 10000 << 1;
        QTest::newRow("ten batches") << 10000 << 10;
        QTest::newRow("uneven batches") << 9973 << 7;
        QTest::newRow("single values") << 50 << 50;
    }
    void momentsMergedOverBatchesEqualDirect()
    {
        QFETCH(int, n);
        QFETCH(int, batches);
        const auto v = sample(n, 42);
        MomentAccumulator acc;
        const int step = (n + batches - 1) / batches;
        for (int b = 0; b < n; b += step)
            acc.add(v.data() + b, size_t(std::min(step, n - b)));
        const Direct d = direct(v);
        QCOMPARE(acc.count(), qint64(n));
        QCOMPARE(acc.min(), d.min);
        QCOMPARE(acc.max(), d.max);
        QVERIFY(std::abs(acc.mean() - d.mean) < 1e-9 * std::abs(d.mean));
        QVERIFY(std::abs(acc.variance() - d.var) < 1e-9 * d.var);
        QVERIFY2(std::abs(acc.excessKurtosis() - d.kurt) < 1e-7 * std::abs(d.kurt),
                 qPrintable(QStringLiteral("%1 vs %2").arg(acc.excessKurtosis()).arg(d.kurt)));
    }

    void gaussianHasZeroExcessKurtosis()
    {
        QRandomGenerator rng(3);
        std::vector<float> v(200000);
        for (auto& x : v) {
            const double u1 = std::max(rng.generateDouble(), 1e-12), u2 = rng.generateDouble();
            x = float(std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
        }
        MomentAccumulator acc;
        acc.add(v.data(), v.size());
        QVERIFY(std::abs(acc.excessKurtosis()) < 0.05);
        QVERIFY(std::abs(std::sqrt(acc.variance()) - 1) < 0.01);
    }

    void nonFiniteValuesAreCountedAndSkipped()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        const std::vector<float> v = {1, nan, 3, inf, -inf, 5};
        TensorStatsAccumulator acc(16);
        acc.add(v.data(), v.size());
        const TensorStats s = acc.result();
        QCOMPARE(s.count, qint64(3));
        QCOMPARE(s.nonFinite, qint64(3));
        QCOMPARE(s.min, 1.0);
        QCOMPARE(s.max, 5.0);
        QCOMPARE(s.mean, 3.0);
        QCOMPARE(s.histogram.total(), 3.0);
    }

    // The streaming histogram widens its range batch by batch; the result must equal a direct
    // histogram of all the data over the final bin edges.
    void streamingHistogramEqualsDirectBinning_data()
    {
        QTest::addColumn<QVector<double>>("batchScales");
        QTest::newRow("fixed range") << QVector<double>{1, 1, 1};
        QTest::newRow("grows right") << QVector<double>{1, 3, 40};
        QTest::newRow("grows left") << QVector<double>{-1, -5, -70};
        QTest::newRow("grows both ways") << QVector<double>{0.1, -2, 9, -30};
    }
    void streamingHistogramEqualsDirectBinning()
    {
        QFETCH(QVector<double>, batchScales);
        StreamingHistogram h(64);
        std::vector<float> all;
        quint32 seed = 1;
        for (double scale : batchScales) {
            auto v = sample(3000, seed++);
            for (auto& x : v)
                x = float(x * scale);
            h.add(v.data(), v.size());
            all.insert(all.end(), v.begin(), v.end());
        }
        const Histogram r = h.histogram();
        QCOMPARE(r.counts.size(), 64);
        QCOMPARE(r.total(), double(all.size()));
        const Direct d = direct(all);
        QVERIFY(r.lo <= d.min && r.hi >= d.max);
        QVERIFY2(r.hi - r.lo <= 2.0001 * (d.max - d.min) || batchScales.size() == 1,
                 "the range at most doubles beyond the data");
        QVector<double> expected(64, 0.0);
        const double width = (r.hi - r.lo) / 64;
        for (float x : all)
            expected[std::clamp(int((x - r.lo) / width), 0, 63)] += 1;
        // Values within rounding of a bin edge may land on either side; allow a handful.
        double moved = 0;
        for (int i = 0; i < 64; ++i)
            moved += std::abs(expected[i] - r.counts[i]);
        QVERIFY2(moved <= 4, qPrintable(QStringLiteral("%1 values in other bins").arg(moved)));
    }

    void constantDataGetsANarrowRange()
    {
        const std::vector<float> zeros(1000, 0.0f);
        StreamingHistogram h(32);
        h.add(zeros.data(), zeros.size());
        const Histogram r = h.histogram();
        QVERIFY(r.lo < 0 && r.hi > 0);
        QCOMPARE(r.total(), 1000.0);
    }

    void coarsenMergesExactGroups()
    {
        Histogram h{0, 8, {1, 2, 3, 4, 5, 6, 7, 8}};
        const Histogram c = h.coarsened(4);
        QCOMPARE(c.counts, (QVector<double>{10, 26}));
        QCOMPARE(c.lo, 0.0);
        QCOMPARE(c.hi, 8.0);
    }

    void channelRangesMergeAcrossBatches()
    {
        TensorStatsAccumulator acc(8);
        acc.addChannelRanges(1, {0, -1, 2}, {1, 1, 3});
        acc.addChannelRanges(1, {-4, 0, 2.5}, {0.5, 7, 2.8});
        const TensorStats s = acc.result();
        QCOMPARE(s.channelAxis, 1);
        QCOMPARE(s.channelMin, (QVector<double>{-4, -1, 2}));
        QCOMPARE(s.channelMax, (QVector<double>{1, 7, 3}));
    }
};

QTEST_APPLESS_MAIN(TestStats)
#include "tst_stats.moc"
