#pragma once
// Per-layer values across the whole model as grouped bars: SQNR (dB) per layer by default, or
// any signed quantity (e.g. sensitivity in points of top-1).

#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <limits>

class QCustomPlot;
class QCPItemText;

namespace qs {

struct ErrorSeries {
    QString name;
    /// One per layer, dB. +inf (no error) is drawn as a full bar; a series without any finite
    /// value is left out (nothing of that kind quantized, e.g. the activations of a weight-only trial).
    QVector<double> values;
    /// Bars side by side, or a line with a marker per layer over them (a profile along depth).
    enum Kind { Bars, Line } kind = Bars;
    /// Bars: stacked on the series with this index (which must come before), not beside it.
    int stackOn = -1;
    QColor colour; ///< invalid: the next of the plot's series colours
};

class LayerErrorPlot : public QWidget
{
    Q_OBJECT
public:
    explicit LayerErrorPlot(QWidget* parent = nullptr);
    void setData(const QStringList& layers, const QVector<ErrorSeries>& series);
    /// What the values are: decibels (the axis ends at a multiple of 10 above the largest, +inf
    /// drawn full height), a signed quantity (the axis spans the values with zero included), or
    /// a plain quantity from zero (the axis spans zero to the largest value or reference line).
    enum class Scale { Decibels, Signed, Plain };
    /// Another quantity than SQNR: its axis label and scale.
    void setValueAxis(const QString& label, bool allowNegative);
    void setValueAxis(const QString& label, Scale scale);
    /// A dashed vertical line at one layer with a label (e.g. where the error first jumps); -1 removes it.
    void setMarker(int layer, const QString& label);
    /// A dotted horizontal line at `value` with a label (e.g. pure rounding noise); NaN removes it.
    void setReferenceLine(double value, const QString& label);
    /// The layer the marker stands at, or -1.
    int marker() const { return m_marker; }
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
    QString m_emptyText;
    QStringList m_layers;
    Scale m_scale = Scale::Decibels;
    int m_marker = -1;
    QString m_markerLabel;
    double m_reference = std::numeric_limits<double>::quiet_NaN();
    QString m_referenceLabel;
    QVector<ErrorSeries> m_series;
    void draw();
};

} // namespace qs
