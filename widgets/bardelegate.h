#pragma once
// Paints a proportional bar behind a cell's text, from a fraction in [0, 1] held in a role.

#include <QStyledItemDelegate>

namespace qs {

class BarDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    BarDelegate(int fractionRole, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_role;
};

} // namespace qs
