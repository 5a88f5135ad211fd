#include "bardelegate.h"

#include <QPainter>

#include <algorithm>

namespace qs {

BarDelegate::BarDelegate(int fractionRole, QObject* parent) : QStyledItemDelegate(parent), m_role(fractionRole) {}

void BarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QVariant v = index.data(m_role);
    if (v.isValid()) {
        const double f = std::clamp(v.toDouble(), 0.0, 1.0);
        QRect bar = option.rect.adjusted(2, 3, -2, -3);
        bar.setWidth(int(bar.width() * f));
        QColor c = option.palette.color(QPalette::Highlight);
        c.setAlpha(70);
        painter->fillRect(bar, c);
    }
    QStyledItemDelegate::paint(painter, option, index);
}

} // namespace qs
