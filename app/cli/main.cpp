// quantscope-cli: the engine without a screen. Each command lives in its own file and takes
// only its own options (the table below); with no MODEL the bundled demo is used, with no
// --data Fashion-MNIST's test set. Trials are recorded in the trial database (--db FILE,
// default: the per-user one).
// Exit codes: 0 success, 2 bad input (one line on stderr), 3 search found nothing within the
// budget (its best attempt is still printed), 1 anything else.

#include "cli.h"

#include "exportformat.h"
#include "runtime.h"

#include <QApplication>
#include <QCoreApplication>

#include <cstdio>

namespace qs::cli {

namespace {

const QStringList kData{QStringLiteral("data"), QStringLiteral("output")};
const QStringList kRun{QStringLiteral("calib"), QStringLiteral("eval"), QStringLiteral("batch"), QStringLiteral("calib-data")};
const QStringList kSettings{QStringLiteral("weights"), QStringLiteral("activations"), QStringLiteral("config"),
                            QStringLiteral("mode"), QStringLiteral("cle"), QStringLiteral("high-bias-absorption"), QStringLiteral("bias-correction"),
                            QStringLiteral("techniques"), QStringLiteral("adaround"),
                            QStringLiteral("adaround-inputs"), QStringLiteral("seqmse")};
const QStringList kJson{QStringLiteral("json")};
const QStringList kDb{QStringLiteral("db")};

QList<QCommandLineOption> allOptions()
{
    return {
        {QStringLiteral("data"), QStringLiteral("Data spec (formats below; default: Fashion-MNIST's test set)."), QStringLiteral("SPEC")},
        {QStringLiteral("input-shape"), QStringLiteral("inspect, profile: random inputs of this shape, batch first (e.g. 1,3,224,224), for a model without data at hand."), QStringLiteral("N,C,H,W")},
        {QStringLiteral("output"), QStringLiteral("The output to score when forward returns a dict (KEY; default 'logits', or its only tensor) or a tuple (INDEX; default the first tensor)."), QStringLiteral("KEY|INDEX")},
        {QStringLiteral("calib"), QStringLiteral("Calibration samples, from the start of the data, or of --calib-data (default 512; 0 when nothing is calibrated)."), QStringLiteral("N")},
        {QStringLiteral("calib-data"), QStringLiteral("Calibrate on this data (e.g. training images) and evaluate on all of --data."), QStringLiteral("SPEC")},
        {QStringLiteral("eval"), QStringLiteral("Evaluate at most N samples after the calibration ones (default: all)."), QStringLiteral("N")},
        {QStringLiteral("batch"), QStringLiteral("Batch size (default: 256 to calibrate; trials evaluate at a batch of 16…256 chosen from the model's shapes)."), QStringLiteral("N")},
        {QStringLiteral("weights"), QStringLiteral("Weight spec (default int8:per_channel:symmetric:minmax; int4 per channel for sensitivity)."), QStringLiteral("SPEC")},
        {QStringLiteral("activations"), QStringLiteral("Activation spec (default uint8:per_tensor:affine:histogram; float = weight-only)."), QStringLiteral("SPEC")},
        {QStringLiteral("config"), QStringLiteral("Configuration JSON (see README); --weights/--activations/--mode override it."), QStringLiteral("FILE")},
        {QStringLiteral("write-config"), QStringLiteral("trial, methods, search: write the configuration (used, chosen or found) as JSON."), QStringLiteral("FILE")},
        {QStringLiteral("mode"), QStringLiteral("static, dynamic or weight-only (default static)."), QStringLiteral("MODE")},
        {QStringLiteral("cle"), QStringLiteral("Cross-layer equalization of conv/linear pairs before quantizing.")},
        {QStringLiteral("high-bias-absorption"), QStringLiteral("After --cle (implied): move max(0, β − 3γ) of each equalized pair's first batch-normed layer into the next layer's bias, as AIMET; changes the float model slightly.")},
        {QStringLiteral("bias-correction"), QStringLiteral("Empirical bias correction on the calibration data.")},
        {QStringLiteral("adaround"), QStringLiteral("AdaRound: learn each weight's rounding on calibration data (--adaround=ITERATIONS; --adaround alone: 1000 per layer)."), QStringLiteral("ITERATIONS")},
        {QStringLiteral("adaround-inputs"), QStringLiteral("AdaRound learns from each layer's inputs in the quantized model so far (quantized, the default, as AIMET) or in the float model (float)."), QStringLiteral("FROM")},
        {QStringLiteral("seqmse"), QStringLiteral("SeqMSE: choose each layer's weight range by its output error (--seqmse=mse|l1|sqnr; --seqmse alone: mse)."), QStringLiteral("LOSS")},
        {QStringLiteral("techniques"), QStringLiteral("Techniques applied as weights are quantized: cle, bias_correction, adaround[=ITERATIONS], seqmse[=LOSS], joined by commas (or none)."), QStringLiteral("LIST")},
        {QStringLiteral("db"), QStringLiteral("Trial database (default: the per-user one)."), QStringLiteral("FILE")},
        {QStringLiteral("name"), QStringLiteral("trial: a name for the recorded trial."), QStringLiteral("NAME")},
        {QStringLiteral("subset"), QStringLiteral("sensitivity, search: evaluate candidates on the first N evaluation samples (default 2048)."), QStringLiteral("N")},
        {QStringLiteral("no-converse"), QStringLiteral("sensitivity: skip the every-layer-but-one trials.")},
        {QStringLiteral("max-drop"), QStringLiteral("search: how much worse than float the model may get: points of top-1 (default 1.0), or perplexity for language models (default 0.1)."), QStringLiteral("POINTS")},
        {QStringLiteral("target-size"), QStringLiteral("search: largest acceptable model size in bytes (K, M suffixes)."), QStringLiteral("BYTES")},
        {QStringLiteral("max-latency"), QStringLiteral("search: largest acceptable end-to-end latency of the int8 model at batch 1, in ms (measured to confirm)."), QStringLiteral("MS")},
        {QStringLiteral("bits"), QStringLiteral("search: weight bits to choose from per layer (default 2,4,8,float; 3,4,8,float for language models)."), QStringLiteral("LIST")},
        {QStringLiteral("choose-methods"), QStringLiteral("search: first choose each layer's activation range method.")},
        {QStringLiteral("format"), QStringLiteral("export: %1.").arg(exportFormatNames()), QStringLiteral("FORMAT")},
        {QStringLiteral("model"), QStringLiteral("export torchscript, int8, report: the trial's model file (default: the demo)."), QStringLiteral("FILE")},
        {QStringLiteral("out"), QStringLiteral("export: the file to write (written whole or not at all); graph: the .svg or .png to draw."), QStringLiteral("FILE")},
        {QStringLiteral("trial"), QStringLiteral("latency: also the int8 model of this recorded trial; graph: colour by this trial."), QStringLiteral("ID")},
        {QStringLiteral("color"), QStringLiteral("graph: colour layers by none, weight_sqnr, activation_sqnr, output_sqnr (default with --trial), local_sqnr, rmse_over_scale or bits."), QStringLiteral("COLUMN")},
        {QStringLiteral("against"), QStringLiteral("graph: colour by how much better or worse --trial is than this trial."), QStringLiteral("ID")},
        {QStringLiteral("runs"), QStringLiteral("latency: timed runs after warm-up; medians over them (default 50)."), QStringLiteral("N")},
        {QStringLiteral("threads"), QStringLiteral("latency: LibTorch's intra-op threads (default: the machine's cores)."), QStringLiteral("N")},
        {QStringLiteral("trace"), QStringLiteral("latency: write the profile as a Chrome trace (Perfetto, chrome://tracing)."), QStringLiteral("FILE")},
        {QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")},
    };
}

QString helpText()
{
    QString text = QStringLiteral("QuantScope without a screen.\n\nCommands:\n");
    for (const Command& c : commands())
        text += QStringLiteral("  %1%2\n").arg(c.usage.leftJustified(22), c.summary);
    text += QStringLiteral("\nMODEL is a TorchScript file; without it the bundled Fashion-MNIST demo is used.\n"
                           "Export formats: ");
    for (const ExportFormatInfo& f : exportFormats())
        text += QStringLiteral("%1 (%2)%3").arg(f.name, f.description, &f == &exportFormats().last() ? QString() : QStringLiteral(", "));
    text += QStringLiteral(".\n\nData specs (--data), each with ?mean=M[,M…]&std=S[,S…] per channel:\n"
                           "  idx:IMAGES[,LABELS]          the MNIST family's IDX files, gzipped or not\n"
                           "  npy:INPUTS.npy[,LABELS.npy]  NumPy arrays (token windows: N×T integers, no labels)\n"
                           "  tensors:FILE.pt              torch.save({'inputs': X, 'labels': y}); labels optional\n"
                           "  folder:DIR[?size=N&resize=N&gray=1]  torchvision's ImageFolder layout\n"
                           "  random:SHAPE[?dtype=float|int64&high=V&n=N&seed=S]  random samples, for a model without data");
    return text;
}

/// Refuses an option the command does not take, naming it (exit code 2).
void checkOptions(const QCommandLineParser& p, const Command& command)
{
    for (const QString& name : p.optionNames())
        if (!command.options.contains(name) && name != QLatin1String("help") && name != QLatin1String("version"))
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1 does not take --%2 (it takes %3)")
                                  .arg(command.name, name,
                                       command.options.isEmpty() ? QStringLiteral("no options")
                                                                 : QStringLiteral("--") + command.options.join(QStringLiteral(", --"))));
}

} // namespace

const QVector<Command>& commands()
{
    static const QVector<Command> table{
        {QStringLiteral("inspect"), QStringLiteral("inspect [MODEL]"),
         QStringLiteral("list the quantizable layers with shapes and parameter counts"),
         kData + kJson + QStringList{QStringLiteral("input-shape")}, inspect},
        {QStringLiteral("profile"), QStringLiteral("profile [MODEL]"),
         QStringLiteral("weight and activation statistics per layer, and float accuracy"),
         kData + kRun + kJson + QStringList{QStringLiteral("input-shape")}, profileCommand},
        {QStringLiteral("trial"), QStringLiteral("trial [MODEL]"),
         QStringLiteral("quantize as --weights/--activations say; accuracy, SQNR and size"),
         kData + kRun + kSettings + kDb + kJson + QStringList{QStringLiteral("write-config"), QStringLiteral("name")}, trial},
        {QStringLiteral("sensitivity"), QStringLiteral("sensitivity [MODEL]"),
         QStringLiteral("quantize one layer at a time (and all but one); rank the layers"),
         kData + kRun + kSettings + kDb + kJson + QStringList{QStringLiteral("subset"), QStringLiteral("no-converse")}, sensitivity},
        {QStringLiteral("methods"), QStringLiteral("methods [MODEL]"),
         QStringLiteral("choose each layer's activation range method by its own output error"),
         kData + kRun + kSettings + kJson + QStringList{QStringLiteral("write-config")}, methods},
        {QStringLiteral("search"), QStringLiteral("search [MODEL]"),
         QStringLiteral("the smallest mixed-precision model within --max-drop, --target-size or --max-latency"),
         kData + kRun + kSettings + kDb + kJson +
             QStringList{QStringLiteral("subset"), QStringLiteral("max-drop"), QStringLiteral("target-size"), QStringLiteral("max-latency"),
                         QStringLiteral("bits"),
                         QStringLiteral("choose-methods"), QStringLiteral("write-config")},
         search},
        {QStringLiteral("history"), QStringLiteral("history"), QStringLiteral("the trials recorded in the trial database"),
         kDb + kJson, history},
        {QStringLiteral("compare"), QStringLiteral("compare A B"), QStringLiteral("two recorded trials layer by layer"), kDb, compare},
        {QStringLiteral("export"), QStringLiteral("export TRIAL"),
         QStringLiteral("a recorded trial as --format FORMAT, to --out FILE"),
         kDb + kRun + QStringList{QStringLiteral("format"), QStringLiteral("model"), QStringLiteral("out"), QStringLiteral("output")},
         exportTrial},
        {QStringLiteral("latency"), QStringLiteral("latency [MODEL]"),
         QStringLiteral("where a forward pass's time goes, per layer: float, and with --trial ID its int8 model"),
         kData + kDb + kJson +
             QStringList{QStringLiteral("batch"), QStringLiteral("trial"), QStringLiteral("runs"), QStringLiteral("threads"),
                         QStringLiteral("trace"), QStringLiteral("output")},
         latencyCommand},
        {QStringLiteral("graph"), QStringLiteral("graph [MODEL]"),
         QStringLiteral("the model's layers and the ops between them, laid out by Graphviz, to --out FILE.svg|png"),
         kDb + QStringList{QStringLiteral("out"), QStringLiteral("trial"), QStringLiteral("color"), QStringLiteral("against")},
         graphCommand},
    };
    return table;
}

int run(const QCommandLineParser& p)
{
    const QString name = p.positionalArguments().value(0);
    QStringList names;
    for (const Command& c : commands()) {
        names << c.name;
        if (c.name == name) {
            checkOptions(p, c);
            return c.run(p);
        }
    }
    throw EngineError(ErrorKind::BadInput, name.isEmpty() ? QStringLiteral("no command given; try %1 (see --help)").arg(names.join(QStringLiteral(", ")))
                                                          : QStringLiteral("unknown command '%1'; try %2").arg(name, names.join(QStringLiteral(", "))));
}

} // namespace qs::cli

int main(int argc, char** argv)
{
    // The HTML report and the graph draw with widgets, offscreen; everything else needs no GUI.
    bool report = false;
    for (int i = 1; i < argc; ++i)
        report |= QByteArray(argv[i]) == "report" || QByteArray(argv[i]) == "--format=report" || QByteArray(argv[i]) == "graph";
    if (report && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // Offscreen drawing needs no runtime directory: Qt's note that there is none is noise on
    // stderr, where a failing command says what is wrong in one line.
    static const QtMessageHandler qtDefault = qInstallMessageHandler(nullptr);
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext& context, const QString& message) {
        if (message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set")))
            return;
        qtDefault(type, context, message);
    });
    std::unique_ptr<QCoreApplication> application =
        report ? std::make_unique<QApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("quantscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QUANTSCOPE_VERSION));
    QCommandLineParser p;
    p.setApplicationDescription(qs::cli::helpText());
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(QStringLiteral("command"), QStringLiteral("one of the commands above"));
    p.addPositionalArgument(QStringLiteral("model"), QStringLiteral("TorchScript file (default: the demo)"), QStringLiteral("[model]"));
    p.addOptions(qs::cli::allOptions());
    // "--adaround" and "--seqmse" alone mean their defaults: Qt's parser wants a value for them.
    QStringList arguments = application->arguments();
    for (QString& a : arguments)
        if (a == QLatin1String("--adaround"))
            a = QStringLiteral("--adaround=%1").arg(qs::Techniques::kDefaultAdaroundIterations);
        else if (a == QLatin1String("--seqmse"))
            a = QStringLiteral("--seqmse=mse");
    p.process(arguments);
    qs::initRuntime();
    try {
        return qs::cli::run(p);
    } catch (const qs::EngineError& e) {
        std::fprintf(stderr, "quantscope-cli: %s\n", qPrintable(e.message()));
        return e.kind() == qs::ErrorKind::BadInput ? 2 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "quantscope-cli: internal error: %s\n", e.what());
        return 1;
    }
}
