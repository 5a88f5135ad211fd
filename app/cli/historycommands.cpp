// history, compare and export: commands on recorded trials.

#include "cli.h"

#include "export.h"
#include "exportformat.h"
#include "format.h"
#include "int8.h"
#include "json.h"
#include "profile.h"
#include "runtime.h"
#include "store.h"
#include "trialexport.h"

#include <QFile>
#include <QFileInfo>
#include <QLocale>

#include <cstdio>

namespace qs::cli {

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
        for (const auto& t : trials)
            a.append(storedTrialJson(t));
        printJson({{QStringLiteral("database"), store.path()}, {QStringLiteral("trials"), a}});
        return 0;
    }
    QVector<QStringList> rows;
    for (const auto& t : trials)
        rows << QStringList{QString::number(t.id), t.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")),
                            t.origin, t.name.isEmpty() ? QStringLiteral("-") : t.name, t.modelName,
                            configSummary(t.settings), formatScore(t.result.metric, t.result.score()),
                            formatChange(t.result.metric, t.result.score() - t.result.floatScore()),
                            formatBytes(t.result.sizeBytes), QString::number(t.result.compression(), 'f', 2)};
    out() << "Trials in " << store.path() << "\n\n";
    printTable({QStringLiteral("id"), QStringLiteral("when"), QStringLiteral("origin"), QStringLiteral("name"),
                QStringLiteral("model"), QStringLiteral("weights / activations / mode"), QStringLiteral("top-1 / ppl"),
                QStringLiteral("change"), QStringLiteral("bytes"), QStringLiteral("x smaller")},
               rows);
    return 0;
}

int compare(const QCommandLineParser& p)
{
    const QStringList args = p.positionalArguments();
    if (args.size() != 3)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("compare takes two trial ids: quantscope-cli compare A B"));
    Store store(dbPath(p), Store::Access::ReadOnly);
    const StoredTrial a = store.trial(trialId(args[1])), b = store.trial(trialId(args[2]));
    for (const auto& [label, t] : {std::pair{"A", &a}, std::pair{"B", &b}})
        out() << label << ": trial " << t->id << " — " << configSummary(t->settings) << " — top-1 "
              << QString::number(100 * t->result.top1, 'f', 2) << "%, " << formatBytes(t->result.sizeBytes) << " bytes\n";
    if (a.modelSha256 != b.modelSha256)
        out() << "note: the trials are of different models (" << a.modelName << ", " << b.modelName << ")\n";
    out() << "\n";
    QVector<QStringList> rows;
    const int n = int(qMax(a.result.layers.size(), b.result.layers.size()));
    for (int i = 0; i < n; ++i) {
        const LayerTrialResult la = a.result.layers.value(i), lb = b.result.layers.value(i);
        const bool differs = la.weightSpec != lb.weightSpec || la.activationSpec != lb.activationSpec;
        rows << QStringList{differs ? QStringLiteral("*") : QString(), la.name.isEmpty() ? lb.name : la.name, la.weightSpec,
                            lb.weightSpec, formatDb(la.outputSqnr, InfinityStyle::Ascii),
                            formatDb(lb.outputSqnr, InfinityStyle::Ascii)};
    }
    printTable({QStringLiteral("≠"), QStringLiteral("layer"), QStringLiteral("A weights"), QStringLiteral("B weights"),
                QStringLiteral("A out.sqnr"), QStringLiteral("B out.sqnr")},
               rows);
    out() << "\n* the two trials' settings differ for this layer. Top-1 change B − A: "
          << QString::number(100 * (b.result.top1 - a.result.top1), 'f', 2) << " points; size B / A: "
          << QString::number(double(b.result.sizeBytes) / double(qMax<qint64>(1, a.result.sizeBytes)), 'f', 3) << "\n";
    return 0;
}

namespace {

/// The trial's model, from --model (default: the demo), checked against the trial's hash.
std::shared_ptr<Model> trialModel(const QCommandLineParser& p, const StoredTrial& t)
{
    const QString modelPath = p.value(QStringLiteral("model"));
    const std::shared_ptr<Model> model = modelPath.isEmpty() ? loadDemoModel() : Model::load(modelPath);
    model->setOutput(p.value(QStringLiteral("output")));
    if (model->sha256() != t.modelSha256)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("trial %1 is of %2, not of %3 (give the trial's model with --model FILE)")
                                                   .arg(t.id)
                                                   .arg(t.modelName, model->displayName()));
    return model;
}

QByteArray int8Export(const QCommandLineParser& p, const StoredTrial& t)
{
    const std::shared_ptr<Model> model = trialModel(p, t);
    const std::shared_ptr<Dataset> data = Dataset::load(DataSpec::parse(t.dataSpec));
    // The trial's own calibration and evaluation split (older trials: --calib and --batch).
    const TrialOptions options = recordedTrialOptions(t.result, trialOptions(p));
    const Int8Result r = buildInt8Model(*model, *data, t.settings, t.result, options, JobControl());
    recordLatency(p, t.id, 1, r.floatMs1, r.int8Ms1);
    out() << "int8 kernels (" << r.engine << "): " << r.int8Layers << " layers on int8 (" << r.chainedLayers
          << " passing their output on quantized), " << r.fakeQuantLayers.size() << " fake-quantized as in the trial; "
          << r.quantizedOps << " ops between layers on quantized tensors, " << r.requantized << " requantized\n";
    for (const QString& f : r.fakeQuantLayers)
        out() << "  fake-quantized: " << f << "\n";
    out() << metricName(r.metric) << " on " << r.evaluationSamples << " evaluation samples: int8 "
          << formatScore(r.metric, r.score()) << ", fake-quant trial " << formatScore(r.metric, r.fakeQuantScore())
          << ", float " << formatScore(r.metric, r.floatScore()) << " (int8 - fake-quant: "
          << formatChange(r.metric, r.score() - r.fakeQuantScore())
          << ")\n";
    out() << "latency, median: batch 1 float " << QString::number(r.floatMs1, 'f', 3) << " ms, int8 "
          << QString::number(r.int8Ms1, 'f', 3) << " ms (" << QString::number(r.floatMs1 / r.int8Ms1, 'f', 2)
          << "x); batch 32 float " << QString::number(r.floatMs32, 'f', 2) << " ms, int8 " << QString::number(r.int8Ms32, 'f', 2)
          << " ms (" << QString::number(r.floatMs32 / r.int8Ms32, 'f', 2) << "x)\n";
    out().flush();
    return r.torchscript;
}

} // namespace

int exportTrial(const QCommandLineParser& p)
{
    const qint64 id = trialId(p.positionalArguments().value(1));
    const QString name = p.value(QStringLiteral("format"));
    const std::optional<ExportFormatInfo> format = exportFormat(name);
    if (!format)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--format %1: expected %2")
                                                   .arg(name.isEmpty() ? QStringLiteral("(none)") : name, exportFormatNames()));
    const QString path = p.value(QStringLiteral("out"));
    if (path.isEmpty())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("export: --out FILE is required"));
    const Store store(dbPath(p), Store::Access::ReadOnly);
    const StoredTrial t = store.trial(id);
    QByteArray bytes;
    if (format->format == ExportFormat::TorchScript) {
        bytes = bakedTorchScript(*trialModel(p, t), t.settings, t.result);
    } else if (format->format == ExportFormat::Int8) {
        bytes = int8Export(p, t);
    } else {
        TrialExport e = TrialExport::of(t);
        if (format->format == ExportFormat::Report) {
            e.trials = store.trials(t.modelSha256);
            const std::shared_ptr<Model> model = trialModel(p, t);
            e.profile = profile(*model, *Dataset::load(DataSpec::parse(t.dataSpec)), ProfileOptions(), JobControl());
        }
        if (format->format == ExportFormat::Python && t.settings.techniques.any()) {
            // The weights the techniques changed, beside the script, which loads them.
            const QString weights = weightsFileBeside(path);
            writeFileAtomically(weights, trialStateDict(*trialModel(p, t), t.settings, t.result));
            e.weightsFile = QFileInfo(weights).fileName();
            std::fprintf(stderr, "wrote %s (the weights %s changed)\n", qPrintable(weights),
                         qPrintable(t.settings.techniques.toString()));
        }
        bytes = trialExportBytes(format->format, e);
    }
    writeFileAtomically(path, bytes);
    std::fprintf(stderr, "wrote %s (%s of trial %lld)\n", qPrintable(path), qPrintable(name), static_cast<long long>(id));
    return 0;
}

} // namespace qs::cli
