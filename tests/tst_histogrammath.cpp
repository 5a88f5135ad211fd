// Choosing the bins the histogram plot draws: pure maths, no rendering.

#include "histogrammath.h"
#include "paretomath.h"

#include <QTest>

using namespace qs;

class TestHistogramMath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Channel ranges 1, 4, 2, 8 (max − min): median (2 + 4) / 2 = 3, widest 8 (#3), narrowest
    // 1 (#0); with a per-tensor step of 0.5 the narrowest spans 2 steps.
    void channelSpreadOfFourChannels()
    {
        const ChannelSpread s = channelSpread({0, -2, -1, -4}, {1, 2, 1, 4}, 0.5);
        QCOMPARE(s.channels, 4);
        QCOMPARE(s.widest, 3);
        QCOMPARE(s.narrowest, 0);
        QCOMPARE(s.widestOverMedian, 8.0 / 3.0);
        QCOMPARE(s.widestOverNarrowest, 8.0);
        QCOMPARE(s.narrowestSteps, 2.0);
        // Odd count: the middle value; no step given; a constant channel has no ratio.
        const ChannelSpread odd = channelSpread({0, 0, 0}, {3, 0, 6});
        QCOMPARE(odd.widestOverMedian, 2.0);
        QCOMPARE(odd.widestOverNarrowest, 0.0);
        QCOMPARE(odd.narrowestSteps, -1.0);
        QCOMPARE(channelSpread({}, {}).channels, 0);
    }

    void displayBins_data()
    {
        QTest::addColumn<double>("from");
        QTest::addColumn<double>("to");
        QTest::addColumn<int>("maxBins");
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        QTest::addColumn<QVector<double>>("counts");
        // Source: 8 bins over [0, 8) holding 1..8.
        QTest::newRow("everything") << 0.0 << 8.0 << 8 << 0.0 << 8.0 << QVector<double>{1, 2, 3, 4, 5, 6, 7, 8};
        QTest::newRow("merge pairs") << 0.0 << 8.0 << 4 << 0.0 << 8.0 << QVector<double>{3, 7, 11, 15};
        QTest::newRow("crop") << 2.0 << 6.0 << 8 << 2.0 << 6.0 << QVector<double>{3, 4, 5, 6};
        QTest::newRow("crop inside bins") << 2.5 << 5.5 << 8 << 2.0 << 6.0 << QVector<double>{3, 4, 5, 6};
        QTest::newRow("crop and merge") << 2.0 << 6.0 << 2 << 2.0 << 6.0 << QVector<double>{7, 11};
        QTest::newRow("uneven groups shift left") << 5.0 << 8.0 << 2 << 4.0 << 8.0 << QVector<double>{11, 15};
        QTest::newRow("one value") << 3.2 << 3.2 << 8 << 3.0 << 4.0 << QVector<double>{4};
    }
    void displayBins()
    {
        QFETCH(double, from);
        QFETCH(double, to);
        QFETCH(int, maxBins);
        QFETCH(double, lo);
        QFETCH(double, hi);
        QFETCH(QVector<double>, counts);
        const Bins source{0, 8, {1, 2, 3, 4, 5, 6, 7, 8}};
        const Bins out = qs::displayBins(source, from, to, maxBins);
        QCOMPARE(out.counts, counts);
        QCOMPARE(out.lo, lo);
        QCOMPARE(out.hi, hi);
    }

    void quantGrid_data()
    {
        QTest::addColumn<double>("scale");
        QTest::addColumn<int>("zeroPoint");
        QTest::addColumn<int>("qmin");
        QTest::addColumn<int>("qmax");
        QTest::addColumn<double>("clipLo");
        QTest::addColumn<double>("clipHi");
        QTest::addColumn<int>("lines");
        QTest::newRow("int4 symmetric") << 0.5 << 0 << -8 << 7 << -4.0 << 3.5 << 16;
        QTest::newRow("uint8 affine") << 0.25 << 10 << 0 << 255 << -2.5 << 61.25 << 0; // too many to draw
        QTest::newRow("uint2") << 1.0 << 1 << 0 << 3 << -1.0 << 2.0 << 4;
    }
    void quantGrid()
    {
        QFETCH(double, scale);
        QFETCH(int, zeroPoint);
        QFETCH(int, qmin);
        QFETCH(int, qmax);
        QFETCH(double, clipLo);
        QFETCH(double, clipHi);
        QFETCH(int, lines);
        const QuantGrid g = qs::quantGrid(scale, zeroPoint, qmin, qmax, 64);
        QVERIFY(g.valid);
        QCOMPARE(g.clipLo, clipLo);
        QCOMPARE(g.clipHi, clipHi);
        QCOMPARE(g.levels, qmax - qmin + 1);
        QCOMPARE(g.lines.size(), lines);
        if (lines) {
            QCOMPARE(g.lines.first(), clipLo);
            QCOMPARE(g.lines.last(), clipHi);
        }
        QVERIFY(!qs::quantGrid(0, 0, 0, 255, 64).valid);
    }

    void paretoFront_data()
    {
        QTest::addColumn<QVector<double>>("sizes");
        QTest::addColumn<QVector<double>>("metrics");
        QTest::addColumn<QVector<int>>("front");
        QTest::newRow("empty") << QVector<double>{} << QVector<double>{} << QVector<int>{};
        QTest::newRow("one") << QVector<double>{5} << QVector<double>{0.9} << QVector<int>{0};
        QTest::newRow("dominated") << QVector<double>{10, 5, 7} << QVector<double>{0.90, 0.91, 0.80}
                                   << QVector<int>{1};
        QTest::newRow("staircase") << QVector<double>{4, 8, 2, 6} << QVector<double>{0.85, 0.92, 0.60, 0.90}
                                   << QVector<int>{2, 0, 3, 1};
        QTest::newRow("equal size keeps the better") << QVector<double>{3, 3} << QVector<double>{0.7, 0.8}
                                                     << QVector<int>{1};
        QTest::newRow("duplicates keep the first") << QVector<double>{3, 3} << QVector<double>{0.8, 0.8}
                                                   << QVector<int>{0};
        QTest::newRow("bigger but not better") << QVector<double>{1, 2, 3} << QVector<double>{0.9, 0.9, 0.85}
                                               << QVector<int>{0};
    }
    void paretoFront()
    {
        QFETCH(QVector<double>, sizes);
        QFETCH(QVector<double>, metrics);
        QFETCH(QVector<int>, front);
        QVector<TradeOff> points;
        for (int i = 0; i < sizes.size(); ++i)
            points << TradeOff{sizes[i], metrics[i]};
        QCOMPARE(qs::paretoFront(points), front);
    }

    void emptySourceGivesNothing()
    {
        QVERIFY(qs::displayBins({}, 0, 1, 10).counts.isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestHistogramMath)
#include "tst_histogrammath.moc"
