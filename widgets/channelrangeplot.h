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
    /// The weight's quantizer: a per-tensor grid is drawn across every channel; with
    /// `perChannel` each channel has its own scale and only the caption says so.
    QuantGrid grid;
    bool perChannel = false;
};

class ChannelRangePlot : public QWidget
{
    Q_OBJECT
public:
    explicit ChannelRangePlot(QWidget* parent = nullptr);

    void setData(const ChannelRangeData& data);
    void clear(const QString& title = QString());

    int channelCount() const { return int(m_data.min.size()); }
    /// The caption: the spread of the channel ranges and, with a per-tensor grid, how many steps
    /// the narrowest channel gets.
    QString caption() const;
    /// Level lines drawn (the two clip lines not counted), for tests.
    int gridLineCount() const { return m_gridItems.isEmpty() ? 0 : int(m_gridItems.size()) - 2; }
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
};

} // namespace qs
