#pragma once
// Data sets: where samples come from, how they are scaled, and how they are split.

#include <QByteArray>
#include <QString>
#include <QVector>

#include <memory>

namespace qs {

/// A data source as the user writes it: "idx:IMAGES[,LABELS][?mean=M&std=S]".
struct DataSpec {
    QString format;            ///< "idx"
    QString inputsPath;
    QString labelsPath;        ///< empty: no labels
    QVector<double> mean;      ///< per channel (one value applies to all); empty: none
    QVector<double> std;

    /// Parses the spec; throws EngineError(BadInput) naming the part that is wrong.
    static DataSpec parse(const QString& text);
    /// Fashion-MNIST's 10,000 test images and labels from Debian's dataset-fashion-mnist.
    static DataSpec demo();
    QString toString() const;
};

/// An IDX array (the MNIST family's format): big-endian dims, unsigned bytes.
struct IdxArray {
    QVector<qint64> dims;
    QByteArray data;
};

/// Reads an IDX file, gzipped or not. Throws EngineError(BadInput) naming the file on a wrong
/// magic number, an unsupported element type or a truncated file.
IdxArray readIdx(const QString& path);
/// Parses IDX bytes already in memory; `name` is used in messages.
IdxArray parseIdx(const QByteArray& bytes, const QString& name);

/// A half-open range of sample indices.
struct SampleRange {
    qint64 begin = 0;
    qint64 end = 0;
    qint64 size() const { return end - begin; }
};

class Dataset
{
public:
    /// Loads every sample into memory as float NCHW; throws EngineError(BadInput).
    static std::shared_ptr<Dataset> load(const DataSpec& spec);
    ~Dataset();
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;

    const DataSpec& spec() const;
    qint64 size() const;
    bool hasLabels() const;
    int classCount() const;                 ///< 1 + the largest label; 0 without labels
    /// Shape of one sample (C×H×W), or with a leading batch dimension of one.
    QVector<qint64> sampleShape(bool withBatch = false) const;
    QString description() const;            ///< e.g. "t10k-images-idx3-ubyte.gz (10000 samples)"

    /// The first `calibration` samples calibrate; the rest (at most `evalLimit`, -1 = all)
    /// evaluate. The two never overlap.
    SampleRange calibrationRange(qint64 calibration) const;
    SampleRange evaluationRange(qint64 calibration, qint64 evalLimit = -1) const;

    struct Impl; // engine-private, see data_p.h
    const Impl& impl() const { return *d; }

private:
    explicit Dataset(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace qs
