#pragma once
// Edits a cell with an editable combo box of preset values; free text stays allowed.

#include <QStringList>
#include <QStyledItemDelegate>

namespace qs {

class PresetDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    PresetDelegate(QStringList presets, QObject* parent = nullptr);
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;
    void updateEditorGeometry(QWidget* editor, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    QStringList m_presets;
};

} // namespace qs
