// The window must stay as fast as the CLI: the demo's default search (1 point, bits 2,4,8,float,
// candidates on 2,048 samples) run by the window offscreen (through its Session, with every
// candidate recorded, appended to the history and plotted live) and by quantscope-cli in a
// separate process, each on a database of its own. Prints both times and the ratio (target:
// the window within 10% of the CLI). Alternates the two, three runs each; medians.
//
//   QT_QPA_PLATFORM=offscreen build/bench/bench_window

#include "mainwindow.h"
#include "runtime.h"
#include "trialbar.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace qs;

namespace {

double median(QVector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Seconds for one search in a fresh window on the demo (opening the demo not counted).
double windowSearch(const QString& database, int* trials)
{
    MainWindow w;
    w.session()->setDatabasePath(database);
    w.show();
    QSignalSpy opened(w.session(), &Session::modelOpened);
    w.openDemo();
    if (!opened.wait(300000))
        return -1;
    w.trialBar()->setSettings(QStringLiteral("int8:per_channel:symmetric:minmax"),
                              QStringLiteral("uint8:per_tensor:affine:histogram"), QStringLiteral("static"));
    QSignalSpy searched(w.session(), &Session::searchFinished);
    QElapsedTimer clock;
    clock.start();
    w.runSearch();
    if (!searched.wait(600000))
        return -1;
    const double s = clock.elapsed() / 1000.0;
    *trials = searched.first().first().value<SearchResult>().trials;
    return s;
}

/// Seconds for the same search by quantscope-cli, minus its start-up: the time `inspect` takes
/// to start, load the demo and its data and measure the layer shapes, as `search` does first.
double cliSearch(const QString& database, const QString& dataHome)
{
    auto run = [&](const QStringList& args) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_DATA_HOME"), dataHome);
        p.setProcessEnvironment(env);
        QElapsedTimer clock;
        clock.start();
        p.start(QStringLiteral(QS_CLI), args);
        p.waitForFinished(-1);
        return clock.elapsed() / 1000.0;
    };
    const double open = run({QStringLiteral("inspect")});
    const double search = run({QStringLiteral("search"), QStringLiteral("--db"), database, QStringLiteral("--json")});
    return search - open;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    initRuntime();
    QTemporaryDir dir;
    qputenv("XDG_DATA_HOME", dir.filePath(QStringLiteral("data")).toLocal8Bit());
    QVector<double> window, cli;
    int trials = 0;
    for (int run = 0; run < 3; ++run) {
        window << windowSearch(dir.filePath(QStringLiteral("window%1.db").arg(run)), &trials);
        cli << cliSearch(dir.filePath(QStringLiteral("cli%1.db").arg(run)), dir.filePath(QStringLiteral("data")));
        std::printf("run %d: window %.2f s, cli %.2f s\n", run + 1, window.last(), cli.last());
    }
    const double w = median(window), c = median(cli);
    std::printf("demo search (%d trials), median of 3: window %.2f s, quantscope-cli %.2f s (minus its start-up); "
                "window / cli = %.3f (target <= 1.10)\n",
                trials, w, c, w / c);
    return 0;
}
