#include "latencyplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QVBoxLayout>

#include <algorithm>

namespace qs {

namespace {
const QColor kFloat(41, 128, 185), kKernel(39, 174, 96), kQuantize(230, 126, 34);

QCPBars* makeBars(QCustomPlot* plot, const QString& name, const QColor& colour, double width)
{
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setName(name);
    bars->setWidth(width);
    bars->setPen(QPen(colour.darker(120)));
    QColor fill = colour;
    fill.setAlpha(170);
    bars->setBrush(fill);
    return bars;
}
} // namespace

LatencyPlot::LatencyPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)), m_empty(addEmptyText(m_plot, palette()))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(160);
    m_plot->yAxis->setLabel(tr("ms per pass"));
    setToolTip(tr("Median time of each layer in one forward pass: the float model, and the int8 model split into "
                  "its kernel and its quantize/dequantize ops. * marks a layer not on int8 kernels. Click a bar to "
                  "select its layer."));
    placeLegendAbove(m_plot);
    m_plot->xAxis->grid()->setVisible(false);
    applyPlotPalette(m_plot, palette());
    connect(m_plot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable*, int dataIndex, QMouseEvent*) {
        if (dataIndex < m_layers) // not the between-layers group
            Q_EMIT layerClicked(dataIndex);
    });
    connect(m_plot, &QCustomPlot::beforeReplot, this, [this] {
        const double perGroup = 0.85 * m_plot->width() / std::max(1, m_layers + 1);
        m_plot->xAxis->setTickLabelRotation(perGroup < 70 ? 45 : 0);
    });
    clear();
}

void LatencyPlot::clear()
{
    setData({}, false);
}

void LatencyPlot::setEmptyText(const QString& text)
{
    m_empty->setText(text);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int LatencyPlot::barCount() const
{
    return qs::barCount(m_plot);
}

void LatencyPlot::setData(const QVector<LatencyBar>& bars, bool hasInt8)
{
    m_plot->clearPlottables();
    m_layers = int(bars.size()) - 1; // the last group is the time between layers
    const bool empty = bars.isEmpty();
    m_empty->setVisible(empty);
    m_plot->xAxis->setVisible(!empty);
    m_plot->yAxis->setVisible(!empty);
    m_plot->legend->setVisible(!empty);
    if (empty) {
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const double width = hasInt8 ? 0.38 : 0.6;
    QCPBars* floatBars = makeBars(m_plot, tr("float"), kFloat, width);
    QCPBars* kernel = hasInt8 ? makeBars(m_plot, tr("int8: kernel"), kKernel, width) : nullptr;
    QCPBars* quantize = hasInt8 ? makeBars(m_plot, tr("int8: quantize / dequantize"), kQuantize, width) : nullptr;
    if (quantize)
        quantize->moveAbove(kernel);
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double top = 0;
    for (int i = 0; i < bars.size(); ++i) {
        const LatencyBar& b = bars[i];
        const double offset = hasInt8 ? 0.2 : 0.0;
        floatBars->addData(i - offset, b.floatMs);
        if (hasInt8) {
            kernel->addData(i + offset, b.int8KernelMs);
            quantize->addData(i + offset, b.int8QuantizeMs);
        }
        top = std::max({top, b.floatMs, b.int8KernelMs + b.int8QuantizeMs});
        ticker->addTick(i, b.int8 || !hasInt8 ? b.layer : b.layer + QStringLiteral(" *"));
    }
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, bars.size() - 0.4);
    m_plot->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
