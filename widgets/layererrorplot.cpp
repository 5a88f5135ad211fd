#include "layererrorplot.h"

#include <QFontMetrics>

#include "plotstyle.h"
#include "qcp.h"

#include <QVBoxLayout>

#include <algorithm>
#include <map>
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
    m_emptyText = tr("Nothing to show yet");
    m_empty->setText(m_emptyText);
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
    setValueAxis(label, allowNegative ? Scale::Signed : Scale::Decibels);
}

void LayerErrorPlot::setValueAxis(const QString& label, Scale scale)
{
    m_plot->yAxis->setLabel(label);
    m_scale = scale;
}

void LayerErrorPlot::setMarker(int layer, const QString& label)
{
    m_marker = layer;
    m_markerLabel = label;
    draw();
}

void LayerErrorPlot::setReferenceLine(double value, const QString& label)
{
    m_reference = value;
    m_referenceLabel = label;
    draw();
}

void LayerErrorPlot::setEmptyText(const QString& text)
{
    m_emptyText = text;
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
    m_layers = layers;
    m_series = all;
    m_marker = -1;
    m_reference = std::numeric_limits<double>::quiet_NaN();
    draw();
}

void LayerErrorPlot::draw()
{
    const QVector<ErrorSeries>& all = m_series;
    const QStringList& layers = m_layers;
    QVector<qsizetype> shown; // a series keeps its colour when one before it is left out
    for (qsizetype k = 0; k < all.size(); ++k)
        if (std::any_of(all[k].values.cbegin(), all[k].values.cend(), [](double v) { return std::isfinite(v); }))
            shown << k;
    m_plot->clearPlottables();
    m_plot->clearItems();
    m_empty = addEmptyText(m_plot, palette());
    m_empty->setText(m_emptyText);
    const bool isSigned = m_scale == Scale::Signed, plain = m_scale == Scale::Plain;
    double top = isSigned ? 0.5 : plain ? 0 : 10, bottom = 0;
    QVector<double> stacked(layers.size(), 0.0); // stacks: the sum of their parts
    for (qsizetype k : shown) {
        const ErrorSeries& s = all[k];
        for (int i = 0; i < s.values.size() && i < layers.size(); ++i) {
            const double v = s.values[i];
            if (!std::isfinite(v))
                continue;
            const double total = s.stackOn >= 0 ? (stacked[i] += v) : v;
            if (s.stackOn < 0)
                stacked[i] = v;
            top = std::max(top, total);
            bottom = std::min(bottom, v);
        }
    }
    if (plain && std::isfinite(m_reference))
        top = std::max(top, m_reference);
    if (isSigned) {
        const double margin = 0.08 * (top - bottom);
        top += margin;
        bottom = bottom < 0 ? bottom - margin : 0;
    } else if (plain) {
        top = top > 0 ? 1.12 * top : 1;
    } else {
        top = std::ceil(top / 10) * 10 + 5;
    }

    auto* group = new QCPBarsGroup(m_plot);
    int sideBySide = 0;
    for (qsizetype k : shown)
        sideBySide += all[k].kind == ErrorSeries::Bars && all[k].stackOn < 0;
    const double width = 0.8 / std::max(1, sideBySide);
    QVector<double> keys;
    for (int i = 0; i < layers.size(); ++i)
        keys << i;
    std::map<qsizetype, QCPBars*> barsOf;
    for (qsizetype k : shown) {
        const ErrorSeries& s = all[k];
        const QColor c = s.colour.isValid() ? s.colour : kSeriesColours[k % 4];
        QVector<double> values;
        for (double v : s.values)
            values << (!std::isfinite(v) ? (s.kind == ErrorSeries::Line ? std::numeric_limits<double>::quiet_NaN() : top) // unchanged: a full bar
                       : isSigned       ? v
                                        : std::max(v, 0.0));
        if (s.kind == ErrorSeries::Line) {
            auto* graph = m_plot->addGraph();
            graph->setName(s.name);
            graph->setPen(QPen(c.darker(110), 2));
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c.darker(110), c, 7));
            graph->setData(keys, values, /*alreadySorted=*/true);
            continue;
        }
        auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(s.name);
        bars->setWidth(width);
        bars->setPen(QPen(c.darker(120)));
        QColor fill = c;
        fill.setAlpha(170);
        bars->setBrush(fill);
        if (s.stackOn >= 0 && barsOf.count(s.stackOn))
            bars->moveAbove(barsOf[s.stackOn]);
        bars->setBarsGroup(group);
        bars->setData(keys, values, /*alreadySorted=*/true);
        barsOf[k] = bars;
    }
    const QColor ink = palette().color(QPalette::WindowText);
    if (std::isfinite(m_reference) && !shown.isEmpty()) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(0, m_reference);
        line->point2->setCoords(1, m_reference);
        line->setPen(QPen(ink, 1, Qt::DotLine));
        auto* text = new QCPItemText(m_plot);
        text->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        text->position->setTypeY(QCPItemPosition::ptPlotCoords);
        text->position->setCoords(0.99, m_reference);
        text->setText(m_referenceLabel);
        text->setColor(ink);
    }
    if (m_marker >= 0 && m_marker < layers.size() && !shown.isEmpty()) {
        const QColor red(192, 57, 43);
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(m_marker, 0);
        line->point2->setCoords(m_marker, 1);
        line->setPen(QPen(red, 1.5, Qt::DashLine));
        auto* text = new QCPItemText(m_plot);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(m_marker + 0.05, 0.02);
        text->setText(m_markerLabel);
        text->setColor(red);
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < layers.size(); ++i)
        ticker->addTick(i, layers[i]);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, std::max(0.6, layers.size() - 0.4));
    m_plot->yAxis->setRange(bottom, top);
    m_plot->legend->setVisible(!shown.isEmpty());
    const bool empty = shown.isEmpty() || layers.isEmpty();
    m_empty->setVisible(empty);
    m_plot->xAxis->setVisible(!empty);
    m_plot->yAxis->setVisible(!empty);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
