#pragma once
// Engine-private: what the techniques of a trial configuration (engine/quant.h's Techniques)
// compute from the float model — the equalized tensors and bias corrections — and how they are
// put into a model for the length of a trial or an export.

#include "cle.h"
#include "model_p.h"
#include "trial_p.h"

#include "errors.h"

#include <torch/script.h>

#include <vector>

namespace qs {

/// cle.h's functions on the engine's view of the model.
QVector<QPair<int, int>> equalizablePairs(const Model::Impl& m);
CleResult crossLayerEqualize(Model::Impl& m, bool absorbHighBias = false);

/// Replaces each ReLU6 or hardtanh(0, M) that joins a conv/linear pair with a clamp to a
/// per-channel bound (a buffer of M's, recorded in m.clampBounds): the same function, but
/// cross-layer equalization can then divide the bound by each channel's scale, so that the
/// float model computes the same across a ReLU6 (AIMET instead turns ReLU6 into ReLU, which
/// changes the model). Runs once, when the model loads.
void boundClamps(Model::Impl& m);

/// Tensors set by path in a module for as long as this lives; the originals go back when it is
/// destroyed (newest first, so that a tensor set twice gets its true original back).
class ScopedTensors
{
public:
    explicit ScopedTensors(torch::jit::Module module) : m_module(std::move(module)) {}
    ~ScopedTensors();
    ScopedTensors(const ScopedTensors&) = delete;
    ScopedTensors& operator=(const ScopedTensors&) = delete;
    void set(const std::vector<std::string>& path, const at::Tensor& value);
    /// A site's weight (split into weight_ih and weight_hh for a recurrent site).
    void setWeight(const Model::Impl& m, int site, const at::Tensor& value);
    /// The paths set so far, each once, in the order first set.
    std::vector<std::vector<std::string>> paths() const;
    /// What the sets replaced, oldest first.
    const std::vector<TensorSlot>& originals() const { return m_originals; }

private:
    torch::jit::Module m_module;
    std::vector<TensorSlot> m_originals;
};

/// The model's weights and biases after cross-layer equalization, computed without changing the
/// model (the tensors by path), and what the equalization chose.
struct EqualizedTensors {
    std::vector<TensorSlot> tensors;
    CleResult result;
};
EqualizedTensors equalizedTensors(Model::Impl& m, bool absorbHighBias = false);

/// Sets every weight and bias cross-layer equalization changes, for as long as `scope` lives.
/// Returns what it chose.
CleResult applyEqualization(Model::Impl& m, ScopedTensors& scope, bool absorbHighBias = false);

/// Puts a recorded trial's techniques into the model for as long as `scope` lives: the
/// equalization again (it is deterministic: the same tensors as in the trial), each layer's
/// AdaRound rounding (the weight then is the trial's quantized weight) and its recorded bias
/// correction. For exports, which then read the model's weights as the trial's. Returns, per
/// site, whether its weight is already quantized (AdaRound): exports must not quantize it again.
/// Throws EngineError(BadInput) when the result's corrections or roundings do not fit the model.
std::vector<bool> applyTrialTechniques(Model::Impl& m, const QuantConfig& config, const TrialResult& result,
                                       ScopedTensors& scope);

/// The mean of each site's input as the layer multiplies it with its weight, over the batches a
/// probe sees: for a convolution, per input channel and kernel offset (C_in × kernel elements,
/// the zero padding included, as the convolution reads it); for linear, per input feature.
/// Sites that cannot be run alone (recurrent, matmul, transposed or non-constant convolutions)
/// are not observed (undefined tensor).
class InputMeanProbe : public ProbeHandler
{
public:
    explicit InputMeanProbe(const Model::Impl& m);
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override;
    /// Per site: the means (double), undefined when not observed.
    std::vector<at::Tensor> means() const;

private:
    const Model::Impl& m_m;
    std::vector<at::Tensor> m_sums;
    std::vector<double> m_counts;
};

/// Empirical bias correction: per output channel, E[ΔW·x] for a weight error ΔW = Wq − W and
/// the input means of InputMeanProbe (double). Undefined when `mean` is.
at::Tensor expectedOutputError(const Model::Impl& m, int site, const at::Tensor& weightError, const at::Tensor& mean);

/// Keeps one site's inputs (float, as the model computes them) over the batches it sees, until
/// they would pass `maxBytes`.
class InputCaptureProbe : public ProbeHandler
{
public:
    InputCaptureProbe(int site, qint64 maxBytes) : m_site(site), m_maxBytes(maxBytes) {}
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override;
    bool full() const { return m_full; }
    /// The inputs kept, samples first.
    at::Tensor inputs() const;

private:
    int m_site;
    qint64 m_maxBytes, m_bytes = 0;
    bool m_full = false;
    std::vector<at::Tensor> m_batches;
};

/// 0/1 values (any shape, row-major) as bits, least significant first; and back, as float 0/1
/// of `shape`. Throws EngineError(BadInput) when the bits do not cover the shape.
QByteArray packBits(const at::Tensor& bits);
at::Tensor unpackBits(const QByteArray& bytes, at::IntArrayRef shape);

/// AdaRound's settings: AIMET's defaults (1,000 iterations, λ 0.01, the rounding term from 20%
/// of the iterations with β from 20 to 2 along a cosine, Adam at 1e-3), batches of 32 inputs.
struct AdaRoundOptions {
    int iterations = 1000;
    int batchSize = 32;
    uint64_t seed = 0;
    double learningRate = 1e-3;
    double regularization = 0.01;
    double warmStart = 0.2;
    double betaStart = 20, betaEnd = 2;
};

/// One layer's AdaRound: which weights round up (1) or down (0) from floor(W / s), the weight so
/// rounded (fake-quantized), and the reconstruction loss — AIMET's: the squared output error
/// summed over output channels, averaged over all the inputs and positions — with nearest
/// rounding and with AdaRound's; the share rounded away from nearest. When the learnt rounding
/// loses to nearest rounding on the layer's inputs (too few iterations for the rounding to
/// settle), nearest rounding is kept (`keptNearest`).
struct AdaRoundLayer {
    at::Tensor up;
    at::Tensor weight;
    double lossNearest = 0, lossAfter = 0, flippedShare = 0;
    bool keptNearest = false;
};

/// The activation that takes a layer's output alone (its only use), as AIMET's AdaRound applies
/// it to both sides of the reconstruction loss: ReLU, or a clamp (ReLU6, hardtanh); None else.
struct SiteActivation {
    enum Kind { None, Relu, Clamp } kind = None;
    double low = 0, high = 0;
    at::Tensor highs; ///< per channel, for a ReLU6 that boundClamps made per channel (then high is unused)
    at::Tensor operator()(const at::Tensor& x) const;
    QString name() const; ///< "relu", "clamp(0, 6)", "" for None
};
SiteActivation followingActivation(const Model::Impl& m, int site);

/// What AdaRound learns one layer's rounding from, as AIMET samples it: the layer's inputs in the
/// model quantized so far (`inputs`) and the float model's (`targetInputs`, samples in the same
/// order; the target is the float layer's output on them), the layer's bias and the activation
/// after it (both sides of the loss go through bias and activation).
struct AdaRoundData {
    at::Tensor inputs, targetInputs, bias;
    SiteActivation activation;
};

/// Whether AdaRound can learn the rounding of `site` under qparams `q`: a convolution or linear
/// layer that runs alone, its weight integer per tensor or per output channel.
bool adaRoundApplies(const Model::Impl& m, int site, const QParams& q);

/// The site's op (convolution or linear) on `x` with weight `w` and `bias` (none when undefined).
at::Tensor siteForward(const Model::Impl& m, int site, const at::Tensor& x, const at::Tensor& w,
                       const at::Tensor& bias = {});

/// s · (clamp(floor(w / s) + z + up, qmin, qmax) − z): the weight rounded as `up` says.
at::Tensor roundedWeight(const at::Tensor& w, const QParams& q, const at::Tensor& up);

/// Learns the rounding of `weight` (quantized with `q`) from `data`. Checks `control` for cancel
/// every 50 iterations.
AdaRoundLayer adaRound(const Model::Impl& m, int site, const at::Tensor& weight, const QParams& q, const AdaRoundData& data,
                       const AdaRoundOptions& options, const JobControl& control);

/// One layer's SeqMSE: the qparams of the chosen ranges, the weight quantized with them, which
/// candidate (1 … candidates: k/candidates of the min/max range) each output channel (or the
/// tensor) chose, and the layer's output MSE with min-max and with the chosen ranges.
struct SeqMseLayer {
    QParams qparams;
    at::Tensor weight;
    QVector<int> chosen;
    double outputMseMinMax = 0, outputMse = 0;
};

/// Whether SeqMSE can choose `site`'s weight range under `spec`: a convolution or linear layer
/// that runs alone, integer weights per tensor or per output channel.
bool seqMseApplies(const Model::Impl& m, int site, const QuantSpec& spec);

/// Chooses the weight range of `site` among `candidates` shrinking from min/max (per output
/// channel when the spec is, else for the tensor) by the layer's output error on `inputs`.
SeqMseLayer seqMse(const Model::Impl& m, int site, const at::Tensor& weight, const QuantSpec& spec, const at::Tensor& inputs,
                   SeqMseLoss loss, const JobControl& control, int candidates = 20);

} // namespace qs
