// Float and int8 latency of the same models by QuantScope and by PyTorch in Python (FX
// prepare_fx / convert_fx with the onednn qconfig mapping, the same calibration samples), side
// by side, at batch 1 and 32: the demo, torchvision's ResNet-18 and MobileNetV2 (10 classes,
// 64×64 inputs, random weights: written by bench/make_torchvision.py).
//
//   build/bench/bench_latency [--runs N] [--threads N] [--models demo,resnet18,mobilenet_v2]
//
// Needs Debian's python3-torch and python3-torchvision. Targets (issue 17): QuantScope's int8
// model within 1.1× of PyTorch's int8 latency, faster than float wherever PyTorch's int8 is, and
// the per-layer sum within ±15% of end to end.

#include "benchdata.h"
#include "data_p.h"
#include "int8.h"
#include "latency.h"
#include "runtime.h"
#include "trial.h"

#include <QCoreApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>

using namespace qs;

namespace {

using benchdata::runPython;
using benchdata::writeSamples;

void bench(const QString& name, const QString& modelPath, const DataSpec& spec, const QTemporaryDir& dir, int runs,
           int threads)
{
    std::shared_ptr<Model> model = name == QLatin1String("demo") ? loadDemoModel() : Model::load(modelPath);
    std::shared_ptr<Dataset> data = Dataset::load(spec);
    TrialOptions options;
    options.batchSize = 32;
    options.evaluationLimit = 256;
    const SampleRange eval = data->evaluationRange(options.calibrationSamples, options.evaluationLimit);
    TrialRunner runner(model, data, options);
    const QuantConfig w8a8; // int8 per-channel weights, uint8 histogram activations, as onednn's qconfig
    const TrialResult trial = runner.run(w8a8, {});

    const QStringList shape = [&] {
        QStringList s;
        for (qint64 d : data->sampleShape(false))
            s << QString::number(d);
        return s;
    }();
    const QString calib = writeSamples(*data, 0, options.calibrationSamples, dir.filePath(name + "_calib.f32"));
    const QString input = writeSamples(*data, eval.begin, eval.begin + 32, dir.filePath(name + "_input.f32"));
    const QString torchModel = name == QLatin1String("demo") ? QStringLiteral(QS_SOURCE "/resources/fashion_mobilenet.pt") : modelPath;
    // QuantScope's int8 model as exported, for timing in the same Python process as PyTorch's.
    const Int8Result exported = buildInt8Model(*model, *data, w8a8, trial, options, {});
    const QString int8Path = dir.filePath(name + "_int8.pt");
    QFile int8File(int8Path);
    if (!int8File.open(QIODevice::WriteOnly) || int8File.write(exported.torchscript) != exported.torchscript.size())
        std::exit(1);
    int8File.close();
    const QJsonObject py =
        QJsonDocument::fromJson(runPython({QStringLiteral(QS_BENCH_DIR "/latency_pytorch.py"), name, torchModel, calib, input,
                                           shape.join(u','), QString::number(threads), QString::number(runs), int8Path})
                                    .toUtf8())
            .object();

    std::printf("\n%s: %d layers, W8A8 (int8 per-channel weights, uint8 histogram activations), %d threads, "
                "medians of the faster half of %d runs\n",
                qPrintable(name), int(model->layers().size()), threads, runs);
    std::printf("  batch | QuantScope float   int8  speed-up  sum/e2e | PyTorch float  FX int8  speed-up | in one Python "
                "process: QuantScope int8  FX int8  ratio (target <= 1.10)\n");
    for (int batch : {1, 32}) {
        LatencyOptions lo;
        lo.batch = batch;
        lo.runs = runs;
        lo.threads = threads;
        const LatencyProfile f = floatLatency(*model, *data, options.calibrationSamples, lo, {});
        const LatencyProfile q = int8Latency(*model, *data, w8a8, trial, options, lo, {});
        const QString key = QString::number(batch);
        const double pf = py["float_ms"].toObject()[key].toDouble();
        const double pq = py["int8_ms"].toObject()[key].toDouble();
        const double qsPy = py["quantscope_int8_ms"].toObject()[key].toDouble();
        std::printf("  %5d | %13.3f %7.3f %8.2fx %8.2f | %12.3f %8.3f %8.2fx | %38.3f %8.3f %6.2fx%s\n", batch, f.endToEndMs,
                    q.endToEndMs, f.endToEndMs / q.endToEndMs, q.profiledMs() / q.endToEndMs, pf, pq, pf / pq, qsPy, pq,
                    qsPy / pq, qsPy / pq <= 1.10 ? "" : " (over)");
    }
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    initRuntime();
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("runs"), QStringLiteral("Timed runs per measurement."), QStringLiteral("N"), QStringLiteral("100")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Threads, both sides."), QStringLiteral("N"), QStringLiteral("2")});
    parser.addOption({QStringLiteral("models"), QStringLiteral("Which models."), QStringLiteral("LIST"),
                      QStringLiteral("demo,resnet18,mobilenet_v2")});
    parser.process(app);
    const int runs = parser.value(QStringLiteral("runs")).toInt();
    const int threads = parser.value(QStringLiteral("threads")).toInt();
    QTemporaryDir dir;
    runPython({QStringLiteral(QS_BENCH_DIR "/make_torchvision.py"), dir.path()});
    for (const QString& name : parser.value(QStringLiteral("models")).split(u',')) {
        if (name == QLatin1String("demo"))
            bench(name, {}, DataSpec::demo(), dir, runs, threads);
        else
            bench(name, dir.filePath(name + ".pt"), DataSpec::parse(QStringLiteral("random:3,64,64?n=800&seed=1")), dir, runs,
                  threads);
    }
    return 0;
}
