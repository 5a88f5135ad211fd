// trial, sensitivity, methods and search: commands that run trials and record them.

#include "cli.h"

#include "format.h"
#include "json.h"
#include "presets.h"

#include <QLocale>

#include <cstdio>

namespace qs::cli {

namespace {

QString dB(double v)
{
    return formatDb(v, InfinityStyle::Ascii);
}

/// What a command that records trials needs: the trial database (opened first, so that one
/// that cannot take trials fails before anything loads), the model and data, and a runner.
struct Recording {
    TrialRecorder recorder;
    Inputs in;
    std::unique_ptr<TrialRunner> runner;
    int printed = 0;

    explicit Recording(const QCommandLineParser& p)
        : recorder(dbPath(p), TrialRecorder::OnFailure::Throw), in(openInputs(p))
    {
        in.model->measureShapes(*in.data);
        recorder.setSubject(in.subject());
        runner = std::make_unique<TrialRunner>(in.model, in.data, trialOptions(p));
    }
    Task task() const { return in.data->isTokenWindows() ? Task::LanguageModel : Task::Classifier; }
    /// Records each trial and prints one line for it on stderr.
    TrialSink sink()
    {
        return recorder.sink([this](qint64 id, const QuantConfig&, const TrialResult& r, const QString& name, const QString&) {
            std::fprintf(stderr, "[%d] %s: %s, %s dB, %s bytes (trial %lld)\n", ++printed, qPrintable(name),
                         qPrintable(formatChange(r.metric, r.score() - r.floatScore())), qPrintable(dB(r.outputSqnr)),
                         qPrintable(QLocale().toString(r.sizeBytes)), static_cast<long long>(id));
        });
    }
};

void printTrial(const TrialResult& r)
{
    QVector<QStringList> rows;
    for (const auto& l : r.layers)
        rows << QStringList{l.name, l.weightSpec, l.activationSpec, dB(l.weightSqnr), dB(l.activationSqnr),
                            dB(l.outputSqnr), std::isnan(l.localSqnr) ? QStringLiteral("-") : dB(l.localSqnr),
                            std::isnan(l.rmseOverScale) ? QStringLiteral("-") : QString::number(l.rmseOverScale, 'f', 3),
                            QString::number(l.outputCosine, 'f', 4),
                            l.activationQParams.scale.isEmpty()
                                ? QStringLiteral("-")
                                : QStringLiteral("%1 / %2").arg(num(l.activationQParams.scale[0])).arg(l.activationQParams.zeroPoint[0])};
    printTable({QStringLiteral("layer"), QStringLiteral("weights"), QStringLiteral("activations"), QStringLiteral("w.sqnr"),
                QStringLiteral("a.sqnr"), QStringLiteral("out.sqnr"), QStringLiteral("local"), QStringLiteral("rmse/scale"),
                QStringLiteral("cosine"), QStringLiteral("act scale / zp")},
               rows);
    if (const int drop = firstErrorDrop(r.layers); drop >= 0)
        out() << "\nFirst error drop: " << r.layers[drop].name << " (output SQNR "
              << dB(r.layers[drop - 1].outputSqnr) << " -> " << dB(r.layers[drop].outputSqnr) << " dB).";
    const QLocale locale;
    out() << "\nSQNR in dB (inf: unchanged). out.* compares each layer's output with the float model's on the first "
          << r.errorSamples << " evaluation samples; local, with only that layer quantized (its input from the float "
             "model); rmse/scale, its input's quantization error in steps (0.289: rounding alone).\n"
          << metricLine(r) << "\n"
          << "Output SQNR: " << dB(r.outputSqnr) << " dB\n"
          << "Size: " << locale.toString(r.sizeBytes) << " bytes (float " << locale.toString(r.floatBytes) << ", "
          << QString::number(r.compression(), 'f', 2) << "x smaller)\n"
          << "Time: " << QString::number(r.seconds, 'f', 2) << " s (evaluated at batch " << r.batchSize << ")\n";
    for (const CalibrationTrace& t : r.calibration)
        out() << "Calibration (" << t.spec << "): every layer's activation scale within 1% of its final value after "
              << t.convergedAt() << " of " << t.samples.last() << " samples (" << t.samples.size() << " batches)\n";
}

void printSensitivity(const QuantConfig& config, const SensitivityResult& r, bool converse)
{
    // Changes as the metric moves: top-1 points (negative is worse), perplexity (positive is worse).
    const bool lm = r.metric == Metric::Perplexity;
    const int decimals = lm ? 3 : 2;
    auto signedChange = [&](double drop) { return QString::number(lm ? drop : -drop, 'f', decimals); };
    const QVector<int> ranking = r.ranking();
    QVector<QStringList> rows;
    for (int rank = 0; rank < ranking.size(); ++rank) {
        const LayerSensitivity& l = r.layers[ranking[rank]];
        rows << QStringList{QString::number(rank + 1), l.name, signedChange(l.drop), dB(l.outputSqnr),
                            l.hasConverse ? signedChange(l.converseDrop) : QStringLiteral("-"),
                            l.hasConverse ? QString::number(r.allDrop - l.converseDrop, 'f', decimals) : QStringLiteral("-")};
    }
    const QString unit = lm ? QStringLiteral("perplexity") : QStringLiteral("points");
    out() << "Sensitivity to " << config.weight.toString() << " weights, " << config.activation.toString()
          << " activations (" << trialModeName(config.mode) << "), on the first " << r.evaluationSamples
          << " evaluation samples; float " << metricName(r.metric) << " " << formatScore(r.metric, r.floatScore) << "\n\n";
    printTable({QStringLiteral("rank"), QStringLiteral("layer"), QStringLiteral("alone"), QStringLiteral("alone.sqnr"),
                QStringLiteral("all.but"), QStringLiteral("recovers")},
               rows);
    out() << "\nalone: " << metricName(r.metric) << " change (" << unit
          << ") with only this layer quantized; alone.sqnr: the model output's SQNR (dB).\n";
    if (converse)
        out() << "all.but: change with every layer but this one quantized; recovers: " << unit
              << " won back by keeping it float\n"
              << "(every layer quantized: " << formatChange(r.metric, lm ? r.allDrop : -r.allDrop) << ", " << dB(r.allSqnr)
              << " dB).\n";
    out() << r.trials << " trials in " << QString::number(r.seconds, 'f', 1) << " s, recorded with origin 'sensitivity'.\n";
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

} // namespace

int trial(const QCommandLineParser& p)
{
    configFromOptions(p); // wrong settings are reported before anything loads
    trialOptions(p);
    Recording rec(p);
    const QuantConfig config = configFromOptions(p, taskDefaults(rec.task()).config);
    writeConfig(p, config);
    RunOptions run;
    run.localErrors = true;
    const TrialResult r = rec.runner->run(config, {}, rec.recorder.calibrationCache(), run);
    const qint64 id = rec.recorder.record(config, r, QStringLiteral("manual"), p.value(QStringLiteral("name")));
    std::fprintf(stderr, "recorded as trial %lld in %s\n", static_cast<long long>(id), qPrintable(rec.recorder.path()));
    for (const QString& w : rec.in.model->warnings() + r.warnings)
        std::fprintf(stderr, "warning: %s\n", qPrintable(w));
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject root = trialJson(config, r);
        root[QStringLiteral("id")] = double(id); // as history --json names it
        root[QStringLiteral("database")] = rec.recorder.path();
        printJson(root);
    } else {
        printTrial(r);
    }
    return 0;
}

int sensitivity(const QCommandLineParser& p)
{
    QuantConfig defaults;
    defaults.weight = taskDefaults(Task::Classifier).sensitivityWeight;
    configFromOptions(p, defaults); // wrong settings are reported before anything loads
    SensitivityOptions options;
    options.converse = !p.isSet(QStringLiteral("no-converse"));
    options.evaluationSamples = intOption(p, QStringLiteral("subset"), options.evaluationSamples, 1);
    Recording rec(p);
    if (rec.task() == Task::LanguageModel)
        defaults = taskDefaults(Task::LanguageModel).config;
    options.config = configFromOptions(p, defaults);
    const SensitivityResult r = runSensitivity(*rec.runner, options, {}, rec.sink());
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject root = sensitivityJson(options.config, r, options.converse);
        root[QStringLiteral("database")] = rec.recorder.path();
        printJson(root);
    }
    else
        printSensitivity(options.config, r, options.converse);
    return 0;
}

int methods(const QCommandLineParser& p)
{
    const QuantConfig config = configFromOptions(p);
    Inputs in = openInputs(p);
    in.model->measureShapes(*in.data);
    TrialRunner runner(in.model, in.data, trialOptions(p));
    const RangeMethodResult r = chooseRangeMethods(runner, config, allRangeMethods(), {});
    writeConfig(p, r.config);
    if (p.isSet(QStringLiteral("json")))
        printJson(rangeMethodsJson(r));
    else
        printMethodChoice(r);
    return 0;
}

int search(const QCommandLineParser& p)
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
            throw EngineError(ErrorKind::BadInput, QStringLiteral("--max-drop %1: expected points of top-1 (or perplexity) from 0 to 100")
                                                       .arg(p.value(QStringLiteral("max-drop"))));
    }
    options.subsetSamples = intOption(p, QStringLiteral("subset"), options.subsetSamples, 1);
    if (p.isSet(QStringLiteral("max-latency"))) {
        bool ok = false;
        options.maxLatencyMs = p.value(QStringLiteral("max-latency")).toDouble(&ok);
        if (!ok || !(options.maxLatencyMs > 0))
            throw EngineError(ErrorKind::BadInput, QStringLiteral("--max-latency %1: expected milliseconds above 0 (e.g. 0.5)")
                                                       .arg(p.value(QStringLiteral("max-latency"))));
    }
    if (p.isSet(QStringLiteral("target-size")))
        options.targetBytes = sizeOption(p, QStringLiteral("target-size"));
    Recording rec(p);
    const TaskDefaults defaults = taskDefaults(rec.task());
    options.base = configFromOptions(p, defaults.config);
    if (!p.isSet(QStringLiteral("bits")))
        options.bits = defaults.searchBits;
    // The budget: --max-drop in the metric's unit; by default the task's, or, with only a target
    // size, the best model of that size.
    options.maxDrop = p.isSet(QStringLiteral("max-drop")) ? maxDrop : options.targetBytes > 0 ? -1 : defaults.maxDrop;
    if (p.isSet(QStringLiteral("choose-methods"))) {
        const RangeMethodResult methods = chooseRangeMethods(*rec.runner, options.base, allRangeMethods(), {});
        options.base = methods.config;
        for (const RangeMethodChoice& c : methods.layers)
            if (c.chosen)
                std::fprintf(stderr, "range method for %s: %s\n", qPrintable(c.layer), qPrintable(rangeMethodName(c.best)));
    }
    const SearchResult r = runSearch(*rec.runner, options, {}, rec.sink());
    if (options.maxLatencyMs > 0 && r.bestTrialId > 0)
        recordLatency(p, r.bestTrialId, r.latencyBatch, r.floatLatencyMs, r.latencyMs);
    writeConfig(p, r.best);
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject root = searchJson(r, options.maxDrop);
        root[QStringLiteral("database")] = rec.recorder.path();
        printJson(root);
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

} // namespace qs::cli
