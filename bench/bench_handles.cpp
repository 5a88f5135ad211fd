// Dragging a clipping handle must update the numbers under the histogram within 50 ms: the
// demo in the window (offscreen), a trial at int4 per-tensor weights and uint8 activations,
// then 40 handle moves on each of block3.pw's weight histogram (16,384 weights, from the
// tensor) and its input-activation histogram (from the calibration histogram), each timed from
// the move to the numbers shown (signal → engine thread → back → label). Prints median and max.
//
//   QT_QPA_PLATFORM=offscreen build/bench/bench_handles

#include "histogramplot.h"
#include "layerpanel.h"
#include "layerplots.h"
#include "mainwindow.h"
#include "runtime.h"
#include "trialbar.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace qs;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    initRuntime();
    QTemporaryDir dir;
    qputenv("XDG_DATA_HOME", dir.filePath(QStringLiteral("data")).toLocal8Bit());
    MainWindow w;
    w.session()->setDatabasePath(dir.filePath(QStringLiteral("handles.db")));
    w.resize(1280, 800);
    w.show();
    QSignalSpy opened(w.session(), &Session::modelOpened);
    w.openDemo();
    if (!opened.wait(300000))
        return 1;
    w.trialBar()->setSettings(QStringLiteral("int4:per_tensor:symmetric:minmax"), QStringLiteral("uint8:per_tensor:affine:histogram"),
                              QStringLiteral("static"));
    QSignalSpy finished(w.session(), &Session::trialFinished);
    w.runTrial();
    if (!finished.wait(300000))
        return 1;
    w.layerPanel()->table()->selectRow(6); // block3.pw
    QApplication::processEvents();
    for (bool weight : {true, false}) {
        HistogramPlot* plot = weight ? w.layerPlots()->weightPlot() : w.layerPlots()->activationPlot();
        if (!plot->handlesEnabled()) {
            std::printf("no handles on block3.pw's %s\n", weight ? "weight" : "activation");
            return 1;
        }
        const double lo = plot->handleLo(), hi = plot->handleHi();
        QVector<double> ms;
        for (int k = 0; k < 40; ++k) {
            const double f = 1.0 - 0.015 * k; // the handles move inwards, as a drag does
            QSignalSpy shown(w.session(), &Session::rangePreviewed);
            QElapsedTimer clock;
            clock.start();
            plot->moveHandles(lo * f, hi * f);
            if (!shown.wait(5000))
                return 1;
            QApplication::processEvents(); // the label drawn
            ms << clock.nsecsElapsed() / 1e6;
        }
        std::sort(ms.begin(), ms.end());
        std::printf("block3.pw %-10s handle moves: median %.1f ms, max %.1f ms over %d (target <= 50 ms)\n",
                    weight ? "weight" : "activation", ms[ms.size() / 2], ms.last(), int(ms.size()));
    }
    std::printf("last line: %s\n", qPrintable(w.layerPlots()->lastRangeLine()));
    return 0;
}
