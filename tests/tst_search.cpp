// Sensitivity, range-method choice and mixed-precision search on a model with one layer built
// to be far more sensitive than the others (tests/fixtures/make_fixtures.py, SensitiveMLP).
// Numbers are checked against forward passes of the fixture done here with LibTorch directly.

#include "errors.h"
#include "runtime.h"
#include "int8.h"
#include "latency.h"
#include "idxwrite.h"
#include "model.h"
#include "search.h"
#include "store.h"

#include <torch/script.h>

#include <QTemporaryDir>
#include <QTest>

using namespace qs;

namespace {

const QString kModel = QStringLiteral(QS_FIXTURES "/sensitive_mlp_scripted.pt");
constexpr int kSamples = 1500;
constexpr int kCalibration = 200;

at::Tensor normalise(const at::Tensor& bytes)
{
    return (bytes.to(at::kFloat) / 255.0 - 0.5) / 0.29; // as the data spec below says
}

/// Samples without labels (the metric is top-1 agreement with float), in clusters around the
/// ten inputs the float model classifies with the widest margin, as a trained model's data
/// would be: quantization noise flips a prediction only when it really hurts.
at::Tensor clusteredSamples()
{
    c10::InferenceMode guard;
    torch::jit::Module m = torch::jit::load(kModel.toStdString());
    at::manual_seed(3);
    const at::Tensor candidates = at::randint(0, 256, {400, 16}).to(at::kFloat);
    const at::Tensor top2 = std::get<0>(m.forward({normalise(candidates)}).toTensor().topk(2, 1));
    const at::Tensor widest = std::get<1>((top2.select(1, 0) - top2.select(1, 1)).topk(10));
    const at::Tensor prototypes = candidates.index_select(0, widest);
    const at::Tensor which = at::arange(kSamples) % 10;
    return (prototypes.index_select(0, which) + at::randn({kSamples, 16}) * 8).round().clamp(0, 255).to(at::kByte);
}

DataSpec writeData(const QTemporaryDir& dir, const at::Tensor& bytes)
{
    const QString path = testing::writeFile(
        dir.filePath("features.idx"),
        testing::idxBytes({kSamples, 16}, QByteArray(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), kSamples * 16)));
    return DataSpec::parse("idx:" + path + "?mean=0.5&std=0.29");
}

TrialOptions options()
{
    TrialOptions o;
    o.calibrationSamples = kCalibration;
    o.batchSize = 128;
    o.errorSamples = 128;
    return o;
}

QuantConfig perTensorInt4()
{
    QuantConfig c;
    c.weight = QuantSpec::parse("int4:per_tensor:symmetric:minmax");
    c.activation = QuantSpec::parse("float");
    c.mode = TrialMode::WeightOnly;
    return c;
}

} // namespace

class TestSearch : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    DataSpec m_spec;
    std::shared_ptr<Dataset> m_data;
    at::Tensor m_inputs; // every sample, normalised like the engine does

private Q_SLOTS:
    void initTestCase()
    {
        const at::Tensor bytes = clusteredSamples().contiguous();
        m_spec = writeData(m_dir, bytes);
        m_data = Dataset::load(m_spec);
        m_inputs = normalise(bytes);
    }

    // Only fc2 at int4 per tensor: the drop equals the agreement of a model whose fc2 weight is
    // fake-quantized here, by PyTorch's symmetric int4 rule, on the same evaluation samples.
    void sensitivityRanksTheSensitiveLayerFirst()
    {
        QTemporaryDir dir;
        Store store(dir.filePath("t.db"));
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options());
        SensitivityOptions so;
        so.config = perTensorInt4();
        so.evaluationSamples = -1;
        const TrialSink sink = [&](const QuantConfig& c, const TrialResult& r, const QString& name, const QString& origin) {
            return store.addTrial(model->sha256(), model->displayName(), m_spec.toString(), c, r, origin, name);
        };
        const SensitivityResult r = runSensitivity(runner, so, JobControl(), sink);
        QCOMPARE(r.layers.size(), 4);
        QCOMPARE(r.layers[r.ranking().first()].name, QStringLiteral("fc2"));
        for (const LayerSensitivity& l : r.layers)
            if (l.name != QLatin1String("fc2"))
                QVERIFY2(l.drop < r.layers[1].drop / 4, qPrintable(l.name));
        QVERIFY(r.layers[1].drop > 30); // points of top-1 agreement

        torch::jit::Module m = torch::jit::load(kModel.toStdString());
        const at::Tensor x = m_inputs.slice(0, kCalibration);
        c10::InferenceMode guard;
        const at::Tensor floatTop = m.forward({x}).toTensor().argmax(1);
        const at::Tensor w = m.attr("fc2").toModule().attr("weight").toTensor();
        const double scale = w.abs().max().item<double>() / 7.5; // (qmax - qmin) / 2 for int4
        m.attr("fc2").toModule().setattr("weight", at::fake_quantize_per_tensor_affine(w, scale, 0, -8, 7));
        const double agreement = m.forward({x}).toTensor().argmax(1).eq(floatTop).to(at::kDouble).mean().item<double>();
        QCOMPARE(r.layers[1].drop, 100 * (1.0 - agreement));

        // The converse: keeping fc2 float wins back most of what quantizing everything loses.
        QVERIFY(r.layers[1].hasConverse);
        QVERIFY(r.allDrop - r.layers[1].converseDrop > 30);
        // Every evaluated configuration is in the store as a sensitivity trial.
        const QVector<StoredTrial> trials = store.trials();
        QCOMPARE(trials.size(), 2 * 4 + 1);
        QCOMPARE(trials.first().origin, QStringLiteral("sensitivity"));
        QCOMPARE(trials[1].id, r.layers[1].trialId);
        QCOMPARE(100 * (1.0 - trials[1].result.top1), r.layers[1].drop);
    }

    // Isolated errors: each layer gets the float model's input. With only fc2's weight quantized,
    // fc2's own output error matches a direct computation and fc3 sees no error at all.
    void isolatedErrorsMeasureEachLayerAlone()
    {
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options());
        QuantConfig c = perTensorInt4();
        c.weight = QuantSpec::parse("float");
        QuantConfig::Override o;
        o.hasWeight = true;
        o.weight = QuantSpec::parse("int4:per_tensor:symmetric:minmax");
        c.layers["fc2"] = o;
        const QVector<LayerTrialResult> errors = runner.isolatedErrors(c, JobControl());
        QCOMPARE(errors.size(), 4);
        QVERIFY(std::isinf(errors[0].outputSqnr));
        QVERIFY(std::isinf(errors[2].outputSqnr)); // fc3 sees fc2's float output
        QVERIFY(std::isinf(errors[3].outputSqnr));

        torch::jit::Module m = torch::jit::load(kModel.toStdString());
        c10::InferenceMode guard;
        const at::Tensor x = m_inputs.slice(0, 0, 128); // first errorSamples of the calibration split
        auto fc = [&](const char* name) { return m.attr(name).toModule(); };
        const at::Tensor h = at::relu(at::linear(x, fc("fc1").attr("weight").toTensor(), fc("fc1").attr("bias").toTensor()));
        const at::Tensor w = fc("fc2").attr("weight").toTensor(), b = fc("fc2").attr("bias").toTensor();
        const at::Tensor wq = at::fake_quantize_per_tensor_affine(w, w.abs().max().item<double>() / 7.5, 0, -8, 7);
        const at::Tensor ref = at::linear(h, w, b).to(at::kDouble), q = at::linear(h, wq, b).to(at::kDouble);
        const double expected = 10 * std::log10(ref.pow(2).sum().item<double>() / (ref - q).pow(2).sum().item<double>());
        QVERIFY2(std::abs(errors[1].outputSqnr - expected) < 1e-3,
                 qPrintable(QStringLiteral("%1 vs %2").arg(errors[1].outputSqnr).arg(expected)));
    }

    // The chosen method is the one with the highest own-output SQNR, and the config carries it.
    void rangeMethodChoiceTakesTheLowestError()
    {
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options());
        QuantConfig c;
        c.weight = QuantSpec::parse("int8:per_channel:symmetric");
        c.activation = QuantSpec::parse("uint4:per_tensor:affine:minmax");
        const QVector<RangeMethod> methods{RangeMethod::MinMax, RangeMethod::Percentile, RangeMethod::Mse};
        const RangeMethodResult r = chooseRangeMethods(runner, c, methods, JobControl());
        QCOMPARE(r.layers.size(), 4);
        for (const RangeMethodChoice& choice : r.layers) {
            QVERIFY(choice.chosen);
            QCOMPARE(choice.outputSqnr.size(), 3);
            const double best = choice.outputSqnr[methods.indexOf(choice.best)];
            for (double v : choice.outputSqnr)
                QVERIFY(best >= v);
            QCOMPARE(r.config.activationFor(choice.layer).method, choice.best);
            QCOMPARE(r.config.activationFor(choice.layer).bits, 4);
        }
        // MSE clipping minimises the quantization error itself; at 4 bits it beats min-max somewhere.
        bool mseWins = false;
        for (const RangeMethodChoice& choice : r.layers)
            mseWins |= choice.outputSqnr[2] > choice.outputSqnr[0];
        QVERIFY(mseWins);
        c.mode = TrialMode::Dynamic;
        QVERIFY_THROWS_EXCEPTION(EngineError, chooseRangeMethods(runner, c, methods, JobControl()));
    }

    // The search's result, re-measured by a fresh runner on the whole evaluation split, is
    // within the budget and no larger than every layer at int8; the sensitive layer kept 8 bits.
    void searchRespectsTheBudget()
    {
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options());
        SearchOptions so;
        so.base = perTensorInt4();
        so.bits = {2, 4, 8, 32};
        so.maxDrop = 2; // points
        so.subsetSamples = 512; // of 1,300: the result is confirmed on all of them
        QVector<qint64> ids;
        const SearchResult r =
            runSearch(runner, so, JobControl(), [&](const QuantConfig&, const TrialResult&, const QString&, const QString&) {
            ids << ids.size() + 1;
            return ids.last();
        });
        QVERIFY(r.withinBudget);
        QCOMPARE(r.subsetSamples, qint64(512));
        QCOMPARE(r.evaluationSamples, qint64(kSamples - kCalibration));
        QCOMPARE(r.trials, int(ids.size()));
        QCOMPARE(r.bestTrialId, ids.last());
        QCOMPARE(r.steps.last().kind, SearchStep::Confirmation);
        QCOMPARE(r.bits.value("fc2"), 8);
        QVERIFY(r.bits.value("fc1") < 8 || r.bits.value("fc3") < 8 || r.bits.value("fc4") < 8);

        TrialRunner fresh(Model::load(kModel), m_data, options());
        const TrialResult best = fresh.run(r.best, JobControl());
        QCOMPARE(best.top1, r.bestResult.top1);
        QVERIFY(best.floatTop1 - best.top1 <= 0.02);
        QuantConfig int8 = perTensorInt4();
        int8.weight.bits = 8;
        const TrialResult all8 = fresh.run(int8, JobControl());
        QVERIFY2(best.sizeBytes < all8.sizeBytes, qPrintable(QStringLiteral("%1 vs %2").arg(best.sizeBytes).arg(all8.sizeBytes)));
    }

    // A size target: the most accurate model found at or under it.
    void searchMeetsATargetSize()
    {
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options());
        SearchOptions so;
        so.base = perTensorInt4();
        so.maxDrop = -1;
        so.targetBytes = 6000;
        so.subsetSamples = -1;
        const SearchResult r = runSearch(runner, so, JobControl(), {});
        QVERIFY(r.withinBudget);
        QVERIFY(r.bestResult.sizeBytes <= 6000);
        QCOMPARE(r.evaluationSamples, qint64(kSamples - kCalibration));
    }

    // A latency budget between the float and the int8 model's latency (measured here, batch 1)
    // on the demo: the search keeps layers on int8 kernels until the prediction fits and
    // measures the result, which is within the budget; the accuracy budget still holds.
    void searchMeetsALatencyBudget()
    {
        auto model = loadDemoModel();
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions o;
        o.evaluationLimit = 2048;
        TrialRunner runner(model, data, o);
        QuantConfig w8a8;
        w8a8.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax");
        LatencyOptions lo;
        lo.runs = 30;
        const double floatMs = floatLatency(*model, *data, o.calibrationSamples, lo, JobControl()).endToEndMs;
        const double int8Ms = int8Latency(*model, *data, w8a8, runner.run(w8a8, JobControl()), o, lo, JobControl()).endToEndMs;
        QVERIFY2(int8Ms < 0.8 * floatMs, qPrintable(QStringLiteral("int8 %1 ms, float %2 ms").arg(int8Ms).arg(floatMs)));

        SearchOptions so;
        so.base = w8a8;
        so.bits = {4, 8, 32};
        so.maxDrop = 1.0;
        so.subsetSamples = 1024;
        so.maxLatencyMs = (floatMs + int8Ms) / 2;
        const SearchResult r = runSearch(runner, so, JobControl(), {});
        QCOMPARE(r.latencyBatch, 1);
        QVERIFY(r.floatLatencyMs > 0 && r.latencyMs > 0);
        QVERIFY(r.predictedLatencyMs > 0);
        QVERIFY2(r.latencyMs <= so.maxLatencyMs, qPrintable(r.summary));
        QVERIFY(r.withinBudget);
        QVERIFY(r.bestResult.loss() <= 1.0);
        QVERIFY(r.summary.contains(QStringLiteral("int8 latency at batch 1")));

        // Without 8 among the bit choices, a latency budget cannot be met: refused up front.
        so.bits = {4, 32};
        QVERIFY_THROWS_EXCEPTION(EngineError, runSearch(runner, so, JobControl(), {}));
    }

    // Cancel mid-search: an error of kind Cancelled, and the trials evaluated so far are stored.
    void cancelKeepsTheTrialsSoFar()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("t.db");
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options());
        SearchOptions so;
        so.base = perTensorInt4();
        int stored = 0;
        JobControl control;
        control.cancelled = [&] { return stored >= 5; };
        {
            Store store(path);
            try {
                runSearch(runner, so, control,
                          [&](const QuantConfig& c, const TrialResult& r, const QString& name, const QString& origin) {
                    ++stored;
                    return store.addTrial(model->sha256(), model->displayName(), m_spec.toString(), c, r, origin, name);
                });
                QFAIL("the search was not cancelled");
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::Cancelled);
            }
        }
        Store reopened(path, Store::Access::ReadOnly);
        const QVector<StoredTrial> trials = reopened.trials();
        QCOMPARE(trials.size(), 5);
        for (const StoredTrial& t : trials) // the first trials measure each layer's sensitivity
            QCOMPARE(t.origin, QStringLiteral("sensitivity"));
        // The model's weights are float again after the cancelled trial.
        TrialRunner check(model, m_data, options());
        QuantConfig none = perTensorInt4();
        none.weight = QuantSpec::parse("float");
        QCOMPARE(check.run(none, JobControl()).top1, 1.0);
    }

    void bitChoices_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // empty: an error
        QTest::newRow("usual") << "2,4,8,float" << "2,4,8,32";
        QTest::newRow("unsorted, repeated") << "8, 3,8,32" << "3,8,32";
        QTest::newRow("nine") << "4,9" << "";
        QTest::newRow("one") << "1,8" << "";
        QTest::newRow("only float") << "float" << "";
        QTest::newRow("empty") << "" << "";
        QTest::newRow("word") << "four" << "";
    }
    void bitChoices()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        if (expected.isEmpty()) {
            QVERIFY_THROWS_EXCEPTION(EngineError, parseBitChoices(text));
            return;
        }
        QStringList got;
        for (int b : parseBitChoices(text))
            got << QString::number(b);
        QCOMPARE(got.join(','), expected);
    }
};

QTEST_GUILESS_MAIN(TestSearch)
#include "tst_search.moc"
