#include "graphtab.h"

#include "graphview.h"
#include "plotdata.h"
#include "trialchoice.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace qs {

GraphTab::GraphTab(QWidget* parent)
    : QWidget(parent), m_view(new GraphView), m_colour(new QComboBox), m_against(new TrialChoice),
      m_save(new QPushButton(tr("Save…"))), m_fit(new QPushButton(tr("Fit"))), m_hint(new QLabel)
{
    for (const GraphColourName& c : graphColours())
        m_colour->addItem(tr(c.label), int(c.colour));
    m_colour->setCurrentIndex(m_colour->findData(int(GraphColour::OutputSqnr)));
    m_colour->setToolTip(tr("The shown trial's per-layer figure the layer boxes are coloured by"));
    m_against->setToolTip(tr("Colour by how much better (blue) or worse (red) the shown trial is than this one"));
    m_save->setToolTip(tr("Save the graph as SVG or PNG"));
    m_hint->setTextFormat(Qt::PlainText);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Colour by")));
    controls->addWidget(m_colour);
    controls->addWidget(new QLabel(tr("against")));
    controls->addWidget(m_against, 1);
    controls->addWidget(m_fit);
    controls->addWidget(m_save);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_hint);
    connect(m_colour, &QComboBox::currentIndexChanged, this, [this] { draw(); });
    connect(m_against, &TrialChoice::chosen, this, &GraphTab::againstRequested);
    connect(m_save, &QPushButton::clicked, this, &GraphTab::saveWithDialog);
    m_fit->setToolTip(tr("Show the whole graph (Ctrl+wheel zooms back in)"));
    connect(m_fit, &QPushButton::clicked, m_view, &GraphView::fitAll);
    connect(m_view, &GraphView::nodeClicked, this, [this](int node) {
        const GraphNode& n = m_report.graph.nodes.value(node);
        if (n.kind == GraphNode::Layer && !n.layers.isEmpty())
            Q_EMIT layerClicked(n.layers.first());
    });
}

void GraphTab::setProfile(const ProfileReport& report)
{
    m_report = report;
    m_hasTrial = m_hasOther = false;
    m_trialId = 0;
    m_extras = {};
    m_against->choose(0);
    draw();
}

void GraphTab::setTrial(const TrialResult* trial, qint64 id)
{
    m_hasTrial = trial != nullptr;
    m_trial = trial ? *trial : TrialResult();
    m_trialId = id;
    draw();
}

void GraphTab::setHistory(const QVector<StoredTrial>& trials)
{
    m_against->setTrials(trials);
}

void GraphTab::setAgainst(const TrialResult* trial)
{
    m_hasOther = trial != nullptr;
    m_other = trial ? *trial : TrialResult();
    if (!trial)
        m_against->choose(0);
    draw();
}

void GraphTab::setSensitivity(const SensitivityResult& result)
{
    m_extras.sensitivity.clear();
    for (const LayerSensitivity& l : result.layers)
        m_extras.sensitivity << l.drop;
    draw();
}

void GraphTab::setLatency(const QVector<LatencyProfile>& profiles)
{
    m_extras.latencyMs.clear();
    if (!profiles.isEmpty())
        for (const LayerTime& l : profiles.last().layers)
            m_extras.latencyMs << l.totalMs();
    draw();
}

void GraphTab::saveWithDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Graph"), QStringLiteral("graph.svg"),
                                                      tr("SVG image (*.svg);;PNG image (*.png)"));
    if (path.isEmpty())
        return;
    QString error;
    if (m_view->save(path, &error))
        Q_EMIT saved(tr("Graph saved to %1").arg(path));
    else
        Q_EMIT saveFailed(tr("Cannot save the graph"), error);
}

void GraphTab::setColour(int index)
{
    m_colour->setCurrentIndex(index);
}

void GraphTab::selectLayer(int row)
{
    m_row = row;
    m_view->selectNode(m_report.graph.nodeOfLayer(row));
}

void GraphTab::draw()
{
    const auto colour = GraphColour(m_colour->currentData().toInt());
    m_view->setPicture(graphPicture(m_report.graph, [this] {
        QVector<LayerInfo> layers;
        for (const LayerProfile& p : m_report.layers)
            layers << p.layer;
        return layers;
    }(), m_hasTrial ? &m_trial : nullptr, colour, m_hasOther ? &m_other : nullptr, m_extras));
    m_view->selectNode(m_report.graph.nodeOfLayer(m_row));
    int adds = 0;
    for (const GraphNode& n : m_report.graph.nodes)
        adds += n.label == QLatin1String("add");
    m_hint->setText(m_report.graph.nodes.isEmpty()
                        ? tr("Open a model to see its graph")
                        : tr("%1 layers (boxes) and the ops between them%2 · click a layer to select it · Ctrl+wheel zooms%3")
                              .arg(m_report.layers.size())
                              .arg(adds ? tr(", %1 residual adds").arg(adds) : QString())
                              .arg(m_hasTrial ? QString() : tr(" · run a trial to colour the layers")));
}

} // namespace qs
