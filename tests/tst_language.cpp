// Language models: the transformer fixture (tests/fixtures/make_tiny_lm.py, a character-level
// GPT trained on Debian's licence texts) with its token windows. Perplexities are checked
// against the values PyTorch computed when it made the fixture (tiny_lm_expected.json) and
// against forward passes done here with LibTorch directly.

#include "errors.h"
#include "idxwrite.h"
#include "model.h"
#include "profile.h"
#include "search.h"
#include "store.h"
#include "trial.h"
#include "data_p.h"
#include "model_p.h"
#include "techniques_p.h"

#include <torch/script.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace qs;

namespace {

const QString kModel = QStringLiteral(QS_FIXTURES "/tiny_lm_scripted.pt");
const QString kTokens = QStringLiteral(QS_FIXTURES "/tiny_lm_tokens.pt");
const QString kTokensNpy = QStringLiteral(QS_FIXTURES "/tiny_lm_tokens.npy");

/// A fixture's reference values, as its Python script wrote them.
QJsonObject expected(const char* file = "tiny_lm_expected.json")
{
    QFile f(QStringLiteral(QS_FIXTURES "/") + QLatin1String(file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", file);
    return QJsonDocument::fromJson(f.readAll()).object();
}

TrialOptions options(qint64 evaluationLimit = -1)
{
    TrialOptions o;
    o.calibrationSamples = expected().value("calibration").toInt(); // the split the expected values use
    o.evaluationLimit = evaluationLimit;
    o.batchSize = 128;
    o.errorSamples = 64;
    return o;
}

QuantConfig weightsOnly(const QString& spec)
{
    QuantConfig c = QuantConfig::languageModelPreset();
    c.weight = QuantSpec::parse(spec);
    return c;
}

/// Perplexity of a TorchScript module on token windows, computed directly.
double perplexityOf(torch::jit::Module& m, const at::Tensor& windows)
{
    c10::InferenceMode guard;
    const at::Tensor logits = m.forward({windows}).toTensor().narrow(1, 0, windows.size(1) - 1);
    const at::Tensor targets = windows.narrow(1, 1, windows.size(1) - 1);
    const at::Tensor logp = logits.reshape({-1, logits.size(2)}).to(at::kDouble).log_softmax(1);
    return std::exp(-logp.gather(1, targets.reshape({-1, 1})).mean().item<double>());
}

const QString kLstm = QStringLiteral(QS_FIXTURES "/lstm_lm_scripted.pt");

/// PyTorch's quantize_dynamic({nn.LSTM, nn.Linear}) as a QuantScope config: the LSTM and the
/// head quantized, the embedding left float (quantize_dynamic does not touch it).
QuantConfig lstmConfig(TrialMode mode, const QString& weights, const QString& activations = QStringLiteral("float"))
{
    QuantConfig c;
    c.mode = mode;
    c.weight = QuantSpec::parse(weights);
    c.activation = QuantSpec::parse(activations);
    c.layers[QStringLiteral("embed")].hasWeight = true;
    c.layers[QStringLiteral("embed")].weight = QuantSpec::parse(QStringLiteral("float"));
    return c;
}

bool near(double a, double b, double relative)
{
    return std::abs(a - b) <= relative * std::abs(b);
}

} // namespace

class TestLanguage : public QObject
{
    Q_OBJECT

    std::shared_ptr<Dataset> m_data;

private Q_SLOTS:
    void initTestCase()
    {
        m_data = Dataset::load(DataSpec::parse("tensors:" + kTokens));
    }

    void tokenWindowsAreScoredByPerplexity()
    {
        QVERIFY(m_data->isTokenWindows());
        QCOMPARE(metricFor(*m_data), Metric::Perplexity);
        QVERIFY(!m_data->hasLabels());
        QCOMPARE(m_data->size(), qint64(expected().value("windows").toInt()));
        QCOMPARE(m_data->sampleShape(), (QVector<qint64>{expected().value("context").toInt()}));
        QVERIFY(m_data->sampleImage(0).isNull()); // token ids are not pictures
        // The same windows from a .npy file.
        const auto npy = Dataset::load(DataSpec::parse("npy:" + kTokensNpy));
        QVERIFY(npy->isTokenWindows());
        QCOMPARE(npy->size(), m_data->size());
    }

    // Every linear inside attention and MLP blocks, the two embeddings and the head, in order.
    void discoversTransformerLayers()
    {
        auto model = Model::load(kModel);
        QStringList names, ops;
        for (const LayerInfo& l : model->layers()) {
            names << l.name;
            ops << l.op;
        }
        QStringList want{"wte", "wpe"};
        for (const char* block : {"blocks.0", "blocks.1"})
            for (const char* site : {"attn.q", "attn.k", "attn.v", "attn.proj", "mlp.fc", "mlp.proj"})
                want << QStringLiteral("%1.%2").arg(block, site);
        want << "lm_head";
        QCOMPARE(names, want);
        QCOMPARE(ops.count("embedding"), 2);
        QCOMPARE(ops.count("linear"), 13);
        QVERIFY(!model->layers()[0].hasActivationInput);
        QCOMPARE(model->layers()[6].weightShape, (QVector<qint64>{512, 128})); // blocks.0.mlp.fc
        QCOMPARE(model->parameterCount(), qint64(expected().value("parameters").toInt()));
        model->measureShapes(*m_data);
        QCOMPARE(model->layers()[2].inputShape, (QVector<qint64>{1, 64, 128}));
        QCOMPARE(model->layers().last().outputShape, (QVector<qint64>{1, 64, 128}));
    }

    // The float model's perplexity and next-token top-1 equal PyTorch's on the same windows.
    void floatPerplexityMatchesPyTorch()
    {
        auto model = Model::load(kModel);
        const QJsonObject e = expected();
        TrialRunner runner(model, m_data, options());
        const TrialResult r = runner.run(weightsOnly("float"), JobControl());
        QCOMPARE(r.metric, Metric::Perplexity);
        QVERIFY2(near(r.floatPerplexity, e.value("float_perplexity").toDouble(), 1e-5),
                 qPrintable(QString::number(r.floatPerplexity, 'g', 10)));
        QVERIFY(near(r.floatTop1, e.value("float_next_token_top1").toDouble(), 1e-9));
        QCOMPARE(r.perplexity, r.floatPerplexity); // nothing quantized
        QCOMPARE(r.loss(), 0.0);
        QCOMPARE(r.evaluationSamples, m_data->size() - e.value("calibration").toInt());

        // The profile's float evaluation says the same.
        ProfileOptions po;
        po.calibrationSamples = e.value("calibration").toInt();
        po.batchSize = options().batchSize; // the same batches: LibTorch's kernels may round differently per batch size
        const ProfileReport p = profile(*model, *m_data, po, JobControl());
        QCOMPARE(p.metric, Metric::Perplexity);
        QVERIFY2(near(p.floatPerplexity, r.floatPerplexity, 1e-12),
                 qPrintable(QStringLiteral("profile %1, trial %2").arg(p.floatPerplexity, 0, 'g', 17).arg(r.floatPerplexity, 0, 'g', 17)));
        QCOMPARE(p.floatScore(), p.floatPerplexity);
    }

    // Group-wise weight-only trials equal PyTorch's group-wise fake quantization; 3 bits hurt
    // far more than 4.
    void groupWisePerplexityMatchesPyTorch()
    {
        auto model = Model::load(kModel);
        const QJsonObject e = expected();
        TrialRunner runner(model, m_data, options());
        const TrialResult int4 = runner.run(weightsOnly("int4:group128:symmetric"), JobControl());
        const TrialResult int3 = runner.run(weightsOnly("int3:group128:symmetric"), JobControl());
        QVERIFY2(near(int4.perplexity, e.value("int4_group128_perplexity").toDouble(), 1e-4),
                 qPrintable(QString::number(int4.perplexity, 'g', 10)));
        QVERIFY2(near(int3.perplexity, e.value("int3_group128_perplexity").toDouble(), 1e-4),
                 qPrintable(QString::number(int3.perplexity, 'g', 10)));
        QVERIFY(int4.warnings.isEmpty());
        QVERIFY(int3.loss() > 0.5);             // visibly worse at 3 bits
        QVERIFY(int3.loss() > 3 * int4.loss()); // and far worse than at 4
        QVERIFY(int4.loss() > 0);
        QVERIFY(int3.top1 < int3.floatTop1);
        QVERIFY(int3.disagreementCount > 0);    // next tokens predicted differently
        QVERIFY(int3.disagreements.isEmpty());  // listed only for classifiers
        // Size: 4 bits per weight plus a scale and zero point per group of 128; the rest float.
        qint64 weights = 0;
        for (const LayerInfo& l : model->layers())
            weights += l.weightCount;
        QCOMPARE(int4.sizeBytes, weights / 2 + (weights / 128) * 8 + (model->parameterCount() - weights) * 4);
        QCOMPARE(formatChange(Metric::Perplexity, 0.1234), QStringLiteral("+0.123 perplexity"));
    }

    // Bias correction on a language model's head, nn.Linear(bias=False) — whose bias TorchScript
    // types None for good —: the call reads its bias from a slot QuantScope adds when the model
    // loads (None: the same model), and bias correction sets it. lm_head's correction is the
    // mean of (Wq − W)·x over every calibration token's input to it (captured here, multiplied
    // with ATen's per-channel fake-quantized weight), within 1e-5; the perplexity better than
    // without; only the embeddings are left uncorrected; the slot is None again afterwards.
    void biasCorrectionGivesTheHeadABias()
    {
        auto model = Model::load(kModel);
        const int head = int(model->layers().size()) - 1;
        QCOMPARE(model->impl().sites[size_t(head)].biasPath.size(), size_t(1)); // the slot
        TrialRunner runner(model, m_data, options());
        QuantConfig c = weightsOnly("int4:per_channel:symmetric");
        const TrialResult plain = runner.run(c, JobControl());
        c.techniques.biasCorrection = true;
        const TrialResult corrected = runner.run(c, JobControl());
        QVERIFY2(corrected.warnings.filter("bias correction left wte, wpe uncorrected").size() == 1,
                 qPrintable(corrected.warnings.join('\n')));
        QVERIFY2(corrected.perplexity < plain.perplexity,
                 qPrintable(QStringLiteral("%1 → %2").arg(plain.perplexity).arg(corrected.perplexity)));
        QVERIFY(!model->impl().tensorAt(model->impl().sites[size_t(head)].biasPath).defined());

        c10::InferenceMode guard;
        InputCaptureProbe capture(head, qint64(1) << 32);
        {
            ScopedProbeHandler scope(&capture);
            model->impl().forward(m_data->impl().batchInputs(0, options().calibrationSamples));
        }
        const at::Tensor x = capture.inputs().to(at::kDouble);
        const at::Tensor w = model->impl().weight(head);
        const QParams& q = corrected.layers[head].weightQParams;
        const at::Tensor scale = torch::tensor(std::vector<double>(q.scale.begin(), q.scale.end()), at::kFloat);
        const at::Tensor zero = torch::tensor(std::vector<int64_t>(q.zeroPoint.begin(), q.zeroPoint.end()), at::kInt);
        const at::Tensor wq = at::fake_quantize_per_channel_affine(w, scale, zero, 0, q.quantMin, q.quantMax);
        const at::Tensor want = at::linear(x, (wq - w).to(at::kDouble)).reshape({-1, w.size(0)}).mean(0);
        const QVector<double>& got = corrected.layers[head].biasCorrection;
        QCOMPARE(got.size(), want.numel());
        const double largest = want.abs().max().item<double>();
        for (int k = 0; k < got.size(); ++k)
            QVERIFY2(std::abs(got[k] - want[k].item<double>()) <= 1e-5 * largest,
                     qPrintable(QStringLiteral("channel %1: %2 against %3").arg(k).arg(got[k]).arg(want[k].item<double>())));
    }

    // The LSTM language model against PyTorch's own numbers (make_lstm_lm.py): weights only at
    // int8 per tensor, int4 per gate row and float16 equal PyTorch's fake-quantized LSTM; dynamic
    // int8 with quantize_dynamic's settings equals the same arithmetic written out in PyTorch and
    // PyTorch's int8 kernels within 0.5%; static mode keeps the LSTM's activations float.
    void lstmLanguageModelMatchesPyTorch()
    {
        const QJsonObject e = expected("lstm_lm_expected.json");
        auto model = Model::load(kLstm);
        QCOMPARE(model->parameterCount(), qint64(e.value("parameters").toInt()));
        QStringList names;
        for (const LayerInfo& l : model->layers())
            names << l.name;
        QCOMPARE(names, QStringList({"embed", "rnn.l0", "rnn.l1", "head"}));
        TrialOptions o = options();
        o.batchSize = e.value("batch").toInt(); // dynamic ranges are per batch
        TrialRunner runner(model, m_data, o);
        auto check = [&](const TrialResult& r, const char* key, double relative) {
            const double want = e.value(key).toDouble();
            QVERIFY2(near(r.perplexity, want, relative),
                     qPrintable(QStringLiteral("%1: %2, PyTorch %3").arg(key).arg(r.perplexity, 0, 'g', 10).arg(want, 0, 'g', 10)));
        };
        const TrialResult int8 = runner.run(lstmConfig(TrialMode::WeightOnly, "int8:per_tensor:symmetric:minmax"), JobControl());
        QVERIFY2(near(int8.floatPerplexity, e.value("float_perplexity").toDouble(), 1e-5),
                 qPrintable(QString::number(int8.floatPerplexity, 'g', 10)));
        check(int8, "weight_int8_perplexity", 1e-4);
        QCOMPARE(int8.layers[1].weightQParams.scale.size(), 2); // weight_ih_l0 and weight_hh_l0, each its own
        check(runner.run(lstmConfig(TrialMode::WeightOnly, "int4:per_channel:symmetric:minmax"), JobControl()),
              "weight_int4_per_channel_perplexity", 1e-4);
        check(runner.run(lstmConfig(TrialMode::WeightOnly, "float16"), JobControl()), "dynamic_float16_perplexity", 1e-4);

        const TrialResult dynamic = runner.run(
            lstmConfig(TrialMode::Dynamic, "int8:per_tensor:symmetric:minmax", "uint8:per_tensor:affine:minmax:reduce_range"),
            JobControl());
        check(dynamic, "dynamic_int8_fake_perplexity", 1e-4);
        check(dynamic, "dynamic_int8_perplexity", 5e-3);
        QVERIFY(dynamic.perplexity > int8.perplexity); // the activations cost something too
        QVERIFY(std::isfinite(dynamic.layers[1].activationSqnr));

        QuantConfig staticConfig = lstmConfig(TrialMode::Static, "int8:per_tensor:symmetric:minmax",
                                              "uint8:per_tensor:affine:minmax");
        const TrialResult st = runner.run(staticConfig, JobControl());
        QCOMPARE(st.layers[1].activationSpec, QStringLiteral("float"));
        QCOMPARE(st.layers[3].activationSpec, QStringLiteral("uint8:per_tensor:affine:minmax"));
        QVERIFY2(st.warnings.join(' ').contains("rnn.l0, rnn.l1: recurrent layers take no static activation"),
                 qPrintable(st.warnings.join('\n')));
    }

    // One layer quantized alone: the sensitivity run's perplexity rise for the head equals a
    // forward pass of the fixture with only that weight fake-quantized here.
    void sensitivityOnTransformer()
    {
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options(128));
        SensitivityOptions so;
        so.config = weightsOnly("int3:group128:symmetric");
        so.converse = false;
        so.evaluationSamples = -1;
        QTemporaryDir dir;
        Store store(dir.filePath("trials.db"));
        const SensitivityResult r = runSensitivity(runner, so, JobControl(), [&](const QuantConfig& c, const TrialResult& t,
                                                                                   const QString& name, const QString& origin) {
            return store.addTrial(model->sha256(), model->displayName(), m_data->spec().toString(), c, t, origin, name);
        });
        QCOMPARE(r.metric, Metric::Perplexity);
        QCOMPARE(r.layers.size(), 15);
        const LayerSensitivity& head = r.layers.last();
        QCOMPARE(head.name, QStringLiteral("lm_head"));

        torch::jit::Module m = torch::jit::load(kModel.toStdString());
        const at::Tensor windows = m_data->impl().inputs.narrow(0, 512, 128); // the evaluation split's first 128
        const double floatPerplexity = perplexityOf(m, windows);
        {
            c10::InferenceMode guard;
            const at::Tensor w = m.attr("lm_head").toModule().attr("weight").toTensor();
            const at::Tensor g = w.reshape({-1, 128});
            const at::Tensor scale = at::maximum(-std::get<0>(g.min(1)).clamp_max(0), std::get<0>(g.max(1)).clamp_min(0))
                                         .div(3.5) // (qmax - qmin) / 2 for int3
                                         .clamp_min(std::numeric_limits<float>::epsilon())
                                         .unsqueeze(1);
            m.attr("lm_head").toModule().setattr("weight", (at::clamp(at::round(g / scale), -4, 3) * scale).reshape(w.sizes()));
        }
        const double rise = perplexityOf(m, windows) - floatPerplexity;
        QVERIFY2(std::abs(head.drop - rise) <= 1e-4 * floatPerplexity,
                 qPrintable(QStringLiteral("sensitivity %1, direct %2").arg(head.drop).arg(rise)));
        QVERIFY(rise > 0);
        QVERIFY(std::abs(r.floatScore - floatPerplexity) <= 1e-5 * floatPerplexity);
        // Ranked by the rise; every trial is in the store with its perplexity.
        const QVector<int> ranking = r.ranking();
        for (int i = 1; i < ranking.size(); ++i)
            QVERIFY(r.layers[ranking[i - 1]].drop >= r.layers[ranking[i]].drop);
        const QVector<StoredTrial> trials = store.trials();
        QCOMPARE(trials.size(), 15);
        QCOMPARE(trials.last().result.metric, Metric::Perplexity);
        QCOMPARE(trials.last().result.loss(), head.drop);
    }

    // At most +0.1 perplexity: int4 everywhere misses it, so the search mixes widths, and a
    // fresh runner measures the same result.
    void searchKeepsPerplexityWithinBudget()
    {
        auto model = Model::load(kModel);
        TrialRunner runner(model, m_data, options(256));
        const TrialResult all4 = runner.run(QuantConfig::languageModelPreset(), JobControl());
        QVERIFY2(all4.loss() > 0.1, qPrintable(QString::number(all4.loss())));
        SearchOptions so;
        so.base = QuantConfig::languageModelPreset();
        so.bits = {3, 4, 8, 32};
        so.maxDrop = 0.1;
        so.sensitivitySamples = 128;
        const SearchResult r = runSearch(runner, so, JobControl(), {});
        QVERIFY(r.withinBudget);
        QCOMPARE(r.bestResult.metric, Metric::Perplexity);
        QVERIFY2(r.bestResult.loss() <= 0.1, qPrintable(QString::number(r.bestResult.loss())));
        QVERIFY(r.bestResult.sizeBytes < runner.run(weightsOnly("int8:group128:symmetric"), JobControl()).sizeBytes);
        QVERIFY(r.summary.contains("perplexity"));
        TrialRunner fresh(Model::load(kModel), m_data, options(256));
        QCOMPARE(fresh.run(r.best, JobControl()).perplexity, r.bestResult.perplexity);
    }

    // torch.nn's TransformerEncoderLayer takes a fused fast path in inference that skips its
    // linear layers; QuantScope runs the unfused path, which gives the same outputs, so that every
    // linear layer is measured and quantized.
    void builtinTransformerRunsUnfused()
    {
        const QString path = QStringLiteral(QS_FIXTURES "/builtin_transformer_scripted.pt");
        auto model = Model::load(path);
        QVERIFY2(model->warnings().join(' ').contains("fused transformer fast path"), qPrintable(model->warnings().join(' ')));
        QTemporaryDir dir;
        at::manual_seed(5);
        const at::Tensor ids = at::randint(0, 50, {300, 16}, at::kLong).contiguous();
        const QString file = testing::writeFile(
            dir.filePath("ids.npy"),
            testing::npyBytes("<i8", "(300, 16)", QByteArray(reinterpret_cast<const char*>(ids.data_ptr<int64_t>()), 300 * 16 * 8)));
        auto data = Dataset::load(DataSpec::parse("npy:" + file));
        model->measureShapes(*data);
        QStringList measured;
        for (const LayerInfo& l : model->layers())
            if (!l.inputShape.isEmpty())
                measured << l.name;
        for (const char* site : {"encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.linear1",
                                 "encoder.layers.0.linear2", "head"})
            QVERIFY2(measured.contains(site), qPrintable(measured.join(", ")));
        QVERIFY2(measured.filter("out_proj").size() == 1, qPrintable(measured.join(", ")));

        // Float: the same perplexity as the module run by LibTorch directly (its fused path).
        TrialOptions o;
        o.calibrationSamples = 100;
        o.batchSize = 64;
        TrialRunner runner(model, data, o);
        const TrialResult f = runner.run(weightsOnly("float"), JobControl());
        torch::jit::Module direct = torch::jit::load(path.toStdString());
        const double expected = perplexityOf(direct, ids.narrow(0, 100, 200));
        QVERIFY2(near(f.floatPerplexity, expected, 1e-5), qPrintable(QStringLiteral("%1 vs %2").arg(f.floatPerplexity).arg(expected)));
        // Quantized: every linear layer's output now has an error of its own.
        const TrialResult q = runner.run(weightsOnly("int4:per_channel:symmetric"), JobControl());
        for (const LayerTrialResult& l : q.layers)
            if (l.name.contains("linear") || l.name.contains("in_proj"))
                QVERIFY2(std::isfinite(l.outputSqnr), qPrintable(l.name));
        QVERIFY(q.loss() > 0);
    }

    void refusesWhatCannotBeScored()
    {
        auto model = Model::load(kModel);
        // Token ids beyond the model's vocabulary.
        QTemporaryDir dir;
        QByteArray tokens;
        for (qint64 i = 0; i < 32; ++i) {
            const qint64 token = i == 5 ? 500 : i;
            tokens += QByteArray(reinterpret_cast<const char*>(&token), 8);
        }
        const QString path = testing::writeFile(dir.filePath("big.npy"), testing::npyBytes("<i8", "(4, 8)", tokens));
        auto data = Dataset::load(DataSpec::parse("npy:" + path));
        TrialOptions o;
        o.calibrationSamples = 1;
        TrialRunner runner(model, data, o);
        try {
            runner.run(QuantConfig::languageModelPreset(), JobControl());
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains("token ids up to 500") && e.message().contains("vocabulary of 128"),
                     qPrintable(e.message()));
        }
    }
};

QTEST_GUILESS_MAIN(TestLanguage)
#include "tst_language.moc"
