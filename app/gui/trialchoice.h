#pragma once
// A list of recorded trials to compare against, "nothing" first — the Graph and Error tabs'
// "against" lists.

#include "store.h"

#include <QComboBox>

namespace qs {

class TrialChoice : public QComboBox
{
    Q_OBJECT
public:
    explicit TrialChoice(QWidget* parent = nullptr);
    /// Lists `trials`, keeping the chosen one when it is still among them.
    void setTrials(const QVector<StoredTrial>& trials);
    /// The chosen trial's id; 0 for nothing.
    qint64 chosenId() const { return currentData().toLongLong(); }
    /// Chooses the trial `id` (nothing when it is not listed, or 0).
    void choose(qint64 id);

Q_SIGNALS:
    /// The user chose a trial (0: nothing).
    void chosen(qint64 id);
};

} // namespace qs
