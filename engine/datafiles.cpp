// Parsing what users give as data: the data-spec string and IDX files (gzipped or not).
// Kept free of LibTorch, so that the fuzzers (tests/fuzz) build it alone.

#include "data.h"

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

IdxArray readIdx(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        bad(QStringLiteral("cannot open %1: %2").arg(path, f.errorString()));
    return parseIdx(f.readAll(), path);
}

} // namespace qs
