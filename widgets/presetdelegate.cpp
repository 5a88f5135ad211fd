#include "presetdelegate.h"

#include <QComboBox>

namespace qs {

PresetDelegate::PresetDelegate(QStringList presets, QObject* parent)
    : QStyledItemDelegate(parent), m_presets(std::move(presets))
{
}

QWidget* PresetDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const
{
    auto* combo = new QComboBox(parent);
    combo->setEditable(true);
    combo->addItem(QString()); // empty: back to the default
    combo->addItems(m_presets);
    return combo;
}

void PresetDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const
{
    static_cast<QComboBox*>(editor)->setCurrentText(index.data(Qt::EditRole).toString());
}

void PresetDelegate::setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const
{
    model->setData(index, static_cast<QComboBox*>(editor)->currentText(), Qt::EditRole);
}

} // namespace qs
