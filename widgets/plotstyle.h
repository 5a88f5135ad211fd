#pragma once
// Shared look of QuantScope's plots: colours from the widget palette, so dark themes work.

class QCustomPlot;
class QPalette;

namespace qs {

/// Applies text, axis and background colours from `palette` to every axis of `plot`.
void applyPlotPalette(QCustomPlot* plot, const QPalette& palette);
/// Puts the legend in a row of its own above the axes, where it cannot hide data.
void placeLegendAbove(QCustomPlot* plot);

} // namespace qs
