#pragma once
// The main window: wiring between the engine thread, the layer table and the plots.

#include "data.h"
#include "profile.h"
#include "int8.h"
#include "paretoplot.h"
#include "search.h"
#include "trial.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <memory>

class QCheckBox;
class QComboBox;
class QDialog;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace qs {

class ChannelRangePlot;
class DisagreementModel;
class HistogramPlot;
class HistoryModel;
class LayerErrorPlot;
class ParetoPlot;
class JobTracker;
class LayerTableModel;
class Model;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens the bundled demo model on the demo data (Fashion-MNIST test set).
    void openDemo();
    /// Opens a TorchScript file; an empty path means the demo.
    void openModel(const QString& path);
    void setDataSpec(const DataSpec& spec);
    /// Where trials are recorded (default: the per-user trial database).
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    /// Runs a trial with the toolbar's weight, activation and mode settings.
    void runTrial();
    /// Quantizes one layer at a time (and all but one) with the toolbar's settings; the result
    /// fills the Sensitivity tab and the layer table's Sensitivity column.
    void runSensitivity();
    /// For each layer, the activation range method with the lowest error at its output; the
    /// choice goes into the layer table's activation settings.
    void chooseRangeMethods();
    /// The budget and bit choices of the mixed-precision search (kept across sessions).
    struct SearchSettings {
        double maxDropPoints = 1.0;       ///< classifiers, top-1 points; < 0: no limit on the drop
        double maxPerplexityRise = 0.1;   ///< language models; < 0: no limit
        qint64 targetBytes = 0;     ///< 0: no size target
        QString bits = QStringLiteral("2,4,8,float");
        qint64 subsetSamples = 2048;
        bool chooseMethods = false;
    };
    SearchSettings searchSettings() const { return m_searchSettings; }
    void setSearchSettings(const SearchSettings& settings);
    /// Opens the search settings; returns true when the user accepted them.
    bool editSearchSettings();
    /// Finds the smallest model within the budget: toolbar settings as the template, per-layer
    /// weight bits searched; every candidate is recorded and plotted as it is evaluated.
    void runSearch();
    const SearchResult& lastSearch() const { return m_search; }
    /// Runs the trial shown on LibTorch's int8 kernels (W8A8 layers): its accuracy beside the
    /// fake-quantized one, and latency against float; with a path, saves the int8 model there.
    void runInt8(const QString& savePath = QString());
    const Int8Result& lastInt8() const { return m_int8; }
    /// Writes the trial shown as "json" (configuration), "python" (torch.ao.quantization script),
    /// "csv" (per-layer results) or "report" (one-page HTML). Returns false after showing why it
    /// could not. "torchscript" (quantization baked in) is queued on the engine thread, behind any
    /// running job; exportFinished tells when it is written. "int8" runs runInt8(path).
    bool exportTrial(const QString& format, const QString& path);
    /// Reads a configuration file into the toolbar and the table. Returns false after a dialog.
    bool importConfiguration(const QString& path);
    /// Sets the toolbar's settings (shorthand specs, mode "static", "dynamic" or "weight-only").
    void setTrialSettings(const QString& weights, const QString& activations, const QString& mode);

    QTableView* layerTable() const { return m_table; }
    LayerTableModel* layerModel() const { return m_layers; }
    HistogramPlot* weightPlot() const { return m_weightPlot; }
    ChannelRangePlot* channelPlot() const { return m_channelPlot; }
    HistogramPlot* activationPlot() const { return m_activationPlot; }
    LayerErrorPlot* errorPlot() const { return m_errorPlot; }
    LayerErrorPlot* sensitivityPlot() const { return m_sensitivityPlot; }
    QTabWidget* tabs() const { return m_tabs; }
    DisagreementModel* disagreements() const { return m_disagreements; }
    ParetoPlot* paretoPlot() const { return m_paretoPlot; }
    QTableView* historyTable() const { return m_historyTable; }
    QLineEdit* historyFilter() const { return m_historyFilter; }
    /// Shows a recorded trial: its settings in the toolbar, its errors in the table and charts.
    void showStoredTrial(qint64 id);
    /// Opens the compare view of two recorded trials (non-modal); returns it.
    QDialog* compareTrials(qint64 a, qint64 b);
    void renameTrial(qint64 id, const QString& name);
    void setTrialNote(qint64 id, const QString& note);
    /// Deletes a trial from the database after the user confirmed.
    void deleteTrial(qint64 id);
    JobTracker* jobs() const { return m_jobs; }
    const ProfileReport& report() const { return m_report; }
    const TrialResult& trial() const { return m_trial; }
    /// The model summary above the table and the last trial's summary line, as shown.
    QString summaryText() const;
    QString trialSummaryText() const;
    /// The toolbar's weight spec, activation spec and mode.
    QStringList trialSettings() const;

Q_SIGNALS:
    void modelOpened();
    void openFailed(const QString& message);
    void trialFinished();
    void trialFailed(const QString& message);
    void sensitivityFinished();
    void rangeMethodsChosen();
    void searchFinished();
    /// A trial of a running sensitivity analysis or search was recorded (and plotted).
    void trialRecorded(qint64 id);
    void exportFinished(const QString& path, bool ok);
    void int8Finished();
    void jobFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void exportTrialWithDialog(const QString& format);
    void createTrialBar();
    void showError(const QString& title, const QString& message);
    void reloadHistory();
    void previewEditedWeights();
    void createHistoryActions();
    QList<qint64> selectedTrials() const;
    void showTrialResult(const TrialResult& r, const QString& settings);
    /// The toolbar's settings and the table's overrides; nullopt (after a dialog) when a spec is wrong.
    std::optional<QuantConfig> currentConfig(const QString& action);
    /// What trials of the open model and data are recorded under.
    struct Recording {
        QString sha256, modelName, dataSpec;
    };
    Recording recording() const { return {m_model->sha256(), m_model->displayName(), m_dataSpec.toString()}; }
    /// A sink for the engine thread that records trials and tells this window about each one.
    TrialSink recordingSink(class Store* store, const JobControl& control, QString* problem, const Recording& where);
    void searchTrialRecorded(qint64 id, const QString& origin, double drop);
    /// Adds one recorded trial to the history and the size plot, without reading the others again.
    void appendRecordedTrial(qint64 id);
    /// Redraws the size plot from m_trialPoints.
    void showTrialPoints();
    void showSensitivity(const SensitivityResult& r, const QString& settings);
    void jobError(const QString& title, ErrorKind kind, const QString& message);
    void openModelDialog();
    void showLayer(int row);
    int currentLayer() const;
    void updateSummary();
    void addRecent(const QString& path);
    void rebuildRecentMenu();

    JobTracker* m_jobs;
    LayerTableModel* m_layers;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
    QLabel* m_summary;
    QLabel* m_trialSummary;
    LayerErrorPlot* m_errorPlot;
    LayerErrorPlot* m_sensitivityPlot;
    DisagreementModel* m_disagreements;
    QLabel* m_disagreementSummary;
    QVector<int> m_sensitivityOrder; ///< layer index of each bar of the sensitivity chart
    ParetoPlot* m_paretoPlot;
    QVector<TrialPoint> m_trialPoints; ///< the size plot's points: this model's trials on this data
    HistoryModel* m_history;
    QSortFilterProxyModel* m_historyProxy;
    QTableView* m_historyTable;
    QLineEdit* m_historyFilter;
    QTabWidget* m_tabs;
    QComboBox* m_weightSpec = nullptr;
    QComboBox* m_activationSpec = nullptr;
    QComboBox* m_mode = nullptr;
    QAction* m_runTrial = nullptr;
    QList<QAction*> m_modelActions; ///< enabled while a model is open
    HistogramPlot* m_weightPlot;
    ChannelRangePlot* m_channelPlot;
    QStackedWidget* m_weightStack;
    QCheckBox* m_weightChannels;
    HistogramPlot* m_activationPlot;
    QLabel* m_weightStats;
    QLabel* m_activationStats;
    QCheckBox* m_weightLog;
    QCheckBox* m_activationLog;
    QCheckBox* m_weightQuantized;
    QCheckBox* m_activationQuantized;
    QLabel* m_stage;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QMenu* m_recentMenu = nullptr;
    QElapsedTimer m_jobClock;
    SearchSettings m_searchSettings;
    SearchResult m_search;
    Int8Result m_int8;
    QVector<qint64> m_searchPath;
    double m_searchMaxDrop = -1; ///< of the running search, as a fraction

    DataSpec m_dataSpec;
    std::shared_ptr<Model> m_model;
    std::shared_ptr<Dataset> m_data;
    ProfileReport m_report;
    std::shared_ptr<TrialRunner> m_runner;
    TrialResult m_trial;
    QuantConfig m_trialConfig; ///< the settings of the trial shown
    QString m_trialTitle;      ///< e.g. "trial 12 (search result …)"
    qint64 m_trialId = 0;      ///< its id in the trial database; 0 when it was not recorded
    bool m_hasTrial = false;
    QString m_modelPath; ///< empty for the demo
    QString m_databasePath;
    bool m_bulkEditing = false;
    bool m_loadingTrial = false;
    QMap<QString, LayerTrialResult> m_previews; ///< weight previews of edited layers, by name
};

} // namespace qs
