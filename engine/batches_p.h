#pragma once
// Engine-private: walking a sample range in batches, and a forward pass whose LibTorch errors
// become messages that name the model and the data.

#include "data.h"
#include "errors.h"
#include "model.h"

#include <torch/script.h>

namespace qs {

/// Calls fn(batchIndex, begin, end) for each batch of `range`, polling cancel before each and
/// reporting progress from `from` to `to` of the job.
template<class Fn>
void forEachBatch(SampleRange range, int batchSize, const JobControl& control, double from, double to,
                  const QString& stage, Fn&& fn)
{
    if (batchSize <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("batch size must be positive, not %1").arg(batchSize));
    qint64 index = 0;
    for (qint64 b = range.begin; b < range.end; b += batchSize, ++index) {
        control.checkCancelled();
        const double done = range.size() ? double(b - range.begin) / double(range.size()) : 1.0;
        control.report(from + (to - from) * done, stage);
        fn(index, b, qMin(range.end, b + batchSize));
    }
    control.report(to, stage);
}

/// Checks that a model's output for a batch is batch × classes and covers the data's labels or,
/// for token windows, windows × tokens × vocabulary covering the token ids; throws
/// EngineError(BadInput) naming model and data otherwise.
void checkModelOutput(const at::Tensor& out, qint64 batch, const Model& model, const Dataset& data);

/// What one batch's outputs score, per sample, so that a shorter evaluation can take a prefix.
struct BatchScore {
    at::Tensor predictions; ///< class per sample, or the predicted next token per position
    at::Tensor correct;     ///< per sample: 0/1, or for token windows the next tokens predicted right
    at::Tensor nll;         ///< token windows: next-token cross-entropy summed per window (double)
    BatchScore prefix(int64_t n) const
    {
        BatchScore s;
        s.predictions = predictions.narrow(0, 0, n);
        s.correct = correct.narrow(0, 0, n);
        if (nll.defined())
            s.nll = nll.narrow(0, 0, n);
        return s;
    }
};

/// Scores a batch: against labels, against the float model's predictions (`agreeWith`, without
/// labels; undefined: the float model itself) or, for token windows, against the next token.
BatchScore scoreBatch(const at::Tensor& out, Metric metric, const at::Tensor& inputs, const at::Tensor& labels,
                      const at::Tensor& agreeWith);

/// How many predictions `samples` samples hold: one each, or for token windows one per next token.
double predictionCount(const Dataset& data, qint64 samples);

/// Runs forward; an exception from LibTorch becomes a BadInput error naming model and data.
at::Tensor runForward(Model& model, const Dataset& data, const at::Tensor& x);

} // namespace qs
