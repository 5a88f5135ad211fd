#include "trialchoice.h"

#include <algorithm>

namespace qs {

TrialChoice::TrialChoice(QWidget* parent) : QComboBox(parent)
{
    addItem(tr("nothing"), 0);
    connect(this, &QComboBox::activated, this, [this] { Q_EMIT chosen(chosenId()); });
}

void TrialChoice::setTrials(const QVector<StoredTrial>& trials)
{
    const qint64 was = chosenId();
    clear();
    addItem(tr("nothing"), 0);
    for (const StoredTrial& t : trials)
        addItem(t.name.isEmpty() ? tr("trial %1").arg(t.id) : tr("trial %1 (%2)").arg(t.id).arg(t.name), t.id);
    choose(was);
}

void TrialChoice::choose(qint64 id)
{
    setCurrentIndex(std::max(0, findData(id)));
}

} // namespace qs
