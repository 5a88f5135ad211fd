#include "resulttabs.h"

#include "disagreementtab.h"
#include "errortab.h"
#include "graphtab.h"
#include "historypanel.h"
#include "latencyplot.h"
#include "latencytab.h"
#include "layererrorplot.h"
#include "paretoplot.h"
#include "plotdata.h"
#include "plotexport.h"

namespace qs {

ResultTabs::ResultTabs(HistoryPanel* history, QWidget* parent)
    : QTabWidget(parent), m_errorTab(new ErrorTab), m_paretoPlot(new ParetoPlot),
      m_sensitivityPlot(new LayerErrorPlot), m_disagreements(new DisagreementTab), m_latency(new LatencyTab),
      m_graph(new GraphTab)
{
    addTab(m_errorTab, tr("Error per layer"));
    addTab(m_paretoPlot, tr("Accuracy vs size"));
    m_sensitivityPlot->setValueAxis(tr("top-1 points"), true);
    m_sensitivityPlot->setEmptyText(tr("Run a sensitivity analysis to rank the layers"));
    m_sensitivityPlot->setToolTip(tr("Sensitivity analysis, most sensitive layer first: points of top-1 lost with only that "
                                     "layer quantized, and points won back by keeping only that layer float. "
                                     "Click a bar to select its layer."));
    addTab(m_sensitivityPlot, tr("Sensitivity"));
    addTab(m_disagreements, tr("Disagreements"));
    addTab(m_latency, tr("Latency"));
    addTab(m_graph, tr("Graph"));
    connect(m_graph, &GraphTab::layerClicked, this, &ResultTabs::layerClicked);
    connect(m_latency, &LatencyTab::layerClicked, this, &ResultTabs::layerClicked);
    addTab(history, tr("History"));
    connect(m_errorTab, &ErrorTab::layerClicked, this, &ResultTabs::layerClicked);
    connect(m_sensitivityPlot, &LayerErrorPlot::layerClicked, this, [this](int bar) {
        if (bar >= 0 && bar < m_sensitivityOrder.size())
            Q_EMIT layerClicked(m_sensitivityOrder[bar]);
    });
    connect(m_paretoPlot, &ParetoPlot::trialClicked, this, &ResultTabs::trialClicked);
    addSavePlotMenu(errorPlot()->plot(), QStringLiteral("error-per-layer"));
    addSavePlotMenu(m_paretoPlot->plot(), QStringLiteral("accuracy-vs-size"), [this] { m_paretoPlot->resetZoom(); });
    addSavePlotMenu(m_sensitivityPlot->plot(), QStringLiteral("sensitivity"));
}

LayerErrorPlot* ResultTabs::errorPlot() const
{
    return m_errorTab->plot();
}

QCustomPlot* ResultTabs::currentPlot() const
{
    QWidget* tab = currentWidget();
    return tab == m_errorTab          ? errorPlot()->plot()
           : tab == m_sensitivityPlot ? m_sensitivityPlot->plot()
           : tab == m_latency         ? m_latency->plot()->plot()
                                      : m_paretoPlot->plot();
}

void ResultTabs::setProfile(const ProfileReport& report)
{
    m_metric = report.metric;
    m_floatBytes = 4.0 * double(report.parameterCount);
    m_floatScore = report.floatScore();
    m_evaluationSamples = report.evaluationSamples;
    m_layerCount = int(report.layers.size());
    m_errorTab->clear();
    m_graph->setProfile(report);
    m_sensitivityPlot->clear();
    m_latency->clear();
    m_sensitivityOrder.clear();
    m_paretoPlot->setPath({});
    setPlotMetric(*m_paretoPlot, m_metric);
    setTabText(indexOf(m_paretoPlot), m_metric == Metric::Perplexity ? tr("Perplexity vs size") : tr("Accuracy vs size"));
    showPoints();
}

void ResultTabs::setTrial(const TrialResult& r, std::shared_ptr<const Dataset> data)
{
    m_errorTab->setTrial(r);
    m_graph->setTrial(&r, 0);
    m_disagreements->setTrial(r, std::move(data));
}

void ResultTabs::setSensitivity(const SensitivityResult& r)
{
    m_sensitivityOrder = r.ranking();
    QStringList names;
    QVector<ErrorSeries> series(r.layers.value(0).hasConverse ? 2 : 1);
    // Bars grow with the harm: top-1 points lost, or perplexity added.
    const bool lm = r.metric == Metric::Perplexity;
    series[0].name = lm ? tr("perplexity added with only this layer quantized") : tr("points lost with only this layer quantized");
    if (series.size() > 1)
        series[1].name = lm ? tr("perplexity taken back by keeping only this layer float")
                            : tr("points won back by keeping only this layer float");
    for (int i : m_sensitivityOrder) {
        const LayerSensitivity& l = r.layers[i];
        names << l.name;
        series[0].values << l.drop;
        if (series.size() > 1)
            series[1].values << r.allDrop - l.converseDrop;
    }
    m_sensitivityPlot->setData(names, series);
    m_graph->setSensitivity(r);
    setCurrentWidget(m_sensitivityPlot);
}

void ResultTabs::setPoints(const QVector<StoredTrial>& trials, const QString& dataSpec)
{
    m_points.clear();
    for (const StoredTrial& t : trials)
        if (t.origin != QLatin1String("sensitivity") && t.dataSpec == dataSpec) // sensitivity trials: in their own chart
            m_points << trialPoint(t, m_evaluationSamples, m_layerCount);
    showPoints();
}

void ResultTabs::addPoint(const StoredTrial& t, const QString& dataSpec)
{
    if (t.origin == QLatin1String("sensitivity") || t.dataSpec != dataSpec)
        return;
    m_points << trialPoint(t, m_evaluationSamples, m_layerCount);
    showPoints();
}

void ResultTabs::showPoints()
{
    m_paretoPlot->setData(m_points, m_floatBytes, m_floatScore);
}

void ResultTabs::setPath(const QVector<qint64>& ids)
{
    m_paretoPlot->setPath(ids);
}

void ResultTabs::selectPoint(qint64 id)
{
    m_paretoPlot->setSelected(id);
}

} // namespace qs
