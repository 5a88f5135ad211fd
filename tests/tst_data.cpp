// The IDX loader, the data spec and the calibration/evaluation split.

#include "data_p.h"
#include "errors.h"
#include "idxwrite.h"

#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

using namespace qs;
using qs::testing::idxBytes;

namespace {

QByteArray gzip(const QByteArray& in)
{
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(int(deflateBound(&zs, uLong(in.size()))), 0);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.constData()));
    zs.avail_in = uInt(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = uInt(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(int(zs.total_out));
    deflateEnd(&zs);
    return out;
}

/// Three 2×2 images with pixels 0, 51, 102, ... and labels 2, 0, 1.
QByteArray threeImages()
{
    QByteArray px;
    for (int i = 0; i < 12; ++i)
        px.append(char(uchar((i * 51) % 256)));
    return idxBytes({3, 2, 2}, px);
}
QByteArray threeLabels()
{
    return idxBytes({3}, QByteArray("\x02\x00\x01", 3));
}

void expectBadInput(const std::function<void()>& fn, const QString& mustContain)
{
    try {
        fn();
        QFAIL("expected an error");
    } catch (const EngineError& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        QVERIFY2(e.message().contains(mustContain, Qt::CaseInsensitive),
                 qPrintable(e.message() + QStringLiteral(" should mention ") + mustContain));
    }
}

} // namespace

class TestData : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    QString write(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(bytes);
        return path;
    }

private Q_SLOTS:
    void readsPlainAndGzippedIdx_data()
    {
        QTest::addColumn<bool>("gz");
        QTest::newRow("plain") << false;
        QTest::newRow("gzip") << true;
    }
    void readsPlainAndGzippedIdx()
    {
        QFETCH(bool, gz);
        const QString images = write(gz ? "img.gz" : "img", gz ? gzip(threeImages()) : threeImages());
        const QString labels = write(gz ? "lab.gz" : "lab", gz ? gzip(threeLabels()) : threeLabels());
        auto data = Dataset::load(DataSpec::parse("idx:" + images + "," + labels));
        QCOMPARE(data->size(), qint64(3));
        QCOMPARE(data->sampleShape(), (QVector<qint64>{1, 2, 2}));
        QCOMPARE(data->classCount(), 3);
        const at::Tensor x = data->impl().inputs;
        QCOMPARE(x.dim(), int64_t(4));
        // Pixel i of the flattened data is (i*51 mod 256) / 255.
        for (int i = 0; i < 12; ++i)
            QCOMPARE(x.flatten()[i].item<float>(), float((i * 51) % 256) / 255.0f);
        QCOMPARE(data->impl().labels[0].item<int64_t>(), int64_t(2));
    }

    void normalisesWithMeanAndStd()
    {
        const QString images = write("n-img", threeImages());
        auto data = Dataset::load(DataSpec::parse("idx:" + images + "?mean=0.5&std=0.25"));
        const at::Tensor x = data->impl().inputs.flatten();
        QVERIFY(!data->hasLabels());
        for (int i = 0; i < 12; ++i)
            QVERIFY(std::abs(x[i].item<float>() - (float((i * 51) % 256) / 255.0f - 0.5f) / 0.25f) < 1e-6f);
    }

    void rejectsBadFiles_data()
    {
        QTest::addColumn<QByteArray>("images");
        QTest::addColumn<QByteArray>("labels");
        QTest::addColumn<QString>("message");
        const QByteArray img = threeImages();
        QTest::newRow("truncated data") << img.left(img.size() - 2) << threeLabels() << "truncated";
        QTest::newRow("truncated header") << img.left(9) << threeLabels() << "truncated";
        QTest::newRow("truncated gzip") << gzip(img).left(20) << threeLabels() << "truncated";
        QTest::newRow("wrong magic") << ("\x01\x02" + img.mid(2)) << threeLabels() << "magic";
        QTest::newRow("empty file") << QByteArray() << threeLabels() << "magic";
        QTest::newRow("float elements") << idxBytes({3, 2, 2}, QByteArray(48, 0), 0x0D) << threeLabels()
                                        << "element type";
        QTest::newRow("trailing bytes") << (img + "xx") << threeLabels() << "after the data";
        QTest::newRow("count mismatch") << img << idxBytes({2}, QByteArray("\x01\x02", 2)) << "has 2 labels";
        QTest::newRow("labels not 1-d") << img << idxBytes({3, 1}, QByteArray("\x01\x02\x03", 3))
                                        << "not a label file";
        QTest::newRow("images 1-d") << threeLabels() << threeLabels() << "1-dimensional";
        // Found by the fuzzer: dimensions whose product overflows 64 bits were multiplied first.
        QTest::newRow("overflowing dimensions") << idxBytes({0x80000000u, 8, 0x80000000u}, QByteArray())
                                                << threeLabels() << "too large";
    }
    void rejectsBadFiles()
    {
        QFETCH(QByteArray, images);
        QFETCH(QByteArray, labels);
        QFETCH(QString, message);
        const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'_');
        const QString ip = write(tag + "-img", images);
        const QString lp = write(tag + "-lab", labels);
        expectBadInput([&] { Dataset::load(DataSpec::parse("idx:" + ip + "," + lp)); }, message);
        // The message names the file that is wrong.
        try {
            Dataset::load(DataSpec::parse("idx:" + ip + "," + lp));
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains(ip) || e.message().contains(lp), qPrintable(e.message()));
        }
    }

    void missingFileIsNamed()
    {
        expectBadInput([] { Dataset::load(DataSpec::parse("idx:/nonexistent/images.gz")); }, "/nonexistent/images.gz");
    }

    void parsesSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("images only") << "idx:a.gz" << "";
        QTest::newRow("with labels") << "idx:a.gz,b.gz" << "";
        QTest::newRow("normalised") << "idx:a,b?mean=0.1,0.2,0.3&std=1,2,3" << "";
        QTest::newRow("no format") << "a.gz" << "no format";
        QTest::newRow("unknown format") << "csv:a" << "unknown format";
        QTest::newRow("three files") << "idx:a,b,c" << "idx:IMAGES";
        QTest::newRow("bad number") << "idx:a?mean=x&std=1" << "not a list of numbers";
        QTest::newRow("mean without std") << "idx:a?mean=0.5" << "both mean and std";
        QTest::newRow("zero std") << "idx:a?mean=0&std=0" << "positive";
        QTest::newRow("unknown option") << "idx:a?size=3" << "unknown option";
    }
    void parsesSpecs()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        if (error.isEmpty()) {
            const DataSpec spec = DataSpec::parse(text);
            QCOMPARE(spec.toString(), text); // round trip
        } else {
            expectBadInput([&] { DataSpec::parse(text); }, error);
        }
    }

    void splitsNeverOverlap_data()
    {
        QTest::addColumn<qint64>("calib");
        QTest::addColumn<qint64>("limit");
        QTest::newRow("default") << qint64(512) << qint64(-1);
        QTest::newRow("limited") << qint64(100) << qint64(1000);
        QTest::newRow("all calibration") << qint64(20000) << qint64(-1);
    }
    void splitsNeverOverlap()
    {
        QFETCH(qint64, calib);
        QFETCH(qint64, limit);
        auto data = Dataset::load(DataSpec::demo());
        QCOMPARE(data->size(), qint64(10000));
        const SampleRange c = data->calibrationRange(calib);
        const SampleRange e = data->evaluationRange(calib, limit);
        QCOMPARE(c.begin, qint64(0));
        QCOMPARE(c.size(), qMin(calib, data->size()));
        QVERIFY(e.begin >= c.end); // disjoint
        QCOMPARE(e.end, limit < 0 ? data->size() : qMin(data->size(), c.end + limit));
    }
};

QTEST_GUILESS_MAIN(TestData)
#include "tst_data.moc"
