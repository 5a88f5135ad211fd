#pragma once
// Engine-private view of a data set. Includes LibTorch.

#include "data.h"

#include <torch/script.h>

#include <vector>

namespace qs {

struct Dataset::Impl {
    DataSpec spec;
    at::Tensor inputs; ///< float32, N×C×H×W, scaled and normalised
    at::Tensor labels; ///< int64, N; undefined without labels
    int classCount = 0;
    QStringList warnings;
    QStringList classNames;
    qint64 calibrationCount = 0; ///< > 0: the first samples are a separate calibration set
    std::vector<int64_t> nonFiniteSamples; ///< samples whose input holds NaN or infinity, in order (found once, at load)
    at::Tensor batchInputs(qint64 begin, qint64 end) const { return inputs.slice(0, begin, end); }
    at::Tensor batchLabels(qint64 begin, qint64 end) const { return labels.slice(0, begin, end); }
};

} // namespace qs
