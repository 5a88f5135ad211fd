// Trains the bundled demo: a MobileNet-style CNN on Fashion-MNIST, written as TorchScript.
//
// The network is built as a TorchScript module from the start (submodules typed like
// torch.nn's Conv2d, BatchNorm2d and Linear), trained through it, and saved; Python's
// torch.jit.load and LibTorch's torch::jit::load both open the result.
//
//   quantscope-train-demo [--out resources/fashion_mobilenet.pt] [--epochs 5] [--seed 1]

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

Module conv2d(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups = 1)
{
    Module m = newModule("__torch__.torch.nn.modules.conv.Conv2d");
    addWeightAndBias(m, {out, in / groups, k, k});
    const std::string s = std::to_string(stride), pad = std::to_string(k / 2);
    m.define("def forward(self, x):\n"
             "    return torch.conv2d(x, self.weight, self.bias, [" + s + ", " + s + "], [" + pad + ", " + pad +
             "], [1, 1], " + std::to_string(groups) + ")\n");
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

/// A MobileNet-style block: a depthwise 3×3 convolution (one filter per channel, `dw`), then a
/// pointwise 1×1 convolution that mixes the channels (`pw`), each followed by batch norm (folded
/// into the convolution before quantization) and ReLU.
Module separableBlock(int64_t in, int64_t out, int64_t stride)
{
    Module m = newModule("__torch__.SeparableBlock");
    m.register_module("dw", conv2d(in, in, 3, stride, in));
    m.register_module("dw_bn", batchNorm2d(in));
    m.register_module("pw", conv2d(in, out, 1, 1));
    m.register_module("pw_bn", batchNorm2d(out));
    m.define("def forward(self, x):\n"
             "    x = torch.relu(self.dw_bn.forward(self.dw.forward(x)))\n"
             "    return torch.relu(self.pw_bn.forward(self.pw.forward(x)))\n");
    return m;
}

Module mobileNet()
{
    Module net = newModule("__torch__.FashionMobileNet");
    net.register_module("conv1", conv2d(1, 32, 3, 1));
    net.register_module("bn1", batchNorm2d(32));
    net.register_module("block1", separableBlock(32, 64, 2));
    net.register_module("block2", separableBlock(64, 128, 2));
    net.register_module("block3", separableBlock(128, 128, 1));
    net.register_module("fc", linear(128, 10));
    net.define(R"(def forward(self, x):
    x = torch.relu(self.bn1.forward(self.conv1.forward(x)))
    x = self.block3.forward(self.block2.forward(self.block1.forward(x)))
    x = torch.mean(x, [2, 3])
    return self.fc.forward(x)
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
                      QStringLiteral("resources/fashion_mobilenet.pt")});
    parser.addOption({QStringLiteral("epochs"), QStringLiteral("Training epochs."), QStringLiteral("N"),
                      QStringLiteral("5")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("N"), QStringLiteral("1")});
    parser.process(app);
    qs::initRuntime();
    torch::manual_seed(parser.value(QStringLiteral("seed")).toLongLong());

    try {
        auto train = qs::Dataset::load(fashion(QStringLiteral("train")));
        auto test = qs::Dataset::load(fashion(QStringLiteral("t10k")));
        Module net = mobileNet();
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
