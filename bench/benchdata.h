#pragma once
// What the benchmarks share: a stopwatch, and random 32×32×3 images as IDX files (for the
// ResNet-20 model).

#include "../tests/idxwrite.h"
#include "data.h"
#include "data_p.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <cstdlib>

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

/// Runs Debian's python3 with `args`; its standard output, trimmed. Exits on failure.
inline QString runPython(const QStringList& args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(QStringLiteral("/usr/bin/python3"), args);
    p.waitForFinished(-1);
    if (p.exitCode() != 0) {
        std::fprintf(stderr, "%s failed\n", qPrintable(args.join(u' ')));
        std::exit(1);
    }
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

/// Samples [begin, end) of `data` as raw float32 in `path`, for a Python side.
inline QString writeSamples(const Dataset& data, qint64 begin, qint64 end, const QString& path)
{
    const at::Tensor x = data.impl().batchInputs(begin, end).contiguous();
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) ||
        f.write(reinterpret_cast<const char*>(x.data_ptr<float>()), qint64(x.numel() * sizeof(float))) !=
            qint64(x.numel() * sizeof(float)))
        std::exit(1);
    return path;
}

} // namespace qs::benchdata
