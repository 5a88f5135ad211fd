#include "histogramplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QEvent>
#include <QVBoxLayout>

#include <cmath>

namespace qs {

namespace {

const QColor kRangeColour(192, 57, 43);
const QColor kMeanColour(39, 174, 96);

QCPItemStraightLine* verticalLine(QCustomPlot* plot, const QColor& colour, Qt::PenStyle style)
{
    auto* line = new QCPItemStraightLine(plot);
    line->setPen(QPen(colour, 1.5, style));
    for (QCPItemPosition* p : {line->point1, line->point2}) {
        p->setTypeX(QCPItemPosition::ptPlotCoords);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    line->setClipToAxisRect(true);
    return line;
}

QCPItemText* label(QCustomPlot* plot, const QColor& colour, Qt::Alignment align)
{
    auto* text = new QCPItemText(plot);
    text->setColor(colour);
    text->setPositionAlignment(align);
    text->position->setTypeX(QCPItemPosition::ptPlotCoords);
    text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    text->setPadding(QMargins(3, 2, 3, 2));
    text->setClipToAxisRect(true);
    return text;
}

void place(QCPItemStraightLine* line, QCPItemText* text, double x, double yRatio, const QString& caption)
{
    line->point1->setCoords(x, 0);
    line->point2->setCoords(x, 1);
    text->position->setCoords(x, yRatio);
    text->setText(caption);
}

} // namespace

HistogramPlot::HistogramPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    // Dragging a clipping handle (when enabled): press near one, move, release.
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (!m_handlesEnabled || !m_grid.valid || !m_hasData)
            return;
        const double x = e->position().x();
        const double lo = m_plot->xAxis->coordToPixel(m_handleLo), hi = m_plot->xAxis->coordToPixel(m_handleHi);
        m_dragging = std::abs(x - lo) <= 7 ? 0 : std::abs(x - hi) <= 7 ? 1 : -1;
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (!m_handlesEnabled || !m_grid.valid || !m_hasData)
            return;
        const double x = e->position().x();
        if (m_dragging < 0) {
            const double lo = m_plot->xAxis->coordToPixel(m_handleLo), hi = m_plot->xAxis->coordToPixel(m_handleHi);
            m_plot->setCursor(std::abs(x - lo) <= 7 || std::abs(x - hi) <= 7 ? Qt::SizeHorCursor : Qt::ArrowCursor);
            return;
        }
        const double v = m_plot->xAxis->pixelToCoord(x);
        const double gap = 1e-6 * std::max(1.0, std::abs(m_handleHi - m_handleLo));
        if (m_dragging == 0)
            moveHandles(std::min(v, m_handleHi - gap), m_handleHi);
        else
            moveHandles(m_handleLo, std::max(v, m_handleLo + gap));
    });
    connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent*) { m_dragging = -1; });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(180);

    m_title = addTitleRow(m_plot, font());
    m_plot->yAxis->setLabel(tr("count"));
    m_plot->xAxis->grid()->setVisible(false);

    m_bars = m_plot->addGraph();
    m_bars->setLineStyle(QCPGraph::lsStepLeft);
    m_bars->setName(tr("float"));
    m_quantized = m_plot->addGraph();
    m_quantized->setLineStyle(QCPGraph::lsImpulse);
    m_quantized->setPen(QPen(QColor(211, 84, 0), 2));
    m_quantized->setName(tr("quantized"));

    m_minLine = verticalLine(m_plot, kRangeColour, Qt::DashLine);
    m_maxLine = verticalLine(m_plot, kRangeColour, Qt::DashLine);
    m_meanLine = verticalLine(m_plot, kMeanColour, Qt::DotLine);
    m_minText = label(m_plot, kRangeColour, Qt::AlignLeft | Qt::AlignTop);
    m_maxText = label(m_plot, kRangeColour, Qt::AlignRight | Qt::AlignTop);
    m_meanText = label(m_plot, kMeanColour, Qt::AlignHCenter | Qt::AlignTop);
    applyPalette();
    clear();
}

void HistogramPlot::applyPalette()
{
    applyPlotPalette(m_plot, palette());
    m_title->setTextColor(palette().color(QPalette::WindowText));
    const QColor bar = palette().color(QPalette::Highlight);
    QColor fill = bar;
    fill.setAlpha(110);
    m_bars->setPen(QPen(bar, 1));
    m_bars->setBrush(fill);
    QColor labelBack = palette().color(QPalette::Base);
    labelBack.setAlpha(190);
    for (QCPItemText* t : {m_minText, m_maxText, m_meanText})
        t->setBrush(labelBack);
}

void HistogramPlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
    QWidget::changeEvent(event);
}

void HistogramPlot::setData(const HistogramData& data)
{
    m_data = data;
    m_hasData = !data.bins.counts.isEmpty();
    rebuild();
}

void HistogramPlot::clear(const QString& title)
{
    m_data = {};
    m_data.title = title;
    m_hasData = false;
    m_grid = {};
    m_quantized->data()->clear();
    rebuild();
}

void HistogramPlot::setGrid(const QuantGrid& grid)
{
    m_grid = grid;
    m_handleLo = grid.clipLo;
    m_handleHi = grid.clipHi;
    rebuild();
}

void HistogramPlot::setQuantized(const QVector<QPair<double, double>>& levels)
{
    QVector<double> keys, values;
    for (const auto& [v, c] : levels) {
        keys << v;
        values << c;
    }
    m_quantized->setData(keys, values, /*alreadySorted=*/true);
    // Few levels: bold impulses; many (8 bits): thin, translucent ones that leave the bars visible.
    QColor colour(211, 84, 0);
    if (levels.size() > 64)
        colour.setAlpha(150);
    m_quantized->setPen(QPen(colour, levels.size() > 64 ? 1 : 2));
    rebuild(); // the y axis takes in the levels' counts (the zero level's spike may be the highest)
}

int HistogramPlot::quantizedLevelCount() const
{
    return m_quantized->data()->size();
}

void HistogramPlot::rebuildGrid()
{
    for (QCPAbstractItem* item : m_gridItems)
        m_plot->removeItem(item);
    m_gridItems.clear();
    if (!m_grid.valid || !m_hasData)
        return;
    const QColor shade(192, 57, 43, 40);
    const QCPRange x = m_plot->xAxis->range();
    // Shade what the quantizer clips: left of clipLo and right of clipHi.
    for (const auto& [from, to] : {std::pair{std::min(x.lower, m_grid.clipLo), m_grid.clipLo},
                                   std::pair{m_grid.clipHi, std::max(x.upper, m_grid.clipHi)}}) {
        auto* rect = new QCPItemRect(m_plot);
        rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->topLeft->setCoords(from, 0);
        rect->bottomRight->setCoords(to, 1);
        rect->setPen(Qt::NoPen);
        rect->setBrush(shade);
        rect->setClipToAxisRect(true);
        m_gridItems << rect;
    }
    QColor lineColour = palette().color(QPalette::WindowText);
    lineColour.setAlpha(70);
    for (double v : m_grid.lines) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->setPen(QPen(lineColour, 1));
        line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point1->setCoords(v, 0);
        line->point2->setCoords(v, 1);
        line->setClipToAxisRect(true);
        m_gridItems << line;
    }
    // The grid's caption goes under the axis, where it hides no data (the tails are what matters).
    m_plot->xAxis->setLabel(tr("%1\ngrid: %2, clip [%3, %4]")
                                .arg(m_data.xLabel, m_grid.caption)
                                .arg(m_grid.clipLo, 0, 'g', 3)
                                .arg(m_grid.clipHi, 0, 'g', 3));
}

void HistogramPlot::setHandlesEnabled(bool on)
{
    m_handlesEnabled = on;
    m_handleLo = m_grid.clipLo;
    m_handleHi = m_grid.clipHi;
    rebuildHandles();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramPlot::moveHandles(double lo, double hi)
{
    if (!(lo < hi))
        return;
    m_handleLo = lo;
    m_handleHi = hi;
    rebuildHandles();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT clipRangeChanged(lo, hi);
}

void HistogramPlot::setRangeTicks(const QVector<RangeTick>& ticks)
{
    m_ticks = ticks;
    rebuildHandles();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramPlot::rebuildHandles()
{
    for (QCPAbstractItem* item : m_handleItems)
        m_plot->removeItem(item);
    m_handleItems.clear();
    if (!m_hasData)
        return;
    // The methods' ranges: short ticks from the top, a small label at each.
    const QColor tickColour(90, 90, 90);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    for (qsizetype k = 0; k < m_ticks.size(); ++k) {
        const RangeTick& t = m_ticks[k];
        for (double v : {t.lo, t.hi}) {
            auto* line = new QCPItemLine(m_plot);
            line->start->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->end->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->start->setCoords(v, 0);
            line->end->setCoords(v, 0.05 + 0.075 * double(k % 5));
            line->setPen(QPen(tickColour, 1));
            line->setClipToAxisRect(true);
            m_handleItems << line;
            auto* text = new QCPItemText(m_plot);
            text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            text->position->setCoords(v, 0.05 + 0.075 * double(k % 5));
            text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
            text->setFont(small);
            text->setColor(tickColour);
            text->setText(t.label);
            text->setClipToAxisRect(true);
            m_handleItems << text;
        }
    }
    if (!m_handlesEnabled || !m_grid.valid)
        return;
    const QColor handle(211, 84, 0);
    for (double v : {m_handleLo, m_handleHi}) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->setPen(QPen(handle, 3));
        line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point1->setCoords(v, 0);
        line->point2->setCoords(v, 1);
        line->setClipToAxisRect(true);
        m_handleItems << line;
    }
}

void HistogramPlot::setLogScale(bool on)
{
    m_log = on;
    rebuild();
}

int HistogramPlot::barCount() const
{
    return m_hasData ? int(m_data.bins.counts.size()) : 0;
}

void HistogramPlot::rebuild()
{
    m_title->setText(m_data.title.isEmpty() ? tr("No layer selected") : m_data.title);
    m_plot->xAxis->setLabel(m_data.xLabel);
    for (QCPAbstractItem* item : {static_cast<QCPAbstractItem*>(m_minLine), static_cast<QCPAbstractItem*>(m_maxLine),
                                  static_cast<QCPAbstractItem*>(m_meanLine), static_cast<QCPAbstractItem*>(m_minText),
                                  static_cast<QCPAbstractItem*>(m_maxText), static_cast<QCPAbstractItem*>(m_meanText)})
        item->setVisible(m_hasData);

    m_plot->yAxis->setScaleType(m_log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (m_log)
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    m_plot->yAxis->setNumberFormat(m_log ? QStringLiteral("eb") : QStringLiteral("gb"));
    m_plot->yAxis->setNumberPrecision(m_log ? 0 : 6);

    if (!m_hasData) {
        rebuildGrid();
        rebuildHandles();
        m_bars->data()->clear();
        m_plot->xAxis->setRange(0, 1);
        m_plot->yAxis->setRange(m_log ? 1 : 0, m_log ? 10 : 1);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }

    const Bins& b = m_data.bins;
    const int n = int(b.counts.size());
    const double width = (b.hi - b.lo) / n;
    // Zero counts cannot sit on a log axis; draw them just below its lower end.
    const double floor = m_log ? 0.5 : 0.0;
    QVector<double> keys(n + 1), values(n + 1);
    double peak = 0;
    for (int i = 0; i < n; ++i) {
        keys[i] = b.lo + i * width;
        values[i] = m_log ? std::max(b.counts[i], floor * 0.5) : b.counts[i];
        peak = std::max(peak, b.counts[i]);
    }
    keys[n] = b.hi;
    values[n] = values[n - 1];
    m_bars->setData(keys, values, /*alreadySorted=*/true);

    const double span = std::max(m_data.max - m_data.min, width);
    double lo = std::min(b.lo, m_data.min - 0.04 * span), hi = std::max(b.hi, m_data.max + 0.04 * span);
    if (m_grid.valid) { // show the whole clipping range, e.g. the unused half of a symmetric grid
        const double gridSpan = m_grid.clipHi - m_grid.clipLo;
        lo = std::min(lo, m_grid.clipLo - 0.04 * gridSpan);
        hi = std::max(hi, m_grid.clipHi + 0.04 * gridSpan);
    }
    m_plot->xAxis->setRange(lo, hi);
    for (auto it = m_quantized->data()->constBegin(); it != m_quantized->data()->constEnd(); ++it)
        peak = std::max(peak, it->value);
    if (m_log)
        m_plot->yAxis->setRange(floor, std::max(10.0, peak * 3));
    else
        m_plot->yAxis->setRange(0, std::max(1.0, peak * 1.15));

    place(m_minLine, m_minText, m_data.min, 0.0, tr("min %1").arg(m_data.min, 0, 'g', 4));
    place(m_maxLine, m_maxText, m_data.max, 0.0, tr("max %1").arg(m_data.max, 0, 'g', 4));
    place(m_meanLine, m_meanText, m_data.mean, 0.12, tr("mean %1").arg(m_data.mean, 0, 'g', 4));
    rebuildGrid();
    rebuildHandles();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
