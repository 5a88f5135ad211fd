#pragma once
// Shared look of QuantScope's plots: colours from the widget palette, so dark themes work.

class QCustomPlot;
class QCPItemText;
class QCPTextElement;
class QFont;
class QPalette;

namespace qs {

/// Applies text, axis and background colours from `palette` to every axis of `plot`.
void applyPlotPalette(QCustomPlot* plot, const QPalette& palette);
/// Adds a bold title in a row of its own above the axes (one point larger than `base`).
QCPTextElement* addTitleRow(QCustomPlot* plot, const QFont& base);
/// Puts the legend in a row of its own above the axes, where it cannot hide data.
void placeLegendAbove(QCustomPlot* plot);
/// A placeholder text in the middle of an empty plot, in the palette's placeholder colour.
QCPItemText* addEmptyText(QCustomPlot* plot, const QPalette& palette);
/// Bars across every QCPBars of the plot.
int barCount(QCustomPlot* plot);

} // namespace qs
