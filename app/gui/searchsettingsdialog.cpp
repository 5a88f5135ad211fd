#include "searchsettingsdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>

namespace qs {

SearchSettingsDialog::SearchSettingsDialog(const SearchSettings& current, Task task, QWidget* parent)
    : QDialog(parent), m_settings(current), m_task(task)
{
    setWindowTitle(tr("Search Settings"));
    auto* form = new QFormLayout(this);
    // The budget in the model's metric: top-1 points, or perplexity for a language model.
    const bool lm = task == Task::LanguageModel;
    const double limit = current.maxDrop(task);
    m_limitDrop = new QCheckBox(lm ? tr("Largest perplexity rise") : tr("Largest top-1 drop"));
    m_drop = new QDoubleSpinBox;
    m_drop->setRange(0, lm ? 1000 : 100);
    m_drop->setDecimals(lm ? 3 : 2);
    m_drop->setSingleStep(lm ? 0.05 : 0.1);
    m_drop->setSuffix(lm ? tr(" perplexity") : tr(" points"));
    m_drop->setValue(limit >= 0 ? limit : taskDefaults(task).maxDrop);
    m_limitDrop->setChecked(limit >= 0);
    form->addRow(m_limitDrop, m_drop);
    m_limitSize = new QCheckBox(tr("Largest model size"));
    m_size = new QDoubleSpinBox;
    m_size->setRange(0.1, 1e7);
    m_size->setDecimals(1);
    m_size->setSuffix(tr(" KB"));
    m_size->setValue(current.targetBytes > 0 ? current.targetBytes / 1000.0 : 100.0);
    m_limitSize->setChecked(current.targetBytes > 0);
    form->addRow(m_limitSize, m_size);
    m_limitLatency = new QCheckBox(tr("Largest int8 latency"));
    m_limitLatency->setToolTip(tr("The int8 model's end-to-end time at batch 1: layers move to 8 bits (on int8 kernels) "
                                  "until the time predicted from per-layer profiles fits; the result is measured"));
    m_latency = new QDoubleSpinBox;
    m_latency->setRange(0.001, 1e6);
    m_latency->setDecimals(3);
    m_latency->setSingleStep(0.01);
    m_latency->setSuffix(tr(" ms"));
    m_latency->setValue(current.maxLatencyMs > 0 ? current.maxLatencyMs : 1.0);
    m_limitLatency->setChecked(current.maxLatencyMs > 0);
    form->addRow(m_limitLatency, m_latency);
    auto* bitsRow = new QWidget;
    auto* bitsLayout = new QHBoxLayout(bitsRow);
    bitsLayout->setContentsMargins(0, 0, 0, 0);
    const QStringList chosen = current.bitsFor(task).split(u',');
    for (const QString& b : {QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"), QStringLiteral("6"),
                             QStringLiteral("8"), QStringLiteral("float")}) {
        auto* box = new QCheckBox(b == QLatin1String("float") ? tr("float") : tr("%1-bit").arg(b));
        box->setChecked(chosen.contains(b));
        bitsLayout->addWidget(box);
        m_bits << qMakePair(b, box);
    }
    form->addRow(tr("Weight bits to choose from"), bitsRow);
    m_subset = new QSpinBox;
    m_subset->setRange(64, 1000000);
    m_subset->setSingleStep(256);
    m_subset->setValue(int(current.subsetSamples));
    m_subset->setSuffix(tr(" samples"));
    m_subset->setToolTip(tr("Candidates are evaluated on the first samples of the evaluation split; the result is "
                            "confirmed on all of it"));
    form->addRow(tr("Evaluate candidates on"), m_subset);
    m_methods = new QCheckBox(tr("Choose each layer's activation range method first"));
    m_methods->setChecked(current.chooseMethods);
    form->addRow(QString(), m_methods);
    auto* note = new QLabel(tr("Activations keep the toolbar's setting; a layer at float keeps float inputs."));
    note->setWordWrap(true);
    form->addRow(note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Search"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SearchSettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SearchSettingsDialog::accept()
{
    QStringList bits;
    for (const auto& [b, box] : m_bits)
        if (box->isChecked())
            bits << b;
    QString problem;
    try {
        parseBitChoices(bits.join(u','));
    } catch (const EngineError&) {
        problem = tr("Pick at least one integer width from 2 to 8.");
    }
    if (!m_limitDrop->isChecked() && !m_limitSize->isChecked())
        problem = tr("Set a budget: a largest drop, a largest size, or both.");
    else if (m_limitLatency->isChecked() && !bits.contains(QStringLiteral("8")))
        problem = tr("A latency budget needs 8-bit among the weight bits: only 8-bit layers run on int8 kernels.");
    if (!problem.isEmpty()) {
        QMessageBox::warning(this, tr("Search Settings"), problem);
        return;
    }
    m_settings.setMaxDrop(m_task, m_limitDrop->isChecked() ? m_drop->value() : -1);
    m_settings.targetBytes = m_limitSize->isChecked() ? qint64(m_size->value() * 1000) : 0;
    m_settings.maxLatencyMs = m_limitLatency->isChecked() ? m_latency->value() : 0;
    m_settings.setBits(m_task, bits.join(u','));
    m_settings.subsetSamples = m_subset->value();
    m_settings.chooseMethods = m_methods->isChecked();
    QDialog::accept();
}

} // namespace qs
