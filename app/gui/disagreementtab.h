#pragma once
// The Disagreements tab: a thumbnail of every input whose top-1 the trial changed, with both
// classes, under a line that says how many there are.

#include "data.h"
#include "trial.h"

#include <QWidget>

#include <memory>

class QLabel;

namespace qs {

class DisagreementModel;

class DisagreementTab : public QWidget
{
    Q_OBJECT
public:
    explicit DisagreementTab(QWidget* parent = nullptr);
    DisagreementModel* model() const { return m_model; }
    /// The trial's disagreements; `data` draws the samples (null: none drawn).
    void setTrial(const TrialResult& r, std::shared_ptr<const Dataset> data);

private:
    DisagreementModel* m_model;
    QLabel* m_summary;
};

} // namespace qs
