#pragma once
// The History tab: every recorded trial of the open model, filterable and sortable, with the
// actions on them (show, compare, rename, note, delete) in its context menu.

#include <QWidget>

class QDialog;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace qs {

class HistoryModel;
class TrialHistory;

class HistoryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit HistoryPanel(TrialHistory* history, QWidget* parent = nullptr);
    QTableView* table() const { return m_table; }
    QLineEdit* filter() const { return m_filter; }
    HistoryModel* model() const { return m_model; }
    void selectTrial(qint64 id);
    QList<qint64> selectedTrials() const;

    /// Opens the compare view of two recorded trials (non-modal); returns it.
    QDialog* compare(qint64 a, qint64 b);
    void rename(qint64 id, const QString& name);
    void setNote(qint64 id, const QString& note);
    /// Deletes a trial from the database (the context menu asks first); removed() follows.
    void remove(qint64 id);

Q_SIGNALS:
    void showRequested(qint64 id);
    void removed(qint64 id);
    /// A change the database refused (`title` says which).
    void failed(const QString& title, const QString& message);
    void message(const QString& text);

private:
    void addActions();
    TrialHistory* m_history;
    HistoryModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
};

} // namespace qs
