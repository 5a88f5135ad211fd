#pragma once
// Where the time goes: each layer's share of a forward pass of the float model and of a
// trial's int8 model, measured through LibTorch's own RecordFunction hooks.

#include "data.h"
#include "errors.h"
#include "model.h"

#include <QByteArray>
#include <QString>
#include <QVector>

namespace qs {

/// One layer's time in one forward pass (mean over the faster half of the profiled runs), by kind of work.
struct LayerTime {
    QString name;
    double kernelMs = 0;   ///< the layer's conv / linear / matmul / recurrent op (a fused ReLU included)
    double quantizeMs = 0; ///< its quantize, dequantize, requantize and fake-quantize ops
    double totalMs() const { return kernelMs + quantizeMs; }
    bool int8 = false;     ///< ran on an int8 kernel
    QString note;          ///< why it did not (int8 profiles), or what its time covers
};

struct LatencyOptions {
    int batch = 1;
    int runs = 50;   ///< timed runs (after warm-up); medians over the faster half of these
    int warmup = 5;
    int threads = 0; ///< LibTorch's intra-op threads; 0: as the process runs (the machine's cores)
};

struct LatencyProfile {
    QString label;          ///< "float" or "int8"
    int batch = 1;
    int threads = 1;
    int runs = 0;
    /// Median of the faster half of the runs without the profiling hooks (a run another process
    /// interrupted says nothing about the model; on a busy machine half of them may be).
    double endToEndMs = 0;
    /// Between layers: what the layers leave of each profiled pass — ops outside every layer
    /// (pooling, adds, reshapes, activations) and the interpreter's own work.
    double betweenMs = 0;
    QVector<LayerTime> layers;
    /// The profiled passes' wall time: the mean over the faster half of the profiled runs. The
    /// layers' times and betweenMs are means over the same runs, so they add up to it.
    double profiledTotalMs = 0;
    /// The layers' times and the time between them: what the hooks saw of one forward pass.
    double profiledMs() const;
    int recordedOps = 0;  ///< top-level ops the hooks recorded in the fastest profiled run
    int attributedOps = 0; ///< of those, the ones matched to a node of the graph (a layer's or between layers)
    /// The fastest profiled run's ops in order, for a timeline.
    struct Event {
        QString name;     ///< the op, e.g. aten::conv2d, quantized::conv2d_relu
        int site = -1;    ///< the layer it belongs to; -1: between layers
        bool quantize = false;
        double startUs = 0, durationUs = 0;
    };
    QVector<Event> events;
};

/// The float model's profile on the first `options.batch` samples of the evaluation split.
LatencyProfile floatLatency(Model& model, const Dataset& data, qint64 calibrationSamples, const LatencyOptions& options,
                            const JobControl& control);

/// Profiles as a Chrome trace (the JSON Perfetto and chrome://tracing open): one process per
/// profile ("float", "int8"), one complete event per op with its layer in `args`.
QByteArray chromeTrace(const QVector<LatencyProfile>& profiles);

} // namespace qs
