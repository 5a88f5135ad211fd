#pragma once
// The "Error per layer" tab: a trial's errors along the model's depth in three views — SQNR
// (weight, input activation, accumulated and local output error, with the first layer where the
// accumulated error jumps marked), the input activation's error in quantization steps
// (rmse/scale), each layer's noise split into rounding and clipping, and how each layer's
// activation scale converged over the calibration batches.

#include "trial.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QStackedWidget;

namespace qs {

class ConvergencePlot;
class LayerErrorPlot;

class ErrorTab : public QWidget
{
    Q_OBJECT
public:
    enum View { Sqnr, Steps, RoundingClipping, Calibration };
    explicit ErrorTab(QWidget* parent = nullptr);
    LayerErrorPlot* plot() const { return m_plot; }
    ConvergencePlot* convergencePlot() const { return m_convergence; }
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
    ConvergencePlot* m_convergence;
    QStackedWidget* m_stack;
    QLabel* m_summary;
    TrialResult m_trial;
    bool m_hasTrial = false;
};

/// rmse/scale above which clipping, not rounding, makes most of a layer's input error.
constexpr double kClippingStepError = 0.7;

} // namespace qs
