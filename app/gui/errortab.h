#pragma once
// The "Error per layer" tab: a trial's errors along the model's depth in three views — SQNR
// (weight, input activation, accumulated and local output error, with the first layer where the
// accumulated error jumps marked), the input activation's error in quantization steps
// (rmse/scale), and each layer's noise split into rounding and clipping.

#include "trial.h"

#include <QWidget>

class QComboBox;
class QLabel;

namespace qs {

class LayerErrorPlot;

class ErrorTab : public QWidget
{
    Q_OBJECT
public:
    enum View { Sqnr, Steps, RoundingClipping };
    explicit ErrorTab(QWidget* parent = nullptr);
    LayerErrorPlot* plot() const { return m_plot; }
    void setTrial(const TrialResult& r);
    void clear();
    void setView(View view);
    View view() const;
    /// The line under the chart: what the current view says about the trial.
    QString summary() const;

Q_SIGNALS:
    void layerClicked(int row);

private:
    void draw();
    QComboBox* m_view;
    LayerErrorPlot* m_plot;
    QLabel* m_summary;
    TrialResult m_trial;
    bool m_hasTrial = false;
};

/// rmse/scale above which clipping, not rounding, makes most of a layer's input error.
constexpr double kClippingStepError = 0.7;

} // namespace qs
