#include "presetdelegate.h"

#include <QComboBox>

#include <algorithm>

namespace qs {

PresetDelegate::PresetDelegate(QStringList presets, QObject* parent)
    : QStyledItemDelegate(parent), m_presets(std::move(presets))
{
}

QWidget* PresetDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const
{
    auto* combo = new QComboBox(parent);
    combo->setEditable(true);
    combo->setCompleter(nullptr); // a typed spec stays as typed ("float" must not become "float16")
    combo->addItem(QString()); // empty: back to the default
    combo->addItems(m_presets);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    return combo;
}

void PresetDelegate::updateEditorGeometry(QWidget* editor, const QStyleOptionViewItem& option, const QModelIndex&) const
{
    // As wide as the longest spec, not as narrow as the column: per-tensor and per-channel must
    // be told apart while editing.
    QRect r = option.rect;
    r.setWidth(std::max(r.width(), editor->sizeHint().width()));
    editor->setGeometry(r);
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
