#include "mainwindow.h"

#include "errortab.h"
#include "graphtab.h"

#include "latencytab.h"

#include "datadialog.h"
#include "exportformat.h"
#include "trialfiles.h"
#include "historymodel.h"
#include "historypanel.h"
#include "jobstatus.h"
#include "jobtracker.h"
#include "layerpanel.h"
#include "layerplots.h"
#include "layertablemodel.h"
#include "plotexport.h"
#include "report.h"
#include "resulttabs.h"
#include "searchsettingsdialog.h"
#include "summaries.h"
#include "trialbar.h"
#include "trialhistory.h"

#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QScreen>
#include <QSplitter>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>

namespace qs {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_session(new Session(this)), m_trialBar(new TrialBar), m_layers(new LayerPanel),
      m_plots(new LayerPlots), m_historyPanel(new HistoryPanel(m_session->history())),
      m_results(new ResultTabs(m_historyPanel)), m_status(new JobStatus(m_session->jobs(), statusBar())),
      m_files(new TrialFiles(m_session, this)), m_summary(new QLabel), m_output(new QComboBox),
      m_outputRow(new QWidget), m_trialSummary(new QLabel),
      m_searchSettings(SearchSettings::load())
{
    setWindowTitle(tr("QuantScope"));
    setAcceptDrops(true);
    addToolBar(m_trialBar);

    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(m_layers);
    left->addWidget(m_results);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(left);
    split->addWidget(m_plots);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({780, 500});
    split->setObjectName(QStringLiteral("mainSplitter"));

    for (QLabel* label : {m_summary, m_trialSummary}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::RichText);
        label->setMargin(6);
    }
    m_trialSummary->hide();
    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 0, 6, 6);
    // The summary, and beside it the output choice of a model whose forward returns several.
    auto* outputLayout = new QHBoxLayout(m_outputRow);
    outputLayout->setContentsMargins(0, 6, 0, 0);
    outputLayout->addWidget(new QLabel(tr("Scored output:")));
    outputLayout->addWidget(m_output);
    m_output->setToolTip(tr("forward returns several tensors: the one scored and compared with float (--output in the CLI)"));
    m_output->setObjectName(QStringLiteral("scoredOutput"));
    m_outputRow->hide();
    auto* top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_outputRow, 0, Qt::AlignTop);
    layout->addLayout(top);
    layout->addWidget(m_trialSummary);
    layout->addWidget(split, 1);
    setCentralWidget(central);

    createMenus();
    connectSession();
    connectPanels();
    const QSettings settings;
    restoreGeometry(settings.value(SettingsKeys::WindowGeometry).toByteArray());
    if (!settings.contains(SettingsKeys::WindowGeometry)) // 1280×780, or the screen on a smaller one
        resize(QSize(1280, 780).boundedTo(screen()->availableGeometry().size() * 0.97));
    split->restoreState(settings.value(SettingsKeys::WindowSplitter).toByteArray());
    m_summary->setText(tr("<b>No model open.</b> Use File ▸ Open Model… or drop a TorchScript file here."));
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Model…"), QKeySequence::Open, this, &MainWindow::openModelDialog);
    file->addAction(tr("Open &Demo"), QKeySequence(tr("Ctrl+D")), this, &MainWindow::openDemo);
    file->addAction(tr("Open D&ata…"), QKeySequence(tr("Ctrl+Shift+O")), this, &MainWindow::openDataDialog);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu(QSettings().value(SettingsKeys::RecentModels).toStringList());
    file->addSeparator();
    file->addAction(tr("&Import Configuration…"), this, [this] {
        if (const QString path = m_files->askImportPath(); !path.isEmpty())
            importConfiguration(path);
    });
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    for (const ExportFormatInfo& f : exportFormats())
        exportMenu->addAction(f.menuText, this, [this, name = f.name] { m_files->exportWithDialog(m_shown, name); });
    exportMenu->addSeparator();
    exportMenu->addAction(tr("Current C&hart (PNG, PDF, SVG)…"), this,
                          [this] { savePlotWithDialog(m_results->currentPlot(), this, QStringLiteral("quantscope-chart")); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* trial = menuBar()->addMenu(tr("&Trial"));
    trial->addActions(m_trialBar->jobActions()); // the toolbar's, with their shortcuts
    trial->addSeparator()->setText(tr("Before quantizing"));
    trial->addActions(m_trialBar->techniqueActions());
    trial->addSeparator();
    trial->addAction(tr("Run on &int8 Kernels"), this, [this] { runInt8(); });
    trial->addAction(tr("Search Se&ttings…"), this, [this] {
        if (editSearchSettings())
            runSearch();
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Filter Layers"), QKeySequence::Find, m_layers, &LayerPanel::focusFilter);
    view->addAction(tr("&Cancel Job"), QKeySequence(Qt::Key_Escape), m_session, &Session::cancel);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Quick Tour"), QKeySequence::HelpContents, this,
                    [this] { QMessageBox::information(this, tr("QuantScope — Quick Tour"), quickTourHtml()); });
    help->addAction(tr("&README"), this, [] { QDesktopServices::openUrl(QUrl::fromLocalFile(QStringLiteral(QUANTSCOPE_README))); });
    help->addAction(tr("&About QuantScope"), this, [this] { QMessageBox::about(this, tr("About QuantScope"), aboutHtml()); });
}

void MainWindow::connectSession()
{
    Session* s = m_session;
    connect(s, &Session::modelOpened, this, &MainWindow::modelOpened);
    connect(s, &Session::openFailed, this, [this](const QString& message) {
        // The model shown before stays loaded; only the new one failed.
        showError(tr("Cannot open the model"), message);
    });
    connect(s, &Session::trialFinished, this, [this](const ShownTrial& t) {
        m_previews.clear(); // the trial has measured the edited settings
        m_layers->model()->setPreviews(m_previews);
        showTrial(t);
    });
    connect(s, &Session::trialFailed, this, [this](const QString& message) { showError(tr("Trial failed"), message); });
    connect(s, &Session::trialRecorded, this, &MainWindow::trialRecorded);
    connect(s, &Session::sensitivityFinished, this, &MainWindow::sensitivityFinished);
    connect(s, &Session::rangeMethodsChosen, this, [this](const RangeMethodResult& r) {
        m_status->showMessage(tr("Activation range methods chosen by each layer's output error: %1")
                                  .arg(m_layers->applyRangeMethods(r).join(QStringLiteral(", "))));
    });
    connect(s, &Session::searchFinished, this, &MainWindow::searchFinished);
    connect(s, &Session::int8Finished, this, [this](const Int8Result& r, const QString& savePath) {
        m_trialSummary->setText(m_trialSummary->text() + QStringLiteral("<br>") + int8SummaryHtml(r));
        m_status->showMessage(savePath.isEmpty() ? tr("int8 model measured")
                                                 : tr("int8 model saved to %1").arg(QDir::toNativeSeparators(savePath)));
    });
    connect(s, &Session::weightPreviewed, this, [this](int site, const QString& spec, const LayerTrialResult& r) {
        const QString name = m_session->profile().layers.value(site).layer.name;
        if (const auto o = m_layers->model()->overrides().value(name); !o.hasWeight || o.weight.toString() != spec)
            return; // edited again since: a newer preview is on its way
        m_previews[name] = r;
        m_layers->model()->setPreviews(m_previews);
        m_plots->setPreviews(m_previews);
    });
    connect(s, &Session::quantizedWeightsReady, this,
            [this](qint64 id, const QVector<LayerTrialResult>& weights, const QVector<TensorStats>& equalized,
                   const QVector<TensorStats>& equalizedActivations) {
                if (id != m_shown.id)
                    return;
                for (int i = 0; i < weights.size() && i < m_shown.result.layers.size(); ++i) {
                    m_shown.result.layers[i].quantizedWeight = weights[i].quantizedWeight;
                    m_shown.result.layers[i].weightLevels = weights[i].weightLevels;
                }
                m_shown.equalizedWeights = equalized;
                m_shown.equalizedActivations = equalizedActivations;
                m_plots->setTrial(&m_shown.result, &m_shown.equalizedWeights, &m_shown.equalizedActivations);
            });
    connect(s, &Session::jobFailed, this, &MainWindow::showError);
    connect(s, &Session::jobCancelled, m_status, &JobStatus::showMessage);
    connect(s, &Session::previewFailed, m_status, &JobStatus::showMessage);
    connect(s->history(), &TrialHistory::reset, this, [this] {
        m_results->setPoints(m_session->history()->trials(), m_session->dataSpec().toString());
        m_results->graphTab()->setHistory(m_session->history()->trials());
        m_results->errorTab()->setHistory(m_session->history()->trials());
    });
    connect(s->history(), &TrialHistory::appended, this, [this](const StoredTrial& t) {
        m_results->addPoint(t, m_session->dataSpec().toString());
        m_results->graphTab()->setHistory(m_session->history()->trials());
        m_results->errorTab()->setHistory(m_session->history()->trials());
    });
    connect(s->history(), &TrialHistory::unavailable, m_status, &JobStatus::showMessage);
}

void MainWindow::connectPanels()
{
    connect(m_trialBar, &TrialBar::runTrialRequested, this, &MainWindow::runTrial);
    connect(m_output, &QComboBox::textActivated, m_session, &Session::chooseOutput);
    connect(m_trialBar, &TrialBar::sensitivityRequested, this, &MainWindow::runSensitivity);
    connect(m_trialBar, &TrialBar::rangesRequested, this, &MainWindow::chooseRangeMethods);
    connect(m_trialBar, &TrialBar::searchRequested, this, &MainWindow::runSearch);
    connect(m_layers, &LayerPanel::currentLayerChanged, m_plots, &LayerPlots::showLayer);
    connect(m_layers->model(), &LayerTableModel::settingRejected, m_status, &JobStatus::showMessage);
    connect(m_layers->model(), &LayerTableModel::overridesChanged, this, &MainWindow::previewEditedWeights);
    connect(m_results, &ResultTabs::layerClicked, m_layers, &LayerPanel::selectLayer);
    connect(m_layers, &LayerPanel::currentLayerChanged, m_results->graphTab(), &GraphTab::selectLayer);
    connect(m_plots, &LayerPlots::rangeRequested, m_session, &Session::previewRange);
    connect(m_session, &Session::rangePreviewed, m_plots, &LayerPlots::showRangeEffect);
    connect(m_plots, &LayerPlots::useRangeRequested, this, [this](int row, bool weight, const QString& spec) {
        m_layers->model()->setSetting({row}, weight, spec);
        m_status->showMessage(tr("%1's %2 setting is now %3: Run Trial to see its effect on the model")
                                  .arg(m_session->layerNames().value(row), weight ? tr("weight") : tr("activation"), spec));
    });
    // Another recorded trial to compare against, in the graph or the error chart.
    auto against = [this](qint64 id, const std::function<void(const TrialResult*)>& show) {
        if (id == 0) {
            show(nullptr);
            return;
        }
        try {
            const ShownTrial other = m_session->storedTrial(id);
            show(&other.result);
        } catch (const EngineError& e) {
            show(nullptr);
            showError(tr("Cannot compare against trial %1").arg(id), e.message());
        }
    };
    connect(m_results->graphTab(), &GraphTab::againstRequested, this, [this, against](qint64 id) {
        against(id, [this](const TrialResult* r) { m_results->graphTab()->setAgainst(r); });
    });
    connect(m_results->errorTab(), &ErrorTab::againstRequested, this, [this, against](qint64 id) {
        against(id, [this, id](const TrialResult* r) { m_results->errorTab()->setAgainst(r, id); });
    });
    connect(m_results->graphTab(), &GraphTab::saved, m_status, &JobStatus::showMessage);
    connect(m_results->graphTab(), &GraphTab::saveFailed, this, &MainWindow::showError);
    connect(m_results->latencyTab(), &LatencyTab::measureRequested, this,
            [this](int batch) { m_session->measureLatency(m_shown, batch); });
    connect(m_results->latencyTab(), &LatencyTab::saveTraceRequested, this,
            [this] { m_files->saveTraceWithDialog(m_results->latencyTab()->profiles()); });
    connect(m_session, &Session::latencyMeasured, m_results->latencyTab(), &LatencyTab::setProfiles);
    connect(m_session, &Session::latencyMeasured, m_layers, &LayerPanel::setLatency);
    connect(m_session, &Session::latencyMeasured, m_results->graphTab(), &GraphTab::setLatency);
    connect(m_results, &ResultTabs::trialClicked, this, &MainWindow::showStoredTrial);
    connect(m_historyPanel, &HistoryPanel::showRequested, this, &MainWindow::showStoredTrial);
    connect(m_historyPanel, &HistoryPanel::removed, this, &MainWindow::trialDeleted);
    connect(m_historyPanel, &HistoryPanel::failed, this, &MainWindow::showError);
    connect(m_historyPanel, &HistoryPanel::message, m_status, &JobStatus::showMessage);
    connect(m_files, &TrialFiles::failed, this, &MainWindow::showError);
    connect(m_files, &TrialFiles::message, m_status, &JobStatus::showMessage);
    connect(m_files, &TrialFiles::written, this, &MainWindow::exportFinished);
}

void MainWindow::openDemo()
{
    m_session->setDataSpec(DataSpec::demo());
    openModel(QString());
}

void MainWindow::modelOpened(const ProfileReport& report)
{
    // The toolbar's defaults follow the kind of model: the language-model preset (group-wise
    // int4 weights, weight-only) for token windows, W8A8 otherwise.
    m_trialBar->setTask(taskOf(report.metric));
    m_trialBar->setModelOpen(m_session->canRunTrials());
    m_shown = {};
    m_previews.clear();
    m_searchPath.clear();
    m_trialSummary->hide();
    m_plots->setProfile(report);
    m_layers->setProfile(report);
    m_results->setProfile(report);
    m_historyPanel->model()->setLayerCount(int(report.layers.size()));
    if (const QString path = m_session->modelPath(); !path.isEmpty())
        rebuildRecentMenu(rememberRecent(SettingsKeys::RecentModels, QFileInfo(path).absoluteFilePath()));
    setWindowTitle(tr("%1 — QuantScope").arg(m_session->modelName()));
    m_summary->setText(modelSummaryHtml(m_session->modelName(), report));
    const QSignalBlocker blocker(m_output);
    m_output->clear();
    m_output->addItems(report.outputChoices);
    m_output->setCurrentText(report.output);
    m_outputRow->setVisible(report.outputChoices.size() > 1);
    m_status->showMessage(!report.dataProblem.isEmpty() ? tr("Open data this model runs on: File ▸ Open Data…")
                          : report.warnings.isEmpty()   ? tr("Ready")
                                                        : report.warnings.join(QStringLiteral("; ")));
    m_layers->selectFirst();
}

void MainWindow::showTrial(const ShownTrial& trial)
{
    m_shown = trial;
    m_layers->setTrial(m_shown.result);
    m_results->setTrial(m_shown.result, m_session->data());
    m_plots->setTrial(&m_shown.result, &m_shown.equalizedWeights, &m_shown.equalizedActivations);
    m_trialSummary->setText(trialSummaryHtml(m_shown));
    m_trialSummary->show();
    m_status->showMessage(tr("Trial done"));
    if (m_shown.id > 0) {
        m_results->selectPoint(m_shown.id);
        m_historyPanel->selectTrial(m_shown.id);
    }
}

void MainWindow::showError(const QString& title, const QString& message)
{
    // LibTorch's own words go under Details; the message says what is wrong and what to do.
    const qsizetype technical = message.indexOf(QLatin1String(" (LibTorch said: "));
    m_status->showMessage(message.left(technical));
    auto* box = new QMessageBox(QMessageBox::Critical, title, message.left(technical), QMessageBox::Ok, this);
    if (technical >= 0)
        box->setDetailedText(message.mid(technical + 17).chopped(1));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // window-modal, never blocks the event loop
}

std::optional<QuantConfig> MainWindow::currentConfig(const QString& action)
{
    try {
        QuantConfig config = m_trialBar->config();
        config.layers = m_layers->model()->overrides();
        return config;
    } catch (const EngineError& e) {
        showError(tr("Cannot %1").arg(action), e.message());
        Q_EMIT settingsRejected(e.message());
        return std::nullopt;
    }
}

void MainWindow::runTrial()
{
    if (const auto config = currentConfig(tr("run the trial")); config && m_session->isOpen())
        m_session->runTrial(*config);
}

void MainWindow::runSensitivity()
{
    const auto config = currentConfig(tr("run the sensitivity analysis"));
    if (!config || !m_session->isOpen())
        return;
    m_results->setCurrentWidget(m_results->paretoPlot());
    m_session->runSensitivity(*config, m_searchSettings.subsetSamples);
}

void MainWindow::sensitivityFinished(const SensitivityResult& r, const QString& settings)
{
    m_layers->setSensitivity(r, settings);
    m_results->setSensitivity(r);
    const QVector<int> ranking = r.ranking();
    m_status->showMessage(tr("Sensitivity to %1: %2 trials on %3 samples in %4 s; most sensitive: %5")
                              .arg(settings)
                              .arg(r.trials)
                              .arg(QLocale().toString(r.evaluationSamples))
                              .arg(QLocale().toString(r.seconds, 'f', 1))
                              .arg(ranking.isEmpty() ? QString() : r.layers[ranking.first()].name));
}

void MainWindow::chooseRangeMethods()
{
    if (const auto config = currentConfig(tr("choose range methods")); config && m_session->isOpen())
        m_session->chooseRanges(*config);
}

void MainWindow::runSearch()
{
    const auto config = currentConfig(tr("search"));
    if (!config || !m_session->isOpen())
        return;
    SearchOptions options;
    try {
        options = m_searchSettings.options(m_session->task(), *config);
    } catch (const EngineError& e) {
        showError(tr("Cannot search"), e.message());
        return;
    }
    m_searchPath.clear();
    m_results->setPath({});
    m_searchMaxDrop = options.maxDrop;
    m_results->setCurrentWidget(m_results->paretoPlot());
    m_session->search(options, m_searchSettings.chooseMethods);
}

void MainWindow::trialRecorded(qint64 id, const QString& origin, double loss)
{
    // While the search runs, its path is every candidate within the budget (the ones it keeps);
    // at the end the exact path from its result replaces it.
    if (id > 0 && origin == QLatin1String("search") && (m_searchMaxDrop < 0 || loss <= m_searchMaxDrop + 1e-12)) {
        m_searchPath << id;
        m_results->setPath(m_searchPath);
    }
}

void MainWindow::searchFinished(const SearchResult& r)
{
    m_searchPath.clear();
    for (const SearchStep& s : r.steps)
        if (s.accepted && s.kind != SearchStep::Sensitivity && s.trialId > 0)
            m_searchPath << s.trialId;
    m_results->setPath(m_searchPath);
    if (r.bestTrialId > 0)
        showStoredTrial(r.bestTrialId);
    else
        showTrial({true, r.bestResult, r.best, 0, r.summary, QString(), tr("search result")});
    m_trialSummary->setText(tr("<b>Search</b>: %1.<br>").arg(r.summary.toHtmlEscaped()) + m_trialSummary->text());
    m_results->setCurrentWidget(m_results->paretoPlot());
    m_status->showMessage(r.withinBudget ? tr("Search done: the best configuration is selected")
                                         : tr("Search done: no configuration met the budget; the closest is selected"));
}

void MainWindow::runInt8(const QString& savePath)
{
    if (!m_shown.valid || !m_session->isOpen()) {
        showError(tr("No trial to run"), tr("Run a trial, or pick one in the history, first."));
        return;
    }
    m_session->runInt8(m_shown, savePath);
}

bool MainWindow::editSearchSettings()
{
    SearchSettingsDialog dialog(m_searchSettings, m_session->task(), this);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    setSearchSettings(dialog.settings());
    return true;
}

void MainWindow::previewEditedWeights()
{
    if (m_loadingTrial)
        return; // a stored trial's settings, already measured
    // Each edited weight setting gets its SQNR, grid and quantized values from the real weight
    // on the engine thread, queued behind any running job, without a trial.
    const auto overrides = m_layers->model()->overrides();
    const ProfileReport& report = m_session->profile();
    for (int row = 0; row < report.layers.size(); ++row) {
        const QString name = report.layers[row].layer.name;
        const auto it = overrides.constFind(name);
        if (it == overrides.cend() || !it->hasWeight)
            m_previews.remove(name);
        else
            m_session->previewWeight(row, it->weight);
    }
    m_layers->model()->setPreviews(m_previews);
    if (!overrides.isEmpty())
        m_layers->showWeightSqnr();
    m_plots->setPreviews(m_previews);
}

bool MainWindow::exportTrial(const QString& format, const QString& path)
{
    return m_files->exportTrial(m_shown, format, path);
}

bool MainWindow::importConfiguration(const QString& path)
{
    const std::optional<QuantConfig> config = m_files->readConfiguration(path);
    if (!config)
        return false;
    m_trialBar->setConfig(*config);
    m_layers->model()->setOverrides(config->layers);
    m_status->showMessage(tr("Imported %1: Run Trial to measure it").arg(QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::showStoredTrial(qint64 id)
{
    try {
        const ShownTrial t = m_session->storedTrial(id);
        m_trialBar->setConfig(t.config);
        m_loadingTrial = true; // its per-layer settings go into the table as they were
        m_layers->model()->setOverrides(t.config.layers);
        m_loadingTrial = false;
        m_previews.clear();
        m_layers->model()->setPreviews(m_previews);
        m_plots->setPreviews(m_previews);
        showTrial(t);
        m_session->recomputeQuantizedWeights(t); // for the Quantized overlay
    } catch (const EngineError& e) {
        showError(tr("Cannot show trial %1").arg(id), e.message());
    }
}

void MainWindow::trialDeleted(qint64 id)
{
    if (id != m_shown.id)
        return;
    // Its results stay on screen, but it can no longer be exported as a recorded trial.
    m_shown.id = 0;
    m_shown.notRecorded = tr("deleted from the history");
    m_trialSummary->setText(m_trialSummary->text() + tr(" · <i>deleted from the history</i>"));
}

QString MainWindow::summaryText() const
{
    return m_summary->text();
}

QString MainWindow::trialSummaryText() const
{
    return m_trialSummary->text();
}

void MainWindow::openModelDialog()
{
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open TorchScript Model"),
                                                      settings.value(SettingsKeys::LastModelDir).toString(),
                                                      tr("TorchScript models (*.pt *.pth *.ts *.zip);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(SettingsKeys::LastModelDir, QFileInfo(path).absolutePath());
    openModel(path);
}

void MainWindow::openDataDialog()
{
    const QString key = SettingsKeys::recentData(m_session->modelSha256());
    DataDialog dialog(m_session->dataSpec(), QSettings().value(key).toStringList(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    rememberRecent(key, dialog.spec().toString()); // the data sets used with this model, newest first
    m_session->setDataSpec(dialog.spec(), dialog.loadedData());
    openModel(m_session->modelPath()); // the open model (or the demo) on the new data
}

void MainWindow::rebuildRecentMenu(const QStringList& recent)
{
    m_recentMenu->clear();
    for (const QString& path : recent)
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); })->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(SettingsKeys::WindowGeometry, saveGeometry());
    if (auto* split = findChild<QSplitter*>(QStringLiteral("mainSplitter")))
        settings.setValue(SettingsKeys::WindowSplitter, split->saveState());
    m_layers->saveColumns();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        openModel(urls.first().toLocalFile());
}

} // namespace qs
