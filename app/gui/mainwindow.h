#pragma once
// The main window: menus, the panels' layout and their wiring to the Session. It starts work
// and shows results; the Session runs the jobs and the panels draw.

#include "session.h"
#include "settings.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QLabel;

class QMenu;

namespace qs {

class TrialFiles;

class HistoryPanel;
class JobStatus;
class LayerPanel;
class LayerPlots;
class ResultTabs;
class TrialBar;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Session* session() const { return m_session; }
    TrialBar* trialBar() const { return m_trialBar; }
    LayerPanel* layerPanel() const { return m_layers; }
    LayerPlots* layerPlots() const { return m_plots; }
    ResultTabs* results() const { return m_results; }
    TrialFiles* files() const { return m_files; }
    HistoryPanel* historyPanel() const { return m_historyPanel; }
    /// The trial on screen (not valid before the first one).
    const ShownTrial& shownTrial() const { return m_shown; }
    /// The model summary above the table and the trial summary line, as shown.
    QString summaryText() const;
    QString trialSummaryText() const;

    /// Opens the bundled demo model on the demo data (Fashion-MNIST test set).
    void openDemo();
    /// Opens a TorchScript file on the session's data spec; an empty path means the demo.
    void openModel(const QString& path) { m_session->open(path); }
    /// The toolbar's settings with the table's per-layer overrides, run as one trial.
    void runTrial();
    /// One layer at a time (and all but one) with the toolbar's settings.
    void runSensitivity();
    /// Each layer's activation range method, chosen into the table's activation settings.
    void chooseRangeMethods();
    /// The smallest model within the search settings' budget, from the toolbar's settings.
    void runSearch();
    /// The trial shown on LibTorch's int8 kernels; with a path, the int8 model is saved there.
    void runInt8(const QString& savePath = QString());
    SearchSettings searchSettings() const { return m_searchSettings; }
    /// Sets and keeps (QSettings) the search's budget and bit choices.
    void setSearchSettings(const SearchSettings& settings)
    {
        m_searchSettings = settings;
        settings.save();
    }
    /// Opens Search Settings; true when the user accepted them.
    bool editSearchSettings();
    /// Writes the trial shown in an exportFormats() format. False after showing why it could
    /// not. torchscript is written after any running job (exportFinished tells); int8 runs runInt8.
    bool exportTrial(const QString& format, const QString& path);
    /// Reads a configuration file into the toolbar and the table. False after a dialog.
    bool importConfiguration(const QString& path);
    /// Shows a recorded trial: its settings in the toolbar and table, its errors in the charts.
    void showStoredTrial(qint64 id);

Q_SIGNALS:
    /// The toolbar's or table's settings could not start a job (the message is also in a dialog).
    void settingsRejected(const QString& message);
    void exportFinished(const QString& path, bool ok);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void connectSession();
    void connectPanels();
    void modelOpened(const ProfileReport& report);
    void showTrial(const ShownTrial& trial);
    void sensitivityFinished(const SensitivityResult& r, const QString& settings);
    void searchFinished(const SearchResult& r);
    void trialRecorded(qint64 id, const QString& origin, double loss);
    void trialDeleted(qint64 id);
    void previewEditedWeights();
    /// The toolbar's settings and the table's overrides; nullopt (after a dialog) when a spec is wrong.
    std::optional<QuantConfig> currentConfig(const QString& action);
    void showError(const QString& title, const QString& message);
    void openModelDialog();
    void openDataDialog();
    void rebuildRecentMenu(const QStringList& recent);

    Session* m_session;
    TrialBar* m_trialBar;
    LayerPanel* m_layers;
    LayerPlots* m_plots;
    HistoryPanel* m_historyPanel;
    ResultTabs* m_results;
    JobStatus* m_status;
    TrialFiles* m_files;
    QLabel* m_summary;
    QComboBox* m_output;  ///< which of forward's outputs is scored, when it returns several
    QWidget* m_outputRow;
    QLabel* m_trialSummary;
    QMenu* m_recentMenu = nullptr;
    SearchSettings m_searchSettings;
    ShownTrial m_shown;
    QVector<qint64> m_searchPath;
    double m_searchMaxDrop = -1;          ///< of the running search, in the metric's unit
    bool m_loadingTrial = false;          ///< a stored trial's settings go into the table
    QMap<QString, LayerTrialResult> m_previews; ///< weight previews of edited layers, by name
};

} // namespace qs
