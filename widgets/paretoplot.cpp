#include "paretoplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QLocale>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace qs {

namespace {

/// Tick labels in bytes, KB, MB.
class BytesTicker : public QCPAxisTicker
{
protected:
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

ParetoPlot::ParetoPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(160);
    m_plot->xAxis->setLabel(tr("model size"));
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
    m_float = m_plot->addGraph();
    m_float->setName(tr("float model"));
    m_float->setLineStyle(QCPGraph::lsNone);
    m_float->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(192, 57, 43), 14));
    m_selected = m_plot->addGraph();
    m_selected->setName(tr("selected"));
    m_selected->setLineStyle(QCPGraph::lsNone);
    m_selected->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(211, 84, 0), 2.5), Qt::NoBrush, 14));
    placeLegendAbove(m_plot);
    m_plot->setMouseTracking(true);

    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const int i = pointAt(e->pos());
        if (i >= 0)
            QToolTip::showText(m_plot->mapToGlobal(e->pos()), m_points[i].label, m_plot);
        else
            QToolTip::hideText();
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        const int i = pointAt(e->pos());
        if (i >= 0)
            Q_EMIT trialClicked(m_points[i].id);
    });
    clear();
}

void ParetoPlot::clear()
{
    setData({}, 0, 0);
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
        const double x = m_plot->xAxis->coordToPixel(m_points[i].sizeBytes);
        const double y = m_plot->yAxis->coordToPixel(100 * m_points[i].metric);
        const double d = (x - pixel.x()) * (x - pixel.x()) + (y - pixel.y()) * (y - pixel.y());
        if (d < bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best;
}

void ParetoPlot::setData(const QVector<TrialPoint>& trials, double floatBytes, double floatMetric)
{
    m_points = trials;
    m_floatBytes = floatBytes;
    m_floatMetric = floatMetric;
    QVector<TradeOff> tradeOffs;
    for (const auto& p : trials)
        tradeOffs << TradeOff{p.sizeBytes, p.metric};
    m_front = paretoFront(tradeOffs);
    rebuild();
}

void ParetoPlot::rebuild()
{
    QVector<double> x, y, fx, fy, sx, sy;
    double lo = m_floatBytes, hi = m_floatBytes, low = m_floatMetric, high = m_floatMetric;
    for (const auto& p : m_points) {
        x << p.sizeBytes;
        y << 100 * p.metric;
        if (p.id == m_selectedId) {
            sx << p.sizeBytes;
            sy << 100 * p.metric;
        }
        lo = std::min(lo, p.sizeBytes);
        hi = std::max(hi, p.sizeBytes);
        low = std::min(low, p.metric);
        high = std::max(high, p.metric);
    }
    for (int i : m_front) {
        fx << m_points[i].sizeBytes;
        fy << 100 * m_points[i].metric;
    }
    m_all->setData(x, y);
    m_frontLine->setData(fx, fy, /*alreadySorted=*/true);
    m_selected->setData(sx, sy);
    if (m_floatBytes > 0)
        m_float->setData({m_floatBytes}, {100 * m_floatMetric});
    else
        m_float->data()->clear();
    const double span = std::max(hi - lo, 1.0);
    m_plot->xAxis->setRange(std::max(0.0, lo - 0.08 * span), hi + 0.08 * span);
    const double mspan = std::max(100 * (high - low), 1.0);
    m_plot->yAxis->setRange(100 * low - 0.1 * mspan, 100 * high + 0.15 * mspan);
    m_plot->legend->setVisible(!m_points.isEmpty());
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
