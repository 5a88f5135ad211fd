#pragma once
// The main window: wiring between the engine thread, the layer table and the plots.

#include "data.h"
#include "profile.h"
#include "trial.h"

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
class QTabWidget;
class QTableView;

namespace qs {

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
    /// Sets the toolbar's settings (shorthand specs, mode "static", "dynamic" or "weight-only").
    void setTrialSettings(const QString& weights, const QString& activations, const QString& mode);

    QTableView* layerTable() const { return m_table; }
    LayerTableModel* layerModel() const { return m_layers; }
    HistogramPlot* weightPlot() const { return m_weightPlot; }
    HistogramPlot* activationPlot() const { return m_activationPlot; }
    LayerErrorPlot* errorPlot() const { return m_errorPlot; }
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

Q_SIGNALS:
    void modelOpened();
    void openFailed(const QString& message);
    void trialFinished();
    void trialFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void createTrialBar();
    void showError(const QString& title, const QString& message);
    void reloadHistory();
    void previewEditedWeights();
    void createHistoryActions();
    QList<qint64> selectedTrials() const;
    void showTrialResult(const TrialResult& r, const QString& settings);
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
    ParetoPlot* m_paretoPlot;
    HistoryModel* m_history;
    QSortFilterProxyModel* m_historyProxy;
    QTableView* m_historyTable;
    QLineEdit* m_historyFilter;
    QTabWidget* m_tabs;
    QComboBox* m_weightSpec = nullptr;
    QComboBox* m_activationSpec = nullptr;
    QComboBox* m_mode = nullptr;
    QAction* m_runTrial = nullptr;
    HistogramPlot* m_weightPlot;
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

    DataSpec m_dataSpec;
    std::shared_ptr<Model> m_model;
    std::shared_ptr<Dataset> m_data;
    ProfileReport m_report;
    std::shared_ptr<TrialRunner> m_runner;
    TrialResult m_trial;
    bool m_hasTrial = false;
    QString m_modelPath; ///< empty for the demo
    QString m_databasePath;
    bool m_bulkEditing = false;
    bool m_loadingTrial = false;
    QMap<QString, LayerTrialResult> m_previews; ///< weight previews of edited layers, by name
};

} // namespace qs
