#pragma once
// Two recorded trials side by side, layer by layer, with the differences highlighted.

#include "store.h"

#include <QAbstractTableModel>
#include <QDialog>

class QTableView;

namespace qs {

class CompareModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { LayerColumn, WeightsA, WeightsB, ActivationsA, ActivationsB, OutputSqnrA, OutputSqnrB, NUM_COLUMNS };
    enum Roles { DiffersRole = Qt::UserRole };
    CompareModel(const StoredTrial& a, const StoredTrial& b, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    /// Layers whose settings differ between the two trials.
    int differingLayers() const;

private:
    bool differs(int row) const;
    StoredTrial m_a, m_b;
};

class LayerErrorPlot;

class CompareDialog : public QDialog
{
    Q_OBJECT
public:
    CompareDialog(const StoredTrial& a, const StoredTrial& b, QWidget* parent = nullptr);
    CompareModel* model() const { return m_model; }
    LayerErrorPlot* errorPlot() const { return m_plot; }

private:
    CompareModel* m_model;
    LayerErrorPlot* m_plot;
};

} // namespace qs
