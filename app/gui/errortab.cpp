#include "errortab.h"

#include "convergenceplot.h"
#include "format.h"
#include "layererrorplot.h"
#include "plotdata.h"
#include "trialchoice.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

ErrorTab::ErrorTab(QWidget* parent)
    : QWidget(parent), m_view(new QComboBox), m_against(new TrialChoice), m_plot(new LayerErrorPlot), m_convergence(new ConvergencePlot),
      m_stack(new QStackedWidget), m_summary(new QLabel)
{
    m_view->addItem(tr("SQNR along depth"), Sqnr);
    m_view->addItem(tr("Activation error in steps (rmse / scale)"), Steps);
    m_view->addItem(tr("Rounding vs clipping"), RoundingClipping);
    m_view->addItem(tr("Calibration convergence"), Calibration);
    m_view->setToolTip(tr("SQNR: each layer's weight and input error, and its output's error in the quantized model "
                          "(accumulated) and with only it quantized (local).\nSteps: the input activation's RMS error "
                          "over its scale — 0.289 is rounding alone, more is clipping.\nRounding vs clipping: "
                          "quantization noise over signal power, from values inside the range and outside it.\nCalibration "
                          "convergence: each layer's activation scale after every calibration batch against its final value."));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_plot->setEmptyText(tr("Run a trial to see each layer's error"));
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show")));
    top->addWidget(m_view);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("against")));
    top->addWidget(m_against);
    top->addStretch(1);
    m_against->setObjectName(QStringLiteral("errorAgainst"));
    m_against->setToolTip(tr("Draw another recorded trial's accumulated output SQNR beside this one's — e.g. the same "
                             "settings without cross-layer equalization or bias correction"));
    m_against->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_against, &TrialChoice::chosen, this, &ErrorTab::againstRequested);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    m_stack->addWidget(m_plot);
    m_stack->addWidget(m_convergence);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_summary);
    connect(m_view, &QComboBox::currentIndexChanged, this, [this] { draw(); });
    connect(m_plot, &LayerErrorPlot::layerClicked, this, &ErrorTab::layerClicked);
    draw();
}

void ErrorTab::setTrial(const TrialResult& r)
{
    m_trial = r;
    m_hasTrial = true;
    draw();
}

void ErrorTab::setHistory(const QVector<StoredTrial>& trials)
{
    m_against->setTrials(trials);
}

void ErrorTab::setAgainst(const TrialResult* trial, qint64 id)
{
    m_other = trial ? *trial : TrialResult();
    m_otherId = trial ? id : 0;
    m_against->choose(m_otherId);
    draw();
}

void ErrorTab::clear()
{
    m_trial = TrialResult();
    m_hasTrial = false;
    draw();
}

void ErrorTab::setView(View view)
{
    m_view->setCurrentIndex(m_view->findData(view));
}

ErrorTab::View ErrorTab::view() const
{
    return View(m_view->currentData().toInt());
}

QString ErrorTab::summary() const
{
    return m_summary->text();
}

void ErrorTab::draw()
{
    const QLocale locale;
    const QVector<LayerTrialResult>& layers = m_trial.layers;
    QStringList names;
    for (const LayerTrialResult& l : layers)
        names << l.name;
    auto bold = [](const QString& s) { return QStringLiteral("<b>%1</b>").arg(s.toHtmlEscaped()); };
    QString text;
    m_stack->setCurrentWidget(view() == Calibration ? static_cast<QWidget*>(m_convergence) : m_plot);
    switch (view()) {
    case Calibration: {
        if (!m_hasTrial || m_trial.calibration.isEmpty()) {
            m_convergence->clear(m_hasTrial ? tr("This trial calibrated no activations (or they were calibrated in an earlier "
                                                 "session whose steps were not kept)")
                                            : tr("Run a trial to see each layer's error"));
            break;
        }
        const CalibrationTrace& t = m_trial.calibration.first();
        QVector<double> samples;
        for (qint64 n : t.samples)
            samples << double(n);
        QVector<QVector<double>> deviations(names.size());
        for (int i = 0; i < names.size(); ++i)
            for (const QVector<QParams>& step : t.steps) {
                const QParams& q = step.value(i);
                const QParams& last = t.steps.last().value(i);
                deviations[i] << (q.scale.isEmpty() || last.scale.isEmpty() || last.scale[0] == 0
                                      ? std::numeric_limits<double>::quiet_NaN()
                                      : 100 * (q.scale[0] / last.scale[0] - 1));
            }
        m_convergence->setData(names, samples, deviations);
        const qint64 at = t.convergedAt();
        text = tr("%1: every layer's activation scale is within 1% of its final value after %2 of %3 calibration samples "
                  "(%4 batches).")
                   .arg(t.spec.toHtmlEscaped())
                   .arg(bold(locale.toString(at)))
                   .arg(locale.toString(t.samples.last()))
                   .arg(t.samples.size()) +
               (at == t.samples.last() && t.samples.size() > 1 ? u' ' + tr("The last batch still moved a scale by more than 1%: more "
                                                                          "calibration samples may change the result.")
                                                              : QString());
        break;
    }
    case Sqnr: {
        m_plot->setValueAxis(tr("SQNR (dB)"), LayerErrorPlot::Scale::Decibels);
        QStringList ignored;
        QVector<ErrorSeries> series = m_hasTrial ? trialErrorSeries(m_trial, &ignored) : QVector<ErrorSeries>();
        const bool against = m_hasTrial && m_otherId > 0 && m_other.layers.size() == layers.size();
        if (against) {
            ErrorSeries other;
            other.name = tr("output (accumulated), trial %1").arg(m_otherId);
            other.kind = ErrorSeries::Line;
            other.colour = QColor(127, 127, 127);
            for (const LayerTrialResult& l : m_other.layers)
                other.values << l.outputSqnr;
            series << other;
        }
        m_plot->setData(names, series);
        const int drop = firstErrorDrop(layers);
        m_plot->setMarker(drop, tr("first drop"));
        if (!m_hasTrial)
            break;
        text = drop >= 0 ? tr("The accumulated error first jumps at %1 (output SQNR %2 → %3 dB).")
                               .arg(bold(layers[drop].name), formatDb(layers[drop - 1].outputSqnr), formatDb(layers[drop].outputSqnr))
                         : tr("The accumulated error falls by no more than 3 dB from one layer to the next.");
        int worst = -1;
        for (int i = 0; i < layers.size(); ++i)
            if (!std::isnan(layers[i].localSqnr) && (worst < 0 || layers[i].localSqnr < layers[worst].localSqnr))
                worst = i;
        if (worst >= 0)
            text += u' ' + tr("Worst on its own (local error): %1, %2 dB.").arg(bold(layers[worst].name), formatDb(layers[worst].localSqnr));
        else
            text += u' ' + tr("Local errors are measured by trials run with Run trial (sweeps and searches leave them out).");
        if (against) {
            int better = 0;
            for (int i = 0; i < layers.size(); ++i)
                better += layers[i].outputSqnr > m_other.layers[i].outputSqnr;
            text += u' ' + tr("Against trial %1: better at %2 of %3 layers; at the last, %4 against %5 dB (its top-1 %6).")
                               .arg(m_otherId)
                               .arg(better)
                               .arg(layers.size())
                               .arg(bold(formatDb(layers.last().outputSqnr)), formatDb(m_other.layers.last().outputSqnr),
                                    formatScore(m_other.metric, m_other.score()));
        }
        break;
    }
    case Steps: {
        m_plot->setValueAxis(tr("rmse / scale (steps)"), LayerErrorPlot::Scale::Plain);
        bool any = false;
        for (const LayerTrialResult& l : layers)
            any = any || !std::isnan(l.rmseOverScale);
        m_plot->setData(names, any ? stepErrorSeries(m_trial, kClippingStepError) : QVector<ErrorSeries>());
        m_plot->setReferenceLine(kRoundingStepError, tr("0.289: rounding alone"));
        if (!m_hasTrial)
            break;
        if (!any) {
            text = tr("No input activation is quantized to integers in this trial.");
            break;
        }
        QStringList high;
        for (const LayerTrialResult& l : layers)
            if (l.rmseOverScale > kClippingStepError)
                high << QStringLiteral("%1 (%2)").arg(bold(l.name), locale.toString(l.rmseOverScale, 'f', 2));
        text = tr("TFLite's scale-free yardstick: 0.289 steps is rounding noise alone, below it many values sit on "
                  "levels (zeros after ReLU). ") +
               (high.isEmpty() ? tr("No layer is above %1.").arg(kClippingStepError)
                               : tr("Above %1, where clipping dominates: %2.").arg(kClippingStepError).arg(high.join(QStringLiteral(", "))));
        break;
    }
    case RoundingClipping: {
        m_plot->setValueAxis(tr("noise / signal power (%)"), LayerErrorPlot::Scale::Plain);
        m_plot->setData(names, m_hasTrial ? roundingClippingSeries(m_trial) : QVector<ErrorSeries>());
        if (!m_hasTrial)
            break;
        int most = -1;
        double mostShare = 0;
        for (int i = 0; i < layers.size(); ++i) {
            const double total = layers[i].activationRoundingMse + layers[i].activationClippingMse;
            const double share = total > 0 ? layers[i].activationClippingMse / total : 0;
            if (share > mostShare) {
                mostShare = share;
                most = i;
            }
        }
        text = tr("Each bar: the layer's quantization noise over its signal power, from values inside the range "
                  "(rounding) and outside it (clipping). A range that clips a little rounds the rest finer. ");
        if (most >= 0) {
            const LayerTrialResult& l = layers[most];
            text += tr("Most clipping in an input activation: %1 — %2% of its values clipped make %3% of its error.")
                        .arg(bold(l.name), locale.toString(100 * l.activationClippedShare, 'f', 2),
                             locale.toString(100 * mostShare, 'f', 0));
        }
        break;
    }
    }
    m_summary->setText(text);
    m_summary->setVisible(!text.isEmpty());
}

} // namespace qs
