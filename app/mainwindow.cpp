#include "mainwindow.h"

#include "bardelegate.h"
#include "channelrangeplot.h"
#include "histogramplot.h"
#include "jobtracker.h"
#include "comparedialog.h"
#include "datadialog.h"
#include "disagreementmodel.h"
#include "export.h"
#include "plotexport.h"
#include "report.h"
#include "historymodel.h"
#include "layererrorplot.h"
#include "paretoplot.h"
#include "plotdata.h"
#include "presetdelegate.h"
#include "layertablemodel.h"
#include "runtime.h"
#include "store.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QStackedWidget>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QInputDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace qs {

namespace {

struct Session {
    std::shared_ptr<Model> model;
    std::shared_ptr<Dataset> data;
    ProfileReport report;
};

QWidget* plotPanel(QWidget* plot, QLabel* stats, std::initializer_list<QCheckBox*> boxes)
{
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(plot, 1);
    auto* row = new QHBoxLayout;
    stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row->addWidget(stats, 1);
    for (QCheckBox* box : boxes)
        row->addWidget(box);
    layout->addLayout(row);
    return panel;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_jobs(new JobTracker(this)),
      m_layers(new LayerTableModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView),
      m_filter(new QLineEdit),
      m_summary(new QLabel),
      m_trialSummary(new QLabel),
      m_errorPlot(new LayerErrorPlot),
      m_sensitivityPlot(new LayerErrorPlot),
      m_disagreements(new DisagreementModel(this)),
      m_disagreementSummary(new QLabel),
      m_paretoPlot(new ParetoPlot),
      m_history(new HistoryModel(this)),
      m_historyProxy(new QSortFilterProxyModel(this)),
      m_historyTable(new QTableView),
      m_historyFilter(new QLineEdit),
      m_tabs(new QTabWidget),
      m_weightPlot(new HistogramPlot),
      m_channelPlot(new ChannelRangePlot),
      m_weightStack(new QStackedWidget),
      m_weightChannels(new QCheckBox(tr("Channels"))),
      m_activationPlot(new HistogramPlot),
      m_weightStats(new QLabel),
      m_activationStats(new QLabel),
      m_weightLog(new QCheckBox(tr("Log counts"))),
      m_activationLog(new QCheckBox(tr("Log counts"))),
      m_weightQuantized(new QCheckBox(tr("Quantized"))),
      m_activationQuantized(new QCheckBox(tr("Quantized"))),
      m_stage(new QLabel),
      m_progress(new QProgressBar),
      m_cancel(new QPushButton(tr("Cancel"))),
      m_dataSpec(DataSpec::demo()),
      m_databasePath(Store::defaultPath())
{
    setWindowTitle(tr("QuantScope"));
    setAcceptDrops(true);

    m_proxy->setSourceModel(m_layers);
    m_proxy->setSortRole(LayerTableModel::SortRole);
    m_proxy->setFilterKeyColumn(LayerTableModel::NameColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(LayerTableModel::NameColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setItemDelegateForColumn(LayerTableModel::ParamsColumn,
                                      new BarDelegate(LayerTableModel::ShareRole, m_table));
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_table->setItemDelegateForColumn(
        LayerTableModel::WeightSettingColumn,
        new PresetDelegate({QStringLiteral("int8:per_channel:symmetric:minmax"), QStringLiteral("int8:per_tensor:symmetric:minmax"),
                            QStringLiteral("int4:per_channel:symmetric:minmax"), QStringLiteral("int4:group32:symmetric:minmax"),
                            QStringLiteral("int3:per_channel:symmetric:minmax"), QStringLiteral("int2:per_channel:symmetric:minmax"),
                            QStringLiteral("float16"), QStringLiteral("bfloat16"), QStringLiteral("float")},
                           m_table));
    m_table->setItemDelegateForColumn(
        LayerTableModel::ActivationSettingColumn,
        new PresetDelegate({QStringLiteral("uint8:per_tensor:affine:histogram"), QStringLiteral("uint8:per_tensor:affine:minmax"),
                            QStringLiteral("uint8:per_tensor:affine:mse"), QStringLiteral("int8:per_tensor:symmetric:histogram"),
                            QStringLiteral("uint4:per_tensor:affine:mse"), QStringLiteral("float16"), QStringLiteral("float")},
                           m_table));
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* resetAction = new QAction(tr("Reset Selected Layers to Default"), m_table);
    connect(resetAction, &QAction::triggered, this, [this] {
        QList<int> rows;
        for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
            rows << m_proxy->mapToSource(i).row();
        m_layers->setSetting(rows, true, QString());
        m_layers->setSetting(rows, false, QString());
    });
    m_table->addAction(resetAction);
    connect(m_layers, &LayerTableModel::settingRejected, this, [this](const QString& message) { m_stage->setText(message); });
    connect(m_layers, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& topLeft, const QModelIndex&) {
        // Bulk edit: an edited setting cell is copied to the other selected rows.
        const int column = topLeft.column();
        if (m_bulkEditing || (column != LayerTableModel::WeightSettingColumn && column != LayerTableModel::ActivationSettingColumn))
            return;
        const QModelIndexList selected = m_table->selectionModel()->selectedRows();
        if (selected.size() < 2)
            return;
        QList<int> rows;
        for (const QModelIndex& i : selected)
            rows << m_proxy->mapToSource(i).row();
        if (!rows.contains(topLeft.row()))
            return;
        m_bulkEditing = true;
        m_layers->setSetting(rows, column == LayerTableModel::WeightSettingColumn,
                             m_layers->index(topLeft.row(), column).data(Qt::EditRole).toString());
        m_bulkEditing = false;
    });
    connect(m_layers, &LayerTableModel::overridesChanged, this, [this] { previewEditedWeights(); });
    m_filter->setPlaceholderText(tr("Filter layers by name…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                showLayer(current.isValid() ? m_proxy->mapToSource(current).row() : -1);
            });

    auto* tablePanel = new QWidget;
    auto* leftLayout = new QVBoxLayout(tablePanel);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_table);
    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(tablePanel);
    m_historyProxy->setSourceModel(m_history);
    m_historyProxy->setSortRole(HistoryModel::SortRole);
    m_historyTable->setModel(m_historyProxy);
    m_historyTable->setSortingEnabled(true);
    m_historyTable->sortByColumn(HistoryModel::IdColumn, Qt::DescendingOrder);
    m_historyTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_historyTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_historyTable->verticalHeader()->hide();
    m_historyTable->horizontalHeader()->setStretchLastSection(true);
    m_historyTable->setAlternatingRowColors(true);
    connect(m_historyTable, &QTableView::activated, this, [this](const QModelIndex& index) {
        showStoredTrial(index.data(HistoryModel::IdRole).toLongLong());
    });
    m_errorPlot->setEmptyText(tr("Run a trial to see each layer's error"));
    m_tabs->addTab(m_errorPlot, tr("Error per layer"));
    m_tabs->addTab(m_paretoPlot, tr("Accuracy vs size"));
    m_sensitivityPlot->setValueAxis(tr("top-1 points"), true);
    m_sensitivityPlot->setEmptyText(tr("Run a sensitivity analysis to rank the layers"));
    m_sensitivityPlot->setToolTip(tr("Sensitivity analysis, most sensitive layer first: points of top-1 lost with only that "
                                     "layer quantized, and points won back by keeping only that layer float. "
                                     "Click a bar to select its layer."));
    m_tabs->addTab(m_sensitivityPlot, tr("Sensitivity"));
    {
        auto* panel = new QWidget;
        auto* layout = new QVBoxLayout(panel);
        layout->setContentsMargins(4, 4, 4, 0);
        m_disagreementSummary->setWordWrap(true);
        m_disagreementSummary->setText(tr("Run a trial to see the inputs whose prediction quantization changes."));
        auto* view = new QListView;
        view->setObjectName(QStringLiteral("disagreementView"));
        view->setModel(m_disagreements);
        view->setViewMode(QListView::IconMode);
        view->setResizeMode(QListView::Adjust);
        view->setMovement(QListView::Static);
        view->setIconSize(QSize(84, 84));
        view->setGridSize(QSize(130, 150));
        view->setWordWrap(true);
        view->setUniformItemSizes(true);
        layout->addWidget(m_disagreementSummary);
        layout->addWidget(view, 1);
        m_tabs->addTab(panel, tr("Disagreements"));
    }
    connect(m_sensitivityPlot, &LayerErrorPlot::layerClicked, this, [this](int bar) {
        if (bar >= 0 && bar < m_sensitivityOrder.size())
            m_table->selectRow(m_proxy->mapFromSource(m_layers->index(m_sensitivityOrder[bar], 0)).row());
    });
    auto* historyPanel = new QWidget;
    auto* historyLayout = new QVBoxLayout(historyPanel);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    m_historyFilter->setPlaceholderText(tr("Filter trials…"));
    m_historyFilter->setClearButtonEnabled(true);
    m_historyProxy->setFilterKeyColumn(-1); // any column
    m_historyProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_historyFilter, &QLineEdit::textChanged, m_historyProxy, &QSortFilterProxyModel::setFilterFixedString);
    historyLayout->addWidget(m_historyFilter);
    historyLayout->addWidget(m_historyTable);
    m_tabs->addTab(historyPanel, tr("History"));
    createHistoryActions();
    left->addWidget(m_tabs);
    connect(m_paretoPlot, &ParetoPlot::trialClicked, this, &MainWindow::showStoredTrial);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    connect(m_errorPlot, &LayerErrorPlot::layerClicked, this, [this](int layer) {
        const QModelIndex source = m_layers->index(layer, 0);
        m_table->selectRow(m_proxy->mapFromSource(source).row());
    });

    m_activationLog->setChecked(true); // ReLU outputs pile up at zero; the log axis shows the rest
    m_weightLog->setToolTip(tr("Show counts on a logarithmic axis to see the tails"));
    m_activationLog->setToolTip(m_weightLog->toolTip());
    connect(m_weightLog, &QCheckBox::toggled, m_weightPlot, &HistogramPlot::setLogScale);
    connect(m_activationLog, &QCheckBox::toggled, m_activationPlot, &HistogramPlot::setLogScale);
    m_activationPlot->setLogScale(true);

    auto* plots = new QSplitter(Qt::Vertical);
    // The weight panel shows the histogram, or with "Channels" each output channel's range.
    m_weightStack->addWidget(m_weightPlot);
    m_weightStack->addWidget(m_channelPlot);
    m_weightChannels->setObjectName(QStringLiteral("weightChannels"));
    m_weightChannels->setToolTip(tr("Show each output channel's weight range, with the per-tensor grid across "
                                    "them: why one scale for the whole tensor fails"));
    m_weightChannels->setEnabled(false);
    connect(m_weightChannels, &QCheckBox::toggled, this, [this](bool on) {
        m_weightStack->setCurrentWidget(on ? static_cast<QWidget*>(m_channelPlot) : m_weightPlot);
        m_weightQuantized->setVisible(!on); // both act on the histogram only
        m_weightLog->setVisible(!on);
    });
    plots->addWidget(plotPanel(m_weightStack, m_weightStats, {m_weightChannels, m_weightQuantized, m_weightLog}));
    plots->addWidget(plotPanel(m_activationPlot, m_activationStats, {m_activationQuantized, m_activationLog}));
    m_weightQuantized->setObjectName(QStringLiteral("weightQuantized"));
    m_activationQuantized->setObjectName(QStringLiteral("activationQuantized"));
    for (QCheckBox* box : {m_weightQuantized, m_activationQuantized}) {
        box->setToolTip(tr("Show the values after quantization, as impulses at their levels (after a trial)"));
        box->setEnabled(false);
        connect(box, &QCheckBox::toggled, this, [this] { showLayer(currentLayer()); });
    }

    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(left);
    split->addWidget(plots);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({780, 500});
    split->setObjectName(QStringLiteral("mainSplitter"));

    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setMargin(6);
    auto* central = new QWidget;
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(6, 0, 6, 6);
    centralLayout->addWidget(m_summary);
    m_trialSummary->setTextFormat(Qt::RichText);
    m_trialSummary->setMargin(6);
    m_trialSummary->setWordWrap(true);
    m_trialSummary->hide();
    centralLayout->addWidget(m_trialSummary);
    centralLayout->addWidget(split, 1);
    setCentralWidget(central);

    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(240);
    m_progress->setTextVisible(false);
    statusBar()->addWidget(m_stage, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    m_progress->hide();
    m_cancel->hide();
    connect(m_cancel, &QPushButton::clicked, m_jobs, &JobTracker::cancel);
    connect(m_jobs, &JobTracker::started, this, [this](const QString& title) {
        m_jobClock.start();
        m_stage->setText(title);
        m_progress->setValue(0);
        m_progress->show();
        m_cancel->show();
    });
    connect(m_jobs, &JobTracker::progressChanged, this, [this](int permille, const QString& stage) {
        m_progress->setValue(permille);
        if (stage.isEmpty())
            return;
        // Time left, once there is enough behind to extrapolate from.
        const double elapsed = m_jobClock.isValid() ? m_jobClock.elapsed() / 1000.0 : 0;
        QString left;
        if (permille >= 30 && elapsed >= 3) {
            const int seconds = int(std::ceil(elapsed * (1000 - permille) / permille));
            left = seconds >= 90 ? tr(" — about %1 min left").arg((seconds + 30) / 60) : tr(" — about %1 s left").arg(seconds);
        }
        m_stage->setText(stage + QStringLiteral("…") + left);
    });
    connect(m_jobs, &JobTracker::finished, this, [this] {
        m_progress->hide();
        m_cancel->hide();
    });

    createMenus();
    createTrialBar();
    addSavePlotMenu(m_errorPlot->plot(), QStringLiteral("error-per-layer"));
    addSavePlotMenu(m_paretoPlot->plot(), QStringLiteral("accuracy-vs-size"));
    addSavePlotMenu(m_sensitivityPlot->plot(), QStringLiteral("sensitivity"));
    addSavePlotMenu(m_weightPlot->plot(), QStringLiteral("weight-histogram"));
    addSavePlotMenu(m_activationPlot->plot(), QStringLiteral("activation-histogram"));
    QSettings settings;
    m_searchSettings.maxDropPoints = settings.value(QStringLiteral("search/maxDropPoints"), m_searchSettings.maxDropPoints).toDouble();
    m_searchSettings.maxPerplexityRise =
        settings.value(QStringLiteral("search/maxPerplexityRise"), m_searchSettings.maxPerplexityRise).toDouble();
    m_searchSettings.targetBytes = settings.value(QStringLiteral("search/targetBytes"), m_searchSettings.targetBytes).toLongLong();
    m_searchSettings.bits = settings.value(QStringLiteral("search/bits"), m_searchSettings.bits).toString();
    m_searchSettings.subsetSamples = settings.value(QStringLiteral("search/subsetSamples"), m_searchSettings.subsetSamples).toLongLong();
    m_searchSettings.chooseMethods = settings.value(QStringLiteral("search/chooseMethods"), false).toBool();
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    if (!settings.contains(QStringLiteral("window/geometry")))
        resize(1280, 780);
    split->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    updateSummary();
}

MainWindow::~MainWindow()
{
    m_jobs->cancel();
    m_jobs->waitForIdle();
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Model…"), QKeySequence::Open, this, &MainWindow::openModelDialog);
    file->addAction(tr("Open &Demo"), QKeySequence(tr("Ctrl+D")), this, &MainWindow::openDemo);
    file->addAction(tr("Open D&ata…"), QKeySequence(tr("Ctrl+Shift+O")), this, [this] {
        QSettings settings;
        const QString key = QStringLiteral("data/recent/%1").arg(m_model ? m_model->sha256() : QStringLiteral("none"));
        DataDialog dialog(m_dataSpec, settings.value(key).toStringList(), this);
        if (dialog.exec() != QDialog::Accepted)
            return;
        QStringList recent = settings.value(key).toStringList();
        recent.removeAll(dialog.spec().toString());
        recent.prepend(dialog.spec().toString());
        settings.setValue(key, recent.mid(0, 8)); // the data sets used with this model, newest first
        setDataSpec(dialog.spec());
        openModel(m_modelPath); // the open model (or the demo) on the new data
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Import Configuration…"), this, [this] {
        QSettings settings;
        const QString path = QFileDialog::getOpenFileName(this, tr("Import Configuration"),
                                                          settings.value(QStringLiteral("files/exportDir")).toString(),
                                                          tr("QuantScope configurations (*.json);;All files (*)"));
        if (!path.isEmpty())
            importConfiguration(path);
    });
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportMenu->addAction(tr("Trial &Configuration (JSON)…"), this, [this] { exportTrialWithDialog(QStringLiteral("json")); });
    exportMenu->addAction(tr("&PyTorch Script…"), this, [this] { exportTrialWithDialog(QStringLiteral("python")); });
    exportMenu->addAction(tr("Per-layer &Table (CSV)…"), this, [this] { exportTrialWithDialog(QStringLiteral("csv")); });
    exportMenu->addAction(tr("&TorchScript, Quantization Baked In…"), this,
                          [this] { exportTrialWithDialog(QStringLiteral("torchscript")); });
    exportMenu->addAction(tr("&Int8 Model (TorchScript)…"), this, [this] { exportTrialWithDialog(QStringLiteral("int8")); });
    exportMenu->addAction(tr("HTML &Report…"), this, [this] { exportTrialWithDialog(QStringLiteral("report")); });
    exportMenu->addSeparator();
    exportMenu->addAction(tr("Current C&hart (PNG, PDF, SVG)…"), this, [this] {
        QWidget* tab = m_tabs->currentWidget();
        QCustomPlot* plot = tab == m_errorPlot         ? m_errorPlot->plot()
                            : tab == m_paretoPlot      ? m_paretoPlot->plot()
                            : tab == m_sensitivityPlot ? m_sensitivityPlot->plot()
                                                       : m_paretoPlot->plot();
        savePlotWithDialog(plot, this, QStringLiteral("quantscope-chart"));
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* trial = menuBar()->addMenu(tr("&Trial"));
    trial->addAction(tr("&Run Trial"), this, &MainWindow::runTrial);
    trial->addAction(tr("&Sensitivity Analysis"), this, &MainWindow::runSensitivity);
    trial->addAction(tr("&Choose Range Methods"), this, &MainWindow::chooseRangeMethods);
    trial->addAction(tr("Run on &int8 Kernels"), this, [this] { runInt8(); });
    trial->addSeparator();
    trial->addAction(tr("S&earch"), this, &MainWindow::runSearch);
    trial->addAction(tr("Search Se&ttings…"), this, [this] {
        if (editSearchSettings())
            runSearch();
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Filter Layers"), QKeySequence::Find, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    view->addAction(tr("&Cancel Job"), QKeySequence(Qt::Key_Escape), m_jobs, &JobTracker::cancel);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QuantScope"), this, [this] {
        QMessageBox::about(this, tr("About QuantScope"),
                           tr("<b>QuantScope %1</b><p>Which quantization settings should each layer of "
                              "my model get?</p><p>Built on LibTorch %2, Qt %3 and QCustomPlot. "
                              "Licensed GPL-3.0-or-later.</p>")
                               .arg(QApplication::applicationVersion(), torchVersion(),
                                    QString::fromLatin1(qVersion())));
    });
}

void MainWindow::openDemo()
{
    setDataSpec(DataSpec::demo());
    openModel(QString());
}

void MainWindow::setDataSpec(const DataSpec& spec)
{
    if (spec.toString() != m_dataSpec.toString())
        m_data.reset();
    m_dataSpec = spec;
}

void MainWindow::openModel(const QString& path)
{
    const DataSpec spec = m_dataSpec;
    std::shared_ptr<Dataset> cached = m_data;
    const ProfileOptions options;
    const QString shown = path.isEmpty() ? demoModelName() : QFileInfo(path).fileName();
    std::function<Session(const JobControl&)> job = [path, spec, cached, options](const JobControl& control) {
        Session s;
        control.report(0, QStringLiteral("Loading model"));
        s.model = path.isEmpty() ? loadDemoModel() : Model::load(path);
        control.checkCancelled();
        control.report(0, QStringLiteral("Loading data"));
        s.data = cached ? cached : Dataset::load(spec);
        control.checkCancelled();
        s.report = profile(*s.model, *s.data, options, control);
        return s;
    };
    m_jobs->start<Session>(
        tr("Opening %1").arg(shown), job,
        [this, path](Session s) {
            // The toolbar's defaults follow the kind of model: the language-model preset
            // (group-wise int4 weights, weight-only) for token windows, W8A8 otherwise.
            const bool wasLanguageModel = m_report.metric == Metric::Perplexity;
            if ((s.report.metric == Metric::Perplexity) != wasLanguageModel) {
                const QuantConfig preset =
                    s.report.metric == Metric::Perplexity ? QuantConfig::languageModelPreset() : QuantConfig();
                setTrialSettings(preset.weight.toString(), preset.activation.toString(), trialModeName(preset.mode));
            }
            m_model = s.model;
            m_data = s.data;
            m_report = s.report;
            m_modelPath = path;
            m_runner = std::make_shared<TrialRunner>(m_model, m_data, TrialOptions());
            m_hasTrial = false;
            m_trial = {};
            m_trialSummary->hide();
            m_errorPlot->clear();
            m_sensitivityPlot->clear();
            m_sensitivityOrder.clear();
            m_searchPath.clear();
            m_paretoPlot->setPath({});
            for (QAction* a : m_modelActions)
                a->setEnabled(true);
            m_weightQuantized->setEnabled(false);
            m_activationQuantized->setEnabled(false);
            m_previews.clear();
            m_layers->setProfile(m_report);
            reloadHistory();
            for (int c = LayerTableModel::WeightSqnrColumn; c <= LayerTableModel::SensitivityColumn; ++c)
                m_table->setColumnHidden(c, true); // until a trial or sensitivity analysis has run
            m_table->resizeColumnsToContents();
            if (!path.isEmpty())
                addRecent(path);
            setWindowTitle(tr("%1 — QuantScope").arg(path.isEmpty() ? demoModelName() : QFileInfo(path).fileName()));
            updateSummary();
            m_stage->setText(m_report.warnings.isEmpty() ? tr("Ready") : m_report.warnings.join(QStringLiteral("; ")));
            if (m_proxy->rowCount() > 0)
                m_table->selectRow(0);
            else
                showLayer(-1);
            Q_EMIT modelOpened();
        },
        [this, shown](ErrorKind kind, const QString& message) {
            if (kind == ErrorKind::Cancelled) {
                m_stage->setText(tr("Opening %1 cancelled").arg(shown));
                return;
            }
            // The model shown before stays loaded; only the new one failed.
            showError(tr("Cannot open %1").arg(shown), message);
            Q_EMIT openFailed(message);
        });
}

void MainWindow::showError(const QString& title, const QString& message)
{
    m_stage->setText(message);
    auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // window-modal, never blocks the event loop
}

void MainWindow::createTrialBar()
{
    QToolBar* bar = addToolBar(tr("Trial"));
    bar->setObjectName(QStringLiteral("trialBar"));
    bar->setMovable(false);
    auto combo = [bar](const QStringList& items, const QString& tip) {
        auto* c = new QComboBox;
        c->setEditable(true);
        c->addItems(items);
        c->setToolTip(tip);
        c->setMinimumContentsLength(30);
        c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        return c;
    };
    m_weightSpec = combo({QStringLiteral("int8:per_channel:symmetric:minmax"), QStringLiteral("int8:per_tensor:symmetric:minmax"),
                          QStringLiteral("int4:per_channel:symmetric:minmax"), QStringLiteral("int4:per_tensor:symmetric:minmax"),
                          QStringLiteral("int4:group32:symmetric:minmax"), QStringLiteral("int4:group128:symmetric:minmax"),
                          QStringLiteral("int3:group128:symmetric:minmax"), QStringLiteral("int2:per_channel:symmetric:minmax"),
                          QStringLiteral("float16"), QStringLiteral("bfloat16"), QStringLiteral("float")},
                         tr("Weight spec for every layer: TYPE[:per_tensor|per_channel|groupN][:symmetric|affine][:METHOD]"));
    m_activationSpec = combo({QStringLiteral("uint8:per_tensor:affine:histogram"), QStringLiteral("uint8:per_tensor:affine:minmax"),
                              QStringLiteral("int8:per_tensor:symmetric:histogram"), QStringLiteral("uint4:per_tensor:affine:histogram"),
                              QStringLiteral("float16"), QStringLiteral("float")},
                             tr("Input-activation spec for every layer (per tensor)"));
    m_mode = new QComboBox;
    m_mode->addItems({QStringLiteral("static"), QStringLiteral("dynamic"), QStringLiteral("weight-only")});
    m_mode->setToolTip(tr("static: activation ranges calibrated once; dynamic: each batch's own range; "
                          "weight-only: activations stay float"));
    bar->addWidget(new QLabel(tr(" Weights ")));
    bar->addWidget(m_weightSpec);
    bar->addWidget(new QLabel(tr("  Activations ")));
    bar->addWidget(m_activationSpec);
    bar->addWidget(new QLabel(tr("  Mode ")));
    bar->addWidget(m_mode);
    bar->addSeparator();
    m_runTrial = bar->addAction(tr("Run Trial"), this, &MainWindow::runTrial);
    m_runTrial->setShortcut(QKeySequence(tr("Ctrl+R")));
    m_runTrial->setToolTip(tr("Quantize the model with these settings and evaluate it (Ctrl+R)"));
    m_runTrial->setEnabled(false);
    QAction* sensitivity = bar->addAction(tr("Sensitivity"), this, &MainWindow::runSensitivity);
    sensitivity->setToolTip(tr("Quantize one layer at a time with these settings (and every layer but one) to see "
                               "which layers need more bits"));
    QAction* methods = bar->addAction(tr("Choose Ranges"), this, &MainWindow::chooseRangeMethods);
    methods->setToolTip(tr("For each layer, pick the activation range method (min-max, histogram, percentile, MSE, "
                           "entropy) with the lowest error at its output, on calibration data"));
    QAction* search = bar->addAction(tr("Search"), this, &MainWindow::runSearch);
    search->setShortcut(QKeySequence(tr("Ctrl+F5")));
    search->setToolTip(tr("Find the smallest model within the search budget (Search Settings in the Trial menu): "
                          "per-layer weight bits, guided by sensitivity"));
    m_modelActions = {m_runTrial, sensitivity, methods, search};
    for (QAction* a : m_modelActions)
        a->setEnabled(false);
}

void MainWindow::showTrialResult(const TrialResult& r, const QString& settings)
{
    m_trial = r;
    m_hasTrial = true;
    m_layers->setTrial(m_trial);
    for (int c = LayerTableModel::WeightSqnrColumn; c <= LayerTableModel::OutputSqnrColumn; ++c) {
        m_table->setColumnHidden(c, false);
        m_table->resizeColumnToContents(c);
    }
    QStringList names;
    const QVector<ErrorSeries> series = trialErrorSeries(m_trial, &names);
    m_errorPlot->setData(names, series);
    const QLocale locale;
    std::shared_ptr<const Dataset> data = m_data;
    m_disagreements->setData(r.disagreements, m_data ? m_data->classNames() : QStringList(),
                             [data](qint64 i) { return data ? data->sampleImage(i) : QImage(); });
    const qint64 window = m_data && m_data->isTokenWindows() ? m_data->sampleShape().value(0) : 0;
    m_disagreementSummary->setText(
        r.evaluationSamples == 0 || (r.disagreements.isEmpty() && r.disagreementCount == 0 && r.layers.isEmpty())
            ? QString()
        : r.metric == Metric::Perplexity
            ? tr("<b>%1</b> of %2 next-token predictions (%3%) changed under quantization. Token windows are not "
                 "shown as pictures; this view is for image classifiers.")
                  .arg(locale.toString(r.disagreementCount), locale.toString(r.evaluationSamples * qMax<qint64>(1, window - 1)),
                       locale.toString(100.0 * double(r.disagreementCount) /
                                           double(r.evaluationSamples * qMax<qint64>(1, window - 1)),
                                       'f', 2))
        : r.disagreementCount > 0
            ? tr("<b>%1</b> of %2 inputs (%3%) changed their top-1 under quantization%4. Red: the float model was "
                 "right and the quantized one is not.")
                  .arg(locale.toString(r.disagreementCount), locale.toString(r.evaluationSamples),
                       locale.toString(100.0 * double(r.disagreementCount) / double(r.evaluationSamples), 'f', 2),
                       r.disagreementCount > r.disagreements.size() ? tr("; the first %1 are shown").arg(r.disagreements.size())
                                                                    : QString())
            : tr("No input changed its top-1 under quantization (of %1), or this trial came from the history: "
                 "run it again to see its disagreements.")
                  .arg(locale.toString(r.evaluationSamples)));
    m_trialSummary->setText(
        tr("<b>Trial</b> (%1): %2 <b>%3</b> (float %4, <b>%5</b>)%6 · output SQNR %7 dB · "
           "size %8 bytes, <b>%9×</b> smaller · %10 s%11")
            .arg(settings.toHtmlEscaped())
            .arg(metricName(r.metric))
            .arg(formatScore(r.metric, r.score()))
            .arg(formatScore(r.metric, r.floatScore()))
            .arg(formatChange(r.metric, r.score() - r.floatScore()))
            .arg(r.metric == Metric::Perplexity
                     ? tr(" · next-token top-1 %1%").arg(locale.toString(100 * r.top1, 'f', 2))
                     : QString())
            .arg(dB(r.outputSqnr))
            .arg(locale.toString(r.sizeBytes))
            .arg(locale.toString(r.compression(), 'f', 2))
            .arg(locale.toString(r.seconds, 'f', 1))
            .arg(r.warnings.isEmpty() ? QString()
                                      : QStringLiteral("<br><i>%1</i>").arg(r.warnings.join(QStringLiteral("; ")).toHtmlEscaped())));
    m_trialSummary->show();
    m_stage->setText(tr("Trial done"));
    m_weightQuantized->setEnabled(true);
    m_activationQuantized->setEnabled(true);
    showLayer(currentLayer());
}

void MainWindow::reloadHistory()
{
    if (!m_model)
        return;
    try {
        Store store(m_databasePath); // the GUI thread's own connection
        m_history->setTrials(store.trials(m_model->sha256()));
    } catch (const EngineError& e) {
        m_history->setTrials({});
        m_stage->setText(tr("Trial history unavailable: %1").arg(e.message()));
    }
    m_trialPoints.clear();
    const QString data = m_dataSpec.toString();
    for (const StoredTrial& t : m_history->trials())
        if (t.origin != QLatin1String("sensitivity") && t.dataSpec == data) // sensitivity trials: in their own chart
            m_trialPoints << trialPoint(t);
    showTrialPoints();
    m_historyTable->resizeColumnsToContents();
}

void MainWindow::showTrialPoints()
{
    setPlotMetric(*m_paretoPlot, m_report.metric);
    m_tabs->setTabText(m_tabs->indexOf(m_paretoPlot),
                       m_report.metric == Metric::Perplexity ? tr("Perplexity vs size") : tr("Accuracy vs size"));
    m_paretoPlot->setData(m_trialPoints, 4.0 * double(m_report.parameterCount), m_report.floatScore());
}

void MainWindow::appendRecordedTrial(qint64 id)
{
    try {
        const StoredTrial t = Store(m_databasePath).trial(id);
        m_history->appendTrial(t);
        if (t.origin != QLatin1String("sensitivity") && t.dataSpec == m_dataSpec.toString()) {
            m_trialPoints << trialPoint(t);
            showTrialPoints();
        }
    } catch (const EngineError& e) {
        m_stage->setText(tr("Trial history unavailable: %1").arg(e.message()));
    }
}

void MainWindow::previewEditedWeights()
{
    if (m_loadingTrial)
        return; // a stored trial's settings, already measured
    // Each edited weight setting gets its SQNR, grid and quantized values from the real weight
    // on the engine thread, queued behind any running job, without a trial.
    const auto overrides = m_layers->overrides();
    for (int row = 0; row < m_report.layers.size(); ++row) {
        const QString name = m_report.layers[row].layer.name;
        const auto it = overrides.constFind(name);
        if (it == overrides.cend() || !it->hasWeight) {
            m_previews.remove(name);
            continue;
        }
        const QuantSpec spec = it->weight;
        std::shared_ptr<Model> model = m_model;
        std::function<LayerTrialResult(const JobControl&)> job = [model, row, spec](const JobControl&) {
            return previewWeight(*model, row, spec);
        };
        m_jobs->queue<LayerTrialResult>(
            job,
            [this, name, spec, model](LayerTrialResult r) {
                const auto now = m_layers->overrides().constFind(name);
                if (model != m_model || now == m_layers->overrides().cend() || !now->hasWeight ||
                    now->weight.toString() != spec.toString())
                    return; // edited again or another model since: a newer preview is on its way
                m_previews[name] = r;
                m_layers->setPreviews(m_previews);
                showLayer(currentLayer());
            },
            [this](ErrorKind, const QString& message) { m_stage->setText(message); });
    }
    m_layers->setPreviews(m_previews);
    if (!overrides.isEmpty())
        m_table->setColumnHidden(LayerTableModel::WeightSqnrColumn, false);
    showLayer(currentLayer());
}

QList<qint64> MainWindow::selectedTrials() const
{
    QList<qint64> ids;
    for (const QModelIndex& i : m_historyTable->selectionModel()->selectedRows())
        ids << i.data(HistoryModel::IdRole).toLongLong();
    return ids;
}

void MainWindow::createHistoryActions()
{
    m_historyTable->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto add = [this](const QString& text, const QKeySequence& key, auto&& fn) {
        auto* a = new QAction(text, m_historyTable);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetShortcut);
        connect(a, &QAction::triggered, this, fn);
        m_historyTable->addAction(a);
    };
    add(tr("Show Trial"), QKeySequence(), [this] {
        if (const auto ids = selectedTrials(); ids.size() == 1)
            showStoredTrial(ids.first());
    });
    add(tr("Compare Two Selected Trials"), QKeySequence(tr("Ctrl+K")), [this] {
        const auto ids = selectedTrials();
        if (ids.size() != 2) {
            m_stage->setText(tr("Select two trials to compare"));
            return;
        }
        compareTrials(std::min(ids[0], ids[1]), std::max(ids[0], ids[1]));
    });
    add(tr("Rename…"), QKeySequence(Qt::Key_F2), [this] {
        const auto ids = selectedTrials();
        if (ids.size() != 1)
            return;
        bool ok = false;
        const int row = m_history->rowOf(ids.first());
        const QString name = QInputDialog::getText(this, tr("Rename Trial"), tr("Name:"), QLineEdit::Normal,
                                                   m_history->trials().value(row).name, &ok);
        if (ok)
            renameTrial(ids.first(), name);
    });
    add(tr("Edit Note…"), QKeySequence(), [this] {
        const auto ids = selectedTrials();
        if (ids.size() != 1)
            return;
        bool ok = false;
        const int row = m_history->rowOf(ids.first());
        const QString note = QInputDialog::getMultiLineText(this, tr("Trial Note"), tr("Note:"),
                                                            m_history->trials().value(row).note, &ok);
        if (ok)
            setTrialNote(ids.first(), note);
    });
    add(tr("Delete…"), QKeySequence(QKeySequence::Delete), [this] {
        const auto ids = selectedTrials();
        if (ids.isEmpty())
            return;
        if (QMessageBox::question(this, tr("Delete Trials"),
                                  tr("Delete %n trial(s) from the trial database? This cannot be undone.", nullptr,
                                     int(ids.size()))) != QMessageBox::Yes)
            return;
        for (qint64 id : ids)
            deleteTrial(id);
    });
}

QDialog* MainWindow::compareTrials(qint64 a, qint64 b)
{
    try {
        Store store(m_databasePath);
        auto* dialog = new CompareDialog(store.trial(a), store.trial(b), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        return dialog;
    } catch (const EngineError& e) {
        showError(tr("Cannot compare trials"), e.message());
        return nullptr;
    }
}

void MainWindow::renameTrial(qint64 id, const QString& name)
{
    try {
        Store(m_databasePath).rename(id, name);
    } catch (const EngineError& e) {
        showError(tr("Cannot rename trial %1").arg(id), e.message());
    }
    reloadHistory();
}

void MainWindow::setTrialNote(qint64 id, const QString& note)
{
    try {
        Store(m_databasePath).setNote(id, note);
    } catch (const EngineError& e) {
        showError(tr("Cannot change the note of trial %1").arg(id), e.message());
    }
    reloadHistory();
}

void MainWindow::deleteTrial(qint64 id)
{
    try {
        Store(m_databasePath).remove(id);
        if (id == m_trialId) { // its results stay on screen, but it can no longer be exported
            m_trialId = 0;
            m_trialSummary->setText(m_trialSummary->text() + tr(" · <i>deleted from the history</i>"));
        }
    } catch (const EngineError& e) {
        showError(tr("Cannot delete trial %1").arg(id), e.message());
    }
    reloadHistory();
}

void MainWindow::showStoredTrial(qint64 id)
{
    try {
        Store store(m_databasePath);
        const StoredTrial t = store.trial(id);
        if (t.result.layers.size() != m_report.layers.size() || t.modelSha256 != m_model->sha256()) {
            m_stage->setText(tr("Trial %1 is of another model").arg(id));
            return;
        }
        const QuantConfig config = QuantConfig::fromJson(t.config, tr("trial %1").arg(id));
        setTrialSettings(config.weight.toString(), config.activation.toString(), trialModeName(config.mode));
        m_loadingTrial = true; // its per-layer settings go into the table as they were
        m_layers->setOverrides(config.layers);
        m_loadingTrial = false;
        m_previews.clear();
        m_layers->setPreviews(m_previews);
        showTrialResult(t.result, tr("#%1 %2").arg(id).arg(t.name));
        m_trialConfig = config;
        m_trialId = id;
        m_trialTitle = t.name.isEmpty() ? tr("trial %1 of %2").arg(id).arg(t.modelName)
                                        : tr("trial %1 (%2) of %3").arg(id).arg(t.name, t.modelName);
        m_paretoPlot->setSelected(id);
        const int row = m_history->rowOf(id);
        if (row >= 0)
            m_historyTable->selectRow(m_historyProxy->mapFromSource(m_history->index(row, 0)).row());
    } catch (const EngineError& e) {
        showError(tr("Cannot show trial %1").arg(id), e.message());
    }
}

QString MainWindow::summaryText() const
{
    return m_summary->text();
}

QString MainWindow::trialSummaryText() const
{
    return m_trialSummary->text();
}

QStringList MainWindow::trialSettings() const
{
    return {m_weightSpec->currentText(), m_activationSpec->currentText(), m_mode->currentText()};
}

void MainWindow::setTrialSettings(const QString& weights, const QString& activations, const QString& mode)
{
    m_weightSpec->setCurrentText(weights);
    m_activationSpec->setCurrentText(activations);
    m_mode->setCurrentText(mode);
}

std::optional<QuantConfig> MainWindow::currentConfig(const QString& action)
{
    QuantConfig config;
    try {
        config.weight = QuantSpec::parse(m_weightSpec->currentText());
        config.activation = QuantSpec::parse(m_activationSpec->currentText());
    } catch (const EngineError& e) {
        showError(tr("Cannot %1").arg(action), e.message());
        Q_EMIT jobFailed(e.message());
        return std::nullopt;
    }
    config.layers = m_layers->overrides();
    const QString mode = m_mode->currentText();
    config.mode = mode == QLatin1String("dynamic")       ? TrialMode::Dynamic
                  : mode == QLatin1String("weight-only") ? TrialMode::WeightOnly
                                                         : TrialMode::Static;
    return config;
}

namespace {

/// The engine thread's own connection to the trial database. A database that cannot take
/// trials does not cost the user the results: they are shown, with `problem` as a warning.
std::unique_ptr<Store> openEngineStore(const QString& path, QString* problem)
{
    try {
        return std::make_unique<Store>(path);
    } catch (const EngineError& e) {
        *problem = e.message();
        return nullptr;
    }
}

} // namespace

TrialSink MainWindow::recordingSink(Store* store, const JobControl& control, QString* problem, const Recording& where)
{
    // Runs on the engine thread: reads nothing of the window; it only posts back to it.
    const QString sha = where.sha256, modelName = where.modelName, dataSpec = where.dataSpec;
    return [=, &control](const QuantConfig& config, const TrialResult& r, const QString& name, const QString& origin) -> qint64 {
        qint64 id = 0;
        if (store) {
            try {
                id = store->addTrial(sha, modelName, dataSpec, config, r, origin, name);
            } catch (const EngineError& e) {
                *problem = e.message();
            }
        }
        if (control.post) {
            const double drop = r.loss();
            control.post([this, id, origin, drop] { searchTrialRecorded(id, origin, drop); });
        }
        return id;
    };
}

void MainWindow::jobError(const QString& title, ErrorKind kind, const QString& message)
{
    if (kind == ErrorKind::Cancelled) {
        m_stage->setText(tr("%1: cancelled; the trials evaluated so far are in the history").arg(title));
        return;
    }
    showError(title, message);
    Q_EMIT jobFailed(message);
}

void MainWindow::runTrial()
{
    if (!m_runner)
        return;
    const std::optional<QuantConfig> current = currentConfig(tr("run the trial"));
    if (!current) {
        Q_EMIT trialFailed(m_stage->text()); // the message showError put there
        return;
    }
    const QuantConfig config = *current;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QString database = m_databasePath, sha = m_model->sha256(), modelName = m_model->displayName();
    const QString dataSpec = m_dataSpec.toString();
    std::function<TrialResult(const JobControl&)> job = [=](const JobControl& control) {
        QString problem;
        std::unique_ptr<Store> store = openEngineStore(database, &problem);
        std::unique_ptr<StoreCalibrationCache> cache;
        if (store)
            cache = std::make_unique<StoreCalibrationCache>(*store, sha, modelName, dataSpec);
        TrialResult r = runner->run(config, control, cache.get());
        try {
            if (store)
                store->addTrial(sha, modelName, dataSpec, config, r, QStringLiteral("manual"));
        } catch (const EngineError& e) {
            problem = e.message();
        }
        if (!problem.isEmpty())
            r.warnings << QStringLiteral("not recorded: %1").arg(problem);
        return r;
    };
    m_jobs->start<TrialResult>(
        tr("Trial: weights %1, activations %2").arg(config.weight.toString(), config.activation.toString()), job,
        [this, config](TrialResult r) {
            m_trialConfig = config;
            m_trialTitle = tr("trial with weights %1, activations %2").arg(config.weight.toString(), config.activation.toString());
            m_previews.clear(); // the trial has measured the edited settings
            m_layers->setPreviews(m_previews);
            showTrialResult(r, m_weightSpec->currentText() + QStringLiteral(" / ") + m_activationSpec->currentText() +
                                   QStringLiteral(" / ") + m_mode->currentText());
            reloadHistory();
            m_trialId = 0;
            if (!m_history->trials().isEmpty() && !r.warnings.join(QString()).contains(QLatin1String("not recorded"))) {
                m_trialId = m_history->trials().last().id;
                m_paretoPlot->setSelected(m_trialId);
            }
            Q_EMIT trialFinished();
        },
        [this](ErrorKind kind, const QString& message) {
            if (kind == ErrorKind::Cancelled) {
                m_stage->setText(tr("Trial cancelled"));
                return;
            }
            showError(tr("Trial failed"), message);
            Q_EMIT trialFailed(message);
        });
}

bool MainWindow::exportTrial(const QString& format, const QString& path)
{
    if (!m_hasTrial) {
        showError(tr("Nothing to export"), tr("Run a trial, or pick one in the history, first."));
        return false;
    }
    ExportSource source;
    source.title = m_trialTitle;
    source.dataSpec = m_dataSpec.toString();
    source.config = m_trialConfig;
    source.result = m_trial;
    if (format == QLatin1String("int8")) { // measured and saved by the int8 job
        runInt8(path);
        return true;
    }
    if (format == QLatin1String("torchscript")) {
        // The model is the engine thread's: bake it there, after any running job.
        std::shared_ptr<Model> model = m_model;
        const QuantConfig config = m_trialConfig;
        const TrialResult result = m_trial;
        std::function<bool(const JobControl&)> job = [model, config, result, path](const JobControl&) {
            writeFileAtomically(path, bakedTorchScript(*model, config, result));
            return true;
        };
        m_jobs->queue<bool>(
            job,
            [this, path](bool) {
                m_stage->setText(tr("Exported %1 as TorchScript to %2").arg(m_trialTitle, QDir::toNativeSeparators(path)));
                Q_EMIT exportFinished(path, true);
            },
            [this, path](ErrorKind, const QString& message) {
                showError(tr("Cannot export"), message);
                Q_EMIT exportFinished(path, false);
            });
        return true;
    }
    try {
        QByteArray bytes;
        if (format == QLatin1String("report")) {
            if (m_trialId <= 0)
                throw EngineError(ErrorKind::BadInput, tr("the trial shown is not in the trial database; a report needs a recorded trial"));
            ReportInput input;
            input.trial = Store(m_databasePath, Store::Access::ReadOnly).trial(m_trialId);
            for (const StoredTrial& t : m_history->trials())
                if (t.dataSpec == input.trial.dataSpec)
                    input.trials << t;
            input.profile = m_report;
            bytes = trialReportHtml(input);
        } else {
            bytes = format == QLatin1String("json")     ? m_trialConfig.toJson()
                    : format == QLatin1String("python") ? pythonScript(source)
                                                        : layerCsv(m_trial);
        }
        writeFileAtomically(path, bytes);
    } catch (const EngineError& e) {
        showError(tr("Cannot export"), e.message());
        return false;
    }
    m_stage->setText(tr("Exported %1 to %2").arg(m_trialTitle, QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::exportTrialWithDialog(const QString& format)
{
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("files/exportDir"), QDir::homePath()).toString();
    const QString suffix = format == QLatin1String("python")        ? QStringLiteral("py")
                           : format == QLatin1String("torchscript") || format == QLatin1String("int8") ? QStringLiteral("pt")
                           : format == QLatin1String("report")      ? QStringLiteral("html")
                                                                    : format;
    const QString filter = format == QLatin1String("json")          ? tr("QuantScope configuration (*.json)")
                           : format == QLatin1String("python")      ? tr("Python script (*.py)")
                           : format == QLatin1String("torchscript") || format == QLatin1String("int8") ? tr("TorchScript model (*.pt)")
                           : format == QLatin1String("report")      ? tr("HTML page (*.html)")
                                                                    : tr("CSV table (*.csv)");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export"), QDir(dir).filePath(QStringLiteral("quantscope-trial.") + suffix), filter);
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("files/exportDir"), QFileInfo(path).absolutePath());
    exportTrial(format, path);
}

bool MainWindow::importConfiguration(const QString& path)
{
    try {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            throw EngineError(ErrorKind::BadInput, tr("cannot open %1: %2").arg(path, f.errorString()));
        const QuantConfig config = QuantConfig::fromJson(f.readAll(), path);
        if (m_model) {
            QStringList names;
            for (const LayerInfo& l : m_model->layers())
                names << l.name;
            config.checkLayers(names, m_model->displayName());
        }
        setTrialSettings(config.weight.toString(), config.activation.toString(), trialModeName(config.mode));
        m_layers->setOverrides(config.layers);
    } catch (const EngineError& e) {
        showError(tr("Cannot import the configuration"), e.message());
        return false;
    }
    m_stage->setText(tr("Imported %1: Run Trial to measure it").arg(QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::runInt8(const QString& savePath)
{
    if (!m_hasTrial || !m_model) {
        showError(tr("No trial to run"), tr("Run a trial, or pick one in the history, first."));
        return;
    }
    std::shared_ptr<Model> model = m_model;
    std::shared_ptr<Dataset> data = m_data;
    const QuantConfig config = m_trialConfig;
    const TrialResult trial = m_trial;
    TrialOptions options;
    options.evaluationLimit = trial.evaluationSamples; // the samples the trial was measured on
    std::function<Int8Result(const JobControl&)> job = [=](const JobControl& control) {
        Int8Result r = buildInt8Model(*model, *data, config, trial, options, control);
        if (!savePath.isEmpty())
            writeFileAtomically(savePath, r.torchscript);
        return r;
    };
    m_jobs->start<Int8Result>(
        tr("int8 kernels: %1").arg(m_trialTitle), job,
        [this, savePath](Int8Result r) {
            m_int8 = r;
            const QLocale locale;
            m_trialSummary->setText(
                m_trialSummary->text() +
                tr("<br><b>int8 kernels</b> (%1, %2 layers%3): top-1 <b>%4%</b> beside fake-quant %5% (%6 points) · "
                   "latency batch 1: int8 %7 ms, float %8 ms · batch 32: int8 %9 ms, float %10 ms")
                    .arg(r.engine)
                    .arg(r.int8Layers)
                    .arg(r.fakeQuantLayers.isEmpty() ? QString() : tr(", %1 fake-quantized").arg(r.fakeQuantLayers.size()))
                    .arg(locale.toString(100 * r.top1, 'f', 2), locale.toString(100 * r.fakeQuantTop1, 'f', 2),
                         locale.toString(100 * (r.top1 - r.fakeQuantTop1), 'f', 2), locale.toString(r.int8Ms1, 'f', 3),
                         locale.toString(r.floatMs1, 'f', 3), locale.toString(r.int8Ms32, 'f', 2))
                    .arg(locale.toString(r.floatMs32, 'f', 2)));
            m_stage->setText(savePath.isEmpty() ? tr("int8 model measured")
                                                : tr("int8 model saved to %1").arg(QDir::toNativeSeparators(savePath)));
            Q_EMIT int8Finished();
        },
        [this](ErrorKind kind, const QString& message) { jobError(tr("int8 kernels"), kind, message); });
}

void MainWindow::searchTrialRecorded(qint64 id, const QString& origin, double drop)
{
    if (id > 0)
        appendRecordedTrial(id); // not the whole history again: a search records hundreds
    // While the search runs, its path is every candidate within the budget (the ones it keeps);
    // at the end the exact path from its result replaces it.
    if (id > 0 && origin == QLatin1String("search") && (m_searchMaxDrop < 0 || drop <= m_searchMaxDrop + 1e-12)) {
        m_searchPath << id;
        m_paretoPlot->setPath(m_searchPath);
    }
    Q_EMIT trialRecorded(id);
}

void MainWindow::runSensitivity()
{
    if (!m_runner)
        return;
    const std::optional<QuantConfig> config = currentConfig(tr("run the sensitivity analysis"));
    if (!config)
        return;
    SensitivityOptions options;
    options.config = *config;
    options.evaluationSamples = m_searchSettings.subsetSamples;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QString database = m_databasePath;
    const Recording where = recording();
    const QString settings = config->weight.toString() + QStringLiteral(" / ") + config->activation.toString();
    std::function<SensitivityResult(const JobControl&)> job = [=](const JobControl& control) {
        QString problem;
        std::unique_ptr<Store> store = openEngineStore(database, &problem);
        return qs::runSensitivity(*runner, options, control, recordingSink(store.get(), control, &problem, where));
    };
    m_tabs->setCurrentWidget(m_paretoPlot);
    m_jobs->start<SensitivityResult>(
        tr("Sensitivity analysis: %1").arg(settings), job,
        [this, settings](SensitivityResult r) {
            showSensitivity(r, settings);
            reloadHistory();
            Q_EMIT sensitivityFinished();
        },
        [this](ErrorKind kind, const QString& message) { jobError(tr("Sensitivity analysis"), kind, message); });
}

void MainWindow::showSensitivity(const SensitivityResult& r, const QString& settings)
{
    m_layers->setSensitivity(r, settings);
    m_table->setColumnHidden(LayerTableModel::SensitivityColumn, false);
    m_table->resizeColumnToContents(LayerTableModel::SensitivityColumn);
    m_sensitivityOrder = r.ranking();
    QStringList names;
    QVector<ErrorSeries> series(r.layers.value(0).hasConverse ? 2 : 1);
    // Bars grow with the harm: top-1 points lost, or perplexity added.
    const bool lm = r.metric == Metric::Perplexity;
    series[0].name = lm ? tr("perplexity added with only this layer quantized")
                        : tr("points lost with only this layer quantized");
    if (series.size() > 1)
        series[1].name = lm ? tr("perplexity taken back by keeping only this layer float")
                            : tr("points won back by keeping only this layer float");
    for (int i : m_sensitivityOrder) {
        const LayerSensitivity& l = r.layers[i];
        names << l.name;
        series[0].values << l.drop;
        if (series.size() > 1)
            series[1].values << r.allDrop - l.converseDrop;
    }
    m_sensitivityPlot->setData(names, series);
    m_tabs->setCurrentWidget(m_sensitivityPlot);
    m_stage->setText(tr("Sensitivity to %1: %2 trials on %3 samples in %4 s; most sensitive: %5")
                         .arg(settings)
                         .arg(r.trials)
                         .arg(QLocale().toString(r.evaluationSamples))
                         .arg(QLocale().toString(r.seconds, 'f', 1))
                         .arg(names.value(0)));
}

void MainWindow::chooseRangeMethods()
{
    if (!m_runner)
        return;
    const std::optional<QuantConfig> config = currentConfig(tr("choose range methods"));
    if (!config)
        return;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QuantConfig c = *config;
    std::function<RangeMethodResult(const JobControl&)> job = [runner, c](const JobControl& control) {
        return qs::chooseRangeMethods(*runner, c,
                                      allRangeMethods(),
                                      control);
    };
    m_jobs->start<RangeMethodResult>(
        tr("Choosing activation range methods"), job,
        [this](RangeMethodResult r) {
            QStringList chosen;
            for (int row = 0; row < r.layers.size(); ++row) {
                const RangeMethodChoice& c = r.layers[row];
                if (!c.chosen)
                    continue;
                m_layers->setSetting({row}, false, r.config.activationFor(c.layer).toString());
                chosen << QStringLiteral("%1 %2").arg(c.layer, rangeMethodName(c.best));
            }
            m_stage->setText(tr("Activation range methods chosen by each layer's output error: %1")
                                 .arg(chosen.join(QStringLiteral(", "))));
            Q_EMIT rangeMethodsChosen();
        },
        [this](ErrorKind kind, const QString& message) { jobError(tr("Choosing range methods"), kind, message); });
}

void MainWindow::setSearchSettings(const SearchSettings& settings)
{
    m_searchSettings = settings;
    QSettings s;
    s.setValue(QStringLiteral("search/maxDropPoints"), settings.maxDropPoints);
    s.setValue(QStringLiteral("search/maxPerplexityRise"), settings.maxPerplexityRise);
    s.setValue(QStringLiteral("search/targetBytes"), settings.targetBytes);
    s.setValue(QStringLiteral("search/bits"), settings.bits);
    s.setValue(QStringLiteral("search/subsetSamples"), settings.subsetSamples);
    s.setValue(QStringLiteral("search/chooseMethods"), settings.chooseMethods);
}

bool MainWindow::editSearchSettings()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Search Settings"));
    auto* form = new QFormLayout(&dialog);
    const SearchSettings current = m_searchSettings;
    // The budget in the model's metric: top-1 points, or perplexity for a language model.
    const bool lm = m_report.metric == Metric::Perplexity;
    const double currentLimit = lm ? current.maxPerplexityRise : current.maxDropPoints;
    auto* limitDrop = new QCheckBox(lm ? tr("Largest perplexity rise") : tr("Largest top-1 drop"));
    auto* drop = new QDoubleSpinBox;
    drop->setRange(0, lm ? 1000 : 100);
    drop->setDecimals(lm ? 3 : 2);
    drop->setSingleStep(lm ? 0.05 : 0.1);
    drop->setSuffix(lm ? tr(" perplexity") : tr(" points"));
    drop->setValue(currentLimit >= 0 ? currentLimit : lm ? 0.1 : 1.0);
    limitDrop->setChecked(currentLimit >= 0);
    form->addRow(limitDrop, drop);
    auto* limitSize = new QCheckBox(tr("Largest model size"));
    auto* size = new QDoubleSpinBox;
    size->setRange(0.1, 1e7);
    size->setDecimals(1);
    size->setSuffix(tr(" KB"));
    size->setValue(current.targetBytes > 0 ? current.targetBytes / 1000.0 : 100.0);
    limitSize->setChecked(current.targetBytes > 0);
    form->addRow(limitSize, size);
    auto* bitsRow = new QWidget;
    auto* bitsLayout = new QHBoxLayout(bitsRow);
    bitsLayout->setContentsMargins(0, 0, 0, 0);
    QList<QPair<QString, QCheckBox*>> bitBoxes;
    const QStringList chosen = current.bits.split(u',');
    for (const QString& b : {QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"), QStringLiteral("6"),
                             QStringLiteral("8"), QStringLiteral("float")}) {
        auto* box = new QCheckBox(b == QLatin1String("float") ? tr("float") : tr("%1-bit").arg(b));
        box->setChecked(chosen.contains(b));
        bitsLayout->addWidget(box);
        bitBoxes << qMakePair(b, box);
    }
    form->addRow(tr("Weight bits to choose from"), bitsRow);
    auto* subset = new QSpinBox;
    subset->setRange(64, 1000000);
    subset->setSingleStep(256);
    subset->setValue(int(current.subsetSamples));
    subset->setSuffix(tr(" samples"));
    subset->setToolTip(tr("Candidates are evaluated on the first samples of the evaluation split; the result is "
                          "confirmed on all of it"));
    form->addRow(tr("Evaluate candidates on"), subset);
    auto* methods = new QCheckBox(tr("Choose each layer's activation range method first"));
    methods->setChecked(current.chooseMethods);
    form->addRow(QString(), methods);
    auto* note = new QLabel(tr("Activations keep the toolbar's setting; a layer at float keeps float inputs."));
    note->setWordWrap(true);
    form->addRow(note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Search"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        QStringList bits;
        for (const auto& [b, box] : bitBoxes)
            if (box->isChecked())
                bits << b;
        QString problem;
        try {
            parseBitChoices(bits.join(u','));
        } catch (const EngineError& e) {
            problem = tr("Pick at least one integer width from 2 to 8.");
        }
        if (!limitDrop->isChecked() && !limitSize->isChecked())
            problem = tr("Set a budget: a largest drop, a largest size, or both.");
        if (!problem.isEmpty()) {
            QMessageBox::warning(&dialog, tr("Search Settings"), problem);
            return;
        }
        SearchSettings s = current;
        (lm ? s.maxPerplexityRise : s.maxDropPoints) = limitDrop->isChecked() ? drop->value() : -1;
        s.targetBytes = limitSize->isChecked() ? qint64(size->value() * 1000) : 0;
        s.bits = bits.join(u',');
        s.subsetSamples = subset->value();
        s.chooseMethods = methods->isChecked();
        setSearchSettings(s);
        dialog.accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    return dialog.exec() == QDialog::Accepted;
}

void MainWindow::runSearch()
{
    if (!m_runner)
        return;
    const std::optional<QuantConfig> config = currentConfig(tr("search"));
    if (!config)
        return;
    SearchOptions options;
    options.base = *config;
    try {
        options.bits = parseBitChoices(m_searchSettings.bits);
    } catch (const EngineError& e) {
        showError(tr("Cannot search"), e.message());
        return;
    }
    const bool lm = m_report.metric == Metric::Perplexity;
    const double limit = lm ? m_searchSettings.maxPerplexityRise : m_searchSettings.maxDropPoints;
    options.maxDrop = limit >= 0 ? limit : -1;
    options.targetBytes = m_searchSettings.targetBytes;
    options.subsetSamples = m_searchSettings.subsetSamples;
    const bool chooseMethods = m_searchSettings.chooseMethods && config->mode == TrialMode::Static;
    std::shared_ptr<TrialRunner> runner = m_runner;
    const QString database = m_databasePath;
    const Recording where = recording();
    std::function<SearchResult(const JobControl&)> job = [=](const JobControl& control) {
        QString problem;
        std::unique_ptr<Store> store = openEngineStore(database, &problem);
        SearchOptions o = options;
        if (chooseMethods)
            o.base = qs::chooseRangeMethods(*runner, o.base,
                                            allRangeMethods(),
                                            JobControl{nullptr, control.cancelled, nullptr})
                         .config;
        SearchResult r = qs::runSearch(*runner, o, control, recordingSink(store.get(), control, &problem, where));
        if (!problem.isEmpty())
            r.summary += QStringLiteral(" (not recorded: %1)").arg(problem);
        return r;
    };
    m_searchPath.clear();
    m_paretoPlot->setPath({});
    m_searchMaxDrop = options.maxDrop;
    m_tabs->setCurrentWidget(m_paretoPlot);
    const QString budget =
        QStringList{options.maxDrop < 0 ? QString()
                    : lm                 ? tr("perplexity at most %1 above float").arg(QLocale().toString(options.maxDrop, 'f', 3))
                                         : tr("at most %1 points lost").arg(QLocale().toString(options.maxDrop, 'f', 2)),
                    options.targetBytes > 0 ? tr("at most %1 bytes").arg(QLocale().toString(options.targetBytes)) : QString()}
            .filter(QRegularExpression(QStringLiteral("."))) // the budgets that are set
            .join(tr(", "));
    m_jobs->start<SearchResult>(
        tr("Search: %1, weight bits %2").arg(budget, m_searchSettings.bits), job,
        [this](SearchResult r) {
            m_search = r;
            m_searchPath.clear();
            for (const SearchStep& s : r.steps)
                if (s.accepted && s.kind != SearchStep::Sensitivity && s.trialId > 0)
                    m_searchPath << s.trialId;
            reloadHistory();
            m_paretoPlot->setPath(m_searchPath);
            if (r.bestTrialId > 0)
                showStoredTrial(r.bestTrialId);
            else
                showTrialResult(r.bestResult, tr("search result"));
            m_trialSummary->setText(tr("<b>Search</b>: %1.<br>").arg(r.summary.toHtmlEscaped()) + m_trialSummary->text());
            m_tabs->setCurrentWidget(m_paretoPlot);
            m_stage->setText(r.withinBudget ? tr("Search done: the best configuration is selected")
                                            : tr("Search done: no configuration met the budget; the closest is selected"));
            Q_EMIT searchFinished();
        },
        [this](ErrorKind kind, const QString& message) {
            reloadHistory();
            jobError(tr("Search"), kind, message);
        });
}

void MainWindow::openModelDialog()
{
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("files/lastDir")).toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open TorchScript Model"), dir,
                                                      tr("TorchScript models (*.pt *.pth *.ts *.zip);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("files/lastDir"), QFileInfo(path).absolutePath());
    openModel(path);
}

int MainWindow::currentLayer() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? m_proxy->mapToSource(current).row() : -1;
}

void MainWindow::showLayer(int row)
{
    if (row < 0 || row >= m_report.layers.size()) {
        m_weightPlot->clear();
        m_channelPlot->clear();
        m_weightChannels->setEnabled(false);
        m_activationPlot->clear();
        m_weightStats->clear();
        m_activationStats->clear();
        return;
    }
    const LayerProfile& p = m_report.layers[row];
    m_weightPlot->setData(toHistogram(p.weight, tr("%1 — weight (%2)").arg(p.layer.name, formatShape(p.layer.weightShape)),
                                      tr("weight value")));
    m_weightStats->setText(statsLine(p.weight));
    const bool trialRow = m_hasTrial && row < m_trial.layers.size();
    // An edited weight setting shows its preview (computed on the engine thread from the weight).
    const auto preview = m_previews.constFind(p.layer.name);
    const bool previewed = preview != m_previews.cend();
    const QParams weightQParams =
        previewed ? preview->weightQParams : (trialRow ? m_trial.layers[row].weightQParams : QParams());
    QuantGrid weightGrid = gridOf(weightQParams, tr("channels or groups"));
    if (previewed && weightGrid.valid)
        weightGrid.caption = tr("edited: ") + weightGrid.caption;
    m_weightPlot->setGrid(weightGrid);
    const bool channels = p.weight.channelMin.size() > 1;
    m_weightChannels->setEnabled(channels);
    if (!channels)
        m_weightChannels->setChecked(false);
    m_channelPlot->setData({p.weight.channelMin, p.weight.channelMax,
                            tr("%1 — weight range per output channel").arg(p.layer.name), weightGrid,
                            weightQParams.scale.size() > 1});
    QVector<QPair<double, double>> quantizedWeights;
    if ((trialRow || previewed) && m_weightQuantized->isChecked()) {
        // Exact: the engine's histogram of the fake-quantized weight; its values sit on few bins.
        const Histogram& h = previewed ? preview->quantizedWeight : m_trial.layers[row].quantizedWeight;
        for (qsizetype i = 0; i < h.counts.size(); ++i)
            if (h.counts[i] > 0)
                quantizedWeights.append({h.lo + (double(i) + 0.5) * h.binWidth(), h.counts[i]});
    }
    m_weightPlot->setQuantized(quantizedWeights);
    if (p.activation.count > 0) {
        m_activationPlot->setData(toHistogram(
            p.activation,
            tr("%1 — input activation (%2 calibration samples)").arg(p.layer.name).arg(m_report.calibrationSamples),
            tr("activation value")));
        m_activationStats->setText(statsLine(p.activation));
        m_activationPlot->setGrid(trialRow ? gridOf(m_trial.layers[row].activationQParams, QString()) : QuantGrid());
        const QParams& aq = trialRow ? m_trial.layers[row].activationQParams : QParams();
        // From the float histogram: each bin's count moves to the level its centre rounds to.
        m_activationPlot->setQuantized(m_activationQuantized->isChecked() && !aq.scale.isEmpty()
                                           ? quantizedCounts({p.activation.histogram.lo, p.activation.histogram.hi,
                                                              p.activation.histogram.counts},
                                                             aq.scale[0], aq.zeroPoint[0], aq.quantMin, aq.quantMax)
                                           : QVector<QPair<double, double>>());
    } else {
        m_activationPlot->clear(p.layer.hasActivationInput ? tr("%1 — no input activations recorded").arg(p.layer.name)
                                                           : tr("%1 — input: token indices, not quantized").arg(p.layer.name));
        m_activationStats->setText(p.layer.hasActivationInput ? tr("No activations recorded")
                                                              : tr("%1 takes indices: no activation to quantize")
                                                                    .arg(p.layer.op));
    }
}

void MainWindow::updateSummary()
{
    if (!m_model) {
        m_summary->setText(tr("<b>No model open.</b> Use File ▸ Open Model… or drop a TorchScript file here."));
        return;
    }
    const QLocale locale;
    QString accuracy = tr("no labels: no accuracy");
    if (m_report.metric == Metric::Perplexity)
        accuracy = tr("token windows: float perplexity <b>%1</b>, next-token top-1 %2% on %3 windows")
                       .arg(formatScore(Metric::Perplexity, m_report.floatPerplexity))
                       .arg(locale.toString(100 * m_report.floatTop1, 'f', 2))
                       .arg(locale.toString(m_report.evaluationSamples));
    else if (m_report.hasAccuracy)
        accuracy = tr("float top-1 <b>%1%</b> on %2 samples")
                       .arg(locale.toString(100 * m_report.floatTop1, 'f', 2))
                       .arg(locale.toString(m_report.evaluationSamples));
    m_summary->setText(tr("<b>%1</b> · %2 parameters · %3 quantizable layers<br>"
                          "Data: %4 · calibration: first %5 %7 · %6")
                           .arg(m_model->displayName().toHtmlEscaped())
                           .arg(locale.toString(m_report.parameterCount))
                           .arg(m_report.layers.size())
                           .arg(m_report.data.toHtmlEscaped())
                           .arg(locale.toString(m_report.calibrationSamples))
                           .arg(accuracy)
                           .arg(m_report.metric == Metric::Perplexity ? tr("windows") : tr("samples")));
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("files/recent")).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > 8)
        recent.removeLast();
    settings.setValue(QStringLiteral("files/recent"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("files/recent")).toStringList();
    for (const QString& path : recent)
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); })
            ->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    if (auto* split = findChild<QSplitter*>(QStringLiteral("mainSplitter")))
        settings.setValue(QStringLiteral("window/splitter"), split->saveState());
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
