#include "paretoplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

namespace {

/// Ticks at 1, 2 and 5 × 10^k bytes, labelled in B, KB, MB: on the logarithmic size axis a model
/// at a tenth of the float size and one at a hundredth are both readable beside the float model.
class BytesTicker : public QCPAxisTicker
{
protected:
    QVector<double> createTickVector(double, const QCPRange& range) override
    {
        QVector<double> ticks;
        if (range.lower <= 0)
            return ticks;
        for (double decade = std::pow(10.0, std::floor(std::log10(range.lower))); decade <= range.upper; decade *= 10)
            for (double m : {1.0, 2.0, 5.0})
                if (m * decade >= range.lower && m * decade <= range.upper)
                    ticks << m * decade;
        return ticks;
    }
    QVector<double> createSubTickVector(int, const QVector<double>&) override { return {}; }
    QString getTickLabel(double tick, const QLocale& locale, QChar, int) override
    {
        if (std::abs(tick) >= 1e6)
            return locale.toString(tick / 1e6, 'g', 3) + QStringLiteral(" MB");
        if (std::abs(tick) >= 1e3)
            return locale.toString(tick / 1e3, 'g', 3) + QStringLiteral(" KB");
        return locale.toString(tick, 'f', 0) + QStringLiteral(" B");
    }
};

} // namespace

ParetoPlot::ParetoPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)), m_axis(new QComboBox)
{
    m_axis->addItems({tr("model size"), tr("int8 latency")});
    m_axis->setToolTip(tr("The x axis: each trial's size, or its int8 model's end-to-end time (trials run on int8 "
                          "kernels or timed in the Latency tab)"));
    auto* axisRow = new QHBoxLayout;
    axisRow->setContentsMargins(4, 2, 4, 0);
    axisRow->addStretch(1);
    axisRow->addWidget(new QLabel(tr("x axis")));
    axisRow->addWidget(m_axis);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(axisRow);
    layout->addWidget(m_plot);
    connect(m_axis, &QComboBox::currentIndexChanged, this, [this](int i) { setLatencyAxis(i == 1); });
    setMinimumHeight(160);
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->xAxis->setLabel(tr("model size (logarithmic)"));
    m_plot->xAxis->setTicker(QSharedPointer<BytesTicker>::create());
    m_plot->yAxis->setLabel(tr("top-1 (%)"));
    applyPlotPalette(m_plot, palette());

    m_frontLine = m_plot->addGraph();
    m_frontLine->setName(tr("Pareto front"));
    m_frontLine->setLineStyle(QCPGraph::lsStepLeft);
    m_frontLine->setPen(QPen(QColor(39, 174, 96), 2));
    m_all = m_plot->addGraph();
    m_all->setName(tr("trial"));
    m_all->setLineStyle(QCPGraph::lsNone);
    m_all->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(41, 128, 185), QColor(41, 128, 185, 90), 8));
    m_partial = m_plot->addGraph();
    m_partial->setName(tr("on fewer samples"));
    m_partial->setLineStyle(QCPGraph::lsNone);
    m_partial->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(41, 128, 185), 1.2), Qt::NoBrush, 7));
    m_float = m_plot->addGraph();
    m_float->setName(tr("float model"));
    m_float->setLineStyle(QCPGraph::lsNone);
    m_float->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(192, 57, 43), 14));
    m_path = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_path->setName(tr("search path"));
    m_path->setPen(QPen(QColor(211, 84, 0), 1.5, Qt::DashLine));
    m_path->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QColor(211, 84, 0), 7));
    m_selected = m_plot->addGraph();
    m_selected->setName(tr("selected"));
    m_selected->setLineStyle(QCPGraph::lsNone);
    m_selected->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(211, 84, 0), 2.5), Qt::NoBrush, 14));
    placeLegendAbove(m_plot);
    m_plot->setMouseTracking(true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom); // zoom into a crowded front with the wheel

    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const int i = pointAt(e->pos());
        if (i >= 0)
            QToolTip::showText(m_plot->mapToGlobal(e->pos()), m_points[i].label, m_plot);
        else
            QToolTip::hideText();
    });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, &ParetoPlot::resetZoom);
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        const int i = pointAt(e->pos());
        if (i >= 0)
            Q_EMIT trialClicked(m_points[i].id);
    });
    clear();
}

void ParetoPlot::setLatencyAxis(bool latency)
{
    m_byLatency = latency;
    const QSignalBlocker blocker(m_axis);
    m_axis->setCurrentIndex(latency ? 1 : 0);
    m_plot->xAxis->setLabel(latency ? tr("int8 model's latency, end to end (ms, logarithmic)") : tr("model size (logarithmic)"));
    if (latency)
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        m_plot->xAxis->setTicker(QSharedPointer<BytesTicker>::create());
    setData(m_points, m_floatBytes, m_floatMetric); // a front of its own
}

int ParetoPlot::pointCount() const
{
    return int(std::count_if(m_points.cbegin(), m_points.cend(), [this](const TrialPoint& p) { return xOf(p) > 0; }));
}

void ParetoPlot::clear()
{
    setData({}, 0, 0);
}

void ParetoPlot::setPath(const QVector<qint64>& ids)
{
    m_pathIds = ids;
    rebuild();
}

int ParetoPlot::pathLength() const
{
    return m_path->data()->size();
}

QVector<qint64> ParetoPlot::frontIds() const
{
    QVector<qint64> ids;
    for (int i : m_front)
        ids << m_points[i].id;
    return ids;
}

int ParetoPlot::partialCount() const
{
    return int(std::count_if(m_points.cbegin(), m_points.cend(), [](const TrialPoint& p) { return p.partial; }));
}

void ParetoPlot::setSelected(qint64 id)
{
    m_selectedId = id;
    rebuild();
}

int ParetoPlot::pointAt(const QPoint& pixel) const
{
    int best = -1;
    double bestDistance = 8 * 8; // within 8 pixels
    for (int i = 0; i < m_points.size(); ++i) {
        if (xOf(m_points[i]) <= 0)
            continue; // not drawn on this axis
        const double x = m_plot->xAxis->coordToPixel(xOf(m_points[i]));
        const double y = m_plot->yAxis->coordToPixel(m_points[i].metric);
        const double d = (x - pixel.x()) * (x - pixel.x()) + (y - pixel.y()) * (y - pixel.y());
        if (d < bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best;
}

void ParetoPlot::setMetric(const QString& label, bool lowerIsBetter)
{
    if (label == m_plot->yAxis->label() && lowerIsBetter == m_lowerIsBetter)
        return; // the front stands as it is
    m_plot->yAxis->setLabel(label);
    m_lowerIsBetter = lowerIsBetter;
    setData(m_points, m_floatBytes, m_floatMetric);
}

void ParetoPlot::setData(const QVector<TrialPoint>& trials, double floatBytes, double floatMetric)
{
    m_points = trials;
    m_floatBytes = floatBytes;
    m_floatMetric = floatMetric;
    // The front is of the trials scored on the same (whole) samples only.
    QVector<TradeOff> tradeOffs;
    QVector<int> full;
    for (int i = 0; i < trials.size(); ++i)
        if (!trials[i].partial && xOf(trials[i]) > 0) {
            tradeOffs << TradeOff{xOf(trials[i]), m_lowerIsBetter ? -trials[i].metric : trials[i].metric};
            full << i;
        }
    m_front.clear();
    for (int i : paretoFront(tradeOffs))
        m_front << full[i];
    rebuild();
}

void ParetoPlot::rebuild()
{
    QVector<double> x, y, fx, fy, sx, sy, hx, hy;
    // The float model is a point on the size axis; on the latency axis each trial was timed
    // beside its own float run, so there is no one float point.
    const double floatX = m_byLatency ? 0 : m_floatBytes;
    double lo = floatX > 0 ? floatX : std::numeric_limits<double>::infinity();
    double hi = floatX, low = m_floatMetric, high = m_floatMetric;
    for (const auto& p : m_points) {
        const double px = xOf(p);
        if (px <= 0)
            continue;
        (p.partial ? hx : x) << px;
        (p.partial ? hy : y) << p.metric;
        if (p.id == m_selectedId) {
            sx << px;
            sy << p.metric;
        }
        lo = std::min(lo, px);
        hi = std::max(hi, px);
        low = std::min(low, p.metric);
        high = std::max(high, p.metric);
    }
    for (int i : m_front) {
        fx << xOf(m_points[i]);
        fy << m_points[i].metric;
    }
    QVector<double> px, py;
    for (qint64 id : m_pathIds)
        for (const auto& p : m_points)
            if (p.id == id && xOf(p) > 0) {
                px << xOf(p);
                py << p.metric;
            }
    m_path->setData(px, py); // a curve keeps the order of its points
    m_path->setVisible(!px.isEmpty());
    m_path->removeFromLegend();
    if (!px.isEmpty())
        m_path->addToLegend();
    m_all->setData(x, y);
    m_partial->setData(hx, hy);
    m_partial->removeFromLegend();
    if (!hx.isEmpty())
        m_partial->addToLegend();
    m_frontLine->setData(fx, fy, /*alreadySorted=*/true);
    m_selected->setData(sx, sy);
    m_float->removeFromLegend();
    if (floatX > 0) {
        m_float->setData({floatX}, {m_floatMetric});
        m_float->addToLegend();
    } else {
        m_float->data()->clear();
    }
    if (!std::isfinite(lo) || hi <= 0)
        lo = hi = m_byLatency ? 1 : 1000; // nothing to show yet
    m_plot->xAxis->setRange(lo / 1.4, hi * 1.4);
    const double mspan = std::max(high - low, 0.01 * std::max(1.0, std::abs(high)));
    m_plot->yAxis->setRange(low - 0.1 * mspan, high + 0.15 * mspan);
    m_plot->legend->setVisible(!m_points.isEmpty());
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
