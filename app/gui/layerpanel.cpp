#include "layerpanel.h"

#include "bardelegate.h"
#include "layertablemodel.h"
#include "presetdelegate.h"
#include "presets.h"

#include <QAction>
#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace qs {

LayerPanel::LayerPanel(QWidget* parent)
    : QWidget(parent), m_model(new LayerTableModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView), m_filter(new QLineEdit)
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(LayerTableModel::SortRole);
    m_proxy->setFilterKeyColumn(LayerTableModel::NameColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(LayerTableModel::NameColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setItemDelegateForColumn(LayerTableModel::ParamsColumn, new BarDelegate(LayerTableModel::ShareRole, m_table));
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_table->setItemDelegateForColumn(LayerTableModel::WeightSettingColumn, new PresetDelegate(weightSpecPresets(), m_table));
    m_table->setItemDelegateForColumn(LayerTableModel::ActivationSettingColumn,
                                      new PresetDelegate(activationSpecPresets(), m_table));
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* reset = new QAction(tr("Reset Selected Layers to Default"), m_table);
    connect(reset, &QAction::triggered, this, [this] {
        QList<int> rows;
        for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
            rows << m_proxy->mapToSource(i).row();
        m_model->setSetting(rows, true, QString());
        m_model->setSetting(rows, false, QString());
    });
    m_table->addAction(reset);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex&) { copyEditToSelection(topLeft); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        Q_EMIT currentLayerChanged(current.isValid() ? m_proxy->mapToSource(current).row() : -1);
    });

    m_filter->setPlaceholderText(tr("Filter layers by name…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_table);
}

void LayerPanel::copyEditToSelection(const QModelIndex& edited)
{
    // Bulk edit: an edited setting cell is copied to the other selected rows.
    const int column = edited.column();
    if (m_bulkEditing || (column != LayerTableModel::WeightSettingColumn && column != LayerTableModel::ActivationSettingColumn))
        return;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    if (selected.size() < 2)
        return;
    QList<int> rows;
    for (const QModelIndex& i : selected)
        rows << m_proxy->mapToSource(i).row();
    if (!rows.contains(edited.row()))
        return;
    m_bulkEditing = true;
    m_model->setSetting(rows, column == LayerTableModel::WeightSettingColumn,
                        m_model->index(edited.row(), column).data(Qt::EditRole).toString());
    m_bulkEditing = false;
}

void LayerPanel::setProfile(const ProfileReport& report)
{
    m_model->setProfile(report);
    for (int c = LayerTableModel::WeightSqnrColumn; c <= LayerTableModel::SensitivityColumn; ++c)
        m_table->setColumnHidden(c, true); // until a trial or sensitivity analysis has run
    m_table->resizeColumnsToContents();
}

void LayerPanel::setTrial(const TrialResult& trial)
{
    m_model->setTrial(trial);
    for (int c = LayerTableModel::WeightSqnrColumn; c <= LayerTableModel::OutputSqnrColumn; ++c) {
        m_table->setColumnHidden(c, false);
        m_table->resizeColumnToContents(c);
    }
}

void LayerPanel::setSensitivity(const SensitivityResult& result, const QString& settings)
{
    m_model->setSensitivity(result, settings);
    m_table->setColumnHidden(LayerTableModel::SensitivityColumn, false);
    m_table->resizeColumnToContents(LayerTableModel::SensitivityColumn);
}

void LayerPanel::showWeightSqnr()
{
    m_table->setColumnHidden(LayerTableModel::WeightSqnrColumn, false);
}

QStringList LayerPanel::applyRangeMethods(const RangeMethodResult& r)
{
    QStringList chosen;
    for (int row = 0; row < r.layers.size(); ++row) {
        const RangeMethodChoice& c = r.layers[row];
        if (!c.chosen)
            continue;
        m_model->setSetting({row}, false, r.config.activationFor(c.layer).toString());
        chosen << QStringLiteral("%1 %2").arg(c.layer, rangeMethodName(c.best));
    }
    return chosen;
}

int LayerPanel::currentLayer() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? m_proxy->mapToSource(current).row() : -1;
}

void LayerPanel::selectLayer(int row)
{
    m_table->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
}

void LayerPanel::selectFirst()
{
    m_table->selectRow(0);
}

void LayerPanel::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

} // namespace qs
