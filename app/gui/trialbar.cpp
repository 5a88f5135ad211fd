#include "trialbar.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QToolButton>

namespace qs {

namespace {

QComboBox* specBox(const QStringList& items, const QString& tip)
{
    auto* c = new QComboBox;
    c->setEditable(true);
    c->addItems(items);
    c->setToolTip(tip);
    c->setMinimumContentsLength(12); // the whole bar fits a 1024-wide window
    c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    c->setCompleter(nullptr); // a typed spec stays as typed ("float" must not become "float16")
    return c;
}

} // namespace

TrialBar::TrialBar(QWidget* parent) : QToolBar(tr("Trial"), parent)
{
    setObjectName(QStringLiteral("trialBar"));
    setMovable(false);
    m_weights = specBox(weightSpecPresets(),
                        tr("Weight spec for every layer: TYPE[:per_tensor|per_channel|groupN][:symmetric|affine][:METHOD]"));
    m_activations = specBox(activationSpecPresets(), tr("Input-activation spec for every layer (per tensor)"));
    m_mode = new QComboBox;
    m_mode->addItems(trialModeNames());
    m_mode->setToolTip(tr("static: activation ranges calibrated once; dynamic: each batch's own range; "
                          "weight-only: activations stay float"));
    addWidget(new QLabel(tr(" Weights ")));
    addWidget(m_weights);
    addWidget(new QLabel(tr("  Activations ")));
    addWidget(m_activations);
    addWidget(new QLabel(tr("  Mode ")));
    addWidget(m_mode);
    // What is done to the float weights before they are quantized.
    QAction* cle = new QAction(tr("Cross-Layer Equalization"), this);
    cle->setToolTip(tr("Before quantizing, give conv/linear layers joined by a ReLU or ReLU6 equal per-channel weight "
                       "ranges (the float model computes the same): helps per-tensor weights"));
    QAction* bias = new QAction(tr("Bias Correction"), this);
    bias->setToolTip(tr("Subtract from each layer's bias the mean output error its weight quantization causes, "
                        "measured on the calibration data"));
    QAction* adaround = new QAction(tr("AdaRound (%L1 iterations per layer)").arg(Techniques::kDefaultAdaroundIterations), this);
    adaround->setToolTip(tr("Learn for each weight whether to round up or down, layer by layer, so that the layer's output on "
                            "the calibration data, fed by the layers quantized before it, comes closest to the float "
                            "model's (seconds per layer)"));
    QAction* seqmse = new QAction(tr("SeqMSE Weight Ranges"), this);
    seqmse->setToolTip(tr("Choose each layer's weight range (per channel or per tensor) among 20 candidates shrinking from "
                          "min/max by the error at the layer's output on the calibration data"));
    QAction* absorb = new QAction(tr("High-Bias Absorption (with CLE)"), this);
    absorb->setToolTip(tr("After equalization, move what the batch norm shifts beyond 3γ out of a layer's bias into the next "
                          "layer's (AIMET's): smaller activation ranges, but the float model changes a little"));
    m_techniqueActions = {cle, bias, adaround, seqmse, absorb};
    auto* menu = new QMenu(this);
    for (QAction* a : m_techniqueActions) {
        a->setCheckable(true);
        menu->addAction(a);
        connect(a, &QAction::toggled, this, &TrialBar::showTechniques);
    }
    connect(absorb, &QAction::toggled, cle, [cle](bool on) { // absorption follows equalization
        if (on)
            cle->setChecked(true);
    });
    connect(cle, &QAction::toggled, absorb, [absorb](bool on) {
        if (!on)
            absorb->setChecked(false);
    });
    m_techniques = new QToolButton;
    m_techniques->setMenu(menu);
    m_techniques->setPopupMode(QToolButton::InstantPopup);
    addWidget(m_techniques);
    showTechniques();
    addSeparator();
    QAction* run = addAction(tr("Run Trial"), this, &TrialBar::runTrialRequested);
    run->setIconText(tr("Run Trial"));
    run->setShortcut(QKeySequence(tr("Ctrl+R")));
    run->setToolTip(tr("Quantize the model with these settings and evaluate it (Ctrl+R)"));
    QAction* sensitivity = addAction(tr("Sensitivity"), this, &TrialBar::sensitivityRequested);
    sensitivity->setToolTip(tr("Quantize one layer at a time with these settings (and every layer but one) to see "
                               "which layers need more bits"));
    QAction* methods = addAction(tr("Choose Ranges"), this, &TrialBar::rangesRequested);
    methods->setToolTip(tr("For each layer, pick the activation range method (min-max, histogram, percentile, MSE, "
                           "entropy) with the lowest error at its output, on calibration data"));
    QAction* search = addAction(tr("Search"), this, &TrialBar::searchRequested);
    search->setShortcut(QKeySequence(tr("Ctrl+F5")));
    sensitivity->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    methods->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    search->setToolTip(tr("Find the smallest model within the search budget (Search Settings in the Trial menu): "
                          "per-layer weight bits, guided by sensitivity"));
    m_actions = {run, sensitivity, methods, search};
    setModelOpen(false);
    setConfig(taskDefaults(m_task).config);
}

void TrialBar::setSettings(const QString& weights, const QString& activations, const QString& mode)
{
    m_weights->setCurrentText(weights);
    m_activations->setCurrentText(activations);
    m_mode->setCurrentText(mode);
    for (QComboBox* c : {m_weights, m_activations}) // the start of a long spec says most
        c->lineEdit()->setCursorPosition(0);
}

void TrialBar::setConfig(const QuantConfig& config)
{
    setSettings(config.weight.toString(), config.activation.toString(), trialModeName(config.mode));
    m_techniqueActions[0]->setChecked(config.techniques.cle);
    m_techniqueActions[1]->setChecked(config.techniques.biasCorrection);
    m_techniqueActions[2]->setChecked(config.techniques.adaroundIterations > 0);
    m_techniqueActions[3]->setChecked(config.techniques.seqMse);
    m_techniqueActions[4]->setChecked(config.techniques.highBiasAbsorption);
    m_seqMseLoss = config.techniques.seqMseLoss;
    m_adaroundIterations = config.techniques.adaroundIterations > 0 ? config.techniques.adaroundIterations
                                                                    : Techniques::kDefaultAdaroundIterations;
    m_adaroundFloatInputs = config.techniques.adaroundFloatInputs;
}

void TrialBar::showTechniques()
{
    // Short, so that the whole bar still fits a 1024-wide window; the tooltip names them in full.
    QStringList on, names;
    const QStringList codes{tr("CLE"), tr("BC"), tr("AdaRound"), tr("SeqMSE"), tr("HBA")};
    for (int i = 0; i < m_techniqueActions.size(); ++i)
        if (m_techniqueActions[i]->isChecked()) {
            on << codes[i];
            names << m_techniqueActions[i]->text();
        }
    m_techniques->setText(on.isEmpty() ? tr("Techniques") : on.join(u'+'));
    m_techniques->setToolTip(tr("Techniques applied as the weights are quantized: %1")
                                 .arg(names.isEmpty() ? tr("none") : names.join(QStringLiteral(", "))));
}

QStringList TrialBar::settings() const
{
    return {m_weights->currentText(), m_activations->currentText(), m_mode->currentText()};
}

QuantConfig TrialBar::config() const
{
    QuantConfig config;
    config.weight = QuantSpec::parse(m_weights->currentText());
    config.activation = QuantSpec::parse(m_activations->currentText());
    config.mode = parseTrialMode(m_mode->currentText());
    config.techniques.cle = m_techniqueActions[0]->isChecked();
    config.techniques.highBiasAbsorption = config.techniques.cle && m_techniqueActions[4]->isChecked();
    config.techniques.biasCorrection = m_techniqueActions[1]->isChecked();
    config.techniques.adaroundIterations = m_techniqueActions[2]->isChecked() ? m_adaroundIterations : 0;
    config.techniques.adaroundFloatInputs = m_techniqueActions[2]->isChecked() && m_adaroundFloatInputs;
    config.techniques.seqMse = m_techniqueActions[3]->isChecked();
    config.techniques.seqMseLoss = m_seqMseLoss;
    return config;
}

void TrialBar::setTask(Task task)
{
    if (task == m_task)
        return;
    m_task = task;
    setConfig(taskDefaults(task).config);
}

void TrialBar::setModelOpen(bool open)
{
    for (QAction* a : m_actions)
        a->setEnabled(open);
}

} // namespace qs
