#pragma once
// Trials: quantize a model as a config says, evaluate it, and report what it costs per layer.

#include "data.h"
#include "errors.h"
#include "model.h"
#include "quant.h"

#include <QStringList>
#include <QVector>

namespace qs {

enum class TrialMode { Static, Dynamic, WeightOnly };

struct QuantConfig {
    QuantSpec weight = QuantSpec::parse(QStringLiteral("int8:per_channel:symmetric:minmax"));
    QuantSpec activation = QuantSpec::parse(QStringLiteral("uint8:per_tensor:affine:histogram"));
    TrialMode mode = TrialMode::Static;
};

struct TrialOptions {
    qint64 calibrationSamples = 512;
    qint64 evaluationLimit = -1;
    int batchSize = 256;
};

struct LayerTrialResult {
    QString name;
    QString weightSpec;       ///< shorthand of the spec applied
    QString activationSpec;   ///< "float" when activations stay float
    double weightSqnr = 0;    ///< dB; +inf when the weight is unchanged
    QParams weightQParams;
    QParams activationQParams; ///< empty for dynamic or float activations
    qint64 weightBits = 32;
};

struct TrialResult {
    bool hasAccuracy = false;
    double top1 = 0;          ///< fraction over the evaluation split
    double floatTop1 = 0;
    double outputSqnr = 0;    ///< dB, quantized model output against float
    qint64 sizeBytes = 0;     ///< quantized weights + scale/zero point per channel + float parameters
    qint64 floatBytes = 0;    ///< every parameter at 32 bits
    double compression() const { return sizeBytes > 0 ? double(floatBytes) / double(sizeBytes) : 0; }
    qint64 evaluationSamples = 0;
    double seconds = 0;
    QVector<LayerTrialResult> layers;
    QStringList warnings;
};

/// Runs one trial. The model's weights are restored afterwards, also on error or cancel.
TrialResult runTrial(Model& model, const Dataset& data, const QuantConfig& config, const TrialOptions& options,
                     const JobControl& control);

} // namespace qs
