#include "latencytab.h"

#include "latencyplot.h"
#include "plotexport.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace qs {

LatencyTab::LatencyTab(QWidget* parent)
    : QWidget(parent), m_plot(new LatencyPlot), m_batch(new QComboBox), m_measure(new QPushButton(tr("Measure"))),
      m_saveTrace(new QPushButton(tr("Save Chrome Trace…"))), m_summary(new QLabel)
{
    for (int b : {1, 8, 32, 256})
        m_batch->addItem(QString::number(b), b);
    m_batch->setToolTip(tr("Samples per forward pass"));
    m_measure->setToolTip(tr("Time the float model and the shown trial's int8 model, layer by layer "
                             "(LibTorch's profiling hooks; median of 50 runs)"));
    m_saveTrace->setToolTip(tr("The profiled runs as a Chrome trace: open it in ui.perfetto.dev or chrome://tracing"));
    m_saveTrace->setEnabled(false);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Batch")));
    controls->addWidget(m_batch);
    controls->addWidget(m_measure);
    controls->addStretch(1);
    controls->addWidget(m_saveTrace);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addLayout(controls);
    layout->addWidget(m_summary);
    layout->addWidget(m_plot, 1);
    addSavePlotMenu(m_plot->plot(), QStringLiteral("latency"));
    connect(m_measure, &QPushButton::clicked, this, [this] { Q_EMIT measureRequested(batch()); });
    connect(m_saveTrace, &QPushButton::clicked, this, &LatencyTab::saveTraceRequested);
    connect(m_plot, &LatencyPlot::layerClicked, this, &LatencyTab::layerClicked);
    clear();
}

int LatencyTab::batch() const
{
    return m_batch->currentData().toInt();
}

QString LatencyTab::summaryText() const
{
    return m_summary->text() + u'\n' + m_summary->toolTip();
}

void LatencyTab::clear()
{
    m_profiles.clear();
    m_plot->clear();
    m_plot->setEmptyText(tr("Measure to see where each forward pass's time goes"));
    m_summary->clear();
    m_summary->setToolTip(QString());
    m_saveTrace->setEnabled(false);
}

void LatencyTab::setProfiles(const QVector<LatencyProfile>& profiles, const QString& int8Problem)
{
    m_profiles = profiles;
    m_saveTrace->setEnabled(!profiles.isEmpty());
    if (profiles.isEmpty()) {
        clear();
        return;
    }
    const LatencyProfile& f = profiles.first();
    const LatencyProfile* q = profiles.size() > 1 ? &profiles[1] : nullptr;
    QVector<LatencyBar> bars;
    QStringList floatLayers;
    for (int i = 0; i < f.layers.size(); ++i) {
        LatencyBar b;
        b.layer = f.layers[i].name;
        b.floatMs = f.layers[i].totalMs();
        if (q) {
            b.int8KernelMs = q->layers[i].kernelMs;
            b.int8QuantizeMs = q->layers[i].quantizeMs;
            b.int8 = q->layers[i].int8;
            b.note = q->layers[i].note;
            if (!b.int8)
                floatLayers << QStringLiteral("%1: %2").arg(b.layer, b.note);
        }
        bars << b;
    }
    LatencyBar between;
    between.layer = tr("between layers");
    between.floatMs = f.betweenMs;
    between.int8KernelMs = q ? q->betweenMs : 0;
    bars << between;
    m_plot->setData(bars, q != nullptr);
    const QLocale locale;
    QString text = tr("batch %1, %2 threads · float <b>%3 ms</b>").arg(f.batch).arg(f.threads).arg(locale.toString(f.endToEndMs, 'f', 3));
    if (q)
        text += tr(" · int8 <b>%1 ms</b> (%2× %3)")
                    .arg(locale.toString(q->endToEndMs, 'f', 3), locale.toString(f.endToEndMs / q->endToEndMs, 'f', 2),
                         q->endToEndMs < f.endToEndMs ? tr("faster") : tr("slower"));
    else if (!int8Problem.isEmpty())
        text += tr(" · int8: %1").arg(int8Problem.toHtmlEscaped());
    if (!floatLayers.isEmpty())
        text += tr(" · <b>*</b> %n layer(s) not on int8 kernels (why: hover here)", nullptr, int(floatLayers.size()));
    m_summary->setText(text);
    m_summary->setToolTip(floatLayers.isEmpty() ? QString()
                                                : tr("Not on int8 kernels:\n%1").arg(floatLayers.join(QStringLiteral("\n"))));
}

} // namespace qs
