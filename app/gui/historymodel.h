#pragma once
// The trial history table: one row per recorded trial of the open model.

#include "store.h"

#include <QAbstractTableModel>

namespace qs {

class HistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    /// The figures first, so that a 1280-wide window shows them; settings and names after.
    enum Columns { IdColumn, Top1Column, ChangeColumn, SizeColumn, CompressionColumn, SamplesColumn, WeightsColumn,
                   ActivationsColumn, ModeColumn, DataColumn, Int8MsColumn, NameColumn, WhenColumn, NUM_COLUMNS };
    enum Roles { SortRole = Qt::UserRole, IdRole };

    explicit HistoryModel(QObject* parent = nullptr);
    void setTrials(const QVector<StoredTrial>& trials);
    /// The open model's layer count, to describe a row's per-layer settings.
    void setLayerCount(int layers) { m_layerCount = layers; }
    /// One more trial at the end (a search's trials arrive one by one).
    void appendTrial(const StoredTrial& trial);
    const QVector<StoredTrial>& trials() const { return m_trials; }
    /// Row of a trial id, or -1.
    int rowOf(qint64 id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QVector<StoredTrial> m_trials;
    int m_layerCount = 0;
};

} // namespace qs
