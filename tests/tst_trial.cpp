// Trials: fake-quantized weights against independent arithmetic, restored weights, cached
// calibration, per-layer overrides, the config JSON, and sizes.

#include "testmain.h"
#include "cle.h"
#include "data_p.h"
#include "errors.h"
#include "export.h"
#include "graph.h"
#include "idxwrite.h"
#include "model_p.h"
#include "observers_p.h"
#include "profile.h"
#include "quant.h"
#include "runtime.h"
#include "techniques_p.h"
#include "trial.h"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <malloc.h>
#include <sstream>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace qs;

namespace {

const QString kFixtures = QStringLiteral(QS_FIXTURES);

/// 300 random 8×8 images with labels 0..5 (the TinyCNN fixture has 6 outputs).
std::shared_ptr<Dataset> tinyData(const QTemporaryDir& dir)
{
    at::manual_seed(9);
    const at::Tensor px = at::randint(0, 256, {300 * 64}, at::kByte);
    const at::Tensor lab = at::randint(0, 6, {300}, at::kByte);
    const QString images = testing::writeFile(
        dir.filePath("trial-images.idx"),
        testing::idxBytes({300, 8, 8}, QByteArray(reinterpret_cast<const char*>(px.data_ptr<uint8_t>()), 300 * 64)));
    const QString labels = testing::writeFile(
        dir.filePath("trial-labels.idx"),
        testing::idxBytes({300}, QByteArray(reinterpret_cast<const char*>(lab.data_ptr<uint8_t>()), 300)));
    return Dataset::load(DataSpec::parse("idx:" + images + "," + labels));
}

/// The tiny data with one value of one sample replaced (NaN or infinity), as a file that loads
/// like any other: a data set finds its non-finite samples when it loads.
std::shared_ptr<Dataset> tinyDataWith(const QTemporaryDir& dir, int64_t sample, float value, bool atSmallest)
{
    auto tiny = tinyData(dir);
    at::Tensor inputs = tiny->impl().inputs.clone();
    at::Tensor flat = inputs[sample].flatten();
    flat[atSmallest ? flat.argmin().item<int64_t>() : 0] = value;
    inputs[sample].copy_(flat.reshape(inputs[sample].sizes()));
    c10::Dict<std::string, at::Tensor> dict;
    dict.insert("inputs", inputs);
    dict.insert("labels", tiny->impl().labels);
    const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
    const QString path = testing::writeFile(dir.filePath(QStringLiteral("nonfinite-%1.pt").arg(sample)),
                                            QByteArray(bytes.data(), qsizetype(bytes.size())));
    return Dataset::load(DataSpec::parse("tensors:" + path));
}

QuantConfig config(const QString& weights, const QString& activations, TrialMode mode = TrialMode::Static)
{
    QuantConfig c;
    c.weight = QuantSpec::parse(weights);
    c.activation = QuantSpec::parse(activations);
    c.mode = mode;
    return c;
}

TrialOptions smallOptions()
{
    TrialOptions o;
    o.calibrationSamples = 100;
    o.batchSize = 64;
    o.errorSamples = 128;
    return o;
}

} // namespace

class TestTrial : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<Dataset> m_data;

private Q_SLOTS:
    // One NaN pixel in one calibration sample leaves every activation range as the finite values
    // give it (it used to turn them all to NaN, and the output SQNR to nothing), and the trial
    // says how many values of which sample were left out.
    void nonFiniteCalibrationValuesAreLeftOut()
    {
        auto model = Model::load(QS_FIXTURES "/tiny_cnn_scripted.pt");
        auto clean = tinyData(m_dir);
        // A pixel whose value is the smallest anyway: the finite range is the same without it.
        auto dirty = tinyDataWith(m_dir, 3, std::numeric_limits<float>::quiet_NaN(), true);
        QVERIFY(!at::isfinite(dirty->impl().inputs).all().item<bool>());
        QuantConfig config;
        config.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax");
        TrialOptions options;
        options.calibrationSamples = 100;
        TrialRunner a(model, clean, options);
        const TrialResult ra = a.run(config, JobControl());
        TrialRunner b(model, dirty, options);
        const TrialResult rb = b.run(config, JobControl());
        for (int i = 0; i < ra.layers.size(); ++i)
            QCOMPARE(rb.layers[i].activationQParams.scale, ra.layers[i].activationQParams.scale);
        QCOMPARE(rb.outputSqnr, ra.outputSqnr);
        QVERIFY2(rb.warnings.join(' ').contains("1 NaN or infinite value(s) at the input of features.0 (and what they became in 5 "
                                                 "later layers), from sample 3, were left out of the activation ranges"),
                 qPrintable(rb.warnings.join('\n')));
        QVERIFY(ra.warnings.join(' ').indexOf("NaN") < 0);
        QCOMPARE(rb.nonFiniteSamples, 0); // sample 3 calibrates; it is not evaluated

        // In the evaluation split: counted and named.
        auto late = tinyDataWith(m_dir, 250, std::numeric_limits<float>::infinity(), false);
        TrialRunner c(model, late, options);
        const TrialResult rc = c.run(config, JobControl());
        QCOMPARE(rc.nonFiniteSamples, 1);
        QVERIFY2(rc.warnings.join(' ').contains("1 evaluation sample(s) hold NaN or infinite inputs (250)"),
                 qPrintable(rc.warnings.join('\n')));
    }

    void initTestCase() { m_data = tinyData(m_dir); }

    // A layer's output-error sums in one pass equal the same sums computed by ATen in double (to
    // rounding), on any number of threads; non-contiguous or non-finite inputs are declined.
    void errorMomentsEqualATenInDouble()
    {
        at::manual_seed(5);
        const at::Tensor ref = at::randn({7, 33, 129, 65}); // not a multiple of the block or the lanes
        const at::Tensor out = ref + 0.01 * at::randn(ref.sizes());
        const at::Tensor r = ref.to(at::kDouble), x = out.to(at::kDouble);
        const ErrorMoments m = errorMoments(ref, out);
        QVERIFY(m.valid);
        auto near = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::abs(b); };
        QVERIFY(near(m.refSquares, r.square().sum().item<double>()));
        QVERIFY(near(m.noise, (x - r).square().sum().item<double>()));
        QVERIFY(near(m.dot, (r * x).sum().item<double>()));
        QVERIFY(near(m.outSquares, x.square().sum().item<double>()));
        QCOMPARE(m.maxAbs, (x - r).abs().max().item<double>());
        const int threads = at::get_num_threads();
        at::set_num_threads(1);
        const ErrorMoments one = errorMoments(ref, out);
        at::set_num_threads(threads);
        QCOMPARE(one.noise, m.noise); // the same sums, bit for bit
        QCOMPARE(one.dot, m.dot);
        QVERIFY(!errorMoments(ref.transpose(2, 3), out.transpose(2, 3)).valid);
        at::Tensor nan = out.clone();
        nan[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(!errorMoments(ref, nan).valid);
    }

    // The fast fake-quantize equals ATen's, value for value, including ties at half steps.
    void fastFakeQuantizeEqualsATen_data()
    {
        QTest::addColumn<double>("scale");
        QTest::addColumn<int>("zp");
        QTest::addColumn<int>("qmin");
        QTest::addColumn<int>("qmax");
        QTest::newRow("uint8") << 0.0213 << 37 << 0 << 255;
        QTest::newRow("int8") << 0.5 << 0 << -128 << 127;
        QTest::newRow("int4") << 0.125 << 0 << -8 << 7;
        QTest::newRow("uint8 reduce") << 1.0 / 3 << 64 << 0 << 127;
    }
    void fastFakeQuantizeEqualsATen()
    {
        QFETCH(double, scale);
        QFETCH(int, zp);
        QFETCH(int, qmin);
        QFETCH(int, qmax);
        at::manual_seed(4);
        at::Tensor x = at::randn({300000}) * 40;
        // Exact ties: (k + 0.5) · scale for many k.
        x.slice(0, 0, 2000).copy_((at::arange(-1000, 1000, at::kFloat) + 0.5) * float(scale));
        x[2000] = std::numeric_limits<float>::quiet_NaN();
        x[2001] = 3e9f;
        x[2002] = -3e9f;
        const at::Tensor a = at::fake_quantize_per_tensor_affine(x, scale, zp, qmin, qmax);
        const at::Tensor b = fakeQuantizePerTensor(x, scale, zp, qmin, qmax);
        QCOMPARE(at::ne(a, b).sum().item<int64_t>(), int64_t(0));
    }

    // The histogram observer's histc equals LibTorch's, bin for bin.
    void histcEqualsATen_data()
    {
        QTest::addColumn<double>("min");
        QTest::addColumn<double>("max");
        QTest::newRow("inside") << -2.0 << 3.0;
        QTest::newRow("truncated range") << 0.0 << 10.0;
        QTest::newRow("empty range: data's") << 0.0 << 0.0;
        QTest::newRow("odd edges") << -1.7 << 2.3;
    }
    void histcEqualsATen()
    {
        QFETCH(double, min);
        QFETCH(double, max);
        at::manual_seed(6);
        at::Tensor x = at::randn({200000}) * 3;
        x.slice(0, 0, 2049).copy_(at::linspace(-2.0, 3.0, 2049)); // values on the bin edges
        if (min != max)
            x[3000] = std::numeric_limits<float>::quiet_NaN(); // ATen 1.13 counts it in bin 0; with an empty range it refuses NaN
        x[3001] = float(max);
        const at::Tensor a = at::histc(x, 2048, min, max);
        const at::Tensor b = histcLinear(x, 2048, min, max);
        QCOMPARE(at::ne(a, b).sum().item<int64_t>(), int64_t(0));
    }

    // The combine step of the histogram observer against PyTorch's own ATen formulation of it
    // (observer.py, _combine_histograms), bit for bit: integer counts, fractional counts from
    // earlier combines, tiny negative ones from float rounding, and huge totals where float64
    // sums round.
    void combineHistogramsEqualsATen_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("downsample");
        QTest::addColumn<int>("start");
        QTest::newRow("counts, double range") << 0 << 256 << 0;
        QTest::newRow("counts, offset") << 0 << 300 << 17000;
        QTest::newRow("fractions") << 1 << 129 << 100;
        QTest::newRow("fractions and tiny negatives") << 2 << 200 << 7;
        QTest::newRow("huge totals") << 3 << 1000 << 123456;
        QTest::newRow("same size") << 1 << 128 << 0;
    }
    void combineHistogramsEqualsATen()
    {
        QFETCH(int, kind);
        QFETCH(int, downsample);
        QFETCH(int, start);
        constexpr int64_t bins = 2048, upsample = 128;
        at::manual_seed(kind * 31 + downsample);
        at::Tensor orig = at::randint(0, 5000, {bins}).to(at::kFloat);
        if (kind >= 1)
            orig = orig * at::rand({bins}) + at::rand({bins}) * 1e-3f;
        if (kind == 2)
            orig.slice(0, 0, bins, 7).fill_(-3.0e-9f);
        if (kind == 3)
            orig = orig * 1e9f + at::rand({bins});
        orig.slice(0, 500, 900).zero_(); // empty stretches
        const at::Tensor fresh = at::rand({bins}) * 100;

        const at::Tensor upsampled = orig.repeat_interleave(upsample);
        at::Tensor withRange = at::zeros({bins * downsample}, at::kFloat);
        withRange.slice(0, start, bins * upsample + start).copy_(upsampled);
        const at::Tensor integral = at::cumsum(withRange, 0, at::kDouble).slice(0, downsample - 1, c10::nullopt, downsample);
        at::Tensor shifted = at::zeros({bins}, at::kFloat);
        shifted.slice(0, 1, bins).copy_(integral.slice(0, 0, -1));
        const at::Tensor expected = fresh + ((integral - shifted) / upsample).to(at::kFloat);

        at::Tensor combined = fresh.clone();
        combineHistograms(orig.data_ptr<float>(), combined.data_ptr<float>(), bins, upsample, downsample, start);
        QCOMPARE(at::ne(combined, expected).sum().item<int64_t>(), int64_t(0));
    }

    // Prefix reuse is an optimisation, not an approximation: one layer at a time (int4 weights,
    // uint8 inputs), and the layers from the third on, the trials that start on the float
    // model's values kept at a cut give exactly the trials that run the whole graph — top-1,
    // output SQNR and every layer's errors — on the demo, on the residual CNN (whose cuts carry
    // residual values and whose adds write in place), and with a budget that keeps nothing.
    void prefixReuseGivesTheSameTrials_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<qint64>("budget");
        QTest::newRow("demo") << QString() << qint64(-1);
        QTest::newRow("residual CNN") << kFixtures + "/residual_cnn_scripted.pt" << qint64(-1);
        QTest::newRow("residual CNN, nothing kept") << kFixtures + "/residual_cnn_scripted.pt" << qint64(1);
    }

    void prefixReuseGivesTheSameTrials()
    {
        QFETCH(QString, model);
        QFETCH(qint64, budget);
        auto load = [&] { return model.isEmpty() ? loadDemoModel() : Model::load(model); };
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions whole;
        whole.evaluationLimit = 600; // three batches of 256, the last one short
        whole.prefixBudgetBytes = 0;
        TrialOptions reuse = whole;
        reuse.prefixBudgetBytes = budget;
        TrialRunner a(load(), data, whole), b(load(), data, reuse);
        const QVector<LayerInfo> layers = a.model().layers();
        QVector<QuantConfig> configs;
        for (int i = 0; i < layers.size(); ++i) {
            QuantConfig c;
            c.weight = QuantSpec::parse("float");
            c.activation = QuantSpec::parse("float");
            QuantConfig::Override o;
            o.hasWeight = o.hasActivation = true;
            o.weight = QuantSpec::parse("int4:per_channel:symmetric:minmax");
            o.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax");
            c.layers[layers[i].name] = o;
            configs << c;
        }
        QuantConfig tail; // every layer from the third on at W8A8
        for (int i = 0; i < 2; ++i) {
            QuantConfig::Override o;
            o.hasWeight = o.hasActivation = true;
            o.weight = o.activation = QuantSpec::parse("float");
            tail.layers[layers[i].name] = o;
        }
        configs << tail;
        int started = 0;
        for (int k = 0; k < configs.size(); ++k) {
            const TrialResult x = a.run(configs[k], JobControl());
            const TrialResult y = b.run(configs[k], JobControl());
            QCOMPARE(x.startLayer, -1);
            const int first = k < layers.size() ? k : 2;
            QCOMPARE(y.startLayer, first == 0 ? -1 : first);
            started += y.startLayer > 0;
            QCOMPARE(y.batchesNotKept, budget == 1 && first > 0 ? 3 : 0);
            QCOMPARE(y.top1, x.top1);
            QCOMPARE(y.outputSqnr, x.outputSqnr);
            QCOMPARE(y.disagreementCount, x.disagreementCount);
            for (int i = 0; i < layers.size(); ++i) {
                const LayerTrialResult& p = x.layers[i];
                const LayerTrialResult& q = y.layers[i];
                QVERIFY2(p.outputSqnr == q.outputSqnr || std::abs(p.outputSqnr - q.outputSqnr) <= 1e-6,
                         qPrintable(QStringLiteral("%1 in trial %2: %3 against %4").arg(p.name).arg(k).arg(q.outputSqnr).arg(p.outputSqnr)));
                QVERIFY(p.activationSqnr == q.activationSqnr || std::abs(p.activationSqnr - q.activationSqnr) <= 1e-6);
                QCOMPARE(q.outputMse, p.outputMse);
                QCOMPARE(q.outputCosine, p.outputCosine);
                QCOMPARE(q.outputMaxAbsError, p.outputMaxAbsError);
            }
        }
        QVERIFY(started >= layers.size() - 1);
    }

    // The evaluation batch users who chose none get: a rule from the model's activation shapes
    // (the demo: 64), the same whatever the machine is doing; it changes a trial's figures by no
    // more than the float rounding of another batch shape.
    void chosenEvaluationBatchChangesOnlyTheSpeed()
    {
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions fixed;
        fixed.evaluationLimit = 2000;
        TrialOptions chosen = fixed;
        chosen.chooseEvaluationBatch = true;
        TrialRunner a(loadDemoModel(), data, fixed), b(loadDemoModel(), data, chosen);
        const int batch = b.evaluationBatch(TrialMode::Static);
        QCOMPARE(batch, 64);
        QCOMPARE(evaluationBatchFor(b.model()), batch);
        QCOMPARE(b.evaluationBatch(TrialMode::WeightOnly), batch);
        QCOMPARE(b.evaluationBatch(TrialMode::Dynamic), kDefaultBatchSize);

        for (const QString mode : {"static", "weight-only", "dynamic"}) {
            QuantConfig c;
            c.mode = parseTrialMode(mode);
            const TrialResult x = a.run(c, JobControl());
            const TrialResult y = b.run(c, JobControl());
            QCOMPARE(x.batchSize, kDefaultBatchSize);
            QCOMPARE(y.batchSize, mode == "dynamic" ? kDefaultBatchSize : batch);
            // Calibration is at the fixed batch size: the same qparams. The evaluation differs
            // only by the float rounding of other batch shapes.
            QCOMPARE(y.errorSamples, x.errorSamples);
            QCOMPARE(y.top1, x.top1);
            QVERIFY2(std::abs(y.outputSqnr - x.outputSqnr) < 1e-3, qPrintable(mode));
            for (int i = 0; i < x.layers.size(); ++i) {
                QCOMPARE(y.layers[i].activationQParams.scale, x.layers[i].activationQParams.scale);
                QVERIFY2(std::abs(y.layers[i].outputSqnr - x.layers[i].outputSqnr) < 1e-3, qPrintable(x.layers[i].name));
            }
        }
        QuantConfig none;
        none.weight = none.activation = QuantSpec::parse("float");
        QCOMPARE(b.run(none, JobControl()).outputSqnr, std::numeric_limits<double>::infinity());
    }

    void localErrorIsTheLayerQuantizedAlone()
    {
        // The demo at int4 per-tensor weights: a layer's local error (its input from the float
        // model) must equal its output error in a trial that quantizes that layer alone.
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions options;
        options.evaluationLimit = 512;
        TrialRunner runner(loadDemoModel(), data, options);
        QuantConfig all;
        all.weight = QuantSpec::parse("int4:per_tensor:symmetric:minmax");
        all.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax");
        RunOptions withLocal;
        withLocal.localErrors = true;
        const TrialResult r = runner.run(all, JobControl(), nullptr, withLocal);
        QVERIFY(std::isnan(runner.run(all, JobControl()).layers[1].localSqnr)); // not asked: not measured
        int worst = 0;
        for (int i = 0; i < r.layers.size(); ++i) {
            QuantConfig alone;
            alone.weight = alone.activation = QuantSpec::parse("float");
            QuantConfig::Override o;
            o.hasWeight = o.hasActivation = true;
            o.weight = all.weight;
            o.activation = all.activation;
            alone.layers[r.layers[i].name] = o;
            const TrialResult a = runner.run(alone, JobControl());
            QVERIFY2(std::abs(a.layers[i].outputSqnr - r.layers[i].localSqnr) <= 1e-6,
                     qPrintable(QStringLiteral("%1: alone %2 dB, local %3 dB").arg(r.layers[i].name).arg(a.layers[i].outputSqnr).arg(r.layers[i].localSqnr)));
            if (r.layers[i].localSqnr < r.layers[worst].localSqnr)
                worst = i;
        }
        QCOMPARE(r.layers[0].localSqnr, r.layers[0].outputSqnr); // the first layer's input is the float model's
        // Where the accumulated error jumps, and the worst layer on its own: block1.dw.
        QCOMPARE(r.layers[firstErrorDrop(r.layers)].name, QString("block1.dw"));
        QCOMPARE(r.layers[worst].name, QString("block1.dw"));
    }

    // Level usage: every weight counted once, on the level ATen's quantize puts it.
    void levelUsageCountsEveryWeight_data()
    {
        QTest::addColumn<QString>("weights");
        QTest::newRow("int4 per tensor") << "int4:per_tensor:symmetric:minmax";
        QTest::newRow("int8 per channel") << "int8:per_channel:symmetric:minmax";
        QTest::newRow("int4 groups of 32") << "int4:group32:symmetric:minmax";
    }

    void levelUsageCountsEveryWeight()
    {
        QFETCH(QString, weights);
        std::shared_ptr<Model> model = loadDemoModel();
        for (int site = 0; site < model->layers().size(); ++site) {
            QStringList warnings;
            const LayerTrialResult r = previewWeight(*model, site, QuantSpec::parse(weights), &warnings);
            const at::Tensor w = model->impl().weight(site);
            const LevelUsage& u = r.weightLevels;
            QCOMPARE(u.channels, int(w.size(0)));
            QCOMPARE(u.levels, int(r.weightQParams.quantMax - r.weightQParams.quantMin + 1));
            qint64 total = 0;
            for (int c = 0; c < u.channels; ++c) {
                qint64 row = 0;
                for (int l = 0; l < u.levels; ++l)
                    row += u.count(c, l);
                QCOMPARE(row, w[c].numel()); // each channel's weights, once
                total += row;
            }
            QCOMPARE(total, w.numel());
            QVERIFY(u.unusedShare() >= 0 && u.unusedShare() < 1);
            QCOMPARE(r.weightUnusedLevels, u.unusedShare());
            if (r.weightQParams.axis < 0 && r.weightQParams.scale.size() == 1) { // against ATen's quantize
                const at::Tensor q = at::quantize_per_tensor(w, r.weightQParams.scale[0], r.weightQParams.zeroPoint[0], at::kQInt8)
                                         .int_repr().to(at::kLong).clamp(r.weightQParams.quantMin, r.weightQParams.quantMax);
                for (int c = 0; c < u.channels; ++c)
                    for (int l = 0; l < u.levels; ++l)
                        QCOMPARE(u.count(c, l), q[c].eq(r.weightQParams.quantMin + l).sum().item<int64_t>());
            }
        }
    }

    // Calibration convergence comes from the one calibration pass: the qparams after the first
    // k batches equal a calibration on the first k batches' samples alone.
    void calibrationTraceIsACalibrationOnFewerSamples()
    {
        auto data = Dataset::load(DataSpec::demo());
        TrialOptions options;
        options.calibrationSamples = 512;
        options.batchSize = 128;
        options.evaluationLimit = 256;
        for (const char* method : {"minmax", "histogram"}) {
            QuantConfig c;
            c.activation = QuantSpec::parse(QStringLiteral("uint8:per_tensor:affine:") + method);
            TrialRunner runner(loadDemoModel(), data, options);
            const TrialResult r = runner.run(c, JobControl());
            QCOMPARE(runner.calibrationPasses(), 1);
            QCOMPARE(r.calibration.size(), 1);
            const CalibrationTrace& t = r.calibration.first();
            QCOMPARE(t.samples, (QVector<qint64>{128, 256, 384, 512}));
            for (int k = 0; k < 3; ++k) {
                TrialOptions fewer = options;
                fewer.calibrationSamples = t.samples[k];
                TrialRunner short_(loadDemoModel(), data, fewer);
                const TrialResult s = short_.run(c, JobControl());
                for (int i = 0; i < r.layers.size(); ++i)
                    QCOMPARE(t.steps[k][i].scale, s.layers[i].activationQParams.scale);
            }
            for (int i = 0; i < r.layers.size(); ++i) // the last step is what the trial uses
                QCOMPARE(t.steps.last()[i].scale, r.layers[i].activationQParams.scale);
            const qint64 at = t.convergedAt();
            QVERIFY(at > 0 && at <= 512);
            QCOMPARE(runner.run(c, JobControl()).calibration.first().samples, t.samples); // kept for later trials
        }
    }

    // range:LO,HI — the range the clipping handles set: parsed and written back the same,
    // through the config JSON too; its qparams are min-max's for that range; bad ones refused.
    void fixedRangeSpec()
    {
        const QuantSpec s = QuantSpec::parse("uint8:per_tensor:affine:range:-0.5,6.25");
        QCOMPARE(s.method, RangeMethod::Fixed);
        QCOMPARE(s.fixedLo, -0.5);
        QCOMPARE(s.fixedHi, 6.25);
        QCOMPARE(s.toString(), QString("uint8:per_tensor:affine:range:-0.5,6.25"));
        QCOMPARE(QuantSpec::parse(s.toString()).toString(), s.toString());
        for (const char* bad : {"uint8:per_tensor:affine:range:6,-0.5", "uint8:per_tensor:affine:range:x,1",
                                "uint8:per_tensor:affine:range", "int8:per_channel:symmetric:range:-1,1"})
            QVERIFY_THROWS_EXCEPTION(EngineError, QuantSpec::parse(bad));
        QuantConfig c;
        QuantConfig::Override o;
        o.hasActivation = true;
        o.activation = s;
        c.layers["block1.pw"] = o;
        const QuantConfig back = QuantConfig::fromJson(c.toJson(), "memory");
        QCOMPARE(back.activationFor("block1.pw").toString(), s.toString());

        auto data = Dataset::load(DataSpec::demo());
        TrialOptions options;
        options.evaluationLimit = 256;
        TrialRunner runner(loadDemoModel(), data, options);
        const TrialResult r = runner.run(c, JobControl());
        const QParams want = calculateQParams({-0.5f}, {6.25f}, s);
        QCOMPARE(r.layers[2].activationQParams.scale, want.scale);
        QCOMPARE(r.layers[2].activationQParams.zeroPoint, want.zeroPoint);
        QVERIFY(r.layers[2].activationClippedShare > 0); // its input reaches past 6.25
    }

    // Cross-layer equalization against tests/reference/make_cle_reference.py (PyTorch, float32):
    // the same pairs and scales, the same weights after it; the float model computes the same.
    void crossLayerEqualizationMatchesTheReference()
    {
        QFile f(QStringLiteral(QS_FIXTURES "/../reference/cle_reference.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = loadDemoModel();
        const at::Tensor x = data->impl().batchInputs(512, 1024);
        const at::Tensor before = model->impl().forward(x).clone();
        const CleResult r = crossLayerEqualize(*model);
        const QJsonArray pairs = ref["pairs"].toArray();
        QCOMPARE(r.pairs.size(), pairs.size());
        QCOMPARE(r.rounds, ref["rounds"].toInt());
        for (int k = 0; k < pairs.size(); ++k) {
            const QJsonObject p = pairs[k].toObject();
            QCOMPARE(r.pairs[k].first, p["first"].toString());
            QCOMPARE(r.pairs[k].second, p["second"].toString());
            const QJsonArray scales = p["scales"].toArray();
            QCOMPARE(r.pairs[k].scales.size(), scales.size());
            for (int i = 0; i < scales.size(); ++i)
                QVERIFY2(std::abs(r.pairs[k].scales[i] / scales[i].toDouble() - 1) <= 1e-5,
                         qPrintable(QStringLiteral("%1→%2 channel %3: %4 against %5").arg(r.pairs[k].first, r.pairs[k].second).arg(i).arg(r.pairs[k].scales[i]).arg(scales[i].toDouble())));
        }
        const QJsonObject layers = ref["layers"].toObject();
        for (int site = 0; site < model->layers().size(); ++site) {
            const QString name = model->layers()[site].name;
            if (!layers.contains(name))
                continue;
            const at::Tensor w = model->impl().weight(site);
            const at::Tensor widest = std::get<0>(w.abs().flatten(1).max(1));
            const QJsonArray want = layers[name].toObject()["channel_max"].toArray();
            for (int i = 0; i < want.size(); ++i)
                QVERIFY2(std::abs(widest[i].item<double>() / want[i].toDouble() - 1) <= 1e-5, qPrintable(name));
            const double sum = w.to(at::kDouble).sum().item<double>(), scale = w.to(at::kDouble).abs().sum().item<double>();
            QVERIFY2(std::abs(sum - layers[name].toObject()["weight_sum"].toDouble()) <= 1e-5 * scale, qPrintable(name));
        }
        // The float model's outputs stay (max difference within 1e-4 of the largest output).
        const at::Tensor after = model->impl().forward(x);
        const double diff = (after - before).abs().max().item<double>(), top = before.abs().max().item<double>();
        QVERIFY2(diff <= 1e-4 * top, qPrintable(QStringLiteral("%1 against %2").arg(diff).arg(top)));
        // block1.dw's channels: widest over median range from 7.3× to at most 3×.
        const at::Tensor dw = model->impl().weight(1).flatten(1);
        const at::Tensor range = std::get<0>(dw.max(1)) - std::get<0>(dw.min(1));
        QVERIFY((range.max() / range.median()).item<double>() <= 3);
    }

    // Cross-layer equalization changes weights, not what the float model computes: its outputs
    // on the whole evaluation split stay within 1e-4 of the largest, and a trial with it and
    // float weights scores as the float model. The model is as loaded afterwards.
    void equalizationKeepsTheFloatModel()
    {
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = loadDemoModel();
        c10::InferenceMode guard;
        const EqualizedTensors e = equalizedTensors(model->impl());
        QCOMPARE(e.result.pairs.size(), 6);
        double worst = 0;
        for (qint64 b = 512; b < data->size(); b += 1024) {
            const at::Tensor x = data->impl().batchInputs(b, qMin(data->size(), b + 1024));
            const at::Tensor before = model->impl().forward(x).clone();
            at::Tensor after;
            {
                ScopedTensors scope(model->impl().module);
                for (const auto& [path, value] : e.tensors)
                    scope.set(path, value);
                after = model->impl().forward(x).clone();
            }
            worst = std::max(worst, ((after - before).abs().max() / before.abs().max()).item<double>());
            QVERIFY(at::equal(model->impl().forward(x), before)); // restored
        }
        QVERIFY2(worst <= 1e-4, qPrintable(QString::number(worst)));

        TrialOptions options;
        options.evaluationLimit = 2048;
        TrialRunner runner(model, data, options);
        QuantConfig f = config("float", "float", TrialMode::WeightOnly);
        const TrialResult plain = runner.run(f, JobControl());
        f.techniques.cle = true;
        const TrialResult equalized = runner.run(f, JobControl());
        QCOMPARE(equalized.floatTop1, plain.floatTop1);
        QCOMPARE(equalized.top1, plain.top1);
        QCOMPARE(equalized.layers[0].equalizedWith, QStringLiteral("block1.dw"));
        QCOMPARE(equalized.layers[0].equalizationScales.size(), 32);
        QCOMPARE(equalized.layers[1].equalizedAfter, QStringLiteral("conv1"));
        QCOMPARE(equalized.layers[1].equalizedWith, QStringLiteral("block1.pw")); // a chain: the next pair's first
        QCOMPARE(equalized.layers[7].equalizedAfter, QString()); // fc follows a mean
        QCOMPARE(equalized.layers[7].equalizedWith, QString());
    }

    // Empirical bias correction against tests/reference/make_bias_correction_reference.py
    // (PyTorch's observers and F.conv2d / F.linear on the weight error, over the first 512 test
    // images): each layer's correction within 1e-5 of its largest.
    void biasCorrectionMatchesTheReference_data()
    {
        QTest::addColumn<QString>("weights");
        QTest::newRow("int4 per tensor") << "int4:per_tensor:symmetric:minmax";
        QTest::newRow("int3 per channel") << "int3:per_channel:symmetric:minmax";
    }

    void biasCorrectionMatchesTheReference()
    {
        QFETCH(QString, weights);
        QFile f(QStringLiteral(QS_FIXTURES "/../reference/bias_correction_reference.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object()["specs"].toObject()[weights].toObject();
        QVERIFY(!ref.isEmpty());
        TrialOptions options;
        options.evaluationLimit = 256;
        TrialRunner runner(loadDemoModel(), Dataset::load(DataSpec::demo()), options);
        QuantConfig c = config(weights, "float", TrialMode::WeightOnly);
        c.techniques.biasCorrection = true;
        const TrialResult r = runner.run(c, JobControl());
        QCOMPARE(r.layers.size(), ref.size());
        for (const LayerTrialResult& l : r.layers) {
            const QJsonArray want = ref[l.name].toArray();
            QCOMPARE(l.biasCorrection.size(), want.size());
            double largest = 0, worst = 0;
            for (int i = 0; i < want.size(); ++i) {
                largest = std::max(largest, std::abs(want[i].toDouble()));
                worst = std::max(worst, std::abs(l.biasCorrection[i] - want[i].toDouble()));
            }
            QVERIFY2(largest > 0 && worst <= 1e-5 * largest, qPrintable(QStringLiteral("%1: %2 of %3").arg(l.name).arg(worst).arg(largest)));
        }
    }

    // AdaRound on one layer against tests/reference/make_adaround_reference.py (PyTorch, the same
    // relaxation, schedule, seed and batches): block1.pw at int4 per channel on its float inputs
    // over the first 512 test images, its bias and the ReLU after it in the loss — the same
    // rounding for at least 99% of the weights, the reconstruction loss within 5%, with nearest
    // rounding the same loss.
    void adaRoundMatchesTheReference()
    {
        QFile f(QStringLiteral(QS_FIXTURES "/../reference/adaround_reference.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = loadDemoModel();
        const int site = 2;
        QCOMPARE(model->layers()[site].name, ref["layer"].toString());
        InputCaptureProbe capture(site, qint64(1) << 32);
        at::Tensor inputs;
        {
            c10::InferenceMode guard;
            ScopedProbeHandler scope(&capture);
            model->impl().forward(data->impl().batchInputs(0, 512));
            inputs = capture.inputs();
        }
        const QParams q = previewWeight(*model, site, QuantSpec::parse(ref["weights"].toString())).weightQParams;
        AdaRoundOptions options;
        options.iterations = ref["iterations"].toInt();
        options.batchSize = ref["batch"].toInt();
        options.seed = uint64_t(ref["seed"].toInt());
        AdaRoundData in;
        in.inputs = in.targetInputs = inputs;
        in.bias = model->impl().tensorAt(model->impl().sites[site].biasPath);
        in.activation = followingActivation(model->impl(), site);
        QCOMPARE(in.activation.name(), ref["activation"].toString());
        const AdaRoundLayer r = adaRound(model->impl(), site, model->impl().weight(site), q, in, options, JobControl());
        const QJsonArray up = ref["up"].toArray();
        QCOMPARE(qint64(up.size()), r.up.numel());
        const at::Tensor mine = r.up.flatten().contiguous();
        qint64 same = 0;
        for (int i = 0; i < up.size(); ++i)
            same += up[i].toInt() == int(mine[i].item<float>());
        qInfo("AdaRound: %lld of %lld roundings as PyTorch's; loss %g against %g", same, qint64(up.size()), r.lossAfter,
              ref["loss_adaround"].toDouble());
        QVERIFY2(same >= 0.99 * up.size(), qPrintable(QStringLiteral("%1 of %2 the same").arg(same).arg(up.size())));
        const double want = ref["loss_adaround"].toDouble();
        QVERIFY2(std::abs(r.lossAfter / want - 1) <= 0.05, qPrintable(QStringLiteral("%1 against %2").arg(r.lossAfter).arg(want)));
        QVERIFY(std::abs(r.lossNearest / ref["loss_nearest"].toDouble() - 1) <= 1e-4);
        QVERIFY(r.lossAfter < 0.6 * r.lossNearest); // it learns: about half the error of nearest rounding
        QVERIFY(std::abs(r.flippedShare - ref["flipped_share"].toDouble()) <= 0.01);
    }

    // AdaRound in trials on the demo at its default 1,000 iterations per layer: at int4 per
    // channel the drop from nearest rounding's 1.75 points to at most 0.5, at int3 per channel at
    // least 70% of the gap to float recovered (its time: bench_techniques). Every layer but at most one
    // learns a lower loss; one that does not keeps nearest rounding, named in a warning (int3:
    // block1.dw at 1,000 iterations). Learning from the float model's inputs (the option) is
    // still better than nearest rounding; the inputs from the quantized model (AIMET's way, the
    // default) better still.
    void adaRoundReachesTheDemoTargets_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::newRow("int4") << "int4:per_channel:symmetric";
        QTest::newRow("int3") << "int3:per_channel:symmetric";
    }
    void adaRoundReachesTheDemoTargets()
    {
        QFETCH(QString, spec);
        TrialRunner runner(loadDemoModel(), Dataset::load(DataSpec::demo()), TrialOptions());
        QuantConfig c = config(spec, "float", TrialMode::WeightOnly);
        const TrialResult nearest = runner.run(c, JobControl());
        c.techniques = Techniques::parse("adaround");
        const TrialResult learnt = runner.run(c, JobControl()); // its time: bench_techniques (target 60 s)
        int improved = 0;
        for (const LayerTrialResult& l : learnt.layers) {
            QVERIFY2(!l.adaroundUp.isEmpty() && l.adaroundLoss <= l.adaroundLossNearest, qPrintable(l.name));
            const bool kept = l.adaroundFlipped == 0; // nearest kept: named in a warning
            QVERIFY2(!kept || learnt.warnings.filter("AdaRound kept nearest rounding").join("").contains(l.name), qPrintable(l.name));
            improved += !kept && l.adaroundLoss < l.adaroundLossNearest;
            QVERIFY(l.weightSqnr < nearest.layers[&l - learnt.layers.data()].weightSqnr + 3); // still on the grid
        }
        QVERIFY(improved >= learnt.layers.size() - 1);
        qInfo("%s: nearest %.2f points lost, AdaRound %.2f", qPrintable(spec), nearest.loss(), learnt.loss());
        if (spec.startsWith("int4")) {
            QVERIFY2(nearest.loss() > 1 && learnt.loss() <= 0.5, qPrintable(QStringLiteral("%1 → %2").arg(nearest.loss()).arg(learnt.loss())));
        } else {
            QVERIFY2(learnt.loss() <= 0.3 * nearest.loss(), qPrintable(QStringLiteral("%1 → %2").arg(nearest.loss()).arg(learnt.loss())));
            c.techniques.adaroundFloatInputs = true;
            const TrialResult floatInputs = runner.run(c, JobControl());
            qInfo("%s, float inputs: %.2f", qPrintable(spec), floatInputs.loss());
            QVERIFY(floatInputs.loss() < nearest.loss() && floatInputs.loss() > learnt.loss());
        }
    }

    // SeqMSE in trials on the demo: every layer's range chosen (no candidate beyond min/max), the
    // output error at least as low as min-max's on its inputs, and the model better than with
    // min-max ranges (int4 per channel: 1.75 points lost → about 1.1).
    void seqMseTrialsChooseRanges()
    {
        TrialRunner runner(loadDemoModel(), Dataset::load(DataSpec::demo()), TrialOptions());
        QuantConfig c = config("int4:per_channel:symmetric", "float", TrialMode::WeightOnly);
        const TrialResult minmax = runner.run(c, JobControl());
        c.techniques = Techniques::parse("seqmse");
        const TrialResult chosen = runner.run(c, JobControl());
        for (const LayerTrialResult& l : chosen.layers) {
            QCOMPARE(l.seqmseChosen.size(), l.weightQParams.scale.size());
            for (int k : l.seqmseChosen)
                QVERIFY(k >= 1 && k <= 20);
            QVERIFY2(l.seqmseOutputMse <= l.seqmseOutputMseMinMax, qPrintable(l.name));
        }
        QVERIFY2(chosen.loss() < minmax.loss() - 0.3, qPrintable(QStringLiteral("%1 → %2").arg(minmax.loss()).arg(chosen.loss())));
    }

    // Cancel while AdaRound learns a layer: the trial stops within that layer, nothing of it is
    // kept, and the model's weights are as loaded.
    void cancelDuringAdaRoundStopsWithinALayer()
    {
        std::shared_ptr<Model> model = loadDemoModel();
        TrialRunner runner(model, Dataset::load(DataSpec::demo()), TrialOptions());
        const at::Tensor before = model->impl().weight(1).clone();
        QuantConfig c = config("int4:per_channel:symmetric", "float", TrialMode::WeightOnly);
        c.techniques.adaroundIterations = 1000;
        QStringList stages;
        bool stop = false;
        int checksAfterCancel = 0; // the work done after the cancel, counted, not timed
        JobControl control;
        control.progress = [&](double, const QString& stage) {
            stages << stage;
            if (!stop && stage.startsWith("AdaRound block1.dw"))
                stop = true;
        };
        control.cancelled = [&] {
            checksAfterCancel += stop;
            return stop;
        };
        try {
            runner.run(c, control);
            QFAIL("expected a cancel");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
        // conv1 learnt, block1.dw stopped at its first check (its 1,000 iterations take seconds).
        QVERIFY(stop);
        QCOMPARE(checksAfterCancel, 1);
        QVERIFY(!stages.filter("AdaRound block1.pw").size());
        QVERIFY(at::equal(model->impl().weight(1), before));
    }

    // SeqMSE on one layer against tests/reference/make_seqmse_reference.py (PyTorch): block1.pw at
    // int4 per channel on its float inputs over the first 512 test images — every channel
    // chooses the same candidate range, for each loss; the output error falls as the reference's.
    void seqMseMatchesTheReference()
    {
        QFile f(QStringLiteral(QS_FIXTURES "/../reference/seqmse_reference.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = loadDemoModel();
        const int site = 2;
        InputCaptureProbe capture(site, qint64(1) << 32);
        {
            c10::InferenceMode guard;
            ScopedProbeHandler scope(&capture);
            model->impl().forward(data->impl().batchInputs(0, 512));
        }
        const QuantSpec spec = QuantSpec::parse(ref["weights"].toString());
        const QJsonObject losses = ref["losses"].toObject();
        const std::pair<const char*, SeqMseLoss> kinds[] = {{"mse", SeqMseLoss::Mse}, {"l1", SeqMseLoss::L1}, {"sqnr", SeqMseLoss::Sqnr}};
        for (const auto& [name, kind] : kinds) {
            const QJsonObject want = losses[name].toObject();
            const SeqMseLayer r = seqMse(model->impl(), site, model->impl().weight(site), spec, capture.inputs(), kind, JobControl());
            const QJsonArray chosen = want["chosen"].toArray();
            QCOMPARE(r.chosen.size(), chosen.size());
            for (int c = 0; c < chosen.size(); ++c)
                QVERIFY2(r.chosen[c] == chosen[c].toInt(), qPrintable(QStringLiteral("%1, channel %2: %3 against %4").arg(name).arg(c).arg(r.chosen[c]).arg(chosen[c].toInt())));
            QVERIFY(std::abs(r.outputMse / want["output_mse"].toDouble() - 1) < 1e-6);
            QVERIFY(std::abs(r.outputMseMinMax / want["output_mse_minmax"].toDouble() - 1) < 1e-6);
        }
    }

    // The issue's targets on the demo: int4 per-tensor weights from a 43.7-point drop to at most
    // 5 with equalization and bias correction; W8A8 with per-tensor weights within 0.3 point of
    // per-channel after equalization.
    void techniquesReachTheDemoTargets()
    {
        TrialRunner runner(loadDemoModel(), Dataset::load(DataSpec::demo()), TrialOptions());
        QuantConfig int4 = config("int4:per_tensor:symmetric", "float", TrialMode::WeightOnly);
        QVERIFY(runner.run(int4, JobControl()).loss() > 40);
        int4.techniques = Techniques::parse("cle,bias_correction");
        const double fixedLoss = runner.run(int4, JobControl()).loss();
        QVERIFY2(fixedLoss <= 5, qPrintable(QString::number(fixedLoss)));
        const double perChannel = runner.run(config("int8:per_channel:symmetric", "uint8:per_tensor:affine:histogram"), JobControl()).score();
        QuantConfig perTensor = config("int8:per_tensor:symmetric", "uint8:per_tensor:affine:histogram");
        perTensor.techniques.cle = true;
        const double equalized = runner.run(perTensor, JobControl()).score();
        QVERIFY2(std::abs(equalized - perChannel) <= 0.3, qPrintable(QStringLiteral("%1 against %2").arg(equalized).arg(perChannel)));
    }

    // The techniques on a second model, trained by PyTorch (tests/fixtures/make_separable_cnn.py:
    // a stem of two convolutions, four depthwise-separable blocks, two linear layers joined by
    // F.relu; and the same with ReLU6): QuantScope's float top-1 is PyTorch's; cross-layer
    // equalization finds the ten
    // pairs (nine along the chain of ten convolutions, hidden → classifier) and keeps the float outputs
    // within 1e-4; the issue's targets: int4 per-tensor weights within 5 points with CLE + bias
    // correction, W8A8 per-tensor within 0.3 point of per-channel after CLE, AdaRound at its
    // default within 0.5 point at int4 per channel and 70% of the gap recovered at int3.
    void techniquesOnAPyTorchTrainedModel_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("expectedKey");
        QTest::newRow("ReLU") << "separable_cnn_scripted.pt" << "float_correct";
        QTest::newRow("ReLU6") << "separable_relu6_scripted.pt" << "relu6_float_correct";
    }
    void techniquesOnAPyTorchTrainedModel()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, expectedKey);
        QFile f(QStringLiteral(QS_FIXTURES "/separable_cnn_expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(f.readAll()).object();
        auto data = Dataset::load(DataSpec::demo());
        auto model = Model::load(QStringLiteral(QS_FIXTURES "/") + fixture);
        {
            c10::InferenceMode guard;
            const EqualizedTensors e = equalizedTensors(model->impl());
            QCOMPARE(e.result.pairs.size(), 10);
            QCOMPARE(e.result.pairs.last().first, QStringLiteral("hidden"));
            const at::Tensor x = data->impl().batchInputs(512, 2560);
            const at::Tensor before = model->impl().forward(x).clone();
            ScopedTensors scope(model->impl().module);
            for (const auto& [path, value] : e.tensors)
                scope.set(path, value);
            const double worst = ((model->impl().forward(x) - before).abs().max() / before.abs().max()).item<double>();
            QVERIFY2(worst <= 1e-4, qPrintable(QString::number(worst)));
        }
        TrialRunner runner(model, data, TrialOptions());
        QuantConfig int4 = config("int4:per_tensor:symmetric", "float", TrialMode::WeightOnly);
        const TrialResult plain = runner.run(int4, JobControl());
        QCOMPARE(plain.evaluationSamples, qint64(expected["evaluation_samples"].toInt()));
        QCOMPARE(qRound64(plain.floatTop1 * plain.evaluationSamples), qint64(expected[expectedKey].toInt()));
        int4.techniques = Techniques::parse("cle,bias_correction");
        const TrialResult fixed = runner.run(int4, JobControl());
        qInfo("int4 per tensor: %.2f points lost, with CLE + bias correction %.2f", plain.loss(), fixed.loss());
        QVERIFY(plain.loss() > 5 && fixed.loss() <= 5 && fixed.loss() < plain.loss() - 3);
        const double perChannel = runner.run(config("int8:per_channel:symmetric", "uint8:per_tensor:affine:histogram"), JobControl()).score();
        QuantConfig perTensor = config("int8:per_tensor:symmetric", "uint8:per_tensor:affine:histogram");
        perTensor.techniques.cle = true;
        const double equalized = runner.run(perTensor, JobControl()).score();
        QVERIFY2(std::abs(equalized - perChannel) <= 0.3, qPrintable(QStringLiteral("%1 against %2").arg(equalized).arg(perChannel)));
    }

    // AdaRound's targets on the PyTorch-trained separable fixture (ReLU): int4 per channel at
    // most 0.5 point lost, int3 per channel at least 70% of the gap to float recovered. (On the
    // ReLU6 one they are measured in the README: int4 −3.09 → −0.18, int3 −19.86 → −1.26.) One
    // row per width, so that CTest can run them as entries of their own.
    void adaRoundOnAPyTorchTrainedModel_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::newRow("int4") << "int4:per_channel:symmetric";
        QTest::newRow("int3") << "int3:per_channel:symmetric";
    }
    void adaRoundOnAPyTorchTrainedModel()
    {
        QFETCH(QString, spec);
        TrialRunner runner(Model::load(QStringLiteral(QS_FIXTURES "/separable_cnn_scripted.pt")), Dataset::load(DataSpec::demo()),
                           TrialOptions());
        QuantConfig c = config(spec, "float", TrialMode::WeightOnly);
        const TrialResult nearest = runner.run(c, JobControl());
        c.techniques = Techniques::parse("adaround");
        const TrialResult learnt = runner.run(c, JobControl());
        qInfo("%s: nearest %.2f points lost, AdaRound %.2f", qPrintable(spec), nearest.loss(), learnt.loss());
        if (spec.startsWith("int4"))
            QVERIFY(nearest.loss() > 1 && learnt.loss() <= 0.5);
        else
            QVERIFY(learnt.loss() <= 0.3 * nearest.loss());
    }

    // Across a ReLU6 (the fixture trained with ReLU6 everywhere, as MobileNet v2): each ReLU6
    // between two layers becomes a clamp to a per-channel bound of 6 at load — the graph still
    // names it relu6 and the float model computes what PyTorch's does (its top-1) —, cross-layer
    // equalization divides the bound by the channel's scale, and the float outputs stay within
    // 1e-4; the model is as loaded afterwards.
    void equalizationAcrossReLU6KeepsTheFloatModel()
    {
        QFile f(QStringLiteral(QS_FIXTURES "/separable_cnn_expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(f.readAll()).object();
        auto data = Dataset::load(DataSpec::demo());
        auto model = Model::load(QStringLiteral(QS_FIXTURES "/separable_relu6_scripted.pt"));
        const ModelGraph g = modelGraph(*model);
        QCOMPARE(std::count_if(g.nodes.begin(), g.nodes.end(), [](const GraphNode& n) { return n.label == "relu6"; }), 11L);
        QCOMPARE(model->impl().clampBounds.size(), size_t(10)); // the last pointwise's feeds the mean: no pair
        c10::InferenceMode guard;
        const at::Tensor x = data->impl().batchInputs(512, 2560);
        const at::Tensor before = model->impl().forward(x).clone();
        const EqualizedTensors e = equalizedTensors(model->impl());
        QCOMPARE(e.result.pairs.size(), 10);
        int bounds = 0;
        for (const auto& [path, value] : e.tensors)
            if (path.front().rfind("_quantscope_relu6_bound", 0) == 0) {
                ++bounds;
                QVERIFY(!at::allclose(value, at::full_like(value, 6))); // scaled per channel
            }
        QCOMPARE(bounds, 10);
        {
            ScopedTensors scope(model->impl().module);
            for (const auto& [path, value] : e.tensors)
                scope.set(path, value);
            const double worst = ((model->impl().forward(x) - before).abs().max() / before.abs().max()).item<double>();
            QVERIFY2(worst <= 1e-4, qPrintable(QString::number(worst)));
        }
        QVERIFY(at::equal(model->impl().forward(x), before));
        TrialOptions options;
        TrialRunner runner(model, data, options);
        const TrialResult r = runner.run(config("float", "float", TrialMode::WeightOnly), JobControl());
        QCOMPARE(qRound64(r.floatTop1 * r.evaluationSamples), qint64(expected["relu6_float_correct"].toInt()));
    }

    // Bias correction gives a convolution without a bias one (the fixture's two convolutions:
    // bias=False, no batch norm; trained by PyTorch): the correction of each is the mean of
    // conv(x, Wq − W) per output channel over the calibration inputs, x the float model's
    // (computed here with ATen from the weights and ATen's fake-quantize of them); no warning;
    // after the trial the biases are None again; the baked TorchScript carries the biases (its
    // top-1 is the trial's) and the weights file names them.
    void biasCorrectionGivesConvolutionsWithoutABiasOne()
    {
        QFile f(QStringLiteral(QS_FIXTURES "/nobias_cnn_expected.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(f.readAll()).object();
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = Model::load(QStringLiteral(QS_FIXTURES "/nobias_cnn_scripted.pt"));
        TrialRunner runner(model, data, TrialOptions());
        QuantConfig c = config("int4:per_tensor:symmetric", "float", TrialMode::WeightOnly);
        const TrialResult plain = runner.run(c, JobControl());
        QCOMPARE(qRound64(plain.floatTop1 * plain.evaluationSamples), qint64(expected["float_correct"].toInt()));
        c.techniques.biasCorrection = true;
        const TrialResult corrected = runner.run(c, JobControl());
        QVERIFY2(corrected.warnings.filter("bias correction").isEmpty(), qPrintable(corrected.warnings.join('\n')));
        torch::jit::Module conv1 = model->impl().module.attr("conv1").toModule(), conv2 = model->impl().module.attr("conv2").toModule();
        QVERIFY(conv1.attr("bias").isNone() && conv2.attr("bias").isNone()); // as loaded again
        c10::InferenceMode guard;
        const at::Tensor x = data->impl().batchInputs(0, 512);
        const at::Tensor w1 = model->impl().weight(0), w2 = model->impl().weight(1);
        auto fake = [](const at::Tensor& w, const QParams& q) {
            return at::fake_quantize_per_tensor_affine(w, q.scale[0], q.zeroPoint[0], q.quantMin, q.quantMax);
        };
        const at::Tensor x2 = at::max_pool2d(at::relu(at::conv2d(x, w1, {}, 1, 1)), 2);
        const at::Tensor want[] = {at::conv2d(x, fake(w1, corrected.layers[0].weightQParams) - w1, {}, 1, 1).mean({0, 2, 3}),
                                   at::conv2d(x2, fake(w2, corrected.layers[1].weightQParams) - w2, {}, 1, 1).mean({0, 2, 3})};
        for (int layer : {0, 1}) {
            const QVector<double>& got = corrected.layers[layer].biasCorrection;
            QCOMPARE(got.size(), want[layer].numel());
            const double largest = want[layer].abs().max().item<double>();
            for (int k = 0; k < got.size(); ++k)
                QVERIFY2(std::abs(got[k] - want[layer][k].item<double>()) <= 1e-5 * largest,
                         qPrintable(QStringLiteral("layer %1 channel %2: %3 against %4").arg(layer).arg(k).arg(got[k]).arg(want[layer][k].item<double>())));
        }
        QVERIFY(corrected.top1 != plain.top1);
        const QByteArray baked = bakedTorchScript(*model, c, corrected);
        std::istringstream in(baked.toStdString());
        torch::jit::Module exported = torch::jit::load(in);
        QVERIFY(exported.attr("conv1").toModule().attr("bias").isTensor());
        const SampleRange eval = data->evaluationRange(TrialOptions().calibrationSamples);
        qint64 correct = 0;
        for (qint64 b = eval.begin; b < eval.end; b += 1024) {
            const qint64 e = qMin(eval.end, b + 1024);
            correct += exported.forward({data->impl().batchInputs(b, e)}).toTensor().argmax(1).eq(data->impl().batchLabels(b, e)).sum().item<int64_t>();
        }
        QCOMPARE(correct, qRound64(corrected.top1 * corrected.evaluationSamples));
        QVERIFY(conv1.attr("bias").isNone()); // the open model unchanged
        const QByteArray state = trialStateDict(*model, c, corrected);
        QVERIFY(state.contains("conv1.bias") && state.contains("conv2.bias"));
    }

    // High-bias absorption against tests/reference/make_hba_reference.py on the fixture whose
    // first batch norm shifts half its channels by more than 3|γ| (no other fixture has one): the
    // same scales, absorbed amounts and both biases within 1e-5 of the largest; a trial with float
    // weights is scored against the model as loaded (PyTorch's float top-1) and gets the top-1
    // PyTorch's run of the absorbed model gets (±1 sample); its layer names what it absorbed. On
    // the demo (no such channel) nothing moves, with a warning.
    void highBiasAbsorptionMatchesTheReference()
    {
        QFile f(QStringLiteral(QS_FIXTURES "/../reference/hba_reference.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        auto close = [](const QVector<double>& got, const QJsonArray& want, const char* what) {
            QCOMPARE(qsizetype(got.size()), qsizetype(want.size()));
            double largest = 0, worst = 0;
            for (int i = 0; i < want.size(); ++i) {
                largest = std::max(largest, std::abs(want[i].toDouble()));
                worst = std::max(worst, std::abs(got[i] - want[i].toDouble()));
            }
            QVERIFY2(largest > 0 && worst <= 1e-5 * largest, qPrintable(QStringLiteral("%1: %2 of %3").arg(what).arg(worst).arg(largest)));
        };
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = Model::load(QStringLiteral(QS_FIXTURES "/high_bias_cnn_scripted.pt"));
        {
            c10::InferenceMode guard;
            const EqualizedTensors e = equalizedTensors(model->impl(), true);
            QCOMPARE(e.result.pairs.size(), 1);
            close(e.result.pairs[0].scales, ref["scales"].toArray(), "scales");
            close(e.result.pairs[0].absorbed, ref["absorbed"].toArray(), "absorbed");
            for (const char* layer : {"conv1", "conv2"})
                for (const auto& [path, value] : e.tensors)
                    if (path == std::vector<std::string>{layer, "bias"}) {
                        const at::Tensor v = value.to(at::kDouble).contiguous();
                        close(QVector<double>(v.data_ptr<double>(), v.data_ptr<double>() + v.numel()),
                              ref[QStringLiteral("%1_bias").arg(layer)].toArray(), layer);
                    }
        }
        TrialRunner runner(model, data, TrialOptions());
        QuantConfig c = config("float", "float", TrialMode::WeightOnly);
        c.techniques = Techniques::parse("high_bias_absorption");
        QVERIFY(c.techniques.cle);
        const TrialResult absorbed = runner.run(c, JobControl());
        // Scored against the model as loaded: its float top-1 PyTorch's before, its top-1 after.
        const qint64 n = absorbed.evaluationSamples;
        QCOMPARE(qRound64(absorbed.floatTop1 * n), qint64(ref["correct_before"].toInt()));
        QVERIFY2(std::abs(qRound64(absorbed.top1 * n) - ref["correct_after"].toInt()) <= 1,
                 qPrintable(QStringLiteral("%1 against %2").arg(qRound64(absorbed.top1 * n)).arg(ref["correct_after"].toInt())));
        QCOMPARE(absorbed.layers[0].highBiasAbsorbed.size(), 16);
        QVERIFY(absorbed.warnings.filter("high-bias absorption").isEmpty());

        TrialRunner demo(loadDemoModel(), data, TrialOptions());
        const TrialResult none = demo.run(c, JobControl());
        QCOMPARE(none.warnings.filter("high-bias absorption moved nothing").size(), 1);
        QCOMPARE(none.top1, none.floatTop1);
    }

    void roundingAndClippingAddUpToTheError_data()
    {
        QTest::addColumn<QString>("weights");
        QTest::addColumn<QString>("activations");
        QTest::newRow("int4 per tensor, minmax") << "int4:per_tensor:symmetric:minmax" << "uint4:per_tensor:affine:minmax";
        QTest::newRow("int4 per channel, mse") << "int4:per_channel:symmetric:minmax" << "uint4:per_tensor:affine:mse";
        QTest::newRow("int3 per tensor affine, percentile") << "int3:per_tensor:affine:minmax" << "uint4:per_tensor:affine:percentile";
    }

    void roundingAndClippingAddUpToTheError()
    {
        QFETCH(QString, weights);
        QFETCH(QString, activations);
        auto data = Dataset::load(DataSpec::demo());
        std::shared_ptr<Model> model = loadDemoModel();
        TrialOptions options;
        options.evaluationLimit = 300;
        TrialRunner runner(model, data, options);
        QuantConfig c;
        c.weight = QuantSpec::parse(weights);
        c.activation = QuantSpec::parse(activations);
        const TrialResult r = runner.run(c, JobControl());
        // Independently: ATen's fake-quantize; clipped are the values outside the range
        // [(quant_min − zp)·scale, (quant_max − zp)·scale] (a value half a step past the end has
        // the same error either way).
        auto check = [](const at::Tensor& x, const QParams& q, double rounding, double clipping, double share, const QString& what) {
            at::Tensor scale, zp;
            if (q.axis < 0) {
                scale = at::full({1}, q.scale[0], at::kFloat);
                zp = at::full({1}, int64_t(q.zeroPoint[0]), at::kInt);
            } else {
                scale = torch::tensor(std::vector<double>(q.scale.begin(), q.scale.end()), at::kFloat);
                zp = torch::tensor(std::vector<int64_t>(q.zeroPoint.begin(), q.zeroPoint.end()), at::kInt);
            }
            const at::Tensor xq = q.axis < 0 ? at::fake_quantize_per_tensor_affine(x, q.scale[0], q.zeroPoint[0], q.quantMin, q.quantMax)
                                             : at::fake_quantize_per_channel_affine(x, scale, zp, q.axis, q.quantMin, q.quantMax);
            std::vector<int64_t> view(size_t(x.dim()), 1);
            if (q.axis >= 0)
                view[size_t(q.axis)] = -1;
            const at::Tensor s = scale.to(at::kDouble).view(view), z = zp.to(at::kDouble).view(view);
            const at::Tensor xd = x.to(at::kDouble);
            const at::Tensor clipped = xd.lt((q.quantMin - z) * s).logical_or(xd.gt((q.quantMax - z) * s));
            const at::Tensor e2 = (x.to(at::kDouble) - xq.to(at::kDouble)).square();
            const double total = e2.mean().item<double>();
            const double clip = e2.masked_select(clipped).sum().item<double>() / double(x.numel());
            QVERIFY2(std::abs(rounding + clipping - total) <= 1e-9 * total, qPrintable(QStringLiteral("%1: %2 + %3 against %4").arg(what).arg(rounding).arg(clipping).arg(total)));
            QVERIFY2(std::abs(clipping - clip) <= 1e-6 * total, qPrintable(QStringLiteral("%1: clipping %2 against %3").arg(what).arg(clipping).arg(clip)));
            QVERIFY2(std::abs(share * double(x.numel()) - clipped.sum().item<double>()) <= 0.5 + 1e-3 * double(x.numel()),
                     qPrintable(QStringLiteral("%1: clipped share %2").arg(what).arg(share)));
        };
        bool anyClipped = false;
        for (int i = 0; i < r.layers.size(); ++i) {
            const LayerTrialResult& l = r.layers[i];
            check(model->impl().weight(i), l.weightQParams, l.weightRoundingMse, l.weightClippingMse, l.weightClippedShare, l.name);
            anyClipped = anyClipped || l.weightClippingMse > 0 || l.activationClippingMse > 0;
        }
        // The first layer's input is the data: its 256 error samples, quantized as calibrated.
        const LayerTrialResult& first = r.layers[0];
        const SampleRange eval = data->evaluationRange(options.calibrationSamples, options.evaluationLimit);
        check(data->impl().batchInputs(eval.begin, eval.begin + r.errorSamples), first.activationQParams,
              first.activationRoundingMse, first.activationClippingMse, first.activationClippedShare, "conv1 input");
        QVERIFY(anyClipped);
    }

    void floatConfigChangesNothing()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult r = runner.run(config("float", "float", TrialMode::WeightOnly), {});
        QCOMPARE(r.top1, r.floatTop1);
        QVERIFY(std::isinf(r.outputSqnr));
        QCOMPARE(r.sizeBytes, r.floatBytes);
        QCOMPARE(r.evaluationSamples, qint64(200));
        for (const auto& l : r.layers)
            QVERIFY(std::isinf(l.weightSqnr) && std::isinf(l.outputSqnr) && l.outputCosine == 1.0);
    }

    // int8 per-tensor symmetric min-max, computed here by hand: scale = max|w| / 127.5,
    // q = clamp(round(w / scale), -128, 127), and the SQNR of w against q·scale.
    void weightSqnrMatchesHandArithmetic()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        const at::Tensor w = model->impl().weight(4).clone(); // fc, 10×256
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult r = runner.run(config("int8:per_tensor:symmetric:minmax", "float", TrialMode::WeightOnly), {});
        const float scale = std::max(-w.min().item<float>(), w.max().item<float>()) / 127.5f;
        const at::Tensor wq = at::clamp(at::round(w / scale), -128, 127) * scale;
        const double expected = 10 * std::log10(w.to(at::kDouble).pow(2).sum().item<double>() /
                                                (w - wq).to(at::kDouble).pow(2).sum().item<double>());
        QCOMPARE(r.layers[4].weightQParams.scale[0], double(scale));
        QVERIFY2(std::abs(r.layers[4].weightSqnr - expected) < 1e-6,
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.layers[4].weightSqnr).arg(expected)));
        // The model holds its float weights again.
        QVERIFY(at::equal(model->impl().weight(4), w));
    }

    void groupWiseUsesOneScalePerGroup()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        const at::Tensor w = model->impl().weight(4).clone(); // fc: 10 rows of 256 → 16 groups of 16
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult r = runner.run(config("int4:group16:symmetric", "float", TrialMode::WeightOnly), {});
        QCOMPARE(r.layers[4].weightQParams.scale.size(), 10 * 16);
        const at::Tensor g = w.reshape({160, 16});
        const at::Tensor absMax = std::get<0>(g.abs().max(1));
        for (int i = 0; i < 160; i += 37)
            QCOMPARE(float(r.layers[4].weightQParams.scale[i]), absMax[i].item<float>() / 7.5f);
        // layer1.0.conv1 has 8 inputs per channel: not a multiple of 16, so it keeps the 4 bits
        // with one scale per output channel, and a warning says so.
        QCOMPARE(r.layers[2].weightSpec, QStringLiteral("int4:per_channel:symmetric:minmax"));
        QCOMPARE(r.layers[2].weightQParams.scale.size(), 8);
        QCOMPARE(r.layers[2].weightBits, 4);
        QVERIFY(r.warnings.join(' ').contains("layer1.0.conv1: 8 input elements per channel do not divide into groups of 16; "
                                              "quantized per channel instead"));
        // The fake-quantized weight, by hand: q = clamp(round(g / s), -8, 7) · s per group.
        const at::Tensor s16 = (absMax / 7.5f).unsqueeze(1);
        const at::Tensor wq = (at::clamp(at::round(g / s16), -8, 7) * s16).reshape({10, 256});
        const double expected = 10 * std::log10(w.to(at::kDouble).pow(2).sum().item<double>() /
                                                (w - wq).to(at::kDouble).pow(2).sum().item<double>());
        QVERIFY2(std::abs(r.layers[4].weightSqnr - expected) < 1e-6,
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.layers[4].weightSqnr).arg(expected)));
    }

    void sizeCountsBitsAndQParams()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult r = runner.run(config("int4:per_channel:symmetric", "float", TrialMode::WeightOnly), {});
        // Weights at 4 bits, 8 bytes of qparams per output channel, everything else at 32 bits.
        const qint64 weights[] = {36, 288, 64, 128, 2560, 60};
        const qint64 channels[] = {4, 8, 8, 4, 10, 6}; // up: transposed, axis 1; proj: x @ W, last axis
        qint64 expected = 0, weightTotal = 0;
        for (int i = 0; i < 6; ++i) {
            expected += (weights[i] * 4 + 7) / 8 + channels[i] * 8;
            weightTotal += weights[i];
        }
        expected += (model->parameterCount() - weightTotal) * 4;
        QCOMPARE(r.sizeBytes, expected);
        QCOMPARE(r.floatBytes, model->parameterCount() * 4);
    }

    void overridesApplyToTheirLayerOnly()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        QuantConfig c = config("int4:per_channel:symmetric", "uint8:per_tensor:affine:minmax");
        QuantConfig::Override o;
        o.hasWeight = true;
        o.weight = QuantSpec::parse("float");
        o.hasActivation = true;
        o.activation = QuantSpec::parse("float");
        c.layers["fc"] = o;
        const TrialResult r = runner.run(c, {});
        QVERIFY(std::isinf(r.layers[4].weightSqnr) && std::isinf(r.layers[4].activationSqnr));
        QVERIFY(!std::isinf(r.layers[3].weightSqnr) && !std::isinf(r.layers[3].activationSqnr));
        QCOMPARE(r.layers[4].activationSpec, QStringLiteral("float"));
    }

    void calibrationIsReusedAcrossTrials()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult a = runner.run(config("int8:per_channel:symmetric", "uint8:per_tensor:affine:histogram"), {});
        const TrialResult b = runner.run(config("int4:per_channel:symmetric", "uint8:per_tensor:affine:histogram"), {});
        QCOMPARE(runner.calibrationPasses(), 1); // same activation spec: calibrated once
        QCOMPARE(a.layers[1].activationQParams.scale, b.layers[1].activationQParams.scale);
        runner.run(config("int8:per_channel:symmetric", "uint8:per_tensor:affine:minmax"), {});
        QCOMPARE(runner.calibrationPasses(), 2);
        // Calibration sees the float model: the min-max range of features.2's input is the float one.
        QVERIFY(b.layers[0].activationQParams.scale[0] > 0);
    }

    // With a calibration cache (the trial database in the app), a new runner — a new session —
    // reuses the calibration instead of calibrating again, with the same qparams.
    void calibrationCacheSurvivesTheRunner()
    {
        struct MemoryCache : CalibrationCache {
            QMap<QString, QVector<QParams>> saved;
            bool load(const QString& key, QVector<QParams>& q) override
            {
                if (!saved.contains(key))
                    return false;
                q = saved[key];
                return true;
            }
            void save(const QString& key, const QVector<QParams>& q) override { saved[key] = q; }
        } cache;
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        const QuantConfig c = config("int8:per_channel:symmetric", "uint8:per_tensor:affine:histogram");
        TrialRunner first(model, m_data, smallOptions());
        const TrialResult a = first.run(c, {}, &cache);
        QCOMPARE(first.calibrationPasses(), 1);
        // The qparams, and the steps before the last (100 samples in batches of 64: one).
        QCOMPARE(cache.saved.size(), 2);
        QVERIFY(cache.saved.firstKey().endsWith("calibration=100|batch=64"));
        QVERIFY(cache.saved.lastKey().endsWith("calibration=100|batch=64|after=64"));
        TrialRunner second(model, m_data, smallOptions());
        const TrialResult b = second.run(c, {}, &cache);
        QCOMPARE(second.calibrationPasses(), 0);
        QCOMPARE(b.layers[2].activationQParams.scale, a.layers[2].activationQParams.scale);
        QCOMPARE(b.top1, a.top1);
        // The calibration's convergence comes back with it.
        QCOMPARE(b.calibration.size(), 1);
        QCOMPARE(b.calibration[0].samples, (QVector<qint64>{64, 100}));
        QCOMPARE(b.calibration[0].steps[0][2].scale, a.calibration[0].steps[0][2].scale);
    }

    void staticActivationsUseCalibratedMinMax()
    {
        // The first site's input is the image itself: pixels in [0, 1] give scale 1/255, zero point 0.
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult r = runner.run(config("float", "uint8:per_tensor:affine:minmax"), {});
        const at::Tensor calib = m_data->impl().inputs.slice(0, 0, 100);
        QCOMPARE(r.layers[0].activationQParams.scale[0],
                 double((calib.max().item<float>() - 0.0f) / 255.0f));
        QCOMPARE(r.layers[0].activationQParams.zeroPoint[0], qint64(0));
    }

    // A module called twice: two sites, one weight tensor. It is quantized once (the first site's
    // setting), counted once in the size, and restored exactly after the trial.
    void sharedWeightIsQuantizedOnceAndRestored()
    {
        auto model = Model::load(kFixtures + "/shared_weights_scripted.pt");
        QStringList names;
        for (const LayerInfo& l : model->layers())
            names << l.name;
        QCOMPARE(names, (QStringList{"fc_in", "mix", "mix:1", "fc_out"}));
        const at::Tensor before = model->impl().weight(1).clone();
        TrialRunner runner(model, m_data, smallOptions());
        QuantConfig c = config("int4:per_channel:symmetric", "float", TrialMode::WeightOnly);
        const TrialResult r = runner.run(c, {});
        QVERIFY(at::equal(model->impl().weight(1), before));
        QVERIFY(at::equal(model->impl().weight(2), before));
        // 4-bit weights with a float32 scale and int32 zero point per output channel; biases float.
        const qint64 expected = (64 * 16 * 4) / 8 + 16 * 8 + (16 * 16 * 4) / 8 + 16 * 8 + (16 * 10 * 4) / 8 + 10 * 8 +
                                (16 + 16 + 10) * 4;
        QCOMPARE(r.sizeBytes, expected);
        QCOMPARE(r.floatBytes, qint64((64 * 16 + 16 * 16 + 16 * 10 + 16 + 16 + 10) * 4));
        QCOMPARE(r.layers[2].weightSqnr, r.layers[1].weightSqnr);
        QVERIFY(r.warnings.isEmpty());
        // The weight went back: a float run after it changes nothing.
        const TrialResult f = runner.run(config("float", "float", TrialMode::WeightOnly), {});
        QVERIFY(std::isinf(f.outputSqnr));
        // Another setting for the second call: the first applies, and the trial says so.
        QuantConfig::Override o;
        o.hasWeight = true;
        o.weight = QuantSpec::parse("int2:per_channel:symmetric");
        c.layers["mix:1"] = o;
        const TrialResult w = runner.run(c, {});
        QVERIFY2(w.warnings.join(' ').contains("mix:1 uses the same weight tensor as mix"), qPrintable(w.warnings.join(' ')));
        QCOMPARE(w.layers[2].weightBits, 4);
        QCOMPARE(w.sizeBytes, r.sizeBytes);
        QVERIFY(at::equal(model->impl().weight(1), before));
    }

    // A bidirectional 2-layer GRU with quantize_dynamic's settings, in batches of 32: every one
    // of 600 predictions equals PyTorch's dynamic int8 model's (the fixture's labels), where the
    // float model differs on 9. The weights go back afterwards; sizes count both weights of
    // each layer at 8 bits with one scale each.
    void recurrentDynamicTrialEqualsQuantizeDynamic()
    {
        auto model = Model::load(kFixtures + "/gru_scripted.pt");
        auto data = Dataset::load(DataSpec::parse("tensors:" + kFixtures + "/gru_sequences.pt"));
        const at::Tensor before = model->impl().weight(2).clone();
        TrialOptions o;
        o.calibrationSamples = 0;
        o.batchSize = 32;
        TrialRunner runner(model, data, o);
        const TrialResult r = runner.run(config("int8:per_tensor:symmetric:minmax", "uint8:per_tensor:affine:minmax:reduce_range",
                                                TrialMode::Dynamic),
                                         {});
        QCOMPARE(r.evaluationSamples, qint64(600));
        QCOMPARE(r.top1, 1.0);
        QCOMPARE(qRound(r.floatTop1 * 600), 591);
        QVERIFY(at::equal(model->impl().weight(2), before));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(r.layers[i].weightQParams.scale.size(), 2);
        const qint64 weights = 2 * (36 * 20 + 36 * 36) + 4 * 24;
        QCOMPARE(r.sizeBytes, weights + 9 * 8 + (4420 - weights) * 4);
        // Weights only: the hidden state is not stepped through, the weights quantized the same.
        const TrialResult w = runner.run(config("int8:per_tensor:symmetric:minmax", "float", TrialMode::WeightOnly), {});
        QCOMPARE(w.layers[1].weightSqnr, r.layers[1].weightSqnr);
        QVERIFY(std::isinf(w.layers[1].activationSqnr));
        QVERIFY(w.top1 < 1.0);
    }

    void cancelRestoresWeights()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        const at::Tensor before = model->impl().weight(0).clone();
        TrialRunner runner(model, m_data, smallOptions());
        int polls = 0;
        JobControl control;
        control.cancelled = [&] { return ++polls > 6; }; // after the float reference, mid-evaluation
        try {
            runner.run(config("int2:per_tensor:symmetric", "uint8"), control);
            QFAIL("expected cancel");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
        QVERIFY(at::equal(model->impl().weight(0), before));
    }

    // Cancel is polled before every batch of every stage: once asked, the batch under way is the
    // last one (under a second on any model a trial is interactive for), no stage reports
    // progress again, and the weights are float again.
    void cancelStopsAtTheNextBatch_data()
    {
        QTest::addColumn<QString>("stage");
        QTest::newRow("float reference") << "Float reference";
        QTest::newRow("calibration") << "Calibrating";
        QTest::newRow("evaluation") << "Evaluating";
    }
    void cancelStopsAtTheNextBatch()
    {
        QFETCH(QString, stage);
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        const at::Tensor before = model->impl().weight(0).clone();
        TrialRunner runner(model, m_data, smallOptions());
        bool asked = false;
        int reportsAfter = 0;
        JobControl control;
        control.cancelled = [&] { return asked; };
        control.progress = [&](double, const QString& text) {
            if (asked)
                ++reportsAfter;
            else if (text.startsWith(stage))
                asked = true; // the user presses Cancel as this batch starts
        };
        try {
            runner.run(config("int4:per_tensor:symmetric", "uint8:per_tensor:affine:histogram"), control);
            QFAIL("expected cancel");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
        QVERIFY(asked);
        QCOMPARE(reportsAfter, 0);
        QVERIFY(at::equal(model->impl().weight(0), before));
    }

    // Activation statistics keep fixed-size accumulators, never the activations: over 32
    // calibration batches of the demo the heap in use stays flat (keeping them would add about
    // 60 MB a batch).
    void activationStatisticsKeepMemoryFlat()
    {
        initRuntime();
        auto model = loadDemoModel();
        auto data = Dataset::load(DataSpec::demo());
        std::vector<double> inUse;
        JobControl control;
        control.progress = [&](double, const QString&) {
            const struct mallinfo2 m = mallinfo2();
            inUse.push_back(double(m.uordblks + m.hblkhd));
        };
        const QVector<TensorStats> stats = activationStats(*model, *data, SampleRange{0, 32 * 256}, 256, control);
        QCOMPARE(stats.size(), 8);
        QCOMPARE(stats[0].count, qint64(32 * 256 * 28 * 28));
        QVERIFY(inUse.size() >= 32);
        const double early = inUse[4], late = inUse.back();
        QVERIFY2(late - early < 32e6, qPrintable(QStringLiteral("heap grew by %1 MB from batch 4 to 32").arg((late - early) / 1e6)));
    }

    // The inputs whose prediction changed: each one's float class is the float model's argmax,
    // its quantized class differs, and the count is every such sample; none for a float config.
    void disagreementsAreTheChangedPredictions()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        const TrialResult none = runner.run(config("float", "float", TrialMode::WeightOnly), {});
        QCOMPARE(none.disagreementCount, qint64(0));
        const TrialResult r = runner.run(config("int2:per_tensor:symmetric", "uint2:per_tensor:affine:minmax"), {});
        QVERIFY(r.disagreementCount > 0);
        QCOMPARE(qint64(r.disagreements.size()), r.disagreementCount);
        QCOMPARE(1.0 - r.top1 >= 0.0, true);
        c10::InferenceMode guard;
        for (const TrialResult::Disagreement& d : r.disagreements) {
            const at::Tensor out = model->impl().forward(m_data->impl().batchInputs(d.sample, d.sample + 1));
            QCOMPARE(int(out.argmax(1).item<int64_t>()), d.floatClass);
            QVERIFY(d.quantizedClass != d.floatClass);
            QCOMPARE(d.label, int(m_data->impl().labels[d.sample].item<int64_t>()));
        }
        QVERIFY(m_data->sampleImage(0).width() == 8);
    }

    void configJsonRoundTrips()
    {
        QuantConfig c = config("int4:group32:symmetric", "uint8:per_tensor:affine:histogram", TrialMode::Dynamic);
        QuantConfig::Override o;
        o.hasWeight = true;
        o.weight = QuantSpec::parse("int8:per_channel:symmetric");
        c.layers["fc"] = o;
        const QuantConfig back = QuantConfig::fromJson(c.toJson(), "memory");
        QCOMPARE(back.toJson(), c.toJson());
        QCOMPARE(back.weightFor("fc").bits, 8);
        QCOMPARE(back.weightFor("proj").bits, 4);
        QCOMPARE(back.mode, TrialMode::Dynamic);
    }

    // Version 2 keeps the techniques; version 1 files (no techniques) read as before.
    void configJsonKeepsTechniques()
    {
        QuantConfig c = config("int4:per_tensor:symmetric", "float", TrialMode::WeightOnly);
        c.techniques.cle = true;
        c.techniques.biasCorrection = true;
        const QuantConfig back = QuantConfig::fromJson(c.toJson(), "memory");
        QVERIFY(back.techniques == c.techniques);
        QCOMPARE(back.toJson(), c.toJson());
        QVERIFY(c.toJson().contains("\"version\": 2"));
        const QuantConfig old = QuantConfig::fromJson(R"({"format": "quantscope-config", "version": 1, "weights": "int4"})", "v1");
        QVERIFY(!old.techniques.any());
        QCOMPARE(old.weight.bits, 4);
        QVERIFY(Techniques::parse("cle,bias_correction") == c.techniques);
        QVERIFY(Techniques::parse(c.techniques.toString()) == c.techniques);
        QVERIFY_THROWS_EXCEPTION(EngineError, Techniques::parse("cle,adaround=0"));
        QVERIFY_THROWS_EXCEPTION(EngineError, Techniques::parse("cle,gptq"));
        QCOMPARE(Techniques::parse("adaround").adaroundIterations, 1000);
        QCOMPARE(Techniques::parse("adaround=250").toString(), QString("adaround=250"));
        QVERIFY(Techniques::parse("seqmse=sqnr").seqMse && Techniques::parse("seqmse=sqnr").seqMseLoss == SeqMseLoss::Sqnr);
        QCOMPARE(Techniques::parse("seqmse=l1").toString(), QString("seqmse=l1"));
        QVERIFY_THROWS_EXCEPTION(EngineError, Techniques::parse("seqmse=l3"));
        QuantConfig sq = c;
        sq.techniques = Techniques::parse("seqmse=l1");
        QVERIFY(QuantConfig::fromJson(sq.toJson(), "memory").techniques == sq.techniques);
        QuantConfig ada = c;
        ada.techniques.adaroundIterations = 250;
        QCOMPARE(QuantConfig::fromJson(ada.toJson(), "memory").techniques.adaroundIterations, 250);
        ada.techniques.adaroundFloatInputs = true;
        QVERIFY(QuantConfig::fromJson(ada.toJson(), "memory").techniques == ada.techniques);
        QCOMPARE(Techniques::parse("adaround=250,adaround_float_inputs").toString(), QString("adaround=250+adaround_float_inputs"));
        QCOMPARE(Techniques::parse("adaround_float_inputs").adaroundIterations, 1000); // AdaRound at its default
        QVERIFY(!(Techniques::parse("adaround_float_inputs") == Techniques::parse("adaround")));
    }

    void badConfigsNameTheProblem_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        const QByteArray head = R"({"format": "quantscope-config", "version": 1, )";
        QTest::newRow("not json") << QByteArray("{oops") << "not JSON";
        QTest::newRow("wrong format") << QByteArray(R"({"format": "x", "version": 1})") << "\"format\"";
        QTest::newRow("newer version") << QByteArray(R"({"format": "quantscope-config", "version": 7})") << "newer QuantScope";
        QTest::newRow("9 bits") << head + R"("weights": "int9"})" << "9 bits";
        QTest::newRow("1 bit") << head + R"("activations": "uint1"})" << "1 bits";
        QTest::newRow("33 bits") << head + R"("weights": "int33"})" << "33 bits";
        QTest::newRow("negative group") << head + R"("weights": "int4:group-4"})" << "group size";
        QTest::newRow("wrong type") << head + R"("weights": 8})" << "\"weights\" must be a spec string";
        QTest::newRow("unknown field") << head + R"("bits": 8})" << "unknown field \"bits\"";
        QTest::newRow("bad layer field") << head + R"("layers": {"fc": {"bitz": 4}}})" << "layers.fc.bitz";
        QTest::newRow("bad mode") << head + R"("mode": "eager"})" << "\"mode\"";
        QTest::newRow("techniques in version 1") << head + R"("techniques": {"cle": true}})" << "unknown field \"techniques\"";
        QTest::newRow("unknown technique") << QByteArray(R"({"format": "quantscope-config", "version": 2, "techniques": {"gptq": true}})")
                                           << "unknown technique \"gptq\"";
        QTest::newRow("adaround not a count") << QByteArray(R"({"format": "quantscope-config", "version": 2, "techniques": {"adaround": "lots"}})")
                                              << "number of iterations";
        QTest::newRow("adaround inputs") << QByteArray(R"({"format": "quantscope-config", "version": 2, "techniques": {"adaround_inputs": "fp32"}})")
                                         << "\"techniques.adaround_inputs\" must be \"quantized\" or \"float\"";
        QTest::newRow("technique not a bool") << QByteArray(R"({"format": "quantscope-config", "version": 2, "techniques": {"cle": 1}})")
                                              << "\"techniques.cle\" must be true or false";
    }
    void badConfigsNameTheProblem()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        try {
            QuantConfig::fromJson(json, "cfg.json");
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(e.message().contains("cfg.json") && e.message().contains(message), qPrintable(e.message()));
        }
    }

    void configNamingAMissingLayerIsRefused()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        TrialRunner runner(model, m_data, smallOptions());
        QuantConfig c;
        c.layers["fc9"] = {};
        try {
            runner.run(c, {});
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains("'fc9'") && e.message().contains("layer1.0.up"), qPrintable(e.message()));
        }
    }
};

QS_TEST_GUILESS_MAIN(TestTrial)
#include "tst_trial.moc"
