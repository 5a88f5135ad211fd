#include "levelusageplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace qs {

LevelUsagePlot::LevelUsagePlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    applyPlotPalette(m_plot, palette());
    m_plot->xAxis->setLabel(tr("quantization level"));
    m_plot->yAxis->setLabel(tr("output channel"));
    m_plot->yAxis->setRangeReversed(true); // channel 0 on top, as in a table
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, QString(), QFont(font().family(), -1, QFont::Bold)));
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    auto* scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(1, 1, scale);
    scale->setLabel(tr("values (log)"));
    scale->setDataScaleType(QCPAxis::stLogarithmic);
    scale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_map->setColorScale(scale);
    QCPColorGradient gradient;
    gradient.setColorStopAt(0, QColor(222, 235, 247));
    gradient.setColorStopAt(0.5, QColor(66, 146, 198));
    gradient.setColorStopAt(1, QColor(8, 48, 107));
    gradient.setNanHandling(QCPColorGradient::nhTransparent); // levels nobody uses: the background
    m_map->setGradient(gradient);
    m_map->setInterpolate(false);
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    setMinimumHeight(160);
    // The title and colour scale must not widen the panel it shares with the histograms.
    m_plot->setMinimumWidth(80);
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    setToolTip(tr("How the quantized weight uses its levels: each row an output channel, each column an integer "
                  "level, the colour how many weights fall there (white: none). A channel lit on a few columns "
                  "only is squeezed onto a few levels by a scale set for wider channels."));
    clear(tr("Run a trial with integer weights to see their level usage"));
}

void LevelUsagePlot::clear(const QString& title)
{
    m_map->data()->clear();
    m_map->setVisible(false);
    m_cells = 0;
    static_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))->setText(title);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LevelUsagePlot::setData(int channels, int levels, qint64 quantMin, const QVector<qint64>& counts, const QString& title)
{
    if (channels <= 0 || levels <= 0 || counts.size() != qsizetype(channels) * levels) {
        clear(title);
        return;
    }
    m_map->data()->setSize(levels, channels);
    m_map->data()->setRange(QCPRange(double(quantMin), double(quantMin + levels - 1)), QCPRange(0, channels - 1));
    qint64 top = 1;
    for (int c = 0; c < channels; ++c)
        for (int l = 0; l < levels; ++l) {
            const qint64 n = counts[c * levels + l];
            top = std::max(top, n);
            m_map->data()->setCell(l, c, n > 0 ? double(n) : std::numeric_limits<double>::quiet_NaN());
        }
    m_map->setDataRange(QCPRange(1, std::max<double>(2, double(top))));
    m_map->setVisible(true);
    m_cells = channels * levels;
    static_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))->setText(title);
    m_plot->xAxis->setRange(double(quantMin) - 0.5, double(quantMin + levels) - 0.5);
    m_plot->yAxis->setRange(-0.5, channels - 0.5);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
