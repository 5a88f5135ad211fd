// The IDX loader, the data spec and the calibration/evaluation split.

#include "data_p.h"
#include "errors.h"
#include "idxwrite.h"

#include <QColor>
#include <QDir>
#include <QImage>
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
        QTest::newRow("three files") << "idx:a,b,c" << "idx:INPUTS";
        QTest::newRow("bad number") << "idx:a?mean=x&std=1" << "not a list of numbers";
        QTest::newRow("mean without std") << "idx:a?mean=0.5" << "both mean and std";
        QTest::newRow("zero std") << "idx:a?mean=0&std=0" << "positive";
        QTest::newRow("unknown option") << "idx:a?size=3" << "unknown option";
        QTest::newRow("npy pair") << "npy:x.npy,y.npy" << "";
        QTest::newRow("tensors") << "tensors:data.pt" << "";
        QTest::newRow("folder") << "folder:/data/train?mean=0.485,0.456,0.406&std=0.229,0.224,0.225&size=32&resize=36" << "";
        QTest::newRow("gray folder") << "folder:imgs?size=28&gray=1" << "";
        QTest::newRow("zero size") << "folder:imgs?size=0" << "not a size";
        QTest::newRow("gray for npy") << "npy:x.npy?gray=1" << "unknown option";
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

    // .npy: float inputs as they are, uint8 scaled to [0, 1], int64 token ids kept; labels checked.
    void readsNpy()
    {
        const QVector<float> values{0.5f, -1.0f, 2.0f, 4.0f, 8.0f, 16.0f};
        const QString x = testing::writeFile(m_dir.filePath("x.npy"),
                                             testing::npyBytes("<f4", "(3, 2)", QByteArray(reinterpret_cast<const char*>(values.data()), 24)));
        const QVector<qint64> labels{2, 0, 1};
        const QString y = testing::writeFile(m_dir.filePath("y.npy"),
                                             testing::npyBytes("<i8", "(3,)", QByteArray(reinterpret_cast<const char*>(labels.data()), 24)));
        auto data = Dataset::load(DataSpec::parse("npy:" + x + "," + y));
        QCOMPARE(data->size(), qint64(3));
        QCOMPARE(data->sampleShape(), (QVector<qint64>{2}));
        QCOMPARE(data->impl().inputs[1][1].item<float>(), 4.0f);
        QCOMPARE(data->impl().labels[0].item<int64_t>(), int64_t(2));
        QCOMPARE(data->classCount(), 3);
        const QString tokens = testing::writeFile(m_dir.filePath("tokens.npy"),
                                                  testing::npyBytes("<i8", "(1, 3)", QByteArray(reinterpret_cast<const char*>(labels.data()), 24)));
        QCOMPARE(Dataset::load(DataSpec::parse("npy:" + tokens))->impl().inputs.scalar_type(), at::kLong);
    }

    void rejectsBadNpy_data()
    {
        QTest::addColumn<QByteArray>("inputs");
        QTest::addColumn<QByteArray>("labels");
        QTest::addColumn<QString>("error");
        const QByteArray six(24, 0);
        const QByteArray good = testing::npyBytes("<f4", "(3, 2)", six);
        QTest::newRow("wrong magic") << QByteArray("not numpy at all") << QByteArray() << "not a .npy file";
        QTest::newRow("truncated") << good.left(good.size() - 4) << QByteArray() << "needs 24 bytes of data; the file has 20";
        QTest::newRow("fortran order") << testing::npyBytes("<f4", "(3, 2)", six, true) << QByteArray() << "Fortran order";
        QTest::newRow("complex") << testing::npyBytes("<c8", "(3,)", six) << QByteArray() << "element type '<c8' is not supported";
        QTest::newRow("labels of another length") << good << testing::npyBytes("<i8", "(2,)", QByteArray(16, 0)) << "has 3 samples but";
        QTest::newRow("float labels") << good << testing::npyBytes("<f4", "(3,)", QByteArray(12, 0)) << "labels must be one integer per sample";
        QTest::newRow("2-d labels") << good << testing::npyBytes("<i4", "(3, 1)", QByteArray(12, 0)) << "labels must be one integer per sample";
    }
    void rejectsBadNpy()
    {
        QFETCH(QByteArray, inputs);
        QFETCH(QByteArray, labels);
        QFETCH(QString, error);
        const QString x = testing::writeFile(m_dir.filePath("bad-x.npy"), inputs);
        const QString y = labels.isEmpty() ? QString() : "," + testing::writeFile(m_dir.filePath("bad-y.npy"), labels);
        expectBadInput([&] { Dataset::load(DataSpec::parse("npy:" + x + y)); }, error);
    }

    // torch.save({'inputs': X, 'labels': y}) as Python writes it (fixture), and as LibTorch writes it.
    void readsTensorFiles()
    {
        auto fromPython = Dataset::load(DataSpec::parse("tensors:" QS_FIXTURES "/tensors_dict.pt"));
        QCOMPARE(fromPython->size(), qint64(20));
        QCOMPARE(fromPython->sampleShape(), (QVector<qint64>{1, 8, 8}));
        QCOMPARE(fromPython->impl().labels[3].item<int64_t>(), int64_t(3 % 4));
        QCOMPARE(fromPython->impl().inputs[2][0][1][1].item<float>(), 2.0f); // inputs[i] = i everywhere

        c10::Dict<std::string, at::Tensor> dict;
        dict.insert("inputs", at::ones({5, 3}));
        dict.insert("labels", at::tensor({0.5, 1.5, 2.5, 0.0, 1.0})); // floats: refused
        const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
        const QString path = testing::writeFile(m_dir.filePath("float-labels.pt"), QByteArray(bytes.data(), qsizetype(bytes.size())));
        expectBadInput([&] { Dataset::load(DataSpec::parse("tensors:" + path)); }, "labels must be one integer per sample");
        c10::Dict<std::string, at::Tensor> noInputs;
        noInputs.insert("features", at::ones({2}));
        const std::vector<char> b2 = torch::jit::pickle_save(c10::IValue(noInputs));
        const QString p2 = testing::writeFile(m_dir.filePath("no-inputs.pt"), QByteArray(b2.data(), qsizetype(b2.size())));
        expectBadInput([&] { Dataset::load(DataSpec::parse("tensors:" + p2)); },
                       "has no inputs under inputs, input_ids, tokens, x; its keys are features (name the inputs with ?inputs=KEY)");
        // The keys people use: input_ids and targets are found; ?inputs=KEY&labels=KEY names others.
        c10::Dict<std::string, at::Tensor> hf;
        hf.insert("input_ids", at::arange(12, at::kLong).reshape({3, 4}));
        hf.insert("targets", at::tensor({2, 0, 1}, at::kLong));
        hf.insert("features", at::ones({3, 2}));
        const std::vector<char> b3 = torch::jit::pickle_save(c10::IValue(hf));
        const QString p3 = testing::writeFile(m_dir.filePath("input-ids.pt"), QByteArray(b3.data(), qsizetype(b3.size())));
        auto ids = Dataset::load(DataSpec::parse("tensors:" + p3));
        QCOMPARE(ids->size(), qint64(3));
        QVERIFY(ids->hasLabels());
        QCOMPARE(ids->label(0), 2);
        const DataSpec named = DataSpec::parse("tensors:" + p3 + "?inputs=features&labels=targets");
        QCOMPARE(named.toString(), "tensors:" + p3 + "?inputs=features&labels=targets");
        QCOMPARE(Dataset::load(named)->sampleShape(), (QVector<qint64>{2}));
        expectBadInput([&] { Dataset::load(DataSpec::parse("tensors:" + p3 + "?labels=classes")); },
                       "has no labels under classes; its keys are");
        const QString junk = testing::writeFile(m_dir.filePath("junk.pt"), "not a pickle");
        expectBadInput([&] { Dataset::load(DataSpec::parse("tensors:" + junk)); }, "is not a file torch.save wrote");
    }

    // EVALUATION;calib=CALIBRATION: the calibration set's samples first, all of the evaluation
    // set after them; the spec reads back; samples of another shape are refused.
    void separateCalibrationData()
    {
        const DataSpec spec = DataSpec::parse("random:1,8,8?n=20;calib=random:1,8,8?n=7&seed=3");
        QCOMPARE(spec.calibrationSpec, QStringLiteral("random:1,8,8?n=7&seed=3"));
        QCOMPARE(DataSpec::parse(spec.toString()).toString(), spec.toString());
        auto d = Dataset::load(spec);
        QCOMPARE(d->size(), qint64(27));
        QCOMPARE(d->calibrationSetSize(), qint64(7));
        QCOMPARE(d->calibrationRange(512).size(), qint64(7));   // no more than the calibration set
        QCOMPARE(d->calibrationRange(4).size(), qint64(4));
        const SampleRange eval = d->evaluationRange(4);
        QCOMPARE(eval.begin, qint64(7));                       // never the calibration set's rest
        QCOMPARE(eval.size(), qint64(20));
        QVERIFY(d->impl().inputs.slice(0, 0, 7).equal(Dataset::load(DataSpec::parse("random:1,8,8?n=7&seed=3"))->impl().inputs));
        QVERIFY(d->description().contains("calibrated on"));
        expectBadInput([&] { Dataset::load(DataSpec::parse("random:1,8,8;calib=random:3,8,8")); },
                       "the calibration data's samples are 3×8×8");
    }

    // random:SHAPE: reproducible from its seed, normal floats or integers below high, the spec
    // written back as parsed, and said to be random wherever it is described.
    void randomData()
    {
        const DataSpec spec = DataSpec::parse("random:3,8,8?n=10&seed=5");
        QCOMPARE(spec.toString(), QStringLiteral("random:3,8,8?n=10&seed=5"));
        auto a = Dataset::load(spec), b = Dataset::load(spec);
        QCOMPARE(a->size(), qint64(10));
        QCOMPARE(a->sampleShape(), (QVector<qint64>{3, 8, 8}));
        QVERIFY(a->impl().inputs.equal(b->impl().inputs));
        QVERIFY(!a->impl().inputs.equal(Dataset::load(DataSpec::parse("random:3,8,8?n=10&seed=6"))->impl().inputs));
        const double mean = a->impl().inputs.mean().item<double>(), std = a->impl().inputs.std().item<double>();
        QVERIFY2(std::abs(mean) < 0.15 && std::abs(std - 1) < 0.15, qPrintable(QString("%1 %2").arg(mean).arg(std)));
        QVERIFY(!a->hasLabels());
        QVERIFY(a->description().startsWith("random data (10 samples of 3×8×8, normal floats)"));
        QVERIFY(a->warnings().join(' ').contains("random inputs, not of real data"));
        auto tokens = Dataset::load(DataSpec::parse("random:16?dtype=int64&high=50"));
        QVERIFY(tokens->isTokenWindows());
        QCOMPARE(tokens->size(), qint64(64));
        QVERIFY(tokens->impl().inputs.max().item<int64_t>() < 50 && tokens->impl().inputs.min().item<int64_t>() >= 0);
        QCOMPARE(DataSpec::parse("random:16?dtype=int64&high=50").toString(), QStringLiteral("random:16?dtype=int64&high=50"));
    }

    // ImageFolder: classes in sorted order, resize of the shorter side then the centre crop, an
    // unreadable image skipped with a warning, an empty class warned about.
    void readsImageFolders()
    {
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("b_cat");
        QDir(dir.path()).mkpath("a_dog");
        QDir(dir.path()).mkpath("c_empty");
        // 40×20, left half black, right half white: shorter side 10 → 20×10, centre 10×10 crop
        // → five black columns, then five white ones.
        QImage halves(40, 20, QImage::Format_RGB888);
        halves.fill(Qt::white);
        for (int y = 0; y < 20; ++y)
            for (int x = 0; x < 20; ++x)
                halves.setPixelColor(x, y, Qt::black);
        QVERIFY(halves.save(dir.filePath("a_dog/halves.png")));
        QImage red(12, 12, QImage::Format_RGB888);
        red.fill(QColor(255, 0, 0));
        QVERIFY(red.save(dir.filePath("b_cat/red.bmp")));
        QVERIFY(red.save(dir.filePath("b_cat/red.jpg")));
        testing::writeFile(dir.filePath("b_cat/broken.png"), "this is not a PNG");
        auto data = Dataset::load(DataSpec::parse("folder:" + dir.path() + "?size=10&resize=10"));
        QCOMPARE(data->size(), qint64(3));
        QCOMPARE(data->sampleShape(), (QVector<qint64>{3, 10, 10}));
        QCOMPARE(data->classNames(), (QStringList{"a_dog", "b_cat", "c_empty"}));
        QVERIFY2(data->warnings().join(' ').contains("class 'c_empty' has no images"), qPrintable(data->warnings().join(' ')));
        QVERIFY(data->warnings().join(' ').contains("1 image(s) could not be read and were skipped (first: " + dir.filePath("b_cat/broken.png")));
        const at::Tensor labels = data->impl().labels;
        for (int64_t i = 0; i < 3; ++i) {
            const at::Tensor img = data->impl().inputs[i];
            if (labels[i].item<int64_t>() == 0) { // the halves image
                QVERIFY(img.select(2, 2).max().item<float>() < 0.05f);   // column 2: black
                QVERIFY(img.select(2, 7).min().item<float>() > 0.95f);   // column 7: white
            } else {
                QVERIFY(std::abs(img[0].mean().item<float>() - 1.0f) < 0.02f); // red channel
                QVERIFY(img[1].mean().item<float>() < 0.02f);
            }
        }
        QCOMPARE(Dataset::load(DataSpec::parse("folder:" + dir.path() + "?size=10&gray=1"))->sampleShape(),
                 (QVector<qint64>{1, 10, 10}));
        expectBadInput([&] { Dataset::load(DataSpec::parse("folder:" + dir.filePath("missing"))); }, "does not exist");
        expectBadInput([&] { Dataset::load(DataSpec::parse("folder:" + dir.filePath("a_dog"))); }, "has no class sub-folders");
        expectBadInput([&] { Dataset::load(DataSpec::parse("folder:" + dir.path() + "?size=10&resize=8")); }, "smaller than size");
        // Mixed sizes without options: torchvision's 256/224, said in a warning.
        auto mixed = Dataset::load(DataSpec::parse("folder:" + dir.path()));
        QCOMPARE(mixed->sampleShape(), (QVector<qint64>{3, 224, 224}));
        QVERIFY2(mixed->warnings().join(' ').contains("the images differ in size: each is resized to 256 on its shorter side "
                                                       "and cropped to 224×224"),
                 qPrintable(mixed->warnings().join(' ')));

        // Images of one size keep it (a PNG copy of a 28×28 data set stays 28×28), pixel for pixel.
        QTemporaryDir same;
        QDir(same.path()).mkpath("one");
        QDir(same.path()).mkpath("two");
        QImage gradient(28, 20, QImage::Format_Grayscale8);
        for (int y = 0; y < 20; ++y)
            for (int x = 0; x < 28; ++x)
                gradient.setPixel(x, y, qRgb(x * 9, x * 9, x * 9));
        QVERIFY(gradient.save(same.filePath("one/a.png")));
        QVERIFY(gradient.save(same.filePath("two/b.png")));
        auto kept = Dataset::load(DataSpec::parse("folder:" + same.path() + "?gray=1"));
        QCOMPARE(kept->sampleShape(), (QVector<qint64>{1, 20, 28}));
        QVERIFY(kept->warnings().isEmpty());
        QCOMPARE(kept->impl().inputs[0][0][5][10].item<float>(), 90.0f / 255.0f);
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
