// quantscope-cli latency: where a forward pass's time goes, layer by layer, for the float model
// and (with --trial) the trial's int8 model.

#include "cli.h"

#include "errors.h"
#include "export.h"
#include "json.h"
#include "int8.h"
#include "latency.h"
#include "runtime.h"
#include "store.h"

#include <QJsonArray>
#include <QJsonObject>

namespace qs::cli {

namespace {

QString ms(double v)
{
    return QString::number(v, 'f', 3);
}

} // namespace

int latencyCommand(const QCommandLineParser& p)
{
    LatencyOptions options;
    options.batch = int(intOption(p, QStringLiteral("batch"), 1, 1));
    options.runs = int(intOption(p, QStringLiteral("runs"), options.runs, 1));
    options.threads = int(intOption(p, QStringLiteral("threads"), 0, 1));
    QVector<LatencyProfile> profiles;
    QString model;
    if (p.isSet(QStringLiteral("trial"))) {
        const StoredTrial t = Store(dbPath(p), Store::Access::ReadOnly).trial(trialId(p.value(QStringLiteral("trial"))));
        const QString path = p.positionalArguments().value(1);
        const std::shared_ptr<Model> m = path.isEmpty() ? loadDemoModel() : Model::load(path);
        if (m->sha256() != t.modelSha256)
            throw EngineError(ErrorKind::BadInput, QStringLiteral("trial %1 is of %2, not of %3 (give the trial's model as MODEL)")
                                                       .arg(t.id)
                                                       .arg(t.modelName, m->displayName()));
        const std::shared_ptr<Dataset> data = Dataset::load(DataSpec::parse(t.dataSpec));
        const TrialOptions trialOptions = recordedTrialOptions(t.result); // the trial's own split
        profiles << floatLatency(*m, *data, trialOptions.calibrationSamples, options, JobControl())
                 << int8Latency(*m, *data, t.settings, t.result, trialOptions, options, JobControl());
        model = m->displayName();
        recordLatency(p, t.id, profiles[0].batch, profiles[0].endToEndMs, profiles[1].endToEndMs);
    } else {
        const Inputs in = openInputs(p);
        profiles << floatLatency(*in.model, *in.data, TrialOptions().calibrationSamples, options, JobControl());
        model = in.model->displayName();
    }
    if (p.isSet(QStringLiteral("trace")))
        writeFileAtomically(p.value(QStringLiteral("trace")), chromeTrace(profiles));
    const LatencyProfile& f = profiles.first();
    const LatencyProfile* q = profiles.size() > 1 ? &profiles[1] : nullptr;
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject o{{QStringLiteral("model"), model}, {QStringLiteral("float"), latencyJson(f)}};
        if (q) {
            o[QStringLiteral("int8")] = latencyJson(*q);
            o[QStringLiteral("speedup")] = q->endToEndMs > 0 ? f.endToEndMs / q->endToEndMs : 0;
        }
        printJson(o);
        return 0;
    }
    out() << model << ", batch " << f.batch << ", " << f.threads << (f.threads == 1 ? " thread" : " threads")
          << ", median of " << f.runs << " runs (ms)\n\n";
    QVector<QStringList> rows;
    for (int i = 0; i < f.layers.size(); ++i) {
        QStringList row{f.layers[i].name, ms(f.layers[i].totalMs())};
        if (q) {
            const LayerTime& l = q->layers[i];
            row << ms(l.totalMs()) << ms(l.kernelMs) << ms(l.quantizeMs)
                << (l.int8 ? QStringLiteral("int8") : QStringLiteral("float: ") + l.note);
        } else if (!f.layers[i].note.isEmpty()) {
            row << f.layers[i].note;
        }
        rows << row;
    }
    QStringList between{QStringLiteral("(between layers)"), ms(f.betweenMs)};
    QStringList profiled{QStringLiteral("(sum)"), ms(f.profiledMs())};
    QStringList total{QStringLiteral("(end to end)"), ms(f.endToEndMs)};
    if (q) {
        between << ms(q->betweenMs);
        profiled << ms(q->profiledMs());
        total << ms(q->endToEndMs);
    }
    rows << between << profiled << total;
    QStringList header{QStringLiteral("layer"), QStringLiteral("float")};
    if (q)
        header << QStringLiteral("int8") << QStringLiteral("kernel") << QStringLiteral("quantize") << QStringLiteral("runs on");
    printTable(header, rows);
    out() << "\nkernel: the layer's conv / linear / matmul / recurrent op (a fused ReLU included); quantize: its quantize, "
             "dequantize and requantize ops. The sum is what the profiling hooks saw of one pass; end to end is timed "
             "without them.\n";
    if (q)
        out() << "int8 " << (q->endToEndMs < f.endToEndMs ? "faster" : "slower") << " than float: "
              << QString::number(f.endToEndMs / q->endToEndMs, 'f', 2) << "x\n";
    return 0;
}

} // namespace qs::cli
