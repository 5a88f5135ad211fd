#pragma once
// The Latency tab: where a forward pass's time goes, per layer, for the float model and the
// shown trial's int8 model; saved as a Chrome trace.

#include "latency.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace qs {

class LatencyPlot;

class LatencyTab : public QWidget
{
    Q_OBJECT
public:
    explicit LatencyTab(QWidget* parent = nullptr);
    /// The measured profiles (float, then int8 when there is one); `int8Problem` says why there is none.
    void setProfiles(const QVector<LatencyProfile>& profiles, const QString& int8Problem);
    /// A new model or trial: the old figures no longer apply.
    void clear();
    const QVector<LatencyProfile>& profiles() const { return m_profiles; }
    LatencyPlot* plot() const { return m_plot; }
    QString summaryText() const;
    int batch() const;

Q_SIGNALS:
    /// Measure at `batch` (the window passes the shown trial along).
    void measureRequested(int batch);
    void saveTraceRequested();
    void layerClicked(int row);

private:
    LatencyPlot* m_plot;
    QComboBox* m_batch;
    QPushButton* m_measure;
    QPushButton* m_saveTrace;
    QLabel* m_summary;
    QVector<LatencyProfile> m_profiles;
};

} // namespace qs
