#pragma once
// Engine-private: what a trial does at each probe — record the float model's outputs, observe
// activations for calibration, quantize inputs and add up each layer's errors.

#include "model_p.h"
#include "observers_p.h"
#include "trial.h"

#include <torch/script.h>

#include <QStringList>

#include <memory>
#include <set>
#include <vector>

namespace qs {

/// 10·log10(signal / noise); +inf without noise.
double decibels(double signal, double noise);

/// `x` fake-quantized with `q` (per tensor or per channel), as PyTorch's fake-quantize ops.
at::Tensor fakeQuantize(const at::Tensor& x, const QParams& q);

/// `x` rounded through float16 or bfloat16 as the spec says (unchanged otherwise).
at::Tensor castThrough(const at::Tensor& x, const QuantSpec& s);

/// Records each site's output on the float model, for the batches errors are measured on.
class CaptureProbe : public ProbeHandler
{
public:
    std::vector<at::Tensor>* outputs = nullptr; // null: not an error batch
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override;
};

/// Observes each site's input for calibration: the finite values (a NaN pixel must not make
/// every range NaN), with what was left out and where.
class CalibrationProbe : public ProbeHandler
{
public:
    std::vector<std::unique_ptr<Observer>> observers; // per site; null: not observed
    qint64 batchStart = 0;                             // dataset index of the batch's first sample
    qint64 nonFinite = 0;                              // NaN or infinite values left out
    std::set<qint64> nonFiniteSamples;
    QStringList nonFiniteLayers;
    const QVector<LayerInfo>* layers = nullptr;
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override;
};

/// A quantization error's squares split by where the values lie: inside the clipping range
/// (rounding) or outside it (clipping).
struct ErrorSplit {
    double rounding = 0, clipping = 0; ///< Σ(x − q)² in double
    double steps = 0;                  ///< Σ((x − q) / scale)², per tensor only
    qint64 clipped = 0, count = 0;
    void add(const ErrorSplit& o)
    {
        rounding += o.rounding;
        clipping += o.clipping;
        steps += o.steps;
        clipped += o.clipped;
        count += o.count;
    }
};

/// The split of `x` against its fake-quantized `q` under `qp` (per tensor, or per channel along
/// qp.axis); NaN and infinite values are left out.
ErrorSplit errorSplit(const at::Tensor& x, const at::Tensor& q, const QParams& qp);

/// Fills a layer's MSE parts and clipped share from a split.
void finishSplit(const ErrorSplit& s, double& roundingMse, double& clippingMse, double& clippedShare);

/// A layer's error sums over the batches errors are measured on.
struct ErrorSums {
    bool nonFinite = false; ///< the float model's values held NaN or infinity (left out of the sums)
    double actSignal = 0, actNoise = 0;
    ErrorSplit actSplit;
    double outSignal = 0, outNoise = 0, dot = 0, refNorm = 0, outNorm = 0, maxAbs = 0;
    qint64 outCount = 0;
};

/// One batch's share of a layer's output-error sums: one pass in double over the two tensors,
/// or (NaN or infinity among them, or not contiguous float32) ATen's float32 sums over the
/// elements finite in both.
ErrorSums outputSums(const at::Tensor& ref, const at::Tensor& out);

/// Adds one batch's output-error sums to a layer's.
void addOutputSums(ErrorSums& total, const ErrorSums& batch);

/// Quantizes each site's input as the trial says and adds up its activation and output errors
/// against the float reference of the batch.
class QuantizeProbe : public ProbeHandler
{
public:
    QVector<QuantSpec> specs; // per site input activation
    QVector<QParams> qparams; // static qparams per site (empty: dynamic or float)
    bool dynamic = false;
    const std::vector<at::Tensor>* reference = nullptr; // float site outputs of this batch, or null
    QVector<ErrorSums> sums;

    bool isolate = false; // pass the float output on, so that each layer sees float inputs

    /// Dynamic quantization of a recurrent layer quantizes its hidden state at every step, as
    /// LibTorch's dynamic LSTM and GRU do before each hidden-to-hidden matmul.
    bool wantsSteps(int site) const override { return dynamic && specs[site].type != QuantType::Float; }

    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override;
};

/// The layer's error figures from its sums.
void finishErrors(const ErrorSums& s, LayerTrialResult& lr);

} // namespace qs
