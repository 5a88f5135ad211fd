// Parsing what users give as data: the data-spec string and IDX files (gzipped or not).
// Kept free of LibTorch, so that the fuzzers (tests/fuzz) build it alone.

#include "data.h"

#include <limits>

#include "errors.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStringList>

#include <zlib.h>

#include <cmath>

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
    // "EVALUATION;calib=CALIBRATION": two data sets.
    if (const qsizetype split = text.lastIndexOf(QLatin1String(";calib=")); split >= 0) {
        DataSpec spec = parse(text.left(split));
        const DataSpec calibration = parse(text.mid(split + 7));
        if (!spec.calibrationSpec.isEmpty() || !calibration.calibrationSpec.isEmpty())
            bad(QStringLiteral("data spec '%1': one calibration data set at most").arg(text));
        spec.calibrationSpec = calibration.toString();
        return spec;
    }
    DataSpec spec;
    const qsizetype colon = text.indexOf(u':');
    if (colon <= 0)
        bad(QStringLiteral("data spec '%1' has no format; write e.g. idx:IMAGES,LABELS or folder:DIR").arg(text));
    spec.format = text.left(colon);
    static const QStringList formats{QStringLiteral("idx"), QStringLiteral("npy"), QStringLiteral("tensors"),
                                     QStringLiteral("folder"), QStringLiteral("random")};
    if (!formats.contains(spec.format))
        bad(QStringLiteral("data spec '%1': unknown format '%2' (supported: idx, npy, tensors, folder, random)").arg(text, spec.format));
    QString rest = text.mid(colon + 1);
    QString query;
    if (const qsizetype q = rest.indexOf(u'?'); q >= 0) {
        query = rest.mid(q + 1);
        rest = rest.left(q);
    }
    const bool pair = spec.format == QLatin1String("idx") || spec.format == QLatin1String("npy");
    const QStringList files = pair ? rest.split(u',') : QStringList{rest};
    if (files.isEmpty() || files.size() > 2 || files.first().isEmpty() || (files.size() == 2 && files[1].isEmpty()))
        bad(pair ? QStringLiteral("data spec '%1': write %2:INPUTS or %2:INPUTS,LABELS").arg(text, spec.format)
                 : QStringLiteral("data spec '%1': write %2:PATH").arg(text, spec.format));
    spec.inputsPath = files.value(0);
    spec.labelsPath = files.value(1);
    auto positive = [&](const QString& key, const QString& value) {
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n <= 0 || n > 8192)
            bad(QStringLiteral("data spec '%1': %2=%3 is not a size from 1 to 8192").arg(text, key, value));
        return n;
    };
    const bool folder = spec.format == QLatin1String("folder");
    const bool tensors = spec.format == QLatin1String("tensors");
    const bool random = spec.format == QLatin1String("random");
    if (random) {
        spec.inputsPath.clear();
        for (const QString& d : files.value(0).split(u',')) {
            bool ok = false;
            const qint64 n = d.trimmed().toLongLong(&ok);
            if (!ok || n <= 0 || n > 65536)
                bad(QStringLiteral("data spec '%1': the shape %2 is not a list of sizes from 1 to 65536, such as 3,224,224")
                        .arg(text, files.value(0)));
            spec.shape << n;
        }
        if (spec.shape.size() > 4)
            bad(QStringLiteral("data spec '%1': a sample has at most 4 dimensions (without the batch)").arg(text));
    }
    auto count = [&](const QString& key, const QString& value, qint64 lo, qint64 hi) {
        bool ok = false;
        const qint64 n = value.toLongLong(&ok);
        if (!ok || n < lo || n > hi)
            bad(QStringLiteral("data spec '%1': %2=%3 is not a number from %4 to %5").arg(text, key, value).arg(lo).arg(hi));
        return n;
    };
    if (!query.isEmpty()) {
        for (const QString& item : query.split(u'&')) {
            const QString key = item.section(u'=', 0, 0);
            const QString value = item.section(u'=', 1);
            if (key == QLatin1String("mean"))
                spec.mean = parseNumbers(key, value);
            else if (key == QLatin1String("std"))
                spec.std = parseNumbers(key, value);
            else if (folder && key == QLatin1String("size"))
                spec.size = positive(key, value);
            else if (folder && key == QLatin1String("resize"))
                spec.resize = positive(key, value);
            else if (folder && key == QLatin1String("gray") && (value == QLatin1String("1") || value == QLatin1String("0")))
                spec.gray = value == QLatin1String("1");
            else if (random && key == QLatin1String("dtype") && (value == QLatin1String("float") || value == QLatin1String("int64")))
                spec.integers = value == QLatin1String("int64");
            else if (random && key == QLatin1String("n"))
                spec.count = count(key, value, 1, 100000);
            else if (random && key == QLatin1String("seed"))
                spec.seed = count(key, value, 0, std::numeric_limits<int>::max());
            else if (random && key == QLatin1String("high"))
                spec.high = count(key, value, 1, std::numeric_limits<int>::max());
            else if (tensors && key == QLatin1String("inputs") && !value.isEmpty())
                spec.inputsKey = value;
            else if (tensors && key == QLatin1String("labels") && !value.isEmpty())
                spec.labelsKey = value;
            else
                bad(QStringLiteral("data spec '%1': unknown option '%2' (supported: mean, std%3)")
                        .arg(text, item,
                             folder    ? QStringLiteral(", size, resize, gray=1")
                             : tensors ? QStringLiteral(", inputs=KEY, labels=KEY")
                             : random  ? QStringLiteral(", dtype=float|int64, n, seed, high")
                                       : QString()));
        }
    }
    for (double s : spec.std)
        if (!(s > 0))
            bad(QStringLiteral("data spec '%1': std must be positive").arg(text));
    for (double m : spec.mean)
        if (!std::isfinite(m))
            bad(QStringLiteral("data spec '%1': mean must be finite").arg(text));
    if (spec.mean.isEmpty() != spec.std.isEmpty())
        bad(QStringLiteral("data spec '%1': give both mean and std, or neither").arg(text));
    if (random && spec.integers && spec.high <= 0)
        bad(QStringLiteral("data spec '%1': integers need high=V (tokens below V, e.g. the vocabulary size)").arg(text));
    if (random && !spec.integers && spec.high > 0)
        bad(QStringLiteral("data spec '%1': high= is for dtype=int64").arg(text));
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
    if (!calibrationSpec.isEmpty()) {
        DataSpec evaluation = *this;
        evaluation.calibrationSpec.clear();
        return evaluation.toString() + QStringLiteral(";calib=") + calibrationSpec;
    }
    if (format == QLatin1String("random")) {
        QStringList dims, options;
        for (qint64 d : shape)
            dims << QString::number(d);
        if (integers)
            options << QStringLiteral("dtype=int64") << QStringLiteral("high=%1").arg(high);
        if (count != 64)
            options << QStringLiteral("n=%1").arg(count);
        if (seed != 0)
            options << QStringLiteral("seed=%1").arg(seed);
        if (!mean.isEmpty())
            options << QStringLiteral("mean=%1&std=%2").arg(joinNumbers(mean), joinNumbers(std));
        return QStringLiteral("random:") + dims.join(u',') + (options.isEmpty() ? QString() : u'?' + options.join(u'&'));
    }
    QString s = format + u':' + inputsPath;
    if (!labelsPath.isEmpty())
        s += u',' + labelsPath;
    QStringList options;
    if (!mean.isEmpty())
        options << QStringLiteral("mean=%1&std=%2").arg(joinNumbers(mean), joinNumbers(std));
    if (size > 0)
        options << QStringLiteral("size=%1").arg(size);
    if (resize > 0)
        options << QStringLiteral("resize=%1").arg(resize);
    if (gray)
        options << QStringLiteral("gray=1");
    if (!inputsKey.isEmpty())
        options << QStringLiteral("inputs=%1").arg(inputsKey);
    if (!labelsKey.isEmpty())
        options << QStringLiteral("labels=%1").arg(labelsKey);
    if (!options.isEmpty())
        s += u'?' + options.join(u'&');
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
        if (dim > (qint64(1) << 34) / count) // checked before multiplying: the product must not overflow
            bad(QStringLiteral("%1: IDX array is too large").arg(name));
        count *= dim;
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

NpyArray parseNpy(const QByteArray& bytes, const QString& name)
{
    const auto* p = reinterpret_cast<const uchar*>(bytes.constData());
    if (bytes.size() < 10 || !bytes.startsWith("\x93NUMPY"))
        bad(QStringLiteral("%1 is not a .npy file: wrong magic number").arg(name));
    const int major = p[6];
    if (major < 1 || major > 3)
        bad(QStringLiteral("%1: .npy format version %2 is not supported").arg(name).arg(major));
    const qint64 headerLength = major == 1 ? qint64(p[8]) | (qint64(p[9]) << 8)
                                           : bytes.size() < 12 ? -1
                                                               : qint64(p[8]) | (qint64(p[9]) << 8) | (qint64(p[10]) << 16) |
                                                                     (qint64(p[11]) << 24);
    const qint64 start = major == 1 ? 10 : 12;
    if (headerLength < 0 || start + headerLength > bytes.size())
        bad(QStringLiteral("%1 is truncated: the .npy header is incomplete").arg(name));
    const QString header = QString::fromLatin1(bytes.mid(start, headerLength));
    static const QRegularExpression descr(QStringLiteral("'descr'\\s*:\\s*'([^']*)'"));
    static const QRegularExpression fortran(QStringLiteral("'fortran_order'\\s*:\\s*(True|False)"));
    static const QRegularExpression shape(QStringLiteral("'shape'\\s*:\\s*\\(([^)]*)\\)"));
    const auto d = descr.match(header), f = fortran.match(header), s = shape.match(header);
    if (!d.hasMatch() || !f.hasMatch() || !s.hasMatch())
        bad(QStringLiteral("%1: cannot read the .npy header").arg(name));
    if (f.captured(1) == QLatin1String("True"))
        bad(QStringLiteral("%1 is in Fortran order; save it with numpy.ascontiguousarray first").arg(name));
    NpyArray a;
    a.descr = d.captured(1);
    static const QRegularExpression supported(QStringLiteral("^[<|=]?(f2|f4|f8|u1|i1|b1|i2|u2|i4|u4|i8|u8)$"));
    if (!supported.match(a.descr).hasMatch())
        bad(QStringLiteral("%1: element type '%2' is not supported (little-endian floats, integers or bool)").arg(name, a.descr));
    const int itemSize = a.descr.right(1).toInt();
    qint64 count = 1;
    for (const QString& part : s.captured(1).split(u',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const qint64 dim = part.trimmed().toLongLong(&ok);
        if (!ok || dim < 0 || (dim > 0 && count > (qint64(1) << 34) / dim))
            bad(QStringLiteral("%1: .npy shape (%2) is not usable").arg(name, s.captured(1)));
        a.shape << dim;
        count *= dim;
    }
    const qint64 have = bytes.size() - start - headerLength;
    if (have != count * itemSize)
        bad(QStringLiteral("%1: the shape (%2) of %3 needs %4 bytes of data; the file has %5")
                .arg(name, s.captured(1), a.descr)
                .arg(count * itemSize)
                .arg(have));
    a.data = bytes.mid(start + headerLength);
    return a;
}

IdxArray readIdx(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        bad(QStringLiteral("cannot open %1: %2").arg(path, f.errorString()));
    return parseIdx(f.readAll(), path);
}

} // namespace qs
