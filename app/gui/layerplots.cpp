#include "layerplots.h"

#include <QLocale>
#include <cmath>

#include "channelrangeplot.h"
#include "histogramplot.h"
#include "layertablemodel.h"
#include "levelusageplot.h"
#include "plotdata.h"
#include <QPushButton>
#include "format.h"
#include "ranges.h"
#include "plotexport.h"

#include <QCheckBox>
#include <QStandardItemModel>
#include <QComboBox>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace qs {

namespace {

QWidget* plotPanel(QWidget* plot, QLabel* stats, QWidget* action, std::initializer_list<QWidget*> boxes)
{
    // The statistics on a line of their own (they wrap in a narrow window), the switches under them.
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(plot, 1);
    stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    stats->setWordWrap(true);
    layout->addWidget(stats);
    layout->addWidget(action, 0, Qt::AlignLeft); // on a row of its own: it must not widen the panel
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    for (QWidget* box : boxes)
        row->addWidget(box);
    layout->addLayout(row);
    return panel;
}

} // namespace

LayerPlots::LayerPlots(QWidget* parent)
    : QSplitter(Qt::Vertical, parent), m_weightPlot(new HistogramPlot), m_channelPlot(new ChannelRangePlot),
      m_weightStack(new QStackedWidget), m_weightView(new QComboBox),
      m_activationPlot(new HistogramPlot), m_weightStats(new QLabel), m_activationStats(new QLabel),
      m_weightLog(new QCheckBox(tr("Log"))), m_activationLog(new QCheckBox(tr("Log"))),
      m_weightQuantized(new QCheckBox(tr("Quantized"))), m_activationQuantized(new QCheckBox(tr("Quantized"))),
      m_weightEqualized(new QCheckBox(tr("Equalized"))),
      m_levelPlot(new LevelUsagePlot),
      m_useWeightRange(new QPushButton(tr("Use this range"))), m_useActivationRange(new QPushButton(tr("Use this range")))
{
    m_activationLog->setChecked(true); // ReLU outputs pile up at zero; the log axis shows the rest
    m_weightLog->setToolTip(tr("Show counts on a logarithmic axis to see the tails"));
    m_activationLog->setToolTip(m_weightLog->toolTip());
    connect(m_weightLog, &QCheckBox::toggled, m_weightPlot, &HistogramPlot::setLogScale);
    connect(m_activationLog, &QCheckBox::toggled, m_activationPlot, &HistogramPlot::setLogScale);
    m_activationPlot->setLogScale(true);

    // The weight panel shows the histogram, each output channel's range, or (after a trial with
    // integer weights) how each channel's weights use the levels.
    m_weightStack->addWidget(m_weightPlot);
    m_weightStack->addWidget(m_channelPlot);
    m_weightStack->addWidget(m_levelPlot);
    m_weightView->addItem(tr("Histogram"), HistogramView);
    m_weightView->addItem(tr("Channels"), ChannelsView);
    m_weightView->addItem(tr("Levels"), LevelsView);
    m_weightView->setObjectName(QStringLiteral("weightView"));
    m_weightView->setToolTip(tr("Histogram: the weight's distribution.\nChannels: each output channel's weight range, with "
                                "the per-tensor grid across them — why one scale for the whole tensor fails.\nLevels: which "
                                "quantization levels each output channel's weights fall on (after a trial with integer "
                                "weights) — unused levels, channels squeezed onto a few."));
    connect(m_weightView, &QComboBox::currentIndexChanged, this, [this] {
        const WeightView v = weightView();
        m_weightStack->setCurrentWidget(v == LevelsView   ? static_cast<QWidget*>(m_levelPlot)
                                        : v == ChannelsView ? static_cast<QWidget*>(m_channelPlot)
                                                        : m_weightPlot);
        m_weightQuantized->setVisible(v == HistogramView); // both act on the histogram only
        m_weightLog->setVisible(v == HistogramView);
    });
    m_weightEqualized->setObjectName(QStringLiteral("weightEqualized"));
    m_weightEqualized->setToolTip(tr("The trial used cross-layer equalization: show the weights and input activations "
                                     "after it (what was quantized) or as loaded"));
    m_weightEqualized->setChecked(true);
    m_weightEqualized->setVisible(false);
    connect(m_weightEqualized, &QCheckBox::toggled, this, [this] { showLayer(m_row); });
    addWidget(plotPanel(m_weightStack, m_weightStats, m_useWeightRange,
                        {m_weightEqualized, m_weightView, m_weightQuantized, m_weightLog}));
    addSavePlotMenu(m_levelPlot->plot(), QStringLiteral("weight-levels"));
    addWidget(plotPanel(m_activationPlot, m_activationStats, m_useActivationRange, {m_activationQuantized, m_activationLog}));
    // Clipping handles: a dragged range is evaluated on the engine thread (rangeRequested →
    // showRangeEffect); "Use this range" puts it into the layer's setting as range:LO,HI.
    for (bool weight : {true, false}) {
        HistogramPlot* plot = weight ? m_weightPlot : m_activationPlot;
        QPushButton* use = weight ? m_useWeightRange : m_useActivationRange;
        use->setObjectName(weight ? QStringLiteral("useWeightRange") : QStringLiteral("useActivationRange"));
        use->setToolTip(tr("Put the dragged clipping range into this layer's setting (range:LO,HI); run a trial to see "
                           "what it does to the whole model"));
        use->setVisible(false);
        connect(plot, &HistogramPlot::clipRangeChanged, this, [this, weight](double lo, double hi) {
            const QuantSpec spec = rangeSpec(weight);
            if (m_row >= 0 && spec.type == QuantType::Int)
                Q_EMIT rangeRequested(m_row, weight, lo, hi, spec);
        });
        connect(use, &QPushButton::clicked, this, [this, weight, plot] {
            // Four significant digits: what a hand on a handle can mean, and a readable spec.
            const QuantSpec spec = rangeSpec(weight).withFixedRange(QString::number(plot->handleLo(), 'g', 4).toDouble(),
                                                                    QString::number(plot->handleHi(), 'g', 4).toDouble());
            if (spec.fixedLo < spec.fixedHi)
                Q_EMIT useRangeRequested(m_row, weight, spec.toString());
        });
    }
    m_weightQuantized->setObjectName(QStringLiteral("weightQuantized"));
    m_activationQuantized->setObjectName(QStringLiteral("activationQuantized"));
    for (QCheckBox* box : {m_weightQuantized, m_activationQuantized}) {
        box->setToolTip(tr("Show the values after quantization, as impulses at their levels (after a trial)"));
        box->setEnabled(false);
        connect(box, &QCheckBox::toggled, this, [this] { showLayer(m_row); });
    }
    addSavePlotMenu(m_weightPlot->plot(), QStringLiteral("weight-histogram"));
    addSavePlotMenu(m_activationPlot->plot(), QStringLiteral("activation-histogram"));
}

void LayerPlots::setWeightView(WeightView view)
{
    m_weightView->setCurrentIndex(m_weightView->findData(view));
}

LayerPlots::WeightView LayerPlots::weightView() const
{
    return WeightView(m_weightView->currentData().toInt());
}

bool LayerPlots::weightViewAvailable(WeightView view) const
{
    const auto* model = qobject_cast<const QStandardItemModel*>(m_weightView->model());
    return model->item(m_weightView->findData(view))->isEnabled();
}

void LayerPlots::setWeightViewAvailable(WeightView view, bool available)
{
    auto* model = qobject_cast<QStandardItemModel*>(m_weightView->model());
    model->item(m_weightView->findData(view))->setEnabled(available);
    if (!available && weightView() == view)
        setWeightView(HistogramView);
}

QuantSpec LayerPlots::rangeSpec(bool weight) const
{
    if (!m_trial || m_row < 0 || m_row >= m_trial->layers.size())
        return QuantSpec::parse(QStringLiteral("float"));
    const LayerTrialResult& l = m_trial->layers[m_row];
    QuantSpec s = QuantSpec::parse(weight ? l.weightSpec : l.activationSpec);
    const QParams& q = weight ? l.weightQParams : l.activationQParams;
    if (s.type != QuantType::Int || s.granularity != Granularity::PerTensor || q.scale.size() != 1)
        return QuantSpec::parse(QStringLiteral("float")); // handles are for one range per tensor
    return s;
}

void LayerPlots::setUpHandles(HistogramPlot* plot, const TensorStats& stats, const QuantSpec& spec, bool previewed)
{
    const bool on = !previewed && spec.type == QuantType::Int && stats.count > 0;
    plot->setHandlesEnabled(on);
    QVector<RangeTick> ticks;
    if (on) {
        // What the other range methods would choose, from the same histogram.
        ticks << RangeTick{tr("minmax"), stats.min, stats.max};
        const ClipRange pct = percentileRange(stats.histogram, 99.99);
        ticks << RangeTick{tr("pct"), pct.lo, pct.hi};
        const ClipRange mse = mseRange(stats.histogram, stats.min, stats.max, spec);
        ticks << RangeTick{tr("mse"), mse.lo, mse.hi};
        const ClipRange kl = entropyRange(stats.histogram, stats.min, stats.max, spec);
        ticks << RangeTick{tr("kl"), kl.lo, kl.hi};
        // PyTorch's histogram observer needs the values themselves: its range is the trial's
        // when the trial used it.
        if (spec.method == RangeMethod::Histogram)
            ticks << RangeTick{tr("hist"), plot->handleLo(), plot->handleHi()};
    }
    plot->setRangeTicks(ticks);
}

void LayerPlots::showRangeEffect(int site, bool weight, double lo, double hi, const RangeEffect& e)
{
    if (site != m_row || !m_trial || site >= m_trial->layers.size())
        return;
    const QLocale locale;
    const LayerTrialResult& l = m_trial->layers[site];
    const LayerProfile& p = m_report.layers[site];
    const double trialSqnr = weight ? l.weightSqnr : l.activationSqnr;
    const QString line = tr("Dragged range [%1, %2]: SQNR %3 dB (trial %4 dB) · rounding %5 + clipping %6 MSE · %7% of values clipped")
                             .arg(locale.toString(lo, 'g', 4), locale.toString(hi, 'g', 4), formatDb(e.sqnr), formatDb(trialSqnr),
                                  locale.toString(e.roundingMse, 'g', 3), locale.toString(e.clippingMse, 'g', 3),
                                  locale.toString(100 * e.clippedShare, 'f', 2));
    (weight ? m_weightStats : m_activationStats)->setText(statsLine(weight ? p.weight : p.activation) + u'\n' + line);
    (weight ? m_useWeightRange : m_useActivationRange)->setVisible(true);
    m_lastRangeLine = line;
}

void LayerPlots::setProfile(const ProfileReport& report)
{
    m_report = report;
    m_trial = nullptr;
    m_equalized = nullptr;
    m_equalizedActivations = nullptr;
    m_weightEqualized->setVisible(false);
    m_previews.clear();
    m_weightQuantized->setEnabled(false);
    m_activationQuantized->setEnabled(false);
}

void LayerPlots::setTrial(const TrialResult* trial, const QVector<TensorStats>* equalizedWeights,
                          const QVector<TensorStats>* equalizedActivations)
{
    m_trial = trial;
    m_equalized = equalizedWeights && !equalizedWeights->isEmpty() ? equalizedWeights : nullptr;
    m_equalizedActivations = equalizedActivations && !equalizedActivations->isEmpty() ? equalizedActivations : nullptr;
    m_weightEqualized->setVisible(m_equalized != nullptr);
    m_weightQuantized->setEnabled(trial != nullptr);
    m_activationQuantized->setEnabled(trial != nullptr);
    showLayer(m_row);
}

void LayerPlots::setPreviews(const QMap<QString, LayerTrialResult>& previews)
{
    m_previews = previews;
    showLayer(m_row);
}

void LayerPlots::showLayer(int row)
{
    m_row = row;
    if (row < 0 || row >= m_report.layers.size()) {
        m_weightPlot->clear();
        m_channelPlot->clear();
        setWeightViewAvailable(ChannelsView, false);
        m_activationPlot->clear();
        m_weightStats->clear();
        m_activationStats->clear();
        return;
    }
    const LayerProfile& p = m_report.layers[row];
    showWeight(p, row);
    showActivation(p, row);
}

namespace {

/// "Trial error: rounding 1.2e-4 + clipping 3.4e-5 MSE (78% / 22%) · 0.41% of values clipped".
QString errorSplitLine(double rounding, double clipping, double clippedShare)
{
    const QLocale locale;
    const double total = rounding + clipping;
    return QObject::tr("Trial error: rounding %1 + clipping %2 MSE (%3% / %4%) · %5% of values clipped")
        .arg(locale.toString(rounding, 'g', 3), locale.toString(clipping, 'g', 3),
             locale.toString(total > 0 ? 100 * rounding / total : 0, 'f', 0),
             locale.toString(total > 0 ? 100 * clipping / total : 0, 'f', 0), locale.toString(100 * clippedShare, 'f', 2));
}

} // namespace

void LayerPlots::showWeight(const LayerProfile& p, int row)
{
    // A trial with cross-layer equalization quantized the equalized weights: shown by default,
    // the loaded ones (without the trial's grid, which is not theirs) by the switch.
    const bool hasEqualized = m_equalized && row < m_equalized->size();
    const bool equalized = hasEqualized && m_weightEqualized->isChecked();
    const TensorStats& w = equalized ? (*m_equalized)[row] : p.weight;
    const QString which = equalized ? tr(", equalized") : hasEqualized ? tr(", as loaded") : QString();
    m_weightPlot->setData(toHistogram(w, tr("%1 — weight (%2%3)").arg(p.layer.name, weightDescription(p.layer), which),
                                      tr("weight value")));
    m_weightStats->setText(statsLine(w));
    const bool trialRow = m_trial && row < m_trial->layers.size() && (equalized || !hasEqualized);
    // An edited weight setting shows its preview (computed on the engine thread from the weight).
    const auto preview = m_previews.constFind(p.layer.name);
    const bool previewed = preview != m_previews.cend() && !hasEqualized;
    const QParams weightQParams = previewed ? preview->weightQParams : (trialRow ? m_trial->layers[row].weightQParams : QParams());
    QuantGrid grid = gridOf(weightQParams, tr("scales"));
    if (previewed && grid.valid)
        grid.caption = tr("edited: ") + grid.caption;
    m_weightPlot->setGrid(grid);
    // Dragged ranges are evaluated on the loaded weights: no handles on equalized ones.
    setUpHandles(m_weightPlot, w, hasEqualized ? QuantSpec::parse(QStringLiteral("float")) : rangeSpec(true), previewed);
    m_useWeightRange->setVisible(false);
    if (trialRow && !previewed)
        m_weightStats->setText(statsLine(w) + u'\n' +
                               errorSplitLine(m_trial->layers[row].weightRoundingMse, m_trial->layers[row].weightClippingMse,
                                              m_trial->layers[row].weightClippedShare) +
                               (m_trial->layers[row].adaroundUp.isEmpty() ? QString() : u'\n' + adaroundLine(m_trial->layers[row])));
    setWeightViewAvailable(ChannelsView, w.channelMin.size() > 1);
    m_channelPlot->setData({w.channelMin, w.channelMax,
                            tr("%1 — weight range per output channel%2").arg(p.layer.name, which), grid,
                            weightQParams.scale.size() > 1});
    QVector<QPair<double, double>> quantized;
    if ((trialRow || previewed) && m_weightQuantized->isChecked()) {
        // Exact: the engine's histogram of the fake-quantized weight; its values sit on few bins.
        const Histogram& h = previewed ? preview->quantizedWeight : m_trial->layers[row].quantizedWeight;
        for (qsizetype i = 0; i < h.counts.size(); ++i)
            if (h.counts[i] > 0)
                quantized.append({h.lo + (double(i) + 0.5) * h.binWidth(), h.counts[i]});
    }
    m_weightPlot->setQuantized(quantized);
    const LevelUsage* levels = trialRow && !previewed ? &m_trial->layers[row].weightLevels : previewed ? &preview->weightLevels : nullptr;
    if (levels && levels->channels > 0) {
        const double unused = levels->unusedShare();
        m_levelPlot->setData(levels->channels, levels->levels, levels->quantMin, levels->counts,
                             tr("%1 — weight levels: %2% of cells unused")
                                 .arg(p.layer.name, QLocale().toString(100 * unused, 'f', 0)));
    } else {
        m_levelPlot->clear(tr("%1 — no integer weights in this trial").arg(p.layer.name));
    }
}

void LayerPlots::showActivation(const LayerProfile& p, int row)
{
    if (p.activation.count == 0 && !m_report.dataProblem.isEmpty()) {
        m_activationPlot->clear(tr("%1 — the model does not run on the open data").arg(p.layer.name));
        m_activationStats->setText(tr("No activations: open data this model runs on with File ▸ Open Data…"));
        return;
    }
    if (p.activation.count == 0) {
        m_activationPlot->clear(p.layer.hasActivationInput ? tr("%1 — no input activations recorded").arg(p.layer.name)
                                                           : tr("%1 — input: token indices, not quantized").arg(p.layer.name));
        m_activationStats->setText(p.layer.hasActivationInput ? tr("No activations recorded")
                                                              : tr("%1 takes indices: no activation to quantize").arg(p.layer.op));
        return;
    }
    // A trial with cross-layer equalization: its activations after it, or as loaded by the switch.
    const bool hasEqualized = m_equalizedActivations && row < m_equalizedActivations->size();
    const bool equalized = hasEqualized && m_weightEqualized->isChecked();
    const TensorStats& a = equalized ? (*m_equalizedActivations)[row] : p.activation;
    const QString which = equalized ? tr(", equalized") : hasEqualized ? tr(", as loaded") : QString();
    m_activationPlot->setData(toHistogram(
        a, hasEqualized ? tr("%1 — input activation%2").arg(p.layer.name, which) // a short title in a narrow panel
                        : tr("%1 — input activation (%2 calibration samples)").arg(p.layer.name).arg(m_report.calibrationSamples),
        tr("activation value")));
    m_activationStats->setText(statsLine(a));
    const bool trialRow = m_trial && row < m_trial->layers.size() && (equalized || !hasEqualized);
    const QParams aq = trialRow ? m_trial->layers[row].activationQParams : QParams();
    m_activationPlot->setGrid(gridOf(aq, QString()));
    // Dragged ranges are evaluated on the loaded model's histogram: no handles on equalized ones.
    setUpHandles(m_activationPlot, a, hasEqualized ? QuantSpec::parse(QStringLiteral("float")) : rangeSpec(false), false);
    m_useActivationRange->setVisible(false);
    if (trialRow && m_trial->layers[row].activationRoundingMse + m_trial->layers[row].activationClippingMse > 0) {
        const LayerTrialResult& t = m_trial->layers[row];
        m_activationStats->setText(statsLine(a) + u'\n' +
                                   errorSplitLine(t.activationRoundingMse, t.activationClippingMse, t.activationClippedShare) +
                                   (std::isnan(t.rmseOverScale) ? QString()
                                                                : tr(" · %1 steps RMS").arg(QLocale().toString(t.rmseOverScale, 'f', 3))));
    }
    // From the float histogram: each bin's count moves to the level its centre rounds to.
    const Histogram& h = a.histogram;
    m_activationPlot->setQuantized(m_activationQuantized->isChecked() && !aq.scale.isEmpty()
                                       ? quantizedCounts({h.lo, h.hi, h.counts}, aq.scale[0], aq.zeroPoint[0], aq.quantMin,
                                                         aq.quantMax)
                                       : QVector<QPair<double, double>>());
}

} // namespace qs
