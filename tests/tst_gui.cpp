// The main window offscreen: opens the demo, lists every layer, shows both histograms, keeps
// the open model when another file fails, and cancels a job. The layer model runs under
// QAbstractItemModelTester.

#include "testmain.h"
#include "testutils.h"

#include "channelrangeplot.h"
#include "histogramplot.h"
#include "jobtracker.h"
#include "layererrorplot.h"
#include "layertablemodel.h"
#include "paretoplot.h"
#include "plotexport.h"
#include "comparedialog.h"
#include "datadialog.h"
#include "disagreementmodel.h"
#include "disagreementtab.h"
#include "errortab.h"
#include "graphtab.h"
#include "plotdata.h"
#include "graphview.h"
#include "convergenceplot.h"
#include "levelusageplot.h"
#include "histogramplot.h"
#include "format.h"
#include "historymodel.h"
#include "historypanel.h"
#include "layerpanel.h"
#include "layerplots.h"
#include "latencyplot.h"
#include "latencytab.h"
#include "mainwindow.h"
#include "trialfiles.h"
#include "resulttabs.h"
#include "searchsettingsdialog.h"
#include "trialbar.h"
#include "qcp.h"
#include "runtime.h"
#include "store.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QProcess>
#include <QRegularExpression>
#include <QPixmap>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonObject>
#include <QJsonDocument>
#include <QJsonArray>
#include <QImage>
#include <QDir>
#include <QLocale>
#include <QLineEdit>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace qs;
using qs::test::arrives;
using qs::test::kUntilCTestTimeout;

namespace {

/// QAbstractItemModelTester on each of the window's item models, for as long as it lives.
struct ModelTesters {
    explicit ModelTesters(MainWindow& w)
    {
        for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{
                 w.layerPanel()->model(), w.layerPanel()->table()->model(), w.historyPanel()->model(),
                 w.historyPanel()->table()->model(), w.results()->disagreementTab()->model()})
            testers.emplace_back(std::make_unique<QAbstractItemModelTester>(m, QAbstractItemModelTester::FailureReportingMode::QtTest));
    }
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
};

} // namespace

class TestGui : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path()); // keep user settings clean
        qputenv("XDG_DATA_HOME", m_dir.filePath("data").toLocal8Bit());                 // and the user's trials
        initRuntime();
    }

    void layerModelPassesTheModelTester()
    {
        LayerTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ProfileReport r;
        r.parameterCount = 100;
        LayerProfile a;
        a.layer.name = "a";
        a.layer.paramCount = 60;
        LayerProfile b;
        b.layer.name = "b";
        b.layer.paramCount = 40;
        r.layers = {a, b};
        model.setProfile(r);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, LayerTableModel::ParamsColumn).data(LayerTableModel::ShareRole).toDouble(), 0.4);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void opensDemoAndShowsHistograms()
    {
        MainWindow w;
        w.show();
        QVERIFY(qs::test::openDemo(w));

        QTableView* table = w.layerPanel()->table();
        QAbstractItemModel* m = table->model();
        QStringList names;
        for (int r = 0; r < m->rowCount(); ++r)
            names << m->index(r, LayerTableModel::NameColumn).data().toString();
        QCOMPARE(names, (QStringList{"conv1", "block1.dw", "block1.pw", "block2.dw", "block2.pw", "block3.dw",
                                     "block3.pw", "fc"}));
        QVERIFY(w.session()->profile().hasAccuracy && w.session()->profile().floatTop1 >= 0.88);

        table->selectRow(2); // block1.pw
        QTRY_VERIFY_WITH_TIMEOUT(w.layerPlots()->weightPlot()->barCount() > 0, kUntilCTestTimeout);
        QVERIFY(w.layerPlots()->activationPlot()->barCount() > 0);
        // The histogram's bars add up to every weight of block1.pw (64 × 32 × 1 × 1).
        double total = 0;
        for (auto it = w.layerPlots()->weightPlot()->plot()->graph(0)->data()->constBegin();
             it + 1 != w.layerPlots()->weightPlot()->plot()->graph(0)->data()->constEnd(); ++it)
            total += it->value;
        QCOMPARE(total, 64.0 * 32);
        QVERIFY(!w.grab().isNull());
    }

    // "Channels" shows the selected layer's weight range per output channel (from the profile),
    // and after an int4 per-tensor trial the shared grid across them: the caption's spread and
    // the narrowest channel's steps are checked against the profile's ranges and the trial's scale.
    void showsChannelRangesWithThePerTensorGrid()
    {
        MainWindow w;
        w.session()->setDatabasePath(m_dir.filePath("channels.db")); // the next test counts the default database's trials
        w.show();
        QVERIFY(qs::test::openDemo(w));
        w.layerPanel()->table()->selectRow(1);
        QCOMPARE(w.layerPanel()->table()->currentIndex().siblingAtColumn(LayerTableModel::NameColumn).data().toString(),
                 QStringLiteral("block1.dw"));
        QVERIFY(w.layerPlots()->weightViewAvailable(LayerPlots::ChannelsView));
        // The divider between the table and the plots stays where it is as layers and views change.
        auto* split = w.findChild<QSplitter*>("mainSplitter");
        QTest::qWait(50);
        const QList<int> sizes = split->sizes();
        for (int row : {0, 6, 7, 1}) {
            w.layerPanel()->table()->selectRow(row);
            QTest::qWait(20);
            QCOMPARE(split->sizes(), sizes);
        }
        w.layerPlots()->setWeightView(LayerPlots::ChannelsView);
        QTest::qWait(20);
        QCOMPARE(split->sizes(), sizes);
        QVERIFY(w.layerPlots()->channelPlot()->isVisible() && !w.layerPlots()->weightPlot()->isVisible());

        const TensorStats& weight = w.session()->profile().layers[1].weight;
        QCOMPARE(w.layerPlots()->channelPlot()->channelCount(), 32);
        std::vector<double> ranges;
        for (int c = 0; c < weight.channelMin.size(); ++c)
            ranges.push_back(weight.channelMax[c] - weight.channelMin[c]);
        std::vector<double> sorted = ranges;
        std::sort(sorted.begin(), sorted.end());
        const double median = (sorted[15] + sorted[16]) / 2, widest = sorted.back(), narrowest = sorted.front();
        QVERIFY2(widest / median > 3, "the demo's first depthwise layer has uneven channels");
        // The table's "Ch. spread" column gives the same ratio for every layer, sortable.
        const QModelIndex spread = w.layerPanel()->model()->index(1, LayerTableModel::ChannelSpreadColumn);
        QCOMPARE(spread.data().toString(), QString::number(widest / median, 'f', 1) + u'×');
        QCOMPARE(spread.data(LayerTableModel::SortRole).toDouble(), widest / median);
        QVERIFY2(w.layerPlots()->channelPlot()->caption().contains(QStringLiteral("%1× the median, %2× the narrowest")
                                                         .arg(widest / median, 0, 'f', 1)
                                                         .arg(widest / narrowest, 0, 'f', 1)),
                 qPrintable(w.layerPlots()->channelPlot()->caption()));

        w.trialBar()->setSettings("int4:per_tensor:symmetric:minmax", "float", "weight-only");
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.runTrial();
        QVERIFY(arrives(finished));
        const QParams& q = w.shownTrial().result.layers[1].weightQParams;
        QCOMPARE(q.scale.size(), 1);
        QCOMPARE(w.layerPlots()->channelPlot()->gridLineCount(), 16);
        // Weight-only: no activation is quantized, so the error chart leaves that series out.
        QCOMPARE(w.results()->errorPlot()->barCount(), 8); // weight SQNR bars; the output error is a line
        QVERIFY2(w.layerPlots()->channelPlot()->caption().contains(
                     QStringLiteral("the narrowest channel spans %1 steps").arg(narrowest / q.scale[0], 0, 'f', 1)),
                 qPrintable(w.layerPlots()->channelPlot()->caption()));
        if (qEnvironmentVariableIsSet("QS_SHOT_CHANNELS")) {
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_CHANNELS"));
        }
        // Per channel: no shared grid, the caption says each channel has its own scale.
        w.trialBar()->setSettings("int4:per_channel:symmetric:minmax", "float", "weight-only");
        w.runTrial();
        QVERIFY(arrives(finished));
        QCOMPARE(w.layerPlots()->channelPlot()->gridLineCount(), 0);
        QVERIFY(w.layerPlots()->channelPlot()->caption().contains("one scale per channel"));
        w.layerPlots()->setWeightView(LayerPlots::HistogramView);
        QVERIFY(w.layerPlots()->weightPlot()->isVisible());
    }

    // A trial from the toolbar: errors per layer in the table and the chart, and the selected
    // layer's histogram shows the quantization grid of its weights.
    void runsATrialAndShowsErrorsAndGrid()
    {
        MainWindow w;
        w.show();
        QVERIFY(qs::test::openDemo(w));
        const ModelTesters testers(w); // every change below runs under QAbstractItemModelTester
        w.layerPanel()->table()->selectRow(0); // conv1
        QVERIFY(w.results()->errorPlot()->shownEmptyText().contains("Run a trial"));
        w.trialBar()->setSettings("int4:per_tensor:symmetric:minmax", "uint8:per_tensor:affine:histogram", "static");
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.runTrial();
        QVERIFY(arrives(finished));

        QCOMPARE(w.shownTrial().result.layers.size(), 8);
        // One 4-bit scale per tensor costs this demo tens of points (its depthwise channels).
        QVERIFY(w.shownTrial().result.top1 > 0.1 && w.shownTrial().result.top1 < w.shownTrial().result.floatTop1 - 0.1);
        // Recorded in the trial database.
        const QVector<StoredTrial> stored = Store(Store::defaultPath()).trials();
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored[0].result.top1, w.shownTrial().result.top1);
        QVERIFY(Store::defaultPath().startsWith(m_dir.path()));
        // Weight and activation SQNR as bars, the accumulated and the local output error as lines;
        // the first jump of the accumulated error marked at block1.dw, the worst layer on its own.
        QCOMPARE(w.results()->errorPlot()->barCount(), 16); // two bar series × eight layers
        QCOMPARE(w.results()->errorPlot()->plot()->graphCount(), 2);
        QVERIFY(w.results()->errorPlot()->shownEmptyText().isEmpty());
        ErrorTab* errors = w.results()->errorTab();
        QCOMPARE(w.results()->errorPlot()->marker(), 1);
        QVERIFY2(errors->summary().contains("first jumps at <b>block1.dw</b>") &&
                     errors->summary().contains("Worst on its own (local error): <b>block1.dw</b>"),
                 qPrintable(errors->summary()));
        const auto* table = w.layerPanel()->model();
        QVERIFY(!w.layerPanel()->table()->isColumnHidden(LayerTableModel::LocalSqnrColumn));
        QCOMPARE(table->index(1, LayerTableModel::LocalSqnrColumn).data().toString(),
                 formatDb(w.shownTrial().result.layers[1].localSqnr));
        QVERIFY(!table->index(1, LayerTableModel::StepErrorColumn).data().toString().isEmpty());
        if (qEnvironmentVariableIsSet("QS_SHOT_ERRORS")) {
            w.resize(1280, 800);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-sqnr.png");
        }
        errors->setView(ErrorTab::Steps);
        QCOMPARE(w.results()->errorPlot()->barCount(), 16); // up to 0.7 and above, one of the two per layer
        QVERIFY2(errors->summary().contains("0.289"), qPrintable(errors->summary()));
        errors->setView(ErrorTab::RoundingClipping);
        QCOMPARE(w.results()->errorPlot()->barCount(), 32); // weight and activation, rounding and clipping
        QVERIFY2(errors->summary().contains("Most clipping in an input activation"), qPrintable(errors->summary()));
        if (qEnvironmentVariableIsSet("QS_SHOT_ERRORS")) {
            w.layerPanel()->table()->selectRow(6); // block3.pw
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-split.png");
            errors->setView(ErrorTab::Steps);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-steps.png");
            w.layerPanel()->table()->selectRow(0);
        }
        QVERIFY(w.layerPlots()->findChildren<QLabel*>().size() > 0);
        errors->setView(ErrorTab::Sqnr);
        // The graph: input, 8 layers, the 8 ops between them (7 ReLUs and the mean), output;
        // a click on a layer selects it in the table, a row selected shows on the graph.
        GraphTab* graph = w.results()->graphTab();
        QCOMPARE(graph->view()->nodeCount(), 18);
        const int dwNode = w.session()->profile().graph.nodeOfLayer(1);
        QCOMPARE(w.session()->profile().graph.nodes[dwNode].label, QString("block1.dw"));
        Q_EMIT graph->view()->nodeClicked(dwNode);
        QCOMPARE(w.layerPanel()->currentLayer(), 1);
        QCOMPARE(graph->view()->selectedNode(), dwNode);
        graph->view()->fitAll(); // the whole graph in view: the scale shrinks the tall chain
        QVERIFY(graph->view()->transform().m11() <= 1.0);
        QVERIFY(graph->view()->mapFromScene(graph->view()->scene()->sceneRect().bottomRight()).y() <= graph->view()->viewport()->height() + 1);
        // Colours from the window's own figures: a sensitivity run's points lost per layer.
        GraphExtras extras;
        extras.sensitivity = QVector<double>(8, 0.0);
        extras.sensitivity[1] = 10;
        QVector<LayerInfo> infos;
        for (const LayerProfile& p : w.session()->profile().layers)
            infos << p.layer;
        const GraphPicture sensitivity =
            graphPicture(w.session()->profile().graph, infos, nullptr, GraphColour::Sensitivity, nullptr, extras);
        QVERIFY(sensitivity.nodes[dwNode].fill.hsvHueF() < 0.01);                         // red: 10 points
        QVERIFY(std::abs(sensitivity.nodes[dwNode - 2].fill.hsvHueF() - 0.33) < 0.01);   // conv1, green: none
        QVERIFY(sensitivity.title.contains("sensitivity"));
        if (qEnvironmentVariableIsSet("QS_SHOT_ERRORS")) {
            w.results()->setCurrentWidget(graph);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-graph.png");
        }
        w.layerPanel()->table()->selectRow(0);
        QCOMPARE(graph->view()->selectedNode(), w.session()->profile().graph.nodeOfLayer(0));
        // Calibration convergence: every layer's scale per calibration batch (two of 256 here).
        w.results()->setCurrentWidget(errors);
        errors->setView(ErrorTab::Calibration);
        QCOMPARE(errors->convergencePlot()->lineCount(), 8);
        QVERIFY2(errors->summary().contains("within 1% of its final value after"), qPrintable(errors->summary()));
        // Level usage of block1.dw's int4 weight: 32 channels × 16 levels, most cells empty.
        w.layerPanel()->table()->selectRow(1);
        w.layerPlots()->setWeightView(LayerPlots::LevelsView);
        QCOMPARE(w.layerPlots()->levelPlot()->cellCount(), 32 * 16);
        QVERIFY(!table->index(1, LayerTableModel::UnusedLevelsColumn).data().toString().isEmpty());
        if (qEnvironmentVariableIsSet("QS_SHOT_ERRORS")) {
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-levels.png");
        }
        w.layerPlots()->setWeightView(LayerPlots::HistogramView);
        errors->setView(ErrorTab::Sqnr);
        w.layerPanel()->table()->selectRow(0);
        // The disagreement view: one thumbnail per input whose top-1 changed, with both classes.
        QCOMPARE(w.results()->disagreementTab()->model()->rowCount(), int(qMin<qint64>(1000, w.shownTrial().result.disagreementCount)));
        QVERIFY(w.shownTrial().result.disagreementCount > 0);
        const QModelIndex first = w.results()->disagreementTab()->model()->index(0, 0);
        QVERIFY(first.data(Qt::DecorationRole).value<QPixmap>().width() == 84);
        QVERIFY(first.data(Qt::DisplayRole).toString().contains("quantized: "));
        QVERIFY(first.data(DisagreementModel::FloatClassRole).toInt() != first.data(DisagreementModel::QuantizedClassRole).toInt());
        if (qEnvironmentVariableIsSet("QS_SHOT_DISAGREEMENTS")) {
            w.results()->setCurrentWidget(w.results()->disagreementTab());
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_DISAGREEMENTS"));
        }
        // The Latency tab times the float model and this trial's int8 model — which int4 weights
        // do not have: the tab says why, the float model's times stand; a bar click selects its layer.
        LatencyTab* latency = w.results()->latencyTab();
        w.results()->setCurrentWidget(latency);
        QSignalSpy timed(w.session(), &Session::latencyMeasured);
        Q_EMIT latency->measureRequested(1);
        QVERIFY(arrives(timed));
        QCOMPARE(latency->profiles().size(), 1);
        QCOMPARE(latency->plot()->barCount(), 9); // 8 layers and between them
        QVERIFY2(latency->summaryText().contains("int8: no layer of this trial can run on int8 kernels") &&
                     latency->summaryText().contains("int4"),
                 qPrintable(latency->summaryText()));
        Q_EMIT latency->layerClicked(3);
        QCOMPARE(w.layerPanel()->table()->currentIndex().row(), 3);
        w.layerPanel()->table()->selectRow(0); // conv1 again, for what follows
        QAbstractItemModel* m = w.layerPanel()->table()->model();
        const QString sqnr = m->index(0, LayerTableModel::WeightSqnrColumn).data().toString();
        QCOMPARE(sqnr, QString::number(w.shownTrial().result.layers[0].weightSqnr, 'f', 1));
        QVERIFY(!w.layerPanel()->table()->isColumnHidden(LayerTableModel::WeightSqnrColumn));
        // int4: 16 levels drawn as lines; the selection survived the update.
        QCOMPARE(w.layerPanel()->table()->currentIndex().row(), 0);
        QCOMPARE(w.layerPlots()->weightPlot()->gridLineCount(), 16);
        QCOMPARE(w.layerPlots()->activationPlot()->gridLineCount(), 0); // 256 levels: only the clipping range

        // "Quantized" shows the values after quantization: int4 weights take at most 16 values.
        w.findChild<QCheckBox*>("weightQuantized")->setChecked(true);
        w.findChild<QCheckBox*>("activationQuantized")->setChecked(true);
        QVERIFY(w.layerPlots()->weightPlot()->quantizedLevelCount() > 4 && w.layerPlots()->weightPlot()->quantizedLevelCount() <= 16);
        QVERIFY(w.layerPlots()->activationPlot()->quantizedLevelCount() > 16 && w.layerPlots()->activationPlot()->quantizedLevelCount() <= 256);

        // A second trial: two points on the accuracy-vs-size plot, two rows in the history, and
        // choosing the first in the history brings back its settings and errors.
        QCOMPARE(w.results()->paretoPlot()->pointCount(), 1);
        const double int4Top1 = w.shownTrial().result.top1;
        w.trialBar()->setSettings("int8:per_channel:symmetric:minmax", "uint8:per_tensor:affine:histogram", "static");
        w.runTrial();
        QVERIFY(arrives(finished));
        QCOMPARE(w.results()->paretoPlot()->pointCount(), 2);
        QVERIFY(w.results()->paretoPlot()->frontCount() >= 1);
        QCOMPARE(w.historyPanel()->table()->model()->rowCount(), 2);
        w.showStoredTrial(stored[0].id);
        QCOMPARE(w.shownTrial().result.top1, int4Top1);
        QCOMPARE(w.shownTrial().result.layers[0].weightSpec, QStringLiteral("int4:per_tensor:symmetric:minmax"));
        // The history keeps no quantized weights: the overlay is recomputed from the model, and
        // the y axis takes in the levels' counts.
        QSignalSpy recomputed(w.session(), &Session::quantizedWeightsReady);
        QVERIFY(arrives(recomputed));
        QTRY_VERIFY_WITH_TIMEOUT(w.layerPlots()->weightPlot()->quantizedLevelCount() > 4 &&
                                     w.layerPlots()->weightPlot()->quantizedLevelCount() <= 16,
                                 kUntilCTestTimeout);
        double highest = 0;
        for (const auto& h : w.shownTrial().result.layers[0].quantizedWeight.counts)
            highest = std::max(highest, h);
        QVERIFY(w.layerPlots()->weightPlot()->plot()->yAxis->range().upper >= highest);

        // A typed spec stays as typed: "float" is not completed to "float16".
        QComboBox* activations = w.trialBar()->findChildren<QComboBox*>().at(1);
        activations->setFocus();
        activations->lineEdit()->clear();
        QTest::keyClicks(activations->lineEdit(), "float");
        QTest::keyClick(activations->lineEdit(), Qt::Key_Tab);
        QCOMPARE(activations->currentText(), QStringLiteral("float"));
        QCOMPARE(w.trialBar()->config().activation.type, QuantType::Float);

        QSignalSpy failed(&w, &MainWindow::settingsRejected);
        w.trialBar()->setSettings("int9", "float", "static");
        w.runTrial();
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.first().first().toString().contains("9 bits"));
        QCOMPARE(w.shownTrial().result.layers.size(), 8); // the last good trial stays
        QCOMPARE(w.historyPanel()->table()->model()->rowCount(), 2);

        // Compare: every layer's weights differ (int4 per tensor against int8 per channel),
        // highlighted, and both trials are on the compare view's error chart.
        const QVector<StoredTrial> both = Store(Store::defaultPath()).trials();
        auto* compare = qobject_cast<CompareDialog*>(w.historyPanel()->compare(both[0].id, both[1].id));
        QVERIFY(compare);
        QAbstractItemModelTester compareTester(compare->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(compare->model()->differingLayers(), 8);
        QVERIFY(compare->model()->index(0, CompareModel::WeightsA).data(Qt::BackgroundRole).isValid());
        QCOMPARE(compare->errorPlot()->barCount(), 16);
        compare->close();

        // Rename, then delete (confirmation is the action's; the call is what it runs).
        w.historyPanel()->rename(both[0].id, "four bits");
        QCOMPARE(Store(Store::defaultPath()).trial(both[0].id).name, QStringLiteral("four bits"));
        w.historyPanel()->filter()->setText("four bits");
        QCOMPARE(w.historyPanel()->table()->model()->rowCount(), 1);
        w.historyPanel()->filter()->clear();
        w.historyPanel()->remove(both[0].id); // the trial on screen
        QCOMPARE(w.historyPanel()->table()->model()->rowCount(), 1);
        QVERIFY(w.trialSummaryText().contains("deleted from the history"));
        QCOMPARE(w.results()->paretoPlot()->pointCount(), 1);
        if (qEnvironmentVariableIsSet("QS_SHOT")) { // a picture of the window, for a human to look at
            w.findChild<QTabWidget*>()->setCurrentIndex(1);
            QTest::qWait(200); // let queued replots run
            w.grab().save(qEnvironmentVariable("QS_SHOT"));
        }
    }

    // Clipping handles on block3.pw: the methods' ranges as ticks; a dragged range evaluated on
    // the engine thread; "Use this range" makes it the layer's setting, and the trial then gives
    // the SQNR the preview showed.
    void clippingHandlesPreviewAndUseARange()
    {
        MainWindow w;
        w.show();
        QVERIFY(qs::test::openDemo(w));
        w.trialBar()->setSettings("int4:per_tensor:symmetric:minmax", "uint8:per_tensor:affine:histogram", "static");
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.runTrial();
        QVERIFY(arrives(finished));
        w.layerPanel()->table()->selectRow(6);
        HistogramPlot* weightPlot = w.layerPlots()->weightPlot();
        HistogramPlot* activationPlot = w.layerPlots()->activationPlot();
        QVERIFY(weightPlot->handlesEnabled() && activationPlot->handlesEnabled());
        QCOMPARE(activationPlot->rangeTickCount(), 5); // min-max, percentile, mse, entropy and the trial's histogram
        QCOMPARE(weightPlot->rangeTickCount(), 4);    // min-max weights: no histogram observer
        QSignalSpy previewed(w.session(), &Session::rangePreviewed);
        activationPlot->moveHandles(0, 4);
        QVERIFY(arrives(previewed));
        QVERIFY2(w.layerPlots()->lastRangeLine().startsWith("Dragged range [0, 4]") &&
                     !w.layerPlots()->lastRangeLine().contains(" 0.00% of values clipped"),
                 qPrintable(w.layerPlots()->lastRangeLine()));
        weightPlot->moveHandles(-0.6, 0.6);
        QVERIFY(arrives(previewed));
        const double previewSqnr = previewed.last().at(4).value<RangeEffect>().sqnr;
        QVERIFY(previewed.last().at(1).toBool()); // the weight's
        if (qEnvironmentVariableIsSet("QS_SHOT_ERRORS")) {
            w.resize(1280, 800);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-handles.png");
        }
        auto* useWeight = w.findChild<QPushButton*>("useWeightRange");
        QVERIFY(useWeight->isVisible());
        useWeight->click();
        QCOMPARE(w.layerPanel()->model()->overrides().value("block3.pw").weight.toString(),
                 QString("int4:per_tensor:symmetric:range:-0.6,0.6"));
        w.runTrial();
        QVERIFY(arrives(finished));
        QVERIFY2(std::abs(w.shownTrial().result.layers[6].weightSqnr - previewSqnr) < 1e-9,
                 qPrintable(QStringLiteral("%1 against %2").arg(w.shownTrial().result.layers[6].weightSqnr).arg(previewSqnr)));
    }

    // Techniques from the window: the toolbar's menu button makes them part of the trial; the
    // weight panel shows the equalized weights (the loaded ones by a switch) with the trial's
    // grid; the layer's tooltip tells the scales and corrections; the error chart draws the
    // trial without them beside; a stored trial brings its techniques back to the toolbar.
    void techniquesFromTheWindow()
    {
        MainWindow w;
        w.show();
        QVERIFY(qs::test::openDemo(w));
        w.session()->setDatabasePath(m_dir.filePath("techniques.db")); // other tests count the default database's trials
        w.trialBar()->setSettings("int4:per_tensor:symmetric:minmax", "float", "weight-only");
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.runTrial();
        QVERIFY(arrives(finished));
        const qint64 plainId = w.shownTrial().id;
        const double plainTop1 = w.shownTrial().result.top1;
        auto* equalizedBox = w.findChild<QCheckBox*>("weightEqualized");
        QVERIFY(!equalizedBox->isVisible());
        QCOMPARE(w.trialBar()->techniqueActions().size(), 5);
        w.trialBar()->techniqueActions()[4]->setChecked(true); // high-bias absorption: CLE with it
        QVERIFY(w.trialBar()->config().techniques == Techniques::parse("cle,high_bias_absorption"));
        w.trialBar()->techniqueActions()[0]->setChecked(false); // no absorption without equalization
        QVERIFY(!w.trialBar()->techniqueActions()[4]->isChecked() && !w.trialBar()->config().techniques.any());
        w.trialBar()->techniqueActions()[2]->setChecked(true); // AdaRound
        QCOMPARE(w.trialBar()->config().techniques.adaroundIterations, 1000);
        {
            // A configuration's AdaRound settings the menu does not show (iterations, float inputs) stay.
            const QuantConfig before = w.trialBar()->config();
            QuantConfig c = before;
            c.techniques = Techniques::parse("adaround=300,adaround_float_inputs");
            w.trialBar()->setConfig(c);
            QVERIFY(w.trialBar()->config().techniques == c.techniques);
            w.trialBar()->setConfig(before);
        }
        w.trialBar()->techniqueActions()[2]->setChecked(false);
        for (QAction* a : w.trialBar()->techniqueActions().mid(0, 2))
            a->setChecked(true);
        QVERIFY(w.trialBar()->config().techniques == Techniques::parse("cle,bias_correction"));
        w.runTrial();
        QVERIFY(arrives(finished));
        QVERIFY(w.shownTrial().config.techniques.cle);
        QVERIFY(w.shownTrial().result.top1 > plainTop1 + 0.3); // 46 → 85% on the demo
        QCOMPARE(w.shownTrial().equalizedWeights.size(), 8);
        w.layerPanel()->table()->selectRow(1); // block1.dw: equalized, its channels far closer
        QVERIFY(equalizedBox->isVisible() && equalizedBox->isChecked());
        QVERIFY(w.layerPlots()->weightPlot()->title().contains("equalized"));
        QVERIFY(w.layerPlots()->activationPlot()->title().contains("equalized"));
        QCOMPARE(w.shownTrial().equalizedActivations.size(), 8);
        const QString tip = w.layerPanel()->model()->index(1, LayerTableModel::NameColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains("Cross-layer equalization with block1.pw") && tip.contains("after conv1") &&
                     tip.contains("Bias correction"),
                 qPrintable(tip));
        ErrorTab* errors = w.results()->errorTab();
        errors->setView(ErrorTab::Sqnr);
        const int lines = w.results()->errorPlot()->plot()->graphCount();
        Q_EMIT errors->againstRequested(plainId);
        QCOMPARE(w.results()->errorPlot()->plot()->graphCount(), lines + 1);
        QVERIFY2(errors->summary().contains(QStringLiteral("Against trial %1").arg(plainId)), qPrintable(errors->summary()));
        if (qEnvironmentVariableIsSet("QS_SHOT_ERRORS")) {
            w.resize(1280, 800);
            w.results()->setCurrentWidget(errors);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-techniques.png");
            w.layerPlots()->setWeightView(LayerPlots::ChannelsView);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-equalized-channels.png");
            equalizedBox->setChecked(false);
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_ERRORS") + "-loaded-channels.png");
            equalizedBox->setChecked(true);
            w.layerPlots()->setWeightView(LayerPlots::HistogramView);
        }
        equalizedBox->setChecked(false);
        QVERIFY(w.layerPlots()->weightPlot()->title().contains("as loaded"));
        // File ▸ Export ▸ Python: the script and, beside it, the weights the techniques changed.
        QSignalSpy baked(w.session(), &Session::baked);
        const QString script = m_dir.filePath("techniques.py");
        QVERIFY(w.exportTrial("python", script));
        QVERIFY(arrives(baked));
        QVERIFY(QFileInfo::exists(script) && QFileInfo::exists(m_dir.filePath("techniques_weights.pt")));
        QFile text(script);
        QVERIFY(text.open(QIODevice::ReadOnly) && text.readAll().contains("techniques_weights.pt"));
        // The plain trial from the history: no techniques in the toolbar, no switch.
        w.showStoredTrial(plainId);
        QVERIFY(!w.trialBar()->config().techniques.any());
        QVERIFY(!equalizedBox->isVisible());
    }

    // Per-layer settings edited in the table: the grid previews at once, bulk edit applies to
    // every selected row, a bad spec is refused, and the trial uses the edits.
    void editsLayerSettingsAndRunsThem()
    {
        MainWindow w;
        w.show();
        QVERIFY(qs::test::openDemo(w));
        const ModelTesters testers(w); // every change below runs under QAbstractItemModelTester
        // A new window on the same model finds the trials an earlier one recorded (runsATrial…,
        // run before it in the same CTest entry).
        QVERIFY(w.historyPanel()->table()->model()->rowCount() >= 1);
        QAbstractItemModel* view = w.layerPanel()->table()->model();
        w.layerPanel()->table()->selectRow(0);
        QVERIFY(view->setData(view->index(0, LayerTableModel::WeightSettingColumn), "int4:per_tensor:symmetric"));
        // Previewed before any trial, from the real weight on the engine thread: grid and SQNR.
        QTRY_COMPARE_WITH_TIMEOUT(w.layerPlots()->weightPlot()->gridLineCount(), 16, kUntilCTestTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(!view->index(0, LayerTableModel::WeightSqnrColumn).data().toString().isEmpty(), kUntilCTestTimeout);
        const QString previewSqnr = view->index(0, LayerTableModel::WeightSqnrColumn).data().toString();

        QSignalSpy rejected(w.layerPanel()->model(), &LayerTableModel::settingRejected);
        QVERIFY(!view->setData(view->index(1, LayerTableModel::WeightSettingColumn), "int9"));
        QCOMPARE(rejected.count(), 1);
        QVERIFY(!w.layerPanel()->model()->overrides().contains("block1.dw"));

        // Bulk: block2.dw and block2.pw selected, one edit sets both.
        auto* selection = w.layerPanel()->table()->selectionModel();
        selection->select(view->index(3, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        selection->select(view->index(4, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(view->setData(view->index(3, LayerTableModel::WeightSettingColumn), "float16"));
        QCOMPARE(view->index(4, LayerTableModel::WeightSettingColumn).data(Qt::EditRole).toString(), QStringLiteral("float16"));
        QCOMPARE(view->index(4, LayerTableModel::WeightSettingColumn).data().toString(), QStringLiteral("fp16")); // shown compactly

        w.trialBar()->setSettings("int8:per_channel:symmetric:minmax", "uint8:per_tensor:affine:histogram", "static");
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.runTrial();
        QVERIFY(arrives(finished));
        const QStringList specs = {w.shownTrial().result.layers[0].weightSpec, w.shownTrial().result.layers[1].weightSpec,
                                   w.shownTrial().result.layers[3].weightSpec, w.shownTrial().result.layers[4].weightSpec};
        QCOMPARE(specs, (QStringList{"int4:per_tensor:symmetric:minmax", "int8:per_channel:symmetric:minmax",
                                     "float16", "float16"}));
        const StoredTrial stored = Store(Store::defaultPath()).trials().last();
        QCOMPARE(QuantConfig::fromJson(stored.config, "db").layers.size(), 3);
        // The trial line and the size plot's tooltip describe the settings as applied, overrides included.
        QVERIFY2(w.trialSummaryText().contains("mixed: 5× int8 pc sym, 2× fp16, 1× int4 pt sym / uint8 pt aff hist / static · "
                                               "3 layer overrides"),
                 qPrintable(w.trialSummaryText()));
        const auto points = w.results()->paretoPlot()->points();
        QVERIFY(std::any_of(points.cbegin(), points.cend(),
                            [&](const TrialPoint& p) { return p.id == stored.id && p.label.contains("3 layer overrides"); }));
        QCOMPARE(QString::number(w.shownTrial().result.layers[0].weightSqnr, 'f', 1), previewSqnr); // the preview was right

        // Showing an older trial brings back its per-layer settings too.
        w.layerPanel()->model()->setOverrides({});
        w.showStoredTrial(stored.id);
        QCOMPARE(w.layerPanel()->model()->overrides().size(), 3);
        QCOMPARE(view->index(0, LayerTableModel::WeightSettingColumn).data(Qt::EditRole).toString(),
                 QStringLiteral("int4:per_tensor:symmetric:minmax"));
        QCOMPARE(view->index(0, LayerTableModel::WeightSettingColumn).data().toString(), QStringLiteral("int4 pt sym"));
    }

    // A model that does not run on the open data opens on its weights: its layers and weight
    // histograms are there, the summary says what is wrong and what to do, trials wait for data.
    void aModelThatDoesNotFitTheDataStillOpens()
    {
        MainWindow w;
        w.show();
        QSignalSpy opened(w.session(), &Session::modelOpened);
        w.openModel(QStringLiteral(QS_FIXTURES "/sensitive_mlp_scripted.pt"));
        QVERIFY(arrives(opened));
        QCOMPARE(w.layerPanel()->model()->rowCount(), 4);
        QVERIFY2(w.summaryText().contains("cannot run on") && w.summaryText().contains("takes 16 input features") &&
                     w.summaryText().contains("Open Data"),
                 qPrintable(w.summaryText()));
        QTRY_VERIFY_WITH_TIMEOUT(w.layerPlots()->weightPlot()->barCount() > 0, kUntilCTestTimeout);
        QCOMPARE(w.layerPlots()->activationPlot()->barCount(), 0);
        for (QAction* a : w.trialBar()->jobActions())
            QVERIFY(!a->isEnabled());
    }

    // A model whose forward returns a dict shows which output is scored beside the summary;
    // choosing another opens the model again scoring it. A single-tensor model shows no choice.
    void theScoredOutputIsChosenBesideTheSummary()
    {
        MainWindow w;
        w.show();
        QSignalSpy opened(w.session(), &Session::modelOpened);
        w.openModel(QStringLiteral(QS_FIXTURES "/dict_output_scripted.pt"));
        QVERIFY(arrives(opened));
        auto* choice = w.findChild<QComboBox*>(QStringLiteral("scoredOutput"));
        QVERIFY(choice);
        QTRY_VERIFY_WITH_TIMEOUT(choice->isVisible(), kUntilCTestTimeout);
        QCOMPARE(choice->currentText(), QStringLiteral("logits"));
        QCOMPARE(choice->count(), 2);
        choice->setCurrentText(QStringLiteral("features"));
        Q_EMIT choice->textActivated(QStringLiteral("features"));
        QVERIFY(arrives(opened));
        QCOMPARE(opened.last().first().value<ProfileReport>().output, QStringLiteral("features"));
        QCOMPARE(choice->currentText(), QStringLiteral("features"));
        QVERIFY(qs::test::openDemo(w));
        QVERIFY(!choice->isVisible());
    }

    void aBadFileLeavesTheOpenModel()
    {
        MainWindow w;
        w.show();
        QVERIFY(qs::test::openDemo(w));
        const QString bad = m_dir.filePath("bad.pt");
        QFile f(bad);
        f.open(QIODevice::WriteOnly);
        f.write("not a model");
        f.close();
        QSignalSpy failed(w.session(), &Session::openFailed);
        w.openModel(bad);
        QVERIFY(arrives(failed));
        QVERIFY(failed.first().first().toString().contains(bad));
        QTRY_VERIFY_WITH_TIMEOUT(w.findChild<QMessageBox*>() != nullptr, kUntilCTestTimeout); // a dialog, not a crash
        QCOMPARE(w.layerPanel()->table()->model()->rowCount(), 8);     // the demo is still there
    }

    // Issue 5's "done": sensitivity shows which layers need bits (and the search below finds a
    // model within 1 point of float that is smaller than all-int8, with the plot filled live).
    void sensitivityFromTheWindow()
    {
        MainWindow w;
        w.session()->setDatabasePath(m_dir.filePath("search.db"));
        w.show();
        QVERIFY(qs::test::openDemo(w));
        const ModelTesters testers(w); // every change below runs under QAbstractItemModelTester
        SearchSettings settings;
        settings.subsetSamples = 1024;
        w.setSearchSettings(settings);

        w.trialBar()->setSettings("int4:per_channel:symmetric:minmax", "uint8:per_tensor:affine:histogram", "static");
        QSignalSpy sensitivity(w.session(), &Session::sensitivityFinished);
        QSignalSpy recorded(w.session(), &Session::trialRecorded);
        w.runSensitivity();
        QVERIFY(arrives(sensitivity));
        QCOMPARE(recorded.count(), 17); // eight layers alone, all, eight all-but-one
        QCOMPARE(w.results()->sensitivityPlot()->barCount(), 16);
        QCOMPARE(w.results()->currentWidget(), w.results()->sensitivityPlot());
        QVERIFY(!w.layerPanel()->table()->isColumnHidden(LayerTableModel::SensitivityColumn));
        const QVector<StoredTrial> stored = Store(m_dir.filePath("search.db")).trials();
        QCOMPARE(stored.size(), 17);
        // The table's column shows each layer's drop as recorded (conv1 is row 0 in model order).
        const QModelIndex conv1 = w.layerPanel()->model()->index(0, LayerTableModel::SensitivityColumn);
        QCOMPARE(conv1.data(LayerTableModel::SortRole).toDouble(), 100 * (stored[0].result.top1 - stored[0].result.floatTop1));
        QCOMPARE(w.results()->paretoPlot()->pointCount(), 0); // sensitivity trials stay off the size plot
    }

    // A search from the window, its best trial on int8 kernels, its latency per layer and its
    // exports. (Apart from the sensitivity run above, so that CTest can run the two side by side.)
    void searchFromTheWindow()
    {
        MainWindow w;
        w.session()->setDatabasePath(m_dir.filePath("search2.db"));
        w.show();
        QVERIFY(qs::test::openDemo(w));
        const ModelTesters testers(w);
        SearchSettings settings;
        settings.subsetSamples = 1024;
        w.setSearchSettings(settings);
        w.trialBar()->setSettings("int8:per_channel:symmetric:minmax", "uint8:per_tensor:affine:histogram", "static");
        QSignalSpy searched(w.session(), &Session::searchFinished);
        QSignalSpy recorded(w.session(), &Session::trialRecorded);
        w.runSearch();
        QVERIFY(arrives(searched));
        const SearchResult r = searched.first().first().value<SearchResult>();
        QVERIFY(r.withinBudget);
        QCOMPARE(recorded.count(), r.trials); // each one reached the window as it was recorded
        // Added one by one, the history holds exactly what the database holds.
        QCOMPARE(w.historyPanel()->table()->model()->rowCount(), int(Store(m_dir.filePath("search2.db")).trials().size()));
        QVERIFY(r.bestResult.floatTop1 - r.bestResult.top1 <= 0.01);
        QCOMPARE(w.shownTrial().result.top1, r.bestResult.top1); // the best configuration is selected
        QVERIFY(w.results()->paretoPlot()->pathLength() >= 2);
        // Candidates scored on the first 1,024 samples are drawn apart and never on the front,
        // which holds only trials scored on the whole split; the history says on how many.
        ParetoPlot* pareto = w.results()->paretoPlot();
        QVERIFY(pareto->partialCount() > 0);
        for (const TrialPoint& p : pareto->points())
            if (p.partial)
                QVERIFY2(!pareto->frontIds().contains(p.id), qPrintable(p.label));
        QVERIFY(pareto->frontIds().contains(r.bestTrialId));
        QAbstractItemModel* history = w.historyPanel()->model();
        QStringList samples;
        for (int row = 0; row < history->rowCount(); ++row)
            samples << history->index(row, HistoryModel::SamplesColumn).data().toString();
        QVERIFY2(samples.contains(QLocale().toString(1024)) && samples.contains(QLocale().toString(r.evaluationSamples)), qPrintable(samples.join(' ')));
        QVERIFY(w.results()->paretoPlot()->pointCount() > 5);
        qint64 all8 = 0;
        for (const SearchStep& s : r.steps)
            if (s.name.startsWith("search start"))
                all8 = s.sizeBytes;
        QVERIFY(all8 > 0 && r.bestResult.sizeBytes < all8);
        // The search's best trial has int4 and int2 layers: int8 kernels run only its int8 ones.
        QSignalSpy int8(w.session(), &Session::int8Finished);
        w.runInt8(m_dir.filePath("best-int8.pt"));
        QVERIFY(arrives(int8));
        QVERIFY(int8.first().first().value<Int8Result>().int8Layers >= 1 && !int8.first().first().value<Int8Result>().fakeQuantLayers.isEmpty());
        QVERIFY(QFile::exists(m_dir.filePath("best-int8.pt")));
        // Its time per layer, float beside int8: the layers not on int8 kernels marked, with why;
        // the profile saved as a Chrome trace.
        LatencyTab* latency = w.results()->latencyTab();
        w.results()->setCurrentWidget(latency);
        QSignalSpy timed(w.session(), &Session::latencyMeasured);
        Q_EMIT latency->measureRequested(32);
        QVERIFY(arrives(timed));
        QCOMPARE(latency->profiles().size(), 2);
        QCOMPARE(latency->plot()->barCount(), 27); // float, int8 kernel, quantize × (8 layers + between)
        QVERIFY2(latency->summaryText().contains("not on int8 kernels") && latency->summaryText().contains("are not int8"),
                 qPrintable(latency->summaryText()));
        // The layer table's ms columns hold the same figures.
        const QAbstractItemModel* times = w.layerPanel()->model();
        QCOMPARE(times->index(0, LayerTableModel::FloatMsColumn).data(LayerTableModel::SortRole).toDouble(),
                 latency->profiles()[0].layers[0].totalMs());
        QCOMPARE(times->index(7, LayerTableModel::Int8MsColumn).data(LayerTableModel::SortRole).toDouble(),
                 latency->profiles()[1].layers[7].totalMs());
        QVERIFY(!w.layerPanel()->table()->isColumnHidden(LayerTableModel::Int8MsColumn));
        // The trial keeps its int8 latency: the size plot's latency axis shows it, alone, on its front.
        const int sized = pareto->pointCount();
        pareto->setLatencyAxis(true);
        QCOMPARE(pareto->pointCount(), 1);
        QCOMPARE(pareto->frontIds(), QVector<qint64>{w.shownTrial().id});
        pareto->setLatencyAxis(false);
        QCOMPARE(pareto->pointCount(), sized);
        QVERIFY(w.files()->saveTrace(latency->profiles(), m_dir.filePath("trace.json")));
        QFile trace(m_dir.filePath("trace.json"));
        QVERIFY(trace.open(QIODevice::ReadOnly));
        QVERIFY(QJsonDocument::fromJson(trace.readAll()).object().value("traceEvents").toArray().size() > 40);
        if (qEnvironmentVariableIsSet("QS_SHOT_LATENCY")) {
            w.resize(1280, 800);
            QTest::qWait(300);
            w.grab().save(qEnvironmentVariable("QS_SHOT_LATENCY"));
        }
        // The best trial exports in every form; the configuration comes back through import.
        for (const char* format : {"json", "python", "csv"})
            QVERIFY(w.exportTrial(format, m_dir.filePath(QStringLiteral("best.") + format)));
        QVERIFY(w.exportTrial("report", m_dir.filePath("best.html")));
        QFile page(m_dir.filePath("best.html"));
        QVERIFY(page.open(QIODevice::ReadOnly));
        QVERIFY(page.readAll().count("<img ") >= 4);
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        QVERIFY(w.exportTrial("torchscript", m_dir.filePath("best.pt")));
        QVERIFY(arrives(exported));
        QVERIFY(exported.first().at(1).toBool());
        QVERIFY(QFile(m_dir.filePath("best.pt")).size() > 100000);
        QFile script(m_dir.filePath("best.python"));
        QVERIFY(script.open(QIODevice::ReadOnly));
        QVERIFY(script.readAll().contains("qconfig_mapping = QConfigMapping().set_global(global_qconfig)"));
        QFile csv(m_dir.filePath("best.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 9); // header and eight layers
        const auto best = w.layerPanel()->model()->overrides();
        w.layerPanel()->model()->setOverrides({});
        QVERIFY(w.importConfiguration(m_dir.filePath("best.json")));
        QCOMPARE(w.layerPanel()->model()->overrides().size(), best.size());
        QCOMPARE(w.layerPanel()->model()->overrides().value("block3.pw").weight.toString(),
                 best.value("block3.pw").weight.toString());
        // Every plot saves as PNG, PDF and SVG; a bad place leaves nothing behind.
        const QList<QPair<QString, QByteArray>> formats{{"png", "\x89PNG"}, {"pdf", "%PDF"}, {"svg", "<?xml"}};
        for (const auto& [suffix, magic] : formats) {
            const QString path = m_dir.filePath("pareto." + suffix);
            QCOMPARE(savePlot(w.results()->paretoPlot()->plot(), path), QString());
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(f.read(magic.size()) == magic, qPrintable(suffix));
            QVERIFY(f.size() > 1000);
        }
        QVERIFY(savePlot(w.results()->sensitivityPlot()->plot(), m_dir.filePath("no/dir/x.svg")).contains("cannot write"));
        QVERIFY(savePlot(w.results()->sensitivityPlot()->plot(), m_dir.filePath("x.gif")).contains(".png, .pdf or .svg"));
        QVERIFY(!QFile::exists(m_dir.filePath("no/dir/x.svg")));

        if (qEnvironmentVariableIsSet("QS_SHOT_SEARCH")) {
            if (const QStringList size = qEnvironmentVariable("QS_SHOT_SIZE").split('x'); size.size() == 2)
                w.resize(size[0].toInt(), size[1].toInt()); // e.g. 1920x1080, under a display that large
            QTest::qWait(400);
            w.grab().save(qEnvironmentVariable("QS_SHOT_SEARCH"));
            w.results()->setCurrentWidget(w.results()->sensitivityPlot());
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_SEARCH") + ".sensitivity.png");
        }
    }

    // An exception or running out of memory in a job ends that job with a message, not the
    // program; the tracker runs the next job as usual.
    // A language model on token windows: the preset in the toolbar, perplexity in the summary,
    // the size plot and the search budget.
    void languageModelInTheWindow()
    {
        MainWindow w;
        w.session()->setDatabasePath(m_dir.filePath("lm.db"));
        w.resize(1280, 800);
        w.show();
        QSignalSpy opened(w.session(), &Session::modelOpened);
        w.session()->setDataSpec(DataSpec::parse(QStringLiteral("tensors:" QS_FIXTURES "/tiny_lm_tokens.pt")));
        w.openModel(QStringLiteral(QS_FIXTURES "/tiny_lm_scripted.pt"));
        QVERIFY(arrives(opened));
        QCOMPARE(w.layerPanel()->model()->rowCount(), 15);
        QVERIFY2(w.summaryText().contains("float perplexity"), qPrintable(w.summaryText()));
        QCOMPARE(w.trialBar()->settings(), (QStringList{QuantConfig::languageModelPreset().weight.toString(), "float", "weight-only"}));
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.trialBar()->setSettings("int3:group128:symmetric:minmax", "float", "weight-only");
        w.runTrial();
        QVERIFY(arrives(finished));
        QCOMPARE(w.shownTrial().result.metric, Metric::Perplexity);
        QVERIFY(w.shownTrial().result.loss() > 0.5);
        QVERIFY2(w.trialSummaryText().contains("perplexity"), qPrintable(w.trialSummaryText()));
        QVERIFY(w.results()->paretoPlot()->lowerIsBetter());
        QCOMPARE(w.results()->paretoPlot()->plot()->yAxis->label(), QStringLiteral("perplexity (lower is better)"));
        QCOMPARE(w.results()->tabText(w.results()->indexOf(w.results()->paretoPlot())), QStringLiteral("Perplexity vs size"));
        QCOMPARE(w.results()->paretoPlot()->pointCount(), 1);
        if (qEnvironmentVariableIsSet("QS_SHOT_LM")) {
            w.results()->setCurrentWidget(w.results()->paretoPlot());
            QTest::qWait(200);
            w.grab().save(qEnvironmentVariable("QS_SHOT_LM"));
        }
    }

    // Search Settings: the latency budget is shown as saved, and taken when accepted (0: none).
    void searchSettingsTakeALatencyBudget()
    {
        SearchSettings current;
        current.maxLatencyMs = 0.25;
        SearchSettingsDialog dialog(current, Task::Classifier);
        QCheckBox* limit = nullptr;
        for (QCheckBox* box : dialog.findChildren<QCheckBox*>())
            if (box->text() == QStringLiteral("Largest int8 latency"))
                limit = box;
        QVERIFY(limit);
        QVERIFY(limit->isChecked());
        QDoubleSpinBox* ms = nullptr;
        for (QDoubleSpinBox* box : dialog.findChildren<QDoubleSpinBox*>())
            if (box->suffix() == QStringLiteral(" ms"))
                ms = box;
        QVERIFY(ms);
        QCOMPARE(ms->value(), 0.25);
        ms->setValue(0.5);
        if (qEnvironmentVariableIsSet("QS_SHOT_SEARCH_SETTINGS")) {
            dialog.show();
            QTest::qWait(200);
            dialog.grab().save(qEnvironmentVariable("QS_SHOT_SEARCH_SETTINGS"));
        }
        QMetaObject::invokeMethod(&dialog, "accept");
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(dialog.settings().maxLatencyMs, 0.5);
        QCOMPARE(dialog.settings().options(Task::Classifier, QuantConfig()).maxLatencyMs, 0.5);

        SearchSettingsDialog off(current, Task::Classifier);
        for (QCheckBox* box : off.findChildren<QCheckBox*>())
            if (box->text() == QStringLiteral("Largest int8 latency"))
                box->setChecked(false);
        QMetaObject::invokeMethod(&off, "accept");
        QCOMPARE(off.settings().maxLatencyMs, 0.0);
    }

    void aFailingJobEndsWithAMessage()
    {
        JobTracker jobs;
        QString message;
        ErrorKind kind = ErrorKind::BadInput;
        std::function<int(const JobControl&)> oom = [](const JobControl&) -> int { throw std::bad_alloc(); };
        jobs.start<int>("oom", oom, [](int) { QFAIL("no result expected"); },
                        [&](ErrorKind k, const QString& m) {
                            kind = k;
                            message = m;
                        });
        QTRY_COMPARE_WITH_TIMEOUT(message, QStringLiteral("out of memory"), kUntilCTestTimeout);
        QCOMPARE(kind, ErrorKind::Internal);
        std::function<int(const JobControl&)> fails = [](const JobControl&) -> int {
            throw std::runtime_error("LibTorch said no\nwith a second line");
        };
        jobs.start<int>("fails", fails, [](int) {}, [&](ErrorKind, const QString& m) { message = m; });
        QTRY_COMPARE_WITH_TIMEOUT(message, QStringLiteral("LibTorch said no"), kUntilCTestTimeout);
        int result = 0;
        std::function<int(const JobControl&)> works = [](const JobControl&) { return 42; };
        jobs.start<int>("works", works, [&](int r) { result = r; }, [](ErrorKind, const QString&) {});
        QTRY_COMPARE_WITH_TIMEOUT(result, 42, kUntilCTestTimeout);
    }

    // File ▸ Open Data…: the format follows the path picked, the fields make a spec that parses,
    // and a bad option is refused in the dialog.
    void dataDialogBuildsSpecs()
    {
        QCOMPARE(DataDialog::detectFormat(m_dir.path()), QStringLiteral("folder"));
        QCOMPARE(DataDialog::detectFormat("/x/inputs.npy"), QStringLiteral("npy"));
        QCOMPARE(DataDialog::detectFormat("/x/data.pt"), QStringLiteral("tensors"));
        QCOMPARE(DataDialog::detectFormat("/x/t10k-images-idx3-ubyte.gz"), QStringLiteral("idx"));
        DataDialog dialog(DataSpec::demo());
        QCOMPARE(dialog.specFromFields().toString(), DataSpec::demo().toString());
        dialog.formatBox()->setCurrentIndex(dialog.formatBox()->findData("folder"));
        dialog.inputsEdit()->setText("/data/train");
        dialog.labelsEdit()->clear();
        dialog.optionsEdit()->setText("size=32&gray=1");
        QCOMPARE(dialog.specFromFields().toString(), QStringLiteral("folder:/data/train?size=32&gray=1"));
        if (qEnvironmentVariableIsSet("QS_SHOT_DATA")) {
            dialog.show();
            QTest::qWait(100);
            dialog.grab().save(qEnvironmentVariable("QS_SHOT_DATA"));
        }
        // A calibration set of its own goes into the spec (and comes back from it).
        dialog.calibrationEdit()->setText("folder:/data/calib?size=32&gray=1");
        QCOMPARE(dialog.specFromFields().toString(),
                 QStringLiteral("folder:/data/train?size=32&gray=1;calib=folder:/data/calib?size=32&gray=1"));
        dialog.calibrationEdit()->clear();
        dialog.optionsEdit()->setText("size=0");
        QVERIFY_THROWS_EXCEPTION(EngineError, dialog.specFromFields());

        // Preview: the demo's first eight samples with their class names, loaded off the GUI thread.
        DataDialog demo(DataSpec::demo(), {"npy:old.npy"});
        QSignalSpy ready(&demo, &DataDialog::previewReady);
        demo.preview();
        QVERIFY(arrives(ready));
        QCOMPARE(demo.previewCount(), 16); // eight pictures and eight captions
        QStringList captions;
        for (QLabel* l : demo.findChildren<QLabel*>())
            captions << l->text();
        QVERIFY2(captions.contains("Ankle boot"), qPrintable(captions.join(", "))); // the test set's first sample
        QVERIFY(captions.join(' ').contains("t10k-images-idx3-ubyte.gz (10000 samples, 10 classes): samples 1×28×28"));
        if (qEnvironmentVariableIsSet("QS_SHOT_DATA")) {
            demo.show();
            QTest::qWait(100);
            demo.grab().save(qEnvironmentVariable("QS_SHOT_DATA") + ".preview.png");
        }

        // An image folder says what it does with its images: kept at their one size, or resized.
        const QString folder = m_dir.filePath("shapes");
        for (const char* cls : {"round", "square"})
            for (int i = 0; i < 3; ++i) {
                QDir().mkpath(folder + "/" + cls);
                QImage image(12, 10, QImage::Format_RGB888);
                image.fill(QColor(40 * i, 100, cls[0] == 'r' ? 200 : 20));
                QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(folder, cls).arg(i)));
            }
        for (const auto& [options, says] :
             {std::pair<QString, QString>{"", "every image is 12×10: kept at that size"},
              std::pair<QString, QString>{"?size=8", "each image resized to 9 on its shorter side and cropped to 8×8"}}) {
            DataDialog images(DataSpec::parse("folder:" + folder + options), {});
            QSignalSpy imagesReady(&images, &DataDialog::previewReady);
            images.preview();
            QVERIFY(arrives(imagesReady));
            QStringList texts;
            for (QLabel* l : images.findChildren<QLabel*>())
                texts << l->text();
            QVERIFY2(texts.join(' ').contains(says), qPrintable(texts.join(" | ")));
        }

        // Token windows: their first ids instead of pictures, and what they are for.
        const DataSpec tokens = DataSpec::parse(QStringLiteral("tensors:" QS_FIXTURES "/tiny_lm_tokens.pt"));
        DataDialog text(tokens, {});
        QSignalSpy textReady(&text, &DataDialog::previewReady);
        text.preview();
        QVERIFY(arrives(textReady));
        QCOMPARE(text.previewCount(), 8);
        const QVector<qint64> first = Dataset::load(tokens)->tokens(0);
        QCOMPARE(first.size(), 64);
        QStringList lines;
        for (QLabel* l : text.findChildren<QLabel*>())
            lines << l->text();
        QVERIFY2(lines.contains(QStringLiteral("#0  %1 %2 %3").arg(first[0]).arg(first[1]).arg(first[2]) +
                                QStringLiteral(" %1 %2 %3 %4 %5 %6 %7 %8 %9").arg(first[3]).arg(first[4]).arg(first[5]).arg(first[6]).arg(first[7]).arg(first[8]).arg(first[9]).arg(first[10]).arg(first[11]) +
                                QStringLiteral(" %1 %2 %3 %4 …").arg(first[12]).arg(first[13]).arg(first[14]).arg(first[15])),
                 qPrintable(lines.join("\n")));
        QVERIFY2(lines.join(' ').contains("1097 windows of 64 tokens): token ids"), qPrintable(lines.join("\n")));
        if (qEnvironmentVariableIsSet("QS_SHOT_DATA")) {
            text.show();
            QTest::qWait(100);
            text.grab().save(qEnvironmentVariable("QS_SHOT_DATA") + ".tokens.png");
        }
    }

    // quantscope-cli records a trial into the same database while the window runs one: the
    // window shows its own trial's id (not the newest row's), and each id holds its own settings.
    void windowAndCliShareADatabase()
    {
        const QString db = m_dir.filePath("shared.db");
        MainWindow w;
        w.session()->setDatabasePath(db);
        QVERIFY(qs::test::openDemo(w));
        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", m_dir.filePath("data"));
        cli.setProcessEnvironment(env);
        cli.start(QStringLiteral(QS_CLI), {"trial", "--db", db, "--eval", "256", "--weights", "int8:per_channel:symmetric"});
        QVERIFY(cli.waitForStarted());
        w.trialBar()->setSettings("int4:per_channel:symmetric:minmax", "float", "weight-only");
        QSignalSpy finished(w.session(), &Session::trialFinished);
        w.runTrial();
        QVERIFY(arrives(finished));
        if (cli.state() != QProcess::NotRunning) // it may have ended while the window's trial ran
            QVERIFY(cli.waitForFinished(-1));
        QCOMPARE(cli.exitCode(), 0);
        const QRegularExpressionMatch m =
            QRegularExpression("recorded as trial (\\d+)").match(QString::fromUtf8(cli.readAllStandardError()));
        QVERIFY(m.hasMatch());
        const qint64 cliId = m.captured(1).toLongLong();
        const ShownTrial& shown = w.shownTrial();
        QVERIFY(shown.id > 0 && shown.id != cliId);
        const StoredTrial mine = Store(db).trial(shown.id), theirs = Store(db).trial(cliId);
        QCOMPARE(mine.settings.weight.toString(), QStringLiteral("int4:per_channel:symmetric:minmax"));
        QCOMPARE(mine.result.top1, shown.result.top1);
        QCOMPARE(theirs.settings.weight.toString(), QStringLiteral("int8:per_channel:symmetric:minmax"));
        QVERIFY2(w.trialSummaryText().contains(QStringLiteral("Trial #%1").arg(shown.id)), qPrintable(w.trialSummaryText()));
        // Exports of the trial shown use its own record.
        QVERIFY(w.exportTrial("report", m_dir.filePath("shared.html")));
        QFile page(m_dir.filePath("shared.html"));
        QVERIFY(page.open(QIODevice::ReadOnly));
        QVERIFY(page.readAll().contains(QStringLiteral("trial %1").arg(shown.id).toUtf8()));
    }

    void cancelStopsTheJob()
    {
        MainWindow w;
        QSignalSpy opened(w.session(), &Session::modelOpened);
        QSignalSpy finished(w.session()->jobs(), &JobTracker::finished);
        w.openDemo();
        w.session()->jobs()->cancel();
        QVERIFY(arrives(finished));
        QCOMPARE(opened.count(), 0);
        QVERIFY(w.statusBar()->findChild<QLabel*>()->text().contains("cancelled"));
    }
};

QS_TEST_MAIN(TestGui)
#include "tst_gui.moc"
