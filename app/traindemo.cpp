// Trains the bundled demo: a LeNet-style CNN on Fashion-MNIST, written as TorchScript.
//
// The network is built as a TorchScript module from the start (submodules typed like
// torch.nn's Conv2d, BatchNorm2d and Linear), trained through it, and saved; Python's
// torch.jit.load and LibTorch's torch::jit::load both open the result.
//
//   quantscope-train-demo [--out resources/fashion_lenet.pt] [--epochs 5] [--seed 1]

#include "data_p.h"
#include "model.h"
#include "profile.h"
#include "runtime.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>

#include <torch/torch.h>

#include <cmath>
#include <cstdio>

namespace {

using torch::jit::Module;

std::shared_ptr<torch::jit::CompilationUnit> g_cu = std::make_shared<torch::jit::CompilationUnit>();

Module newModule(const std::string& qualifiedName)
{
    Module m(qualifiedName, g_cu, /*shouldMangle=*/true);
    m.register_attribute("training", c10::BoolType::get(), true);
    return m;
}

/// PyTorch's default initialisation: uniform in ±1/sqrt(fan_in) for weight and bias.
void addWeightAndBias(Module& m, std::vector<int64_t> shape)
{
    int64_t fanIn = 1;
    for (size_t i = 1; i < shape.size(); ++i)
        fanIn *= shape[i];
    const double bound = 1.0 / std::sqrt(double(fanIn));
    m.register_parameter("weight", torch::empty(shape).uniform_(-bound, bound), false);
    m.register_parameter("bias", torch::empty({shape[0]}).uniform_(-bound, bound), false);
}

Module conv2d(int64_t in, int64_t out, int64_t k, int64_t pad)
{
    Module m = newModule("__torch__.torch.nn.modules.conv.Conv2d");
    addWeightAndBias(m, {out, in, k, k});
    m.define("def forward(self, x):\n"
             "    return torch.conv2d(x, self.weight, self.bias, [1, 1], [" +
             std::to_string(pad) + ", " + std::to_string(pad) + "], [1, 1], 1)\n");
    return m;
}

Module batchNorm2d(int64_t channels)
{
    Module m = newModule("__torch__.torch.nn.modules.batchnorm.BatchNorm2d");
    m.register_parameter("weight", torch::ones({channels}), false);
    m.register_parameter("bias", torch::zeros({channels}), false);
    m.register_buffer("running_mean", torch::zeros({channels}));
    m.register_buffer("running_var", torch::ones({channels}));
    m.define("def forward(self, x):\n"
             "    return torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,\n"
             "                            self.training, 0.1, 1e-5, False)\n");
    return m;
}

Module linear(int64_t in, int64_t out)
{
    Module m = newModule("__torch__.torch.nn.modules.linear.Linear");
    addWeightAndBias(m, {out, in});
    m.define("def forward(self, x):\n"
             "    return torch.linear(x, self.weight, self.bias)\n");
    return m;
}

Module leNet()
{
    Module net = newModule("__torch__.LeNet");
    net.register_module("conv1", conv2d(1, 16, 5, 2));
    net.register_module("bn1", batchNorm2d(16));
    net.register_module("conv2", conv2d(16, 32, 5, 2));
    net.register_module("bn2", batchNorm2d(32));
    net.register_module("fc1", linear(32 * 7 * 7, 120));
    net.register_module("fc2", linear(120, 84));
    net.register_module("fc3", linear(84, 10));
    net.define(R"(def forward(self, x):
    x = torch.max_pool2d(torch.relu(self.bn1.forward(self.conv1.forward(x))), [2, 2])
    x = torch.max_pool2d(torch.relu(self.bn2.forward(self.conv2.forward(x))), [2, 2])
    x = torch.flatten(x, 1)
    x = torch.relu(self.fc1.forward(x))
    x = torch.relu(self.fc2.forward(x))
    return self.fc3.forward(x)
)");
    return net;
}

qs::DataSpec fashion(const QString& split)
{
    qs::DataSpec spec = qs::DataSpec::demo();
    spec.inputsPath.replace(QLatin1String("t10k"), split);
    spec.labelsPath.replace(QLatin1String("t10k"), split);
    return spec;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Trains QuantScope's demo CNN on Fashion-MNIST."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("out"), QStringLiteral("Output TorchScript file."), QStringLiteral("FILE"),
                      QStringLiteral("resources/fashion_lenet.pt")});
    parser.addOption({QStringLiteral("epochs"), QStringLiteral("Training epochs."), QStringLiteral("N"),
                      QStringLiteral("5")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("N"), QStringLiteral("1")});
    parser.process(app);
    qs::initRuntime();
    torch::manual_seed(parser.value(QStringLiteral("seed")).toLongLong());

    try {
        auto train = qs::Dataset::load(fashion(QStringLiteral("train")));
        auto test = qs::Dataset::load(fashion(QStringLiteral("t10k")));
        Module net = leNet();
        std::vector<at::Tensor> params;
        for (const auto& p : net.parameters()) {
            p.requires_grad_(true);
            params.push_back(p);
        }
        torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3));
        const int epochs = parser.value(QStringLiteral("epochs")).toInt();
        const int64_t batch = 64;
        const at::Tensor& X = train->impl().inputs;
        const at::Tensor& Y = train->impl().labels;
        QElapsedTimer timer;
        timer.start();
        for (int epoch = 0; epoch < epochs; ++epoch) {
            if (epoch == epochs - 1)
                for (auto& group : adam.param_groups())
                    static_cast<torch::optim::AdamOptions&>(group.options()).lr(2e-4);
            net.train(true);
            const at::Tensor order = torch::randperm(X.size(0), torch::kLong);
            double lossSum = 0;
            int64_t steps = 0;
            for (int64_t b = 0; b < X.size(0); b += batch) {
                const at::Tensor idx = order.slice(0, b, std::min(b + batch, X.size(0)));
                const at::Tensor out = net.forward({X.index_select(0, idx)}).toTensor();
                const at::Tensor loss = torch::nn::functional::cross_entropy(out, Y.index_select(0, idx));
                adam.zero_grad();
                loss.backward();
                adam.step();
                lossSum += loss.item<double>();
                ++steps;
            }
            std::fprintf(stderr, "epoch %d: loss %.4f (%.0f s)\n", epoch + 1, lossSum / steps, timer.elapsed() / 1e3);
        }
        net.eval();
        for (auto& p : params)
            p.requires_grad_(false);
        const std::string out = parser.value(QStringLiteral("out")).toStdString();
        net.save(out);

        // Check the saved file the way users will open it: through QuantScope's own loader.
        auto model = qs::Model::load(QString::fromStdString(out));
        const double top1 = qs::evaluateFloat(*model, *test, {0, test->size()}, 500, {}).top1;
        std::printf("wrote %s: %lld parameters, %zu quantizable layers, test top-1 %.2f%%\n", out.c_str(),
                    static_cast<long long>(model->parameterCount()), size_t(model->layers().size()), 100 * top1);
        return top1 >= 0.88 ? 0 : 1;
    } catch (const qs::EngineError& e) {
        std::fprintf(stderr, "quantscope-train-demo: %s\n", qPrintable(e.message()));
        return 2;
    }
}
