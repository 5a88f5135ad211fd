#include "layerpanel.h"

#include "bardelegate.h"
#include "filteredtable.h"
#include "layertablemodel.h"
#include "presetdelegate.h"
#include "presets.h"
#include "settings.h"

#include <QAction>
#include <QMenu>
#include <QScrollBar>
#include <QSettings>
#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace qs {

LayerPanel::LayerPanel(QWidget* parent)
    : QWidget(parent), m_model(new LayerTableModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView), m_frozen(new QTableView(m_table)), m_filter(new QLineEdit)
{
    setUpFilteredTable(this, m_filter, m_table, m_proxy, m_model, LayerTableModel::SortRole, LayerTableModel::NameColumn,
                       tr("Filter layers by name…"));
    m_table->sortByColumn(LayerTableModel::NameColumn, Qt::AscendingOrder);
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
    connect(m_model, &LayerTableModel::overridesChanged, this, [this] { // settings are as wide as their labels
        m_table->resizeColumnToContents(LayerTableModel::WeightSettingColumn);
        m_table->resizeColumnToContents(LayerTableModel::ActivationSettingColumn);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        Q_EMIT currentLayerChanged(current.isValid() ? m_proxy->mapToSource(current).row() : -1);
    });

    setUpColumns();
}

void LayerPanel::setUpColumns()
{
    // The figures users compare first, then statistics, then shapes; any order the user drags
    // them into, and the columns they hide, are kept across sessions.
    QHeaderView* header = m_table->horizontalHeader();
    const QList<int> order{LayerTableModel::NameColumn, LayerTableModel::OpColumn, LayerTableModel::ParamsColumn, LayerTableModel::WeightSettingColumn, LayerTableModel::ActivationSettingColumn,
                           LayerTableModel::WeightSqnrColumn, LayerTableModel::ActivationSqnrColumn, LayerTableModel::OutputSqnrColumn, LayerTableModel::LocalSqnrColumn, LayerTableModel::StepErrorColumn, LayerTableModel::UnusedLevelsColumn, LayerTableModel::SensitivityColumn,
                           LayerTableModel::FloatMsColumn, LayerTableModel::Int8MsColumn,
                           LayerTableModel::ChannelSpreadColumn, LayerTableModel::WeightKurtosisColumn, LayerTableModel::WeightRangeColumn, LayerTableModel::ActivationRangeColumn,
                           LayerTableModel::WeightShapeColumn, LayerTableModel::InputShapeColumn, LayerTableModel::OutputShapeColumn};
    for (int visual = 0; visual < order.size(); ++visual)
        header->moveSection(header->visualIndex(order[visual]), visual);
    const QSettings settings;
    const QByteArray state = settings.value(SettingsKeys::LayerColumns).toByteArray();
    if (!state.isEmpty())
        header->restoreState(state);
    for (const QVariant& c : settings.value(SettingsKeys::LayerColumnsHidden).toList())
        m_userHidden.insert(c.toInt());
    for (int c = 0; c < LayerTableModel::NUM_COLUMNS; ++c)
        m_table->setColumnHidden(c, m_userHidden.contains(c));
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, &LayerPanel::showColumnMenu);

    // The frozen Layer column: a second view on the same model and selection, over the first
    // column, scrolled vertically with the table (Qt's frozen-column pattern).
    m_frozen->setModel(m_proxy);
    m_frozen->setSelectionModel(m_table->selectionModel());
    m_frozen->setFocusPolicy(Qt::NoFocus);
    m_frozen->verticalHeader()->hide();
    m_frozen->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_frozen->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_frozen->setAlternatingRowColors(true);
    m_frozen->horizontalHeader()->setSortIndicatorShown(true);
    m_frozen->horizontalHeader()->setSectionsClickable(true);
    connect(m_frozen->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int column) {
        QHeaderView* h = m_table->horizontalHeader(); // sorts the table; the frozen view follows
        h->setSortIndicator(column, h->sortIndicatorSection() == column && h->sortIndicatorOrder() == Qt::AscendingOrder
                                        ? Qt::DescendingOrder
                                        : Qt::AscendingOrder);
    });
    m_frozen->setStyleSheet(QStringLiteral("QTableView { border: none; border-right: 1px solid palette(mid); }"));
    m_table->viewport()->stackUnder(m_frozen);
    for (int c = 0; c < LayerTableModel::NUM_COLUMNS; ++c)
        m_frozen->setColumnHidden(c, c != LayerTableModel::NameColumn);
    connect(m_frozen->verticalScrollBar(), &QAbstractSlider::valueChanged, m_table->verticalScrollBar(), &QAbstractSlider::setValue);
    connect(m_table->verticalScrollBar(), &QAbstractSlider::valueChanged, m_frozen->verticalScrollBar(), &QAbstractSlider::setValue);
    connect(header, &QHeaderView::sectionResized, this, [this](int logical, int, int size) {
        if (logical == LayerTableModel::NameColumn) {
            m_frozen->setColumnWidth(logical, size);
            placeFrozenColumn();
        }
    });
    connect(header, &QHeaderView::sectionMoved, this, &LayerPanel::placeFrozenColumn);
    connect(header, &QHeaderView::sortIndicatorChanged, m_frozen->horizontalHeader(), &QHeaderView::setSortIndicator);
    m_frozen->horizontalHeader()->setSortIndicator(header->sortIndicatorSection(), header->sortIndicatorOrder());
    placeFrozenColumn();
}

void LayerPanel::placeFrozenColumn()
{
    // Only while the Layer column is the first one shown; moved elsewhere, it scrolls as any other.
    QHeaderView* header = m_table->horizontalHeader();
    const bool first = header->logicalIndex(0) == LayerTableModel::NameColumn && !header->isSectionHidden(LayerTableModel::NameColumn);
    m_frozen->setVisible(first);
    if (!first)
        return;
    m_frozen->setColumnWidth(LayerTableModel::NameColumn, m_table->columnWidth(LayerTableModel::NameColumn));
    m_frozen->setGeometry(m_table->verticalHeader()->width() + m_table->frameWidth(), m_table->frameWidth(),
                          m_table->columnWidth(LayerTableModel::NameColumn) + 1,
                          m_table->viewport()->height() + header->height());
    for (int row = 0; row < m_proxy->rowCount(); ++row)
        m_frozen->setRowHeight(row, m_table->rowHeight(row));
}

void LayerPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    placeFrozenColumn();
}

void LayerPanel::showColumnMenu(const QPoint& at)
{
    QMenu menu(this);
    for (int c = 0; c < LayerTableModel::NUM_COLUMNS; ++c) {
        if (c == LayerTableModel::NameColumn)
            continue;
        QAction* a = menu.addAction(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
        a->setCheckable(true);
        a->setChecked(!m_table->isColumnHidden(c));
        connect(a, &QAction::toggled, this, [this, c](bool on) {
            m_table->setColumnHidden(c, !on);
            if (on)
                m_userHidden.remove(c);
            else
                m_userHidden.insert(c);
            saveColumns();
        });
    }
    menu.exec(m_table->horizontalHeader()->mapToGlobal(at));
}

void LayerPanel::saveColumns() const
{
    QSettings settings;
    settings.setValue(SettingsKeys::LayerColumns, m_table->horizontalHeader()->saveState());
    QVariantList hidden;
    for (int c : m_userHidden)
        hidden << c;
    settings.setValue(SettingsKeys::LayerColumnsHidden, hidden);
}

void LayerPanel::showColumn(int column)
{
    if (!m_userHidden.contains(column)) // a column the user hid stays hidden
        m_table->setColumnHidden(column, false);
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
    for (int c = 0; c < LayerTableModel::NUM_COLUMNS; ++c)
        if ((c >= LayerTableModel::WeightSqnrColumn && c <= LayerTableModel::Int8MsColumn) || LayerTableModel::isTrialColumn(c))
            m_table->setColumnHidden(c, true); // until a trial, sensitivity analysis or latency measurement has run
    m_table->resizeColumnsToContents();
    placeFrozenColumn();
}

void LayerPanel::setTrial(const TrialResult& trial)
{
    m_model->setTrial(trial);
    for (int c = 0; c < LayerTableModel::NUM_COLUMNS; ++c)
        if (LayerTableModel::isTrialColumn(c)) {
            showColumn(c);
            m_table->resizeColumnToContents(c);
        }
}

void LayerPanel::setSensitivity(const SensitivityResult& result, const QString& settings)
{
    m_model->setSensitivity(result, settings);
    showColumn(LayerTableModel::SensitivityColumn);
    m_table->resizeColumnToContents(LayerTableModel::SensitivityColumn);
}

void LayerPanel::setLatency(const QVector<LatencyProfile>& profiles, const QString&)
{
    m_model->setLatency(profiles);
    for (int c : {int(LayerTableModel::FloatMsColumn), int(LayerTableModel::Int8MsColumn)}) {
        if (c == LayerTableModel::Int8MsColumn && profiles.size() < 2)
            continue;
        showColumn(c);
        m_table->resizeColumnToContents(c);
    }
}

void LayerPanel::showWeightSqnr()
{
    showColumn(LayerTableModel::WeightSqnrColumn);
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
    if (m_proxy->rowCount() > 0)
        m_table->selectRow(0);
    else
        Q_EMIT currentLayerChanged(-1); // nothing to show: the plots clear
}

void LayerPanel::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

} // namespace qs
