#pragma once
// How calibration converged: each layer's activation scale after every calibration batch, as a
// difference from its final value (%), with the ±1% band drawn.

#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPItemText;

namespace qs {

class ConvergencePlot : public QWidget
{
    Q_OBJECT
public:
    explicit ConvergencePlot(QWidget* parent = nullptr);
    /// deviations: per layer, per step, the scale's difference from its final value in percent
    /// (NaN: not observed); `samples`: calibration samples seen after each step.
    void setData(const QStringList& layers, const QVector<double>& samples, const QVector<QVector<double>>& deviations);
    void clear(const QString& text);
    QCustomPlot* plot() const { return m_plot; }
    int lineCount() const;

private:
    QCustomPlot* m_plot;
    QCPItemText* m_empty;
};

} // namespace qs
