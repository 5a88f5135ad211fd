// quantscope: the desktop application. With no arguments it opens the bundled demo.

#include "mainwindow.h"
#include "runtime.h"
#include "trialbar.h"

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
    parser.addOption({QStringLiteral("cle"), QStringLiteral("Trials with cross-layer equalization.")});
    parser.addOption({QStringLiteral("bias-correction"), QStringLiteral("Trials with bias correction.")});
    parser.addOption({QStringLiteral("adaround"), QStringLiteral("Trials with AdaRound.")});
    parser.addOption({QStringLiteral("high-bias-absorption"), QStringLiteral("Trials with CLE and high-bias absorption.")});
    parser.process(app);
    qs::initRuntime();

    qs::MainWindow window;
    qs::Session* session = window.session();
    try {
        if (parser.isSet(QStringLiteral("data")))
            session->setDataSpec(qs::DataSpec::parse(parser.value(QStringLiteral("data"))));
        if (parser.isSet(QStringLiteral("mode")))
            qs::parseTrialMode(parser.value(QStringLiteral("mode")), QStringLiteral("--mode"));
    } catch (const qs::EngineError& e) {
        std::fprintf(stderr, "quantscope: %s\n", qPrintable(e.message()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("db")))
        session->setDatabasePath(parser.value(QStringLiteral("db")));
    // Named settings over the defaults; a spec that does not parse is shown as typed and
    // refused with a dialog when the trial starts.
    const QStringList defaults = window.trialBar()->settings();
    auto option = [&](const char* name, int i) {
        const QString v = parser.value(QString::fromLatin1(name));
        return v.isEmpty() ? defaults[i] : v;
    };
    const QStringList named{option("weights", 0), option("activations", 1), option("mode", 2)};
    window.trialBar()->setSettings(named[0], named[1], named[2]);
    window.trialBar()->techniqueActions()[0]->setChecked(parser.isSet(QStringLiteral("cle")));
    window.trialBar()->techniqueActions()[1]->setChecked(parser.isSet(QStringLiteral("bias-correction")));
    window.trialBar()->techniqueActions()[2]->setChecked(parser.isSet(QStringLiteral("adaround")));
    window.trialBar()->techniqueActions()[4]->setChecked(parser.isSet(QStringLiteral("high-bias-absorption")));
    // The toolbar follows the first model's task (a language model's preset) unless settings
    // were named here: they stay (connected after the window's own modelOpened slot).
    if (parser.isSet(QStringLiteral("weights")) || parser.isSet(QStringLiteral("activations")) ||
        parser.isSet(QStringLiteral("mode")))
        QObject::connect(
            session, &qs::Session::modelOpened, &window,
            [&window, named] { window.trialBar()->setSettings(named[0], named[1], named[2]); }, Qt::SingleShotConnection);
    if (parser.isSet(QStringLiteral("trial")))
        QObject::connect(session, &qs::Session::modelOpened, &window, &qs::MainWindow::runTrial, Qt::SingleShotConnection);
    window.show();
    window.openModel(parser.positionalArguments().value(0));
    return app.exec();
}
