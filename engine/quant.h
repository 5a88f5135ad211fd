#pragma once
// Quantization settings of one tensor, and the scale / zero point that realise them.

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

namespace qs {

enum class QuantType { Int, Float16, BFloat16, Float };
enum class Granularity { PerTensor, PerChannel, Group };
/// How the clipping range is chosen from observed values (PyTorch's observers where they exist).
/// Fixed: a range the user chose (`range:LO,HI`), whatever the data.
enum class RangeMethod { MinMax, MovingAverageMinMax, Histogram, Percentile, Mse, Entropy, Fixed };

struct QuantSpec {
    QuantType type = QuantType::Int;
    int bits = 8;                  ///< 2..8 for Int
    bool isSigned = false;         ///< int (qint8-like) or uint (quint8-like)
    Granularity granularity = Granularity::PerTensor;
    int axis = 0;                  ///< channel axis for PerChannel
    int groupSize = 128;           ///< elements per group along the input dimension, for Group
    bool symmetric = false;
    bool reduceRange = false;      ///< one bit less of range, as PyTorch's reduce_range
    RangeMethod method = RangeMethod::MinMax;
    double averagingConstant = 0.01; ///< MovingAverageMinMax, as PyTorch's default
    double percentile = 99.99;       ///< Percentile: keep this share of the values (both tails)
    double fixedLo = 0, fixedHi = 0; ///< Fixed: the clipping range; qparams as min-max gives them for it

    /// Integer range, with reduce_range applied the way PyTorch does (halved, rounded down).
    int quantMin() const;
    int quantMax() const;
    /// Parses shorthand such as "int8:per_channel:symmetric", "uint8:per_tensor:histogram",
    /// "int4:group128:symmetric", "float16", "float". Throws EngineError(BadInput).
    static QuantSpec parse(const QString& text);
    /// The shorthand that parse() reads back to the same spec.
    QString toString() const;
    /// This integer spec with the fixed clipping range [lo, hi], per tensor (range:LO,HI).
    QuantSpec withFixedRange(double lo, double hi) const;
};

QString rangeMethodName(RangeMethod m);

enum class TrialMode { Static, Dynamic, WeightOnly };

/// What SeqMSE minimises at a layer's output, per output channel: the squared error (AIMET's
/// default), the absolute error, or the negative SQNR.
enum class SeqMseLoss { Mse, L1, Sqnr };
/// "mse", "l1" or "sqnr".
QString seqMseLossName(SeqMseLoss l);

/// What is done to the float model's weights before they are quantized (AIMET's and Brevitas'
/// post-training remedies). Applied in this order: equalization, then bias correction.
struct Techniques {
    /// Cross-layer equalization (Nagel et al. 2019): conv/linear pairs joined by ReLU or nothing
    /// get equal per-channel weight ranges; the float model computes the same.
    bool cle = false;
    /// Empirical bias correction: each layer's bias minus the mean output error its weight
    /// quantization causes, E[Wq·x] − E[W·x], over the calibration data's inputs to the layer.
    bool biasCorrection = false;
    /// High-bias absorption after equalization (AIMET's HighBiasFold): for pairs whose first layer
    /// had batch norm (β, γ), c = max(0, β − 3|γ|) per channel (β when nothing joins the pair)
    /// moves from the first layer's bias through the second's weights into its bias. Approximate
    /// where the pre-activation falls below c and where the second layer reads zero padding.
    /// Implies cle.
    bool highBiasAbsorption = false;
    /// AdaRound (Nagel et al. 2020): each weight rounded up or down as learnt from the layer's
    /// output on calibration data, layer by layer, the inputs from the model quantized so far;
    /// this many Adam iterations per layer (AIMET's default 1,000); 0: nearest rounding.
    int adaroundIterations = 0;
    static constexpr int kDefaultAdaroundIterations = 1000;
    /// AdaRound learns from the float model's inputs to each layer instead of the quantized
    /// model's (the target is the float model's output either way, as in AIMET).
    bool adaroundFloatInputs = false;
    /// SeqMSE (AIMET): each layer's weight range chosen among 20 candidates shrinking from
    /// min/max by the error they cause at the layer's output on calibration data.
    bool seqMse = false;
    SeqMseLoss seqMseLoss = SeqMseLoss::Mse;
    bool any() const { return cle || highBiasAbsorption || biasCorrection || adaroundIterations > 0 || seqMse; }
    /// True when the weights' scales or rounding are the trial's own (AdaRound, SeqMSE), not what
    /// PyTorch's observers compute from the weights.
    bool ownsWeightQuantization() const { return adaroundIterations > 0 || seqMse; }
    /// The names, joined: "cle", "high_bias_absorption", "bias_correction", "adaround" ("adaround=N" for another number of
    /// iterations; then "adaround_float_inputs" when it learns from float inputs), "seqmse"
    /// ("seqmse=l1", "seqmse=sqnr"), e.g. "cle+bias_correction"; "" for none.
    QString toString() const;
    /// Reads toString()'s names separated by '+' or ','; throws EngineError(BadInput) naming `what`.
    static Techniques parse(const QString& text, const QString& what = QStringLiteral("techniques"));
    bool operator==(const Techniques& o) const
    {
        return cle == o.cle && highBiasAbsorption == o.highBiasAbsorption && biasCorrection == o.biasCorrection && adaroundIterations == o.adaroundIterations &&
               (adaroundIterations == 0 || adaroundFloatInputs == o.adaroundFloatInputs) && seqMse == o.seqMse && (!seqMse || seqMseLoss == o.seqMseLoss);
    }
};

/// Settings for a whole model: defaults for weights and activations, per-layer overrides, mode.
struct QuantConfig {
    QuantSpec weight = QuantSpec::parse(QStringLiteral("int8:per_channel:symmetric:minmax"));
    QuantSpec activation = QuantSpec::parse(QStringLiteral("uint8:per_tensor:affine:histogram"));
    TrialMode mode = TrialMode::Static;
    struct Override {
        bool hasWeight = false;
        QuantSpec weight;
        bool hasActivation = false;
        QuantSpec activation;
    };
    QMap<QString, Override> layers; ///< by layer name
    Techniques techniques;

    QuantSpec weightFor(const QString& layer) const;
    QuantSpec activationFor(const QString& layer) const;

    /// What language models get when the user names nothing: group-wise int4 weights (groups
    /// of 128 along the input dimension, symmetric), float activations — weight-only, as LLM
    /// quantization (GPTQ, AWQ) does.
    static QuantConfig languageModelPreset();

    /// 2 added "techniques"; version 1 files read as before (no techniques).
    static constexpr int kFormatVersion = 2;
    /// Reads the versioned JSON format (README); throws EngineError(BadInput) naming `source`
    /// and the field that is wrong.
    static QuantConfig fromJson(const QByteArray& json, const QString& source);
    QByteArray toJson() const;
    /// The same as a JSON object (json.h's configJson).
    QJsonObject toJsonObject() const;
    /// Throws EngineError(BadInput) when an override names a layer not in `layerNames`.
    void checkLayers(const QStringList& layerNames, const QString& modelName) const;
};

QString trialModeName(TrialMode m);
/// "static", "dynamic" or "weight-only" (trialModeName's names); throws EngineError(BadInput)
/// naming `what` otherwise.
TrialMode parseTrialMode(const QString& text, const QString& what = QStringLiteral("mode"));
/// The names parseTrialMode reads, in the order users are offered them.
QStringList trialModeNames();

/// Scale and zero point, one per channel (or one for the tensor).
struct QParams {
    QVector<double> scale;
    QVector<qint64> zeroPoint;
    int quantMin = 0;
    int quantMax = 255;
    int axis = -1; ///< -1: per tensor
};

/// PyTorch's UniformQuantizationObserverBase._calculate_qparams, in the same float32 arithmetic:
/// scale and zero point from per-channel (or one) minimum and maximum.
QParams calculateQParams(const QVector<float>& minVals, const QVector<float>& maxVals, const QuantSpec& spec);

} // namespace qs
