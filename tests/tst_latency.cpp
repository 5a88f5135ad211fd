// The time profile: the float and the int8 model of the demo, op by op through LibTorch's
// RecordFunction hooks; the layers' times add up to the end-to-end median; the Chrome trace
// parses with its events; the CLI's latency command and its bad input.

#include "testutils.h"

#include "errors.h"
#include "int8.h"
#include "latency.h"
#include "model.h"
#include "runtime.h"
#include "trial.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace qs;

namespace {

/// The profile's structure, which holds on any machine under any load: every op the hooks
/// recorded is matched to a node of the graph once, and the layers' parts and "between layers"
/// add up to the profiled total of the same runs; the plain end-to-end figure, timed in runs
/// interleaved with those, within a factor of three of it (the hooks cost time of their own).
bool addsUp(const LatencyProfile& p)
{
    return p.recordedOps > 0 && p.attributedOps == p.recordedOps && p.events.size() == p.recordedOps &&
           p.profiledTotalMs > 0 && std::abs(p.profiledMs() - p.profiledTotalMs) <= 1e-9 * p.profiledTotalMs &&
           p.endToEndMs > p.profiledTotalMs / 3 && p.endToEndMs < 3 * p.profiledTotalMs;
}

QString describe(const LatencyProfile& p)
{
    QStringList parts;
    for (const LayerTime& l : p.layers)
        parts << QStringLiteral("%1 %2+%3").arg(l.name).arg(l.kernelMs).arg(l.quantizeMs);
    return QStringLiteral("%1: end to end %2 ms, profiled %3 ms of %6 (between %4; %7 of %8 ops attributed): %5")
        .arg(p.label)
        .arg(p.endToEndMs)
        .arg(p.profiledMs())
        .arg(p.betweenMs)
        .arg(parts.join(QStringLiteral(", ")))
        .arg(p.profiledTotalMs)
        .arg(p.attributedOps)
        .arg(p.recordedOps);
}

} // namespace

class TestLatency : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { initRuntime(); }

    // The demo, float and W8A8 on int8 kernels, at batch 32: each layer's op timed under it,
    // the int8 layers' quantize/dequantize apart, the parts adding up to the profiled total, the
    // Chrome trace holding every op of one run with its layer.
    void demoFloatAndInt8()
    {
        auto model = loadDemoModel();
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions options;
        options.evaluationLimit = 512;
        TrialRunner runner(model, data, options);
        const QuantConfig w8a8;
        const TrialResult trial = runner.run(w8a8, JobControl());
        LatencyOptions latency;
        latency.batch = 32;
        latency.runs = 30;
        // One thread: other tests run beside this one (ctest -j2), and an op split over two
        // threads waits for whichever the machine lends last; one thread makes every run pay alike.
        latency.threads = 1;
        const LatencyProfile f = floatLatency(*model, *data, options.calibrationSamples, latency, JobControl());
        const LatencyProfile q = int8Latency(*model, *data, w8a8, trial, options, latency, JobControl());
        QCOMPARE(f.batch, 32);
        QCOMPARE(f.layers.size(), 8);
        QCOMPARE(q.layers.size(), 8);
        for (int i = 0; i < 8; ++i) {
            QVERIFY2(f.layers[i].kernelMs > 0 && f.layers[i].quantizeMs == 0, qPrintable(describe(f)));
            QVERIFY2(q.layers[i].int8 && q.layers[i].kernelMs > 0, qPrintable(describe(q)));
        }
        // conv1 quantizes the float image; block3.pw dequantizes before the float mean; fc
        // quantizes again. The layers chained through ReLU pass int8 on: no quantize op.
        QVERIFY2(q.layers[0].quantizeMs > 0 && q.layers[6].quantizeMs > 0 && q.layers[7].quantizeMs > 0, qPrintable(describe(q)));
        QCOMPARE(q.layers[2].quantizeMs, 0.0);
        QVERIFY2(addsUp(f), qPrintable(describe(f)));
        QVERIFY2(addsUp(q), qPrintable(describe(q)));
        // Between the layers run only ReLUs, the pool, the flatten (and in the int8 model the
        // quantized ops between layers): no layer's op is left unattributed.
        for (const LatencyProfile* p : {&f, &q})
            for (const LatencyProfile::Event& e : p->events)
                QVERIFY2(e.site >= 0 || !(e.name.contains("conv") || e.name.contains("linear")),
                         qPrintable(p->label + ": " + e.name));

        const QJsonDocument trace = QJsonDocument::fromJson(chromeTrace({f, q}));
        const QJsonArray events = trace.object().value("traceEvents").toArray();
        int complete = 0, conv1 = 0, processes = 0;
        for (const QJsonValue& v : events) {
            const QJsonObject e = v.toObject();
            if (e.value("ph") == "M" && e.value("name") == "process_name")
                ++processes;
            if (e.value("ph") != "X")
                continue;
            ++complete;
            QVERIFY(e.contains("ts") && e.value("dur").toDouble() >= 0 && e.contains("pid") && e.contains("tid"));
            conv1 += e.value("args").toObject().value("layer") == "conv1" &&
                     (e.value("name") == "aten::conv2d" || e.value("name") == "quantized::conv2d_relu");
        }
        QCOMPARE(processes, 2);
        QCOMPARE(complete, f.events.size() + q.events.size());
        QCOMPARE(conv1, 2); // the float conv and the int8 conv2d_relu
    }

    // An embedding (no input probe) is timed under its layer; an LSTM's layers are one LibTorch
    // call, timed under the first, the others saying so.
    void embeddingAndRecurrentLayers()
    {
        auto model = Model::load(QStringLiteral(QS_FIXTURES "/lstm_lm_scripted.pt"));
        auto data = Dataset::load(DataSpec::parse(QStringLiteral("tensors:" QS_FIXTURES "/tiny_lm_tokens.pt")));
        LatencyOptions latency;
        latency.runs = 6;
        latency.threads = 1;
        const LatencyProfile f = floatLatency(*model, *data, 512, latency, JobControl());
        QCOMPARE(f.layers.size(), 4);
        QVERIFY2(f.layers[0].kernelMs > 0 && f.layers[1].kernelMs > 0 && f.layers[3].kernelMs > 0, qPrintable(describe(f)));
        QCOMPARE(f.layers[2].totalMs(), 0.0);
        QVERIFY(f.layers[2].note.contains("first layer of its module"));
    }

    // The CLI: the per-layer table with both models, the trace file, and one line with exit
    // code 2 for --runs 0, --threads 0 and a trial that is not there.
    void cli()
    {
        const QString db = m_dir.filePath("latency.db");
        const auto trial = test::runCli({"trial", "--db", db, "--eval", "256"}, m_dir.path());
        QCOMPARE(trial.code, 0);
        const QString trace = m_dir.filePath("trace.json");
        const auto r = test::runCli({"latency", "--trial", "1", "--db", db, "--runs", "10", "--trace", trace}, m_dir.path());
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (const char* word : {"block1.dw", "(between layers)", "(end to end)", "int8", "than float"})
            QVERIFY2(r.out.contains(QLatin1String(word)), qPrintable(r.out));
        QFile f(trace);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(QJsonDocument::fromJson(f.readAll()).object().value("traceEvents").toArray().size() > 20);
        // The trial keeps its int8 model's latency, for the history.
        const auto history = test::runCli({"history", "--db", db, "--json"}, m_dir.path());
        const QJsonObject kept =
            QJsonDocument::fromJson(history.out.toUtf8()).object().value("trials").toArray().at(0).toObject();
        QCOMPARE(kept.value("latency_batch").toInt(), 1);
        QVERIFY2(kept.value("int8_ms").toDouble() > 0 && kept.value("float_ms").toDouble() > 0, qPrintable(history.out));
        const QList<QPair<QStringList, QString>> refused = {
            {{"latency", "--runs", "0"}, "--runs 0"},
            {{"latency", "--threads", "0"}, "--threads 0"},
            {{"latency", "--trial", "99", "--db", db}, "trial 99"},
            {{"search", "--max-latency", "0", "--db", db}, "--max-latency 0: expected milliseconds above 0"},
            {{"search", "--max-latency", "0.5", "--bits", "4,float", "--eval", "64", "--db", db},
             "a latency budget needs 8 among the bit choices: only 8-bit layers run on int8 kernels"}};
        for (const auto& [args, message] : refused) {
            const auto bad = test::runCli(args, m_dir.path());
            QCOMPARE(bad.code, 2);
            QCOMPARE(bad.err.count(QStringLiteral("quantscope-cli: ")), 1);
            QVERIFY2(bad.err.contains(message), qPrintable(bad.err));
        }
        // A latency budget the search meets: the result's int8 model measured and kept with it.
        const auto search = test::runCli({"search", "--max-latency", "10", "--bits", "4,8,float", "--subset", "512", "--eval",
                                          "1024", "--db", db, "--json"},
                                         m_dir.path());
        QVERIFY2(search.code == 0, qPrintable(search.err));
        const QJsonObject found = QJsonDocument::fromJson(search.out.toUtf8()).object();
        QVERIFY2(found.value("int8_ms").toDouble() > 0 && found.value("int8_ms").toDouble() <= 10, qPrintable(search.out));
        QVERIFY(found.value("predicted_int8_ms").toDouble() > 0);
        const auto after = test::runCli({"history", "--db", db, "--json"}, m_dir.path());
        bool kept8 = false;
        for (const QJsonValue& t : QJsonDocument::fromJson(after.out.toUtf8()).object().value("trials").toArray())
            kept8 = kept8 || (t.toObject().value("id").toDouble() == found.value("best_trial").toDouble() &&
                              t.toObject().value("int8_ms").toDouble() == found.value("int8_ms").toDouble());
        QVERIFY2(kept8, qPrintable(after.out));
    }
};

QTEST_GUILESS_MAIN(TestLatency)
#include "tst_latency.moc"
