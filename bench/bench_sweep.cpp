// One layer at a time on torchvision's ResNet-18 (10 classes, 64×64 inputs, random weights,
// 256 calibration and 256 evaluation samples, batch 32; int4 per-channel symmetric weights,
// uint8 per-tensor affine min-max inputs): QuantScope's sensitivity sweep with and without
// prefix reuse, against the plain PyTorch loop (bench/sweep_pytorch.py) run by this program on
// the same weights and samples, and against the floor — the float reference, one calibration
// pass and, per layer, the share of a float pass after it. Then the search (bits 4, 8, float,
// at most 1 point lost) on ResNet-18 and on the demo.
//
//   build/bench/bench_sweep [--threads N]
//   build/bench/bench_sweep --memory N,M     (the sweep alone: N evaluation samples, M MB kept)
//
// Needs Debian's python3-torch and python3-torchvision. Targets (issue 18): the sweep ≥ 3×
// faster than the PyTorch loop and within 1.25× of the floor; the search under 60 s on
// ResNet-18 and under 5 s on the demo.

#include "benchdata.h"
#include "data_p.h"
#include "latency.h"
#include "model_p.h"
#include "runtime.h"
#include "search.h"
#include "trial.h"

#include <QCoreApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <ATen/Parallel.h>

#include <sys/resource.h>

#include <cstdio>

using namespace qs;
using benchdata::seconds;

namespace {

using benchdata::runPython;
using benchdata::writeSamples;

double peakResidentMb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;
}

QuantConfig oneLayerSettings()
{
    QuantConfig c;
    c.weight = QuantSpec::parse("int4:per_channel:symmetric:minmax");
    c.activation = QuantSpec::parse("uint8:per_tensor:affine:minmax");
    return c;
}

double search(const std::shared_ptr<Model>& model, const std::shared_ptr<Dataset>& data, const TrialOptions& options,
              QString* summary)
{
    TrialRunner runner(model, data, options);
    SearchOptions so;
    so.base = QuantConfig();
    so.bits = {4, 8, 32};
    so.maxDrop = 1.0;
    SearchResult r;
    const double s = seconds([&] { r = runSearch(runner, so, {}, {}); });
    *summary = r.summary;
    return s;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    initRuntime();
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Threads, both sides."), QStringLiteral("N"), QStringLiteral("2")});
    parser.addOption({QStringLiteral("memory"),
                      QStringLiteral("Only QuantScope's sweep with prefix reuse on N evaluation samples, kept values "
                                     "limited to M MB: time and peak resident memory (run it for several N)."),
                      QStringLiteral("N,M")});
    parser.process(app);
    const int threads = parser.value(QStringLiteral("threads")).toInt();
    at::set_num_threads(threads);
    QTemporaryDir dir;
    runPython({QStringLiteral(QS_BENCH_DIR "/make_torchvision.py"), dir.path()});
    const QString modelPath = dir.filePath("resnet18.pt");
    if (parser.isSet(QStringLiteral("memory"))) {
        const QStringList nm = parser.value(QStringLiteral("memory")).split(u',');
        const qint64 n = nm.value(0).toLongLong(), mb = nm.value(1).toLongLong();
        TrialOptions o;
        o.calibrationSamples = 256;
        o.evaluationLimit = n;
        o.batchSize = 32;
        o.prefixBudgetBytes = mb << 20;
        auto samples = Dataset::load(DataSpec::parse(QStringLiteral("random:3,64,64?n=%1&seed=1").arg(256 + n)));
        TrialRunner runner(Model::load(modelPath), samples, o);
        SensitivityOptions so;
        so.config = oneLayerSettings();
        so.converse = false;
        so.evaluationSamples = -1;
        const double before = peakResidentMb();
        const double s = seconds([&] { runSensitivity(runner, so, {}, {}); });
        std::printf("ResNet-18 sweep, %lld evaluation samples (%lld batches), kept values at most %lld MB: %.2f s, peak "
                    "resident memory %.0f MB (%.0f MB before the sweep)\n",
                    static_cast<long long>(n), static_cast<long long>((n + 31) / 32), static_cast<long long>(mb), s,
                    peakResidentMb(), before);
        return 0;
    }
    std::shared_ptr<Dataset> data = Dataset::load(DataSpec::parse(QStringLiteral("random:3,64,64?n=512&seed=1")));
    TrialOptions options;
    options.calibrationSamples = 256;
    options.evaluationLimit = 256;
    options.batchSize = 32;

    // The plain PyTorch loop, on the same samples.
    const QString calib = writeSamples(*data, 0, 256, dir.filePath("calib.f32"));
    const QString eval = writeSamples(*data, 256, 512, dir.filePath("eval.f32"));
    const QJsonObject py = QJsonDocument::fromJson(runPython({QStringLiteral(QS_BENCH_DIR "/sweep_pytorch.py"), modelPath,
                                                              calib, eval, QStringLiteral("3,64,64"), QStringLiteral("32"),
                                                              QString::number(threads)})
                                                       .toUtf8())
                               .object();
    const double pytorch = py["seconds"].toDouble();

    // The floor: a float evaluation, per layer the share of the float pass after it.
    std::shared_ptr<Model> model = Model::load(modelPath);
    model->measureShapes(*data);
    const SampleRange evalRange = data->evaluationRange(options.calibrationSamples, options.evaluationLimit);
    auto floatPass = [&] {
        c10::InferenceMode guard;
        for (qint64 b = evalRange.begin; b < evalRange.end; b += options.batchSize)
            model->impl().forward(data->impl().batchInputs(b, qMin(evalRange.end, b + options.batchSize)));
    };
    floatPass(); // warm-up
    double floatEval = 1e9;
    for (int i = 0; i < 3; ++i)
        floatEval = std::min(floatEval, seconds(floatPass));
    LatencyOptions lo;
    lo.batch = 32;
    lo.runs = 20;
    const LatencyProfile profile = floatLatency(*model, *data, options.calibrationSamples, lo, {});
    double total = 0;
    for (const LayerTime& l : profile.layers)
        total += l.totalMs();
    double shares = 0, after = total;
    for (const LayerTime& l : profile.layers) {
        shares += after / total;
        after -= l.totalMs();
    }
    const double floor = 2 * floatEval + shares * floatEval; // reference, calibration, one suffix per layer

    SensitivityOptions so;
    so.config = oneLayerSettings();
    so.converse = false;
    so.evaluationSamples = -1;
    auto sweep = [&](qint64 prefixBudget, SensitivityResult* result) {
        TrialOptions o = options;
        o.prefixBudgetBytes = prefixBudget;
        TrialRunner runner(Model::load(modelPath), data, o);
        return seconds([&] { *result = runSensitivity(runner, so, {}, {}); });
    };
    SensitivityResult whole, reused;
    const double wholeSeconds = sweep(0, &whole);
    const double reusedSeconds = sweep(-1, &reused);
    int same = 0;
    for (int i = 0; i < whole.layers.size(); ++i)
        same += whole.layers[i].drop == reused.layers[i].drop && whole.layers[i].outputSqnr == reused.layers[i].outputSqnr;

    std::printf("ResNet-18, %d layers, 256 calibration + 256 evaluation samples, batch 32, %d threads\n",
                int(model->layers().size()), threads);
    std::printf("  float evaluation                               %7.2f s\n", floatEval);
    std::printf("  plain PyTorch loop (sweep_pytorch.py)          %7.2f s\n", pytorch);
    std::printf("  QuantScope sweep, whole graph per trial        %7.2f s   %.2fx faster than PyTorch\n", wholeSeconds,
                pytorch / wholeSeconds);
    std::printf("  QuantScope sweep, prefix reuse                 %7.2f s   %.2fx faster than PyTorch (target >= 3)\n",
                reusedSeconds, pytorch / reusedSeconds);
    std::printf("  floor (reference + calibration + %.1f suffix passes) %5.2f s   sweep / floor %.2fx (target <= 1.25)\n",
                shares, floor, reusedSeconds / floor);
    std::printf("  trials identical with and without prefix reuse: %d of %d\n", same, int(whole.layers.size()));
    std::printf("  peak resident memory so far                    %7.0f MB\n", peakResidentMb());

    QString summary;
    const double resnetSearch = search(Model::load(modelPath), data, options, &summary);
    std::printf("\nsearch, bits 4, 8, float, at most 1 point lost\n  ResNet-18: %.1f s (target < 60 s): %s\n", resnetSearch,
                qPrintable(summary));
    const double demoSearch = search(loadDemoModel(), Dataset::load(DataSpec::demo()), TrialOptions(), &summary);
    std::printf("  demo: %.1f s (target < 5 s): %s\n", demoSearch, qPrintable(summary));
    TrialOptions measured; // as the window and the CLI without --batch run it
    measured.chooseEvaluationBatch = true;
    const double demoMeasured = search(loadDemoModel(), Dataset::load(DataSpec::demo()), measured, &summary);
    std::printf("  demo, evaluated at the batch chosen from its shapes: %.1f s: %s\n", demoMeasured, qPrintable(summary));
    std::printf("  peak resident memory                           %7.0f MB\n", peakResidentMb());
    return 0;
}
