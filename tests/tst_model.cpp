// Site discovery on scripted and traced fixtures, probes against a plain forward, weight stats.
// Fixtures: tests/fixtures/make_fixtures.py (Debian's python3-torch), committed.

#include "data_p.h"
#include "errors.h"
#include "idxwrite.h"
#include "graph_p.h"
#include "instrument.h"
#include "model_p.h"
#include "profile.h"
#include "runtime.h"

#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <torch/csrc/jit/ir/irparser.h>

#include <map>
#include <set>
#include <torch/csrc/jit/testing/file_check.h>

using namespace qs;

namespace {

const QString kFixtures = QStringLiteral(QS_FIXTURES);

struct Expected {
    QString name, op;
    QVector<qint64> weight;
    qint64 params;
    QVector<qint64> in, out;
};

/// TinyCNN in make_fixtures.py, for a batch of one 1×8×8 image.
const QVector<Expected> kTiny = {
    {"features.0", "conv2d", {4, 1, 3, 3}, 36 + 4, {1, 1, 8, 8}, {1, 4, 8, 8}},
    {"features.2", "conv2d", {8, 4, 3, 3}, 288 + 8, {1, 4, 8, 8}, {1, 8, 4, 4}},
    {"layer1.0.conv1", "conv2d", {8, 8, 1, 1}, 64 + 8, {1, 8, 4, 4}, {1, 8, 4, 4}},
    {"layer1.0.up", "conv_transpose2d", {8, 4, 2, 2}, 128 + 4, {1, 8, 4, 4}, {1, 4, 8, 8}},
    {"fc", "linear", {10, 256}, 2560 + 10, {1, 256}, {1, 10}},
    {"proj", "matmul", {10, 6}, 60, {1, 10}, {1, 6}},
};

/// 40 random 8×8 images written as an IDX file: the real data path feeds the fixture.
std::shared_ptr<Dataset> tinyImages(const QTemporaryDir& dir)
{
    at::manual_seed(5);
    const at::Tensor px = at::randint(0, 256, {40 * 64}, at::kByte);
    const QString path = testing::writeFile(
        dir.filePath("tiny.idx"),
        testing::idxBytes({40, 8, 8}, QByteArray(reinterpret_cast<const char*>(px.data_ptr<uint8_t>()), 40 * 64)));
    return Dataset::load(DataSpec::parse("idx:" + path));
}

void compareLayers(const QVector<LayerInfo>& got, const QVector<Expected>& want)
{
    QCOMPARE(got.size(), want.size());
    for (int i = 0; i < want.size(); ++i) {
        QCOMPARE(got[i].name, want[i].name);
        QCOMPARE(got[i].op, want[i].op);
        QCOMPARE(got[i].weightShape, want[i].weight);
        QCOMPARE(got[i].paramCount, want[i].params);
        QCOMPARE(got[i].inputShape, want[i].in);
        QCOMPARE(got[i].outputShape, want[i].out);
    }
}

double maxRelative(double a, double b)
{
    return std::abs(a - b) / std::max(1e-12, std::max(std::abs(a), std::abs(b)));
}

} // namespace

class TestModel : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    // The collapsed graph's edges are the TorchScript graph's data dependencies between the
    // shown nodes: computed here forward, from each shown node's outputs through every node not
    // shown (nested blocks' outputs to their node's), until a shown node or the graph's output.
    void graphEdgesAreTheDataDependencies_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("adds");
        QTest::addColumn<int>("cats");
        QTest::newRow("demo") << QString() << 8 << 0 << 0;
        QTest::newRow("residual CNN") << kFixtures + "/residual_cnn_scripted.pt" << 9 << 2 << 1;
        QTest::newRow("LSTM language model") << kFixtures + "/lstm_lm_scripted.pt" << -1 << -1 << -1;
        QTest::newRow("mixed ops") << kFixtures + "/mixed_ops_scripted.pt" << -1 << -1 << -1;
    }

    void graphEdgesAreTheDataDependencies()
    {
        QFETCH(QString, model);
        QFETCH(int, layers);
        QFETCH(int, adds);
        QFETCH(int, cats);
        const std::shared_ptr<Model> m = model.isEmpty() ? loadDemoModel() : Model::load(model);
        std::vector<torch::jit::Node*> nodes;
        const ModelGraph g = modelGraph(m->impl(), &nodes);
        std::map<torch::jit::Node*, int> shown;
        for (size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i])
                shown[nodes[i]] = int(i);
        const int input = 0, output = int(g.nodes.size()) - 1;
        QCOMPARE(g.nodes[input].kind, GraphNode::Input);
        QCOMPARE(g.nodes[output].kind, GraphNode::Output);
        auto dataFlow = [](const torch::jit::Value* v) {
            const auto k = v->type()->kind();
            return k == c10::TypeKind::TensorType || k == c10::TypeKind::ListType || k == c10::TypeKind::TupleType ||
                   k == c10::TypeKind::OptionalType;
        };
        std::set<QPair<int, int>> expected;
        auto reach = [&](int from, std::vector<torch::jit::Value*> frontier) {
            std::set<torch::jit::Value*> seen;
            while (!frontier.empty()) {
                torch::jit::Value* v = frontier.back();
                frontier.pop_back();
                if (!seen.insert(v).second || !dataFlow(v))
                    continue;
                for (const torch::jit::Use& u : v->uses()) {
                    torch::jit::Node* user = u.user;
                    if (user->kind() == c10::prim::Return) {
                        if (user->owningBlock() == m->impl().graph->block())
                            expected.insert({from, output});
                        else if (torch::jit::Node* owner = user->owningBlock()->owningNode()) // a block's result: its node's outputs
                            for (torch::jit::Value* o : owner->outputs())
                                frontier.push_back(o);
                        continue;
                    }
                    if (auto it = shown.find(user); it != shown.end()) {
                        expected.insert({from, it->second});
                        continue;
                    }
                    for (torch::jit::Value* o : user->outputs())
                        frontier.push_back(o);
                    for (torch::jit::Block* b : user->blocks()) // a loop's or branch's body sees its inputs
                        for (torch::jit::Value* param : b->inputs())
                            frontier.push_back(param);
                }
            }
        };
        torch::jit::Graph& graph = *m->impl().graph;
        reach(input, {graph.inputs().begin() + 1, graph.inputs().end()}); // not `self`
        for (const auto& [n, i] : shown)
            reach(i, {n->outputs().begin(), n->outputs().end()});
        const std::set<QPair<int, int>> actual(g.edges.cbegin(), g.edges.cend());
        for (const auto& e : expected)
            QVERIFY2(actual.count(e), qPrintable(QStringLiteral("missing %1 → %2").arg(g.nodes[e.first].label, g.nodes[e.second].label)));
        for (const auto& e : actual)
            QVERIFY2(expected.count(e), qPrintable(QStringLiteral("extra %1 → %2").arg(g.nodes[e.first].label, g.nodes[e.second].label)));
        // Every layer is in the graph once.
        QSet<int> sites;
        for (const GraphNode& n : g.nodes)
            for (int s : n.layers) {
                QVERIFY(!sites.contains(s));
                sites.insert(s);
            }
        QCOMPARE(sites.size(), m->layers().size());
        int layerNodes = 0, addNodes = 0, catNodes = 0;
        for (const GraphNode& n : g.nodes) {
            layerNodes += n.kind == GraphNode::Layer;
            addNodes += n.label == "add";
            catNodes += n.label == "cat";
        }
        if (layers >= 0) {
            QCOMPARE(layerNodes, layers);
            QCOMPARE(addNodes, adds);
            QCOMPARE(catNodes, cats);
        }
    }

    // Which tensor a tuple, list or dict output stands for, and what is said when there is none.
    void outputTensorOfTuplesListsAndDicts()
    {
        const at::Tensor a = torch::ones({2, 3}), b = torch::zeros({2, 5});
        QVERIFY(outputTensor(a, QString(), "m").equal(a));
        const c10::IValue tuple = c10::ivalue::Tuple::create({c10::IValue(int64_t(7)), a, b});
        QVERIFY(outputTensor(tuple, QString(), "m").equal(a)); // the first tensor
        QVERIFY(outputTensor(tuple, "2", "m").equal(b));
        c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
        dict.insert("hidden", b);
        dict.insert("logits", a);
        QVERIFY(outputTensor(dict, QString(), "m").equal(a)); // logits
        QVERIFY(outputTensor(dict, "hidden", "m").equal(b));
        c10::impl::GenericDict two(c10::StringType::get(), c10::TensorType::get());
        two.insert("x", a);
        two.insert("y", b);
        try {
            outputTensor(two, QString(), "m.pt");
            QFAIL("a dict of two tensors without logits was scored");
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains("m.pt: forward returned a dict with keys x, y; it has no 'logits'; choose the output "
                                          "to score with --output KEY"),
                     qPrintable(e.message()));
        }
        QVERIFY_THROWS_EXCEPTION(EngineError, outputTensor(tuple, "5", "m"));
        QVERIFY_THROWS_EXCEPTION(EngineError, outputTensor(c10::IValue(int64_t(3)), QString(), "m"));
    }

    void discoversSitesWithPyTorchNames_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("scripted") << "tiny_cnn_scripted.pt";
        QTest::newRow("traced") << "tiny_cnn_traced.pt"; // convolutions appear as aten::_convolution
    }
    void discoversSitesWithPyTorchNames()
    {
        QFETCH(QString, file);
        auto model = Model::load(kFixtures + u'/' + file);
        model->measureShapes(*tinyImages(m_dir));
        compareLayers(model->layers(), kTiny);
        QCOMPARE(model->parameterCount(), qint64(40 + 296 + 72 + 132 + 2570 + 60));
    }

    void discoversEmbeddingConv1dConv3dAddmm()
    {
        auto model = Model::load(kFixtures + "/mixed_ops_scripted.pt");
        model->impl().measureShapes(at::randint(0, 20, {1, 5}, at::kLong));
        compareLayers(model->layers(), {
                                           {"emb", "embedding", {20, 6}, 120, {}, {1, 5, 6}},
                                           {"conv", "conv1d", {4, 6, 3}, 72 + 4, {1, 6, 5}, {1, 4, 5}},
                                           {"vol", "conv3d", {2, 4, 1, 1, 1}, 8 + 2, {1, 4, 1, 1, 5}, {1, 2, 1, 1, 5}},
                                           {"w", "addmm", {10, 3}, 30 + 3, {1, 10}, {1, 3}},
                                       });
        QVERIFY(!model->layers()[0].hasActivationInput);
    }

    // Batch norm is folded into the convolution before it, as PyTorch does before quantizing:
    // the site's weight is w·γ/√(var+ε), and the model computes what it computed before.
    void foldsBatchNormIntoTheConvolution()
    {
        const QString path = kFixtures + "/conv_bn_scripted.pt";
        auto model = Model::load(path);
        QCOMPARE(model->layers().size(), 2);
        QVERIFY(model->layers()[0].batchNormFolded);
        QVERIFY(!model->layers()[1].batchNormFolded);
        QCOMPARE(model->parameterCount(), qint64(36 + 4 + 144 * 3 + 3)); // the batch norm's 8 are gone

        torch::jit::Module plain = torch::jit::load(path.toStdString());
        plain.eval();
        c10::InferenceMode guard;
        const at::Tensor w = plain.attr("conv").toModule().attr("weight").toTensor();
        torch::jit::Module bn = plain.attr("bn").toModule();
        const at::Tensor gain = bn.attr("weight").toTensor() / at::sqrt(bn.attr("running_var").toTensor() + 1e-5);
        const at::Tensor expected = w * gain.reshape({4, 1, 1, 1});
        QVERIFY(at::allclose(model->impl().weight(0), expected, 1e-5, 1e-6));

        at::manual_seed(1);
        const at::Tensor x = at::rand({5, 1, 8, 8});
        QVERIFY(at::allclose(model->impl().forward(x), plain.forward({x}).toTensor(), 1e-4, 1e-5));
    }

    void demoModelHasEightLayers()
    {
        auto model = Model::load(QStringLiteral(QS_FIXTURES "/../../resources/fashion_mobilenet.pt"));
        QStringList names;
        for (const auto& l : model->layers())
            names << l.name;
        QCOMPARE(names, (QStringList{"conv1", "block1.dw", "block1.pw", "block2.dw", "block2.pw", "block3.dw",
                                     "block3.pw", "fc"}));
    }

    // The probe must see exactly what the layer sees: compare with the same values computed by
    // the uninstrumented submodules of a separately loaded copy.
    void probeSeesTheSameActivationsAsAPlainForward()
    {
        auto data = tinyImages(m_dir);
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        const SampleRange all{0, data->size()};
        const QVector<TensorStats> stats = activationStats(*model, *data, all, 16, {}, 256);

        torch::jit::Module plain = torch::jit::load(QString(kFixtures + "/tiny_cnn_scripted.pt").toStdString());
        plain.eval();
        c10::InferenceMode guard;
        auto sub = [&](const char* a, const char* b = nullptr) {
            torch::jit::Module m = plain.attr(a).toModule();
            return b ? m.attr(b).toModule() : m;
        };
        // Same batches of 16 as the probe run, so float kernels round the same way.
        std::vector<std::vector<at::Tensor>> batches(6);
        for (int64_t b = 0; b < data->size(); b += 16) {
            const at::Tensor x = data->impl().inputs.slice(0, b, b + 16);
            const at::Tensor f0 = sub("features", "0").forward({x}).toTensor();
            const at::Tensor feat = torch::relu(sub("features").forward({x}).toTensor());
            const at::Tensor c1 = torch::relu(sub("layer1", "0").attr("conv1").toModule().forward({feat}).toTensor());
            const at::Tensor flat = torch::flatten(sub("layer1").forward({feat}).toTensor(), 1);
            const at::Tensor fc = sub("fc").forward({flat}).toTensor();
            const at::Tensor seen[] = {x, torch::relu(f0), feat, c1, flat, fc};
            for (size_t i = 0; i < 6; ++i)
                batches[i].push_back(seen[i]);
        }
        std::vector<at::Tensor> inputs;
        for (const auto& parts : batches)
            inputs.push_back(torch::cat(parts));

        QCOMPARE(stats.size(), qsizetype(inputs.size()));
        for (size_t i = 0; i < inputs.size(); ++i) {
            const at::Tensor t = inputs[i].to(at::kDouble);
            QCOMPARE(stats[int(i)].count, qint64(t.numel()));
            QCOMPARE(stats[int(i)].min, t.min().item<double>());
            QCOMPARE(stats[int(i)].max, t.max().item<double>());
            QVERIFY2(maxRelative(stats[int(i)].mean, t.mean().item<double>()) < 1e-9, qPrintable(QString::number(i)));
            const double var = (t - t.mean()).pow(2).mean().item<double>();
            QVERIFY2(maxRelative(stats[int(i)].std, std::sqrt(var)) < 1e-9,
                     qPrintable(QStringLiteral("%1 vs %2").arg(stats[int(i)].std).arg(std::sqrt(var))));
        }
        // Per-channel ranges of a conv input run along axis 1.
        const at::Tensor perChannel = std::get<0>(inputs[2].movedim(1, 0).flatten(1).max(1));
        QCOMPARE(stats[2].channelAxis, 1);
        for (int c = 0; c < 8; ++c)
            QCOMPARE(stats[2].channelMax[c], double(perChannel[c].item<float>()));
    }

    // LSTM and GRU layers: one site per layer and direction, named after PyTorch's parameters,
    // their weights joined as gate rows × (input + hidden) and counted; calls that cannot be
    // sites (projections, packed sequences) are left float with a note, their weights counted.
    void recurrentLayersAreSitesPerLayerAndDirection()
    {
        auto gru = Model::load(kFixtures + "/gru_scripted.pt");
        QStringList names;
        for (const LayerInfo& l : gru->layers())
            names << l.name;
        QCOMPARE(names, QStringList({"rnn.l0", "rnn.l0_reverse", "rnn.l1", "rnn.l1_reverse", "fc"}));
        const LayerInfo& l1 = gru->layers()[2];
        QCOMPARE(l1.op, QStringLiteral("gru"));
        QCOMPARE(l1.weightShape, QVector<qint64>({36, 24 + 12})); // 3 gates × 12; 2 × 12 inputs + 12 hidden
        QCOMPARE(l1.paramCount, 36 * 36 + 2 * 36);
        QCOMPARE(l1.weightParts, QStringList({"weight_ih_l1 36×24", "weight_hh_l1 36×12"}));
        QCOMPARE(weightDescription(l1), QStringLiteral("weight_ih_l1 36×24 + weight_hh_l1 36×12"));

        torch::jit::Module plain = torch::jit::load(QString(kFixtures + "/gru_scripted.pt").toStdString());
        qint64 all = 0;
        for (const auto& p : plain.named_parameters())
            all += p.value.numel();
        QCOMPARE(gru->parameterCount(), all);
        const torch::jit::Module rnn = plain.attr("rnn").toModule();
        QVERIFY(at::equal(gru->impl().weight(1), at::cat({rnn.attr("weight_ih_l0_reverse").toTensor(),
                                                          rnn.attr("weight_hh_l0_reverse").toTensor()}, 1)));

        auto traced = Model::load(kFixtures + "/lstm_nobias_traced.pt");
        QCOMPARE(traced->layers().size(), 2);
        QCOMPARE(traced->layers()[0].name, QStringLiteral("rnn.l0"));
        QCOMPARE(traced->layers()[0].op, QStringLiteral("lstm"));
        QCOMPARE(traced->layers()[0].paramCount, 40 * (8 + 10)); // no biases
        QCOMPARE(traced->parameterCount(), 40 * 18 + 4 * 10 + 4);

        const struct {
            const char* file;
            const char* note;
        } floatLeft[] = {{"lstm_projection_scripted.pt", "proj_size"}, {"packed_lstm_scripted.pt", "packed sequence"}};
        for (const auto& f : floatLeft) {
            auto m = Model::load(kFixtures + "/" + f.file);
            QCOMPARE(m->layers().size(), 1);
            QCOMPARE(m->layers()[0].name, QStringLiteral("fc"));
            QVERIFY2(m->warnings().join(' ').contains(f.note), qPrintable(m->warnings().join(' ')));
            torch::jit::Module p = torch::jit::load(QString(kFixtures + "/" + f.file).toStdString());
            qint64 n = 0;
            for (const auto& t : p.named_parameters())
                n += t.value.numel();
            QCOMPARE(m->parameterCount(), n);
        }
    }

    // The rewritten recurrent call computes what LibTorch's op computes, in float: as LibTorch's
    // own op when nothing is probed; layer by layer (LibTorch's op per layer and direction) when
    // probes watch; step by step in ATen's cell arithmetic when a probe wants the hidden states.
    void recurrentLayersComputeAsLibTorchInFloat_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("bidirectional 2-layer GRU, batch first, scripted") << "gru_scripted.pt";
        QTest::newRow("LSTM without biases, time major, traced") << "lstm_nobias_traced.pt";
        QTest::newRow("2-layer LSTM language model") << "lstm_lm_scripted.pt";
    }
    void recurrentLayersComputeAsLibTorchInFloat()
    {
        QFETCH(QString, file);
        at::manual_seed(3);
        const bool tokens = file.startsWith("lstm_lm");
        const at::Tensor x = tokens ? at::randint(0, 128, {6, 64}, at::kLong) : at::randn({9, 7, 8});
        torch::jit::Module plain = torch::jit::load(QString(kFixtures + "/" + file).toStdString());
        plain.eval();
        c10::InferenceMode guard;
        const at::Tensor expected = plain.forward({x}).toTensor();
        auto model = Model::load(kFixtures + "/" + file);
        QVERIFY(at::equal(model->impl().forward(x), expected)); // no probe handler: LibTorch's own call

        struct PassThrough : ProbeHandler {
            bool steps = false;
            int stepCalls = 0;
            at::Tensor onProbe(const at::Tensor& t, int, ProbeRole role) override
            {
                stepCalls += role == ProbeRole::Step;
                return t;
            }
            bool wantsSteps(int) const override { return steps; }
        };
        for (bool steps : {false, true}) {
            PassThrough probe;
            probe.steps = steps;
            ScopedProbeHandler scope(&probe);
            const double diff = (model->impl().forward(x) - expected).abs().max().item<double>();
            QVERIFY2(diff <= (steps ? 1e-5 : 1e-6), qPrintable(QStringLiteral("steps %1: %2").arg(steps).arg(diff)));
            QCOMPARE(probe.stepCalls > 0, steps);
        }
    }

    void weightStatsMatchDirectComputation()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_traced.pt");
        for (int site = 0; site < model->layers().size(); ++site) {
            const TensorStats s = weightStats(*model, site, 64);
            const at::Tensor w = model->impl().weight(site).to(at::kDouble);
            const double mean = w.mean().item<double>();
            const double var = (w - mean).pow(2).mean().item<double>();
            const double kurt = (w - mean).pow(4).mean().item<double>() / (var * var) - 3;
            QCOMPARE(s.count, qint64(w.numel()));
            QCOMPARE(s.min, w.min().item<double>());
            QCOMPARE(s.max, w.max().item<double>());
            QVERIFY(maxRelative(s.mean, mean) < 1e-9);
            QVERIFY(maxRelative(s.std, std::sqrt(var)) < 1e-9);
            QVERIFY(maxRelative(s.kurtosis, kurt) < 1e-7);
            QCOMPARE(s.histogram.total(), double(w.numel()));
            // Output channels: axis 0, except transposed conv (1) and x @ W (last).
            const int64_t axis = model->impl().sites[size_t(site)].channelAxis;
            QCOMPARE(s.channelMin.size(), qsizetype(w.size(axis)));
            const at::Tensor lo = std::get<0>(w.movedim(axis, 0).flatten(1).min(1));
            for (int c = 0; c < lo.size(0); ++c)
                QCOMPARE(s.channelMin[c], lo[c].item<double>());
        }
        QCOMPARE(model->impl().sites[3].channelAxis, 1); // layer1.0.up, a transposed conv
        QCOMPARE(model->impl().sites[5].channelAxis, 1); // proj: x @ W
    }

    void probeInsertionOnTinyIR()
    {
        auto graph = std::make_shared<torch::jit::Graph>();
        torch::jit::parseIR(R"IR(
graph(%self, %x : Tensor):
  %fc : Tensor = prim::GetAttr[name="fc"](%self)
  %w : Tensor = prim::GetAttr[name="weight"](%fc)
  %b : NoneType = prim::Constant()
  %y : Tensor = aten::linear(%x, %w, %b)
  %z : Tensor = aten::relu(%y)
  return (%z))IR",
                            graph.get());
        torch::jit::Node* linear = nullptr;
        for (torch::jit::Node* n : graph->nodes())
            if (n->kind() == c10::aten::linear)
                linear = n;
        insertProbes(*graph, {{linear, 0, 0}});
        torch::jit::testing::FileCheck()
            .check("quantscope::probe(%x")
            ->check("aten::linear")
            ->check("quantscope::probe")
            ->check("aten::relu")
            ->run(*graph);
    }

    void rejectsFilesThatAreNotTorchScript_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QByteArray() << "is not a TorchScript model";
        QTest::newRow("text") << QByteArray("def forward(x): return x\n") << "is not a TorchScript model";
        QFile f(kFixtures + "/tiny_cnn_scripted.pt");
        f.open(QIODevice::ReadOnly);
        QTest::newRow("truncated") << f.readAll().left(4000) << "is not a TorchScript model";
    }
    void rejectsFilesThatAreNotTorchScript()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        const QString path = m_dir.filePath(QString::fromLatin1(QTest::currentDataTag()) + ".pt");
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(bytes);
        f.close();
        try {
            Model::load(path);
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(e.message().contains(path) && e.message().contains(message), qPrintable(e.message()));
            QVERIFY2(!e.message().contains('\n'), "one line");
        }
    }

    void wrongInputShapeNamesModelAndData()
    {
        auto model = Model::load(kFixtures + "/tiny_cnn_scripted.pt");
        auto demo = Dataset::load(DataSpec::demo()); // 28×28 images; the fixture's fc wants 8×8
        try {
            model->measureShapes(*demo);
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(e.message().contains("tiny_cnn_scripted.pt") && e.message().contains("1×1×28×28"),
                     qPrintable(e.message()));
        }
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
