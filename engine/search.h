#pragma once
// Finding settings automatically: which layers are sensitive, which activation range method
// suits each layer, and the smallest mixed-precision model within a budget.

#include "trial.h"

#include <QMap>
#include <QVector>

#include <functional>

namespace qs {

/// Receives every trial a sensitivity run or a search evaluates, as it is evaluated (the app and
/// the CLI record it in the store). `origin` is "sensitivity" for trials that quantize one layer
/// or all but one, "search" for the search's candidates. Returns the trial's id there, or 0.
using TrialSink = std::function<qint64(const QuantConfig& config, const TrialResult& result, const QString& name,
                                       const QString& origin)>;

struct SensitivityOptions {
    QuantConfig config;              ///< the settings under test: weight and activation specs, mode
    bool converse = true;            ///< also every layer quantized but one
    qint64 evaluationSamples = 2048; ///< first samples of the evaluation split used (-1: all)
};

struct LayerSensitivity {
    QString name;
    double drop = 0;          ///< how much worse than float (TrialResult::loss) with only this layer quantized
    double outputSqnr = 0;    ///< dB, model output with only this layer quantized
    qint64 trialId = 0;
    bool hasConverse = false;
    double converseDrop = 0;  ///< how much worse with every layer but this one quantized
    double converseSqnr = 0;
    qint64 converseTrialId = 0;
};

struct SensitivityResult {
    QVector<LayerSensitivity> layers; ///< model order
    Metric metric = Metric::Agreement;
    bool hasAccuracy = false;
    double floatTop1 = 0;
    double floatScore = 0;            ///< TrialResult::floatScore: top-1 in percent, or perplexity
    double allDrop = 0;               ///< every layer quantized (with the converse only)
    double allSqnr = 0;
    qint64 evaluationSamples = 0;
    int trials = 0;
    double seconds = 0;
    /// Indices into `layers`, most sensitive first: by metric drop, then by output SQNR.
    QVector<int> ranking() const;
};

/// Quantizes one layer at a time as `options.config` says (everything else float), and with
/// `converse` every layer but one; each evaluated configuration goes to `sink`.
SensitivityResult runSensitivity(TrialRunner& runner, const SensitivityOptions& options, const JobControl& control,
                                 const TrialSink& sink);

struct RangeMethodChoice {
    QString layer;
    bool chosen = false;         ///< false: the layer's input activation is not quantized statically
    RangeMethod best = RangeMethod::MinMax;
    QVector<double> outputSqnr;  ///< dB per method tried, the layer's own output error
};

struct RangeMethodResult {
    QVector<RangeMethod> methods;
    QVector<RangeMethodChoice> layers; ///< model order
    QuantConfig config;                ///< the input config with each layer's activation method set
    double seconds = 0;
};

/// Every range method the choice can pick from: min-max, histogram, percentile, MSE, entropy.
QVector<RangeMethod> allRangeMethods();

/// For each layer, the activation range method with the lowest error at that layer's output
/// (the layer alone quantized as `config` says, on calibration data). Static mode only.
RangeMethodResult chooseRangeMethods(TrialRunner& runner, const QuantConfig& config, const QVector<RangeMethod>& methods,
                                     const JobControl& control);

struct SearchOptions {
    /// Template: its weight spec gives granularity, symmetry and method (the bits are chosen per
    /// layer), its activation spec and per-layer activation overrides are kept, and its mode.
    QuantConfig base;
    QVector<int> bits = {2, 4, 8, 32}; ///< weight bits to choose from per layer; 32 is float
    /// How much worse than float the model may get, in the metric's unit (TrialResult::loss):
    /// points of top-1, or perplexity for language models. < 0: no limit.
    double maxDrop = 1.0;
    qint64 targetBytes = 0;            ///< > 0: the largest acceptable model size
    qint64 subsetSamples = 2048;       ///< candidates are evaluated on the first N evaluation samples
    /// The per-layer sensitivity that orders the candidates is the output noise (from the output
    /// SQNR, which needs fewer samples than accuracy does), measured on the first N samples.
    qint64 sensitivitySamples = 512;
    /// > 0: the int8 model's end-to-end latency at `latencyBatch` may be at most this many ms.
    /// Layers below 8 bits move to 8 (on int8 kernels), the largest time saved first, until the
    /// time predicted from per-layer float and int8 profiles fits; one measurement of the result
    /// confirms it. Needs static mode and 8 among `bits`.
    double maxLatencyMs = 0;
    int latencyBatch = 1;
    int latencyRuns = 30;
};

struct SearchStep {
    enum Kind { Sensitivity, Candidate, Confirmation };
    Kind kind = Candidate;
    QString name;
    bool accepted = false;
    qint64 trialId = 0;
    double drop = 0;              ///< TrialResult::loss
    qint64 sizeBytes = 0;
};

struct SearchResult {
    QuantConfig best;
    TrialResult bestResult;       ///< on the whole evaluation split
    QMap<QString, int> bits;      ///< weight bits chosen per layer (32: float)
    bool withinBudget = false;    ///< on the whole evaluation split
    qint64 subsetSamples = 0;     ///< samples the candidates were evaluated on
    qint64 evaluationSamples = 0; ///< samples the best configuration was confirmed on
    qint64 bestTrialId = 0;       ///< the sink's id of the trial that measured `bestResult`
    QVector<SearchStep> steps;    ///< every trial, in order
    int trials = 0;
    double seconds = 0;
    QString summary;              ///< what was found, in a sentence
    /// With a latency budget: the float model's and the result's int8 model's end-to-end
    /// latency (measured), and what the per-layer profiles predicted for the result.
    double floatLatencyMs = 0;
    double latencyMs = 0;
    double predictedLatencyMs = 0;
    int latencyBatch = 0;
};

/// Greedy mixed-precision search guided by sensitivity: every layer starts at the largest integer
/// bits; then, in order of the least added output noise per byte saved, one layer at a time
/// moves to the next lower bits, kept when the metric stays within the budget. With a latency
/// budget, layers then move back to 8 bits until the predicted int8 latency fits. Candidates are
/// evaluated on a subset, the result on the whole evaluation split (stepping back when it no
/// longer meets the budget there). Every trial goes to `sink`. Cancel ends with EngineError.
SearchResult runSearch(TrialRunner& runner, const SearchOptions& options, const JobControl& control,
                       const TrialSink& sink);

/// Parses "2,4,8,float" (bits 2..8 and "float"/32). Throws EngineError(BadInput).
QVector<int> parseBitChoices(const QString& text);

} // namespace qs
