#include "data_p.h"

#include "budget.h"
#include "errors.h"

#include <QFileInfo>
#include <QStringList>

namespace qs {

namespace {

[[noreturn]] void bad(const QString& message)
{
    throw EngineError(ErrorKind::BadInput, message);
}

} // namespace

Dataset::Dataset(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Dataset::~Dataset() = default;

std::shared_ptr<Dataset> Dataset::load(const DataSpec& spec)
{
    auto d = std::make_unique<Impl>();
    d->spec = spec;
    const IdxArray images = readIdx(spec.inputsPath);
    // As float32, the samples take four times their bytes.
    checkMemoryBudget(5 * images.data.size(), spec.inputsPath,
                      QStringLiteral("its %1 samples as float32, beside the file's bytes").arg(images.dims.value(0)));
    if (images.dims.size() < 2)
        bad(QStringLiteral("%1 holds a 1-dimensional array; expected samples (N×H×W)").arg(spec.inputsPath));
    std::vector<int64_t> dims(images.dims.begin(), images.dims.end());
    at::Tensor raw =
        torch::from_blob(const_cast<char*>(images.data.constData()), dims, torch::kUInt8).to(torch::kFloat32);
    raw.div_(255.0);
    if (raw.dim() == 3)
        raw = raw.unsqueeze(1); // N×H×W → N×1×H×W
    else if (raw.dim() == 4)
        raw = raw.permute({0, 3, 1, 2}).contiguous(); // IDX stores N×H×W×C
    if (!spec.mean.isEmpty()) {
        const int64_t channels = raw.dim() >= 2 ? raw.size(1) : 1;
        for (const auto* v : {&spec.mean, &spec.std})
            if (v->size() != 1 && v->size() != channels)
                bad(QStringLiteral("data spec: mean/std have %1 values but the images have %2 channels")
                        .arg(v->size())
                        .arg(channels));
        auto toShape = [&](const QVector<double>& v) {
            std::vector<int64_t> shape(size_t(raw.dim()), 1);
            shape[1] = v.size();
            return torch::tensor(std::vector<double>(v.begin(), v.end()), torch::kFloat32).reshape(shape);
        };
        raw = (raw - toShape(spec.mean)) / toShape(spec.std);
    }
    d->inputs = raw.contiguous();

    if (!spec.labelsPath.isEmpty()) {
        const IdxArray labels = readIdx(spec.labelsPath);
        if (labels.dims.size() != 1)
            bad(QStringLiteral("%1 is not a label file: it has %2 dimensions, expected 1")
                    .arg(spec.labelsPath)
                    .arg(labels.dims.size()));
        if (labels.dims[0] != images.dims[0])
            bad(QStringLiteral("%1 has %2 samples but %3 has %4 labels")
                    .arg(spec.inputsPath)
                    .arg(images.dims[0])
                    .arg(spec.labelsPath)
                    .arg(labels.dims[0]));
        d->labels = torch::from_blob(const_cast<char*>(labels.data.constData()), {labels.dims[0]}, torch::kUInt8)
                        .to(torch::kInt64);
        d->classCount = int(d->labels.max().item<int64_t>()) + 1;
    }
    if (d->inputs.size(0) == 0)
        bad(QStringLiteral("%1 holds no samples").arg(spec.inputsPath));
    return std::shared_ptr<Dataset>(new Dataset(std::move(d)));
}

const DataSpec& Dataset::spec() const { return d->spec; }
qint64 Dataset::size() const { return d->inputs.size(0); }
bool Dataset::hasLabels() const { return d->labels.defined(); }
int Dataset::classCount() const { return d->classCount; }

QVector<qint64> Dataset::sampleShape(bool withBatch) const
{
    QVector<qint64> s;
    if (withBatch)
        s << 1;
    for (int64_t i = 1; i < d->inputs.dim(); ++i)
        s << d->inputs.size(i);
    return s;
}

QString Dataset::description() const
{
    QString s = QFileInfo(d->spec.inputsPath).fileName();
    return QStringLiteral("%1 (%2 samples%3)")
        .arg(s)
        .arg(size())
        .arg(hasLabels() ? QStringLiteral(", %1 classes").arg(d->classCount) : QStringLiteral(", no labels"));
}

SampleRange Dataset::calibrationRange(qint64 calibration) const
{
    return {0, qBound<qint64>(0, calibration, size())};
}

SampleRange Dataset::evaluationRange(qint64 calibration, qint64 evalLimit) const
{
    const qint64 begin = calibrationRange(calibration).end;
    qint64 end = size();
    if (evalLimit >= 0)
        end = qMin(end, begin + evalLimit);
    return {begin, end};
}

} // namespace qs
