#include "data_p.h"

#include "budget.h"
#include "errors.h"
#include "model_p.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QStringList>

#include <ATen/CPUGeneratorImpl.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <sstream>

namespace qs {

namespace {

[[noreturn]] void bad(const QString& message)
{
    throw EngineError(ErrorKind::BadInput, message);
}

} // namespace

Dataset::Dataset(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Dataset::~Dataset() = default;

namespace {

QByteArray readWhole(const QString& path, const QString& what)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        bad(QStringLiteral("cannot open %1 %2: %3").arg(what, path, f.errorString()));
    // Floats of the same count take up to four times the bytes (uint8 images).
    checkMemoryBudget(5 * f.size(), path, QStringLiteral("its data as float32, beside the file's bytes"));
    return f.readAll();
}

/// Inputs as the model takes them: uint8 (images) scaled to [0, 1], other floats as float32,
/// integers and bools (token ids) as int64.
at::Tensor asInputs(at::Tensor t)
{
    if (t.scalar_type() == at::kByte)
        return t.to(at::kFloat).div_(255.0);
    if (at::isFloatingType(t.scalar_type()))
        return t.to(at::kFloat);
    return t.to(at::kLong);
}

/// Labels: one integer per sample, none negative.
at::Tensor asLabels(const at::Tensor& t, const QString& name, qint64 samples, const QString& inputsName)
{
    if (t.dim() != 1 || at::isFloatingType(t.scalar_type()) || t.scalar_type() == at::kBool)
        bad(QStringLiteral("%1: labels must be one integer per sample; they are %2 of %3")
                .arg(name, formatShape(QVector<qint64>(t.sizes().begin(), t.sizes().end())),
                     QString::fromLatin1(c10::toString(t.scalar_type()))));
    if (t.size(0) != samples)
        bad(QStringLiteral("%1 has %2 samples but %3 has %4 labels").arg(inputsName).arg(samples).arg(name).arg(t.size(0)));
    at::Tensor labels = t.to(at::kLong).contiguous();
    if (labels.numel() > 0 && labels.min().item<int64_t>() < 0)
        bad(QStringLiteral("%1: labels must not be negative").arg(name));
    return labels;
}

at::Tensor npyTensor(const NpyArray& a)
{
    static const std::map<QString, at::ScalarType> types{
        {"f2", at::kHalf}, {"f4", at::kFloat}, {"f8", at::kDouble}, {"u1", at::kByte}, {"i1", at::kChar},
        {"b1", at::kBool}, {"i2", at::kShort}, {"u2", at::kInt}, {"i4", at::kInt}, {"u4", at::kLong},
        {"i8", at::kLong}, {"u8", at::kLong}};
    const QString code = a.descr.right(2);
    std::vector<int64_t> shape(a.shape.begin(), a.shape.end());
    // Unsigned 16/32/64-bit have no exact ATen type: read as the signed type of the same width.
    const at::ScalarType stored = code == QLatin1String("u2")   ? at::kShort
                                  : code == QLatin1String("u4") ? at::kInt
                                  : code == QLatin1String("u8") ? at::kLong
                                                                : types.at(code);
    return torch::from_blob(const_cast<char*>(a.data.constData()), shape, stored).clone();
}

void normalise(at::Tensor& raw, const DataSpec& spec, const QString& name)
{
    if (spec.mean.isEmpty())
        return;
    if (!at::isFloatingType(raw.scalar_type()))
        bad(QStringLiteral("%1 holds integers (token ids?): mean and std do not apply").arg(name));
    const int64_t channels = raw.dim() >= 2 ? raw.size(1) : 1;
    for (const auto* v : {&spec.mean, &spec.std})
        if (v->size() != 1 && v->size() != channels)
            bad(QStringLiteral("data spec: mean/std have %1 values but the samples have %2 channels").arg(v->size()).arg(channels));
    auto toShape = [&](const QVector<double>& v) {
        std::vector<int64_t> shape(size_t(raw.dim()), 1);
        if (raw.dim() >= 2)
            shape[1] = v.size();
        return torch::tensor(std::vector<double>(v.begin(), v.end()), torch::kFloat32).reshape(shape);
    };
    raw = (raw - toShape(spec.mean)) / toShape(spec.std);
}

void loadIdx(const DataSpec& spec, Dataset::Impl& d)
{
    const IdxArray images = readIdx(spec.inputsPath);
    // As float32, the samples take four times their bytes.
    checkMemoryBudget(5 * images.data.size(), spec.inputsPath,
                      QStringLiteral("its %1 samples as float32, beside the file's bytes").arg(images.dims.value(0)));
    if (images.dims.size() < 2)
        bad(QStringLiteral("%1 holds a 1-dimensional array; expected samples (N×H×W)").arg(spec.inputsPath));
    std::vector<int64_t> dims(images.dims.begin(), images.dims.end());
    at::Tensor raw = torch::from_blob(const_cast<char*>(images.data.constData()), dims, torch::kUInt8).to(torch::kFloat32);
    raw.div_(255.0);
    if (raw.dim() == 3)
        raw = raw.unsqueeze(1); // N×H×W → N×1×H×W
    else if (raw.dim() == 4)
        raw = raw.permute({0, 3, 1, 2}).contiguous(); // IDX stores N×H×W×C
    d.inputs = raw;
    if (!spec.labelsPath.isEmpty()) {
        const IdxArray labels = readIdx(spec.labelsPath);
        if (labels.dims.size() != 1)
            bad(QStringLiteral("%1 is not a label file: it has %2 dimensions, expected 1").arg(spec.labelsPath).arg(labels.dims.size()));
        d.labels = asLabels(torch::from_blob(const_cast<char*>(labels.data.constData()), {labels.dims[0]}, torch::kUInt8),
                            spec.labelsPath, images.dims[0], spec.inputsPath);
    }
}

void loadNpy(const DataSpec& spec, Dataset::Impl& d)
{
    const NpyArray inputs = parseNpy(readWhole(spec.inputsPath, QStringLiteral("inputs")), spec.inputsPath);
    if (inputs.shape.isEmpty())
        bad(QStringLiteral("%1 holds a single value; expected samples along the first dimension").arg(spec.inputsPath));
    d.inputs = asInputs(npyTensor(inputs));
    if (!spec.labelsPath.isEmpty())
        d.labels = asLabels(npyTensor(parseNpy(readWhole(spec.labelsPath, QStringLiteral("labels")), spec.labelsPath)),
                            spec.labelsPath, d.inputs.size(0), spec.inputsPath);
}

/// A file torch.save wrote (the zip format), as LibTorch's pickle_load reads it, but also when it
/// holds a dict of one item: Python pickles that with SETITEM, an opcode LibTorch 1.13's
/// unpickler lacks, so the one SETITEM is rewritten as the MARK … SETITEMS of a longer dict.
c10::IValue unpickleTorchSave(const QByteArray& bytes)
{
    std::istringstream in(bytes.toStdString());
    caffe2::serialize::PyTorchStreamReader archive(&in);
    const auto [record, size] = archive.getRecord("data.pkl");
    std::string pickle(static_cast<const char*>(record.get()), size);
    // PROTO n, EMPTY_DICT, a memo op (BINPUT i, LONG_BINPUT i, MEMOIZE), ..., SETITEM, STOP.
    if (pickle.size() > 6 && uint8_t(pickle[0]) == 0x80 && pickle[2] == '}' && pickle[pickle.size() - 2] == 's' &&
        pickle.back() == '.') {
        const size_t memo = pickle[3] == 'q' ? 2 : pickle[3] == 'r' ? 5 : uint8_t(pickle[3]) == 0x94 ? 1 : 0;
        pickle[pickle.size() - 2] = 'u';
        pickle.insert(3 + memo, 1, '(');
    }
    size_t offset = 0;
    torch::jit::Unpickler unpickler(
        [&](char* buffer, size_t length) {
            length = std::min(length, pickle.size() - offset);
            std::memcpy(buffer, pickle.data() + offset, length);
            offset += length;
            return length;
        },
        nullptr, nullptr, [&](const std::string& name) { return std::get<0>(archive.getRecord("data/" + name)); },
        c10::nullopt);
    return unpickler.parse_ivalue();
}

void loadTensors(const DataSpec& spec, Dataset::Impl& d)
{
    const QByteArray bytes = readWhole(spec.inputsPath, QStringLiteral("tensor file"));
    c10::IValue v;
    try {
        v = unpickleTorchSave(bytes);
    } catch (const std::exception& e) {
        bad(QStringLiteral("%1 is not a file torch.save wrote: %2").arg(spec.inputsPath, torchMessage(e)));
    }
    at::Tensor inputs, labels;
    if (v.isTensor()) {
        inputs = v.toTensor();
    } else if (v.isGenericDict()) {
        // The keys people save under: the spec's own, or the usual names, in this order.
        const QStringList inputKeys = spec.inputsKey.isEmpty()
                                          ? QStringList{QStringLiteral("inputs"), QStringLiteral("input_ids"), QStringLiteral("tokens"), QStringLiteral("x")}
                                          : QStringList{spec.inputsKey};
        const QStringList labelKeys = spec.labelsKey.isEmpty()
                                          ? QStringList{QStringLiteral("labels"), QStringLiteral("targets"), QStringLiteral("y")}
                                          : QStringList{spec.labelsKey};
        QStringList present;
        std::map<QString, c10::IValue> values;
        for (const auto& item : v.toGenericDict())
            if (item.key().isString()) {
                present << QString::fromStdString(item.key().toStringRef());
                values[present.last()] = item.value();
            }
        auto take = [&](const QStringList& keys) -> at::Tensor {
            for (const QString& key : keys)
                if (const auto it = values.find(key); it != values.end()) {
                    if (!it->second.isTensor())
                        bad(QStringLiteral("%1: '%2' is not a tensor").arg(spec.inputsPath, key));
                    return it->second.toTensor();
                }
            return {};
        };
        inputs = take(inputKeys);
        labels = take(labelKeys);
        if (!inputs.defined())
            bad(QStringLiteral("%1 has no inputs under %2; its keys are %3 (name the inputs with ?inputs=KEY)")
                    .arg(spec.inputsPath, inputKeys.join(QStringLiteral(", ")),
                         present.isEmpty() ? QStringLiteral("(none)") : present.join(QStringLiteral(", "))));
        if (!spec.labelsKey.isEmpty() && !labels.defined())
            bad(QStringLiteral("%1 has no labels under %2; its keys are %3").arg(spec.inputsPath, spec.labelsKey, present.join(QStringLiteral(", "))));
    } else {
        bad(QStringLiteral("%1 holds %2; expected a tensor or a dict {'inputs': X, 'labels': y}")
                .arg(spec.inputsPath, QString::fromStdString(v.tagKind())));
    }
    if (inputs.dim() == 0)
        bad(QStringLiteral("%1: 'inputs' is a single value; expected samples along the first dimension").arg(spec.inputsPath));
    d.inputs = asInputs(inputs.contiguous());
    if (labels.defined())
        d.labels = asLabels(labels, spec.inputsPath + QStringLiteral(" 'labels'"), d.inputs.size(0), spec.inputsPath);
}

void loadFolder(const DataSpec& spec, Dataset::Impl& d)
{
    const QDir root(spec.inputsPath);
    if (!root.exists())
        bad(QStringLiteral("cannot open folder %1: it does not exist").arg(spec.inputsPath));
    const QStringList classes = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (classes.isEmpty())
        bad(QStringLiteral("%1 has no class sub-folders (the layout is DIR/CLASS/IMAGE, as torchvision's ImageFolder)").arg(spec.inputsPath));
    QStringList patterns;
    for (const QByteArray& format : QImageReader::supportedImageFormats())
        patterns << QStringLiteral("*.") + QString::fromLatin1(format);
    std::vector<std::pair<QString, int64_t>> files;
    for (int c = 0; c < classes.size(); ++c) {
        const QStringList images = QDir(root.filePath(classes[c])).entryList(patterns, QDir::Files, QDir::Name);
        if (images.isEmpty())
            d.warnings << QStringLiteral("class '%1' has no images").arg(classes[c]);
        for (const QString& image : images)
            files.emplace_back(root.filePath(classes[c] + u'/' + image), c);
    }
    // Images that all share one size keep it (a PNG copy of Fashion-MNIST stays 28×28); mixed
    // sizes, or size=/resize= given, go through torchvision's Resize(256) + CenterCrop(224).
    QSize common;
    bool same = spec.size == 0 && spec.resize == 0;
    for (size_t i = 0; same && i < files.size(); ++i) {
        const QSize s = QImageReader(files[i].first).size();
        if (!s.isValid())
            continue; // unreadable: skipped below, with a warning
        if (!common.isValid())
            common = s;
        same = s == common;
    }
    const bool keep = same && common.isValid();
    const int size = spec.size > 0 ? spec.size : 224;
    const int shorter = spec.resize > 0 ? spec.resize : qRound(size * 256.0 / 224.0);
    if (!keep && shorter < size)
        bad(QStringLiteral("data spec: resize=%1 is smaller than size=%2 (the crop)").arg(shorter).arg(size));
    const int width = keep ? common.width() : size, height = keep ? common.height() : size;
    if (!keep && spec.size == 0 && spec.resize == 0)
        d.warnings << QStringLiteral("the images differ in size: each is resized to %1 on its shorter side and cropped to "
                                     "%2×%2 in the centre (set size= and resize= to choose)").arg(shorter).arg(size);
    const int channels = spec.gray ? 1 : 3;
    checkMemoryBudget(qint64(files.size()) * channels * width * height * 5, spec.inputsPath,
                      QStringLiteral("%1 images of %2×%3×%4 as float32").arg(files.size()).arg(channels).arg(height).arg(width));
    // A fixed shuffle, so that the calibration split (the first samples) holds every class.
    std::mt19937 random(0);
    std::shuffle(files.begin(), files.end(), random);
    at::Tensor pixels = at::empty({int64_t(files.size()), height, width, channels}, at::kByte);
    std::vector<int64_t> labels;
    QStringList unreadable;
    int64_t n = 0;
    for (const auto& [path, label] : files) {
        QImage image(path);
        if (image.isNull() || image.width() < 1 || image.height() < 1) {
            unreadable << path;
            continue;
        }
        image = image.convertToFormat(spec.gray ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
        if (!keep) {
            // Shorter side to `shorter`, then the centre size×size, as torchvision's Resize + CenterCrop.
            const bool wide = image.width() >= image.height();
            const int w = wide ? qMax(shorter, qRound(double(image.width()) * shorter / image.height())) : shorter;
            const int h = wide ? shorter : qMax(shorter, qRound(double(image.height()) * shorter / image.width()));
            image = image.scaled(w, h, Qt::IgnoreAspectRatio, Qt::SmoothTransformation).copy((w - size) / 2, (h - size) / 2, size, size);
        } else if (image.size() != common) {
            unreadable << path; // changed since its size was read
            continue;
        }
        uint8_t* out = pixels[n].data_ptr<uint8_t>();
        for (int y = 0; y < height; ++y)
            std::memcpy(out + size_t(y) * width * channels, image.constScanLine(y), size_t(width) * channels);
        labels.push_back(label);
        ++n;
    }
    if (!unreadable.isEmpty())
        d.warnings << QStringLiteral("%1 image(s) could not be read and were skipped (first: %2)").arg(unreadable.size()).arg(unreadable.first());
    d.inputs = pixels.narrow(0, 0, n).permute({0, 3, 1, 2}).to(at::kFloat).div_(255.0);
    d.labels = torch::tensor(labels, at::kLong);
    d.classNames = classes;
    if (n == 0)
        bad(QStringLiteral("%1 holds no readable images").arg(spec.inputsPath));
}

/// The samples whose input holds NaN or infinity (float data only), once per data set.
void findNonFinite(Dataset::Impl& d)
{
    d.nonFiniteSamples.clear();
    if (!d.inputs.is_floating_point() || d.inputs.size(0) == 0)
        return;
    const at::Tensor rows = at::isfinite(d.inputs).reshape({d.inputs.size(0), -1}).all(1).logical_not().nonzero().flatten();
    for (int64_t i = 0; i < rows.numel(); ++i)
        d.nonFiniteSamples.push_back(rows[i].item<int64_t>());
}

void loadRandom(const DataSpec& spec, Dataset::Impl& d)
{
    std::vector<int64_t> sizes{spec.count};
    for (qint64 s : spec.shape)
        sizes.push_back(s);
    qint64 elements = spec.count;
    for (qint64 s : spec.shape)
        elements *= s;
    checkMemoryBudget(elements * 4, spec.toString(), QStringLiteral("%1 random values").arg(elements));
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(uint64_t(spec.seed));
    d.inputs = spec.integers ? at::randint(spec.high, sizes, generator, at::kLong) : at::randn(sizes, generator);
    d.warnings << QStringLiteral("random data: shapes and weights are the model's own, but activation statistics and "
                                 "scores are those of random inputs, not of real data");
}

} // namespace

std::shared_ptr<Dataset> Dataset::load(const DataSpec& spec)
{
    if (!spec.calibrationSpec.isEmpty())
        return loadWithCalibration(spec);
    auto d = std::make_unique<Impl>();
    d->spec = spec;
    if (spec.format == QLatin1String("npy"))
        loadNpy(spec, *d);
    else if (spec.format == QLatin1String("tensors"))
        loadTensors(spec, *d);
    else if (spec.format == QLatin1String("folder"))
        loadFolder(spec, *d);
    else if (spec.format == QLatin1String("random"))
        loadRandom(spec, *d);
    else
        loadIdx(spec, *d);
    normalise(d->inputs, spec, spec.inputsPath);
    d->inputs = d->inputs.contiguous();
    if (d->inputs.size(0) == 0)
        bad(QStringLiteral("%1 holds no samples").arg(spec.inputsPath));
    if (d->labels.defined())
        d->classCount = int(d->labels.max().item<int64_t>()) + 1;
    findNonFinite(*d);
    if (spec.toString() == DataSpec::demo().toString())
        d->classNames = {QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"), QStringLiteral("Pullover"),
                         QStringLiteral("Dress"),       QStringLiteral("Coat"),    QStringLiteral("Sandal"),
                         QStringLiteral("Shirt"),       QStringLiteral("Sneaker"), QStringLiteral("Bag"),
                         QStringLiteral("Ankle boot")};
    return std::shared_ptr<Dataset>(new Dataset(std::move(d)));
}

int Dataset::label(qint64 index) const
{
    return d->labels.defined() && index >= 0 && index < size() ? int(d->labels[index].item<int64_t>()) : -1;
}

QStringList Dataset::warnings() const
{
    return d->warnings;
}

QStringList Dataset::classNames() const
{
    return d->classNames;
}

QImage Dataset::sampleImage(qint64 index) const
{
    if (index < 0 || index >= size() || d->inputs.dim() != 4 || !at::isFloatingType(d->inputs.scalar_type()))
        return {};
    const int64_t channels = d->inputs.size(1), h = d->inputs.size(2), w = d->inputs.size(3);
    if ((channels != 1 && channels != 3) || h < 4 || w < 4)
        return {};
    at::Tensor x = d->inputs[index].to(at::kFloat);
    if (!d->spec.mean.isEmpty()) { // back to [0, 1]
        auto column = [&](const QVector<double>& v) {
            return torch::tensor(std::vector<double>(v.begin(), v.end()), at::kFloat).reshape({int64_t(v.size()), 1, 1});
        };
        x = x * column(d->spec.std) + column(d->spec.mean);
    }
    const at::Tensor bytes = x.clamp(0, 1).mul(255).round().to(at::kByte).permute({1, 2, 0}).contiguous();
    QImage image(int(w), int(h), channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        std::memcpy(image.scanLine(y), bytes.data_ptr<uint8_t>() + y * w * channels, size_t(w * channels));
    return image;
}

QString metricName(Metric m)
{
    switch (m) {
    case Metric::Accuracy:
        return QStringLiteral("top-1");
    case Metric::Agreement:
        return QStringLiteral("top-1 agreement");
    case Metric::Perplexity:
        return QStringLiteral("perplexity");
    }
    return {};
}

Metric metricFor(const Dataset& data)
{
    if (data.isTokenWindows())
        return Metric::Perplexity;
    return data.hasLabels() ? Metric::Accuracy : Metric::Agreement;
}

bool Dataset::isTokenWindows() const
{
    return !d->labels.defined() && d->inputs.dim() == 2 && !at::isFloatingType(d->inputs.scalar_type());
}

QVector<qint64> Dataset::tokens(qint64 index) const
{
    if (!isTokenWindows() || index < 0 || index >= size())
        return {};
    const at::Tensor w = d->inputs[index].contiguous();
    return QVector<qint64>(w.data_ptr<int64_t>(), w.data_ptr<int64_t>() + w.numel());
}

std::pair<qint64, qint64> Dataset::tokenIdRange() const
{
    if (!isTokenWindows() || d->inputs.numel() == 0)
        return {0, 0};
    const auto [lo, hi] = at::aminmax(d->inputs);
    return {lo.item<int64_t>(), hi.item<int64_t>()};
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
    if (d->calibrationCount > 0) {
        DataSpec evaluation = d->spec;
        evaluation.calibrationSpec.clear();
        return QStringLiteral("%1 (%2 samples%3), calibrated on %4 (%5 samples)")
            .arg(QFileInfo(evaluation.inputsPath).fileName())
            .arg(size() - d->calibrationCount)
            .arg(hasLabels() ? QStringLiteral(", %1 classes").arg(d->classCount) : QStringLiteral(", no labels"))
            .arg(QFileInfo(DataSpec::parse(d->spec.calibrationSpec).inputsPath).fileName())
            .arg(d->calibrationCount);
    }
    if (d->spec.format == QLatin1String("random"))
        return QStringLiteral("random data (%1 samples of %2, %3)")
            .arg(size())
            .arg(formatShape(d->spec.shape))
            .arg(d->spec.integers ? QStringLiteral("integers below %1").arg(d->spec.high) : QStringLiteral("normal floats"));
    QString s = QFileInfo(d->spec.inputsPath).fileName();
    if (isTokenWindows())
        return QStringLiteral("%1 (%2 windows of %3 tokens)").arg(s).arg(size()).arg(d->inputs.size(1));
    return QStringLiteral("%1 (%2 samples%3)")
        .arg(s)
        .arg(size())
        .arg(hasLabels() ? QStringLiteral(", %1 classes").arg(d->classCount) : QStringLiteral(", no labels"));
}

std::shared_ptr<Dataset> Dataset::loadWithCalibration(const DataSpec& spec)
{
    DataSpec evaluationSpec = spec;
    evaluationSpec.calibrationSpec.clear();
    const std::shared_ptr<Dataset> evaluation = load(evaluationSpec);
    const std::shared_ptr<Dataset> calibration = load(DataSpec::parse(spec.calibrationSpec));
    const Impl& e = evaluation->impl();
    const Impl& c = calibration->impl();
    if (calibration->sampleShape() != evaluation->sampleShape() || c.inputs.scalar_type() != e.inputs.scalar_type())
        bad(QStringLiteral("the calibration data's samples are %1 (%2), the evaluation data's %3 (%4); they must be alike")
                .arg(formatShape(calibration->sampleShape()), QString::fromLatin1(c10::toString(c.inputs.scalar_type())),
                     formatShape(evaluation->sampleShape()), QString::fromLatin1(c10::toString(e.inputs.scalar_type()))));
    // One data set whose first samples calibrate and whose others are evaluated: everything that
    // splits a data set (profile, trials, exports) works on it unchanged.
    auto d = std::make_unique<Impl>();
    d->spec = spec;
    d->inputs = at::cat({c.inputs, e.inputs}).contiguous();
    if (e.labels.defined()) // calibration needs no labels: any stand in for missing ones
        d->labels = at::cat({c.labels.defined() ? c.labels : at::zeros({c.inputs.size(0)}, at::kLong), e.labels});
    d->classCount = e.classCount;
    d->classNames = e.classNames;
    d->calibrationCount = c.inputs.size(0);
    d->nonFiniteSamples = c.nonFiniteSamples; // both sets found theirs when they loaded
    for (int64_t i : e.nonFiniteSamples)
        d->nonFiniteSamples.push_back(d->calibrationCount + i);
    for (const QString& w : c.warnings)
        d->warnings << QStringLiteral("calibration data: %1").arg(w);
    d->warnings << e.warnings;
    return std::shared_ptr<Dataset>(new Dataset(std::move(d)));
}

qint64 Dataset::calibrationSetSize() const
{
    return d->calibrationCount;
}

SampleRange Dataset::calibrationRange(qint64 calibration) const
{
    const qint64 available = d->calibrationCount > 0 ? d->calibrationCount : size();
    return {0, qBound<qint64>(0, calibration, available)};
}

SampleRange Dataset::evaluationRange(qint64 calibration, qint64 evalLimit) const
{
    // With a calibration set of its own, all of the evaluation data is evaluated.
    const qint64 begin = d->calibrationCount > 0 ? d->calibrationCount : calibrationRange(calibration).end;
    qint64 end = size();
    if (evalLimit >= 0)
        end = qMin(end, begin + evalLimit);
    return {begin, end};
}

} // namespace qs
