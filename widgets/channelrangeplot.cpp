#include "channelrangeplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QEvent>
#include <QVBoxLayout>

#include <algorithm>

namespace qs {

namespace {

const QColor kBarColour(41, 128, 185);
const QColor kClipColour(192, 57, 43);

QCPItemStraightLine* horizontalLine(QCustomPlot* plot, double y, const QPen& pen)
{
    auto* line = new QCPItemStraightLine(plot);
    line->setPen(pen);
    for (QCPItemPosition* p : {line->point1, line->point2}) {
        p->setTypeX(QCPItemPosition::ptAxisRectRatio);
        p->setTypeY(QCPItemPosition::ptPlotCoords);
    }
    line->point1->setCoords(0, y);
    line->point2->setCoords(1, y);
    line->setClipToAxisRect(true);
    return line;
}

} // namespace

ChannelRangePlot::ChannelRangePlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(180);

    m_title = addTitleRow(m_plot, font());
    m_plot->xAxis->setLabel(tr("output channel"));
    m_plot->yAxis->setLabel(tr("weight value"));
    m_plot->xAxis->grid()->setVisible(false);

    m_bars = new QCPFinancial(m_plot->xAxis, m_plot->yAxis);
    m_bars->setChartStyle(QCPFinancial::csCandlestick);
    m_bars->setTwoColored(false);
    m_bars->setWidth(0.7);
    m_bars->setBrush(QColor(kBarColour.red(), kBarColour.green(), kBarColour.blue(), 150));
    m_bars->setPen(QPen(kBarColour.darker(120), 1));
    m_bars->setName(tr("channel range"));

    m_caption = new QCPItemText(m_plot);
    m_caption->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_caption->setTextAlignment(Qt::AlignLeft);
    m_caption->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_caption->position->setCoords(0.01, 0.01);
    m_caption->setPadding(QMargins(4, 2, 4, 2));
    m_caption->setClipToAxisRect(true);
    setToolTip(tr("Each bar spans one output channel's weights, min to max. With one scale per tensor "
                  "every channel shares the grid drawn across them; narrow channels get few levels."));
    applyColours();
    clear();
}

void ChannelRangePlot::applyColours()
{
    applyPlotPalette(m_plot, palette());
    m_caption->setColor(palette().color(QPalette::WindowText));
    QColor base = palette().color(QPalette::Base);
    base.setAlpha(210); // readable over the bars
    m_caption->setBrush(base);
}

void ChannelRangePlot::setData(const ChannelRangeData& data)
{
    m_data = data;
    rebuild();
}

void ChannelRangePlot::clear(const QString& title)
{
    m_data = ChannelRangeData();
    m_data.title = title.isEmpty() ? tr("Select a layer") : title;
    rebuild();
}

QString ChannelRangePlot::caption() const
{
    return m_caption->text();
}

void ChannelRangePlot::rebuild()
{
    m_title->setText(m_data.title);
    for (QCPAbstractItem* item : std::as_const(m_gridItems))
        m_plot->removeItem(item);
    m_gridItems.clear();

    const int n = channelCount();
    QVector<double> keys(n);
    for (int i = 0; i < n; ++i)
        keys[i] = i;
    m_bars->setData(keys, m_data.min, m_data.max, m_data.min, m_data.max, true);
    if (n == 0) {
        m_caption->setText(QString());
        m_plot->replot();
        return;
    }

    const bool perTensorGrid = m_data.grid.valid && !m_data.perChannel;
    const ChannelSpread spread = channelSpread(m_data.min, m_data.max, perTensorGrid ? m_data.grid.step : 0);
    QString text = tr("%1 channels · widest (#%2) %3× the median, %4× the narrowest (#%5)")
                       .arg(spread.channels)
                       .arg(spread.widest)
                       .arg(spread.widestOverMedian, 0, 'f', 1)
                       .arg(spread.widestOverNarrowest, 0, 'f', 1)
                       .arg(spread.narrowest);
    if (perTensorGrid) {
        text += tr("\none scale per tensor: %1 levels, step %2 — the narrowest channel spans %3 steps")
                    .arg(m_data.grid.levels)
                    .arg(m_data.grid.step, 0, 'g', 3)
                    .arg(spread.narrowestSteps, 0, 'f', 1);
        QColor level = palette().color(QPalette::WindowText);
        level.setAlpha(60);
        for (double y : m_data.grid.lines)
            m_gridItems << horizontalLine(m_plot, y, QPen(level, 1));
        for (double y : {m_data.grid.clipLo, m_data.grid.clipHi})
            m_gridItems << horizontalLine(m_plot, y, QPen(kClipColour, 1.5, Qt::DashLine));
    } else if (m_data.grid.valid) {
        text += tr("\none scale per channel: each channel gets all %1 levels").arg(m_data.grid.levels);
    }
    m_caption->setText(text);

    double lo = *std::min_element(m_data.min.cbegin(), m_data.min.cend());
    double hi = *std::max_element(m_data.max.cbegin(), m_data.max.cend());
    if (perTensorGrid) {
        lo = std::min(lo, m_data.grid.clipLo);
        hi = std::max(hi, m_data.grid.clipHi);
    }
    const double pad = (hi - lo) * 0.08 + 1e-12;
    m_plot->xAxis->setRange(-1, n);
    m_plot->yAxis->setRange(lo - pad, hi + pad * 3); // room for the caption above the bars
    m_plot->replot();
}

void ChannelRangePlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyColours();
        rebuild();
    }
    QWidget::changeEvent(event);
}

} // namespace qs
