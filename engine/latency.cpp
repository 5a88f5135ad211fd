#include "latency_p.h"

#include "data_p.h"
#include "model_p.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/jit/ir/ir.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>

namespace qs {

namespace {

using Clock = std::chrono::steady_clock;

/// What the RecordFunction hooks saw on this thread: the top-level ops of one forward pass.
struct Recording {
    bool active = false;
    int depth = 0; // ops call ops (aten::linear → aten::matmul → …): only the outermost is timed
    struct Op {
        const char* name;
        Clock::time_point start, end;
    };
    std::vector<Op> ops;
};
thread_local Recording t_recording;

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& fn)
{
    Recording& r = t_recording;
    if (r.active && ++r.depth == 1)
        r.ops.push_back({fn.name(), Clock::now(), {}});
    return nullptr;
}

void onEnd(const at::RecordFunction&, at::ObserverContext*)
{
    Recording& r = t_recording;
    if (!r.active || r.depth == 0)
        return;
    if (r.depth-- == 1)
        r.ops.back().end = Clock::now();
}

/// The hooks installed on this thread while in scope.
class ScopedHooks
{
public:
    ScopedHooks()
    {
        m_handle = at::addThreadLocalCallback(
            at::RecordFunctionCallback(&onStart, &onEnd).scopes({at::RecordScope::FUNCTION}));
        t_recording.ops.clear();
        t_recording.depth = 0;
        t_recording.active = true;
    }
    ~ScopedHooks()
    {
        t_recording.active = false;
        at::removeCallback(m_handle);
    }
    ScopedHooks(const ScopedHooks&) = delete;
    ScopedHooks& operator=(const ScopedHooks&) = delete;

private:
    at::CallbackHandle m_handle;
};

/// LibTorch's intra-op thread count set while in scope.
class ScopedThreads
{
public:
    explicit ScopedThreads(int threads) : m_before(at::get_num_threads())
    {
        if (threads > 0)
            at::set_num_threads(threads);
    }
    ~ScopedThreads() { at::set_num_threads(m_before); }

private:
    int m_before;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
}

/// The median of the faster half of `v`: a run the machine interrupted (another process took
/// the core) says nothing about the model, and on a busy machine half the runs may be.
double fastHalfMedian(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    v.resize(std::max<size_t>(1, v.size() / 2));
    return median(v);
}

double msBetween(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void walk(torch::jit::Block* block, const NodeTags& tags, std::vector<OpTag>& out)
{
    for (torch::jit::Node* n : block->nodes()) {
        auto it = tags.find(n);
        OpTag tag = it != tags.end() ? it->second : OpTag{};
        tag.kind = n->kind().toQualString();
        out.push_back(tag);
        for (torch::jit::Block* b : n->blocks())
            walk(b, tags, out);
    }
}

} // namespace

std::vector<OpTag> tagsInOrder(torch::jit::Graph& graph, const NodeTags& tags)
{
    std::vector<OpTag> order;
    walk(graph.block(), tags, order);
    return order;
}

double LatencyProfile::profiledMs() const
{
    double sum = betweenMs;
    for (const LayerTime& l : layers)
        sum += l.totalMs();
    return sum;
}

LatencyProfile measureLatency(torch::jit::Module& module, const std::vector<OpTag>& order, const at::Tensor& input,
                              const QVector<LayerInfo>& layers, const QString& label, const LatencyOptions& options,
                              const JobControl& control)
{
    if (options.runs <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--runs must be at least 1, not %1").arg(options.runs));
    if (options.threads < 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--threads must be at least 1, not %1").arg(options.threads));
    c10::InferenceMode guard;
    ScopedThreads threads(options.threads);
    LatencyProfile p;
    p.label = label;
    p.batch = int(input.size(0));
    p.threads = at::get_num_threads();
    p.runs = options.runs;
    auto forward = [&] { module.forward({input}); };
    for (int i = 0; i < options.warmup; ++i)
        forward(); // the profiling executor specialises the graph on its first runs
    // A plain run and a profiled run in turn, so that whatever else the machine does weighs on
    // both medians alike.
    std::vector<double> total;
    const size_t sites = size_t(layers.size());
    std::vector<std::vector<double>> kernel(sites), quantize(sites);
    std::vector<double> walls; // profiled runs, whole
    for (int run = 0; run < options.runs; ++run) {
        if (run % 8 == 0)
            control.checkCancelled();
        const auto plain = Clock::now();
        forward();
        total.push_back(msBetween(plain, Clock::now()));
        ScopedHooks hooks;
        const auto start = Clock::now();
        forward();
        const double wall = msBetween(start, Clock::now());
        std::vector<double> k(sites, 0.0), q(sites, 0.0);
        size_t next = 0; // the recorded ops follow the graph's order; ops in branches not taken are skipped
        const bool fastest = walls.empty() || wall < *std::min_element(walls.begin(), walls.end());
        if (fastest) {
            p.events.clear(); // the timeline shows the fastest profiled run
            p.recordedOps = int(t_recording.ops.size());
            p.attributedOps = 0;
        }
        for (const Recording::Op& op : t_recording.ops) {
            const double ms = msBetween(op.start, op.end);
            OpTag tag;
            bool matched = false;
            for (size_t j = next; j < order.size(); ++j)
                if (order[j].kind == op.name) {
                    tag = order[j];
                    next = j + 1;
                    matched = true;
                    break;
                }
            if (fastest && matched)
                ++p.attributedOps;
            if (tag.site >= 0 && size_t(tag.site) < sites)
                (tag.quantize ? q : k)[size_t(tag.site)] += ms;
            if (fastest)
                p.events.push_back({QString::fromLatin1(op.name), tag.site, tag.quantize,
                                    1000 * msBetween(start, op.start), 1000 * ms});
        }
        for (size_t s = 0; s < sites; ++s) {
            kernel[s].push_back(k[s]);
            quantize[s].push_back(q[s]);
        }
        walls.push_back(wall);
    }
    // Medians over the faster half of the runs, plain and profiled alike.
    p.endToEndMs = fastHalfMedian(total);
    std::vector<size_t> fast(walls.size());
    for (size_t i = 0; i < fast.size(); ++i)
        fast[i] = i;
    std::sort(fast.begin(), fast.end(), [&](size_t a, size_t b) { return walls[a] < walls[b]; });
    fast.resize(std::max<size_t>(1, fast.size() / 2));
    // Means, not medians, over the kept runs: a mean is linear, so the layers' parts and the
    // rest add up to the kept runs' wall time exactly, whatever else the machine did.
    auto overKept = [&](const std::vector<double>& perRun) {
        double sum = 0;
        for (size_t i : fast)
            sum += perRun[i];
        return sum / double(fast.size());
    };
    p.profiledTotalMs = overKept(walls);
    std::vector<double> rest(walls); // per run: what the layers leave of the pass
    for (size_t s = 0; s < sites; ++s) {
        LayerTime t;
        t.name = layers[int(s)].name;
        t.kernelMs = overKept(kernel[s]);
        t.quantizeMs = overKept(quantize[s]);
        p.layers << t;
        for (size_t i = 0; i < rest.size(); ++i)
            rest[i] -= kernel[s][i] + quantize[s][i];
    }
    // Between layers: the rest of each profiled pass — ops outside every layer (pooling, adds,
    // reshapes, activations) and the interpreter's own work between ops. Top-level ops run one
    // after another inside the pass, so the rest is never negative.
    p.betweenMs = overKept(rest);
    return p;
}

LatencyProfile floatLatency(Model& model, const Dataset& data, qint64 calibrationSamples, const LatencyOptions& options,
                            const JobControl& control)
{
    if (options.batch <= 0)
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--batch must be at least 1, not %1").arg(options.batch));
    Model::Impl& m = model.impl();
    const SampleRange eval = data.evaluationRange(calibrationSamples);
    const qint64 first = eval.size() > 0 ? eval.begin : 0;
    const at::Tensor input = data.impl().batchInputs(first, qMin(data.size(), first + options.batch));
    // The instrumented graph: between a site's input and output probes lies its op. A recurrent
    // call (every layer and direction of one nn.LSTM or nn.GRU) is one op, timed under its first layer.
    NodeTags tags;
    int current = -1;
    const c10::Symbol probe = c10::Symbol::fromQualString("quantscope::probe");
    std::vector<torch::jit::Node*> nodes;
    std::function<void(torch::jit::Block*)> collect = [&](torch::jit::Block* b) {
        for (torch::jit::Node* n : b->nodes()) {
            nodes.push_back(n);
            for (torch::jit::Block* inner : n->blocks())
                collect(inner);
        }
    };
    collect(m.graph->block());
    for (torch::jit::Node* n : nodes) {
        const std::string kind = n->kind().toQualString();
        if (n->kind() == probe) {
            const int site = int(torch::jit::toIValue(n->input(1))->toInt());
            const bool input = torch::jit::toIValue(n->input(2))->toInt() == int64_t(ProbeRole::Input);
            torch::jit::Node* producer = n->input(0)->node();
            if (!input && current < 0 && !tags.count(producer) && producer->kind().is_aten())
                tags[producer] = {producer->kind().toQualString(), site, false}; // an embedding: no input probe
            current = input ? site : -1;
        } else if (kind == "quantscope::lstm" || kind == "quantscope::gru") {
            tags[n] = {kind, int(torch::jit::toIValue(n->inputs().back())->toInt()), false};
        } else if (current >= 0 && n->kind().is_aten()) {
            tags[n] = {kind, current, false};
        }
    }
    LatencyProfile p = measureLatency(m.module, tagsInOrder(*m.graph, tags), input, m.layers, QStringLiteral("float"),
                                      options, control);
    for (int i = 0; i < p.layers.size(); ++i)
        if (isRecurrentOp(m.layers[i].op) && p.layers[i].totalMs() == 0)
            p.layers[i].note = QStringLiteral("timed with the first layer of its module (one LibTorch call)");
    return p;
}

QByteArray chromeTrace(const QVector<LatencyProfile>& profiles)
{
    QJsonArray events;
    for (int pid = 0; pid < profiles.size(); ++pid) {
        const LatencyProfile& p = profiles[pid];
        events.append(QJsonObject{{QStringLiteral("name"), QStringLiteral("process_name")},
                                  {QStringLiteral("ph"), QStringLiteral("M")},
                                  {QStringLiteral("pid"), pid + 1},
                                  {QStringLiteral("args"),
                                   QJsonObject{{QStringLiteral("name"), QStringLiteral("%1 model, batch %2, %3 threads")
                                                                            .arg(p.label)
                                                                            .arg(p.batch)
                                                                            .arg(p.threads)}}}});
        for (const LatencyProfile::Event& e : p.events) {
            const QString layer = e.site >= 0 && e.site < p.layers.size() ? p.layers[e.site].name : QStringLiteral("between layers");
            events.append(QJsonObject{{QStringLiteral("name"), e.name},
                                      {QStringLiteral("cat"), e.site < 0 ? QStringLiteral("between") : e.quantize ? QStringLiteral("quantize") : QStringLiteral("kernel")},
                                      {QStringLiteral("ph"), QStringLiteral("X")},
                                      {QStringLiteral("ts"), e.startUs},
                                      {QStringLiteral("dur"), e.durationUs},
                                      {QStringLiteral("pid"), pid + 1},
                                      {QStringLiteral("tid"), 1},
                                      {QStringLiteral("args"), QJsonObject{{QStringLiteral("layer"), layer}}}});
        }
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("traceEvents"), events},
                                     {QStringLiteral("displayTimeUnit"), QStringLiteral("ms")}})
        .toJson(QJsonDocument::Compact);
}

} // namespace qs
