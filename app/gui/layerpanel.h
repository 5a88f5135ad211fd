#pragma once
// The layer panel: a filter and the layer table (sortable, per-layer settings editable one row
// or many at a time, trial and sensitivity columns shown once there is something in them).

#include "latency.h"
#include "profile.h"
#include "search.h"
#include "trial.h"

#include <QSet>
#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace qs {

class LayerTableModel;

class LayerPanel : public QWidget
{
    Q_OBJECT
public:
    explicit LayerPanel(QWidget* parent = nullptr);
    LayerTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    /// A new model's profile: trial and sensitivity columns hidden until they have values.
    void setProfile(const ProfileReport& report);
    void setTrial(const TrialResult& trial);
    void setSensitivity(const SensitivityResult& result, const QString& settings);
    /// Time profiles (Session::latencyMeasured) in the Float ms / Int8 ms columns.
    void setLatency(const QVector<LatencyProfile>& profiles, const QString& int8Problem);
    /// Shows the weight-SQNR column (previews of edited settings fill it before a trial).
    void showWeightSqnr();
    /// Sets each chosen range method in its layer's activation setting; returns "layer method"
    /// for each.
    QStringList applyRangeMethods(const RangeMethodResult& r);
    /// The selected layer's row in model order, or -1.
    int currentLayer() const;
    /// Selects a layer by its row in model order.
    void selectLayer(int row);
    /// Selects the table's first row as sorted (with no rows, currentLayerChanged(-1)).
    void selectFirst();
    void focusFilter();
    /// The table's column order, widths and hidden columns, as the user left them (QSettings).
    void saveColumns() const;

Q_SIGNALS:
    /// The selected layer changed (row in model order, -1 for none).
    void currentLayerChanged(int row);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void copyEditToSelection(const QModelIndex& edited);
    void setUpColumns();
    void showColumnMenu(const QPoint& at);
    void placeFrozenColumn();
    /// Shows a column that has values now, unless the user hid it.
    void showColumn(int column);
    LayerTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QTableView* m_frozen; ///< the Layer column, drawn over the table's so that it never scrolls away
    QLineEdit* m_filter;
    bool m_bulkEditing = false;
    QSet<int> m_userHidden; ///< columns hidden from the header's menu
};

} // namespace qs
