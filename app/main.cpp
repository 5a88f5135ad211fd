// quantscope: the desktop application. With no arguments it opens the bundled demo.

#include "mainwindow.h"
#include "runtime.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("QuantScope"));
    QApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationVersion(QStringLiteral(QUANTSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Which quantization settings should each layer get?"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("TorchScript file (default: the demo)."));
    parser.addOption({QStringLiteral("data"), QStringLiteral("Data spec, e.g. idx:IMAGES,LABELS (default: the demo's)."),
                      QStringLiteral("SPEC")});
    parser.addOption({QStringLiteral("weights"), QStringLiteral("Weight spec for trials."), QStringLiteral("SPEC")});
    parser.addOption({QStringLiteral("activations"), QStringLiteral("Activation spec for trials."), QStringLiteral("SPEC")});
    parser.addOption({QStringLiteral("mode"), QStringLiteral("Trial mode: static, dynamic or weight-only."), QStringLiteral("MODE")});
    parser.addOption({QStringLiteral("db"), QStringLiteral("Trial database (default: the per-user one)."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("trial"), QStringLiteral("Run a trial as soon as the model is open.")});
    parser.process(app);
    qs::initRuntime();

    qs::MainWindow window;
    if (parser.isSet(QStringLiteral("data"))) {
        try {
            window.setDataSpec(qs::DataSpec::parse(parser.value(QStringLiteral("data"))));
        } catch (const qs::EngineError& e) {
            std::fprintf(stderr, "quantscope: %s\n", qPrintable(e.message()));
            return 2;
        }
    }
    if (parser.isSet(QStringLiteral("db")))
        window.setDatabasePath(parser.value(QStringLiteral("db")));
    window.setTrialSettings(parser.value(QStringLiteral("weights")).isEmpty() ? QStringLiteral("int8:per_channel:symmetric:minmax")
                                                                             : parser.value(QStringLiteral("weights")),
                            parser.value(QStringLiteral("activations")).isEmpty()
                                ? QStringLiteral("uint8:per_tensor:affine:histogram")
                                : parser.value(QStringLiteral("activations")),
                            parser.value(QStringLiteral("mode")).isEmpty() ? QStringLiteral("static")
                                                                          : parser.value(QStringLiteral("mode")));
    if (parser.isSet(QStringLiteral("trial")))
        QObject::connect(&window, &qs::MainWindow::modelOpened, &window, &qs::MainWindow::runTrial,
                         Qt::SingleShotConnection);
    window.show();
    window.openModel(parser.positionalArguments().value(0));
    return app.exec();
}
