#pragma once
// The main window: wiring between the engine thread, the layer table and the plots.

#include "data.h"
#include "profile.h"

#include <QMainWindow>

#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace qs {

class HistogramPlot;
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

    QTableView* layerTable() const { return m_table; }
    HistogramPlot* weightPlot() const { return m_weightPlot; }
    HistogramPlot* activationPlot() const { return m_activationPlot; }
    JobTracker* jobs() const { return m_jobs; }
    const ProfileReport& report() const { return m_report; }

Q_SIGNALS:
    void modelOpened();
    void openFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void openModelDialog();
    void showLayer(int row);
    void updateSummary();
    void addRecent(const QString& path);
    void rebuildRecentMenu();

    JobTracker* m_jobs;
    LayerTableModel* m_layers;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
    QLabel* m_summary;
    HistogramPlot* m_weightPlot;
    HistogramPlot* m_activationPlot;
    QLabel* m_weightStats;
    QLabel* m_activationStats;
    QCheckBox* m_weightLog;
    QCheckBox* m_activationLog;
    QLabel* m_stage;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QMenu* m_recentMenu = nullptr;

    DataSpec m_dataSpec;
    std::shared_ptr<Model> m_model;
    std::shared_ptr<Dataset> m_data;
    ProfileReport m_report;
    QString m_modelPath; ///< empty for the demo
};

} // namespace qs
