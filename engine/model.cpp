#include "model_p.h"
#include "techniques_p.h"

#include "budget.h"

#include "data_p.h"
#include "errors.h"
#include "instrument.h"
#include "recurrent_p.h"

#include <QCryptographicHash>
#include <QLocale>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStringList>

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/version.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/fold_conv_bn.h>
#include <torch/csrc/jit/passes/inliner.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace qs
{

using torch::jit::Node;
using torch::jit::Value;

std::vector<std::string> attributePath(Value* v, Value* self)
{
    std::vector<std::string> path;
    // Traced models transpose weights before addmm/matmul: look through layout-only ops.
    while (v->node()->kind() == c10::aten::t || v->node()->kind() == c10::aten::transpose ||
           v->node()->kind() == c10::aten::contiguous)
        v = v->node()->input(0);
    while (v->node()->kind() == c10::prim::GetAttr) {
        path.insert(path.begin(), v->node()->s(c10::attr::name));
        v = v->node()->input(0);
    }
    if (v != self)
        path.clear();
    return path;
}

namespace
{

struct Candidate {
    Node* node;
    QString op;
    int activationInput; // -1: none
    int weightInput;
    int biasInput; // -1: none
    RecurrentCall recurrent = {}; // op lstm or gru: one site per layer and direction
};

/// Classifies a node as a quantizable site, or returns op empty.
Candidate classify(Node* n, Value* self, const torch::jit::Module& root, QStringList& warnings)
{
    RecurrentCall call;
    QString why;
    if (recognizeRecurrent(n, self, root, call, why)) {
        Candidate c{n, call.op, 0, -1, -1};
        c.recurrent = call;
        return c;
    }
    if (!why.isEmpty())
        warnings << why;
    const auto kind = n->kind();
    auto isParam = [&](size_t i) {
        return i < n->inputs().size() && !attributePath(n->input(i), self).empty();
    };
    const std::string q = kind.toQualString();
    static const std::vector<std::string> plain = {
        "aten::linear",           "aten::conv1d",           "aten::conv2d",           "aten::conv3d",
        "aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::_convolution"};
    for (const auto& p : plain)
        if (q == p && isParam(1))
            return {n, QString::fromStdString(q.substr(6)), 0, 1, 2};
    if ((kind == c10::aten::matmul || kind == c10::aten::mm) && n->inputs().size() == 2) {
        const QString op = QString::fromStdString(q.substr(6));
        if (isParam(1))
            return {n, op, 0, 1, -1};
        if (isParam(0))
            return {n, op, 1, 0, -1};
    }
    if (kind == c10::aten::addmm) {
        if (isParam(2))
            return {n, QStringLiteral("addmm"), 1, 2, 0};
        if (isParam(1))
            return {n, QStringLiteral("addmm"), 2, 1, 0};
    }
    if (kind == c10::aten::embedding && isParam(0))
        return {n, QStringLiteral("embedding"), -1, 0, -1};
    return {nullptr, {}, -1, -1, -1};
}

/// The constant arguments of a conv1d/2d/3d (aten::convNd or aten::_convolution) or linear call.
/// A list of ints the graph passes: a constant, a list of constants, or a tuple/list attribute
/// of a submodule (scripted modules' self.stride).
std::optional<std::vector<int64_t>> constantInts(Value* v, Value* self, const torch::jit::Module& root)
{
    if (const auto list = torch::jit::constant_as<c10::List<int64_t>>(v))
        return list->vec();
    std::vector<int64_t> out;
    if (v->node()->kind() == c10::prim::ListConstruct) {
        for (Value* item : v->node()->inputs()) {
            const auto i = torch::jit::constant_as<int64_t>(item);
            if (!i)
                return std::nullopt;
            out.push_back(*i);
        }
        return out;
    }
    const std::vector<std::string> path = attributePath(v, self);
    if (path.empty())
        return std::nullopt;
    torch::jit::Module owner = root;
    for (size_t i = 0; i + 1 < path.size(); ++i)
        owner = owner.attr(path[i]).toModule();
    const c10::IValue value = owner.attr(path.back());
    if (value.isIntList())
        return value.toIntVector();
    if (!value.isTuple())
        return std::nullopt;
    for (const c10::IValue& e : value.toTupleRef().elements()) {
        if (!e.isInt())
            return std::nullopt;
        out.push_back(e.toInt());
    }
    return out;
}

SiteRef::Call siteCall(Node* n, const QString& op, Value* self, const torch::jit::Module& root)
{
    SiteRef::Call call;
    if (op == QLatin1String("linear")) {
        call.known = true;
        return call;
    }
    if (op != QLatin1String("conv1d") && op != QLatin1String("conv2d") && op != QLatin1String("conv3d"))
        return call;
    const bool underscore = n->kind() == c10::aten::_convolution;
    auto ints = [&](size_t i) { return constantInts(n->input(i), self, root); };
    const auto stride = ints(3), padding = ints(4), dilation = ints(5);
    std::optional<int64_t> groups;
    if (const auto g = torch::jit::constant_as<int64_t>(n->input(underscore ? 8 : 6)))
        groups = *g;
    else
        if (const auto path = attributePath(n->input(underscore ? 8 : 6), self); !path.empty()) {
            torch::jit::Module owner = root;
            for (size_t i = 0; i + 1 < path.size(); ++i)
                owner = owner.attr(path[i]).toModule();
            if (const c10::IValue g = owner.attr(path.back()); g.isInt())
                groups = g.toInt();
        }
    if (!stride || !padding || !dilation || !groups) // padding="same" and other forms: not run alone
        return call;
    call.known = call.conv = true;
    call.stride = *stride;
    call.padding = *padding;
    call.dilation = *dilation;
    call.groups = *groups;
    return call;
}

void collect(torch::jit::Block* block, Value* self, const torch::jit::Module& root, QStringList& warnings,
             std::vector<Candidate>& out)
{
    for (Node* n : block->nodes()) {
        Candidate c = classify(n, self, root, warnings);
        if (c.node)
            out.push_back(c);
        for (torch::jit::Block* b : n->blocks())
            collect(b, self, root, warnings, out);
    }
}

std::string joinStd(const std::vector<std::string>& path)
{
    std::string out;
    for (const auto& p : path)
        out += (out.empty() ? "" : ".") + p;
    return out;
}

QString joinPath(const std::vector<std::string>& path)
{
    QStringList parts;
    for (const auto& p : path)
        parts << QString::fromStdString(p);
    return parts.join(u'.');
}

/// Why a file is not a TorchScript model, in words that say what to do; LibTorch's own text
/// follows "LibTorch said:" (the window shows it under Details).
QString notTorchScript(const QString& name, const QString& torch)
{
    const QString fix = QStringLiteral("save the model with torch.jit.script(model).save(path) (or torch.jit.trace) and open that file");
    QString what;
    if (torch.contains(QLatin1String("constants.pkl")))
        what = QStringLiteral("%1 was saved with torch.save (a state dict or a pickled module), not as TorchScript: %2")
                   .arg(name, fix);
    else if (torch.contains(QLatin1String("hasRecord(\"version\")")))
        what = QStringLiteral("%1 is a zip archive but not a TorchScript model (it has no TorchScript version record); %2")
                   .arg(name, fix);
    else if (torch.contains(QLatin1String("istream reader failed")) || torch.contains(QLatin1String("zip archive")) ||
             torch.contains(QLatin1String("file not found")) || torch.contains(QLatin1String("failed finding central directory")))
        what = QStringLiteral("%1 is not a TorchScript model: TorchScript files are zip archives written by torch.jit.save, "
                              "and this is not one; %2")
                   .arg(name, fix);
    else
        what = QStringLiteral("%1 is not a TorchScript model that LibTorch %2 can load; %3").arg(name, QString::fromLatin1(TORCH_VERSION), fix);
    return what + QStringLiteral(" (LibTorch said: %1)").arg(torch);
}

std::unique_ptr<Model::Impl> loadModule(std::istream& in, const QString& name)
{
    auto d = std::make_unique<Model::Impl>();
    d->displayName = name;
    try {
        d->module = torch::jit::load(in, torch::kCPU);
    } catch (const std::exception& e) {
        throw EngineError(ErrorKind::BadInput, notTorchScript(name, torchMessage(e)));
    }
    if (!d->module.find_method("forward"))
        throw EngineError(ErrorKind::BadInput, QStringLiteral("%1 has no forward method").arg(name));
    d->module.eval();
    // Fold batch norm into the convolution before it, as PyTorch does before it quantizes:
    // the weights QuantScope profiles and quantizes are the folded ones.
    std::map<std::string, at::Tensor> before;
    for (const auto& p : d->module.named_parameters())
        before[p.name] = p.value;
    const auto batchNorms = convBatchNormPairs(d->module);
    try {
        d->module = torch::jit::FoldConvBatchNorm(d->module);
    } catch (const std::exception& e) {
        d->warnings << QStringLiteral("%1: batch norm left unfolded (%2)").arg(name, torchMessage(e));
    }
    std::set<std::string> folded;
    for (const auto& p : d->module.named_parameters())
        if (auto it = before.find(p.name); it != before.end() && !at::equal(it->second, p.value))
            folded.insert(p.name);
    for (const auto& [conv, bn] : batchNorms)
        if (folded.count(joinStd(conv)))
            d->foldedBatchNorms[conv] = bn;
    auto& fn = torch::jit::toGraphFunction(d->module.get_method("forward").function());
    const size_t inputs = fn.getSchema().arguments().size() - 1; // minus self
    if (inputs != 1)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1: forward takes %2 inputs; QuantScope feeds the model one tensor")
                              .arg(name)
                              .arg(inputs));
    d->graph = fn.graph();
    torch::jit::Inline(*d->graph);
    foldBoolAttributes(d->graph, d->module);
    // Branches on constants fold to the branch taken: F.relu(x) scripted is `if inplace: relu_
    // else relu` on a constant False, which would otherwise be two activations in the graph and
    // hide the pair it joins from cross-layer equalization.
    torch::jit::ConstantPropagation(d->graph);
    torch::jit::EliminateDeadCode(d->graph);
    if (takeUnfusedTransformerPaths(*d->graph)) {
        // Branches whose condition is now fixed (the fused path, and others that hinge on
        // constant arguments such as need_weights) fold away, so dead linear calls are no sites.
        torch::jit::ConstantPropagation(d->graph);
        torch::jit::EliminateDeadCode(d->graph);
        d->warnings << QStringLiteral("%1: PyTorch's fused transformer fast path is replaced by its unfused "
                                      "equivalent, so that every linear layer in it can be measured")
                           .arg(name);
    }

    Value* self = d->graph->inputs().at(0);
    if (std::any_of(d->graph->nodes().begin(), d->graph->nodes().end(), [](Node* n) {
            return n->kind() == c10::aten::lstm || n->kind() == c10::aten::gru;
        })) {
        // nn.LSTM / nn.GRU choose between a tensor and a packed sequence on a constant: keep
        // only the branch taken, so that the recurrent call is found once.
        torch::jit::ConstantPropagation(d->graph);
        torch::jit::EliminateDeadCode(d->graph);
    }
    std::vector<Candidate> found;
    collect(d->graph->block(), self, d->module, d->warnings, found);

    std::vector<ProbePoint> probes;
    std::vector<std::pair<RecurrentCall, int>> recurrent; // with the first site of each
    QHash<QString, int> seen;
    for (const Candidate& c : found) {
        if (c.recurrent.node) {
            recurrent.emplace_back(c.recurrent, int(d->layers.size()));
            recurrentSites(c.recurrent, *d, d->layers, d->sites);
            continue;
        }
        SiteRef ref;
        ref.weightPath = attributePath(c.node->input(size_t(c.weightInput)), self);
        if (c.biasInput >= 0)
            ref.biasPath = attributePath(c.node->input(size_t(c.biasInput)), self);
        if (c.op == QLatin1String("linear") && ref.biasPath.empty() &&
            c.node->input(size_t(c.biasInput))->type()->kind() == c10::TypeKind::NoneType)
            ref.biasPath = biasSlot(*d, c.node, c.biasInput, int(d->layers.size()));
        at::Tensor w = d->tensorAt(ref.weightPath);
        if (!w.defined())
            continue;
        LayerInfo info;
        std::vector<std::string> modulePath = ref.weightPath;
        if (modulePath.size() > 1 && modulePath.back() == "weight")
            modulePath.pop_back();
        const QString base = joinPath(modulePath);
        const int calls = seen[base]++;
        info.name = calls ? QStringLiteral("%1:%2").arg(base).arg(calls) : base; // a module called twice
        info.op = c.op;
        if (c.op == QLatin1String("_convolution")) {
            const bool transposed = torch::jit::constant_as<bool>(c.node->input(6)).value_or(false);
            info.op = QStringLiteral("%1%2d").arg(transposed ? "conv_transpose" : "conv").arg(w.dim() - 2);
        }
        ref.channelAxis = info.op.startsWith(QLatin1String("conv_transpose")) ? 1 : 0;
        ref.call = siteCall(c.node, info.op, self, d->module);
        if (info.op == QLatin1String("matmul") || info.op == QLatin1String("mm") ||
            info.op == QLatin1String("addmm"))
            ref.channelAxis = w.dim() - 1; // x @ W: output features are W's last dimension
        for (int64_t s : w.sizes())
            info.weightShape << s;
        info.weightCount = w.numel();
        info.paramCount = w.numel();
        if (!ref.biasPath.empty())
            if (at::Tensor b = d->tensorAt(ref.biasPath); b.defined())
                info.paramCount += b.numel();
        info.hasActivationInput = c.activationInput >= 0;
        info.batchNormFolded = folded.count(joinStd(ref.weightPath)) > 0;
        probes.push_back({c.node, int(d->layers.size()), c.activationInput});
        d->layers << info;
        d->sites.push_back(ref);
    }
    insertProbes(*d->graph, probes);
    for (const auto& [call, first] : recurrent)
        rewriteRecurrent(*d->graph, self, call, first);
    boundClamps(*d);

    // Count the parameters the forward reads: folded batch norms stay in the module unused. A
    // list attribute (an LSTM left in float reads its _flat_weights) counts each of its tensors.
    std::set<const void*> counted;
    auto count = [&](const at::Tensor& t) {
        if (t.defined() && counted.insert(t.unsafeGetTensorImpl()).second)
            d->parameterCount += t.numel();
    };
    forEachNode(d->graph->block(), [&](Node* n) {
        if (n->kind() != c10::prim::GetAttr) // tensors or Optional[Tensor] (a conv bias)
            return;
        const auto path = attributePath(n->output(), self);
        if (path.empty())
            return;
        if (const at::Tensor t = d->tensorAt(path); t.defined()) {
            if (d->isParameter(path))
                count(t);
        } else if (n->output()->type()->kind() == c10::TypeKind::ListType) {
            torch::jit::Module owner = d->module;
            for (size_t i = 0; i + 1 < path.size(); ++i)
                owner = owner.attr(path[i]).toModule();
            const c10::IValue list = owner.attr(path.back());
            if (list.isTensorList())
                for (const at::Tensor& t : list.toTensorVector())
                    count(t);
            else if (list.isList())
                for (const c10::IValue& v : list.toListRef())
                    if (v.isTensor())
                        count(v.toTensor());
        }
    });
    return d;
}

} // namespace

QString torchMessage(const std::exception& e)
{
    QString msg;
    if (auto* ce = dynamic_cast<const c10::Error*>(&e))
        msg = QString::fromStdString(ce->what_without_backtrace());
    else
        msg = QString::fromLocal8Bit(e.what());
    msg.remove(QStringLiteral(
        "(Could this error message be improved?  If so, please report an enhancement request to PyTorch.)"));
    // An exception raised inside TorchScript code: its last line names the error and the reason,
    // after a traceback of source excerpts.
    const QStringList all = msg.split(u'\n', Qt::SkipEmptyParts);
    static const QRegularExpression raised(QStringLiteral("^(builtins\\.)?[A-Za-z_.]*(Error|Exception): "));
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (raised.match(it->trimmed()).hasMatch() && msg.contains(QLatin1String("TorchScript interpreter")))
            return it->trimmed().remove(QRegularExpression(QStringLiteral("^builtins\\.")));
    // LibTorch messages carry call stacks and source excerpts after the first lines.
    QStringList lines = all;
    QStringList kept;
    for (const QString& l : lines) {
        const QString t = l.trimmed();
        if (t.startsWith(QLatin1String("Exception raised from")) || t.startsWith(QLatin1String("frame #")))
            break;
        if (t.startsWith(QLatin1String("Traceback")) || t.startsWith(QLatin1String("File \"")) ||
            t.startsWith(QLatin1String("~")) || t.startsWith(QLatin1String("The following operation failed")))
            continue;
        kept << t;
    }
    QString out = kept.isEmpty() ? msg.trimmed() : kept.join(u' ');
    if (out.size() > 300)
        out = out.left(297) + QStringLiteral("...");
    return out;
}

QString formatShape(const QVector<qint64>& shape)
{
    QStringList parts;
    for (qint64 s : shape)
        parts << QString::number(s);
    return parts.join(QChar(0x00D7));
}

QString weightDescription(const LayerInfo& layer)
{
    return layer.weightParts.isEmpty() ? formatShape(layer.weightShape) : layer.weightParts.join(QStringLiteral(" + "));
}

bool isRecurrentOp(const QString& op)
{
    return op == QLatin1String("lstm") || op == QLatin1String("gru");
}

at::Tensor Model::Impl::tensorAt(const std::vector<std::string>& path) const
{
    if (path.empty())
        return {};
    torch::jit::Module m = module;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
        if (!m.hasattr(path[i]))
            return {};
        c10::IValue v = m.attr(path[i]);
        if (!v.isModule())
            return {};
        m = v.toModule();
    }
    if (!m.hasattr(path.back()))
        return {};
    c10::IValue v = m.attr(path.back());
    return v.isTensor() ? v.toTensor() : at::Tensor();
}

bool Model::Impl::isParameter(const std::vector<std::string>& path) const
{
    torch::jit::Module m = module;
    for (size_t i = 0; i + 1 < path.size(); ++i)
        m = m.attr(path[i]).toModule();
    const auto& type = m.type();
    const auto slot = type->findAttributeSlot(path.back());
    return slot && type->is_parameter(*slot);
}

at::Tensor Model::Impl::weight(int site) const
{
    const SiteRef& ref = sites[size_t(site)];
    if (!ref.recurrent())
        return tensorAt(ref.weightPath);
    return at::cat({tensorAt(ref.weightPath), tensorAt(ref.hiddenWeightPath)}, 1);
}

int64_t Model::Impl::recurrentSplit(int site) const
{
    return tensorAt(sites[size_t(site)].weightPath).size(1);
}

at::Tensor Model::Impl::forward(const at::Tensor& input)
{
    return outputTensor(module.forward({input}), output, displayName);
}

Model::Model(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Model::~Model() = default;

namespace {

/// A loaded model holds its weights about four times over at its peak: the file's bytes, the
/// module, the module with batch norm folded, and quantized copies during trials.
void checkModelBudget(qint64 fileBytes, const QString& name)
{
    checkMemoryBudget(4 * fileBytes, name,
                      QStringLiteral("about four times its %1 file").arg(QLocale().formattedDataSize(fileBytes)));
}

} // namespace

std::shared_ptr<Model> Model::load(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("cannot open model %1: %2").arg(path, f.errorString()));
    checkModelBudget(f.size(), path); // before reading it
    const QByteArray bytes = f.readAll();
    if (bytes.isEmpty())
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 is not a TorchScript model: the file is empty").arg(path));
    return loadFromBytes(bytes, path);
}

std::shared_ptr<Model> Model::loadFromBytes(const QByteArray& bytes, const QString& displayName)
{
    checkModelBudget(bytes.size(), displayName);
    std::istringstream in(bytes.toStdString());
    auto d = loadModule(in, displayName);
    d->sha256 = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    return std::shared_ptr<Model>(new Model(std::move(d)));
}

void Model::setOutput(const QString& keyOrIndex)
{
    d->output = keyOrIndex;
}

QString Model::output() const
{
    return d->output;
}

QStringList Model::outputChoices() const
{
    return d->outputChoices;
}

QString Model::scoredOutput() const
{
    return d->scoredOutput;
}

QString Model::displayName() const
{
    return d->displayName;
}
QString Model::sha256() const
{
    return d->sha256;
}
const QVector<LayerInfo>& Model::layers() const
{
    return d->layers;
}
const QStringList& Model::warnings() const
{
    return d->warnings;
}
qint64 Model::parameterCount() const
{
    return d->parameterCount;
}

namespace
{
class ShapeRecorder : public ProbeHandler
{
public:
    explicit ShapeRecorder(QVector<LayerInfo>& layers) : m_layers(layers) {}
    at::Tensor onProbe(const at::Tensor& x, int site, ProbeRole role) override
    {
        QVector<qint64> shape;
        for (int64_t s : x.sizes())
            shape << s;
        auto& l = m_layers[site];
        (role == ProbeRole::Input ? l.inputShape : l.outputShape) = shape;
        return x;
    }

private:
    QVector<LayerInfo>& m_layers;
};
} // namespace

void Model::Impl::measureShapes(const at::Tensor& sample)
{
    c10::InferenceMode guard;
    ShapeRecorder recorder(layers);
    ScopedProbeHandler scope(&recorder);
    const c10::IValue out = module.forward({sample});
    outputTensor(out, output, displayName); // says what is wrong with the output, if anything
    scoredOutput.clear();
    outputChoices = qs::outputChoices(out, output, &scoredOutput);
}

void Model::measureShapes(const Dataset& data)
{
    try {
        d->measureShapes(data.impl().inputs.slice(0, 0, 1));
    } catch (const EngineError&) {
        throw;
    } catch (const std::exception& e) {
        // What the model expects, where its first layer tells: a convolution's input channels,
        // a linear layer's input features, an embedding's integer indices.
        QString expects;
        const at::Tensor sample = data.impl().inputs;
        if (!d->layers.isEmpty()) {
            const LayerInfo& first = d->layers.first();
            if (first.op.startsWith(QLatin1String("conv")) && first.weightShape.size() >= 2 && sample.dim() >= 2 &&
                sample.size(1) != first.weightShape[1])
                expects = QStringLiteral("; its first layer %1 takes %2 input channels, the data has %3")
                              .arg(first.name)
                              .arg(first.weightShape[1])
                              .arg(sample.size(1));
            else if (first.op == QLatin1String("linear") && first.weightShape.size() == 2 && sample.dim() >= 2 &&
                     sample.size(-1) != first.weightShape[1])
                expects = QStringLiteral("; its first layer %1 takes %2 input features, the data's last dimension is %3")
                              .arg(first.name)
                              .arg(first.weightShape[1])
                              .arg(sample.size(-1));
            else if (first.op == QLatin1String("embedding") && at::isFloatingType(sample.scalar_type()))
                expects = QStringLiteral("; its first layer %1 takes integer token ids, the data is float").arg(first.name);
        }
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("%1 cannot run on %2 (input %3, %4)%5: %6")
                              .arg(d->displayName, data.description(), formatShape(data.sampleShape(true)),
                                   QString::fromLatin1(c10::toString(sample.scalar_type())), expects, torchMessage(e)));
    }
}

} // namespace qs
