// quantscope-cli: the engine without a screen.
//
//   quantscope-cli inspect [MODEL] [--data SPEC] [--json]
//   quantscope-cli profile [MODEL] [--data SPEC] [--calib N] [--eval N] [--batch N] [--json]
//
// With no MODEL the bundled demo is used; with no --data, Fashion-MNIST's test set.
// Exit codes: 0 success, 2 bad input (one line on stderr), 1 anything else.

#include "data.h"
#include "profile.h"
#include "runtime.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTextStream>

#include <cstdio>

namespace qs {
namespace {

QTextStream& out()
{
    static QTextStream s(stdout);
    return s;
}

QJsonArray jsonShape(const QVector<qint64>& shape)
{
    QJsonArray a;
    for (qint64 s : shape)
        a.append(double(s));
    return a;
}

QJsonArray jsonNumbers(const QVector<double>& v)
{
    QJsonArray a;
    for (double x : v)
        a.append(x);
    return a;
}

QJsonObject jsonLayer(const LayerInfo& l)
{
    return {{QStringLiteral("name"), l.name},
            {QStringLiteral("op"), l.op},
            {QStringLiteral("weight_shape"), jsonShape(l.weightShape)},
            {QStringLiteral("params"), double(l.paramCount)},
            {QStringLiteral("input_shape"), jsonShape(l.inputShape)},
            {QStringLiteral("output_shape"), jsonShape(l.outputShape)}};
}

QJsonObject jsonStats(const TensorStats& s)
{
    QJsonObject o{{QStringLiteral("count"), double(s.count)},
                  {QStringLiteral("non_finite"), double(s.nonFinite)},
                  {QStringLiteral("min"), s.min},
                  {QStringLiteral("max"), s.max},
                  {QStringLiteral("mean"), s.mean},
                  {QStringLiteral("std"), s.std},
                  {QStringLiteral("excess_kurtosis"), s.kurtosis}};
    if (s.channelAxis >= 0) {
        o[QStringLiteral("channel_axis")] = s.channelAxis;
        o[QStringLiteral("channel_min")] = jsonNumbers(s.channelMin);
        o[QStringLiteral("channel_max")] = jsonNumbers(s.channelMax);
    }
    const Histogram h = s.histogram.coarsened(16); // 2048 → 128 bins keeps the JSON readable
    o[QStringLiteral("histogram")] = QJsonObject{{QStringLiteral("lo"), h.lo},
                                                 {QStringLiteral("hi"), h.hi},
                                                 {QStringLiteral("counts"), jsonNumbers(h.counts)}};
    return o;
}

/// Prints rows as left-aligned columns.
void printTable(const QStringList& header, const QVector<QStringList>& rows)
{
    QVector<int> width(header.size());
    for (int c = 0; c < header.size(); ++c) {
        width[c] = int(header[c].size());
        for (const auto& r : rows)
            width[c] = qMax(width[c], int(r.value(c).size()));
    }
    auto line = [&](const QStringList& cells) {
        QString s;
        for (int c = 0; c < cells.size(); ++c)
            s += cells[c].leftJustified(width[c] + (c + 1 < cells.size() ? 2 : 0));
        out() << s.trimmed() << '\n';
    };
    line(header);
    for (const auto& r : rows)
        line(r);
}

QString num(double v)
{
    return QString::number(v, 'g', 4);
}

struct Inputs {
    std::shared_ptr<Model> model;
    std::shared_ptr<Dataset> data;
};

Inputs openInputs(const QCommandLineParser& p)
{
    Inputs in;
    const QString modelPath = p.positionalArguments().value(1);
    in.model = modelPath.isEmpty() ? loadDemoModel() : Model::load(modelPath);
    const DataSpec spec =
        p.isSet(QStringLiteral("data")) ? DataSpec::parse(p.value(QStringLiteral("data"))) : DataSpec::demo();
    in.data = Dataset::load(spec);
    return in;
}

qint64 intOption(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64 minimum)
{
    if (!p.isSet(name))
        return fallback;
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < minimum)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("--%1 %2: expected an integer of at least %3").arg(name, p.value(name)).arg(minimum));
    return v;
}

int inspect(const QCommandLineParser& p)
{
    Inputs in = openInputs(p);
    in.model->measureShapes(*in.data);
    const auto& layers = in.model->layers();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const auto& l : layers)
            a.append(jsonLayer(l));
        out() << QJsonDocument(QJsonObject{{QStringLiteral("model"), in.model->displayName()},
                                           {QStringLiteral("parameters"), double(in.model->parameterCount())},
                                           {QStringLiteral("input_shape"), jsonShape(in.data->sampleShape(true))},
                                           {QStringLiteral("layers"), a}})
                     .toJson(QJsonDocument::Indented);
        return 0;
    }
    const QLocale locale;
    out() << "Model: " << in.model->displayName() << " (" << locale.toString(in.model->parameterCount())
          << " parameters, " << layers.size() << " quantizable layers)\n"
          << "Input: " << formatShape(in.data->sampleShape(true)) << " from " << in.data->description() << "\n\n";
    QVector<QStringList> rows;
    for (const auto& l : layers)
        rows << QStringList{l.name, l.op, formatShape(l.weightShape), locale.toString(l.paramCount),
                            l.hasActivationInput ? formatShape(l.inputShape) : QStringLiteral("indices"),
                            formatShape(l.outputShape)};
    printTable({QStringLiteral("layer"), QStringLiteral("op"), QStringLiteral("weight"), QStringLiteral("params"),
                QStringLiteral("input"), QStringLiteral("output")},
               rows);
    return 0;
}

int runProfile(const QCommandLineParser& p)
{
    ProfileOptions options;
    options.calibrationSamples = intOption(p, QStringLiteral("calib"), options.calibrationSamples, 1);
    options.evaluationLimit = intOption(p, QStringLiteral("eval"), options.evaluationLimit, 0);
    options.batchSize = int(intOption(p, QStringLiteral("batch"), options.batchSize, 1));
    Inputs in = openInputs(p);
    JobControl control;
    int lastTenth = -1;
    QString lastStage;
    control.progress = [&](double f, const QString& stage) {
        const int tenth = int(f * 10);
        if (tenth != lastTenth || stage != lastStage) {
            lastTenth = tenth;
            lastStage = stage;
            std::fprintf(stderr, "%3d%% %s\n", int(f * 100), qPrintable(stage));
        }
    };
    const ProfileReport r = profile(*in.model, *in.data, options, control);
    for (const QString& w : r.warnings)
        std::fprintf(stderr, "warning: %s\n", qPrintable(w));

    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray layers;
        for (const auto& lp : r.layers) {
            QJsonObject o = jsonLayer(lp.layer);
            o[QStringLiteral("weight")] = jsonStats(lp.weight);
            if (lp.activation.count > 0)
                o[QStringLiteral("activation")] = jsonStats(lp.activation);
            layers.append(o);
        }
        QJsonObject root{{QStringLiteral("model"), r.model},
                         {QStringLiteral("data"), r.data},
                         {QStringLiteral("parameters"), double(r.parameterCount)},
                         {QStringLiteral("calibration_samples"), double(r.calibrationSamples)},
                         {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                         {QStringLiteral("layers"), layers},
                         {QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings)}};
        if (r.hasAccuracy)
            root[QStringLiteral("float_top1")] = r.floatTop1;
        out() << QJsonDocument(root).toJson(QJsonDocument::Indented);
        return 0;
    }
    const QLocale locale;
    out() << "Model: " << r.model << " (" << locale.toString(r.parameterCount) << " parameters)\n"
          << "Data:  " << r.data << "; calibration: first " << r.calibrationSamples << " samples\n\n";
    QVector<QStringList> rows;
    for (const auto& lp : r.layers) {
        const TensorStats& w = lp.weight;
        const TensorStats& a = lp.activation;
        const bool act = a.count > 0;
        rows << QStringList{lp.layer.name, lp.layer.op, num(w.min), num(w.max), num(w.mean), num(w.std),
                            QString::number(w.kurtosis, 'f', 2), act ? num(a.min) : QStringLiteral("-"),
                            act ? num(a.max) : QStringLiteral("-"), act ? num(a.mean) : QStringLiteral("-"),
                            act ? num(a.std) : QStringLiteral("-"),
                            act ? QString::number(a.kurtosis, 'f', 2) : QStringLiteral("-")};
    }
    printTable({QStringLiteral("layer"), QStringLiteral("op"), QStringLiteral("w.min"), QStringLiteral("w.max"),
                QStringLiteral("w.mean"), QStringLiteral("w.std"), QStringLiteral("w.kurt"), QStringLiteral("a.min"),
                QStringLiteral("a.max"), QStringLiteral("a.mean"), QStringLiteral("a.std"), QStringLiteral("a.kurt")},
               rows);
    out() << "\nw.* weight statistics; a.* input activation over the calibration samples; kurt = excess kurtosis\n";
    if (r.hasAccuracy)
        out() << "Float top-1: " << QString::number(100 * r.floatTop1, 'f', 2) << "% on " << r.evaluationSamples
              << " evaluation samples (" << QString::number(r.evaluationSeconds, 'f', 2) << " s)\n";
    return 0;
}

} // namespace
} // namespace qs

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("quantscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QUANTSCOPE_VERSION));
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "QuantScope without a screen.\n\nCommands:\n"
        "  inspect [MODEL]   list the quantizable layers with shapes and parameter counts\n"
        "  profile [MODEL]   weight and activation statistics per layer, and float accuracy\n\n"
        "MODEL is a TorchScript file; without it the bundled Fashion-MNIST demo is used."));
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(QStringLiteral("command"), QStringLiteral("inspect or profile"));
    p.addPositionalArgument(QStringLiteral("model"), QStringLiteral("TorchScript file (default: the demo)"), QStringLiteral("[model]"));
    p.addOption({QStringLiteral("data"), QStringLiteral("Data spec: idx:IMAGES[,LABELS][?mean=M&std=S]."), QStringLiteral("SPEC")});
    p.addOption({QStringLiteral("calib"), QStringLiteral("Calibration samples, from the start of the data (default 512)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("eval"), QStringLiteral("Evaluate at most N samples after the calibration ones (default: all)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("batch"), QStringLiteral("Batch size (default 256)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")});
    p.process(app);
    qs::initRuntime();

    const QString command = p.positionalArguments().value(0);
    try {
        if (command == QLatin1String("inspect"))
            return qs::inspect(p);
        if (command == QLatin1String("profile"))
            return qs::runProfile(p);
        throw qs::EngineError(qs::ErrorKind::BadInput,
                              command.isEmpty() ? QStringLiteral("no command given; try inspect or profile (see --help)")
                                                : QStringLiteral("unknown command '%1'; try inspect or profile").arg(command));
    } catch (const qs::EngineError& e) {
        std::fprintf(stderr, "quantscope-cli: %s\n", qPrintable(e.message()));
        return e.kind() == qs::ErrorKind::BadInput ? 2 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "quantscope-cli: internal error: %s\n", e.what());
        return 1;
    }
}
