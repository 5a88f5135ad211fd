#pragma once
// Data sets: where samples come from, how they are scaled, and how they are split.

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

namespace qs {

/// A data source as the user writes it, FORMAT:PATHS[?OPTIONS]:
///   idx:IMAGES[,LABELS]          the MNIST family's IDX files, gzipped or not
///   npy:INPUTS.npy[,LABELS.npy]  NumPy arrays
///   tensors:FILE.pt              torch.save({'inputs': X, 'labels': y}); labels optional; the inputs
///                                may also be under input_ids, tokens or x, the labels under targets or
///                                y, or under the keys ?inputs=KEY&labels=KEY name
///   folder:DIR                   torchvision's ImageFolder layout, one sub-folder per class
///   random:SHAPE                 random samples of one SHAPE (e.g. 3,224,224), for a model without
///                                data at hand: ?dtype=float (normal) or int64 (below high=V),
///                                n=N samples (64), seed=S
/// Options: mean=M[,M…]&std=S[,S…] (per channel), and for folders size=N (the centre crop,
/// default 224), resize=N (the shorter side first, default 256/224 of size) and gray=1.
struct DataSpec {
    QString format;            ///< idx, npy, tensors or folder
    QString inputsPath;
    QString labelsPath;        ///< empty: no labels (or, for tensors and folder, none of its own)
    QVector<double> mean;      ///< per channel (one value applies to all); empty: none
    QVector<double> std;
    int size = 0;              ///< folder: centre crop (0: 224)
    int resize = 0;            ///< folder: shorter side before the crop (0: size × 256 / 224)
    bool gray = false;         ///< folder: one channel instead of RGB
    QString inputsKey;         ///< tensors: the dict key of the inputs (empty: inputs, input_ids, tokens or x)
    QString labelsKey;         ///< tensors: the dict key of the labels (empty: labels, targets or y)
    QVector<qint64> shape;     ///< random: one sample's shape
    bool integers = false;     ///< random: int64 below `high` instead of normal floats
    qint64 high = 0;           ///< random: integers below this (tokens: the vocabulary)
    qint64 count = 64;         ///< random: samples
    qint64 seed = 0;           ///< random: the generator's seed
    /// Calibration from another data set (its spec): its first samples calibrate, and all of
    /// this one is evaluated. Written "SPEC;calib=CALIBRATION_SPEC". Empty: both from this one.
    QString calibrationSpec;

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

/// A NumPy .npy array: its element type (numpy "descr", e.g. "<f4"), shape and raw bytes.
struct NpyArray {
    QString descr;
    QVector<qint64> shape;
    QByteArray data;
};

/// Parses .npy bytes (format versions 1 to 3, C order); `name` is used in messages. Throws
/// EngineError(BadInput) for a wrong magic, a header it cannot read, Fortran order, an element
/// type other than float16/32/64, (u)int8/16/32/64 or bool, or data shorter or longer than the shape.
NpyArray parseNpy(const QByteArray& bytes, const QString& name);

class Dataset;

/// Samples taken from the start of the data to calibrate, and the batch size, unless the user
/// says otherwise (profile, trials and exports share them).
constexpr qint64 kDefaultCalibrationSamples = 512;
constexpr int kDefaultBatchSize = 256;

/// What a trial scores the model by, decided by the data: top-1 accuracy against labels, top-1
/// agreement with the float model without labels, or next-token perplexity for token windows.
enum class Metric { Accuracy, Agreement, Perplexity };

/// "top-1", "top-1 agreement" or "perplexity".
QString metricName(Metric m);
/// The metric a data set is scored by.
Metric metricFor(const Dataset& data);

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
    /// Samples of a separate calibration set at the start (0: calibration from this data).
    qint64 calibrationSetSize() const;
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;

    const DataSpec& spec() const;
    qint64 size() const;
    bool hasLabels() const;
    int classCount() const;                 ///< 1 + the largest label; 0 without labels
    int label(qint64 index) const;          ///< the label of one sample; -1 without labels
    /// Shape of one sample (C×H×W), or with a leading batch dimension of one.
    QVector<qint64> sampleShape(bool withBatch = false) const;
    QString description() const;            ///< e.g. "t10k-images-idx3-ubyte.gz (10000 samples)"
    /// What was skipped or assumed while loading (e.g. unreadable images, by path).
    QStringList warnings() const;
    /// Class names in label order (image folders, the demo's Fashion-MNIST); empty otherwise.
    QStringList classNames() const;
    /// Token windows for a language model: integer inputs of N×T and no labels. Trials score
    /// them by next-token perplexity instead of top-1.
    bool isTokenWindows() const;
    /// Token windows: the ids of one window (empty for other data), and the smallest and
    /// largest id in the whole set.
    QVector<qint64> tokens(qint64 index) const;
    std::pair<qint64, qint64> tokenIdRange() const;
    /// One sample as a picture when it looks like one (1 or 3 channels, at least 4×4), with the
    /// normalisation undone; a null image otherwise (token ids, feature vectors).
    QImage sampleImage(qint64 index) const;

    /// The first `calibration` samples calibrate; the rest (at most `evalLimit`, -1 = all)
    /// evaluate. The two never overlap.
    SampleRange calibrationRange(qint64 calibration) const;
    SampleRange evaluationRange(qint64 calibration, qint64 evalLimit = -1) const;

    struct Impl; // engine-private, see data_p.h
    const Impl& impl() const { return *d; }

private:
    static std::shared_ptr<Dataset> loadWithCalibration(const DataSpec& spec);
    explicit Dataset(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace qs
