#pragma once
// A TorchScript model and its quantizable sites (layers).

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

namespace qs {

class Dataset;

/// One quantizable site: an op in the inlined forward graph whose operand is a model parameter.
struct LayerInfo {
    QString name;               ///< module path as in PyTorch's named_modules(), e.g. "layer1.0.conv1"
    QString op;                 ///< linear, conv2d, conv_transpose2d, matmul, addmm, mm, embedding, ...
    QVector<qint64> weightShape;
    qint64 weightCount = 0;     ///< elements in the weight
    qint64 paramCount = 0;      ///< weight plus bias elements
    bool hasActivationInput = true;  ///< false for embedding (its input is indices)
    bool batchNormFolded = false;    ///< a following batch norm was folded into this weight
    /// Recurrent sites (lstm, gru): their two weights with shapes, "weight_ih_l0 512×64" and
    /// "weight_hh_l0 512×128"; weightShape is then gate rows × (input + hidden). Empty otherwise.
    QStringList weightParts;
    QVector<qint64> inputShape;  ///< activation shapes for a batch of one; empty until measured
    QVector<qint64> outputShape;
};

/// Formats a shape as "1×16×28×28".
QString formatShape(const QVector<qint64>& shape);
/// A layer's weight as the layer table shows it: its shape, or a recurrent layer's two weights
/// ("weight_ih_l0 512×64 + weight_hh_l0 512×128").
QString weightDescription(const LayerInfo& layer);
/// Whether the op is a recurrent layer (lstm, gru).
bool isRecurrentOp(const QString& op);

class Model
{
public:
    /// Loads a scripted or traced TorchScript file; throws EngineError(BadInput) naming the file.
    static std::shared_ptr<Model> load(const QString& path);
    /// Loads from bytes already in memory (the bundled demo); displayName is used in messages.
    static std::shared_ptr<Model> loadFromBytes(const QByteArray& bytes, const QString& displayName);
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    QString displayName() const;
    /// SHA-256 of the model file's bytes, hex: how the trial store recognises a model.
    QString sha256() const;
    /// Every quantizable site in execution order.
    const QVector<LayerInfo>& layers() const;
    /// All parameters of the model, quantizable or not (after batch-norm folding).
    qint64 parameterCount() const;
    /// What loading could not do, e.g. a batch norm left unfolded.
    const QStringList& warnings() const;
    /// Which of forward's outputs is scored when it returns several: a dict key or a tuple
    /// index; empty (the default) takes `logits` or the only tensor of a dict, the first tensor
    /// of a tuple or list.
    void setOutput(const QString& keyOrIndex);
    QString output() const;
    /// After measureShapes: the tensor outputs forward returns when it returns several (tuple or
    /// list indices "0", "1", …; dict keys), and which of them is scored. Empty for one tensor.
    QStringList outputChoices() const;
    QString scoredOutput() const;
    /// Runs one sample of the data set through the model and records each site's activation shapes.
    void measureShapes(const Dataset& data);

    struct Impl; // engine-private, see model_p.h
    Impl& impl() { return *d; }
    const Impl& impl() const { return *d; }

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace qs
