#pragma once
// Engine-private view of a loaded model. Includes LibTorch: never include from a public header.

#include "model.h"

#include <torch/script.h>

#include <map>
#include <string>
#include <vector>

namespace qs {

/// Where a site's tensors live in the module tree, so they can be read and swapped.
struct SiteRef {
    std::vector<std::string> weightPath; ///< attribute path from the root module, ending in the tensor
    std::vector<std::string> biasPath;   ///< empty when the site has no bias parameter
    int channelAxis = 0;                 ///< output-channel axis of the weight (1 for transposed conv)
    /// Recurrent sites (one LSTM or GRU layer and direction): weight_hh and bias_hh beside
    /// weightPath = weight_ih and biasPath = bias_ih. The site's weight is the two joined along
    /// the input dimension, gate rows × (input + hidden); each half is quantized on its own, as
    /// PyTorch quantizes each tensor.
    std::vector<std::string> hiddenWeightPath;
    std::vector<std::string> hiddenBiasPath;
    bool recurrent() const { return !hiddenWeightPath.empty(); }
    /// How a conv1d/2d/3d or linear site is called (constant arguments read at load), so that
    /// the layer can be run on its own; known false for other ops or non-constant arguments.
    struct Call {
        bool known = false;
        bool conv = false; ///< else linear
        std::vector<int64_t> stride, padding, dilation;
        int64_t groups = 1;
    } call;
};

struct Model::Impl {
    QString displayName;
    QString sha256;
    torch::jit::Module module;             ///< instrumented copy; the graph carries probe nodes
    std::shared_ptr<torch::jit::Graph> graph;
    QVector<LayerInfo> layers;
    std::vector<SiteRef> sites;            ///< parallel to layers
    qint64 parameterCount = 0;
    QStringList warnings;
    QString output; ///< which output is scored: a dict key or a tuple index; empty: the usual one
    QStringList outputChoices; ///< measured by measureShapes: forward's tensor outputs, when several
    QString scoredOutput;      ///< of those, the one scored
    /// Pairs joined by a ReLU6 or hardtanh(0, M): the first site → the path of the per-channel
    /// upper bound (M each, a buffer of the root module) that replaced M at load, so that
    /// cross-layer equalization can scale it with the channels (boundClamps in engine/cle.cpp).
    std::map<int, std::vector<std::string>> clampBounds;
    /// Convolutions whose batch norm was folded into them at load: the conv's weight path → the
    /// batch norm's weight (γ) and bias (β) paths (the folded batch norm stays in the module,
    /// unused). High-bias absorption reads β and γ from there.
    std::map<std::vector<std::string>, std::pair<std::vector<std::string>, std::vector<std::string>>> foldedBatchNorms;

    /// Reads a tensor attribute by path (a parameter or buffer of some submodule).
    at::Tensor tensorAt(const std::vector<std::string>& path) const;
    /// True when the attribute at `path` is a parameter (not a buffer or constant).
    bool isParameter(const std::vector<std::string>& path) const;
    /// A site's weight; for a recurrent site, [weight_ih | weight_hh] (a new tensor).
    at::Tensor weight(int site) const;
    /// Input features of a recurrent site's weight_ih: where weight() joins the two halves.
    int64_t recurrentSplit(int site) const;
    /// Runs forward on one input batch and returns the output tensor that is scored (outputTensor).
    at::Tensor forward(const at::Tensor& input);
    /// Records every site's input and output shapes from one forward pass on `sample`.
    void measureShapes(const at::Tensor& sample);
};

/// The tensor a model's output stands for: the output itself; of a tuple or list, the first
/// tensor (or the `choice`-th); of a dict, `logits` when present, else its only tensor (or the
/// value under `choice`). Throws EngineError(BadInput) naming what forward returned.
at::Tensor outputTensor(const c10::IValue& out, const QString& choice, const QString& modelName);
/// The tensor outputs of a tuple, list (indices) or dict (keys) that outputTensor can choose
/// from, and in `scored` the one it takes for `choice`; empty for a single tensor.
QStringList outputChoices(const c10::IValue& out, const QString& choice, QString* scored);

/// Calls fn on every node of the block, those in nested blocks included.
template<class Fn>
void forEachNode(torch::jit::Block* root, Fn&& fn)
{
    std::vector<torch::jit::Block*> blocks{root};
    while (!blocks.empty()) {
        torch::jit::Block* b = blocks.back();
        blocks.pop_back();
        for (torch::jit::Node* n : b->nodes()) {
            for (torch::jit::Block* inner : n->blocks())
                blocks.push_back(inner);
            fn(n);
        }
    }
}

/// Replaces reads of the module's bool attributes with their values and folds the branches
/// they choose, as torch.jit.freeze does; returns whether anything folded (loadpasses.cpp).
bool foldBoolAttributes(std::shared_ptr<torch::jit::Graph>& graph, const torch::jit::Module& module);

/// Fixes every branch between PyTorch's fused transformer fast path and its unfused path to the
/// unfused one; returns whether any was (loadpasses.cpp).
bool takeUnfusedTransformerPaths(torch::jit::Graph& graph);

/// A convolution's weight path → its batch norm's weight (γ) and bias (β) paths.
using BatchNormPaths = std::map<std::vector<std::string>, std::pair<std::vector<std::string>, std::vector<std::string>>>;
/// Each convolution whose output goes straight into a batch norm, read before folding (loadpasses.cpp).
BatchNormPaths convBatchNormPairs(const torch::jit::Module& module);

/// nn.Linear(bias=False) passes None, which TorchScript types NoneType for good: the call reads
/// its bias from a new Optional[Tensor] attribute of the root module instead, None (the same
/// function), so that bias correction can set a tensor there. Returns the attribute's path
/// (loadpasses.cpp).
std::vector<std::string> biasSlot(Model::Impl& d, torch::jit::Node* call, int biasInput, int site);

/// Follows a prim::GetAttr chain (through layout-only ops) back to the module's `self`: the
/// attribute path from the root; empty when v is not an attribute of self.
std::vector<std::string> attributePath(torch::jit::Value* v, torch::jit::Value* self);

/// Roles of the probe inserted around each site. Step: a recurrent site's hidden state on its
/// way into the hidden-to-hidden matmul at one time step (only for handlers that want steps).
enum class ProbeRole : int { Input = 0, Output = 1, Step = 2 };

/// Receives every probe call during a forward pass on the current thread.
class ProbeHandler
{
public:
    virtual ~ProbeHandler() = default;
    /// Returns the tensor the graph should continue with (x itself to observe only).
    virtual at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) = 0;
    /// Whether a recurrent site should run step by step, with a Step probe at every time step
    /// (dynamic quantization of the hidden state). Otherwise it runs as LibTorch's own op.
    virtual bool wantsSteps(int /*site*/) const { return false; }
};

/// The handler installed on this thread, or null.
ProbeHandler* currentProbeHandler();

/// Installs a handler for the current thread while in scope.
class ScopedProbeHandler
{
public:
    explicit ScopedProbeHandler(ProbeHandler* handler);
    ~ScopedProbeHandler();
    ScopedProbeHandler(const ScopedProbeHandler&) = delete;
    ScopedProbeHandler& operator=(const ScopedProbeHandler&) = delete;

private:
    ProbeHandler* m_previous;
};

/// Short message of a LibTorch error, without its C++ backtrace.
QString torchMessage(const std::exception& e);

} // namespace qs
