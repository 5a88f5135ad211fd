#pragma once
// The trial toolbar: weight and activation specs and the mode for every layer, and the actions
// that run on them (trial, sensitivity, range methods, search).

#include "presets.h"

#include <QToolBar>

class QComboBox;
class QToolButton;

namespace qs {

class TrialBar : public QToolBar
{
    Q_OBJECT
public:
    explicit TrialBar(QWidget* parent = nullptr);
    /// Shorthand specs and a mode name, shown as given.
    void setSettings(const QString& weights, const QString& activations, const QString& mode);
    void setConfig(const QuantConfig& config);
    /// Weight spec, activation spec and mode, as shown.
    QStringList settings() const;
    /// The settings as a configuration (no per-layer overrides); throws EngineError(BadInput)
    /// for a spec that does not parse.
    QuantConfig config() const;
    /// A model of another task opened: its defaults replace the settings.
    void setTask(Task task);
    /// Run Trial, Sensitivity, Choose Ranges and Search (the Trial menu shows them too).
    const QList<QAction*>& jobActions() const { return m_actions; }
    /// The actions need an open model.
    void setModelOpen(bool open);
    /// Cross-layer equalization, bias correction, AdaRound and SeqMSE, checkable (the Trial menu shows
    /// them too). AdaRound runs the default iterations, or those of the configuration last set.
    const QList<QAction*>& techniqueActions() const { return m_techniqueActions; }

Q_SIGNALS:
    void runTrialRequested();
    void sensitivityRequested();
    void rangesRequested();
    void searchRequested();

private:
    QComboBox* m_weights;
    QComboBox* m_activations;
    QComboBox* m_mode;
    QList<QAction*> m_actions;
    QList<QAction*> m_techniqueActions;
    QToolButton* m_techniques;
    int m_adaroundIterations = Techniques::kDefaultAdaroundIterations;
    bool m_adaroundFloatInputs = false; ///< from a loaded configuration (the CLI's --adaround-inputs float)
    SeqMseLoss m_seqMseLoss = SeqMseLoss::Mse;
    void showTechniques();
    Task m_task = Task::Classifier;
};

} // namespace qs
