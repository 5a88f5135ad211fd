// inspect and profile: the model's layers, and their weight and activation statistics.

#include "cli.h"

#include "format.h"
#include "json.h"
#include "profile.h"

#include <QLocale>

#include <cstdio>

namespace qs::cli {

int inspect(const QCommandLineParser& p)
{
    Inputs in = openInputs(p);
    in.model->measureShapes(*in.data);
    const auto& layers = in.model->layers();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const auto& l : layers)
            a.append(layerInfoJson(l));
        printJson({{QStringLiteral("model"), in.model->displayName()},
                   {QStringLiteral("parameters"), double(in.model->parameterCount())},
                   {QStringLiteral("input_shape"), shapeJson(in.data->sampleShape(true))},
                   {QStringLiteral("layers"), a},
                   {QStringLiteral("warnings"), QJsonArray::fromStringList(in.model->warnings())}});
        return 0;
    }
    const QLocale locale;
    out() << "Model: " << in.model->displayName() << " (" << locale.toString(in.model->parameterCount())
          << " parameters, " << layers.size() << " quantizable layers)\n"
          << "Input: " << formatShape(in.data->sampleShape(true)) << " from " << in.data->description() << "\n\n";
    QVector<QStringList> rows;
    for (const auto& l : layers)
        rows << QStringList{l.name, l.op, weightDescription(l), locale.toString(l.paramCount),
                            l.hasActivationInput ? formatShape(l.inputShape) : QStringLiteral("indices"),
                            formatShape(l.outputShape)};
    printTable({QStringLiteral("layer"), QStringLiteral("op"), QStringLiteral("weight"), QStringLiteral("params"),
                QStringLiteral("input"), QStringLiteral("output")},
               rows);
    for (const QString& w : in.model->warnings())
        out() << "Note: " << w << "\n";
    return 0;
}

namespace {

QJsonObject profileJson(const ProfileReport& r)
{
    QJsonArray layers;
    for (const auto& lp : r.layers) {
        QJsonObject o = layerInfoJson(lp.layer);
        o[QStringLiteral("weight")] = tensorStatsJson(lp.weight);
        if (lp.activation.count > 0)
            o[QStringLiteral("activation")] = tensorStatsJson(lp.activation);
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
    if (r.metric == Metric::Perplexity)
        root[QStringLiteral("float_perplexity")] = r.floatPerplexity;
    return root;
}

void printProfile(const ProfileReport& r)
{
    const QLocale locale;
    out() << "Model: " << r.model << " (" << locale.toString(r.parameterCount) << " parameters)\n"
          << "Data:  " << r.data << "; calibration: first " << r.calibrationSamples << " samples\n\n";
    QVector<QStringList> rows;
    const QString none = QStringLiteral("-");
    for (const auto& lp : r.layers) {
        const TensorStats& w = lp.weight;
        const TensorStats& a = lp.activation;
        const bool act = a.count > 0;
        rows << QStringList{lp.layer.name, lp.layer.op, num(w.min), num(w.max), num(w.mean), num(w.std),
                            QString::number(w.kurtosis, 'f', 2), act ? num(a.min) : none, act ? num(a.max) : none,
                            act ? num(a.mean) : none, act ? num(a.std) : none,
                            act ? QString::number(a.kurtosis, 'f', 2) : none};
    }
    printTable({QStringLiteral("layer"), QStringLiteral("op"), QStringLiteral("w.min"), QStringLiteral("w.max"),
                QStringLiteral("w.mean"), QStringLiteral("w.std"), QStringLiteral("w.kurt"), QStringLiteral("a.min"),
                QStringLiteral("a.max"), QStringLiteral("a.mean"), QStringLiteral("a.std"), QStringLiteral("a.kurt")},
               rows);
    out() << "\nw.* weight statistics; a.* input activation over the calibration samples; kurt = excess kurtosis\n";
    if (r.metric == Metric::Perplexity)
        out() << "Float perplexity: " << formatScore(r.metric, r.floatPerplexity) << ", next-token top-1 "
              << QString::number(100 * r.floatTop1, 'f', 2) << "% on " << r.evaluationSamples << " evaluation windows ("
              << QString::number(r.evaluationSeconds, 'f', 2) << " s)\n";
    else if (r.hasAccuracy)
        out() << "Float top-1: " << QString::number(100 * r.floatTop1, 'f', 2) << "% on " << r.evaluationSamples
              << " evaluation samples (" << QString::number(r.evaluationSeconds, 'f', 2) << " s)\n";
}

} // namespace

int profileCommand(const QCommandLineParser& p)
{
    ProfileOptions options;
    options.calibrationSamples = intOption(p, QStringLiteral("calib"), options.calibrationSamples, 0);
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
    if (p.isSet(QStringLiteral("json")))
        printJson(profileJson(r));
    else
        printProfile(r);
    return 0;
}

} // namespace qs::cli
