#include "search.h"

#include "int8.h"
#include "latency.h"

#include <QElapsedTimer>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs {

namespace {

/// The part [from, to) of a job's progress, for one of its trials; the stage is prefixed.
JobControl slice(const JobControl& control, double from, double to, const QString& prefix)
{
    JobControl sub;
    sub.cancelled = control.cancelled;
    sub.progress = [&control, from, to, prefix](double f, const QString& stage) {
        control.report(from + (to - from) * f, prefix + QStringLiteral(": ") + stage);
    };
    return sub;
}

QuantSpec floatSpec()
{
    return QuantSpec::parse(QStringLiteral("float"));
}

/// A config that leaves every layer float except the overrides it is given (with the
/// techniques of the configuration it derives from).
QuantConfig allFloat(TrialMode mode, const Techniques& techniques)
{
    QuantConfig c;
    c.techniques = techniques;
    c.weight = floatSpec();
    c.activation = floatSpec();
    c.mode = mode;
    return c;
}

QString bitsName(int bits)
{
    return bits >= 32 ? QStringLiteral("float") : QStringLiteral("int%1").arg(bits);
}

/// Relative noise power at the model output for an SQNR in dB.
double noiseOf(double sqnr)
{
    return std::isinf(sqnr) ? 0.0 : std::pow(10.0, -sqnr / 10.0);
}

} // namespace

QVector<int> SensitivityResult::ranking() const
{
    QVector<int> order(layers.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
        const LayerSensitivity& x = layers[a];
        const LayerSensitivity& y = layers[b];
        if (x.drop != y.drop)
            return x.drop > y.drop;
        return x.outputSqnr < y.outputSqnr;
    });
    return order;
}

SensitivityResult runSensitivity(TrialRunner& runner, const SensitivityOptions& options, const JobControl& control,
                                 const TrialSink& sink)
{
    QElapsedTimer timer;
    timer.start();
    const QVector<LayerInfo>& layers = runner.model().layers();
    const int total = int(layers.size()) * (options.converse ? 2 : 1) + (options.converse ? 1 : 0);
    RunOptions run;
    run.evaluationLimit = options.evaluationSamples;
    SensitivityResult result;
    int done = 0;
    auto trial = [&](const QuantConfig& config, const QString& name) {
        const TrialResult r = runner.run(config, slice(control, double(done) / total, double(done + 1) / total, name),
                                         nullptr, run);
        ++done;
        result.metric = r.metric;
        result.hasAccuracy = r.hasAccuracy;
        result.floatTop1 = r.floatTop1;
        result.floatScore = r.floatScore();
        result.evaluationSamples = r.evaluationSamples;
        const qint64 id = sink ? sink(config, r, name, QStringLiteral("sensitivity")) : 0;
        return std::make_pair(r, id);
    };
    const QString spec = options.config.weight.toString() + QStringLiteral(" / ") + options.config.activation.toString();
    for (const LayerInfo& l : layers) {
        QuantConfig c = allFloat(options.config.mode, options.config.techniques);
        QuantConfig::Override o;
        o.hasWeight = o.hasActivation = true;
        o.weight = options.config.weightFor(l.name);
        o.activation = options.config.activationFor(l.name);
        c.layers[l.name] = o;
        const auto [r, id] = trial(c, QStringLiteral("sensitivity: only %1 at %2").arg(l.name, spec));
        LayerSensitivity s;
        s.name = l.name;
        s.drop = r.loss();
        s.outputSqnr = r.outputSqnr;
        s.trialId = id;
        result.layers << s;
    }
    if (options.converse) {
        const auto [all, allId] = trial(options.config, QStringLiteral("sensitivity: every layer at %1").arg(spec));
        Q_UNUSED(allId);
        result.allDrop = all.loss();
        result.allSqnr = all.outputSqnr;
        for (LayerSensitivity& s : result.layers) {
            QuantConfig c = options.config;
            QuantConfig::Override o;
            o.hasWeight = o.hasActivation = true;
            o.weight = o.activation = floatSpec();
            c.layers[s.name] = o;
            const auto [r, id] = trial(c, QStringLiteral("sensitivity: all but %1 at %2").arg(s.name, spec));
            s.hasConverse = true;
            s.converseDrop = r.loss();
            s.converseSqnr = r.outputSqnr;
            s.converseTrialId = id;
        }
    }
    result.trials = done;
    result.seconds = timer.nsecsElapsed() / 1e9;
    control.report(1, QStringLiteral("Done"));
    return result;
}

QVector<RangeMethod> allRangeMethods()
{
    return {RangeMethod::MinMax, RangeMethod::Histogram, RangeMethod::Percentile, RangeMethod::Mse, RangeMethod::Entropy};
}

RangeMethodResult chooseRangeMethods(TrialRunner& runner, const QuantConfig& config, const QVector<RangeMethod>& methods,
                                     const JobControl& control)
{
    if (config.mode != TrialMode::Static)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("range methods are chosen for static activations; the mode is %1")
                              .arg(trialModeName(config.mode)));
    if (methods.isEmpty())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("no range methods to choose from"));
    QElapsedTimer timer;
    timer.start();
    const QVector<LayerInfo>& layers = runner.model().layers();
    RangeMethodResult result;
    result.methods = methods;
    result.config = config;
    for (const LayerInfo& l : layers) {
        RangeMethodChoice c;
        c.layer = l.name;
        c.chosen = l.hasActivationInput && config.activationFor(l.name).type == QuantType::Int;
        result.layers << c;
    }
    for (int m = 0; m < methods.size(); ++m) {
        // Every layer's activation with this method; each layer's error is its own.
        QuantConfig c = config;
        c.activation.method = methods[m];
        for (auto it = c.layers.begin(); it != c.layers.end(); ++it)
            if (it->hasActivation)
                it->activation.method = methods[m];
        const QVector<LayerTrialResult> errors = runner.isolatedErrors(
            c, slice(control, double(m) / methods.size(), double(m + 1) / methods.size(), rangeMethodName(methods[m])));
        for (int i = 0; i < layers.size(); ++i)
            result.layers[i].outputSqnr << errors[i].outputSqnr;
    }
    for (RangeMethodChoice& c : result.layers) {
        if (!c.chosen)
            continue;
        const int best = int(std::max_element(c.outputSqnr.begin(), c.outputSqnr.end()) - c.outputSqnr.begin());
        c.best = methods[best];
        QuantConfig::Override& o = result.config.layers[c.layer];
        o.activation = config.activationFor(c.layer);
        o.activation.method = c.best;
        o.hasActivation = true;
    }
    result.seconds = timer.nsecsElapsed() / 1e9;
    control.report(1, QStringLiteral("Done"));
    return result;
}

QVector<int> parseBitChoices(const QString& text)
{
    QVector<int> bits;
    for (const QString& part : text.split(u',', Qt::SkipEmptyParts)) {
        const QString p = part.trimmed().toLower();
        bool ok = false;
        const int b = p == QLatin1String("float") ? 32 : p.toInt(&ok);
        if (p != QLatin1String("float") && (!ok || b < 2 || (b > 8 && b != 32)))
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("bit choice '%1' is not 2 to 8 or float (in '%2')").arg(part, text));
        if (!bits.contains(b))
            bits << b;
    }
    std::sort(bits.begin(), bits.end());
    if (bits.isEmpty() || bits.first() > 8)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("bit choices '%1' need at least one integer width from 2 to 8").arg(text));
    return bits;
}

SearchResult runSearch(TrialRunner& runner, const SearchOptions& options, const JobControl& control,
                       const TrialSink& sink)
{
    QElapsedTimer timer;
    timer.start();
    QVector<int> levels = options.bits; // ascending
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    if (levels.isEmpty() || levels.first() > 8)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the search needs at least one integer bit width"));
    if (options.maxDrop < 0 && options.targetBytes <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("the search needs a budget: a largest drop or a target size"));
    if (options.maxLatencyMs > 0 && !levels.contains(8))
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("a latency budget needs 8 among the bit choices: only 8-bit layers run on int8 kernels"));
    if (options.maxLatencyMs > 0 && options.base.mode != TrialMode::Static)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("a latency budget needs static quantization: the int8 kernels it predicts with are static"));
    const bool hasFloat = levels.last() >= 32;
    const int intLevels = hasFloat ? int(levels.size()) - 1 : int(levels.size());
    const int startLevel = intLevels - 1; // the largest integer width

    const QVector<LayerInfo>& layers = runner.model().layers();
    const int layerCount = int(layers.size());
    QuantSpec weightTemplate = options.base.weight;
    if (weightTemplate.type != QuantType::Int)
        weightTemplate = QuantConfig().weight;
    auto weightAt = [&](int level) {
        if (levels[level] >= 32)
            return floatSpec();
        QuantSpec s = weightTemplate;
        s.bits = levels[level];
        return s;
    };
    // The config in which layer i has weight bits levels[level[i]].
    auto configFor = [&](const QVector<int>& level) {
        QuantConfig c = options.base;
        for (int i = 0; i < layerCount; ++i) {
            const QString& name = layers[i].name;
            QuantConfig::Override o;
            o.hasWeight = o.hasActivation = true;
            o.weight = weightAt(level[i]);
            o.activation = levels[level[i]] >= 32 ? floatSpec() : options.base.activationFor(name);
            c.layers[name] = o;
        }
        return c;
    };

    SearchResult result;
    RunOptions subset;
    subset.evaluationLimit = options.subsetSamples;
    // Progress: sensitivity trials, then at most one candidate per layer and lower level.
    const int planned = layerCount * intLevels + 1 + layerCount * (int(levels.size()) - 1) + 2;
    RunOptions few;
    few.evaluationLimit = options.subsetSamples < 0 ? options.sensitivitySamples
                                                    : qMin(options.subsetSamples, options.sensitivitySamples);
    auto trial = [&](const QuantConfig& config, SearchStep::Kind kind, const QString& name, bool full) {
        const int k = result.trials;
        const double from = qMin(0.95, double(k) / planned), to = qMin(0.97, double(k + 1) / planned);
        RunOptions run = kind == SearchStep::Sensitivity ? few : subset;
        if (full)
            run.evaluationLimit = -1;
        TrialResult r = runner.run(config, slice(control, from, to, QStringLiteral("Search, trial %1: %2").arg(k + 1).arg(name)),
                                   nullptr, run);
        ++result.trials;
        SearchStep step;
        step.kind = kind;
        step.name = name;
        step.drop = r.loss();
        step.sizeBytes = r.sizeBytes;
        step.trialId =
            sink ? sink(config, r, name, kind == SearchStep::Sensitivity ? QStringLiteral("sensitivity") : QStringLiteral("search"))
                 : 0;
        result.steps << step;
        return r;
    };
    auto feasible = [&](const TrialResult& r) { return options.maxDrop < 0 || r.loss() <= options.maxDrop + 1e-12; };
    auto smallEnough = [&](const TrialResult& r) { return options.targetBytes <= 0 || r.sizeBytes <= options.targetBytes; };

    // 1. Sensitivity: each layer alone at each integer width, as added output noise.
    QVector<QVector<double>> noise(layerCount, QVector<double>(int(levels.size()), 0.0));
    for (int i = 0; i < layerCount; ++i) {
        for (int level = 0; level < intLevels; ++level) {
            QuantConfig c = allFloat(options.base.mode, options.base.techniques);
            QuantConfig::Override o;
            o.hasWeight = o.hasActivation = true;
            o.weight = weightAt(level);
            o.activation = options.base.activationFor(layers[i].name);
            c.layers[layers[i].name] = o;
            const TrialResult r = trial(c, SearchStep::Sensitivity,
                                        QStringLiteral("search sensitivity: only %1 at %2").arg(layers[i].name, bitsName(levels[level])),
                                        false);
            noise[i][level] = noiseOf(r.outputSqnr);
        }
    }

    // 2. Start: every layer at the largest integer width; when that already misses the budget
    //    and float is allowed, the noisiest layers go back to float one by one.
    QVector<int> level(layerCount, startLevel);
    TrialResult current = trial(configFor(level), SearchStep::Candidate,
                                QStringLiteral("search start: every layer %1").arg(bitsName(levels[startLevel])), false);
    const TrialResult startResult = current;
    if (hasFloat && !feasible(current)) {
        QVector<int> order(layerCount);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return noise[a][startLevel] > noise[b][startLevel]; });
        for (int i : order) {
            level[i] = int(levels.size()) - 1;
            current = trial(configFor(level), SearchStep::Candidate,
                            QStringLiteral("search: %1 to float").arg(layers[i].name), false);
            if (feasible(current))
                break;
        }
    }
    result.steps.last().accepted = true;

    // Latency budget: one float and one int8 profile of the start (every layer 8 bits) give each
    // layer's time both ways; a layer below 8 bits runs float (no int8 kernel there).
    LatencyProfile floatProfile, int8Profile;
    double predictionScale = 1; // measured / predicted, after a measurement over the budget
    auto predictLatency = [&](const QVector<int>& lv) {
        double ms = int8Profile.betweenMs;
        for (int i = 0; i < layerCount; ++i)
            ms += levels[lv[i]] == 8 && int8Profile.layers[i].int8 ? int8Profile.layers[i].totalMs() : floatProfile.layers[i].totalMs();
        // Without the hooks' overhead, and as the last measurement corrected it.
        return predictionScale * ms * int8Profile.endToEndMs / qMax(1e-9, int8Profile.profiledMs());
    };
    auto tooSlow = [&](const QVector<int>& lv) { return options.maxLatencyMs > 0 && predictLatency(lv) > options.maxLatencyMs; };
    LatencyOptions latency;
    latency.batch = options.latencyBatch;
    latency.runs = options.latencyRuns;
    if (options.maxLatencyMs > 0) {
        Model& model = *runner.sharedModel();
        floatProfile = floatLatency(model, runner.data(), runner.options().calibrationSamples, latency, control);
        int8Profile = int8Latency(model, runner.data(), configFor(QVector<int>(layerCount, startLevel)), startResult,
                                  runner.options(), latency, control);
    }

    // 3. Lowering, cheapest first: least added noise per byte saved.
    QVector<QVector<int>> accepted{level};
    // One candidate on the subset: kept (the current configuration) when within the budget.
    auto tryMove = [&](const QVector<int>& next, const QString& name) {
        const TrialResult r = trial(configFor(next), SearchStep::Candidate, name, false);
        if (!feasible(r))
            return false;
        level = next;
        current = r;
        accepted << level;
        result.steps.last().accepted = true;
        return true;
    };
    QVector<bool> blocked(layerCount, false);
    if (feasible(current)) {
        while (!(options.maxDrop < 0 && smallEnough(current))) {
            int pick = -1;
            double bestCost = std::numeric_limits<double>::infinity();
            for (int i = 0; i < layerCount; ++i) {
                if (blocked[i] || level[i] == 0 || levels[level[i]] >= 32)
                    continue;
                QVector<int> lower = level;
                --lower[i];
                if (tooSlow(lower) && !tooSlow(level)) { // it would leave its int8 kernel beyond the budget
                    blocked[i] = true;
                    continue;
                }
                const double saved = double(layers[i].weightCount) * (levels[level[i]] - levels[level[i] - 1]);
                const double cost = (noise[i][level[i] - 1] - noise[i][level[i]]) / saved;
                if (cost < bestCost) {
                    bestCost = cost;
                    pick = i;
                }
            }
            if (pick < 0)
                break;
            QVector<int> next = level;
            --next[pick];
            if (!tryMove(next, QStringLiteral("search: %1 %2 → %3")
                                   .arg(layers[pick].name, bitsName(levels[level[pick]]), bitsName(levels[next[pick]]))))
                blocked[pick] = true;
        }
    }

    // 3b–4, in rounds: with a latency budget, while the prediction is over it, layers move to 8
    // bits, the largest time saved first, as long as the accuracy budget holds; the result is
    // confirmed on the whole evaluation split (stepping back while it misses the accuracy
    // budget), and its int8 model measured. A measurement over the budget (a mix of int8 and
    // float layers pays for the conversions between them, which per-layer times do not show)
    // scales the prediction by measured / predicted for the next round; at most three rounds.
    const qint64 fullSize = runner.data().evaluationRange(runner.options().calibrationSamples, runner.options().evaluationLimit).size();
    const bool subsetIsAll = options.subsetSamples < 0 || options.subsetSamples >= fullSize;
    const int int8Level = int(levels.indexOf(8));
    QVector<bool> stays(layerCount, false);
    TrialResult confirmed;
    for (int round = 0;; ++round) {
        while (options.maxLatencyMs > 0 && feasible(current) && tooSlow(level)) {
            int pick = -1;
            double bestGain = 0;
            for (int i = 0; i < layerCount; ++i) {
                const double gain = floatProfile.layers[i].totalMs() - int8Profile.layers[i].totalMs();
                if (!stays[i] && level[i] != int8Level && int8Profile.layers[i].int8 && gain > bestGain) {
                    bestGain = gain;
                    pick = i;
                }
            }
            if (pick < 0)
                break;
            QVector<int> next = level;
            next[pick] = int8Level;
            if (!tryMove(next, QStringLiteral("search latency: %1 %2 → 8 bits (int8 kernel)")
                                   .arg(layers[pick].name, bitsName(levels[level[pick]]))))
                stays[pick] = true;
        }

        if (subsetIsAll) {
            // The candidates already used every sample: the last one kept is the result.
            confirmed = current;
            for (auto it = result.steps.rbegin(); it != result.steps.rend(); ++it)
                if (it->accepted) {
                    result.bestTrialId = it->trialId;
                    break;
                }
        } else {
            for (;;) {
                level = accepted.last();
                QStringList parts;
                for (int i = 0; i < layerCount; ++i)
                    parts << QStringLiteral("%1 %2").arg(layers[i].name, bitsName(levels[level[i]]));
                confirmed = trial(configFor(level), SearchStep::Confirmation,
                                  QStringLiteral("search result: %1").arg(parts.join(QStringLiteral(", "))), true);
                if (feasible(confirmed) || accepted.size() == 1)
                    break;
                accepted.removeLast();
            }
            result.steps.last().accepted = true;
            result.bestTrialId = result.steps.last().trialId;
        }
        level = accepted.last();
        result.best = configFor(level);
        if (options.maxLatencyMs <= 0)
            break;
        result.predictedLatencyMs = predictLatency(level);
        try {
            result.latencyMs =
                int8Latency(*runner.sharedModel(), runner.data(), result.best, confirmed, runner.options(), latency, control).endToEndMs;
        } catch (const EngineError& e) {
            if (e.kind() != ErrorKind::BadInput)
                throw;
            result.latencyMs = floatProfile.endToEndMs; // no layer on int8 kernels: float at best
        }
        if (result.latencyMs <= options.maxLatencyMs || round == 2 || !feasible(confirmed))
            break;
        predictionScale *= result.latencyMs / result.predictedLatencyMs;
        current = confirmed;
    }
    result.bestResult = confirmed;
    for (int i = 0; i < layerCount; ++i)
        result.bits[layers[i].name] = levels[level[i]];
    result.withinBudget = feasible(confirmed) && smallEnough(confirmed);
    if (options.maxLatencyMs > 0) {
        result.latencyBatch = latency.batch;
        result.floatLatencyMs = floatProfile.endToEndMs;
        result.withinBudget = result.withinBudget && result.latencyMs <= options.maxLatencyMs;
    }
    result.subsetSamples = qMin(options.subsetSamples < 0 ? fullSize : options.subsetSamples, fullSize);
    result.evaluationSamples = confirmed.evaluationSamples;
    result.seconds = timer.nsecsElapsed() / 1e9;
    const QLocale locale;
    result.summary =
        QStringLiteral("%1: %2 bytes (%3× smaller), %4 %5 (float %6, %7) on all %8 evaluation samples; "
                       "%9 trials (layer sensitivity on the first %10 samples, candidates on the first %11), in %12 s")
            .arg(result.withinBudget ? QStringLiteral("Within the budget") : QStringLiteral("No configuration met the budget"))
            .arg(locale.toString(confirmed.sizeBytes))
            .arg(locale.toString(confirmed.compression(), 'f', 2))
            .arg(metricName(confirmed.metric))
            .arg(formatScore(confirmed.metric, confirmed.score()))
            .arg(formatScore(confirmed.metric, confirmed.floatScore()))
            .arg(formatChange(confirmed.metric, confirmed.score() - confirmed.floatScore()))
            .arg(locale.toString(confirmed.evaluationSamples))
            .arg(result.trials)
            .arg(locale.toString(qMin(few.evaluationLimit < 0 ? fullSize : few.evaluationLimit, fullSize)))
            .arg(locale.toString(result.subsetSamples))
            .arg(locale.toString(result.seconds, 'f', 1));
    if (options.maxLatencyMs > 0)
        result.summary += QStringLiteral("; int8 latency at batch %1: %2 ms measured (budget %3 ms, predicted %4 ms, float %5 ms)")
                              .arg(result.latencyBatch)
                              .arg(locale.toString(result.latencyMs, 'f', 3), locale.toString(options.maxLatencyMs, 'f', 3),
                                   locale.toString(result.predictedLatencyMs, 'f', 3), locale.toString(result.floatLatencyMs, 'f', 3));
    control.report(1, QStringLiteral("Done"));
    return result;
}

} // namespace qs
