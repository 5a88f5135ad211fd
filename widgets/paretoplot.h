#pragma once
// Accuracy against size for every trial, with the Pareto front and the float model.

#include "paretomath.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPCurve;
class QCPGraph;
class QComboBox;

namespace qs {

struct TrialPoint {
    qint64 id = 0;
    double sizeBytes = 0;
    double metric = 0;  ///< as plotted: top-1 in percent, or perplexity
    double latencyMs = 0; ///< its int8 model's end-to-end time; 0: never timed (not on the latency axis)
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
    /// The x axis: model size (the default), or the int8 model's latency — only trials whose int8
    /// model was timed are drawn then, with a front of their own.
    void setLatencyAxis(bool latency);
    bool latencyAxis() const { return m_byLatency; }
    int pathLength() const;
    /// Points drawn: every trial on the size axis, the timed ones on the latency axis.
    int pointCount() const;
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
    double xOf(const TrialPoint& p) const { return m_byLatency ? p.latencyMs : p.sizeBytes; }

    QCustomPlot* m_plot;
    QComboBox* m_axis;
    bool m_byLatency = false;
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
