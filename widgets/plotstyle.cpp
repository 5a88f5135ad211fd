#include "plotstyle.h"

#include "qcp.h"

#include <QEvent>

#include <algorithm>

namespace qs {

void applyPlotPalette(QCustomPlot* plot, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    const QColor base = palette.color(QPalette::Base);
    QColor grid = text;
    grid.setAlpha(40);
    plot->setBackground(base);
    for (QCPAxisRect* rect : plot->axisRects()) {
        for (QCPAxis* axis : rect->axes()) {
            axis->setBasePen(QPen(text));
            axis->setTickPen(QPen(text));
            axis->setSubTickPen(QPen(text));
            axis->setTickLabelColor(text);
            axis->setLabelColor(text);
            axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        }
    }
}

namespace {

/// Wraps a legend above the axes into as many rows as the plot's width needs, so that no
/// entry is cut ("Pareto f") in a narrow window.
class LegendWrapper : public QObject
{
public:
    explicit LegendWrapper(QCustomPlot* plot) : QObject(plot), m_plot(plot)
    {
        plot->installEventFilter(this);
        connect(plot, &QCustomPlot::beforeReplot, this, &LegendWrapper::wrap);
    }

protected:
    bool eventFilter(QObject*, QEvent* event) override
    {
        if (event->type() == QEvent::Resize)
            wrap();
        return false;
    }

private:
    void wrap()
    {
        QCPLegend* legend = m_plot->legend;
        const int available = std::max(1, m_plot->width() - 20);
        int perRow = 0, used = 0;
        for (int i = 0; i < legend->itemCount(); ++i) {
            QCPAbstractLegendItem* item = legend->item(i);
            if (!item)
                continue;
            const int w = item->minimumOuterSizeHint().width() + legend->columnSpacing();
            if (perRow > 0 && used + w > available)
                break;
            used += w;
            ++perRow;
        }
        perRow = std::max(1, perRow);
        if (perRow != legend->wrap()) {
            legend->setWrap(perRow);
            legend->setFillOrder(QCPLegend::foColumnsFirst, true);
        }
    }
    QCustomPlot* m_plot;
};

} // namespace

void placeLegendAbove(QCustomPlot* plot)
{
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->legend->setVisible(true);
    QFont font = plot->font();
    font.setPointSize(font.pointSize() - 1);
    plot->legend->setFont(font);
    new LegendWrapper(plot);
}

QCPTextElement* addTitleRow(QCustomPlot* plot, const QFont& base)
{
    plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(plot, QString(), QFont(base.family(), base.pointSize() + 1, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, title);
    return title;
}

QCPItemText* addEmptyText(QCustomPlot* plot, const QPalette& palette)
{
    auto* text = new QCPItemText(plot);
    text->position->setType(QCPItemPosition::ptViewportRatio);
    text->setClipToAxisRect(false);
    text->position->setCoords(0.5, 0.5);
    text->setColor(palette.color(QPalette::PlaceholderText));
    return text;
}

int barCount(QCustomPlot* plot)
{
    int n = 0;
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* bars = qobject_cast<QCPBars*>(plot->plottable(i)))
            n += bars->data()->size();
    return n;
}

} // namespace qs
