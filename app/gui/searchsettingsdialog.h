#pragma once
// Trial ▸ Search Settings…: the search's budget (largest drop in the model's metric, largest
// size, or both), the weight bits to choose from, and the samples candidates are scored on.

#include "settings.h"

#include <QDialog>

class QCheckBox;
class QDoubleSpinBox;
class QSpinBox;

namespace qs {

class SearchSettingsDialog : public QDialog
{
    Q_OBJECT
public:
    SearchSettingsDialog(const SearchSettings& current, Task task, QWidget* parent = nullptr);
    /// The settings as accepted.
    SearchSettings settings() const { return m_settings; }

private:
    void accept() override;
    SearchSettings m_settings;
    Task m_task;
    QCheckBox* m_limitDrop;
    QDoubleSpinBox* m_drop;
    QCheckBox* m_limitSize;
    QDoubleSpinBox* m_size;
    QCheckBox* m_limitLatency;
    QDoubleSpinBox* m_latency;
    QList<QPair<QString, QCheckBox*>> m_bits;
    QSpinBox* m_subset;
    QCheckBox* m_methods;
};

} // namespace qs
