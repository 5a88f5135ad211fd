// Choosing the bins the histogram plot draws: pure maths, no rendering.

#include "histogrammath.h"

#include <QTest>

using namespace qs;

class TestHistogramMath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
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

    void emptySourceGivesNothing()
    {
        QVERIFY(qs::displayBins({}, 0, 1, 10).counts.isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestHistogramMath)
#include "tst_histogrammath.moc"
