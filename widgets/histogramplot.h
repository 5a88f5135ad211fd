#pragma once
// A distribution plot: histogram bars with min, max and mean marked.

#include "histogrammath.h"

#include <QString>
#include <QWidget>

class QCustomPlot;
class QCPAbstractItem;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPTextElement;

namespace qs {

/// A clipping range some method would choose, drawn as labelled ticks at the top of the plot.
struct RangeTick {
    QString label;
    double lo = 0;
    double hi = 0;
};

/// Everything the plot draws, as plain numbers.
struct HistogramData {
    Bins bins;
    double min = 0;
    double max = 0;
    double mean = 0;
    QString title;
    QString xLabel;
};

class HistogramPlot : public QWidget
{
    Q_OBJECT
public:
    explicit HistogramPlot(QWidget* parent = nullptr);

    void setData(const HistogramData& data);
    /// Draws a quantizer's clipping range (shaded outside) and its levels over the histogram.
    void setGrid(const QuantGrid& grid);
    /// Values after quantization as impulses at their levels (value, count); empty hides them.
    void setQuantized(const QVector<QPair<double, double>>& levels);
    int quantizedLevelCount() const;
    /// Empties the plot; `title` says why (default: no layer selected).
    void clear(const QString& title = QString());
    /// Counts on a log axis: shows the tails next to a tall spike (ReLU outputs at zero).
    void setLogScale(bool on);
    bool logScale() const { return m_log; }
    /// The title of the data shown.
    QString title() const { return m_data.title; }
    /// Bars drawn, for tests.
    int barCount() const;
    /// Grid lines drawn, for tests.
    int gridLineCount() const { return m_gridItems.isEmpty() ? 0 : int(m_gridItems.size()) - 2; }
    QCustomPlot* plot() const { return m_plot; }

    /// Two draggable handles on the clipping range of the grid: dragging one emits
    /// clipRangeChanged with the new range (the grid stays until a trial changes it).
    void setHandlesEnabled(bool on);
    bool handlesEnabled() const { return m_handlesEnabled; }
    /// Moves the handles (as a drag would, signal included); for tests and the keyboard.
    void moveHandles(double lo, double hi);
    double handleLo() const { return m_handleLo; }
    double handleHi() const { return m_handleHi; }
    /// The ranges other methods would choose, as labelled ticks; empty removes them.
    void setRangeTicks(const QVector<RangeTick>& ticks);
    int rangeTickCount() const { return int(m_ticks.size()); }

Q_SIGNALS:
    void clipRangeChanged(double lo, double hi);

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void applyPalette();

    QCustomPlot* m_plot;
    QCPTextElement* m_title;
    QCPGraph* m_bars;
    QCPGraph* m_quantized;
    QCPItemStraightLine* m_minLine;
    QCPItemStraightLine* m_maxLine;
    QCPItemStraightLine* m_meanLine;
    QCPItemText* m_minText;
    QCPItemText* m_maxText;
    QCPItemText* m_meanText;
    void rebuildGrid();
    void rebuildHandles();
    bool m_handlesEnabled = false;
    int m_dragging = -1; ///< 0: the low handle, 1: the high one
    double m_handleLo = 0, m_handleHi = 0;
    QVector<RangeTick> m_ticks;
    QVector<QCPAbstractItem*> m_handleItems;
    QuantGrid m_grid;
    QVector<QCPAbstractItem*> m_gridItems;
    HistogramData m_data;
    bool m_hasData = false;
    bool m_log = false;
};

} // namespace qs
