#pragma once
// The "Error per layer" tab: a trial's errors along the model's depth in three views — SQNR
// (weight, input activation, accumulated and local output error, with the first layer where the
// accumulated error jumps marked), the input activation's error in quantization steps
// (rmse/scale), each layer's noise split into rounding and clipping, and how each layer's
// activation scale converged over the calibration batches.

#include "store.h"
#include "trial.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QStackedWidget;

namespace qs {

class TrialChoice;

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
    /// The recorded trials the SQNR view can compare against (this model's).
    void setHistory(const QVector<StoredTrial>& trials);
    /// The trial chosen to compare against, loaded (its accumulated output SQNR drawn beside the
    /// shown trial's); nullptr clears it.
    void setAgainst(const TrialResult* trial, qint64 id = 0);

Q_SIGNALS:
    void layerClicked(int row);
    /// The user chose a recorded trial to compare against (0: none).
    void againstRequested(qint64 id);

private:
    void draw();
    QComboBox* m_view;
    TrialChoice* m_against;
    TrialResult m_other;
    qint64 m_otherId = 0;
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
