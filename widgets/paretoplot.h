#pragma once
// Accuracy against size for every trial, with the Pareto front and the float model.

#include "paretomath.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPCurve;
class QCPGraph;

namespace qs {

struct TrialPoint {
    qint64 id = 0;
    double sizeBytes = 0;
    double metric = 0;  ///< as plotted: top-1 in percent, or perplexity
    QString label;      ///< shown on hover
    /// Scored on fewer samples than the rest (a search's candidate): its score is not comparable
    /// with theirs, so it is drawn hollow and kept off the front.
    bool partial = false;
};

class ParetoPlot : public QWidget
{
    Q_OBJECT
public:
    explicit ParetoPlot(QWidget* parent = nullptr);
    /// The y axis: its label, and whether lower values are better (perplexity) for the front.
    /// The default is "top-1 (%)", higher is better.
    void setMetric(const QString& label, bool lowerIsBetter);
    bool lowerIsBetter() const { return m_lowerIsBetter; }
    /// All trials of one model and data, and the float model's size and metric.
    void setData(const QVector<TrialPoint>& trials, double floatBytes, double floatMetric);
    void clear();
    void setSelected(qint64 id);
    /// A search's path: the trials it kept, in the order it kept them, joined by a line.
    void setPath(const QVector<qint64>& ids);
    /// Back to the range that shows every point (after wheel zoom or drag; also on double-click).
    void resetZoom() { rebuild(); }
    int pathLength() const;
    int pointCount() const { return int(m_points.size()); }
    int frontCount() const { return int(m_front.size()); }
    int partialCount() const;
    const QVector<TrialPoint>& points() const { return m_points; }
    /// The ids of the trials on the front.
    QVector<qint64> frontIds() const;
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void trialClicked(qint64 id);

private:
    int pointAt(const QPoint& pixel) const;
    void rebuild();

    QCustomPlot* m_plot;
    QCPGraph* m_all;
    QCPGraph* m_partial;
    QCPGraph* m_frontLine;
    QCPGraph* m_float;
    QCPGraph* m_selected;
    QCPCurve* m_path;
    QVector<qint64> m_pathIds;
    QVector<TrialPoint> m_points;
    QVector<int> m_front;
    double m_floatBytes = 0;
    double m_floatMetric = 0;
    bool m_lowerIsBetter = false;
    qint64 m_selectedId = 0;
};

} // namespace qs
