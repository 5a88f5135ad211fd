#pragma once
// What the benchmarks share: a stopwatch, and random 32×32×3 images as IDX files (for the
// ResNet-20 model).

#include "../tests/idxwrite.h"
#include "data.h"

#include <QElapsedTimer>
#include <QTemporaryDir>

#include <functional>

#include <torch/script.h>

namespace qs::benchdata {

/// Wall-clock seconds of one call.
inline double seconds(const std::function<void()>& fn)
{
    QElapsedTimer t;
    t.start();
    fn();
    return t.nsecsElapsed() / 1e9;
}

/// N random images, with random labels unless `labels` is false (then the metric is top-1
/// agreement with the float model, which is what random weights can be judged on).
inline DataSpec randomImages(const QTemporaryDir& dir, int n, bool labels = true)
{
    at::manual_seed(1);
    const at::Tensor px = at::randint(0, 256, {n * 32 * 32 * 3}, at::kByte);
    const at::Tensor lab = at::randint(0, 10, {n}, at::kByte);
    const QString images = testing::writeFile(
        dir.filePath("images.idx"),
        testing::idxBytes({quint32(n), 32, 32, 3}, QByteArray(reinterpret_cast<const char*>(px.data_ptr<uint8_t>()), px.numel())));
    if (!labels)
        return DataSpec::parse("idx:" + images + "?mean=0.5&std=0.25");
    const QString labelPath = testing::writeFile(
        dir.filePath("labels.idx"),
        testing::idxBytes({quint32(n)}, QByteArray(reinterpret_cast<const char*>(lab.data_ptr<uint8_t>()), n)));
    return DataSpec::parse("idx:" + images + "," + labelPath + "?mean=0.5&std=0.25");
}

} // namespace qs::benchdata
