#pragma once
// Writing small data files for tests and benchmarks: IDX (big-endian dims, then the bytes) and .npy.

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

/// A .npy file: magic, version 1.0, the header dict padded to 64 bytes, then the data.
inline QByteArray npyBytes(const QByteArray& descr, const QByteArray& shape, const QByteArray& data, bool fortran = false)
{
    QByteArray header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    QByteArray b("\x93NUMPY\x01\x00", 8);
    b.append(char(header.size() & 0xff)).append(char(header.size() >> 8));
    return b + header + data;
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
