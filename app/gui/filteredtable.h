#pragma once
// What the layer panel and the history panel share: a filter line over a sortable table of a
// model behind a filtering proxy, rows selected whole, one line per row.

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace qs {

/// Sets up `table` on `model` through `proxy` (sorted by `sortRole`, filtered on
/// `filterColumn`, -1 for any) and lays out `filter` above it in `panel`.
inline void setUpFilteredTable(QWidget* panel, QLineEdit* filter, QTableView* table, QSortFilterProxyModel* proxy,
                               QAbstractItemModel* model, int sortRole, int filterColumn, const QString& placeholder)
{
    proxy->setSourceModel(model);
    proxy->setSortRole(sortRole);
    proxy->setFilterKeyColumn(filterColumn);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    table->setModel(proxy);
    table->setSortingEnabled(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false); // one line per row; long cells elide
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setSectionsMovable(true);
    filter->setPlaceholderText(placeholder);
    filter->setClearButtonEnabled(true);
    QObject::connect(filter, &QLineEdit::textChanged, proxy, &QSortFilterProxyModel::setFilterFixedString);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(filter);
    layout->addWidget(table);
}

} // namespace qs
