#pragma once
// Export: a trial's settings and results in the forms other tools read — the configuration
// JSON, a PyTorch script that rebuilds the settings with torch.ao.quantization, and CSV.

#include "quant.h"
#include "trial.h"

#include <QByteArray>
#include <QString>

namespace qs {

/// What an export describes: one trial's configuration and results.
struct ExportSource {
    QString title;      ///< e.g. "trial 37 (search result) of fashion_lenet.pt"
    QString dataSpec;   ///< the data the trial was measured on
    qint64 calibrationSamples = kDefaultCalibrationSamples;
    int batchSize = kDefaultBatchSize;
    QuantConfig config;
    TrialResult result; ///< per-layer specs as applied (float where a layer could not take one) and qparams
    /// The trial's techniques changed weights: the file (beside the script) with them, as
    /// trialStateDict writes it; the script loads it into the model before quantizing.
    QString weightsFile;
};

/// The weights file's name beside an exported script: "trial.py" → "trial_weights.pt".
QString weightsFileBeside(const QString& scriptPath);

/// Writes all of `bytes` to `path`, or nothing: through a temporary file in the same folder,
/// renamed at the end. Throws EngineError(BadInput) naming the path and the reason.
void writeFileAtomically(const QString& path, const QByteArray& bytes);

/// A Python file that rebuilds the trial's settings with torch.ao.quantization (FX graph mode):
/// a QConfigMapping with a global qconfig and per-module-name entries (None for float layers),
/// the matching observers, and prepare / calibrate / convert with placeholders for the model and
/// the data. Settings PyTorch cannot express exactly are written as the nearest it can, marked
/// NOTE. QuantScope's own scale and zero point per layer are included for comparison.
QByteArray pythonScript(const ExportSource& source);

class Model;

/// The model with the trial's quantization baked in, as TorchScript bytes: each quantized
/// weight replaced by its fake-quantized value (as the trial computed it), and each statically
/// quantized input activation passed through ATen's fake_quantize_per_tensor_affine with the
/// trial's scale and zero point (float16/bfloat16 inputs through a cast). Loads with
/// torch.jit.load in Python and C++; its outputs are the trial's. The open model is not changed.
/// Throws EngineError(BadInput) for dynamic activations (no fixed qparams to bake) and for a
/// result of another model.
QByteArray bakedTorchScript(const Model& model, const QuantConfig& config, const TrialResult& result);

/// The tensors a trial's techniques changed (equalized weights and biases, corrected biases),
/// by PyTorch state_dict name (batch norm folded into the convolutions before it, as QuantScope
/// loads the model), in the format of Python's torch.save — a dict torch.load reads. Throws
/// EngineError(BadInput) when the trial has no techniques or is of another model.
QByteArray trialStateDict(const Model& model, const QuantConfig& config, const TrialResult& result);

/// The per-layer results as CSV (one row per layer, a header row, RFC 4180 quoting).
QByteArray layerCsv(const TrialResult& result);

} // namespace qs
