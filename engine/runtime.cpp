#include "runtime.h"

#include "errors.h"

#include <QFile>
#include <QThread>

#include <ATen/Parallel.h>
#include <torch/script.h>
#include <torch/version.h>

#include <malloc.h>

namespace qs {

void initRuntime()
{
    // Without these, every forward pass re-faults its large activation buffers
    // (docs/architecture.md, "Process start-up": 1.8-3.6x slower CNN inference). Both are needed; either alone does not help.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    // LibTorch defaults to one intra-op thread here.
    at::set_num_threads(qMax(1, QThread::idealThreadCount()));
}

QString torchVersion()
{
    return QStringLiteral(TORCH_VERSION);
}

QString demoModelName()
{
    return QStringLiteral("Fashion-MNIST MobileNet (demo)");
}

std::shared_ptr<Model> loadDemoModel()
{
    QFile f(QStringLiteral(":/quantscope/fashion_mobilenet.pt"));
    if (!f.open(QIODevice::ReadOnly))
        throw EngineError(ErrorKind::Internal, QStringLiteral("the demo model is missing from this build"));
    return Model::loadFromBytes(f.readAll(), demoModelName());
}

} // namespace qs
