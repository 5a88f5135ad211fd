// How numbers are written for people, row by row: decibels, score changes, sizes, ratios, the
// one-line summaries of a configuration and a trial, and the CLI's metric line.

#include "format.h"

#include <QLocale>
#include <QTest>

#include <limits>

using namespace qs;

class TestFormat : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    // The history's Data column: the file evaluated on, and calibration data of its own.
    void dataSpecs()
    {
        QCOMPARE(compactDataSpec("idx:/d/t10k-images-idx3-ubyte.gz,/d/t10k-labels-idx1-ubyte.gz"),
                 QStringLiteral("t10k-images-idx3-ubyte.gz"));
        QCOMPARE(compactDataSpec("idx:/d/t10k-images-idx3-ubyte.gz;calib=folder:/data/train?size=32"),
                 QStringLiteral("t10k-images-idx3-ubyte.gz · calibration train"));
        QCOMPARE(compactDataSpec("random:3,64,64?n=8"), QStringLiteral("random 3×64×64"));
        QCOMPARE(compactDataSpec("nonsense"), QStringLiteral("nonsense"));
    }

    void decibels_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<bool>("ascii");
        QTest::addColumn<QString>("text");
        const double inf = std::numeric_limits<double>::infinity();
        QTest::newRow("one decimal") << 31.64 << false << "31.6";
        QTest::newRow("rounds half up") << 12.25 << false << "12.3";
        QTest::newRow("negative") << -3.0 << false << "-3.0";
        QTest::newRow("no error on screen") << inf << false << "∞";
        QTest::newRow("no error in a terminal") << inf << true << "inf";
        QTest::newRow("finite in a terminal") << 9.44 << true << "9.4";
    }
    void decibels()
    {
        QFETCH(double, value);
        QFETCH(bool, ascii);
        QFETCH(QString, text);
        QCOMPARE(formatDb(value, ascii ? InfinityStyle::Ascii : InfinityStyle::Symbol), text);
    }

    void scoresAndChanges_data()
    {
        QTest::addColumn<int>("metric");
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("score");
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("signedChange");
        QTest::newRow("top-1 lost") << int(Metric::Accuracy) << -0.4 << "-0.40%" << "−0.40 points" << "−0.40";
        QTest::newRow("top-1 won") << int(Metric::Accuracy) << 0.126 << "0.13%" << "+0.13 points" << "+0.13";
        QTest::newRow("top-1 unchanged") << int(Metric::Accuracy) << 0.0 << "0.00%" << "0.00 points" << "0.00";
        QTest::newRow("a rounded zero has no sign") << int(Metric::Accuracy) << -0.001 << "-0.00%" << "0.00 points" << "0.00";
        QTest::newRow("perplexity rise") << int(Metric::Perplexity) << 0.1234 << "0.123" << "+0.123 perplexity" << "+0.123";
        QTest::newRow("thousands") << int(Metric::Perplexity) << 1234.5 << "1,234.500" << "+1,234.500 perplexity" << "+1,234.500";
    }
    void scoresAndChanges()
    {
        QFETCH(int, metric);
        QFETCH(double, value);
        QFETCH(QString, score);
        QFETCH(QString, change);
        QFETCH(QString, signedChange);
        QCOMPARE(formatScore(Metric(metric), value), score);
        QCOMPARE(formatChange(Metric(metric), value), change);
        QCOMPARE(formatSignedChange(Metric(metric), value), signedChange);
    }

    void sizes_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<double>("ratio");
        QTest::addColumn<QString>("bytesText");
        QTest::addColumn<QString>("ratioText");
        QTest::newRow("demo int8") << qint64(37240) << 3.3078 << "37,240" << "3.31×";
        QTest::newRow("small") << qint64(760) << 1.0 << "760" << "1.00×";
        QTest::newRow("large") << qint64(44700000) << 7.995 << "44,700,000" << "8.00×";
    }
    void sizes()
    {
        QFETCH(qint64, bytes);
        QFETCH(double, ratio);
        QFETCH(QString, bytesText);
        QFETCH(QString, ratioText);
        QCOMPARE(formatBytes(bytes), bytesText);
        QCOMPARE(formatRatio(ratio), ratioText);
    }

    void configSummaries_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("summary");
        QTest::newRow("defaults") << "{}" << "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static";
        QTest::newRow("weight-only") << R"({"weights": "int4:group128:symmetric", "activations": "float", "mode": "weight-only"})"
                                     << "int4:group128:symmetric:minmax / float / weight-only";
        QTest::newRow("overrides") << R"({"layers": {"fc": {"weights": "float"}, "conv1": {"activations": "float16"}}})"
                                   << "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static + 2 layer overrides";
        QTest::newRow("techniques") << R"({"techniques": {"cle": true, "bias_correction": true, "adaround": 1000}})"
                                    << "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static + CLE + "
                                       "bias correction + AdaRound";
        QTest::newRow("adaround iterations") << R"({"techniques": {"adaround": 3000}})"
                                             << "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static + "
                                                "AdaRound ×3000";
        QTest::newRow("high-bias absorption") << R"({"techniques": {"high_bias_absorption": true}})"
                                              << "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static + "
                                                 "CLE with high-bias absorption";
        QTest::newRow("adaround float inputs") << R"({"techniques": {"adaround": 1000, "adaround_inputs": "float"}})"
                                               << "int8:per_channel:symmetric:minmax / uint8:per_tensor:affine:histogram / static + "
                                                  "AdaRound (float inputs)";
    }
    void configSummaries()
    {
        QFETCH(QString, json);
        QFETCH(QString, summary);
        // The file's header, then the row's fields.
        const QByteArray file = R"({"format": "quantscope-config", "version": 2)" + json.mid(1).prepend(json.size() > 2 ? ", " : "").toUtf8();
        const QuantConfig config = QuantConfig::fromJson(file, QStringLiteral("test"));
        QCOMPARE(configSummary(config), summary);
        // The JSON written and the techniques' names read back the same configuration.
        QVERIFY(QuantConfig::fromJson(config.toJson(), QStringLiteral("again")).techniques == config.techniques);
        QVERIFY(Techniques::parse(config.techniques.toString()) == config.techniques);
    }

    void trialLines()
    {
        QCOMPARE(trialTitle(12, QString(), QStringLiteral("demo.pt")), QStringLiteral("trial 12 of demo.pt"));
        QCOMPARE(trialTitle(12, QStringLiteral("four bits"), QStringLiteral("demo.pt")),
                 QStringLiteral("trial 12 (four bits) of demo.pt"));
        StoredTrial t;
        t.id = 7;
        t.name = QStringLiteral("best");
        t.result.metric = Metric::Accuracy;
        t.result.hasAccuracy = true;
        t.result.top1 = 0.8952;
        t.result.floatTop1 = 0.9013;
        t.result.sizeBytes = 23448;
        t.result.floatBytes = 123176;
        QCOMPARE(trialLine(t), QStringLiteral("#7 best — top-1 89.52% (−0.61 points), 23,448 bytes, 5.25× smaller"));
        t.dataSpec = QStringLiteral("idx:/d/t10k-images-idx3-ubyte.gz;calib=idx:/d/train-images-idx3-ubyte.gz");
        QCOMPARE(trialLine(t), QStringLiteral("#7 best — top-1 89.52% (−0.61 points), 23,448 bytes, 5.25× smaller, on "
                                              "t10k-images-idx3-ubyte.gz · calibration train-images-idx3-ubyte.gz"));
        t.dataSpec.clear();
        t.result.evaluationSamples = 9488;
        QCOMPARE(metricLine(t.result), QStringLiteral("Top-1: 89.52% (float 90.13%, change -0.61 points) on 9488 samples"));
        t.result.hasAccuracy = false;
        QVERIFY(metricLine(t.result).startsWith(QStringLiteral("Top-1 agreement with float: ")));
        t.result.metric = Metric::Perplexity;
        t.result.perplexity = 3.267;
        t.result.floatPerplexity = 3.099;
        t.result.top1 = 0.5;
        t.result.floatTop1 = 0.52;
        QCOMPARE(metricLine(t.result), QStringLiteral("Perplexity: 3.267 (float 3.099, change +0.168 perplexity); next-token "
                                                      "top-1 50.00% (float 52.00%) on 9488 windows"));
    }
};

QTEST_APPLESS_MAIN(TestFormat)
#include "tst_format.moc"
