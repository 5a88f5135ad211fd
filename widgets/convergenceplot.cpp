#include "convergenceplot.h"

#include "plotstyle.h"
#include "qcp.h"

#include <QVBoxLayout>

#include <cmath>

namespace qs {

ConvergencePlot::ConvergencePlot(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_empty(addEmptyText(m_plot, palette()))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    applyPlotPalette(m_plot, palette());
    placeLegendAbove(m_plot);
    m_plot->xAxis->setLabel(tr("calibration samples"));
    m_plot->yAxis->setLabel(tr("scale vs final (%)"));
    setMinimumHeight(160);
    setToolTip(tr("Each layer's activation scale after every calibration batch, as a difference from the scale the "
                  "trial uses: lines that settle inside the ±1% band early mean the calibration set was large enough."));
}

int ConvergencePlot::lineCount() const
{
    return m_plot->graphCount();
}

void ConvergencePlot::clear(const QString& text)
{
    m_plot->clearGraphs();
    m_plot->clearItems();
    m_empty = addEmptyText(m_plot, palette());
    m_empty->setText(text);
    m_plot->legend->setVisible(false);
    m_plot->xAxis->setVisible(false);
    m_plot->yAxis->setVisible(false);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ConvergencePlot::setData(const QStringList& layers, const QVector<double>& samples, const QVector<QVector<double>>& deviations)
{
    clear(QString());
    m_empty->setVisible(false);
    double lo = -2, hi = 2;
    for (int k = 0; k < layers.size() && k < deviations.size(); ++k) {
        QVector<double> x, y;
        for (int s = 0; s < samples.size() && s < deviations[k].size(); ++s)
            if (std::isfinite(deviations[k][s])) {
                x << samples[s];
                y << deviations[k][s];
                lo = std::min(lo, deviations[k][s]);
                hi = std::max(hi, deviations[k][s]);
            }
        if (x.isEmpty())
            continue;
        auto* g = m_plot->addGraph();
        g->setName(layers[k]);
        const QColor c = QColor::fromHsvF(std::fmod(0.61803 * k, 1.0), 0.65, 0.8);
        g->setPen(QPen(c, 1.6));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 5));
        g->setData(x, y, /*alreadySorted=*/true);
    }
    auto* band = new QCPItemRect(m_plot);
    band->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
    band->bottomRight->setTypeX(QCPItemPosition::ptAxisRectRatio);
    band->topLeft->setCoords(0, 1);
    band->bottomRight->setCoords(1, -1);
    band->setPen(Qt::NoPen);
    band->setBrush(QColor(39, 174, 96, 40));
    band->setLayer(QStringLiteral("background"));
    m_plot->legend->setVisible(m_plot->graphCount() > 0 && m_plot->graphCount() <= 12);
    m_plot->xAxis->setVisible(true);
    m_plot->yAxis->setVisible(true);
    const double left = samples.isEmpty() ? 0 : samples.first(), right = samples.isEmpty() ? 1 : samples.last();
    const double pad = std::max(1.0, 0.04 * (right - left));
    m_plot->xAxis->setRange(left - pad, right + pad);
    const double margin = 0.08 * (hi - lo);
    m_plot->yAxis->setRange(lo - margin, hi + margin);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace qs
