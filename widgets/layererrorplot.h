#pragma once
// Per-layer values across the whole model as grouped bars: SQNR (dB) per layer by default, or
// any signed quantity (e.g. sensitivity in points of top-1).

#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPItemText;

namespace qs {

struct ErrorSeries {
    QString name;
    /// One per layer, dB. +inf (no error) is drawn as a full bar; a series without any finite
    /// value is left out (nothing of that kind quantized, e.g. the activations of a weight-only trial).
    QVector<double> values;
};

class LayerErrorPlot : public QWidget
{
    Q_OBJECT
public:
    explicit LayerErrorPlot(QWidget* parent = nullptr);
    void setData(const QStringList& layers, const QVector<ErrorSeries>& series);
    /// Another quantity than SQNR: its axis label, and whether values may be negative (then
    /// +inf is not expected and the axis spans the values with zero included).
    void setValueAxis(const QString& label, bool allowNegative);
    void clear();
    /// What the empty plot says (e.g. "Run a trial to see each layer's error").
    void setEmptyText(const QString& text);
    /// The text shown instead of bars, or empty while there are bars.
    QString shownEmptyText() const;
    int barCount() const;
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void layerClicked(int index);

private:
    QCustomPlot* m_plot;
    QCPItemText* m_empty;
    QStringList m_layers;
    bool m_signed = false;
};

} // namespace qs
