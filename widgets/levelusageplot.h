#pragma once
// A heatmap of how a quantized tensor uses its levels: output channels (rows) × integer levels
// (columns), coloured by how many values fall on each level (log scale; white: none). Shows
// unused levels and channels squeezed onto a few.

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPColorMap;

namespace qs {

class LevelUsagePlot : public QWidget
{
    Q_OBJECT
public:
    explicit LevelUsagePlot(QWidget* parent = nullptr);
    /// counts: channels × levels, row by row; the first level is `quantMin`.
    void setData(int channels, int levels, qint64 quantMin, const QVector<qint64>& counts, const QString& title);
    void clear(const QString& title);
    QCustomPlot* plot() const { return m_plot; }
    /// Cells drawn (channels × levels), for tests.
    int cellCount() const { return m_cells; }

private:
    QCustomPlot* m_plot;
    QCPColorMap* m_map = nullptr;
    int m_cells = 0;
};

} // namespace qs
