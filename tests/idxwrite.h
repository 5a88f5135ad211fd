#pragma once
// Writing small IDX files for tests and benchmarks: big-endian dims, then the bytes.

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QVector>

namespace qs::testing {

inline QByteArray idxBytes(const QVector<quint32>& dims, const QByteArray& payload, uchar type = 0x08)
{
    QByteArray b;
    b.append(char(0)).append(char(0)).append(char(type)).append(char(dims.size()));
    for (quint32 d : dims)
        for (int shift = 24; shift >= 0; shift -= 8)
            b.append(char((d >> shift) & 0xff));
    return b + payload;
}

/// Writes `bytes` to `path` and returns the path.
inline QString writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(bytes);
    return path;
}

} // namespace qs::testing
