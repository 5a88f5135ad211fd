#pragma once
// The result tabs under the layer table: error per layer, accuracy (or perplexity) against
// size, sensitivity, disagreements and the trial history.

#include "paretoplot.h"
#include "profile.h"
#include "search.h"
#include "store.h"

#include <QTabWidget>

#include <memory>

class QCustomPlot;

namespace qs {

class DisagreementTab;
class ErrorTab;
class GraphTab;
class LatencyTab;
class HistoryPanel;
class LayerErrorPlot;

class ResultTabs : public QTabWidget
{
    Q_OBJECT
public:
    ResultTabs(HistoryPanel* history, QWidget* parent = nullptr);
    LayerErrorPlot* errorPlot() const;
    ErrorTab* errorTab() const { return m_errorTab; }
    GraphTab* graphTab() const { return m_graph; }
    ParetoPlot* paretoPlot() const { return m_paretoPlot; }
    LayerErrorPlot* sensitivityPlot() const { return m_sensitivityPlot; }
    DisagreementTab* disagreementTab() const { return m_disagreements; }
    LatencyTab* latencyTab() const { return m_latency; }
    /// The chart of the current tab (the size plot when the tab has none).
    QCustomPlot* currentPlot() const;

    /// A new model: its metric on the size plot; trial and sensitivity charts cleared.
    void setProfile(const ProfileReport& report);
    void setTrial(const TrialResult& r, std::shared_ptr<const Dataset> data);
    void setSensitivity(const SensitivityResult& r);
    /// The size plot's points: the trials of `dataSpec` among `trials` (not sensitivity's).
    void setPoints(const QVector<StoredTrial>& trials, const QString& dataSpec);
    void addPoint(const StoredTrial& trial, const QString& dataSpec);
    void setPath(const QVector<qint64>& ids);
    void selectPoint(qint64 id);

Q_SIGNALS:
    /// A bar of the error or sensitivity chart was clicked: its layer (row in model order).
    void layerClicked(int row);
    void trialClicked(qint64 id);

private:
    void showPoints();
    ErrorTab* m_errorTab;
    ParetoPlot* m_paretoPlot;
    LayerErrorPlot* m_sensitivityPlot;
    DisagreementTab* m_disagreements;
    LatencyTab* m_latency;
    GraphTab* m_graph;
    QVector<int> m_sensitivityOrder; ///< layer row of each bar of the sensitivity chart
    QVector<TrialPoint> m_points;
    Metric m_metric = Metric::Agreement;
    double m_floatBytes = 0;
    double m_floatScore = 0;
    qint64 m_evaluationSamples = 0; ///< the whole evaluation split: fewer makes a point partial
    int m_layerCount = 0;
};

} // namespace qs
