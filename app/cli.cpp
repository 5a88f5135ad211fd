// quantscope-cli: the engine without a screen.
//
//   quantscope-cli inspect [MODEL] [--data SPEC] [--json]
//   quantscope-cli profile [MODEL] [--data SPEC] [--calib N] [--eval N] [--batch N] [--json]
//   quantscope-cli trial [MODEL] [--weights SPEC] [--activations SPEC] [--mode M] [...] [--json]
//   quantscope-cli sensitivity [MODEL] [--weights SPEC] [--activations SPEC] [--subset N] [--json]
//   quantscope-cli methods [MODEL] [--weights SPEC] [--activations SPEC] [--write-config FILE]
//   quantscope-cli search [MODEL] [--max-drop POINTS|PERPLEXITY] [--target-size BYTES] [--bits 2,4,8,float] [...]
//   quantscope-cli export TRIAL --format json|python|torchscript|int8|csv|report --out FILE [--model FILE]
//   quantscope-cli history [--json]
//   quantscope-cli compare A B
// Trials are recorded in the trial database (--db FILE, default: the per-user one).
//
// With no MODEL the bundled demo is used; with no --data, Fashion-MNIST's test set.
// Exit codes: 0 success, 2 bad input (one line on stderr), 3 search found nothing within the
// budget (its best attempt is still printed), 1 anything else.

#include "data.h"
#include "export.h"
#include "int8.h"
#include "report.h"
#include "profile.h"
#include "runtime.h"
#include "search.h"
#include "store.h"
#include "trial.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTextStream>

#include <cmath>
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
        if (r.metric == Metric::Perplexity)
            root[QStringLiteral("float_perplexity")] = r.floatPerplexity;
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
    if (r.metric == Metric::Perplexity)
        out() << "Float perplexity: " << formatScore(r.metric, r.floatPerplexity) << ", next-token top-1 "
              << QString::number(100 * r.floatTop1, 'f', 2) << "% on " << r.evaluationSamples << " evaluation windows ("
              << QString::number(r.evaluationSeconds, 'f', 2) << " s)\n";
    else if (r.hasAccuracy)
        out() << "Float top-1: " << QString::number(100 * r.floatTop1, 'f', 2) << "% on " << r.evaluationSamples
              << " evaluation samples (" << QString::number(r.evaluationSeconds, 'f', 2) << " s)\n";
    return 0;
}

QString dB(double v)
{
    return std::isinf(v) ? QStringLiteral("inf") : QString::number(v, 'f', 1);
}

QString dbPath(const QCommandLineParser& p)
{
    return p.isSet(QStringLiteral("db")) ? p.value(QStringLiteral("db")) : Store::defaultPath();
}

QJsonValue jsonDb(double v)
{
    return std::isinf(v) ? QJsonValue() : QJsonValue(v); // JSON has no infinity: null means "no error"
}

/// The metric's name in JSON: top1, top1_agreement or perplexity.
QString metricJsonName(Metric m)
{
    return m == Metric::Perplexity ? QStringLiteral("perplexity")
           : m == Metric::Accuracy ? QStringLiteral("top1")
                                   : QStringLiteral("top1_agreement");
}

/// A trial's metric in JSON: "metric" (top1, top1_agreement or perplexity), "top1" and
/// "float_top1" (fractions; next-token top-1 for language models), and for language models
/// "perplexity" and "float_perplexity".
void addMetricJson(QJsonObject& o, const TrialResult& r)
{
    o[QStringLiteral("metric")] = metricJsonName(r.metric);
    o[QStringLiteral("top1")] = r.top1;
    o[QStringLiteral("float_top1")] = r.floatTop1;
    if (r.metric == Metric::Perplexity) {
        o[QStringLiteral("perplexity")] = r.perplexity;
        o[QStringLiteral("float_perplexity")] = r.floatPerplexity;
    }
}

/// "Top-1: 91.79% (float 92.19%, change −0.40 points) on 9488 samples", or for a language model
/// its perplexity and next-token top-1.
QString metricLine(const TrialResult& r)
{
    if (r.metric == Metric::Perplexity)
        return QStringLiteral("Perplexity: %1 (float %2, change %3); next-token top-1 %4% (float %5%) on %6 windows")
            .arg(formatScore(r.metric, r.score()), formatScore(r.metric, r.floatScore()),
                 formatChange(r.metric, r.score() - r.floatScore()), QString::number(100 * r.top1, 'f', 2),
                 QString::number(100 * r.floatTop1, 'f', 2))
            .arg(r.evaluationSamples);
    return QStringLiteral("%1%2% (float %3%, change %4 points) on %5 samples")
        .arg(r.hasAccuracy ? QStringLiteral("Top-1: ") : QStringLiteral("Top-1 agreement with float: "),
             QString::number(100 * r.top1, 'f', 2), QString::number(100 * r.floatTop1, 'f', 2),
             QString::number(100 * (r.top1 - r.floatTop1), 'f', 2))
        .arg(r.evaluationSamples);
}

/// The settings a command starts from: `classifier` for images and features, the language-model
/// preset (group-wise int4 weights, weight-only) for token windows.
QuantConfig taskDefaults(const Dataset& data, const QuantConfig& classifier)
{
    return data.isTokenWindows() ? QuantConfig::languageModelPreset() : classifier;
}

/// The quantization settings from --config, --weights, --activations and --mode, over `config`.
QuantConfig configFromOptions(const QCommandLineParser& p, QuantConfig config = QuantConfig())
{
    if (p.isSet(QStringLiteral("config"))) {
        const QString path = p.value(QStringLiteral("config"));
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            throw EngineError(ErrorKind::BadInput, QStringLiteral("cannot open configuration %1: %2").arg(path, f.errorString()));
        config = QuantConfig::fromJson(f.readAll(), path);
    }
    if (p.isSet(QStringLiteral("weights")))
        config.weight = QuantSpec::parse(p.value(QStringLiteral("weights")));
    if (p.isSet(QStringLiteral("activations")))
        config.activation = QuantSpec::parse(p.value(QStringLiteral("activations")));
    const QString mode = p.value(QStringLiteral("mode"));
    if (mode == QLatin1String("static"))
        config.mode = TrialMode::Static;
    else if (mode == QLatin1String("dynamic"))
        config.mode = TrialMode::Dynamic;
    else if (mode == QLatin1String("weight-only"))
        config.mode = TrialMode::WeightOnly;
    else if (!mode.isEmpty())
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("--mode %1: expected static, dynamic or weight-only").arg(mode));
    if (p.isSet(QStringLiteral("activations")) && config.activation.type == QuantType::Float && mode.isEmpty())
        config.mode = TrialMode::WeightOnly;
    return config;
}

TrialOptions trialOptions(const QCommandLineParser& p)
{
    TrialOptions options;
    options.calibrationSamples = intOption(p, QStringLiteral("calib"), options.calibrationSamples, 1);
    options.evaluationLimit = intOption(p, QStringLiteral("eval"), options.evaluationLimit, 1);
    options.batchSize = int(intOption(p, QStringLiteral("batch"), options.batchSize, 1));
    return options;
}

void writeConfig(const QCommandLineParser& p, const QuantConfig& config)
{
    if (!p.isSet(QStringLiteral("write-config")))
        return;
    const QString path = p.value(QStringLiteral("write-config"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(config.toJson()) < 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
}

/// The trial database, opened before any work so that one that cannot take trials fails first.
std::unique_ptr<Store> openWritableStore(const QCommandLineParser& p)
{
    auto store = std::make_unique<Store>(dbPath(p));
    if (store->isReadOnly())
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("trial database %1 is read-only; trials could not be recorded").arg(store->path()));
    return store;
}

int runTrialCommand(const QCommandLineParser& p)
{
    configFromOptions(p); // wrong settings are reported before anything loads
    const TrialOptions options = trialOptions(p);
    const std::unique_ptr<Store> db = openWritableStore(p);
    Store& store = *db;
    Inputs in = openInputs(p);
    in.model->measureShapes(*in.data);
    const QuantConfig config = configFromOptions(p, taskDefaults(*in.data, QuantConfig()));
    writeConfig(p, config);
    TrialRunner runner(in.model, in.data, options);
    StoreCalibrationCache cache(store, in.model->sha256(), in.model->displayName(), in.data->spec().toString());
    const TrialResult r = runner.run(config, {}, &cache);
    const qint64 id = store.addTrial(in.model->sha256(), in.model->displayName(), in.data->spec().toString(), config, r,
                                     QStringLiteral("manual"), p.value(QStringLiteral("name")));
    std::fprintf(stderr, "recorded as trial %lld in %s\n", static_cast<long long>(id), qPrintable(store.path()));
    for (const QString& w : in.model->warnings() + r.warnings)
        std::fprintf(stderr, "warning: %s\n", qPrintable(w));
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray layers;
        for (const auto& l : r.layers) {
            QJsonObject o{{QStringLiteral("name"), l.name},
                          {QStringLiteral("weight_spec"), l.weightSpec},
                          {QStringLiteral("activation_spec"), l.activationSpec},
                          {QStringLiteral("weight_bits"), l.weightBits},
                          {QStringLiteral("weight_sqnr_db"), jsonDb(l.weightSqnr)},
                          {QStringLiteral("activation_sqnr_db"), jsonDb(l.activationSqnr)},
                          {QStringLiteral("output_sqnr_db"), jsonDb(l.outputSqnr)},
                          {QStringLiteral("output_mse"), l.outputMse},
                          {QStringLiteral("output_cosine"), l.outputCosine},
                          {QStringLiteral("output_max_abs_error"), l.outputMaxAbsError},
                          {QStringLiteral("weight_scale"), jsonNumbers(l.weightQParams.scale)}};
            if (!l.activationQParams.scale.isEmpty()) {
                o[QStringLiteral("activation_scale")] = l.activationQParams.scale[0];
                o[QStringLiteral("activation_zero_point")] = double(l.activationQParams.zeroPoint[0]);
            }
            layers.append(o);
        }
        QJsonObject root{{QStringLiteral("config"), QJsonDocument::fromJson(config.toJson()).object()},
                                           {QStringLiteral("output_sqnr_db"), jsonDb(r.outputSqnr)},
                                           {QStringLiteral("size_bytes"), double(r.sizeBytes)},
                                           {QStringLiteral("float_bytes"), double(r.floatBytes)},
                                           {QStringLiteral("compression"), r.compression()},
                                           {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                                           {QStringLiteral("error_samples"), double(r.errorSamples)},
                                           {QStringLiteral("seconds"), r.seconds},
                                           {QStringLiteral("calibration_seconds"), r.calibrationSeconds},
                                           {QStringLiteral("calibrations_run"), r.calibrationsRun},
                                           {QStringLiteral("layers"), layers},
                                           {QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings)}};
        addMetricJson(root, r);
        out() << QJsonDocument(root).toJson(QJsonDocument::Indented);
        return 0;
    }
    QVector<QStringList> rows;
    for (const auto& l : r.layers)
        rows << QStringList{l.name, l.weightSpec, l.activationSpec, dB(l.weightSqnr), dB(l.activationSqnr),
                            dB(l.outputSqnr), QString::number(l.outputCosine, 'f', 4),
                            l.activationQParams.scale.isEmpty()
                                ? QStringLiteral("-")
                                : QStringLiteral("%1 / %2").arg(num(l.activationQParams.scale[0])).arg(l.activationQParams.zeroPoint[0])};
    printTable({QStringLiteral("layer"), QStringLiteral("weights"), QStringLiteral("activations"),
                QStringLiteral("w.sqnr"), QStringLiteral("a.sqnr"), QStringLiteral("out.sqnr"), QStringLiteral("cosine"),
                QStringLiteral("act scale / zp")},
               rows);
    const QLocale locale;
    out() << "\nSQNR in dB (inf: unchanged). out.* compares each layer's output with the float model's on the first "
          << r.errorSamples << " evaluation samples.\n"
          << metricLine(r) << "\n"
          << "Output SQNR: " << dB(r.outputSqnr) << " dB\n"
          << "Size: " << locale.toString(r.sizeBytes) << " bytes (float " << locale.toString(r.floatBytes) << ", "
          << QString::number(r.compression(), 'f', 2) << "x smaller)\n"
          << "Time: " << QString::number(r.seconds, 'f', 2) << " s\n";
    return 0;
}

QString configSummary(const QByteArray& json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    QString s = o.value(QLatin1String("weights")).toString() + QStringLiteral(" / ") +
                o.value(QLatin1String("activations")).toString() + QStringLiteral(" / ") +
                o.value(QLatin1String("mode")).toString();
    const int overrides = o.value(QLatin1String("layers")).toObject().size();
    if (overrides)
        s += QStringLiteral(" + %1 layer overrides").arg(overrides);
    return s;
}

int history(const QCommandLineParser& p)
{
    if (!p.isSet(QStringLiteral("db")) && !QFile::exists(dbPath(p))) {
        out() << "No trials yet: " << dbPath(p) << " does not exist.\n";
        return 0;
    }
    Store store(dbPath(p), Store::Access::ReadOnly);
    const QVector<StoredTrial> trials = store.trials();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const auto& t : trials) {
            QJsonObject o{{QStringLiteral("id"), double(t.id)},
                                 {QStringLiteral("created"), t.created.toString(Qt::ISODate)},
                                 {QStringLiteral("origin"), t.origin},
                                 {QStringLiteral("name"), t.name},
                                 {QStringLiteral("note"), t.note},
                                 {QStringLiteral("model"), t.modelName},
                                 {QStringLiteral("model_sha256"), t.modelSha256},
                                 {QStringLiteral("data"), t.dataSpec},
                                 {QStringLiteral("config"), QJsonDocument::fromJson(t.config).object()},
                                 {QStringLiteral("output_sqnr_db"), jsonDb(t.result.outputSqnr)},
                                 {QStringLiteral("size_bytes"), double(t.result.sizeBytes)},
                                 {QStringLiteral("compression"), t.result.compression()}};
            addMetricJson(o, t.result);
            a.append(o);
        }
        out() << QJsonDocument(QJsonObject{{QStringLiteral("database"), store.path()}, {QStringLiteral("trials"), a}})
                     .toJson(QJsonDocument::Indented);
        return 0;
    }
    const QLocale locale;
    QVector<QStringList> rows;
    for (const auto& t : trials)
        rows << QStringList{QString::number(t.id), t.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")),
                            t.origin, t.name.isEmpty() ? QStringLiteral("-") : t.name, t.modelName,
                            configSummary(t.config), formatScore(t.result.metric, t.result.score()),
                            formatChange(t.result.metric, t.result.score() - t.result.floatScore()),
                            locale.toString(t.result.sizeBytes), QString::number(t.result.compression(), 'f', 2)};
    out() << "Trials in " << store.path() << "\n\n";
    printTable({QStringLiteral("id"), QStringLiteral("when"), QStringLiteral("origin"), QStringLiteral("name"),
                QStringLiteral("model"), QStringLiteral("weights / activations / mode"), QStringLiteral("top-1 / ppl"),
                QStringLiteral("change"), QStringLiteral("bytes"), QStringLiteral("x smaller")},
               rows);
    return 0;
}

qint64 trialId(const QString& text)
{
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("'%1' is not a trial id (see quantscope-cli history)").arg(text));
    return id;
}

int compare(const QCommandLineParser& p)
{
    const QStringList args = p.positionalArguments();
    if (args.size() != 3)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("compare takes two trial ids: quantscope-cli compare A B"));
    Store store(dbPath(p), Store::Access::ReadOnly);
    const StoredTrial a = store.trial(trialId(args[1])), b = store.trial(trialId(args[2]));
    out() << "A: trial " << a.id << " — " << configSummary(a.config) << " — top-1 " << QString::number(100 * a.result.top1, 'f', 2)
          << "%, " << QLocale().toString(a.result.sizeBytes) << " bytes\n"
          << "B: trial " << b.id << " — " << configSummary(b.config) << " — top-1 " << QString::number(100 * b.result.top1, 'f', 2)
          << "%, " << QLocale().toString(b.result.sizeBytes) << " bytes\n";
    if (a.modelSha256 != b.modelSha256)
        out() << "note: the trials are of different models (" << a.modelName << ", " << b.modelName << ")\n";
    out() << "\n";
    QVector<QStringList> rows;
    const int n = int(qMax(a.result.layers.size(), b.result.layers.size()));
    for (int i = 0; i < n; ++i) {
        const LayerTrialResult la = a.result.layers.value(i), lb = b.result.layers.value(i);
        const bool differs = la.weightSpec != lb.weightSpec || la.activationSpec != lb.activationSpec;
        rows << QStringList{differs ? QStringLiteral("*") : QString(), la.name.isEmpty() ? lb.name : la.name,
                            la.weightSpec, lb.weightSpec, dB(la.outputSqnr), dB(lb.outputSqnr)};
    }
    printTable({QStringLiteral("≠"), QStringLiteral("layer"), QStringLiteral("A weights"), QStringLiteral("B weights"),
                QStringLiteral("A out.sqnr"), QStringLiteral("B out.sqnr")},
               rows);
    out() << "\n* the two trials' settings differ for this layer. Top-1 change B − A: "
          << QString::number(100 * (b.result.top1 - a.result.top1), 'f', 2) << " points; size B / A: "
          << QString::number(double(b.result.sizeBytes) / double(qMax<qint64>(1, a.result.sizeBytes)), 'f', 3) << "\n";
    return 0;
}

/// What a sensitivity run or search needs: the model and data, a runner, and the store.
struct SearchSession {
    std::unique_ptr<Store> store;
    Inputs in;
    std::unique_ptr<TrialRunner> runner;
    QString dataSpec;
    int printed = 0;

    explicit SearchSession(const QCommandLineParser& p)
        : store(openWritableStore(p)), in(openInputs(p))
    {
        in.model->measureShapes(*in.data);
        runner = std::make_unique<TrialRunner>(in.model, in.data, trialOptions(p));
        dataSpec = in.data->spec().toString();
    }
    /// Records each trial and prints one line for it on stderr.
    TrialSink sink()
    {
        return [this](const QuantConfig& config, const TrialResult& r, const QString& name, const QString& origin) {
            const qint64 id =
                store->addTrial(in.model->sha256(), in.model->displayName(), dataSpec, config, r, origin, name);
            std::fprintf(stderr, "[%d] %s: %s, %s dB, %s bytes (trial %lld)\n", ++printed, qPrintable(name),
                         qPrintable(formatChange(r.metric, r.score() - r.floatScore())), qPrintable(dB(r.outputSqnr)),
                         qPrintable(QLocale().toString(r.sizeBytes)), static_cast<long long>(id));
            return id;
        };
    }
};

JobControl quietControl()
{
    return {};
}

int runSensitivityCommand(const QCommandLineParser& p)
{
    QuantConfig defaults;
    defaults.weight = QuantSpec::parse(QStringLiteral("int4:per_channel:symmetric:minmax"));
    configFromOptions(p, defaults); // wrong settings are reported before anything loads
    SensitivityOptions options;
    options.converse = !p.isSet(QStringLiteral("no-converse"));
    options.evaluationSamples = intOption(p, QStringLiteral("subset"), options.evaluationSamples, 1);
    SearchSession session(p);
    options.config = configFromOptions(p, taskDefaults(*session.in.data, defaults));
    const SensitivityResult r = runSensitivity(*session.runner, options, quietControl(), session.sink());
    const QVector<int> ranking = r.ranking();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray layers;
        for (int rank = 0; rank < ranking.size(); ++rank) {
            const LayerSensitivity& l = r.layers[ranking[rank]];
            QJsonObject o{{QStringLiteral("rank"), rank + 1},
                          {QStringLiteral("name"), l.name},
                          {QStringLiteral("drop"), l.drop},
                          {QStringLiteral("output_sqnr_db"), jsonDb(l.outputSqnr)},
                          {QStringLiteral("trial"), double(l.trialId)}};
            if (l.hasConverse) {
                o[QStringLiteral("converse_drop")] = l.converseDrop;
                o[QStringLiteral("converse_output_sqnr_db")] = jsonDb(l.converseSqnr);
                o[QStringLiteral("converse_trial")] = double(l.converseTrialId);
            }
            layers.append(o);
        }
        QJsonObject root{{QStringLiteral("config"), QJsonDocument::fromJson(options.config.toJson()).object()},
                         {QStringLiteral("metric"), metricJsonName(r.metric)},
                         {QStringLiteral("float_top1"), r.floatTop1},
                         {QStringLiteral("float_score"), r.floatScore},
                         {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                         {QStringLiteral("trials"), r.trials},
                         {QStringLiteral("seconds"), r.seconds},
                         {QStringLiteral("layers"), layers}};
        if (options.converse) {
            root[QStringLiteral("all_quantized_drop")] = r.allDrop;
            root[QStringLiteral("all_quantized_output_sqnr_db")] = jsonDb(r.allSqnr);
        }
        out() << QJsonDocument(root).toJson(QJsonDocument::Indented);
        return 0;
    }
    // Changes as the metric moves: top-1 points (negative is worse), perplexity (positive is worse).
    const bool lm = r.metric == Metric::Perplexity;
    const int decimals = lm ? 3 : 2;
    auto signedChange = [&](double drop) { return QString::number(lm ? drop : -drop, 'f', decimals); };
    QVector<QStringList> rows;
    for (int rank = 0; rank < ranking.size(); ++rank) {
        const LayerSensitivity& l = r.layers[ranking[rank]];
        rows << QStringList{QString::number(rank + 1), l.name, signedChange(l.drop), dB(l.outputSqnr),
                            l.hasConverse ? signedChange(l.converseDrop) : QStringLiteral("-"),
                            l.hasConverse ? QString::number(r.allDrop - l.converseDrop, 'f', decimals) : QStringLiteral("-")};
    }
    const QString unit = lm ? QStringLiteral("perplexity") : QStringLiteral("points");
    out() << "Sensitivity to " << options.config.weight.toString() << " weights, "
          << options.config.activation.toString() << " activations (" << trialModeName(options.config.mode) << "), on the first "
          << r.evaluationSamples << " evaluation samples; float " << metricName(r.metric) << " "
          << formatScore(r.metric, r.floatScore) << "\n\n";
    printTable({QStringLiteral("rank"), QStringLiteral("layer"), QStringLiteral("alone"), QStringLiteral("alone.sqnr"),
                QStringLiteral("all.but"), QStringLiteral("recovers")},
               rows);
    out() << "\nalone: " << metricName(r.metric) << " change (" << unit
          << ") with only this layer quantized; alone.sqnr: the model output's SQNR (dB).\n";
    if (options.converse)
        out() << "all.but: change with every layer but this one quantized; recovers: " << unit
              << " won back by keeping it float\n"
              << "(every layer quantized: " << formatChange(r.metric, lm ? r.allDrop : -r.allDrop) << ", "
              << dB(r.allSqnr) << " dB).\n";
    out() << r.trials << " trials in " << QString::number(r.seconds, 'f', 1) << " s, recorded with origin 'sensitivity'.\n";
    return 0;
}

void printMethodChoice(const RangeMethodResult& r)
{
    QStringList header{QStringLiteral("layer")};
    for (RangeMethod m : r.methods)
        header << rangeMethodName(m);
    header << QStringLiteral("chosen");
    QVector<QStringList> rows;
    for (const RangeMethodChoice& c : r.layers) {
        QStringList row{c.layer};
        for (double v : c.outputSqnr)
            row << dB(v);
        row << (c.chosen ? rangeMethodName(c.best) : QStringLiteral("(float input)"));
        rows << row;
    }
    printTable(header, rows);
    out() << "\nEach layer's own output SQNR (dB) with its input activation quantized by each range method, on the\n"
             "first calibration samples; the highest is chosen.\n";
}

int runMethodsCommand(const QCommandLineParser& p)
{
    const QuantConfig config = configFromOptions(p);
    Inputs in = openInputs(p);
    in.model->measureShapes(*in.data);
    TrialRunner runner(in.model, in.data, trialOptions(p));
    const RangeMethodResult r = chooseRangeMethods(runner, config, allRangeMethods(), quietControl());
    writeConfig(p, r.config);
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray layers;
        for (const RangeMethodChoice& c : r.layers) {
            QJsonObject sqnr;
            for (int m = 0; m < r.methods.size(); ++m)
                sqnr[rangeMethodName(r.methods[m])] = jsonDb(c.outputSqnr.value(m));
            layers.append(QJsonObject{{QStringLiteral("name"), c.layer},
                                      {QStringLiteral("chosen"), c.chosen ? QJsonValue(rangeMethodName(c.best)) : QJsonValue()},
                                      {QStringLiteral("output_sqnr_db"), sqnr}});
        }
        out() << QJsonDocument(QJsonObject{{QStringLiteral("layers"), layers},
                                           {QStringLiteral("config"), QJsonDocument::fromJson(r.config.toJson()).object()}})
                     .toJson(QJsonDocument::Indented);
        return 0;
    }
    printMethodChoice(r);
    return 0;
}

/// "40000", "40K" (×1024) or "1.5M" (×1024²) bytes.
qint64 sizeOption(const QCommandLineParser& p, const QString& name)
{
    QString v = p.value(name).trimmed();
    double factor = 1;
    if (v.endsWith(u'K', Qt::CaseInsensitive))
        factor = 1024;
    else if (v.endsWith(u'M', Qt::CaseInsensitive))
        factor = 1024.0 * 1024.0;
    if (factor > 1)
        v.chop(1);
    bool ok = false;
    const double n = v.toDouble(&ok);
    if (!ok || n <= 0)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("--%1 %2: expected a size in bytes, such as 40000, 40K or 1.5M").arg(name, p.value(name)));
    return qint64(n * factor);
}

int runSearchCommand(const QCommandLineParser& p)
{
    SearchOptions options;
    configFromOptions(p); // wrong settings are reported before anything loads
    if (p.isSet(QStringLiteral("bits")))
        options.bits = parseBitChoices(p.value(QStringLiteral("bits")));
    double maxDrop = -1;
    if (p.isSet(QStringLiteral("max-drop"))) {
        bool ok = false;
        maxDrop = p.value(QStringLiteral("max-drop")).toDouble(&ok);
        if (!ok || maxDrop < 0 || maxDrop > 100)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("--max-drop %1: expected points of top-1 (or perplexity) from 0 to 100")
                                  .arg(p.value(QStringLiteral("max-drop"))));
    }
    options.subsetSamples = intOption(p, QStringLiteral("subset"), options.subsetSamples, 1);
    if (p.isSet(QStringLiteral("target-size")))
        options.targetBytes = sizeOption(p, QStringLiteral("target-size"));
    SearchSession session(p);
    const bool lm = session.in.data->isTokenWindows();
    options.base = configFromOptions(p, taskDefaults(*session.in.data, QuantConfig()));
    if (lm && !p.isSet(QStringLiteral("bits")))
        options.bits = {3, 4, 8, 32}; // group-wise 2-bit ruins language models
    // The budget: --max-drop in the metric's unit; by default 1 point of top-1 or 0.1 perplexity,
    // or, with only a target size, the best model of that size.
    options.maxDrop = p.isSet(QStringLiteral("max-drop")) ? maxDrop
                      : options.targetBytes > 0        ? -1
                      : lm                             ? 0.1
                                                       : 1.0;
    if (p.isSet(QStringLiteral("choose-methods"))) {
        const RangeMethodResult methods = chooseRangeMethods(*session.runner, options.base, allRangeMethods(), quietControl());
        options.base = methods.config;
        for (const RangeMethodChoice& c : methods.layers)
            if (c.chosen)
                std::fprintf(stderr, "range method for %s: %s\n", qPrintable(c.layer), qPrintable(rangeMethodName(c.best)));
    }
    const SearchResult r = runSearch(*session.runner, options, quietControl(), session.sink());
    writeConfig(p, r.best);
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject bits;
        for (auto it = r.bits.begin(); it != r.bits.end(); ++it)
            bits[it.key()] = it.value() >= 32 ? QJsonValue(QStringLiteral("float")) : QJsonValue(it.value());
        QJsonArray steps;
        for (const SearchStep& s : r.steps)
            steps.append(QJsonObject{{QStringLiteral("name"), s.name},
                                     {QStringLiteral("kind"), s.kind == SearchStep::Sensitivity ? QStringLiteral("sensitivity")
                                                              : s.kind == SearchStep::Candidate ? QStringLiteral("candidate")
                                                                                                : QStringLiteral("confirmation")},
                                     {QStringLiteral("accepted"), s.accepted},
                                     {QStringLiteral("drop"), s.drop},
                                     {QStringLiteral("size_bytes"), double(s.sizeBytes)},
                                     {QStringLiteral("trial"), double(s.trialId)}});
        const TrialResult& b = r.bestResult;
        QJsonObject root{{QStringLiteral("within_budget"), r.withinBudget},
                                           {QStringLiteral("best_trial"), double(r.bestTrialId)},
                                           {QStringLiteral("config"), QJsonDocument::fromJson(r.best.toJson()).object()},
                                           {QStringLiteral("bits"), bits},
                                           {QStringLiteral("max_drop"), options.maxDrop},
                                           {QStringLiteral("size_bytes"), double(b.sizeBytes)},
                                           {QStringLiteral("float_bytes"), double(b.floatBytes)},
                                           {QStringLiteral("subset_samples"), double(r.subsetSamples)},
                                           {QStringLiteral("evaluation_samples"), double(r.evaluationSamples)},
                                           {QStringLiteral("trials"), r.trials},
                                           {QStringLiteral("seconds"), r.seconds},
                                           {QStringLiteral("steps"), steps}};
        addMetricJson(root, b);
        out() << QJsonDocument(root).toJson(QJsonDocument::Indented);
        return r.withinBudget ? 0 : 3;
    }
    QVector<QStringList> rows;
    for (const LayerTrialResult& l : r.bestResult.layers)
        rows << QStringList{l.name, l.weightSpec, l.activationSpec, dB(l.weightSqnr), dB(l.outputSqnr)};
    printTable({QStringLiteral("layer"), QStringLiteral("weights"), QStringLiteral("activations"), QStringLiteral("w.sqnr"),
                QStringLiteral("out.sqnr")},
               rows);
    out() << "\n" << r.summary << ".\nRecorded as trial " << r.bestTrialId << " (origin 'search').\n";
    return r.withinBudget ? 0 : 3;
}

int exportCommand(const QCommandLineParser& p)
{
    const qint64 id = trialId(p.positionalArguments().value(1));
    const QString format = p.value(QStringLiteral("format"));
    const QString path = p.value(QStringLiteral("out"));
    if (path.isEmpty())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("export: --out FILE is required"));
    const Store store(dbPath(p), Store::Access::ReadOnly);
    const StoredTrial t = store.trial(id);
    ExportSource source;
    source.title = QStringLiteral("trial %1%2 of %3").arg(id).arg(t.name.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(t.name), t.modelName);
    source.dataSpec = t.dataSpec;
    source.config = QuantConfig::fromJson(t.config, QStringLiteral("trial %1").arg(id));
    source.result = t.result;
    QByteArray bytes;
    auto trialModel = [&] {
        const QString modelPath = p.value(QStringLiteral("model"));
        const std::shared_ptr<Model> model = modelPath.isEmpty() ? loadDemoModel() : Model::load(modelPath);
        if (model->sha256() != t.modelSha256)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("trial %1 is of %2, not of %3 (give the trial's model with --model FILE)")
                                  .arg(id)
                                  .arg(t.modelName, model->displayName()));
        return model;
    };
    if (format == QLatin1String("torchscript")) {
        bytes = bakedTorchScript(*trialModel(), source.config, t.result);
    } else if (format == QLatin1String("int8")) {
        const std::shared_ptr<Model> model = trialModel();
        const std::shared_ptr<Dataset> data = Dataset::load(DataSpec::parse(t.dataSpec));
        TrialOptions options = trialOptions(p);
        options.evaluationLimit = t.result.evaluationSamples; // the samples the trial was measured on
        const Int8Result r = buildInt8Model(*model, *data, source.config, t.result, options, JobControl());
        bytes = r.torchscript;
        const QString metric = r.hasAccuracy ? QStringLiteral("top-1") : QStringLiteral("top-1 agreement");
        out() << "int8 kernels (" << r.engine << "): " << r.int8Layers << " layers on int8 (" << r.chainedLayers
              << " passing int8 through ReLU to the next), " << r.fakeQuantLayers.size()
              << " fake-quantized as in the trial\n";
        for (const QString& f : r.fakeQuantLayers)
            out() << "  fake-quantized: " << f << "\n";
        out() << metric << " on " << r.evaluationSamples << " evaluation samples: int8 " << QString::number(100 * r.top1, 'f', 2)
              << "%, fake-quant trial " << QString::number(100 * r.fakeQuantTop1, 'f', 2) << "%, float "
              << QString::number(100 * r.floatTop1, 'f', 2) << "% (int8 - fake-quant: "
              << QString::number(100 * (r.top1 - r.fakeQuantTop1), 'f', 2) << " points)\n";
        out() << "latency, median: batch 1 float " << QString::number(r.floatMs1, 'f', 3) << " ms, int8 "
              << QString::number(r.int8Ms1, 'f', 3) << " ms (" << QString::number(r.floatMs1 / r.int8Ms1, 'f', 2)
              << "x); batch 32 float " << QString::number(r.floatMs32, 'f', 2) << " ms, int8 " << QString::number(r.int8Ms32, 'f', 2)
              << " ms (" << QString::number(r.floatMs32 / r.int8Ms32, 'f', 2) << "x)\n";
        out().flush();
    } else if (format == QLatin1String("report")) {
        ReportInput report;
        report.trial = t;
        for (const StoredTrial& other : store.trials(t.modelSha256))
            if (other.dataSpec == t.dataSpec)
                report.trials << other;
        const std::shared_ptr<Model> model = trialModel();
        const std::shared_ptr<Dataset> data = Dataset::load(DataSpec::parse(t.dataSpec));
        report.profile = profile(*model, *data, ProfileOptions(), JobControl());
        bytes = trialReportHtml(report);
    } else if (format == QLatin1String("json"))
        bytes = t.config;
    else if (format == QLatin1String("python"))
        bytes = pythonScript(source);
    else if (format == QLatin1String("csv"))
        bytes = layerCsv(t.result);
    else
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("--format %1: expected json, python, torchscript, int8, csv or report").arg(format.isEmpty() ? QStringLiteral("(none)") : format));
    writeFileAtomically(path, bytes);
    std::fprintf(stderr, "wrote %s (%s of trial %lld)\n", qPrintable(path), qPrintable(format), static_cast<long long>(id));
    return 0;
}

} // namespace
} // namespace qs

int main(int argc, char** argv)
{
    // The HTML report draws its plots with widgets, offscreen; everything else needs no GUI.
    bool report = false;
    for (int i = 1; i < argc; ++i)
        report |= QByteArray(argv[i]) == "report" || QByteArray(argv[i]) == "--format=report";
    if (report && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> application =
        report ? std::make_unique<QApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication& app = *application;
    QCoreApplication::setApplicationName(QStringLiteral("quantscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QUANTSCOPE_VERSION));
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "QuantScope without a screen.\n\nCommands:\n"
        "  inspect [MODEL]   list the quantizable layers with shapes and parameter counts\n"
        "  profile [MODEL]   weight and activation statistics per layer, and float accuracy\n"
        "  trial [MODEL]     quantize as --weights/--activations say; accuracy, SQNR and size\n"
        "  sensitivity       quantize one layer at a time (and all but one); rank the layers\n"
        "  methods           choose each layer's activation range method by its own output error\n"
        "  search            the smallest mixed-precision model within --max-drop or --target-size\n"
        "  history           the trials recorded in the trial database\n"
        "  compare A B       two recorded trials layer by layer\n"
        "  export TRIAL      a recorded trial as --format json|python|torchscript|int8|csv|report, to --out FILE\n\n"
        "MODEL is a TorchScript file; without it the bundled Fashion-MNIST demo is used."));
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(QStringLiteral("command"), QStringLiteral("inspect or profile"));
    p.addPositionalArgument(QStringLiteral("model"), QStringLiteral("TorchScript file (default: the demo)"), QStringLiteral("[model]"));
    p.addOption({QStringLiteral("data"), QStringLiteral("Data spec: idx:IMAGES[,LABELS][?mean=M&std=S]."), QStringLiteral("SPEC")});
    p.addOption({QStringLiteral("calib"), QStringLiteral("Calibration samples, from the start of the data (default 512)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("eval"), QStringLiteral("Evaluate at most N samples after the calibration ones (default: all)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("batch"), QStringLiteral("Batch size (default 256)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("weights"), QStringLiteral("trial: weight spec (default int8:per_channel:symmetric:minmax)."), QStringLiteral("SPEC")});
    p.addOption({QStringLiteral("activations"), QStringLiteral("trial: activation spec (default uint8:per_tensor:affine:histogram; float = weight-only)."), QStringLiteral("SPEC")});
    p.addOption({QStringLiteral("config"), QStringLiteral("trial: configuration JSON (see README); --weights/--activations/--mode override it."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("write-config"), QStringLiteral("trial, methods, search: write the configuration (used, chosen or found) as JSON."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("mode"), QStringLiteral("trial: static, dynamic or weight-only (default static)."), QStringLiteral("MODE")});
    p.addOption({QStringLiteral("db"), QStringLiteral("Trial database (default: the per-user one)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("name"), QStringLiteral("trial: a name for the recorded trial."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("subset"), QStringLiteral("sensitivity, search: evaluate candidates on the first N evaluation samples (default 2048)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("no-converse"), QStringLiteral("sensitivity: skip the every-layer-but-one trials.")});
    p.addOption({QStringLiteral("max-drop"), QStringLiteral("search: how much worse than float the model may get: points of top-1 (default 1.0), or perplexity for language models (default 0.1)."), QStringLiteral("POINTS")});
    p.addOption({QStringLiteral("target-size"), QStringLiteral("search: largest acceptable model size in bytes (K, M suffixes)."), QStringLiteral("BYTES")});
    p.addOption({QStringLiteral("bits"), QStringLiteral("search: weight bits to choose from per layer (default 2,4,8,float)."), QStringLiteral("LIST")});
    p.addOption({QStringLiteral("choose-methods"), QStringLiteral("search: first choose each layer's activation range method.")});
    p.addOption({QStringLiteral("format"), QStringLiteral("export: json (configuration), python (torch.ao.quantization script), torchscript (quantization baked in), int8 (real int8 kernels, with accuracy and latency), csv (per-layer results) or report (one-page HTML)."), QStringLiteral("FORMAT")});
    p.addOption({QStringLiteral("model"), QStringLiteral("export torchscript, int8, report: the trial's model file (default: the demo)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("out"), QStringLiteral("export: the file to write (written whole or not at all)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")});
    p.process(app);
    qs::initRuntime();

    const QString command = p.positionalArguments().value(0);
    try {
        if (command == QLatin1String("inspect"))
            return qs::inspect(p);
        if (command == QLatin1String("profile"))
            return qs::runProfile(p);
        if (command == QLatin1String("trial"))
            return qs::runTrialCommand(p);
        if (command == QLatin1String("sensitivity"))
            return qs::runSensitivityCommand(p);
        if (command == QLatin1String("methods"))
            return qs::runMethodsCommand(p);
        if (command == QLatin1String("search"))
            return qs::runSearchCommand(p);
        if (command == QLatin1String("export"))
            return qs::exportCommand(p);
        if (command == QLatin1String("history"))
            return qs::history(p);
        if (command == QLatin1String("compare"))
            return qs::compare(p);
        throw qs::EngineError(qs::ErrorKind::BadInput,
                              command.isEmpty() ? QStringLiteral("no command given; try inspect or profile (see --help)")
                                                : QStringLiteral("unknown command '%1'; try inspect, profile, trial, sensitivity, methods, search, export, history or compare").arg(command));
    } catch (const qs::EngineError& e) {
        std::fprintf(stderr, "quantscope-cli: %s\n", qPrintable(e.message()));
        return e.kind() == qs::ErrorKind::BadInput ? 2 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "quantscope-cli: internal error: %s\n", e.what());
        return 1;
    }
}
