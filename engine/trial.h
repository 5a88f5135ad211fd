#pragma once
// Trials: quantize a model as a config says, evaluate it, and report what it costs per layer.

#include "data.h"
#include "errors.h"
#include "model.h"
#include "quant.h"
#include "ranges.h"
#include "stats.h"

#include <QByteArray>
#include <QStringList>
#include <QVector>

#include <limits>
#include <memory>

namespace qs {

/// Activation bytes an evaluation batch chosen by evaluationBatchFor may hold at the layers.
constexpr qint64 kEvaluationBatchBytes = qint64(64) << 20;

/// The evaluation batch for users who chose none: the largest power of two from 16 to 256 whose
/// activations at the layers (as Model measured their shapes) fit kEvaluationBatchBytes and a
/// quarter of the memory budget. A rule from shapes, never a stopwatch: the same trial gives the
/// same numbers on every run.
int evaluationBatchFor(const Model& model);

struct TrialOptions {
    qint64 calibrationSamples = kDefaultCalibrationSamples;
    qint64 evaluationLimit = -1;
    int batchSize = kDefaultBatchSize; ///< calibration, and evaluation unless chosen from the model
    /// Evaluate static and weight-only trials at evaluationBatchFor(model) (a rule from the
    /// model's activation shapes, the same on every run), not at batchSize. For users who did not
    /// choose a batch size: calibration and dynamic trials (whose activation ranges are per batch)
    /// keep batchSize.
    bool chooseEvaluationBatch = false;
    qint64 errorSamples = 256; ///< first evaluation samples on which per-layer output errors are measured
    /// Bytes the float model's values at a cut may take over all batches: kept so that a trial
    /// that leaves the first layers float runs only the graph from the first layer it changes
    /// (prefix reuse; the results are the same). -1: a quarter of the engine's memory budget;
    /// 0: every trial runs the whole graph.
    qint64 prefixBudgetBytes = -1;
};

/// How a quantized tensor uses its levels: for each output channel, how many values fall on
/// each integer level from quantMin to quantMax.
struct LevelUsage {
    int channels = 0;
    int levels = 0;
    qint64 quantMin = 0;
    QVector<qint64> counts; ///< channels × levels, row by row
    qint64 count(int channel, int level) const { return counts[channel * levels + level]; }
    /// The share of (channel, level) cells no value falls on: 0 when every channel uses every
    /// level, near 1 when channels are squeezed onto a few. NaN when empty.
    double unusedShare() const;
};

struct LayerTrialResult {
    QString name;
    QString weightSpec;        ///< shorthand of the spec applied
    QString activationSpec;    ///< "float" when the input activation stays float
    int weightBits = 32;
    double weightSqnr = 0;     ///< dB, weight against its quantized copy; +inf when unchanged
    double activationSqnr = 0; ///< dB, input activation against its quantized value; +inf when float
    double outputSqnr = 0;     ///< dB, this layer's output in the quantized model against the float model
    double outputMse = 0;
    double outputCosine = 1;
    double outputMaxAbsError = 0;
    /// dB, this layer's output with only its own quantization — its input taken from the float
    /// model, then quantized as the trial says — against the float model's (the isolated error,
    /// ONNX Runtime's qdq_err); NaN when the trial did not measure it (RunOptions::localErrors).
    double localSqnr = std::numeric_limits<double>::quiet_NaN();
    /// The input activation's quantization error in steps: RMS error / scale (TFLite's debugger
    /// yardstick; 1/√12 ≈ 0.289 is rounding alone, more means clipping). NaN: float input.
    double rmseOverScale = std::numeric_limits<double>::quiet_NaN();
    /// The weight's quantization MSE split by where the values lie: inside the clipping range
    /// (rounding) or outside it (clipping); the two add up to the weight's MSE. Clipped share:
    /// the fraction of values outside.
    double weightRoundingMse = 0, weightClippingMse = 0, weightClippedShare = 0;
    /// The same for the input activation, on the error samples (0 when it stays float).
    double activationRoundingMse = 0, activationClippingMse = 0, activationClippedShare = 0;
    /// The weight's level usage (integer weights; empty otherwise) and its unused share (NaN:
    /// float weights or a recurrent layer). The counts are not kept in the trial database.
    LevelUsage weightLevels;
    double weightUnusedLevels = std::numeric_limits<double>::quiet_NaN();
    /// Cross-layer equalization: the layer after it whose input channels were equalized with its
    /// output channels ("" when none), with the per-channel scales its weight (and bias) were
    /// divided by and that layer's input channels multiplied by; and the layer before it whose
    /// scales its input channels took ("" when none). A layer in a chain has both.
    QString equalizedWith;
    QVector<double> equalizationScales;
    QString equalizedAfter;
    /// High-bias absorption: per output channel, what moved from this layer's bias into the next's
    /// (empty when not done).
    QVector<double> highBiasAbsorbed;
    /// Bias correction: per output channel, what was subtracted from the bias (E[Wq·x] − E[W·x]
    /// on the calibration data); empty when the layer was not corrected.
    QVector<double> biasCorrection;
    /// AdaRound: the share of weights rounded away from nearest, and the layer's reconstruction
    /// loss (mean squared output error on its calibration inputs) with nearest rounding and with
    /// AdaRound's; NaN when the layer was not AdaRounded. adaroundUp: which weights round up
    /// from floor(W / s), one bit per weight in row-major order (LSB first), kept with the trial
    /// so that exports reproduce it; empty when not AdaRounded.
    double adaroundFlipped = std::numeric_limits<double>::quiet_NaN();
    double adaroundLossNearest = std::numeric_limits<double>::quiet_NaN();
    double adaroundLoss = std::numeric_limits<double>::quiet_NaN();
    QByteArray adaroundUp;
    /// SeqMSE: the candidate (1 … 20: k/20 of the min/max range) each output channel (or the
    /// tensor) chose, and the layer's output MSE on its calibration inputs with min-max ranges and
    /// with the chosen ones (NaN when the layer's range was not chosen so).
    QVector<int> seqmseChosen;
    double seqmseOutputMseMinMax = std::numeric_limits<double>::quiet_NaN();
    double seqmseOutputMse = std::numeric_limits<double>::quiet_NaN();
    QParams weightQParams;
    QParams activationQParams; ///< empty for dynamic or float activations
    Histogram quantizedWeight; ///< histogram of the fake-quantized weight (2048 bins)
};

/// How one activation spec's calibration converged: each site's qparams after each
/// calibration batch (from the one calibration pass; the last step is what trials use).
struct CalibrationTrace {
    QString spec;
    QVector<qint64> samples;         ///< calibration samples seen after each step
    QVector<QVector<QParams>> steps; ///< per step, per site (empty qparams: the site is not observed)
    /// The fewest samples after which every observed site's scale stays within `tolerance` of
    /// its final value; -1 without steps.
    qint64 convergedAt(double tolerance = 0.01) const;
};

struct TrialResult {
    Metric metric = Metric::Agreement;
    bool hasAccuracy = false;  ///< false: top1 is agreement with the float model's top-1
    /// Fraction over the evaluation split; for token windows, next-token accuracy over every
    /// predicted token (position t predicts token t + 1).
    double top1 = 0;
    double floatTop1 = 0;
    double perplexity = 0;     ///< token windows: exp of the mean next-token cross-entropy
    double floatPerplexity = 0;
    /// The headline figure: top-1 in percent, or perplexity.
    double score() const { return metric == Metric::Perplexity ? perplexity : 100 * top1; }
    double floatScore() const { return metric == Metric::Perplexity ? floatPerplexity : 100 * floatTop1; }
    /// How much worse than float, in the metric's unit: points of top-1 lost, or perplexity
    /// gained. Negative when the quantized model does better.
    double loss() const { return metric == Metric::Perplexity ? perplexity - floatPerplexity : 100 * (floatTop1 - top1); }
    double outputSqnr = 0;     ///< dB, model output against float (token windows: on the error samples)
    qint64 sizeBytes = 0;      ///< quantized weights + scale/zero point per channel + float parameters
    qint64 floatBytes = 0;     ///< every parameter at 32 bits
    double compression() const { return sizeBytes > 0 ? double(floatBytes) / double(sizeBytes) : 0; }
    qint64 evaluationSamples = 0;
    qint64 errorSamples = 0;
    qint64 nonFiniteSamples = 0; ///< evaluation samples whose input holds NaN or infinity (also in warnings)
    double seconds = 0;            ///< the whole trial
    /// The layer the evaluation started from, on the float model's values kept before it
    /// (every layer before it float in this trial); -1: the whole model ran.
    int startLayer = -1;
    int batchSize = 0;             ///< samples per forward pass in the evaluation
    /// The calibration split: the data set's first calibrationSamples samples, calibrated in
    /// batches of calibrationBatch; the evaluation split follows it. -1 and 0: not recorded
    /// (trials stored before schema 7); calibrationSamples 0 is a real split (calibration data
    /// of its own).
    qint64 calibrationSamples = -1;
    int calibrationBatch = 0;
    /// Batches whose values at that cut did not fit the memory budget (computed, not kept).
    int batchesNotKept = 0;
    double referenceSeconds = 0;   ///< float reference outputs (0 when reused)
    double calibrationSeconds = 0; ///< calibration of new activation specs (about 0 when reused)
    int calibrationsRun = 0;       ///< activation specs calibrated by this trial (0: all reused)
    QVector<LayerTrialResult> layers;
    /// The calibration of each static integer activation spec the trial uses, step by step
    /// (empty when it was calibrated in an earlier session and its trace was not kept).
    QVector<CalibrationTrace> calibration;
    QStringList warnings;
    /// Samples whose top-1 the quantization changed (dataset indices, at most the first 1,000),
    /// with the float and the quantized prediction. Not kept in the trial database.
    struct Disagreement {
        qint64 sample = 0;
        int floatClass = 0;
        int quantizedClass = 0;
        int label = -1; ///< -1 without labels
    };
    QVector<Disagreement> disagreements;
    qint64 disagreementCount = 0; ///< all of them, also beyond the first 1,000
};

/// The first layer (in the model's order) whose output SQNR in the quantized model is more than
/// `dB` below the layer before it — where the error the model accumulates jumps; -1 for none.
/// Layers whose output is unchanged (+inf) count as the layer before the next one.
int firstErrorDrop(const QVector<LayerTrialResult>& layers, double dB = 3);

/// A score as users read it: "91.79%" for top-1 (score in percent), "3.412" for perplexity.
QString formatScore(Metric metric, double score);
/// A change of score, signed: "−0.40 points" (top-1), "+0.012 perplexity".
QString formatChange(Metric metric, double change);

/// One layer's weight quantized as `spec` says, without running the model: the weight fields
/// of the result (spec applied, bits, qparams, SQNR, quantized histogram). For previews.
LayerTrialResult previewWeight(const Model& model, int site, const QuantSpec& spec, QStringList* warnings = nullptr);

/// What the fixed clipping range [lo, hi] (per tensor, `spec`'s type) does to one layer's weight:
/// SQNR and the rounding / clipping split, from the weight tensor itself.
RangeEffect weightRangeEffect(const Model& model, int site, double lo, double hi, const QuantSpec& spec);

/// Keeps calibrated activation qparams across sessions (the trial database implements it).
class CalibrationCache
{
public:
    virtual ~CalibrationCache() = default;
    /// Fills `qparams` (one per site) and returns true when `key` was calibrated before.
    virtual bool load(const QString& key, QVector<QParams>& qparams) = 0;
    virtual void save(const QString& key, const QVector<QParams>& qparams) = 0;
};

/// Options of one run of a TrialRunner.
struct RunOptions {
    /// Evaluate on the first N samples of the evaluation split only (-1: all of it). The float
    /// reference of those samples is shared with longer evaluations.
    qint64 evaluationLimit = -1;
    /// Also measure each layer's local (isolated) error, in one more pass over the error
    /// samples: every layer fed the float model's input. Single trials do; sweeps need not.
    bool localErrors = false;
};

/// Runs trials on one model and data set. What does not depend on the configuration — the
/// float model's outputs and each activation spec's calibrated qparams — is computed once and
/// reused by later trials.
/// The options a recorded trial ran with — its calibration split and batch, and its evaluation
/// samples — so that whatever measures it again (int8 kernels, latency, exports) uses the
/// trial's own split. `fallback` fills what an older trial did not record.
TrialOptions recordedTrialOptions(const TrialResult& trial, TrialOptions fallback = {});

class TrialRunner
{
public:
    TrialRunner(std::shared_ptr<Model> model, std::shared_ptr<const Dataset> data, const TrialOptions& options);
    ~TrialRunner();
    /// Runs one trial. The model's weights are restored afterwards, also on error or cancel.
    /// With a cache, calibrations are looked up there first and saved there after.
    TrialResult run(const QuantConfig& config, const JobControl& control, CalibrationCache* cache = nullptr,
                    const RunOptions& options = {});
    /// Each layer's own error under `config`, without the error of the layers before it: every
    /// layer gets the float model's input, quantized as the config says, and its output is
    /// compared with the float model's. Measured on the first `errorSamples` samples of the
    /// calibration split. Only the per-layer fields of the results are filled.
    QVector<LayerTrialResult> isolatedErrors(const QuantConfig& config, const JobControl& control,
                                             CalibrationCache* cache = nullptr);
    const TrialOptions& options() const { return m_options; }
    const Model& model() const { return *m_model; }
    const std::shared_ptr<Model>& sharedModel() const { return m_model; }
    const Dataset& data() const { return *m_data; }
    /// Passes over the calibration split so far (one per new activation spec), for tests.
    int calibrationPasses() const;
    /// The batch size trials of `mode` are evaluated at (see TrialOptions::chooseEvaluationBatch).
    int evaluationBatch(TrialMode mode);

    struct Cache;
    class SwappedWeights;

private:
    QVector<QuantSpec> activationSpecs(const QuantConfig& config) const;
    int calibrate(const QVector<QuantSpec>& actSpecs, const JobControl& control, CalibrationCache* cache);
    void applyWeights(const QuantConfig& config, const QVector<QuantSpec>& actSpecs, SwappedWeights& swapped,
                      TrialResult& r, const JobControl& control);
    /// AdaRound of site `site`'s weight (as the model has it now, the sites before it quantized as
    /// swapped in by `swapped`) under `config`, from the cache or learnt now; null when it does
    /// not apply.
    const struct AdaRounded* adaRounded(const QuantConfig& config, int site, const QParams& q, const SwappedWeights& swapped,
                                        const JobControl& control);
    /// SeqMSE's choice of site `site`'s weight range under `config` (as adaRounded); null when it
    /// does not apply.
    const struct SeqMseChoice* seqMseChoice(const QuantConfig& config, int site, const JobControl& control);
    /// A key for what site `site`'s inputs depend on in the model quantized so far under `config`.
    QString sequentialKey(const QuantConfig& config, int site, const QString& technique) const;
    void measureInputMeans(const JobControl& control);
    /// A trial with cross-layer equalization: run by a second runner on the equalized weights.
    TrialResult runEqualized(const QuantConfig& config, const JobControl& control, CalibrationCache* cache,
                             const RunOptions& options);

    std::shared_ptr<Model> m_model;
    std::shared_ptr<const Dataset> m_data;
    TrialOptions m_options;
    std::unique_ptr<Cache> m_cache;
    /// "" for the model as loaded; "|cle" for the runner that trials with cross-layer
    /// equalization delegate to (its calibrations are cached under keys ending so).
    QString m_variant;
};

} // namespace qs
