#pragma once
// A trial's W8A8 settings on LibTorch's real quantized kernels: the int8 model, its accuracy
// beside the fake-quantized trial's, and its latency against the float model.

#include "data.h"
#include "errors.h"
#include "latency.h"
#include "model.h"
#include "quant.h"
#include "trial.h"

#include <QByteArray>
#include <QStringList>

namespace qs {

struct Int8Result {
    QString engine;              ///< LibTorch's quantized engine used: onednn, qnnpack, fbgemm, x86
    Metric metric = Metric::Agreement;
    bool hasAccuracy = false;    ///< false: top1 is agreement with the float model
    double top1 = 0;             ///< the int8 model on the evaluation split (token windows: next-token top-1)
    double fakeQuantTop1 = 0;    ///< the trial's (fake-quantized) figure, for comparison
    double floatTop1 = 0;
    double perplexity = 0;       ///< token windows: the int8 model's perplexity
    double fakeQuantPerplexity = 0;
    double floatPerplexity = 0;
    /// The headline figures in the metric's unit (top-1 in percent, or perplexity).
    double score() const { return metric == Metric::Perplexity ? perplexity : 100 * top1; }
    double fakeQuantScore() const { return metric == Metric::Perplexity ? fakeQuantPerplexity : 100 * fakeQuantTop1; }
    double floatScore() const { return metric == Metric::Perplexity ? floatPerplexity : 100 * floatTop1; }
    qint64 evaluationSamples = 0;
    int int8Layers = 0;          ///< layers running on int8 kernels
    int chainedLayers = 0;       ///< of those, layers whose output stays quantized into the next quantized op
    int quantizedOps = 0;        ///< ops between layers run on quantized tensors (adds, pooling, reshapes, clamps, cat)
    int requantized = 0;         ///< quantized tensors requantized to another scale (through float)
    QStringList fakeQuantLayers; ///< layers not on int8 kernels, with the reason: they keep the trial's fake quantization
    double floatMs1 = 0, int8Ms1 = 0;   ///< median latency, batch 1
    double floatMs32 = 0, int8Ms32 = 0; ///< median latency, batch 32
    QByteArray torchscript;      ///< the int8 model, loadable with torch.jit.load
};

/// Builds the int8 model of a static W8A8 trial: each conv2d and linear whose weights are int8
/// and input activations uint8 becomes quantize → quantized::conv2d / quantized::linear (weights
/// prepacked with the trial's scales and zero points, input with the trial's activation qparams,
/// output requantized with qparams calibrated on the layer's output) → dequantize. Where the
/// output only goes through ReLU into the next int8 layer, the pair becomes
/// quantized::conv2d_relu / linear_relu writing straight in that layer's input qparams (as
/// PyTorch's convert does with fused conv + ReLU): no float tensor in between. Every other
/// layer keeps the trial's fake quantization (as in the baked TorchScript), so that the two
/// accuracies compare the same settings. Evaluates it on `options`' evaluation split and times batches of 1 and 32.
/// Throws EngineError(BadInput) when no layer can run on int8 kernels (e.g. not W8A8 static).
Int8Result buildInt8Model(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                          const TrialOptions& options, const JobControl& control);

/// The int8 model's time profile (see latency.h): per layer, its int8 kernel and its quantize /
/// dequantize ops, or (layers not on int8 kernels) its float op and fake quantization with the
/// reason in the note; the ops between layers. On the first `latency.batch` evaluation samples.
LatencyProfile int8Latency(Model& model, const Dataset& data, const QuantConfig& config, const TrialResult& trial,
                           const TrialOptions& options, const LatencyOptions& latency, const JobControl& control);

} // namespace qs
