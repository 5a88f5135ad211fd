#pragma once
// A layer's weight range per output channel: one bar from min to max per channel, with the
// grid of a per-tensor quantizer across them. Shows at a glance why one scale for the whole
// tensor fails when channels differ (depthwise convolutions with batch norm folded in).

#include "histogrammath.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPAbstractItem;
class QCPFinancial;
class QCPItemText;
class QCPTextElement;

namespace qs {

struct ChannelRangeData {
    QVector<double> min; ///< per output channel
    QVector<double> max;
    QString title;
};

class ChannelRangePlot : public QWidget
{
    Q_OBJECT
public:
    explicit ChannelRangePlot(QWidget* parent = nullptr);

    void setData(const ChannelRangeData& data);
    /// The quantizer of the weight: a per-tensor grid draws its levels across every channel;
    /// `perChannel` says each channel has its own scale (only the caption says so).
    void setGrid(const QuantGrid& grid, bool perChannel);
    void clear(const QString& title = QString());

    int channelCount() const { return int(m_data.min.size()); }
    /// The caption: the spread of the channel ranges and, with a per-tensor grid, how many steps
    /// the narrowest channel gets.
    QString caption() const;
    int gridLineCount() const { return m_gridLines; }
    QCustomPlot* plot() const { return m_plot; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void applyColours();

    QCustomPlot* m_plot;
    QCPTextElement* m_title;
    QCPFinancial* m_bars;
    QCPItemText* m_caption;
    QVector<QCPAbstractItem*> m_gridItems;
    ChannelRangeData m_data;
    QuantGrid m_grid;
    bool m_perChannel = false;
    int m_gridLines = 0;
};

} // namespace qs
