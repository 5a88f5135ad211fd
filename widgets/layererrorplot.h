#pragma once
// Per-layer error across the whole model: grouped bars of SQNR (dB) per layer.

#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;

namespace qs {

struct ErrorSeries {
    QString name;
    QVector<double> values; ///< one per layer, dB; +inf (no error) is drawn as a hollow marker at the top
};

class LayerErrorPlot : public QWidget
{
    Q_OBJECT
public:
    explicit LayerErrorPlot(QWidget* parent = nullptr);
    void setData(const QStringList& layers, const QVector<ErrorSeries>& series);
    void clear();
    int barCount() const;
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void layerClicked(int index);

private:
    QCustomPlot* m_plot;
    QStringList m_layers;
};

} // namespace qs
