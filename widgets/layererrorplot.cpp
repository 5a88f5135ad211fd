#include "layererrorplot.h"

#include <QFontMetrics>

#include "plotstyle.h"
#include "qcp.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace qs {

namespace {
const QColor kSeriesColours[] = {QColor(41, 128, 185), QColor(230, 126, 34), QColor(39, 174, 96), QColor(142, 68, 173)};
}

LayerErrorPlot::LayerErrorPlot(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_empty(addEmptyText(m_plot, palette()))
{
    // Layer names turn when they would run into each other at the plot's width.
    connect(m_plot, &QCustomPlot::beforeReplot, this, [this] {
        const QFontMetrics fm(m_plot->xAxis->tickLabelFont());
        int widest = 0;
        for (const QString& name : m_layers)
            widest = std::max(widest, fm.horizontalAdvance(name));
        const double perLayer = 0.85 * m_plot->width() / std::max<qsizetype>(1, m_layers.size());
        m_plot->xAxis->setTickLabelRotation(widest + 8 > perLayer ? (widest > 3 * perLayer ? 90 : 45) : 0);
    });
    m_empty->setText(tr("Nothing to show yet"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(160);
    m_plot->yAxis->setLabel(tr("SQNR (dB)"));
    setToolTip(tr("Signal-to-quantization-noise ratio per layer, in dB: higher is better. Click a bar to select its layer."));
    placeLegendAbove(m_plot);
    m_plot->xAxis->grid()->setVisible(false);
    applyPlotPalette(m_plot, palette());
    connect(m_plot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable*, int dataIndex, QMouseEvent*) {
        Q_EMIT layerClicked(dataIndex);
    });
    clear();
}

void LayerErrorPlot::setValueAxis(const QString& label, bool allowNegative)
{
    m_plot->yAxis->setLabel(label);
    m_signed = allowNegative;
}

void LayerErrorPlot::setEmptyText(const QString& text)
{
    m_empty->setText(text);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString LayerErrorPlot::shownEmptyText() const
{
    return m_empty->visible() ? m_empty->text() : QString();
}

void LayerErrorPlot::clear()
{
    setData({}, {});
}

int LayerErrorPlot::barCount() const
{
    return qs::barCount(m_plot);
}

void LayerErrorPlot::setData(const QStringList& layers, const QVector<ErrorSeries>& all)
{
    QVector<ErrorSeries> series;
    QVector<qsizetype> colour; // a series keeps its colour when one before it is left out
    for (qsizetype k = 0; k < all.size(); ++k)
        if (std::any_of(all[k].values.cbegin(), all[k].values.cend(), [](double v) { return std::isfinite(v); })) {
            series << all[k];
            colour << k;
        }
    m_layers = layers;
    m_plot->clearPlottables();
    double top = m_signed ? 0.5 : 10, bottom = 0;
    for (const auto& s : series)
        for (double v : s.values)
            if (std::isfinite(v)) {
                top = std::max(top, v);
                bottom = std::min(bottom, v);
            }
    if (m_signed) {
        const double margin = 0.08 * (top - bottom);
        top += margin;
        bottom = bottom < 0 ? bottom - margin : 0;
    } else {
        top = std::ceil(top / 10) * 10 + 5;
    }

    auto* group = new QCPBarsGroup(m_plot);
    const double width = 0.8 / std::max<qsizetype>(1, series.size());
    QVector<double> keys;
    for (int i = 0; i < layers.size(); ++i)
        keys << i;
    for (qsizetype k = 0; k < series.size(); ++k) {
        auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(series[k].name);
        bars->setWidth(width);
        bars->setBarsGroup(group);
        const QColor c = kSeriesColours[colour[k] % 4];
        bars->setPen(QPen(c.darker(120)));
        QColor fill = c;
        fill.setAlpha(170);
        bars->setBrush(fill);
        QVector<double> values;
        for (double v : series[k].values)
            values << (!std::isfinite(v) ? top // unchanged: a full bar
                       : m_signed    ? v
                                     : std::max(v, 0.0));
        bars->setData(keys, values, /*alreadySorted=*/true);
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < layers.size(); ++i)
        ticker->addTick(i, layers[i]);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, std::max(0.6, layers.size() - 0.4));
    m_plot->yAxis->setRange(bottom, top);
    m_plot->legend->setVisible(!series.isEmpty());
    const bool empty = series.isEmpty() || layers.isEmpty();
    m_empty->setVisible(empty);
    m_plot->xAxis->setVisible(!empty);
    m_plot->yAxis->setVisible(!empty);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
