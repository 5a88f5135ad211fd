#pragma once
// The Session sits between the engine and the window (as hotspot's PerfParser and heaptrack's
// Parser do): it owns the open model, its data, profile and trial runner, the one engine
// thread (JobTracker) and the trial history; the window only starts work and shows what the
// typed signals hand it. Qt Core only: tested without widgets (tst_session).

#include "data.h"
#include "int8.h"
#include "latency.h"
#include "presets.h"
#include "profile.h"
#include "search.h"
#include "store.h"
#include "trial.h"

#include <QMetaType>
#include <QObject>

#include <atomic>
#include <memory>

namespace qs {

class JobTracker;
class Model;
class TrialHistory;
class TrialRunner;

/// The trial on screen: its result and configuration, and where it is recorded.
struct ShownTrial {
    bool valid = false;
    TrialResult result;
    QuantConfig config;
    qint64 id = 0;       ///< its id in the trial database; 0 when it was not recorded
    QString notRecorded; ///< why it was not recorded (id 0)
    QString name;        ///< its name in the history
    QString title;       ///< "trial 12 (name) of model.pt", for exports and status lines
    /// With cross-layer equalization: each layer's weight and input-activation statistics (on
    /// the calibration split) after it; empty otherwise.
    QVector<TensorStats> equalizedWeights;
    QVector<TensorStats> equalizedActivations;
};

class Session : public QObject
{
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    JobTracker* jobs() const { return m_jobs; }
    TrialHistory* history() const { return m_history; }
    void setDatabasePath(const QString& path);
    QString databasePath() const;
    /// The data the next open() reads (the data already loaded is kept when it is the same);
    /// `loaded`, when it is that spec's, is used instead of reading it again.
    void setDataSpec(const DataSpec& spec, std::shared_ptr<Dataset> loaded = nullptr);
    const DataSpec& dataSpec() const { return m_dataSpec; }

    bool isOpen() const { return m_model != nullptr; }
    /// A model is open and runs on the open data (trials can run).
    bool canRunTrials() const { return m_runner != nullptr; }
    const ProfileReport& profile() const { return m_profile; }
    Task task() const { return taskOf(m_profile.metric); }
    QString modelPath() const { return m_modelPath; } ///< empty for the demo
    QString modelName() const;
    QString modelSha256() const;
    QStringList layerNames() const;
    /// The loaded data, for pictures of samples; null before a model is open.
    std::shared_ptr<const Dataset> data() const { return m_data; }

    /// Opens a TorchScript file (empty: the demo) on the data spec and profiles it, scoring
    /// `output` of forward's outputs (Model::setOutput; empty: the usual one). The model shown
    /// before stays open when this one fails.
    void open(const QString& path, const QString& output = QString());
    /// Opens the open model again, scoring another of its outputs (ProfileReport::outputChoices).
    void chooseOutput(const QString& output) { open(m_modelPath, output); }
    /// Runs and records one trial; trialFinished carries the result and its id.
    void runTrial(const QuantConfig& config);
    /// One layer at a time (and all but one) on the first `samples` evaluation samples.
    void runSensitivity(const QuantConfig& config, qint64 samples);
    /// Each layer's activation range method by its own output error.
    void chooseRanges(const QuantConfig& config);
    /// The mixed-precision search; every candidate is recorded and reported as it is evaluated.
    void search(const SearchOptions& options, bool chooseMethodsFirst);
    /// The shown trial on LibTorch's int8 kernels; with a path, the int8 model is saved there.
    void runInt8(const ShownTrial& trial, const QString& savePath = QString());
    /// Where a forward pass's time goes at `batch`: the float model, and (for a trial that can
    /// run on int8 kernels) its int8 model; latencyMeasured follows.
    void measureLatency(const ShownTrial& trial, int batch);
    /// One layer's weight quantized as `spec` says, queued behind any running job.
    void previewWeight(int site, const QuantSpec& spec);
    /// What the clipping range [lo, hi] would do to one layer's weight (from the tensor) or input
    /// activation (from its calibration histogram), on the engine thread; only the latest
    /// request is computed and reported (rangePreviewed).
    void previewRange(int site, bool weight, double lo, double hi, const QuantSpec& spec);
    /// A recorded trial's weights after quantization (the history keeps their qparams, not these
    /// histograms), recomputed from the model behind any running job; quantizedWeightsReady follows.
    void recomputeQuantizedWeights(const ShownTrial& trial);
    /// The model with the trial's quantization baked in, written to `path` after any running job.
    /// Writes a trial's PyTorch script with the weights its techniques changed beside it (both
    /// on the engine thread, weights first); baked or bakeFailed (with the script's path) follows.
    void exportScriptWithWeights(const ShownTrial& trial, const QByteArray& script, const QString& scriptPath,
                                 const QString& weightsPath);
    void bake(const ShownTrial& trial, const QString& path);
    /// A recorded trial of the open model as a ShownTrial; throws EngineError(BadInput) when
    /// it is unknown or of another model.
    ShownTrial storedTrial(qint64 id);
    void cancel();

Q_SIGNALS:
    void modelOpened(const qs::ProfileReport& profile);
    void openFailed(const QString& message);
    void trialFinished(const qs::ShownTrial& trial);
    void trialFailed(const QString& message);
    /// A trial of a running sensitivity analysis or search was recorded (id 0: it could not be).
    void trialRecorded(qint64 id, const QString& origin, double loss);
    void sensitivityFinished(const qs::SensitivityResult& result, const QString& settings);
    void rangeMethodsChosen(const qs::RangeMethodResult& result);
    void searchFinished(const qs::SearchResult& result);
    void int8Finished(const qs::Int8Result& result, const QString& savePath);
    /// The float profile, and the int8 one when the trial ran on int8 kernels (otherwise
    /// `int8Problem` says why not).
    void latencyMeasured(const QVector<qs::LatencyProfile>& profiles, const QString& int8Problem);
    void weightPreviewed(int site, const QString& spec, const qs::LayerTrialResult& preview);
    void previewFailed(const QString& message);
    void rangePreviewed(int site, bool weight, double lo, double hi, const qs::RangeEffect& effect);
    /// Per layer, the weight fields of the recorded trial recomputed (quantized histogram, level usage).
    /// With the weight statistics after equalization for a trial with it (empty otherwise).
    void quantizedWeightsReady(qint64 trialId, const QVector<qs::LayerTrialResult>& weights,
                               const QVector<qs::TensorStats>& equalizedWeights,
                               const QVector<qs::TensorStats>& equalizedActivations);
    void baked(const QString& path);
    void bakeFailed(const QString& path, const QString& message);
    /// A job the user started failed (`title` says which).
    void jobFailed(const QString& title, const QString& message);
    /// A job was cancelled; `message` says which and what was kept.
    void jobCancelled(const QString& message);

private:
    /// Keeps a recorded trial's int8 and float end-to-end latency in the history.
    void recordLatency(qint64 id, int batch, double floatMs, double int8Ms);
    /// How a job titled `title` reports failure or cancel; `records`: it recorded trials as it went.
    std::function<void(ErrorKind, QString)> failure(const QString& title, bool records = false);

    JobTracker* m_jobs;
    TrialHistory* m_history;
    DataSpec m_dataSpec;
    QString m_modelPath;
    std::shared_ptr<Model> m_model;
    std::shared_ptr<Dataset> m_data;
    std::shared_ptr<Dataset> m_nextData; ///< loaded for the next open() (by the Open Data dialog)
    ProfileReport m_profile;
    std::shared_ptr<TrialRunner> m_runner;
    std::shared_ptr<std::atomic<qint64>> m_rangeRequest = std::make_shared<std::atomic<qint64>>(0);
};

} // namespace qs

Q_DECLARE_METATYPE(qs::ShownTrial)
Q_DECLARE_METATYPE(qs::ProfileReport)
Q_DECLARE_METATYPE(qs::SensitivityResult)
Q_DECLARE_METATYPE(qs::RangeMethodResult)
Q_DECLARE_METATYPE(qs::SearchResult)
Q_DECLARE_METATYPE(qs::RangeEffect)
Q_DECLARE_METATYPE(qs::Int8Result)
Q_DECLARE_METATYPE(qs::LatencyProfile)
Q_DECLARE_METATYPE(qs::LayerTrialResult)
Q_DECLARE_METATYPE(qs::StoredTrial)
Q_DECLARE_METATYPE(QVector<qs::Histogram>)
