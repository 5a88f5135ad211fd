#pragma once
// Saving a plot as PNG, PDF or SVG (chosen by the file's suffix), written whole or not at all,
// and a "Save Plot As…" context menu for any plot widget.

#include <QByteArray>
#include <QString>

#include <functional>

class QCustomPlot;
class QWidget;

namespace qs {

/// Saves `plot` at its current size to `path` (.png, .pdf or .svg). Returns an empty string on
/// success, else a message naming the file and the reason; nothing is left at `path` then.
QString savePlot(QCustomPlot* plot, const QString& path);
/// The plot rendered at `width`×`height` as PNG bytes, at `scale` pixels per plot pixel.
QByteArray plotPng(QCustomPlot* plot, int width, int height, double scale = 2.0);
/// The file-dialog filter for savePlot's formats.
QString plotFileFilter();
/// Asks for a file name and saves `plot` there; a failure is shown in a dialog.
void savePlotWithDialog(QCustomPlot* plot, QWidget* parent, const QString& suggestedName);
/// Adds "Save Plot As…" to `plot`'s context menu.
void addSavePlotMenu(QCustomPlot* plot, const QString& suggestedName, std::function<void()> resetZoom = {});

} // namespace qs
