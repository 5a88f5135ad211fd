#include "cli.h"

#include "runtime.h"
#include "store.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace qs::cli {

QTextStream& out()
{
    static QTextStream s(stdout);
    return s;
}

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

void printJson(const QJsonObject& o)
{
    out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
}

Inputs openInputs(const QCommandLineParser& p)
{
    Inputs in;
    const QString modelPath = p.positionalArguments().value(1);
    in.model = modelPath.isEmpty() ? loadDemoModel() : Model::load(modelPath);
    in.model->setOutput(p.value(QStringLiteral("output")));
    DataSpec spec = p.isSet(QStringLiteral("data")) ? DataSpec::parse(p.value(QStringLiteral("data"))) : DataSpec::demo();
    if (p.isSet(QStringLiteral("input-shape"))) {
        if (p.isSet(QStringLiteral("data")))
            throw EngineError(ErrorKind::BadInput, QStringLiteral("give --data or --input-shape, not both"));
        // PyTorch's convention, batch first: 1,3,224,224 is one 3×224×224 sample.
        QStringList dims = p.value(QStringLiteral("input-shape")).split(u',');
        if (dims.size() >= 2)
            dims.removeFirst();
        spec = DataSpec::parse(QStringLiteral("random:") + dims.join(u','));
    }
    if (p.isSet(QStringLiteral("calib-data")))
        spec.calibrationSpec = DataSpec::parse(p.value(QStringLiteral("calib-data"))).toString();
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

QString dbPath(const QCommandLineParser& p)
{
    return p.isSet(QStringLiteral("db")) ? p.value(QStringLiteral("db")) : Store::defaultPath();
}

qint64 trialId(const QString& text)
{
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("'%1' is not a trial id (see quantscope-cli history)").arg(text));
    return id;
}

QuantConfig configFromOptions(const QCommandLineParser& p, QuantConfig config)
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
    if (!mode.isEmpty())
        config.mode = parseTrialMode(mode, QStringLiteral("--mode"));
    if (p.isSet(QStringLiteral("activations")) && config.activation.type == QuantType::Float && mode.isEmpty())
        config.mode = TrialMode::WeightOnly;
    if (p.isSet(QStringLiteral("techniques")))
        config.techniques = Techniques::parse(p.value(QStringLiteral("techniques")), QStringLiteral("--techniques"));
    if (p.isSet(QStringLiteral("cle")))
        config.techniques.cle = true;
    if (p.isSet(QStringLiteral("high-bias-absorption")))
        config.techniques.highBiasAbsorption = config.techniques.cle = true;
    if (p.isSet(QStringLiteral("bias-correction")))
        config.techniques.biasCorrection = true;
    if (p.isSet(QStringLiteral("adaround")))
        config.techniques.adaroundIterations =
            Techniques::parse(QStringLiteral("adaround=") + p.value(QStringLiteral("adaround")), QStringLiteral("--adaround"))
                .adaroundIterations;
    if (p.isSet(QStringLiteral("adaround-inputs"))) {
        const QString inputs = p.value(QStringLiteral("adaround-inputs"));
        if (inputs != QLatin1String("float") && inputs != QLatin1String("quantized"))
            throw EngineError(ErrorKind::BadInput, QStringLiteral("--adaround-inputs %1: expected float or quantized").arg(inputs));
        if (config.techniques.adaroundIterations == 0)
            throw EngineError(ErrorKind::BadInput, QStringLiteral("--adaround-inputs goes with --adaround"));
        config.techniques.adaroundFloatInputs = inputs == QLatin1String("float");
    }
    if (p.isSet(QStringLiteral("seqmse"))) {
        config.techniques.seqMse = true;
        config.techniques.seqMseLoss =
            Techniques::parse(QStringLiteral("seqmse=") + p.value(QStringLiteral("seqmse")), QStringLiteral("--seqmse")).seqMseLoss;
    }
    return config;
}

void recordLatency(const QCommandLineParser& p, qint64 id, int batch, double floatMs, double int8Ms)
{
    try {
        Store(dbPath(p)).setLatency(id, batch, floatMs, int8Ms);
    } catch (const EngineError& e) { // the measurement stands; it is only not kept
        std::fprintf(stderr, "warning: %s\n", qPrintable(e.message()));
    }
}

TrialOptions trialOptions(const QCommandLineParser& p)
{
    TrialOptions options;
    options.calibrationSamples = intOption(p, QStringLiteral("calib"), options.calibrationSamples, 0);
    options.evaluationLimit = intOption(p, QStringLiteral("eval"), options.evaluationLimit, 1);
    options.batchSize = int(intOption(p, QStringLiteral("batch"), options.batchSize, 1));
    options.chooseEvaluationBatch = !p.isSet(QStringLiteral("batch"));
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

} // namespace qs::cli
