// quantscope-cli as a user runs it: output, JSON, and one clear line with exit code 2 on bad input.

#include "testmain.h"
#include "testutils.h"
#include "idxwrite.h"

#include <QColor>
#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {

using qs::test::Run;

/// Every run writes trials into a database of the test's own, never the user's.
QString& dataHome()
{
    static QString path;
    return path;
}

Run cli(const QStringList& args)
{
    return qs::test::runCli(args, dataHome());
}

/// A trial's JSON without what may differ between two runs of it: its id, its database's path
/// and its timings.
QJsonValue withoutTimingsAndIds(const QJsonValue& v)
{
    if (v.isArray()) {
        QJsonArray out;
        for (const QJsonValue& x : v.toArray())
            out.append(withoutTimingsAndIds(x));
        return out;
    }
    if (!v.isObject())
        return v;
    QJsonObject out;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it)
        if (it.key() != QLatin1String("id") && it.key() != QLatin1String("database") &&
            !it.key().endsWith(QLatin1String("seconds")))
            out.insert(it.key(), withoutTimingsAndIds(it.value()));
    return out;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { dataHome() = m_dir.filePath("data-home"); }

    // graph draws the model's layers and the ops between them (Graphviz's layout) as SVG or PNG,
    // coloured by a recorded trial; its per-layer figures are in trial --json and the CSV.
    void graphAndPerLayerErrorFigures()
    {
        const QString db = m_dir.filePath("graph.db");
        const Run r = cli({"trial", "--db", db, "--eval", "300", "--weights", "int4:per_tensor:symmetric:minmax", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["first_error_drop"].toString(), QString("block1.dw"));
        const QJsonObject dw = o["layers"].toArray().at(1).toObject();
        for (const char* key : {"local_sqnr_db", "rmse_over_scale", "weight_rounding_mse", "weight_clipping_mse",
                                "activation_rounding_mse", "activation_clipping_mse"})
            QVERIFY2(dw.contains(key), key);
        QVERIFY(dw["local_sqnr_db"].toDouble() > dw["output_sqnr_db"].toDouble()); // less than the accumulated error
        const QString id = QString::number(o["id"].toInt());
        const QString csv = m_dir.filePath("layers.csv");
        QCOMPARE(cli({"export", id, "--db", db, "--format", "csv", "--out", csv}).code, 0);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readLine().contains("local_sqnr_db,rmse_over_scale,weight_rounding_mse,weight_clipping_mse"));

        const QString svg = m_dir.filePath("demo.svg");
        const Run g = cli({"graph", "--db", db, "--trial", id, "--color", "local_sqnr", "--out", svg});
        QCOMPARE(g.code, 0);
        QVERIFY2(g.out.contains("8 layers, 8 ops between them, 17 edges"), qPrintable(g.out));
        QFile picture(svg);
        QVERIFY(picture.open(QIODevice::ReadOnly));
        const QByteArray text = picture.readAll();
        QVERIFY(text.contains("<svg") && text.contains("block1.dw") && text.contains("local SQNR"));
        QCOMPARE(cli({"graph", QS_FIXTURES "/residual_cnn_scripted.pt", "--out", m_dir.filePath("res.png")}).code, 0);
        QVERIFY(QImage(m_dir.filePath("res.png")).height() > 1000);
        // Wrong requests: one line, exit code 2, nothing written.
        for (const QStringList& bad : {QStringList{"graph", "--out", m_dir.filePath("x.svg"), "--color", "output_sqnr"},
                                       QStringList{"graph", "--db", db, "--trial", id, "--color", "nope", "--out", m_dir.filePath("x.svg")},
                                       QStringList{"graph", "--out", m_dir.filePath("x.pdf")}, QStringList{"graph"},
                                       QStringList{"graph", "--out", m_dir.filePath("no/such/dir/x.svg")}}) {
            const Run b = cli(bad);
            QCOMPARE(b.code, 2);
            QCOMPARE(b.err.trimmed().count(u'\n'), 0);
            QVERIFY(!QFile::exists(m_dir.filePath("x.svg")));
        }
    }

    // A model that returns a dict is scored on its logits (or the output --output names); the
    // trial's JSON names the id and database it was recorded in, as history --json does.
    void dictOutputsAndRecordedIds()
    {
        const QString db = m_dir.filePath("dict.db");
        const QString model = QStringLiteral(QS_FIXTURES "/dict_output_scripted.pt");
        const Run r = cli({"trial", model, "--db", db, "--eval", "200", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["layers"].toArray().size(), 2);
        QCOMPARE(o["database"].toString(), db);
        const Run history = cli({"history", "--db", db, "--json"});
        const QJsonObject stored = QJsonDocument::fromJson(history.out.toUtf8()).object()["trials"].toArray().at(0).toObject();
        QCOMPARE(o["id"].toDouble(), stored["id"].toDouble());
        QCOMPARE(o["top1"].toDouble(), stored["top1"].toDouble());
        // Its 32 features are no class scores: scored on them, the output has 32 columns.
        const Run inspect = cli({"inspect", model, "--output", "features"});
        QCOMPARE(inspect.code, 0);
        QVERIFY2(inspect.out.contains("head"), qPrintable(inspect.out));
        const Run wrong = cli({"trial", model, "--db", db, "--output", "nope"});
        QCOMPARE(wrong.code, 2);
        QVERIFY2(wrong.err.contains("forward returned a dict with keys features, logits; --output nope is not one of its tensor keys"),
                 qPrintable(wrong.err));
    }

    // A model without data at hand: --input-shape (batch first) inspects it on random inputs.
    void inspectsWithAnInputShape()
    {
        const Run r = cli({"inspect", "--input-shape", "1,1,28,28"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("Input: 1×1×28×28 from random data (64 samples of 1×28×28, normal floats)"), qPrintable(r.out));
        QVERIFY(r.out.contains("block3.pw") && r.out.contains("1×128×7×7"));
        const Run both = cli({"inspect", "--input-shape", "1,1,28,28", "--data", "random:1,28,28"});
        QCOMPARE(both.code, 2);
        QVERIFY(both.err.contains("give --data or --input-shape, not both"));
    }

    // Calibration on training images, evaluation on the whole test set; --calib 0 where nothing
    // is calibrated, and refused where something must be.
    void separateCalibrationData()
    {
        const QString db = m_dir.filePath("calib.db");
        const QString train = "idx:/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz,"
                              "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
        const Run r = cli({"trial", "--db", db, "--calib-data", train, "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["evaluation_samples"].toInt(), 10000);
        QVERIFY(o["top1"].toDouble() > 0.85);
        const Run history = cli({"history", "--db", db, "--json"});
        QVERIFY(history.out.contains(";calib=idx:/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"));
        const Run weightOnly = cli({"trial", "--db", db, "--calib", "0", "--activations", "float", "--eval", "500"});
        QCOMPARE(weightOnly.code, 0);
        const Run refused = cli({"trial", "--db", db, "--calib", "0", "--eval", "500"});
        QCOMPARE(refused.code, 2);
        QVERIFY2(refused.err.contains("needs calibration samples"), qPrintable(refused.err));
    }

    void trialsAreRecordedAndCompared()
    {
        const QString db = m_dir.filePath("trials.db");
        const Run first = cli({"trial", "--db", db, "--eval", "500", "--name", "eight bits", "--json"});
        QCOMPARE(first.code, 0);
        QCOMPARE(QJsonDocument::fromJson(first.out.toUtf8()).object()["calibrations_run"].toInt(), 1);
        const Run four = cli({"trial", "--db", db, "--eval", "500", "--weights", "int4:per_channel:symmetric", "--json"});
        QCOMPARE(four.code, 0);
        // A new process, the same activation settings: the calibration comes from the database.
        QCOMPARE(QJsonDocument::fromJson(four.out.toUtf8()).object()["calibrations_run"].toInt(), 0);
        QVERIFY2(four.err.contains("recorded as trial 2 in " + db), qPrintable(four.err));
        const Run history = cli({"history", "--db", db, "--json"});
        QCOMPARE(history.code, 0);
        const QJsonArray trials = QJsonDocument::fromJson(history.out.toUtf8()).object()["trials"].toArray();
        QCOMPARE(trials.size(), 2);
        QCOMPARE(trials[0].toObject()["name"].toString(), QStringLiteral("eight bits"));
        QCOMPARE(trials[1].toObject()["config"].toObject()["weights"].toString(),
                 QStringLiteral("int4:per_channel:symmetric:minmax"));
        QVERIFY(trials[1].toObject()["size_bytes"].toDouble() < trials[0].toObject()["size_bytes"].toDouble());
        const Run compare = cli({"compare", "1", "2", "--db", db});
        QCOMPARE(compare.code, 0);
        QVERIFY2(compare.out.contains("*  block1.dw  int8:per_channel:symmetric:minmax  int4:per_channel:symmetric:minmax"),
                 qPrintable(compare.out));
        // The default database lives under XDG_DATA_HOME/QuantScope.
        QCOMPARE(cli({"trial", "--eval", "200"}).code, 0);
        QVERIFY(QFile::exists(dataHome() + "/QuantScope/quantscope.db"));
    }

    void inspectListsTheDemoLayers()
    {
        const Run r = cli({"inspect"});
        QCOMPARE(r.code, 0);
        for (const char* line : {"block1.dw  conv2d  32×1×3×3     320     1×32×28×28  1×32×14×14",
                                 "fc         linear  10×128       1,290   1×128       1×10"})
            QVERIFY2(r.out.contains(QString::fromUtf8(line)), qPrintable(r.out));
    }

    void profileJsonHasStatsAndAccuracy()
    {
        const Run r = cli({"profile", "--json", "--calib", "256"});
        QCOMPARE(r.code, 0);
        const QJsonObject root = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(root["calibration_samples"].toInt(), 256);
        QCOMPARE(root["evaluation_samples"].toInt(), 10000 - 256);
        QVERIFY2(root["float_top1"].toDouble() >= 0.88, qPrintable(QString::number(root["float_top1"].toDouble())));
        const QJsonArray layers = root["layers"].toArray();
        QCOMPARE(layers.size(), 8);
        const QJsonObject conv1 = layers[0].toObject();
        QCOMPARE(conv1["name"].toString(), QStringLiteral("conv1"));
        // conv1 sees the raw pixels: 256 images of 784 values in [0, 1].
        const QJsonObject act = conv1["activation"].toObject();
        QCOMPARE(act["count"].toDouble(), 256.0 * 784);
        QCOMPARE(act["min"].toDouble(), 0.0);
        QCOMPARE(act["max"].toDouble(), 1.0);
        QCOMPARE(conv1["weight"].toObject()["channel_min"].toArray().size(), 32);
        double total = 0;
        for (const auto& c : act["histogram"].toObject()["counts"].toArray())
            total += c.toDouble();
        QCOMPARE(total, 256.0 * 784);
    }

    void profileTablePrintsAccuracy()
    {
        const Run r = cli({"profile", "--eval", "2000"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("Float top-1: ") && r.out.contains("on 2000 evaluation samples"), qPrintable(r.out));
    }

    // The same demo trial run three times, each into a database of its own, the last with a
    // CPU-bound process beside it: the JSON is identical but for timings and ids — no stopwatch
    // decides a batch size or anything else that reaches a figure.
    void sameTrialSameNumbersUnderLoad()
    {
        const QStringList args{"trial", "--weights", "int4:per_tensor:symmetric:minmax", "--json"};
        QVector<QJsonValue> runs;
        for (int i = 0; i < 3; ++i) {
            QProcess busy;
            if (i == 2) {
                busy.start("/bin/sh", {"-c", "while :; do :; done"});
                QVERIFY(busy.waitForStarted());
            }
            const Run r = cli(QStringList(args) << "--db" << m_dir.filePath(QStringLiteral("same%1.db").arg(i)));
            if (i == 2) {
                busy.kill();
                busy.waitForFinished();
            }
            QCOMPARE(r.code, 0);
            const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
            QCOMPARE(o["batch"].toInt(), 64); // chosen from the demo's shapes
            QCOMPARE(o["calibration_samples"].toInt(), 512);
            runs << withoutTimingsAndIds(o);
        }
        QCOMPARE(runs[1], runs[0]);
        QCOMPARE(runs[2], runs[0]);
    }

    // A figure is never computed on nothing: the int8 export of a trial evaluates on the trial's
    // own split (here calibrated on 256 of 512 samples), not on the CLI's default calibration of
    // 512, which would leave no sample to evaluate or time.
    void int8ExportUsesTheTrialsSplit()
    {
        const QString db = m_dir.filePath("split.db");
        const QString data = "random:1,28,28?n=512&seed=3";
        const Run trial = cli({"trial", "--db", db, "--data", data, "--calib", "256", "--json"});
        QCOMPARE(trial.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(trial.out.toUtf8()).object();
        QCOMPARE(o["calibration_samples"].toInt(), 256);
        QCOMPARE(o["evaluation_samples"].toInt(), 256);
        const QString id = QString::number(o["id"].toInt());
        const Run int8 = cli({"export", id, "--db", db, "--format", "int8", "--out", m_dir.filePath("split_int8.pt")});
        QCOMPARE(int8.code, 0);
        QVERIFY2(int8.out.contains("on 256 evaluation samples") && !int8.out.contains("on 0 evaluation samples"),
                 qPrintable(int8.out));
        // A trial that leaves nothing to evaluate is refused, with why.
        const Run none = cli({"trial", "--db", db, "--data", data, "--calib", "512"});
        QCOMPARE(none.code, 2);
        QVERIFY2(none.err.contains("leaves no samples to evaluate after calibration"), qPrintable(none.err));
    }

    void w8a8TrialKeepsAccuracyAndTwoBitsLoseIt()
    {
        const Run w8a8 = cli({"trial", "--json"});
        QCOMPARE(w8a8.code, 0);
        const QJsonObject a = QJsonDocument::fromJson(w8a8.out.toUtf8()).object();
        QVERIFY2(a["float_top1"].toDouble() - a["top1"].toDouble() <= 0.005, qPrintable(w8a8.out.left(300)));
        // Size: int8 weights + one fp32 scale and int32 zero point per output channel + fp32 biases.
        // conv1 32×1×3×3, block1 32×1×3×3 + 64×32, block2 64×1×3×3 + 128×64, block3 128×1×3×3 +
        // 128×128, fc 10×128; the biases (one per channel) are all that is left after folding.
        const qint64 weights = 288 + 288 + 2048 + 576 + 8192 + 1152 + 16384 + 1280;
        const qint64 channels = 32 + 32 + 64 + 64 + 128 + 128 + 128 + 10;
        const qint64 others = channels;
        QCOMPARE(weights + others, qint64(30794)); // the parameter count `inspect` prints
        QCOMPARE(qint64(a["size_bytes"].toDouble()), weights + channels * 8 + others * 4);
        QCOMPARE(qint64(a["float_bytes"].toDouble()), qint64(30794 * 4));
        QCOMPARE(a["layers"].toArray()[0].toObject()["weight_scale"].toArray().size(), 32);

        const Run int2 = cli({"trial", "--json", "--weights", "int2:per_channel:symmetric", "--activations", "float"});
        QCOMPARE(int2.code, 0);
        const QJsonObject b = QJsonDocument::fromJson(int2.out.toUtf8()).object();
        QVERIFY(b["float_top1"].toDouble() - b["top1"].toDouble() > 0.10);
        QVERIFY(b["output_sqnr_db"].toDouble() < a["output_sqnr_db"].toDouble());
    }

    // The demo's depthwise layers have channels whose ranges differ by an order of magnitude (as
    // in MobileNet): one 4-bit scale per tensor wipes out the small channels, one per channel
    // does not. The per-layer table says where: block1.dw has the worst weight SQNR per tensor.
    void fourBitsPerTensorLoseMoreThanPerChannel()
    {
        auto run = [&](const char* weights) {
            const Run r = cli({"trial", "--json", "--weights", weights, "--activations", "float"});
            [&] { QCOMPARE(r.code, 0); }();
            return QJsonDocument::fromJson(r.out.toUtf8()).object();
        };
        const QJsonObject perTensor = run("int4:per_tensor:symmetric"), perChannel = run("int4:per_channel:symmetric");
        const double tensorDrop = 100 * (perTensor["float_top1"].toDouble() - perTensor["top1"].toDouble());
        const double channelDrop = 100 * (perChannel["float_top1"].toDouble() - perChannel["top1"].toDouble());
        QVERIFY2(tensorDrop > channelDrop + 10 && channelDrop < 5,
                 qPrintable(QStringLiteral("per tensor %1, per channel %2 points").arg(tensorDrop).arg(channelDrop)));
        auto weightSqnr = [](const QJsonObject& trial, const QString& layer) {
            for (const auto& l : trial["layers"].toArray())
                if (l.toObject()["name"].toString() == layer)
                    return l.toObject()["weight_sqnr_db"].toDouble();
            return qQNaN();
        };
        QString worst;
        double lowest = qInf();
        for (const auto& l : perTensor["layers"].toArray())
            if (l.toObject()["weight_sqnr_db"].toDouble() < lowest)
                lowest = l.toObject()["weight_sqnr_db"].toDouble(), worst = l.toObject()["name"].toString();
        QCOMPARE(worst, QStringLiteral("block1.dw"));
        QVERIFY(weightSqnr(perChannel, "block1.dw") > weightSqnr(perTensor, "block1.dw") + 6);
    }

    // The "done": within 1 point of float and smaller than every layer at int8, every
    // candidate recorded, the result confirmed on the whole evaluation split.
    void searchFindsASmallerModelWithinOnePoint()
    {
        const QString db = m_dir.filePath("search.db");
        const Run search = cli({"search", "--db", db, "--max-drop", "1.0", "--bits", "2,4,8,float", "--subset", "1024", "--json"});
        QCOMPARE(search.code, 0);
        const QJsonObject r = QJsonDocument::fromJson(search.out.toUtf8()).object();
        QVERIFY(r["within_budget"].toBool());
        QCOMPARE(r["evaluation_samples"].toInt(), 9488);
        QCOMPARE(r["subset_samples"].toInt(), 1024);
        QVERIFY(r["float_top1"].toDouble() - r["top1"].toDouble() <= 0.01);
        const Run int8 = cli({"trial", "--db", db, "--json"}); // the search's starting point
        QCOMPARE(int8.code, 0);
        QVERIFY(r["size_bytes"].toDouble() < QJsonDocument::fromJson(int8.out.toUtf8()).object()["size_bytes"].toDouble());
        const Run history = cli({"history", "--db", db, "--json"});
        const QJsonArray trials = QJsonDocument::fromJson(history.out.toUtf8()).object()["trials"].toArray();
        QCOMPARE(trials.size(), r["trials"].toInt() + 1);
        QCOMPARE(trials[0].toObject()["origin"].toString(), QStringLiteral("sensitivity"));
        QCOMPARE(trials[r["trials"].toInt() - 1].toObject()["origin"].toString(), QStringLiteral("search"));
        QCOMPARE(trials[r["trials"].toInt() - 1].toObject()["id"].toInt(), r["best_trial"].toInt());
        QVERIFY2(search.err.contains("[1] search sensitivity: only conv1 at int2"), qPrintable(search.err.left(400)));
    }

    void sensitivityRanksTheDemoLayers()
    {
        const Run r = cli({"sensitivity", "--db", m_dir.filePath("search.db"), "--subset", "512", "--no-converse", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonArray layers = QJsonDocument::fromJson(r.out.toUtf8()).object()["layers"].toArray();
        QCOMPARE(layers.size(), 8);
        for (int i = 1; i < layers.size(); ++i)
            QVERIFY(layers[i - 1].toObject()["drop"].toDouble() >= layers[i].toObject()["drop"].toDouble());
        QVERIFY(!layers[0].toObject().contains("converse_drop"));
    }

    // The same trial from .npy arrays, a torch.save file and a folder of PNGs (tiny CNN, 8×8).
    void trialsOnOtherDataFormats()
    {
        const QString tiny = QStringLiteral(QS_FIXTURES "/tiny_cnn_scripted.pt");
        QVector<float> pixels(700 * 64);
        QVector<qint64> labels(700);
        for (int i = 0; i < pixels.size(); ++i)
            pixels[i] = float((i * 37) % 101) / 100.0f;
        for (int i = 0; i < labels.size(); ++i)
            labels[i] = i % 6;
        const QString x = qs::testing::writeFile(m_dir.filePath("x.npy"),
            qs::testing::npyBytes("<f4", "(700, 1, 8, 8)", QByteArray(reinterpret_cast<const char*>(pixels.data()), pixels.size() * 4)));
        const QString y = qs::testing::writeFile(m_dir.filePath("y.npy"),
            qs::testing::npyBytes("<i8", "(700,)", QByteArray(reinterpret_cast<const char*>(labels.data()), labels.size() * 8)));
        const Run npy = cli({"trial", tiny, "--data", "npy:" + x + "," + y, "--calib", "200", "--json", "--db", m_dir.filePath("formats.db")});
        QVERIFY2(npy.code == 0, qPrintable(npy.err));
        QCOMPARE(QJsonDocument::fromJson(npy.out.toUtf8()).object()["evaluation_samples"].toInt(), 500);

        QDir(m_dir.path()).mkpath("folder/a");
        QDir(m_dir.path()).mkpath("folder/b");
        for (int i = 0; i < 40; ++i) {
            QImage image(8, 8, QImage::Format_Grayscale8);
            image.fill(QColor(i * 6, i * 6, i * 6));
            image.save(m_dir.filePath(QStringLiteral("folder/%1/%2.png").arg(i % 2 ? "b" : "a").arg(i)));
        }
        const Run folder = cli({"trial", tiny, "--data", "folder:" + m_dir.filePath("folder") + "?size=8&gray=1", "--calib", "16",
                                "--json", "--db", m_dir.filePath("formats.db")});
        QVERIFY2(folder.code == 0, qPrintable(folder.err));
        QCOMPARE(QJsonDocument::fromJson(folder.out.toUtf8()).object()["evaluation_samples"].toInt(), 24);
        const Run tensors = cli({"trial", tiny, "--data", QStringLiteral("tensors:" QS_FIXTURES "/tensors_dict.pt"), "--calib", "8",
                                 "--json", "--db", m_dir.filePath("formats.db")});
        QVERIFY2(tensors.code == 0, qPrintable(tensors.err));
        QCOMPARE(QJsonDocument::fromJson(tensors.out.toUtf8()).object()["evaluation_samples"].toInt(), 12);
        // The wrong channels for the model: the message says what the model's first layer takes.
        const Run rgb = cli({"inspect", tiny, "--data", "folder:" + m_dir.filePath("folder") + "?size=8"});
        QCOMPARE(rgb.code, 2);
        QVERIFY2(rgb.err.contains("its first layer features.0 takes 1 input channels, the data has 3"), qPrintable(rgb.err));
    }

    // A language model with token windows: the preset (group-wise int4, weight-only) without
    // settings, perplexity in the table and the JSON, and a search within +0.1 perplexity.
    void languageModelTrialAndSearch()
    {
        const QString lm = QStringLiteral(QS_FIXTURES "/tiny_lm_scripted.pt");
        const QString tokens = QStringLiteral("tensors:" QS_FIXTURES "/tiny_lm_tokens.pt");
        const QString db = m_dir.filePath("lm.db");
        const Run table = cli({"trial", lm, "--data", tokens, "--eval", "128", "--db", db});
        QVERIFY2(table.code == 0, qPrintable(table.err));
        QVERIFY2(table.out.contains("Perplexity: ") && table.out.contains(" perplexity); next-token top-1 "),
                 qPrintable(table.out));
        QVERIFY2(table.out.contains("int4:group128:symmetric"), qPrintable(table.out));
        const Run json = cli({"trial", lm, "--data", QStringLiteral("npy:" QS_FIXTURES "/tiny_lm_tokens.npy"), "--eval", "128",
                              "--weights", "int3:group128:symmetric", "--json", "--db", db});
        QVERIFY2(json.code == 0, qPrintable(json.err));
        const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(o["metric"].toString(), QStringLiteral("perplexity"));
        QVERIFY(o["perplexity"].toDouble() > o["float_perplexity"].toDouble() + 0.5); // 3 bits hurt
        QCOMPARE(o["config"].toObject()["mode"].toString(), QStringLiteral("weight-only"));
        const Run profile = cli({"profile", lm, "--data", tokens, "--eval", "128"});
        QVERIFY2(profile.out.contains("Float perplexity: ") && profile.out.contains("evaluation windows"), qPrintable(profile.out));
        const Run history = cli({"history", "--db", db});
        QVERIFY2(history.out.contains(" perplexity"), qPrintable(history.out));
        const Run search = cli({"search", lm, "--data", tokens, "--eval", "128", "--subset", "128", "--max-drop", "0.1",
                                "--json", "--db", db});
        QVERIFY2(search.code == 0, qPrintable(search.err));
        const QJsonObject best = QJsonDocument::fromJson(search.out.toUtf8()).object();
        QVERIFY(best["within_budget"].toBool());
        QVERIFY(best["perplexity"].toDouble() - best["float_perplexity"].toDouble() <= 0.1);
        QCOMPARE(best["max_drop"].toDouble(), 0.1);
    }

    void badInputGivesOneLineAndExitCode2_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString text = m_dir.filePath("notes.pt");
        QFile f(text);
        f.open(QIODevice::WriteOnly);
        f.write("these are notes, not a model\n");
        f.close();
        QTest::newRow("text file as model") << QStringList{"inspect", text} << text + " is not a TorchScript model";
        QTest::newRow("missing model") << QStringList{"profile", "/no/such/model.pt"} << "cannot open model /no/such/model.pt";
        QTest::newRow("bad data spec") << QStringList{"profile", "--data", "csv:x"} << "unknown format 'csv'";
        QTest::newRow("missing data") << QStringList{"inspect", "--data", "idx:/no/images"} << "cannot open /no/images";
        QTest::newRow("bad calib") << QStringList{"profile", "--calib", "zero"} << "--calib zero";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command 'frobnicate'";
        QTest::newRow("9-bit weights") << QStringList{"trial", "--weights", "int9"} << "9 bits is not supported";
        QTest::newRow("1-bit activations") << QStringList{"trial", "--activations", "uint1"} << "1 bits is not supported";
        QTest::newRow("nine-bit choice") << QStringList{"search", "--bits", "2,9"} << "bit choice '9' is not 2 to 8 or float";
        QTest::newRow("drop over 100") << QStringList{"search", "--max-drop", "200"} << "--max-drop 200";
        QTest::newRow("bad size") << QStringList{"search", "--target-size", "12Q"} << "--target-size 12Q";
        QTest::newRow("zero subset") << QStringList{"sensitivity", "--subset", "0"} << "--subset 0";
        QTest::newRow("bad mode") << QStringList{"trial", "--mode", "eager"} << "--mode eager";
        // A database of these rows' own with one trial (CTest may run them apart from the rest).
        const QString rows = m_dir.filePath("rows.db");
        if (!QFile::exists(rows))
            QCOMPARE(cli({"trial", "--db", rows, "--eval", "64"}).code, 0);
        QTest::newRow("unknown trial") << QStringList{"compare", "1", "999", "--db", rows} << "has no trial 999";
        QTest::newRow("bad trial id") << QStringList{"compare", "one", "2", "--db", rows} << "'one' is not a trial id";
        QTest::newRow("missing database") << QStringList{"history", "--db", m_dir.filePath("none.db")} << "does not exist";
        const QString junk = m_dir.filePath("junk.db");
        QFile j(junk);
        j.open(QIODevice::WriteOnly);
        j.write(QByteArray(4096, 'x'));
        j.close();
        QTest::newRow("corrupt database") << QStringList{"history", "--db", junk} << "not a QuantScope database";
        QTest::newRow("wrong input shape") << QStringList{"inspect", QStringLiteral(QS_FIXTURES "/tiny_cnn_scripted.pt")}
                                           << "cannot run on t10k-images-idx3-ubyte.gz";
    }
    void badInputGivesOneLineAndExitCode2()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count(u'\n'), 0);
        QVERIFY(r.out.isEmpty());
    }
};

QS_TEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
