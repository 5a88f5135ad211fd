#include "historypanel.h"

#include "comparedialog.h"
#include "filteredtable.h"
#include "historymodel.h"
#include "settings.h"
#include "trialhistory.h"

#include <QAction>
#include <QHeaderView>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace qs {

HistoryPanel::HistoryPanel(TrialHistory* history, QWidget* parent)
    : QWidget(parent), m_history(history), m_model(new HistoryModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView), m_filter(new QLineEdit)
{
    setUpFilteredTable(this, m_filter, m_table, m_proxy, m_model, HistoryModel::SortRole, -1, tr("Filter trials…"));
    m_table->sortByColumn(HistoryModel::IdColumn, Qt::DescendingOrder);
    // Columns can be dragged into another order; the order and widths are kept across sessions.
    m_table->horizontalHeader()->restoreState(QSettings().value(SettingsKeys::HistoryColumns).toByteArray());
    connect(m_table->horizontalHeader(), &QHeaderView::sectionMoved, this,
            [this] { QSettings().setValue(SettingsKeys::HistoryColumns, m_table->horizontalHeader()->saveState()); });
    connect(m_table, &QTableView::activated, this,
            [this](const QModelIndex& index) { Q_EMIT showRequested(index.data(HistoryModel::IdRole).toLongLong()); });
    addActions();

    connect(history, &TrialHistory::reset, this, [this] {
        m_model->setTrials(m_history->trials());
        m_table->resizeColumnsToContents();
    });
    connect(history, &TrialHistory::appended, m_model, &HistoryModel::appendTrial);
}

QList<qint64> HistoryPanel::selectedTrials() const
{
    QList<qint64> ids;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
        ids << i.data(HistoryModel::IdRole).toLongLong();
    return ids;
}

void HistoryPanel::selectTrial(qint64 id)
{
    const int row = m_model->rowOf(id);
    if (row >= 0)
        m_table->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
}

void HistoryPanel::addActions()
{
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto add = [this](const QString& text, const QKeySequence& key, auto&& fn) {
        auto* a = new QAction(text, m_table);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetShortcut);
        connect(a, &QAction::triggered, this, fn);
        m_table->addAction(a);
    };
    add(tr("Show Trial"), QKeySequence(), [this] {
        if (const auto ids = selectedTrials(); ids.size() == 1)
            Q_EMIT showRequested(ids.first());
    });
    add(tr("Compare Two Selected Trials"), QKeySequence(tr("Ctrl+K")), [this] {
        const auto ids = selectedTrials();
        if (ids.size() != 2)
            Q_EMIT message(tr("Select two trials to compare"));
        else
            compare(std::min(ids[0], ids[1]), std::max(ids[0], ids[1]));
    });
    add(tr("Rename…"), QKeySequence(Qt::Key_F2), [this] {
        const auto ids = selectedTrials();
        if (ids.size() != 1)
            return;
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Rename Trial"), tr("Name:"), QLineEdit::Normal,
                                                   m_model->trials().value(m_model->rowOf(ids.first())).name, &ok);
        if (ok)
            rename(ids.first(), name);
    });
    add(tr("Edit Note…"), QKeySequence(), [this] {
        const auto ids = selectedTrials();
        if (ids.size() != 1)
            return;
        bool ok = false;
        const QString note = QInputDialog::getMultiLineText(this, tr("Trial Note"), tr("Note:"),
                                                            m_model->trials().value(m_model->rowOf(ids.first())).note, &ok);
        if (ok)
            setNote(ids.first(), note);
    });
    add(tr("Delete…"), QKeySequence(QKeySequence::Delete), [this] {
        const auto ids = selectedTrials();
        if (ids.isEmpty())
            return;
        if (QMessageBox::question(this, tr("Delete Trials"),
                                  tr("Delete %n trial(s) from the trial database? This cannot be undone.", nullptr,
                                     int(ids.size()))) != QMessageBox::Yes)
            return;
        for (qint64 id : ids)
            remove(id);
    });
}

QDialog* HistoryPanel::compare(qint64 a, qint64 b)
{
    try {
        auto* dialog = new CompareDialog(m_history->trial(a), m_history->trial(b), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        return dialog;
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Cannot compare trials"), e.message());
        return nullptr;
    }
}

void HistoryPanel::rename(qint64 id, const QString& name)
{
    try {
        m_history->rename(id, name);
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Cannot rename trial %1").arg(id), e.message());
    }
    m_history->reload();
}

void HistoryPanel::setNote(qint64 id, const QString& note)
{
    try {
        m_history->setNote(id, note);
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Cannot change the note of trial %1").arg(id), e.message());
    }
    m_history->reload();
}

void HistoryPanel::remove(qint64 id)
{
    try {
        m_history->remove(id);
        m_history->reload();
        Q_EMIT removed(id);
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Cannot delete trial %1").arg(id), e.message());
    }
}

} // namespace qs
