#include "session.h"

#include <optional>

#include "cle.h"
#include "export.h"
#include "format.h"
#include "jobtracker.h"
#include "model.h"
#include "recording.h"
#include "runtime.h"
#include "trialhistory.h"

#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>

namespace qs {

namespace {

struct Opened {
    std::shared_ptr<Model> model;
    std::shared_ptr<Dataset> data;
    ProfileReport profile;
};

} // namespace

Session::Session(QObject* parent)
    : QObject(parent), m_jobs(new JobTracker(this)), m_history(new TrialHistory(this)), m_dataSpec(DataSpec::demo())
{
}

Session::~Session()
{
    m_jobs->cancel();
    m_jobs->waitForIdle();
}

void Session::setDatabasePath(const QString& path)
{
    m_history->setDatabasePath(path);
}

QString Session::databasePath() const
{
    return m_history->databasePath();
}

void Session::setDataSpec(const DataSpec& spec, std::shared_ptr<Dataset> loaded)
{
    m_dataSpec = spec;
    m_nextData = loaded && loaded->spec().toString() == spec.toString() ? std::move(loaded) : nullptr;
}

QString Session::modelName() const
{
    return m_model ? m_model->displayName() : QString();
}

QString Session::modelSha256() const
{
    return m_model ? m_model->sha256() : QString();
}

QStringList Session::layerNames() const
{
    QStringList names;
    if (m_model)
        for (const LayerInfo& l : m_model->layers())
            names << l.name;
    return names;
}

std::function<void(ErrorKind, QString)> Session::failure(const QString& title, bool records)
{
    return [this, title, records](ErrorKind kind, const QString& message) {
        if (kind != ErrorKind::Cancelled)
            Q_EMIT jobFailed(title, message);
        else if (records)
            Q_EMIT jobCancelled(tr("%1: cancelled; the trials evaluated so far are in the history").arg(title));
        else
            Q_EMIT jobCancelled(tr("%1: cancelled").arg(title));
    };
}

void Session::open(const QString& path, const QString& output)
{
    const DataSpec spec = m_dataSpec;
    // The data already loaded, when it is the same spec: the open model's, or the Open Data
    // dialog's preview.
    std::shared_ptr<Dataset> loaded = m_nextData;
    if (!loaded && m_data && m_data->spec().toString() == spec.toString())
        loaded = m_data;
    const QString shown = path.isEmpty() ? demoModelName() : QFileInfo(path).fileName();
    std::function<Opened(const JobControl&)> job = [path, spec, loaded, output](const JobControl& control) {
        Opened o;
        control.report(0, QStringLiteral("Loading model"));
        o.model = path.isEmpty() ? loadDemoModel() : Model::load(path);
        o.model->setOutput(output);
        control.checkCancelled();
        control.report(0, QStringLiteral("Loading data"));
        o.data = loaded ? loaded : Dataset::load(spec);
        control.checkCancelled();
        ProfileOptions options;
        options.weightsWhenDataDoesNotFit = true; // opened on its weights; Open Data… fixes the rest
        o.profile = qs::profile(*o.model, *o.data, options, control);
        o.profile.graph = modelGraph(*o.model);
        return o;
    };
    m_jobs->start<Opened>(
        tr("Opening %1").arg(shown), job,
        [this, path](Opened o) {
            m_model = o.model;
            m_data = o.data;
            m_nextData.reset(); // in use now as m_data
            m_profile = o.profile;
            m_modelPath = path;
            // Trials need data the model runs on.
            // The window has no batch size setting: trials evaluate at the batch chosen from the model's shapes.
            TrialOptions options;
            options.chooseEvaluationBatch = true;
            m_runner = m_profile.dataProblem.isEmpty() ? std::make_shared<TrialRunner>(m_model, m_data, options) : nullptr;
            Q_EMIT modelOpened(m_profile);
            m_history->load(m_model->sha256()); // after: the views know the model's metric
        },
        [this, shown](ErrorKind kind, const QString& message) {
            if (kind == ErrorKind::Cancelled)
                Q_EMIT jobCancelled(tr("Opening %1 cancelled").arg(shown));
            else
                Q_EMIT openFailed(message);
        });
}

namespace {

/// The weights' and input activations' statistics with the weights equalized (for the plots of
/// a trial with cross-layer equalization); activations over the runner's calibration split.
void equalizedStats(TrialRunner& runner, const JobControl& control, QVector<TensorStats>& weights,
                    QVector<TensorStats>& activations)
{
    Model& model = *runner.sharedModel();
    const Dataset& data = runner.data();
    withEqualizedWeights(model, [&] {
        for (int i = 0; i < model.layers().size(); ++i)
            weights << weightStats(model, i);
        activations = activationStats(model, data, data.calibrationRange(runner.options().calibrationSamples),
                                      runner.options().batchSize, control);
    });
}

} // namespace

void Session::runTrial(const QuantConfig& config)
{
    if (!m_runner)
        return;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QString database = databasePath();
    const TrialSubject subject = TrialSubject::of(*m_model, *m_data);
    std::function<ShownTrial(const JobControl&)> job = [=](const JobControl& control) {
        TrialRecorder recorder(database, TrialRecorder::OnFailure::Warn);
        recorder.setSubject(subject);
        ShownTrial t;
        t.valid = true;
        t.config = config;
        RunOptions run;
        run.localErrors = true;
        t.result = runner->run(config, control, recorder.calibrationCache(), run);
        if (config.techniques.cle)
            equalizedStats(*runner, control, t.equalizedWeights, t.equalizedActivations);
        t.id = recorder.record(config, t.result, QStringLiteral("manual"));
        t.notRecorded = recorder.problem();
        if (t.id == 0)
            t.result.warnings << QStringLiteral("not recorded: %1").arg(t.notRecorded);
        t.title = t.id > 0 ? trialTitle(t.id, QString(), subject.modelName)
                           : QStringLiteral("trial with weights %1, activations %2")
                                 .arg(config.weight.toString(), config.activation.toString());
        return t;
    };
    m_jobs->start<ShownTrial>(
        tr("Trial: weights %1, activations %2").arg(config.weight.toString(), config.activation.toString()), job,
        [this](ShownTrial t) {
            m_history->append(t.id);
            Q_EMIT trialFinished(t);
        },
        [this](ErrorKind kind, const QString& message) {
            if (kind == ErrorKind::Cancelled)
                Q_EMIT jobCancelled(tr("Trial cancelled"));
            else
                Q_EMIT trialFailed(message);
        });
}

void Session::runSensitivity(const QuantConfig& config, qint64 samples)
{
    if (!m_runner)
        return;
    SensitivityOptions options;
    options.config = config;
    options.evaluationSamples = samples;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QString database = databasePath();
    const TrialSubject subject = TrialSubject::of(*m_model, *m_data);
    const QString settings = config.weight.toString() + QStringLiteral(" / ") + config.activation.toString();
    std::function<SensitivityResult(const JobControl&)> job = [=](const JobControl& control) {
        TrialRecorder recorder(database, TrialRecorder::OnFailure::Warn);
        recorder.setSubject(subject);
        return qs::runSensitivity(*runner, options, control, recorder.sink([this, &control](qint64 id, const QuantConfig&,
                                                                                             const TrialResult& r,
                                                                                             const QString&,
                                                                                             const QString& origin) {
            const double loss = r.loss();
            control.post([this, id, origin, loss] {
                m_history->append(id);
                Q_EMIT trialRecorded(id, origin, loss);
            });
        }));
    };
    m_jobs->start<SensitivityResult>(
        tr("Sensitivity analysis: %1").arg(settings), job,
        [this, settings](SensitivityResult r) { Q_EMIT sensitivityFinished(r, settings); },
        failure(tr("Sensitivity analysis"), true));
}

void Session::chooseRanges(const QuantConfig& config)
{
    if (!m_runner)
        return;
    std::shared_ptr<TrialRunner> runner = m_runner;
    std::function<RangeMethodResult(const JobControl&)> job = [runner, config](const JobControl& control) {
        return qs::chooseRangeMethods(*runner, config, allRangeMethods(), control);
    };
    m_jobs->start<RangeMethodResult>(
        tr("Choosing activation range methods"), job,
        [this](RangeMethodResult r) { Q_EMIT rangeMethodsChosen(r); }, failure(tr("Choosing range methods")));
}

void Session::search(const SearchOptions& options, bool chooseMethodsFirst)
{
    if (!m_runner)
        return;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QString database = databasePath();
    const TrialSubject subject = TrialSubject::of(*m_model, *m_data);
    const bool chooseMethods = chooseMethodsFirst && options.base.mode == TrialMode::Static;
    std::function<SearchResult(const JobControl&)> job = [=](const JobControl& control) {
        TrialRecorder recorder(database, TrialRecorder::OnFailure::Warn);
        recorder.setSubject(subject);
        SearchOptions o = options;
        if (chooseMethods)
            o.base = qs::chooseRangeMethods(*runner, o.base, allRangeMethods(), JobControl{nullptr, control.cancelled, nullptr})
                         .config;
        SearchResult r = qs::runSearch(*runner, o, control,
                                       recorder.sink([this, &control](qint64 id, const QuantConfig&, const TrialResult& t,
                                                                      const QString&, const QString& origin) {
                                           const double loss = t.loss();
                                           control.post([this, id, origin, loss] {
                                               m_history->append(id);
                                               Q_EMIT trialRecorded(id, origin, loss);
                                           });
                                       }));
        if (!recorder.problem().isEmpty())
            r.summary += QStringLiteral(" (not recorded: %1)").arg(recorder.problem());
        return r;
    };
    const QLocale locale;
    const QString budget =
        QStringList{options.maxDrop < 0 ? QString()
                    : task() == Task::LanguageModel
                        ? tr("perplexity at most %1 above float").arg(locale.toString(options.maxDrop, 'f', 3))
                        : tr("at most %1 points lost").arg(locale.toString(options.maxDrop, 'f', 2)),
                    options.targetBytes > 0 ? tr("at most %1 bytes").arg(formatBytes(options.targetBytes)) : QString(),
                    options.maxLatencyMs > 0 ? tr("int8 at most %1 ms").arg(locale.toString(options.maxLatencyMs, 'f', 3)) : QString()}
            .filter(QRegularExpression(QStringLiteral("."))) // the budgets that are set
            .join(tr(", "));
    m_jobs->start<SearchResult>(
        tr("Search: %1, weight bits %2").arg(budget, formatBitChoices(options.bits)), job,
        [this](SearchResult r) {
            if (r.latencyBatch > 0)
                recordLatency(r.bestTrialId, r.latencyBatch, r.floatLatencyMs, r.latencyMs);
            Q_EMIT searchFinished(r);
        },
        [this](ErrorKind kind, const QString& message) {
            m_history->reload(); // what was recorded before the end
            failure(tr("Search"), true)(kind, message);
        });
}

void Session::recordLatency(qint64 id, int batch, double floatMs, double int8Ms)
{
    if (id <= 0)
        return; // not recorded: nowhere to keep it
    try {
        m_history->setLatency(id, batch, floatMs, int8Ms);
        m_history->reload();
    } catch (const EngineError& e) {
        Q_EMIT jobFailed(tr("Recording the latency"), e.message()); // the measurement itself stands
    }
}

void Session::measureLatency(const ShownTrial& trial, int batch)
{
    if (!m_runner)
        return;
    std::shared_ptr<Model> model = m_model;
    std::shared_ptr<Dataset> data = m_data;
    struct Measured {
        QVector<LatencyProfile> profiles;
        QString int8Problem;
    };
    std::function<Measured(const JobControl&)> job = [=](const JobControl& control) {
        LatencyOptions options;
        options.batch = batch;
        const TrialOptions trialOptions = trial.valid ? recordedTrialOptions(trial.result) : TrialOptions();
        Measured m;
        m.profiles << floatLatency(*model, *data, trialOptions.calibrationSamples, options, control);
        if (!trial.valid)
            m.int8Problem = QStringLiteral("run a trial to time its int8 model");
        else
            try {
                m.profiles << int8Latency(*model, *data, trial.config, trial.result, trialOptions, options, control);
            } catch (const EngineError& e) {
                if (e.kind() != ErrorKind::BadInput)
                    throw;
                m.int8Problem = e.message(); // the float profile still stands
            }
        return m;
    };
    m_jobs->start<Measured>(
        tr("Timing layers"), job,
        [this, id = trial.id](Measured m) {
            if (m.profiles.size() > 1)
                recordLatency(id, m.profiles[0].batch, m.profiles[0].endToEndMs, m.profiles[1].endToEndMs);
            Q_EMIT latencyMeasured(m.profiles, m.int8Problem);
        },
        failure(tr("Latency")));
}

void Session::runInt8(const ShownTrial& trial, const QString& savePath)
{
    if (!m_model)
        return;
    std::shared_ptr<Model> model = m_model;
    std::shared_ptr<Dataset> data = m_data;
    const TrialOptions options = recordedTrialOptions(trial.result); // the trial's own split
    std::function<Int8Result(const JobControl&)> job = [=](const JobControl& control) {
        Int8Result r = buildInt8Model(*model, *data, trial.config, trial.result, options, control);
        if (!savePath.isEmpty())
            writeFileAtomically(savePath, r.torchscript);
        return r;
    };
    m_jobs->start<Int8Result>(
        tr("int8 kernels: %1").arg(trial.title), job,
        [this, savePath, id = trial.id](Int8Result r) {
            recordLatency(id, 1, r.floatMs1, r.int8Ms1);
            Q_EMIT int8Finished(r, savePath);
        },
        failure(tr("int8 kernels")));
}

void Session::previewWeight(int site, const QuantSpec& spec)
{
    if (!m_model)
        return;
    std::shared_ptr<Model> model = m_model;
    std::function<LayerTrialResult(const JobControl&)> job = [model, site, spec](const JobControl&) {
        return qs::previewWeight(*model, site, spec);
    };
    const QString text = spec.toString();
    m_jobs->queue<LayerTrialResult>(
        job,
        [this, model, site, text](LayerTrialResult r) {
            if (model == m_model) // another model since: drop it
                Q_EMIT weightPreviewed(site, text, r);
        },
        [this](ErrorKind, const QString& message) { Q_EMIT previewFailed(message); }); // a status line, no dialog
}

void Session::previewRange(int site, bool weight, double lo, double hi, const QuantSpec& spec)
{
    if (!m_model || site < 0 || site >= m_profile.layers.size() || !(lo < hi))
        return;
    const qint64 request = ++*m_rangeRequest;
    std::shared_ptr<std::atomic<qint64>> latest = m_rangeRequest;
    std::shared_ptr<Model> model = m_model;
    const Histogram activations = m_profile.layers[site].activation.histogram;
    std::function<std::optional<RangeEffect>(const JobControl&)> job =
        [=](const JobControl&) -> std::optional<RangeEffect> {
        if (latest->load() != request) // a newer range is on its way: this one is stale
            return std::nullopt;
        return weight ? weightRangeEffect(*model, site, lo, hi, spec) : rangeEffect(activations, lo, hi, spec);
    };
    m_jobs->queue<std::optional<RangeEffect>>(
        job,
        [=](std::optional<RangeEffect> effect) {
            if (effect && model == m_model && latest->load() == request)
                Q_EMIT rangePreviewed(site, weight, lo, hi, *effect);
        },
        failure(tr("Range preview")));
}

void Session::recomputeQuantizedWeights(const ShownTrial& trial)
{
    if (!m_model || trial.id <= 0 || !m_runner)
        return;
    std::shared_ptr<Model> model = m_model;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QVector<LayerTrialResult> layers = trial.result.layers;
    const bool equalized = trial.config.techniques.cle;
    struct Weights {
        QVector<LayerTrialResult> layers;
        QVector<TensorStats> equalizedWeights, equalizedActivations;
    };
    std::function<Weights(const JobControl&)> job = [model, runner, layers, equalized](const JobControl& control) {
        Weights w;
        w.layers.resize(layers.size());
        auto quantize = [&] {
            for (int i = 0; i < layers.size(); ++i)
                if (layers[i].weightSpec != QLatin1String("float"))
                    w.layers[i] = qs::previewWeight(*model, i, QuantSpec::parse(layers[i].weightSpec));
        };
        if (equalized) { // the trial quantized the equalized weights
            withEqualizedWeights(*model, quantize);
            equalizedStats(*runner, control, w.equalizedWeights, w.equalizedActivations);
        } else {
            quantize();
        }
        return w;
    };
    const qint64 id = trial.id;
    m_jobs->queue<Weights>(
        job,
        [this, model, id](Weights w) {
            if (model == m_model)
                Q_EMIT quantizedWeightsReady(id, w.layers, w.equalizedWeights, w.equalizedActivations);
        },
        failure(tr("Quantized weights")));
}

void Session::exportScriptWithWeights(const ShownTrial& trial, const QByteArray& script, const QString& scriptPath,
                                      const QString& weightsPath)
{
    if (!m_model)
        return;
    std::shared_ptr<Model> model = m_model;
    std::function<bool(const JobControl&)> job = [=](const JobControl&) {
        writeFileAtomically(weightsPath, trialStateDict(*model, trial.config, trial.result));
        writeFileAtomically(scriptPath, script);
        return true;
    };
    m_jobs->queue<bool>(
        job, [this, scriptPath](bool) { Q_EMIT baked(scriptPath); },
        [this, scriptPath](ErrorKind, const QString& message) { Q_EMIT bakeFailed(scriptPath, message); });
}

void Session::bake(const ShownTrial& trial, const QString& path)
{
    if (!m_model)
        return;
    // The model is the engine thread's: bake it there, after any running job.
    std::shared_ptr<Model> model = m_model;
    std::function<bool(const JobControl&)> job = [model, trial, path](const JobControl&) {
        writeFileAtomically(path, bakedTorchScript(*model, trial.config, trial.result));
        return true;
    };
    m_jobs->queue<bool>(
        job, [this, path](bool) { Q_EMIT baked(path); },
        [this, path](ErrorKind, const QString& message) { Q_EMIT bakeFailed(path, message); });
}

ShownTrial Session::storedTrial(qint64 id)
{
    const StoredTrial t = m_history->trial(id);
    if (!m_model || t.modelSha256 != m_model->sha256() || t.result.layers.size() != m_profile.layers.size())
        throw EngineError(ErrorKind::BadInput, tr("Trial %1 is of another model").arg(id));
    ShownTrial s;
    s.valid = true;
    s.result = t.result;
    s.config = t.settings;
    s.id = id;
    s.name = t.name;
    s.title = trialTitle(id, t.name, t.modelName);
    return s;
}

void Session::cancel()
{
    m_jobs->cancel();
}

} // namespace qs
