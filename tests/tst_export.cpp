// Export: the generated PyTorch script runs in Debian's PyTorch and its observers give the same
// scale and zero point as QuantScope; CSV; files written whole or not at all.

#include "idxwrite.h"
#include "testmain.h"
#include "testutils.h"
#include "data_p.h"
#include "errors.h"
#include "export.h"
#include "int8.h"
#include "model_p.h"
#include "runtime.h"
#include "trial.h"

#include <torch/script.h>

#include <sstream>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace qs;

namespace {

using qs::test::Run;

Run run(const QString& program, const QStringList& args, const QString& dataHome)
{
    return qs::test::runProgram(program, args, dataHome);
}

/// The suite's one Python process (made in initTestCase, ended in cleanupTestCase).
std::unique_ptr<qs::test::PythonChecks> g_python;

/// What `/usr/bin/python3 ARGS` prints, run in the suite's Python process.
Run python3(const QStringList& args)
{
    return g_python->run(args);
}

/// Python's PyTorch loads a TorchScript file and runs it on Fashion-MNIST test images.
Run runTorchScriptCheck(const QString& model, qint64 first, int count);

const QString kCli = QStringLiteral(QS_CLI);
const QString kCheck = QStringLiteral(QS_SOURCE "/tests/export/check_pytorch_export.py");
const QString kDemo = QStringLiteral(QS_SOURCE "/resources/fashion_mobilenet.pt");
const QString kImages = QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

Run runTorchScriptCheck(const QString& model, qint64 first, int count)
{
    return python3({QStringLiteral(QS_SOURCE "/tests/export/check_torchscript_export.py"), model, kImages,
                QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"), QString::number(first),
                QString::number(count)});
}

/// Runs a check script (tests/export/NAME) on an exported Python script and the model, with the
/// Fashion-MNIST test files; it prints "top1 P". Returns P, or NaN with `failure` set.
double exportedScriptTop1(const QString& check, const QString& script, const QString& model,
                          QString& failure, const QStringList& more = {})
{
    const Run python = python3(QStringList{QStringLiteral(QS_SOURCE "/tests/export/") + check, script, model, kImages,
                                       QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")} + more);
    if (python.code != 0 || !python.out.contains("top1 ")) {
        failure = python.out + python.err;
        return std::nan("");
    }
    return python.out.section("top1 ", 1).trimmed().toDouble();
}

} // namespace

class TestExport : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    /// Records a trial with the CLI (`trialArgs` after "trial --db DB") and exports it as
    /// Python; returns the script's path and text (empty after a failed check).
    std::pair<QString, QString> exportedScript(const QString& db, const QStringList& trialArgs)
    {
        const Run trial = run(kCli, QStringList{"trial", "--db", db} + trialArgs, m_dir.path());
        if (trial.code != 0) {
            qWarning("%s", qPrintable(trial.err));
            return {};
        }
        const QString id = trial.err.section("recorded as trial ", 1).section(' ', 0, 0);
        const QString script = m_dir.filePath(QFileInfo(db).baseName() + id + ".py");
        const Run exported = run(kCli, {"export", id, "--db", db, "--format", "python", "--out", script}, m_dir.path());
        QFile f(script);
        if (exported.code != 0 || !f.open(QIODevice::ReadOnly)) {
            qWarning("%s", qPrintable(exported.err));
            return {};
        }
        return {script, QString::fromUtf8(f.readAll())};
    }

private Q_SLOTS:
    void initTestCase()
    {
        initRuntime();
        g_python = std::make_unique<qs::test::PythonChecks>();
    }
    void cleanupTestCase() { g_python.reset(); }

    // A trial recorded by the CLI, exported as a Python script, run by PyTorch itself: the weight
    // observers of block1.dw, block3.pw and fc and conv1's input observer give QuantScope's scale
    // and zero point.
    void pythonScriptReproducesTheObservers_data()
    {
        QTest::addColumn<QStringList>("trialArgs");
        QTest::addColumn<QString>("convertible");
        QTest::newRow("W8A8: PyTorch's int8 kernels") << QStringList{} << "CONVERTIBLE = True";
        const QString config = m_dir.filePath("mixed.json");
        QFile f(config);
        f.open(QIODevice::WriteOnly);
        f.write(R"({"format": "quantscope-config", "version": 1, "mode": "static",
                    "weights": "int4:per_channel:symmetric:minmax", "activations": "uint8:per_tensor:affine:histogram",
                    "layers": {"conv1": {"weights": "int8:per_channel:symmetric:minmax"},
                               "fc": {"weights": "int2:per_channel:symmetric:minmax"},
                               "block3.dw": {"weights": "float", "activations": "float"}}})");
        f.close();
        QTest::newRow("mixed 2/4/8 bits and a float layer: fake-quantized")
            << QStringList{"--config", config} << "CONVERTIBLE = False";
        // Fixed ranges (range:LO,HI) as the clipping handles set them: FixedQParamsObserver.
        const QString fixed = m_dir.filePath("fixed.json");
        QFile g(fixed);
        g.open(QIODevice::WriteOnly);
        g.write(R"({"format": "quantscope-config", "version": 1, "mode": "static",
                    "weights": "int8:per_channel:symmetric:minmax", "activations": "uint8:per_tensor:affine:histogram",
                    "layers": {"conv1": {"activations": "uint8:per_tensor:affine:range:0,1.02"},
                               "block3.pw": {"weights": "int8:per_tensor:symmetric:range:-0.5,0.5"}}})");
        g.close();
        QTest::newRow("fixed ranges: FixedQParamsObserver") << QStringList{"--config", fixed} << "CONVERTIBLE = True";
    }
    void pythonScriptReproducesTheObservers()
    {
        QFETCH(QStringList, trialArgs);
        QFETCH(QString, convertible);
        const auto [script, text] =
            exportedScript(m_dir.filePath("export.db"), QStringList{"--eval", "256", "--json"} + trialArgs);
        QVERIFY(!text.isEmpty());
        QVERIFY(text.contains(convertible));
        if (trialArgs.isEmpty()) {
            QVERIFY(!text.contains("set_module_name")); // every layer at the defaults
        } else if (QTest::currentDataTag() == QByteArray("fixed ranges: FixedQParamsObserver")) {
            QVERIFY(text.contains("FixedQParamsObserver.with_args(scale=0.0039999997"));   // 1.02 / 255 in float32
            QVERIFY(text.contains("the fixed range [-0.5, 0.5]"));
        } else {
            QVERIFY(text.contains(R"(qconfig_mapping.set_module_name("block3.dw", None))"));
            QVERIFY(text.contains("quant_min=-2, quant_max=1"));
        }
        const Run python = python3({kCheck, script, kDemo, kImages});
        QVERIFY2(python.code == 0, qPrintable(python.out + python.err));
        QCOMPARE(python.out.count(QRegularExpression("^ok ", QRegularExpression::MultilineOption)), 4);
        QVERIFY2(python.out.contains("quantized model runs"), qPrintable(python.out));
    }

    // A trial with cross-layer equalization and bias correction exported three ways, each run in
    // PyTorch: the Python script (with the weights file written beside it: batch norm folded,
    // the changed weights loaded) and the baked TorchScript give the trial's top-1 within 0.3
    // point over the evaluation split; the int8 model (W8A8 trial) agrees with its trial too.
    void techniquesTravelWithTheExports()
    {
        const QString db = m_dir.filePath("techniques.db");
        const Run trial = run(kCli, {"trial", "--db", db, "--weights", "int4:per_tensor:symmetric", "--activations", "float",
                                     "--cle", "--bias-correction", "--json"}, m_dir.path());
        QVERIFY2(trial.code == 0, qPrintable(trial.err));
        const QJsonObject o = QJsonDocument::fromJson(trial.out.toUtf8()).object();
        const double top1 = 100 * o["top1"].toDouble();
        QCOMPARE(o["config"].toObject()["techniques"].toObject()["cle"].toBool(), true);
        QVERIFY(!o["layers"].toArray()[0].toObject()["bias_correction"].toArray().isEmpty());
        const QString id = trial.err.section("recorded as trial ", 1).section(' ', 0, 0);
        const QString script = m_dir.filePath("techniques.py");
        const Run exported = run(kCli, {"export", id, "--db", db, "--format", "python", "--out", script}, m_dir.path());
        QVERIFY2(exported.code == 0, qPrintable(exported.err));
        QVERIFY(QFileInfo::exists(m_dir.filePath("techniques_weights.pt")));
        QString failure;
        const double scriptTop1 = exportedScriptTop1("check_technique_export.py", script, kDemo, failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY2(std::abs(scriptTop1 - top1) <= 0.3, qPrintable(QStringLiteral("PyTorch %1%, trial %2%").arg(scriptTop1).arg(top1)));

        const QString baked = m_dir.filePath("techniques.pt");
        QCOMPARE(run(kCli, {"export", id, "--db", db, "--format", "torchscript", "--out", baked}, m_dir.path()).code, 0);
        const Run torchscript = runTorchScriptCheck(baked, 512, 9488);
        QVERIFY2(torchscript.code == 0, qPrintable(torchscript.err));
        const double bakedTop1 = 100 * torchscript.out.section("correct ", 1).section('\n', 0, 0).toDouble() / 9488;
        QVERIFY2(std::abs(bakedTop1 - top1) <= 0.3, qPrintable(QStringLiteral("baked %1%, trial %2%").arg(bakedTop1).arg(top1)));
    }

    // An AdaRound trial keeps its rounding, a SeqMSE trial its ranges: the baked TorchScript gives
    // PyTorch the trial's exact top-1 (kept with the trial, the weights not quantized again); the
    // Python script ships the rounded weights and fixes the trial's scales and zero points in an
    // observer of its own (PyTorch's would compute others from the weights): PyTorch running it
    // gets the trial's top-1 to one sample.
    void learntWeightsTravelWithTheExports_data()
    {
        QTest::addColumn<QString>("technique");
        QTest::newRow("AdaRound") << "--adaround=200";
        QTest::newRow("SeqMSE") << "--seqmse";
    }
    void learntWeightsTravelWithTheExports()
    {
        QFETCH(QString, technique);
        const QString db = m_dir.filePath("adaround.db");
        const Run trial = run(kCli, {"trial", "--db", db, "--weights", "int4:per_channel:symmetric", "--activations", "float",
                                     technique, "--json"}, m_dir.path());
        QVERIFY2(trial.code == 0, qPrintable(trial.err));
        const QJsonObject o = QJsonDocument::fromJson(trial.out.toUtf8()).object();
        if (technique == "--seqmse") {
            QCOMPARE(o["config"].toObject()["techniques"].toObject()["seqmse"].toString(), QString("mse"));
            QCOMPARE(o["layers"].toArray()[1].toObject()["seqmse_chosen"].toArray().size(), 32);
        } else {
            QCOMPARE(o["config"].toObject()["techniques"].toObject()["adaround"].toInt(), 200);
            QVERIFY(o["layers"].toArray()[1].toObject()["adaround_flipped_share"].toDouble() > 0);
        }
        const QString id = trial.err.section("recorded as trial ", 1).section(' ', 0, 0);
        const QString baked = m_dir.filePath("adaround.pt");
        QCOMPARE(run(kCli, {"export", id, "--db", db, "--format", "torchscript", "--out", baked}, m_dir.path()).code, 0);
        const Run torchscript = runTorchScriptCheck(baked, 512, 9488);
        QVERIFY2(torchscript.code == 0, qPrintable(torchscript.err));
        const qint64 correct = torchscript.out.section("correct ", 1).section('\n', 0, 0).toLongLong();
        QCOMPARE(correct, qRound64(o["top1"].toDouble() * 9488));
        const QString script = m_dir.filePath("adaround.py");
        const Run exported = run(kCli, {"export", id, "--db", db, "--format", "python", "--out", script}, m_dir.path());
        QVERIFY2(exported.code == 0, qPrintable(exported.err));
        QFile text(script);
        QVERIFY(text.open(QIODevice::ReadOnly));
        QVERIFY(text.readAll().contains("FakeQuantize.with_args(observer=TrialPerChannelQParams")); // the trial's own grid, fixed
        QString failure;
        const double scriptTop1 = exportedScriptTop1("check_technique_export.py", script, kDemo, failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY2(std::abs(scriptTop1 - 100 * o["top1"].toDouble()) <= 100.0 / 9488, // one sample
                 qPrintable(QStringLiteral("PyTorch %1%, trial %2%").arg(scriptTop1).arg(100 * o["top1"].toDouble())));
    }

    // A dynamic trial of the LSTM language model, exported as Python: the script is
    // quantize_dynamic with one qconfig per module (the LSTM's two layers one entry), and PyTorch
    // running it gives its own quantize_dynamic perplexity (check_dynamic_export.py).
    void dynamicTrialExportsAsQuantizeDynamic()
    {
        const QString db = m_dir.filePath("dynamic.db");
        const QString fixtures = QStringLiteral(QS_SOURCE "/tests/fixtures/");
        // PyTorch's quantize_dynamic({nn.LSTM, nn.Linear}) settings: the embedding stays float.
        const QString config = testing::writeFile(
            m_dir.filePath("dynamic.json"),
            R"({"format": "quantscope-config", "version": 1, "mode": "dynamic",
                "weights": "int8:per_tensor:symmetric:minmax", "activations": "uint8:per_tensor:affine:minmax:reduce_range",
                "layers": {"embed": {"weights": "float"}}})");
        const auto [script, text] = exportedScript(db, {fixtures + "lstm_lm_scripted.pt", "--data", "tensors:" + fixtures + "tiny_lm_tokens.pt",
                                                        "--eval", "64", "--batch", "32", "--config", config});
        QVERIFY(!text.isEmpty());
        QVERIFY(text.contains("quantize_dynamic(model, qconfig_spec)"));
        QVERIFY(text.contains(R"(    "rnn": QConfig()"));
        QVERIFY(!text.contains(R"("rnn.l1": QConfig)"));
        QVERIFY(!text.contains(R"("embed": QConfig)"));
        const Run python = python3({QStringLiteral(QS_SOURCE "/tests/export/check_dynamic_export.py"), script,
                                                    fixtures + "lstm_lm_scripted.pt", fixtures + "tiny_lm_tokens.pt",
                                                    fixtures + "lstm_lm_expected.json"});
        QVERIFY2(python.code == 0, qPrintable(python.out + python.err));
        QCOMPARE(python.out.count(QRegularExpression("^ok ", QRegularExpression::MultilineOption)), 3);
    }

    // The baked TorchScript gives the trial's outputs: in C++ (same top-1, same output SQNR
    // against float) and in Python (same top-1); the open model keeps its probes and results.
    void bakedTorchScriptGivesTheTrialsOutputs()
    {
        initRuntime();
        auto model = loadDemoModel();
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions options;
        options.evaluationLimit = 512;
        TrialRunner runner(model, data, options);
        QuantConfig config;
        config.weight = QuantSpec::parse("int4:per_channel:symmetric:minmax");
        QuantConfig::Override fc;
        fc.hasWeight = fc.hasActivation = true;
        fc.weight = QuantSpec::parse("int8:per_channel:symmetric:minmax");
        fc.activation = QuantSpec::parse("float16");
        config.layers["fc"] = fc;
        const TrialResult r = runner.run(config, JobControl());
        const QByteArray bytes = bakedTorchScript(*model, config, r);
        QCOMPARE(runner.run(config, JobControl()).top1, r.top1); // the open model is unchanged

        std::istringstream in(bytes.toStdString());
        torch::jit::Module baked = torch::jit::load(in);
        c10::InferenceMode guard;
        const SampleRange eval = data->evaluationRange(options.calibrationSamples, 512);
        const at::Tensor x = data->impl().batchInputs(eval.begin, eval.end);
        const at::Tensor out = baked.forward({x}).toTensor();
        const at::Tensor ref = model->impl().forward(x); // float: no probe handler installed
        const at::Tensor labels = data->impl().batchLabels(eval.begin, eval.end);
        QCOMPARE(out.argmax(1).eq(labels).sum().item<int64_t>(), qRound64(r.top1 * 512));
        const double sqnr = 10 * std::log10(ref.to(at::kDouble).pow(2).sum().item<double>() /
                                            (ref.to(at::kDouble) - out.to(at::kDouble)).pow(2).sum().item<double>());
        QVERIFY2(std::abs(sqnr - r.outputSqnr) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(sqnr).arg(r.outputSqnr)));

        const QString path = m_dir.filePath("baked.pt");
        writeFileAtomically(path, bytes);
        const Run python = runTorchScriptCheck(path, eval.begin, 512);
        QVERIFY2(python.code == 0, qPrintable(python.err));
        QVERIFY2(python.out.contains(QStringLiteral("correct %1\n").arg(qRound64(r.top1 * 512))), qPrintable(python.out));
        QVERIFY2(python.out.contains("fake_quantize_per_tensor_affine 7"), qPrintable(python.out)); // fc's input is float16

        QuantConfig dynamic = config;
        dynamic.mode = TrialMode::Dynamic;
        QVERIFY_THROWS_EXCEPTION(EngineError, bakedTorchScript(*model, dynamic, r));
    }

    // The CLI's report and TorchScript exports of a recorded trial; the wrong model is refused.
    void reportAndTorchScriptFromTheCli()
    {
        const QString db = m_dir.filePath("export.db"); // trials recorded by the test above
        const QString html = m_dir.filePath("report.html");
        const Run report = run(kCli, {"export", "2", "--db", db, "--format", "report", "--out", html}, m_dir.path());
        QVERIFY2(report.code == 0, qPrintable(report.err));
        QFile f(html);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString page = QString::fromUtf8(f.readAll());
        QVERIFY(page.startsWith("<!DOCTYPE html>"));
        QVERIFY(page.contains("QuantScope — trial 2"));
        // The size plot, the error chart, and weight + activation histograms of the five layers
        // with the largest error.
        QCOMPARE(page.count("<img "), 2 + 2 * 5);
        QCOMPARE(page.count("data:image/png;base64,iVBORw0KGgo"), 2 + 2 * 5);
        // Weights quantized per tensor add each listed layer's channel ranges under that grid.
        const Run perTensor = run(kCli,
                                  {"trial", "--db", db, "--eval", "256", "--weights", "int4:per_tensor:symmetric", "--activations",
                                   "float"},
                                  m_dir.path());
        QVERIFY2(perTensor.code == 0, qPrintable(perTensor.err));
        const QString perTensorId = perTensor.err.section("recorded as trial ", 1).section(' ', 0, 0);
        const QString html2 = m_dir.filePath("report-per-tensor.html");
        QCOMPARE(run(kCli, {"export", perTensorId, "--db", db, "--format", "report", "--out", html2}, m_dir.path()).code, 0);
        QFile f2(html2);
        QVERIFY(f2.open(QIODevice::ReadOnly));
        const QString page2 = QString::fromUtf8(f2.readAll());
        QCOMPARE(page2.count("<img "), 2 + 3 * 5);
        QCOMPARE(page2.count(" weight per channel\""), 5);
        const QString pt = m_dir.filePath("trial2.pt");
        const Run ts = run(kCli, {"export", "2", "--db", db, "--format", "torchscript", "--out", pt}, m_dir.path());
        QVERIFY2(ts.code == 0, qPrintable(ts.err));
        QVERIFY(QFile(pt).size() > 100000);
        const Run wrong = run(kCli,
                              {"export", "2", "--db", db, "--format", "torchscript", "--out", m_dir.filePath("x.pt"), "--model",
                               QStringLiteral(QS_SOURCE "/tests/fixtures/sensitive_mlp_scripted.pt")},
                              m_dir.path());
        QCOMPARE(wrong.code, 2);
        QVERIFY2(wrong.err.contains("trial 2 is of Fashion-MNIST MobileNet (demo), not of"), qPrintable(wrong.err));
        QVERIFY(!QFile::exists(m_dir.filePath("x.pt")));
    }

    // W8A8 on LibTorch's int8 kernels: every demo layer runs int8, chained through ReLU where the
    // next layer is int8 too; the accuracy agrees with the
    // fake-quantized trial within 0.3 points on the whole evaluation split, and the saved model
    // gives the same predictions in Python.
    void int8KernelsAgreeWithTheTrial()
    {
        initRuntime();
        auto model = loadDemoModel();
        auto data = Dataset::load(DataSpec::demo());
        const TrialOptions options;
        TrialRunner runner(model, data, options);
        const QuantConfig w8a8;
        const TrialResult trial = runner.run(w8a8, JobControl());
        const Int8Result r = buildInt8Model(*model, *data, w8a8, trial, options, JobControl());
        QVERIFY(!r.engine.isEmpty());
        QCOMPARE(r.int8Layers, 8);
        // conv1 → block1.dw → … → block3.pw pass quantized tensors on (conv2d_relu), block3.pw
        // through its ReLU and the quantized mean; fc's input is requantized to its own scale.
        QCOMPARE(r.chainedLayers, 7);
        QCOMPARE(r.quantizedOps, 1);
        QCOMPARE(r.requantized, 1);
        QVERIFY(r.fakeQuantLayers.isEmpty());
        QCOMPARE(r.evaluationSamples, trial.evaluationSamples);
        QVERIFY2(std::abs(r.top1 - trial.top1) <= 0.003,
                 qPrintable(QStringLiteral("int8 %1 against fake-quant %2").arg(r.top1).arg(trial.top1)));
        QVERIFY(r.int8Ms1 > 0 && r.floatMs1 > 0 && r.int8Ms32 > 0 && r.floatMs32 > 0);
        QCOMPARE(runner.run(w8a8, JobControl()).top1, trial.top1); // the open model is unchanged

        std::istringstream in(r.torchscript.toStdString());
        torch::jit::Module int8 = torch::jit::load(in);
        c10::InferenceMode guard;
        const SampleRange eval = data->evaluationRange(options.calibrationSamples);
        const at::Tensor x = data->impl().batchInputs(eval.begin, eval.begin + 512);
        const at::Tensor labels = data->impl().batchLabels(eval.begin, eval.begin + 512);
        const qint64 correct = int8.forward({x}).toTensor().argmax(1).eq(labels).sum().item<int64_t>();
        const QString path = m_dir.filePath("int8.pt");
        writeFileAtomically(path, r.torchscript);
        const Run python = runTorchScriptCheck(path, eval.begin, 512);
        QVERIFY2(python.code == 0, qPrintable(python.err));
        QVERIFY2(python.out.contains(QStringLiteral("correct %1\n").arg(correct)), qPrintable(python.out));

        QuantConfig int4 = w8a8;
        int4.weight.bits = 4;
        const TrialResult four = runner.run(int4, JobControl());
        QVERIFY_THROWS_EXCEPTION(EngineError, buildInt8Model(*model, *data, int4, four, options, JobControl()));

        // With per-tensor weights, equalization and bias correction: the int8 kernels take the
        // equalized weights and corrected biases, and agree with that trial as closely.
        QuantConfig fixed = w8a8;
        fixed.weight = QuantSpec::parse("int8:per_tensor:symmetric");
        fixed.techniques = Techniques::parse("cle,bias_correction");
        const TrialResult equalized = runner.run(fixed, JobControl());
        const Int8Result e = buildInt8Model(*model, *data, fixed, equalized, options, JobControl());
        QCOMPARE(e.int8Layers, 8);
        QVERIFY2(std::abs(e.top1 - equalized.top1) <= 0.003,
                 qPrintable(QStringLiteral("int8 %1 against fake-quant %2").arg(e.top1).arg(equalized.top1)));
        QCOMPARE(runner.run(w8a8, JobControl()).top1, trial.top1); // the open model is unchanged again
    }

    // Bias correction on convolutions without a bias (the no-bias fixture): the Python script
    // gives them one from its weights file, and PyTorch running it gets the trial's top-1 to
    // one sample.
    void biasCorrectionOfLayersWithoutABiasExportsAsPython()
    {
        const QString fixture = QStringLiteral(QS_SOURCE "/tests/fixtures/nobias_cnn_scripted.pt");
        const QString db = m_dir.filePath("nobias.db");
        const Run trial = run(kCli, {"trial", fixture, "--db", db, "--weights", "int4:per_tensor:symmetric", "--activations",
                                     "float", "--bias-correction", "--json"}, m_dir.path());
        QVERIFY2(trial.code == 0 && !trial.err.contains("uncorrected"), qPrintable(trial.err));
        const double top1 = 100 * QJsonDocument::fromJson(trial.out.toUtf8()).object()["top1"].toDouble();
        const QString id = trial.err.section("recorded as trial ", 1).section(' ', 0, 0);
        const QString script = m_dir.filePath("nobias.py");
        const Run exported = run(kCli, {"export", id, "--db", db, "--format", "python", "--out", script, "--model", fixture}, m_dir.path());
        QVERIFY2(exported.code == 0, qPrintable(exported.err));
        QString failure;
        const double scriptTop1 = exportedScriptTop1("check_fixture_export.py", script, fixture, failure, {"nobias"});
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY2(std::abs(scriptTop1 - top1) <= 100.0 / 9488, qPrintable(QStringLiteral("PyTorch %1%, trial %2%").arg(scriptTop1).arg(top1)));
    }

    // Across ReLU6 (the PyTorch-trained fixture with ReLU6 everywhere): a W8A8 trial's int8 model
    // puts the ReLU6s back (the bounds all 6) and chains every layer but the last through them;
    // after cross-layer equalization the bounds differ per channel: the int8 model clamps in
    // float between the kernels and agrees with its trial as closely; the baked TorchScript
    // carries the bounds and gives PyTorch the trial's exact top-1; the Python script replaces
    // each such ReLU6 with a clamp to the bounds (torch.fx) and PyTorch running it gets the
    // trial's top-1 within 0.3 point.
    void equalizationAcrossReLU6Exports()
    {
        initRuntime();
        const QString fixture = QStringLiteral(QS_SOURCE "/tests/fixtures/separable_relu6_scripted.pt");
        auto model = Model::load(fixture);
        auto data = Dataset::load(DataSpec::demo());
        const TrialOptions options;
        TrialRunner runner(model, data, options);
        QuantConfig w8a8;
        w8a8.weight = QuantSpec::parse("int8:per_tensor:symmetric");
        const TrialResult plain = runner.run(w8a8, JobControl());
        const Int8Result r = buildInt8Model(*model, *data, w8a8, plain, options, JobControl());
        QCOMPARE(r.int8Layers, 12);
        QCOMPARE(r.chainedLayers, 11);
        QVERIFY(std::abs(r.top1 - plain.top1) <= 0.003);
        w8a8.techniques = Techniques::parse("cle,bias_correction");
        const TrialResult equalized = runner.run(w8a8, JobControl());
        const Int8Result e = buildInt8Model(*model, *data, w8a8, equalized, options, JobControl());
        QCOMPARE(e.int8Layers, 12);
        QVERIFY2(std::abs(e.top1 - equalized.top1) <= 0.003,
                 qPrintable(QStringLiteral("int8 %1 against fake-quant %2").arg(e.top1).arg(equalized.top1)));

        const QString db = m_dir.filePath("relu6.db");
        const Run trial = run(kCli, {"trial", fixture, "--db", db, "--weights", "int4:per_tensor:symmetric", "--activations",
                                     "float", "--cle", "--bias-correction", "--json"}, m_dir.path());
        QVERIFY2(trial.code == 0, qPrintable(trial.err));
        const QJsonObject o = QJsonDocument::fromJson(trial.out.toUtf8()).object();
        const QString id = trial.err.section("recorded as trial ", 1).section(' ', 0, 0);
        const QString baked = m_dir.filePath("relu6.pt");
        QCOMPARE(run(kCli, {"export", id, "--db", db, "--format", "torchscript", "--out", baked, "--model", fixture}, m_dir.path()).code, 0);
        const Run torchscript = runTorchScriptCheck(baked, 512, 9488);
        QVERIFY2(torchscript.code == 0, qPrintable(torchscript.err));
        QCOMPARE(torchscript.out.section("correct ", 1).section('\n', 0, 0).toLongLong(), qRound64(o["top1"].toDouble() * 9488));
        const QString script = m_dir.filePath("relu6.py");
        const Run exported = run(kCli, {"export", id, "--db", db, "--format", "python", "--out", script, "--model", fixture}, m_dir.path());
        QVERIFY2(exported.code == 0, qPrintable(exported.err));
        QString failure;
        const double scriptTop1 = exportedScriptTop1("check_fixture_export.py", script, fixture, failure, {"relu6"});
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const double top1 = 100 * o["top1"].toDouble();
        QVERIFY2(std::abs(scriptTop1 - top1) <= 0.3, qPrintable(QStringLiteral("PyTorch %1%, trial %2%").arg(scriptTop1).arg(top1)));
    }

    // int8 end to end across residual adds, max pooling, concatenation, ReLU6, global average
    // pooling and flatten, as FX's convert builds it: a residual CNN trained on Fashion-MNIST
    // (whose downsample path hangs on a bool attribute, as in torchvision) keeps quantized
    // tensors from the first quantize to fc's, its top-1 within 0.3 points of the trial, and
    // PyTorch running the saved model gives the same predictions.
    void int8RunsEndToEndAcrossAddsPoolingAndConcat()
    {
        initRuntime();
        auto model = Model::load(QStringLiteral(QS_SOURCE "/tests/fixtures/residual_cnn_scripted.pt"));
        QCOMPARE(model->layers().size(), 9); // the downsample branch folded: block2.down.0 once
        QCOMPARE(model->layers()[3].name, QStringLiteral("block2.down.0"));
        auto data = Dataset::load(DataSpec::demo());
        const TrialOptions options;
        TrialRunner runner(model, data, options);
        QuantConfig w8a8;
        w8a8.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax");
        const TrialResult trial = runner.run(w8a8, JobControl());
        const Int8Result r = buildInt8Model(*model, *data, w8a8, trial, options, JobControl());
        QCOMPARE(r.int8Layers, 9);
        QVERIFY(r.fakeQuantLayers.isEmpty());
        QCOMPARE(r.chainedLayers, 8); // all but fc
        // max pool, two adds (ReLU fused: add_relu), cat, ReLU6, adaptive average pool, flatten
        QCOMPARE(r.quantizedOps, 7);
        QCOMPARE(r.requantized, 1); // the pooled features to fc's input scale
        QVERIFY2(std::abs(r.top1 - trial.top1) <= 0.003,
                 qPrintable(QStringLiteral("int8 %1 against fake-quant %2").arg(r.top1).arg(trial.top1)));

        std::istringstream in(r.torchscript.toStdString());
        torch::jit::Module int8 = torch::jit::load(in);
        QStringList kinds;
        for (const torch::jit::Node* n : int8.get_method("forward").graph()->nodes())
            kinds << QString::fromStdString(n->kind().toQualString());
        QCOMPARE(kinds.count(QStringLiteral("aten::quantize_per_tensor")), 2); // the input, and fc's
        QCOMPARE(kinds.count(QStringLiteral("aten::dequantize")), 2);          // fc's input, the output
        QCOMPARE(kinds.count(QStringLiteral("quantized::add_relu")), 2);
        QCOMPARE(kinds.count(QStringLiteral("quantized::cat")), 1);
        QVERIFY(!kinds.contains(QStringLiteral("prim::If")) || kinds.count(QStringLiteral("prim::If")) == 1); // adaptive pool's size check
        c10::InferenceMode guard;
        const SampleRange eval = data->evaluationRange(options.calibrationSamples);
        const at::Tensor x = data->impl().batchInputs(eval.begin, eval.begin + 512);
        const at::Tensor labels = data->impl().batchLabels(eval.begin, eval.begin + 512);
        const qint64 correct = int8.forward({x}).toTensor().argmax(1).eq(labels).sum().item<int64_t>();
        const QString path = m_dir.filePath("residual_int8.pt");
        writeFileAtomically(path, r.torchscript);
        const Run python = runTorchScriptCheck(path, eval.begin, 512);
        QVERIFY2(python.code == 0, qPrintable(python.err));
        QVERIFY2(python.out.contains(QStringLiteral("correct %1\n").arg(correct)), qPrintable(python.out));
    }

    // A dynamic trial of the LSTM language model on LibTorch's dynamic int8 kernels, as
    // quantize_dynamic runs it: the LSTM on aten::quantized_lstm, the head on
    // quantized::linear_dynamic. Its perplexity equals PyTorch's quantize_dynamic perplexity
    // within 0.1% (and the trial's); the saved model gives the same perplexity in Python. The
    // bidirectional GRU predicts what PyTorch's quantize_dynamic model predicts on every sequence.
    // Dynamic activations the kernels cannot reproduce (histogram ranges) are refused, named.
    void dynamicTrialRunsOnDynamicInt8Kernels()
    {
        initRuntime();
        const QString fixtures = QStringLiteral(QS_SOURCE "/tests/fixtures/");
        QFile expectedFile(fixtures + "lstm_lm_expected.json");
        QVERIFY(expectedFile.open(QIODevice::ReadOnly));
        const QJsonObject e = QJsonDocument::fromJson(expectedFile.readAll()).object();
        auto model = Model::load(fixtures + "lstm_lm_scripted.pt");
        auto data = Dataset::load(DataSpec::parse("tensors:" + fixtures + "tiny_lm_tokens.pt"));
        TrialOptions options;
        options.calibrationSamples = 512;
        options.batchSize = 32; // dynamic ranges are per batch, as in make_lstm_lm.py
        TrialRunner runner(model, data, options);
        QuantConfig c;
        c.mode = TrialMode::Dynamic;
        c.weight = QuantSpec::parse("int8:per_tensor:symmetric:minmax");
        c.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax:reduce_range");
        c.layers["embed"].hasWeight = true;
        c.layers["embed"].weight = QuantSpec::parse("float");
        const TrialResult trial = runner.run(c, JobControl());
        const Int8Result r = buildInt8Model(*model, *data, c, trial, options, JobControl());
        QCOMPARE(r.metric, Metric::Perplexity);
        QCOMPARE(r.int8Layers, 3);
        QCOMPARE(r.fakeQuantLayers, QStringList{"embed: float in the trial"});
        const double pytorch = e.value("dynamic_int8_perplexity").toDouble();
        QVERIFY2(std::abs(r.perplexity - pytorch) <= 1e-3 * pytorch,
                 qPrintable(QStringLiteral("int8 %1, quantize_dynamic %2").arg(r.perplexity, 0, 'g', 9).arg(pytorch, 0, 'g', 9)));
        QVERIFY2(std::abs(r.perplexity - trial.perplexity) <= 1e-3 * trial.perplexity,
                 qPrintable(QStringLiteral("int8 %1, trial %2").arg(r.perplexity).arg(trial.perplexity)));
        QCOMPARE(r.fakeQuantPerplexity, trial.perplexity);

        const QString path = m_dir.filePath("lstm_int8.pt");
        writeFileAtomically(path, r.torchscript);
        const Run python = python3({"-c", QStringLiteral(R"(
import math, sys, torch, torch.nn.functional as F
m = torch.jit.load(sys.argv[1]); w = torch.load(sys.argv[2])["inputs"][512:]
total = 0.0
with torch.no_grad():
    for i in range(0, w.size(0), 32):
        b = w[i:i + 32]
        total += F.cross_entropy(m(b)[:, :-1].reshape(-1, 128), b[:, 1:].reshape(-1), reduction="sum").item()
print("perplexity %.9f" % math.exp(total / (w.size(0) * 63)))
)"), path, fixtures + "tiny_lm_tokens.pt"});
        QVERIFY2(python.code == 0, qPrintable(python.err));
        const double inPython = python.out.section("perplexity ", 1).trimmed().toDouble();
        QVERIFY2(std::abs(inPython - r.perplexity) <= 1e-6 * r.perplexity, qPrintable(python.out));

        auto gru = Model::load(fixtures + "gru_scripted.pt");
        auto sequences = Dataset::load(DataSpec::parse("tensors:" + fixtures + "gru_sequences.pt"));
        TrialOptions all = options;
        all.calibrationSamples = 0;
        TrialRunner gruRunner(gru, sequences, all);
        QuantConfig g = c;
        g.layers.clear();
        const TrialResult gruTrial = gruRunner.run(g, JobControl());
        const Int8Result gruInt8 = buildInt8Model(*gru, *sequences, g, gruTrial, all, JobControl());
        QCOMPARE(gruInt8.int8Layers, 5);
        QCOMPARE(gruInt8.top1, 1.0);

        QuantConfig histogram = c;
        histogram.activation = QuantSpec::parse("uint8:per_tensor:affine:histogram");
        RunOptions shortRun;
        shortRun.evaluationLimit = 32;
        const TrialResult h = runner.run(histogram, JobControl(), nullptr, shortRun);
        try {
            buildInt8Model(*model, *data, histogram, h, options, JobControl());
            QFAIL("expected a refusal");
        } catch (const EngineError& error) {
            QVERIFY2(error.message().contains("rnn.l0 cannot run on dynamic int8 kernels"), qPrintable(error.message()));
        }
    }

    void csvHasOneRowPerLayer()
    {
        TrialResult r;
        LayerTrialResult a;
        a.name = "features.0";
        a.weightSpec = "int8:per_channel:symmetric:minmax";
        a.activationSpec = "float";
        a.weightBits = 8;
        a.weightSqnr = 41.25;
        a.activationSqnr = std::numeric_limits<double>::infinity();
        a.outputSqnr = 30.5;
        LayerTrialResult b = a;
        b.name = "odd,name \"quoted\"";
        r.layers = {a, b};
        const QStringList lines = QString::fromUtf8(layerCsv(r)).split("\r\n", Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[0].startsWith("layer,weight_spec,activation_spec,weight_bits,weight_sqnr_db"));
        QVERIFY(lines[1].startsWith("features.0,int8:per_channel:symmetric:minmax,float,8,41.25,inf,30.5,"));
        QVERIFY(lines[2].startsWith(R"("odd,name ""quoted""",)"));
    }

    // Written whole or not at all: a folder that cannot be written, or a path that is a folder,
    // leaves nothing behind and an existing file unchanged.
    void exportToAnUnwritablePlaceWritesNothing()
    {
        const QString folder = m_dir.filePath("locked");
        QDir().mkpath(folder);
        const QString existing = m_dir.filePath("kept.txt");
        QFile f(existing);
        f.open(QIODevice::WriteOnly);
        f.write("old");
        f.close();
        QVERIFY_THROWS_EXCEPTION(EngineError, writeFileAtomically(folder, "x"));
        QVERIFY_THROWS_EXCEPTION(EngineError, writeFileAtomically(m_dir.filePath("no/such/dir/out.py"), "x"));
        QVERIFY(!QFile::exists(m_dir.filePath("no/such/dir/out.py")));
        writeFileAtomically(existing, "new");
        QFile g(existing);
        g.open(QIODevice::ReadOnly);
        QCOMPARE(g.readAll(), QByteArray("new"));
        try {
            writeFileAtomically(m_dir.filePath("no/such/dir/out.py"), "x");
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains("no/such/dir/out.py"), qPrintable(e.message()));
        }
        const Run cli = run(kCli, {"export", "1", "--db", m_dir.filePath("export.db"), "--format", "python", "--out",
                                   m_dir.filePath("no/such/dir/out.py")},
                            m_dir.path());
        QCOMPARE(cli.code, 2);
        QVERIFY2(cli.err.contains("cannot write"), qPrintable(cli.err));
        QCOMPARE(QDir(m_dir.path()).entryList({"*.tmp", "out.py*"}, QDir::Files).size(), 0);
    }
};

QS_TEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
