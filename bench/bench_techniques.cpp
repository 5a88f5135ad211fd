// Cross-layer equalization and bias correction on the demo: what they cost in a trial, against
// the same job done the notebook way in PyTorch (bench/techniques_pytorch.py), in the same run.
//
//   build/bench/bench_techniques
//
// Prints seconds for: a plain first trial and a first trial with CLE + bias correction (each in a
// fresh runner: float reference, equalization, the layer input means, evaluation), their
// difference (target: CLE + bias correction <= 2 s on 2 cores), the same trial again (cached),
// and PyTorch's script, with both top-1 figures. Then AdaRound: whole int4 per-channel trials at
// 1,000 and 3,000 iterations per layer (target <= 60 s), and one layer (block1.pw, 1,000
// iterations, one thread) against tests/reference/make_adaround_reference.py doing the same in
// PyTorch.

#include "benchdata.h"
#include "model_p.h"
#include "runtime.h"
#include "techniques_p.h"
#include "trial.h"

#include <ATen/Parallel.h>

#include <QCoreApplication>

#include <cstdio>

using namespace qs;
using benchdata::seconds;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    initRuntime();
    auto data = Dataset::load(DataSpec::demo());
    QuantConfig plain;
    plain.weight = QuantSpec::parse(QStringLiteral("int4:per_tensor:symmetric"));
    plain.activation = QuantSpec::parse(QStringLiteral("float"));
    plain.mode = TrialMode::WeightOnly;
    QuantConfig fixed = plain;
    fixed.techniques = Techniques::parse(QStringLiteral("cle,bias_correction"));
    TrialOptions options;
    options.chooseEvaluationBatch = true; // as the window and the CLI without --batch
    double plainFirst = 1e9, fixedFirst = 1e9, fixedAgain = 1e9;
    TrialResult plainResult, fixedResult;
    for (int run = 0; run < 3; ++run) {
        {
            TrialRunner runner(loadDemoModel(), data, options);
            plainFirst = std::min(plainFirst, seconds([&] { plainResult = runner.run(plain, {}); }));
        }
        TrialRunner runner(loadDemoModel(), data, options);
        fixedFirst = std::min(fixedFirst, seconds([&] { fixedResult = runner.run(fixed, {}); }));
        fixedAgain = std::min(fixedAgain, seconds([&] { runner.run(fixed, {}); }));
    }
    std::printf("demo, int4 per-tensor weights, %lld evaluation samples (best of 3)\n",
                static_cast<long long>(plainResult.evaluationSamples));
    std::printf("  first trial, plain                      %6.3f s   top-1 %.2f%%\n", plainFirst, 100 * plainResult.top1);
    std::printf("  first trial, CLE + bias correction      %6.3f s   top-1 %.2f%%\n", fixedFirst, 100 * fixedResult.top1);
    std::printf("  CLE + bias correction cost              %6.3f s   (target <= 2 s)\n", fixedFirst - plainFirst);
    std::printf("  the same trial again (cached)           %6.3f s\n", fixedAgain);

    QProcess python;
    double best = 1e9;
    QString top1;
    for (int run = 0; run < 3; ++run) {
        python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(QS_BENCH_DIR "/techniques_pytorch.py")});
        if (!python.waitForFinished(600000) || python.exitCode() != 0) {
            std::printf("  PyTorch: techniques_pytorch.py failed: %s\n", python.readAllStandardError().constData());
            return 1;
        }
        const QString out = QString::fromUtf8(python.readAllStandardOutput());
        best = std::min(best, out.section(QStringLiteral("seconds "), 1).section(u' ', 0, 0).toDouble());
        top1 = out.section(QStringLiteral("top1 "), 1).trimmed();
    }
    std::printf("  PyTorch, load + CLE + bias correction + evaluation  %6.3f s   top-1 %s%%\n", best, qPrintable(top1));
    std::printf("  ratio PyTorch / QuantScope first trial  %6.2fx\n", best / fixedFirst);

    std::printf("\nAdaRound, int4 per-channel weights (weight-only)\n");
    QuantConfig perChannel = plain;
    perChannel.weight = QuantSpec::parse(QStringLiteral("int4:per_channel:symmetric"));
    {
        TrialRunner runner(loadDemoModel(), data, options);
        const TrialResult nearest = runner.run(perChannel, {});
        std::printf("  nearest rounding                        top-1 %.2f%% (%+.2f points)\n", 100 * nearest.top1, -nearest.loss());
    }
    for (int iterations : {1000, 3000}) {
        QuantConfig c = perChannel;
        c.techniques.adaroundIterations = iterations;
        TrialRunner runner(loadDemoModel(), data, options);
        TrialResult r;
        const double s = seconds([&] { r = runner.run(c, {}); });
        std::printf("  AdaRound, %4d iterations per layer      %6.2f s   top-1 %.2f%% (%+.2f points)   (target <= 60 s)\n",
                    iterations, s, 100 * r.top1, -r.loss());
    }
    // One layer, one thread, as the reference script runs it.
    std::shared_ptr<Model> model = loadDemoModel();
    InputCaptureProbe capture(2, qint64(1) << 32);
    {
        c10::InferenceMode guard;
        ScopedProbeHandler scope(&capture);
        model->impl().forward(data->impl().batchInputs(0, 512));
    }
    const QParams q = previewWeight(*model, 2, perChannel.weight).weightQParams;
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    AdaRoundLayer layer;
    AdaRoundData in;
    in.inputs = in.targetInputs = capture.inputs();
    in.bias = model->impl().tensorAt(model->impl().sites[2].biasPath);
    in.activation = followingActivation(model->impl(), 2);
    const double mine = seconds([&] { layer = adaRound(model->impl(), 2, model->impl().weight(2), q, in, {}, {}); });
    at::set_num_threads(threads);
    QProcess reference;
    const double theirs = seconds([&] {
        reference.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(QS_BENCH_DIR "/../tests/reference/make_adaround_reference.py")});
        reference.waitForFinished(600000);
    });
    std::printf("  block1.pw, 1,000 iterations, 1 thread: QuantScope %.2f s (loss %.4g -> %.4g), PyTorch's script %.2f s "
                "(load and inputs included): ratio %.2fx\n",
                mine, layer.lossNearest, layer.lossAfter, theirs, theirs / mine);
    return 0;
}
