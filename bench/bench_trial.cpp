// Trial cost against float evaluation, and calibration time per range method, on the demo and
// on a ResNet-20 (bench/resnet20.pt, random weights, 3×32×32 inputs).
//
//   build/bench/bench_trial [--eval N]
//
// Prints seconds and the ratio trial / float evaluation (target: W8A8 static ≤ 1.5×).

#include "benchdata.h"
#include "data_p.h"
#include "model_p.h"
#include "profile.h"
#include "runtime.h"
#include "trial.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <cstdio>

using namespace qs;

using benchdata::seconds;

namespace {

void bench(const QString& title, std::shared_ptr<Model> model, std::shared_ptr<Dataset> data, qint64 evalLimit)
{
    model->measureShapes(*data);
    TrialOptions options;
    options.evaluationLimit = evalLimit;
    const SampleRange eval = data->evaluationRange(options.calibrationSamples, evalLimit);
    std::printf("\n%s: %d quantizable layers, %lld parameters; calibration %lld, evaluation %lld samples, batch %d\n",
                qPrintable(title), int(model->layers().size()), static_cast<long long>(model->parameterCount()),
                static_cast<long long>(options.calibrationSamples), static_cast<long long>(eval.size()), options.batchSize);
    // Warm up: the profiling executor is slow for the first few forwards.
    for (int i = 0; i < 3; ++i)
        model->impl().forward(data->impl().batchInputs(0, options.batchSize));
    double floatEval = 1e9;
    for (int i = 0; i < 3; ++i)
        floatEval = std::min(floatEval, seconds([&] { evaluateFloat(*model, *data, eval, options.batchSize, {}); }));
    std::printf("  float evaluation                         %7.3f s\n", floatEval);

    TrialRunner runner(model, data, options);
    QuantConfig w8a8;
    const double first = seconds([&] { runner.run(w8a8, {}); });
    double trial = 1e9;
    for (int i = 0; i < 3; ++i)
        trial = std::min(trial, seconds([&] { runner.run(w8a8, {}); }));
    std::printf("  first W8A8 trial (reference + calibration) %6.3f s\n", first);
    std::printf("  W8A8 static trial                        %7.3f s   ratio trial / float evaluation %.2fx (target <= 1.5x)\n",
                trial, trial / floatEval);
    {
        // As the window and the CLI without --batch run it: evaluated at the batch chosen from its shapes.
        TrialOptions o = options;
        o.chooseEvaluationBatch = true;
        TrialRunner measured(model, data, o);
        const int batch = measured.evaluationBatch(TrialMode::Static);
        measured.run(w8a8, {});
        double t = 1e9, f = 1e9;
        for (int i = 0; i < 3; ++i) {
            t = std::min(t, seconds([&] { measured.run(w8a8, {}); }));
            f = std::min(f, seconds([&] { evaluateFloat(*model, *data, eval, batch, {}); }));
        }
        std::printf("  W8A8 trial at the chosen batch   %3d     %7.3f s   %.2fx faster than at batch %d; ratio to float "
                    "evaluation at batch %d %.2fx\n",
                    batch, t, trial / t, options.batchSize, batch, t / f);
    }
    QuantConfig weightOnly;
    weightOnly.mode = TrialMode::WeightOnly;
    weightOnly.weight = QuantSpec::parse("int4:per_channel:symmetric");
    const double wo = seconds([&] { runner.run(weightOnly, {}); });
    std::printf("  int4 weight-only trial                   %7.3f s   ratio %.2fx\n", wo, wo / floatEval);

    for (const char* method : {"minmax", "moving_average", "histogram", "percentile", "mse", "entropy"}) {
        QuantConfig c;
        c.weight = QuantSpec::parse("float");
        c.activation = QuantSpec::parse(QStringLiteral("uint8:per_tensor:affine:") + method);
        TrialRunner fresh(model, data, options); // nothing calibrated yet
        const TrialResult r = fresh.run(c, {});
        std::printf("  calibration, %-15s               %7.3f s\n", method, r.calibrationSeconds);
    }
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    initRuntime();
    const qint64 evalLimit = argc > 2 && QByteArray(argv[1]) == "--eval" ? QByteArray(argv[2]).toLongLong() : -1;
    try {
        bench(QStringLiteral("Fashion-MNIST MobileNet (demo)"), loadDemoModel(), Dataset::load(DataSpec::demo()), evalLimit);
        QTemporaryDir dir;
        bench(QStringLiteral("ResNet-20, random weights"), Model::load(QStringLiteral(QS_BENCH_DIR "/resnet20.pt")),
              Dataset::load(benchdata::randomImages(dir, 2560)), evalLimit);
    } catch (const EngineError& e) {
        std::fprintf(stderr, "bench_trial: %s\n", qPrintable(e.message()));
        return 2;
    }
}
