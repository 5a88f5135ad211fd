// Cross-layer equalization and bias correction on the demo: what they cost in a trial, against
// the same job done the notebook way in PyTorch (bench/techniques_pytorch.py), in the same run.
//
//   build/bench/bench_techniques
//
// Prints seconds for: a plain first trial and a first trial with CLE + bias correction (each in a
// fresh runner: float reference, equalization, the layer input means, evaluation), their
// difference (target: CLE + bias correction <= 2 s on 2 cores), the same trial again (cached),
// and PyTorch's script, with both top-1 figures.

#include "benchdata.h"
#include "runtime.h"
#include "trial.h"

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
    options.measureEvaluationBatch = true; // as the window and the CLI without --batch
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
    return 0;
}
