#include "data_p.h"

#include "errors.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <zlib.h>

namespace qs {

namespace {

[[noreturn]] void bad(const QString& message)
{
    throw EngineError(ErrorKind::BadInput, message);
}

QByteArray gunzip(const QByteArray& in, const QString& name)
{
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        throw EngineError(ErrorKind::Internal, QStringLiteral("zlib could not start"));
    QByteArray out;
    out.resize(qMax<qsizetype>(in.size() * 4, 1 << 16));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.constData()));
    zs.avail_in = uInt(in.size());
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (qsizetype(zs.total_out) == out.size())
            out.resize(out.size() * 2);
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
        zs.avail_out = uInt(out.size() - qsizetype(zs.total_out));
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0)
            break; // input ran out before the stream ended
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            inflateEnd(&zs);
            bad(QStringLiteral("%1: corrupt gzip data (%2)").arg(name, QString::fromLatin1(zs.msg ? zs.msg : "?")));
        }
    }
    const bool complete = rc == Z_STREAM_END;
    out.resize(qsizetype(zs.total_out));
    inflateEnd(&zs);
    if (!complete)
        bad(QStringLiteral("%1 is truncated: the gzip stream ends early").arg(name));
    return out;
}

quint32 bigEndian32(const uchar* p)
{
    return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | quint32(p[3]);
}

QVector<double> parseNumbers(const QString& key, const QString& value)
{
    QVector<double> out;
    for (const QString& part : value.split(u',')) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok)
            bad(QStringLiteral("data spec: %1=%2 is not a list of numbers").arg(key, value));
        out << v;
    }
    return out;
}

QString joinNumbers(const QVector<double>& v)
{
    QStringList parts;
    for (double x : v)
        parts << QString::number(x);
    return parts.join(u',');
}

} // namespace

DataSpec DataSpec::parse(const QString& text)
{
    DataSpec spec;
    const qsizetype colon = text.indexOf(u':');
    if (colon <= 0)
        bad(QStringLiteral("data spec '%1' has no format; write idx:IMAGES,LABELS").arg(text));
    spec.format = text.left(colon);
    if (spec.format != QLatin1String("idx"))
        bad(QStringLiteral("data spec '%1': unknown format '%2' (supported: idx)").arg(text, spec.format));
    QString rest = text.mid(colon + 1);
    QString query;
    if (const qsizetype q = rest.indexOf(u'?'); q >= 0) {
        query = rest.mid(q + 1);
        rest = rest.left(q);
    }
    const QStringList files = rest.split(u',');
    if (files.isEmpty() || files.size() > 2 || files.first().isEmpty())
        bad(QStringLiteral("data spec '%1': write idx:IMAGES or idx:IMAGES,LABELS").arg(text));
    spec.inputsPath = files.value(0);
    spec.labelsPath = files.value(1);
    if (!query.isEmpty()) {
        for (const QString& item : query.split(u'&')) {
            const QString key = item.section(u'=', 0, 0);
            const QString value = item.section(u'=', 1);
            if (key == QLatin1String("mean"))
                spec.mean = parseNumbers(key, value);
            else if (key == QLatin1String("std"))
                spec.std = parseNumbers(key, value);
            else
                bad(QStringLiteral("data spec '%1': unknown option '%2' (supported: mean, std)").arg(text, key));
        }
    }
    for (double s : spec.std)
        if (s <= 0)
            bad(QStringLiteral("data spec '%1': std must be positive").arg(text));
    if (spec.mean.isEmpty() != spec.std.isEmpty())
        bad(QStringLiteral("data spec '%1': give both mean and std, or neither").arg(text));
    return spec;
}

DataSpec DataSpec::demo()
{
    const QString dir = QStringLiteral("/usr/share/datasets/fashion-mnist/");
    DataSpec spec;
    spec.format = QStringLiteral("idx");
    spec.inputsPath = dir + QStringLiteral("t10k-images-idx3-ubyte.gz");
    spec.labelsPath = dir + QStringLiteral("t10k-labels-idx1-ubyte.gz");
    return spec;
}

QString DataSpec::toString() const
{
    QString s = format + u':' + inputsPath;
    if (!labelsPath.isEmpty())
        s += u',' + labelsPath;
    if (!mean.isEmpty())
        s += QStringLiteral("?mean=%1&std=%2").arg(joinNumbers(mean), joinNumbers(std));
    return s;
}

IdxArray parseIdx(const QByteArray& raw, const QString& name)
{
    QByteArray bytes = raw;
    if (bytes.size() >= 2 && uchar(bytes[0]) == 0x1f && uchar(bytes[1]) == 0x8b)
        bytes = gunzip(bytes, name);
    const auto* p = reinterpret_cast<const uchar*>(bytes.constData());
    if (bytes.size() < 4 || p[0] != 0 || p[1] != 0)
        bad(QStringLiteral("%1 is not an IDX file: wrong magic number").arg(name));
    if (p[2] != 0x08)
        bad(QStringLiteral("%1: IDX element type 0x%2 is not supported (QuantScope reads unsigned bytes, 0x08)")
                .arg(name)
                .arg(int(p[2]), 2, 16, QChar(u'0')));
    const int ndims = p[3];
    if (ndims < 1 || ndims > 4)
        bad(QStringLiteral("%1: IDX file with %2 dimensions (expected 1 to 4)").arg(name).arg(ndims));
    const qsizetype header = 4 + 4 * qsizetype(ndims);
    if (bytes.size() < header)
        bad(QStringLiteral("%1 is truncated: the header is incomplete").arg(name));
    IdxArray out;
    qint64 count = 1;
    for (int i = 0; i < ndims; ++i) {
        const qint64 dim = bigEndian32(p + 4 + 4 * i);
        if (dim <= 0 || dim > (qint64(1) << 31))
            bad(QStringLiteral("%1: IDX dimension %2 has size %3").arg(name).arg(i).arg(dim));
        out.dims << dim;
        count *= dim;
        if (count > (qint64(1) << 34))
            bad(QStringLiteral("%1: IDX array is too large").arg(name));
    }
    const qint64 have = bytes.size() - header;
    if (have < count)
        bad(QStringLiteral("%1 is truncated: the header promises %2 bytes of data, the file has %3")
                .arg(name)
                .arg(count)
                .arg(have));
    if (have > count)
        bad(QStringLiteral("%1: %2 bytes after the data the header describes (not an IDX file?)")
                .arg(name)
                .arg(have - count));
    out.data = bytes.mid(header);
    return out;
}

IdxArray readIdx(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        bad(QStringLiteral("cannot open %1: %2").arg(path, f.errorString()));
    return parseIdx(f.readAll(), path);
}

Dataset::Dataset(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Dataset::~Dataset() = default;

std::shared_ptr<Dataset> Dataset::load(const DataSpec& spec)
{
    auto d = std::make_unique<Impl>();
    d->spec = spec;
    const IdxArray images = readIdx(spec.inputsPath);
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
