// Sensitivity sweep and mixed-precision search: what reusing the float reference, the
// calibration and the quantized weights, and evaluating candidates on a subset, buy against
// running every trial from scratch. On the demo and on a ResNet-20 (bench/resnet20.pt).
//
//   build/bench/bench_search
//
// Prints seconds and the ratio sweep / (L × one trial), and the whole search's time
// (target: under 30 s on the demo on 2 cores).

#include "benchdata.h"
#include "data_p.h"
#include "model_p.h"
#include "runtime.h"
#include "search.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace qs;

using benchdata::seconds;

namespace {

void bench(const QString& title, const std::shared_ptr<Model>& model, const std::shared_ptr<Dataset>& data)
{
    model->measureShapes(*data);
    const TrialOptions options;
    const int layers = int(model->layers().size());
    const qint64 evalSize = data->evaluationRange(options.calibrationSamples).size();
    std::printf("\n%s: %d quantizable layers; evaluation split %lld samples\n", qPrintable(title), layers,
                static_cast<long long>(evalSize));
    for (int i = 0; i < 3; ++i) // warm up the profiling executor
        model->impl().forward(data->impl().batchInputs(0, options.batchSize));

    QuantConfig spec;
    spec.weight = QuantSpec::parse("int4:per_channel:symmetric:minmax");
    // One trial as a user runs it alone: a fresh runner, so reference and calibration included.
    double one = 0;
    {
        TrialRunner fresh(model, data, options);
        one = seconds([&] { fresh.run(spec, {}); });
    }
    std::printf("  one W4A8 trial from scratch (whole split)     %7.2f s; L x that = %.2f s\n", one, layers * one);

    SensitivityOptions so;
    so.config = spec;
    so.converse = false;
    so.evaluationSamples = -1;
    {
        TrialRunner runner(model, data, options);
        const double t = seconds([&] { runSensitivity(runner, so, {}, {}); });
        std::printf("  sweep, whole split, shared reference + calibration %5.2f s   ratio %.2fx of L trials\n", t,
                    t / (layers * one));
    }
    so.evaluationSamples = 2048;
    {
        TrialRunner runner(model, data, options);
        const double t = seconds([&] { runSensitivity(runner, so, {}, {}); });
        std::printf("  sweep, first 2048 samples, shared                %5.2f s   ratio %.2fx of L trials\n", t,
                    t / (layers * one));
    }
    SearchOptions search;
    search.base.weight = QuantSpec::parse("int8:per_channel:symmetric:minmax");
    search.maxDrop = 1.0; // points of top-1
    {
        TrialRunner runner(model, data, options);
        SearchResult r;
        const double t = seconds([&] { r = runSearch(runner, search, {}, {}); });
        std::printf("  search, <= 1 point, bits 2,4,8,float             %5.2f s   %d trials (%.2f s each); "
                    "%.2fx smaller than float, %+.2f points\n",
                    t, r.trials, t / r.trials, r.bestResult.compression(), -100 * (r.bestResult.floatTop1 - r.bestResult.top1));
    }
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    initRuntime();
    try {
        bench(QStringLiteral("Fashion-MNIST MobileNet (demo)"), loadDemoModel(), Dataset::load(DataSpec::demo()));
        QTemporaryDir dir;
        bench(QStringLiteral("ResNet-20, random weights, top-1 agreement"),
              Model::load(QStringLiteral(QS_BENCH_DIR "/resnet20.pt")), Dataset::load(benchdata::randomImages(dir, 4608, false)));
    } catch (const EngineError& e) {
        std::fprintf(stderr, "bench_search: %s\n", qPrintable(e.message()));
        return 2;
    }
}
