#pragma once
// Where the time goes, per layer: the float model's time and the int8 model's beside it, the
// int8 bar split into its kernel and its quantize/dequantize ops; one last group for the time
// between layers.

#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPItemText;

namespace qs {

struct LatencyBar {
    QString layer;
    double floatMs = 0;
    double int8KernelMs = 0;
    double int8QuantizeMs = 0;
    bool int8 = true;     ///< on int8 kernels; otherwise its tick label is marked and `note` says why
    QString note;
};

class LatencyPlot : public QWidget
{
    Q_OBJECT
public:
    explicit LatencyPlot(QWidget* parent = nullptr);
    /// Bars per layer; `hasInt8` false draws the float model alone.
    void setData(const QVector<LatencyBar>& bars, bool hasInt8);
    void clear();
    void setEmptyText(const QString& text);
    int barCount() const;
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void layerClicked(int index);

private:
    QCustomPlot* m_plot;
    QCPItemText* m_empty;
    int m_layers = 0;
};

} // namespace qs
