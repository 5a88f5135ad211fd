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
    window.show();
    window.openModel(parser.positionalArguments().value(0));
    return app.exec();
}
