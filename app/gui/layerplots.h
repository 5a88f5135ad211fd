#pragma once
// The selected layer's plots: its weight histogram (or each output channel's range) and its
// input-activation histogram, each with the quantization grid of the trial shown (or of an
// edited setting's preview) and the values after quantization on request.

#include "profile.h"
#include "trial.h"

#include <QMap>
#include <QSplitter>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;

namespace qs {

class ChannelRangePlot;
class HistogramPlot;
class LevelUsagePlot;

class LayerPlots : public QSplitter
{
    Q_OBJECT
public:
    explicit LayerPlots(QWidget* parent = nullptr);
    HistogramPlot* weightPlot() const { return m_weightPlot; }
    ChannelRangePlot* channelPlot() const { return m_channelPlot; }
    HistogramPlot* activationPlot() const { return m_activationPlot; }
    LevelUsagePlot* levelPlot() const { return m_levelPlot; }

    void setProfile(const ProfileReport& report);
    /// The trial whose grids are drawn; nullptr for none. With cross-layer equalization, the
    /// weights and input activations after it (per layer; the panels show them, or the loaded
    /// model's, by a switch).
    void setTrial(const TrialResult* trial, const QVector<TensorStats>* equalizedWeights = nullptr,
                  const QVector<TensorStats>* equalizedActivations = nullptr);
    /// Weight previews of edited layers, by layer name; they win over the trial's grid.
    void setPreviews(const QMap<QString, LayerTrialResult>& previews);
    /// What the weight panel shows.
    enum WeightView { HistogramView, ChannelsView, LevelsView };
    void setWeightView(WeightView view);
    WeightView weightView() const;
    /// Channels needs more than one output channel.
    bool weightViewAvailable(WeightView view) const;
    /// Draws one layer (row in model order; -1 clears).
    void showLayer(int row);
    /// The engine's answer for a dragged clipping range: its numbers under the histogram.
    void showRangeEffect(int site, bool weight, double lo, double hi, const RangeEffect& effect);
    /// The last dragged range's line under a histogram, for tests.
    QString lastRangeLine() const { return m_lastRangeLine; }

Q_SIGNALS:
    /// A clipping handle moved: evaluate [lo, hi] for this layer's weight or input activation.
    void rangeRequested(int row, bool weight, double lo, double hi, const qs::QuantSpec& spec);
    /// "Use this range": the layer's weight or activation setting becomes `spec` (range:LO,HI).
    void useRangeRequested(int row, bool weight, const QString& spec);

private:
    void showWeight(const LayerProfile& p, int row);
    void showActivation(const LayerProfile& p, int row);
    /// The spec the handles of the weight or activation panel drag a range for: the trial's,
    /// when it is one integer range per tensor; float otherwise (no handles).
    QuantSpec rangeSpec(bool weight) const;
    void setWeightViewAvailable(WeightView view, bool available);
    void setUpHandles(HistogramPlot* plot, const TensorStats& stats, const QuantSpec& spec, bool previewed);
    QString m_lastRangeLine;
    ProfileReport m_report;
    const TrialResult* m_trial = nullptr;
    const QVector<TensorStats>* m_equalized = nullptr;
    const QVector<TensorStats>* m_equalizedActivations = nullptr;
    QMap<QString, LayerTrialResult> m_previews;
    int m_row = -1;
    HistogramPlot* m_weightPlot;
    ChannelRangePlot* m_channelPlot;
    QStackedWidget* m_weightStack;
    QComboBox* m_weightView;
    HistogramPlot* m_activationPlot;
    QLabel* m_weightStats;
    QLabel* m_activationStats;
    QCheckBox* m_weightLog;
    QCheckBox* m_activationLog;
    QCheckBox* m_weightQuantized;
    QCheckBox* m_weightEqualized;
    QCheckBox* m_activationQuantized;
    LevelUsagePlot* m_levelPlot;
    QPushButton* m_useWeightRange;
    QPushButton* m_useActivationRange;
};

} // namespace qs
