#include "layertablemodel.h"

#include "format.h"

#include "histogrammath.h"

#include <QColor>
#include <QFont>
#include <QLocale>

#include <algorithm>

#include <cmath>

namespace qs {

QString formatRange(double lo, double hi)
{
    return QStringLiteral("[%1, %2]").arg(lo, 0, 'g', 3).arg(hi, 0, 'g', 3);
}

namespace {
/// Activation shape of one sample: the leading batch dimension of one is left out.
QString sampleShape(const QVector<qint64>& shape)
{
    return formatShape(shape.size() > 1 ? shape.mid(1) : shape);
}
} // namespace

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setOverrides(const QMap<QString, QuantConfig::Override>& overrides)
{
    m_overrides = overrides;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, WeightSettingColumn), index(rowCount() - 1, ActivationSettingColumn));
    Q_EMIT overridesChanged();
}

void LayerTableModel::setSetting(const QList<int>& rows, bool weight, const QString& spec)
{
    const QString text = spec.trimmed();
    const bool reset = text.isEmpty() || text == tr("default");
    const QuantSpec parsed = reset ? QuantSpec() : QuantSpec::parse(text); // throws before anything changes
    for (int row : rows) {
        if (row < 0 || row >= m_report.layers.size())
            continue;
        const QString name = m_report.layers[row].layer.name;
        QuantConfig::Override o = m_overrides.value(name);
        (weight ? o.hasWeight : o.hasActivation) = !reset;
        (weight ? o.weight : o.activation) = parsed;
        if (o.hasWeight || o.hasActivation)
            m_overrides[name] = o;
        else
            m_overrides.remove(name);
        const int column = weight ? WeightSettingColumn : ActivationSettingColumn;
        Q_EMIT dataChanged(index(row, column), index(row, column));
    }
    Q_EMIT overridesChanged();
}

void LayerTableModel::setPreviews(const QMap<QString, LayerTrialResult>& previews)
{
    m_previews = previews;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, WeightSqnrColumn), index(rowCount() - 1, WeightSqnrColumn));
}

Qt::ItemFlags LayerTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == WeightSettingColumn ||
        (index.column() == ActivationSettingColumn && index.row() < m_report.layers.size() &&
         m_report.layers[index.row()].layer.hasActivationInput))
        f |= Qt::ItemIsEditable;
    return f;
}

bool LayerTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !(flags(index) & Qt::ItemIsEditable))
        return false;
    try {
        setSetting({index.row()}, index.column() == WeightSettingColumn, value.toString());
    } catch (const EngineError& e) {
        Q_EMIT settingRejected(e.message());
        return false;
    }
    return true;
}

void LayerTableModel::setTrial(const TrialResult& trial)
{
    m_trial = trial;
    m_hasTrial = trial.layers.size() == m_report.layers.size();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, NUM_COLUMNS - 1));
}

void LayerTableModel::setSensitivity(const SensitivityResult& result, const QString& settings)
{
    m_sensitivity.clear();
    for (const LayerSensitivity& l : result.layers)
        m_sensitivity[l.name] = l;
    m_sensitivitySettings = settings;
    m_sensitivityMetric = result.metric;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, SensitivityColumn), index(rowCount() - 1, SensitivityColumn));
}

void LayerTableModel::setLatency(const QVector<LatencyProfile>& profiles)
{
    m_latency = profiles;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, FloatMsColumn), index(rowCount() - 1, Int8MsColumn));
}

QVariant LayerTableModel::latencyData(int row, int column, int role) const
{
    const int which = column == FloatMsColumn ? 0 : 1;
    if (which >= m_latency.size() || row >= m_latency[which].layers.size())
        return role == Qt::TextAlignmentRole ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    const LayerTime& t = m_latency[which].layers[row];
    switch (role) {
    case Qt::DisplayRole: return QLocale().toString(t.totalMs(), 'f', 3);
    case SortRole: return t.totalMs();
    case Qt::TextAlignmentRole: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole: {
        QString tip = tr("%1 ms per pass at batch %2: kernel %3 ms, quantize/dequantize %4 ms")
                          .arg(QLocale().toString(t.totalMs(), 'f', 3))
                          .arg(m_latency[which].batch)
                          .arg(QLocale().toString(t.kernelMs, 'f', 3), QLocale().toString(t.quantizeMs, 'f', 3));
        if (which == 1 && !t.int8)
            tip += tr("\nNot on int8 kernels: %1").arg(t.note);
        else if (!t.note.isEmpty())
            tip += u'\n' + t.note;
        return tip;
    }
    case Qt::ForegroundRole:
        return which == 1 && !t.int8 ? QVariant(QColor(192, 57, 43)) : QVariant();
    }
    return {};
}

void LayerTableModel::setProfile(const ProfileReport& report)
{
    beginResetModel();
    if (report.model != m_report.model || report.data != m_report.data)
        m_latency.clear();
    if (report.model != m_report.model)
        m_sensitivity.clear();
    m_report = report;
    m_hasTrial = false;
    m_totalParams = report.parameterCount;
    m_channelSpread.clear();
    for (const LayerProfile& p : report.layers)
        m_channelSpread << (p.weight.channelMin.size() > 1
                                ? channelSpread(p.weight.channelMin, p.weight.channelMax).widestOverMedian
                                : 0.0);
    endResetModel();
}

void LayerTableModel::clear()
{
    setProfile({});
}

int LayerTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_report.layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

namespace {

/// "0.21 … 4.8 (median 1.02)".
QString spread(QVector<double> v)
{
    if (v.isEmpty())
        return {};
    std::sort(v.begin(), v.end());
    const QLocale locale;
    return QObject::tr("%1 … %2 (median %3)")
        .arg(locale.toString(v.first(), 'g', 3), locale.toString(v.last(), 'g', 3), locale.toString(v[v.size() / 2], 'g', 3));
}

} // namespace

QString adaroundLine(const LayerTrialResult& t)
{
    const QLocale locale;
    return QObject::tr("AdaRound: %1% of the weights rounded away from nearest; reconstruction loss %2 → %3 (%4% of nearest "
                       "rounding's)")
        .arg(locale.toString(100 * t.adaroundFlipped, 'f', 1), locale.toString(t.adaroundLossNearest, 'g', 3),
             locale.toString(t.adaroundLoss, 'g', 3),
             locale.toString(t.adaroundLossNearest > 0 ? 100 * t.adaroundLoss / t.adaroundLossNearest : 100, 'f', 0));
}

QString LayerTableModel::techniquesTip(const LayerTrialResult& t)
{
    QStringList lines;
    if (!t.equalizedWith.isEmpty())
        lines << tr("Cross-layer equalization with %1: output channels divided by %2").arg(t.equalizedWith, spread(t.equalizationScales));
    if (!t.equalizedAfter.isEmpty())
        lines << tr("Cross-layer equalization after %1: input channels multiplied by its scales").arg(t.equalizedAfter);
    if (!t.highBiasAbsorbed.isEmpty())
        lines << tr("High-bias absorption into %1: %2 taken from the bias, per output channel").arg(t.equalizedWith, spread(t.highBiasAbsorbed));
    if (!t.biasCorrection.isEmpty())
        lines << tr("Bias correction: %1 subtracted from the bias, per output channel").arg(spread(t.biasCorrection));
    if (!t.adaroundUp.isEmpty())
        lines << adaroundLine(t);
    if (!t.seqmseChosen.isEmpty()) {
        QVector<double> shares;
        for (int k : t.seqmseChosen)
            shares << k / 20.0;
        lines << tr("SeqMSE: ranges %1 of min/max; output MSE %2 → %3")
                     .arg(spread(shares), QLocale().toString(t.seqmseOutputMseMinMax, 'g', 3),
                          QLocale().toString(t.seqmseOutputMse, 'g', 3));
    }
    return lines.join(u'\n');
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_report.layers.size())
        return {};
    const int column = index.column();
    if (column == NameColumn && role == Qt::ToolTipRole && m_hasTrial && index.row() < m_trial.layers.size())
        if (const QString tip = techniquesTip(m_trial.layers[index.row()]); !tip.isEmpty())
            return tip;
    if (column == WeightSettingColumn || column == ActivationSettingColumn)
        return settingData(index.row(), column == WeightSettingColumn, role);
    if (isSqnrColumn(column)) {
        const QVariant v = sqnrData(index.row(), column, role);
        if (v.isValid() || role != Qt::TextAlignmentRole)
            return v;
    }
    if (column == StepErrorColumn)
        return stepErrorData(index.row(), role);
    if (column == UnusedLevelsColumn)
        return unusedLevelsData(index.row(), role);
    if (column == SensitivityColumn)
        return sensitivityData(index.row(), role);
    if (column == FloatMsColumn || column == Int8MsColumn)
        return latencyData(index.row(), column, role);
    return profileData(index.row(), column, role);
}

QVariant LayerTableModel::settingData(int row, bool weight, int role) const
{
    const auto it = m_overrides.constFind(m_report.layers[row].layer.name);
    const bool set = it != m_overrides.cend() && (weight ? it->hasWeight : it->hasActivation);
    // Shown compactly ("int4 pc sym"); edited and sorted as the full spec.
    if (role == Qt::DisplayRole)
        return set ? compactSpec(weight ? it->weight : it->activation) : tr("default");
    if (role == Qt::EditRole || role == SortRole)
        return set ? (weight ? it->weight : it->activation).toString() : QString();
    if (role == Qt::ForegroundRole && !set)
        return QColor(Qt::gray);
    if (role == Qt::FontRole && set) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::ToolTipRole)
        return QString((set ? QStringLiteral("%1\n").arg((weight ? it->weight : it->activation).toString()) : QString()) +
                       tr("Double-click to set this layer's %1 spec (e.g. int4:per_channel:symmetric); empty resets to the "
                  "toolbar's default. With several rows selected, the edit applies to all of them.")
                           .arg(weight ? tr("weight") : tr("activation")));
    return {};
}

QVariant LayerTableModel::sqnrData(int row, int column, int role) const
{
    const auto preview = m_previews.constFind(m_report.layers[row].layer.name);
    if (column == WeightSqnrColumn && preview != m_previews.cend()) { // an edited setting, before its trial
        const double v = preview->weightSqnr;
        switch (role) {
        case Qt::FontRole: {
            QFont italic;
            italic.setItalic(true);
            return italic;
        }
        case SortRole: return std::isinf(v) ? 1e9 : v;
        case Qt::ToolTipRole: return tr("Preview of the edited setting %1 (no trial yet)").arg(preview->weightSpec);
        case Qt::DisplayRole: return formatDb(v);
        }
    }
    if (!m_hasTrial || (role != Qt::DisplayRole && role != SortRole && role != Qt::ToolTipRole))
        return {};
    const LayerTrialResult& t = m_trial.layers[row];
    const double v = column == WeightSqnrColumn       ? t.weightSqnr
                     : column == ActivationSqnrColumn ? t.activationSqnr
                     : column == LocalSqnrColumn      ? t.localSqnr
                                                      : t.outputSqnr;
    if (std::isnan(v)) // local error not measured (a sweep's or search's trial)
        return role == Qt::ToolTipRole ? tr("Not measured by this trial: Run trial measures it") : QVariant();
    if (role == SortRole)
        return std::isinf(v) ? 1e9 : v;
    if (role == Qt::ToolTipRole) {
        const QLocale locale;
        if (column == WeightSqnrColumn)
            return tr("%1 weights\nrounding MSE %2, clipping MSE %3 (%4% of values clipped)")
                .arg(t.weightSpec, locale.toString(t.weightRoundingMse, 'g', 3), locale.toString(t.weightClippingMse, 'g', 3),
                     locale.toString(100 * t.weightClippedShare, 'f', 2));
        if (column == ActivationSqnrColumn)
            return tr("%1 input activations\nrounding MSE %2, clipping MSE %3 (%4% of values clipped)")
                .arg(t.activationSpec, locale.toString(t.activationRoundingMse, 'g', 3),
                     locale.toString(t.activationClippingMse, 'g', 3), locale.toString(100 * t.activationClippedShare, 'f', 2));
        if (column == LocalSqnrColumn)
            return tr("Only this layer quantized, its input from the float model: %1 dB, against %2 dB in the quantized model")
                .arg(formatDb(v), formatDb(t.outputSqnr));
        return tr("This layer's output in the quantized model against the float model");
    }
    return formatDb(v);
}

QVariant LayerTableModel::unusedLevelsData(int row, int role) const
{
    if (!m_hasTrial)
        return {};
    const double v = m_trial.layers[row].weightUnusedLevels;
    if (std::isnan(v))
        return {};
    switch (role) {
    case SortRole: return v;
    case Qt::DisplayRole: return QStringLiteral("%1%").arg(QLocale().toString(100 * v, 'f', 0));
    case Qt::TextAlignmentRole: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        return tr("Share of (output channel, weight level) cells no weight falls on: high when channels are squeezed "
                  "onto a few levels (the weight panel's Levels view shows them)");
    }
    return {};
}

QVariant LayerTableModel::stepErrorData(int row, int role) const
{
    if (!m_hasTrial)
        return {};
    const double v = m_trial.layers[row].rmseOverScale;
    if (std::isnan(v))
        return {};
    switch (role) {
    case SortRole: return v;
    case Qt::DisplayRole: return QLocale().toString(v, 'f', 3);
    case Qt::TextAlignmentRole: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole: return v > 0.7 ? QVariant(QColor(192, 57, 43)) : QVariant();
    case Qt::ToolTipRole:
        return tr("Input activation error in quantization steps (RMS error / scale): 0.289 is rounding alone; above 0.7 "
                  "clipping dominates (%1% of values clipped)")
            .arg(QLocale().toString(100 * m_trial.layers[row].activationClippedShare, 'f', 2));
    }
    return {};
}

QVariant LayerTableModel::sensitivityData(int row, int role) const
{
    const QString& name = m_report.layers[row].layer.name;
    const auto s = m_sensitivity.constFind(name);
    if (s == m_sensitivity.cend())
        return {};
    // The change as the metric moves: top-1 points (negative is worse), perplexity (positive is worse).
    const bool lm = m_sensitivityMetric == Metric::Perplexity;
    const double change = lm ? s->drop : -s->drop;
    switch (role) {
    case SortRole: return -s->drop; // most sensitive first in ascending order
    case Qt::DisplayRole: return QLocale().toString(change, 'f', lm ? 3 : 2);
    case Qt::TextAlignmentRole: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        return tr("Only %1 quantized (%2): %3, output SQNR %4 dB%5")
            .arg(name, m_sensitivitySettings, formatChange(m_sensitivityMetric, change), formatDb(s->outputSqnr),
                 s->hasConverse ? tr("; every layer but %1: %2")
                                      .arg(name, formatChange(m_sensitivityMetric, lm ? s->converseDrop : -s->converseDrop))
                                : QString());
    }
    return {};
}

QVariant LayerTableModel::profileData(int row, int column, int role) const
{
    const LayerProfile& p = m_report.layers[row];
    const LayerInfo& l = p.layer;
    const bool hasActivation = p.activation.count > 0;
    if (role == ShareRole && column == ParamsColumn)
        return m_totalParams > 0 ? double(l.paramCount) / double(m_totalParams) : 0.0;
    if (role == Qt::TextAlignmentRole)
        return column == ParamsColumn || column == WeightKurtosisColumn || column == ChannelSpreadColumn || isSqnrColumn(column)
                   ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return profileToolTip(row, column);
    if (role == SortRole) {
        switch (column) {
        case NameColumn: return row; // model order
        case OpColumn: return l.op;
        case WeightShapeColumn: return l.weightCount;
        case ParamsColumn: return l.paramCount;
        case InputShapeColumn: return l.inputShape.isEmpty() ? 0 : l.inputShape.back();
        case OutputShapeColumn: return l.outputShape.isEmpty() ? 0 : l.outputShape.back();
        case WeightRangeColumn: return std::max(std::abs(p.weight.min), std::abs(p.weight.max));
        case WeightKurtosisColumn: return p.weight.kurtosis;
        case ChannelSpreadColumn: return m_channelSpread.value(row);
        case ActivationRangeColumn: return hasActivation ? std::max(std::abs(p.activation.min), std::abs(p.activation.max)) : -1.0;
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case NameColumn: return l.name;
    case OpColumn: return l.op;
    case WeightShapeColumn: return weightDescription(l);
    case ParamsColumn: return QLocale().toString(l.paramCount);
    case InputShapeColumn: return l.hasActivationInput ? sampleShape(l.inputShape) : tr("indices");
    case OutputShapeColumn: return sampleShape(l.outputShape);
    case WeightRangeColumn: return p.weight.count ? formatRange(p.weight.min, p.weight.max) : QString();
    case WeightKurtosisColumn: return p.weight.count ? QString::number(p.weight.kurtosis, 'f', 2) : QString();
    case ChannelSpreadColumn: {
        const double spread = m_channelSpread.value(row);
        return spread > 0 ? QString::number(spread, 'f', 1) + u'×' : QStringLiteral("—");
    }
    case ActivationRangeColumn: return hasActivation ? formatRange(p.activation.min, p.activation.max) : QStringLiteral("—");
    }
    return {};
}

QVariant LayerTableModel::profileToolTip(int row, int column) const
{
    if (column == ParamsColumn && m_totalParams > 0)
        return tr("%1 of the model's %2 parameters")
            .arg(QLocale().toString(100.0 * m_report.layers[row].layer.paramCount / m_totalParams, 'f', 1) + u'%')
            .arg(QLocale().toString(m_totalParams));
    if (column == WeightKurtosisColumn)
        return tr("Excess kurtosis of the weight: 0 for a Gaussian; large values mean heavy tails "
                  "(outliers that stretch the quantization range)");
    if (column == ChannelSpreadColumn)
        return tr("The widest output channel's weight range against the median channel's. Far above 1, "
                  "one scale per tensor leaves the narrow channels few levels: use per-channel weights. "
                  "The Channels view beside the histogram draws them.");
    return {};
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case InputShapeColumn: return tr("Input activation shape of one sample (batch dimension left out)");
        case OutputShapeColumn: return tr("Output activation shape of one sample (batch dimension left out)");
        case ActivationRangeColumn: return tr("Input activation range over the calibration samples");
        case ChannelSpreadColumn:
            return tr("Widest output channel's weight range / the median channel's: high values need per-channel weights");
        case WeightSqnrColumn: return tr("Weight SQNR of the last trial (dB, higher is better)");
        case ActivationSqnrColumn: return tr("Input-activation SQNR of the last trial (dB)");
        case OutputSqnrColumn:
            return tr("This layer's output in the quantized model against the float model (dB): where error builds up");
        case LocalSqnrColumn:
            return tr("This layer's output with only it quantized, its input from the float model (dB): the error it "
                      "adds on its own");
        case StepErrorColumn:
            return tr("Input activation error in quantization steps (rmse / scale): 0.289 is rounding alone, red above 0.7");
        case UnusedLevelsColumn:
            return tr("Share of (output channel, weight level) cells no weight falls on, in the last trial");
        case SensitivityColumn:
            return tr("Top-1 change in points with only this layer quantized (last sensitivity analysis); "
                      "the most negative layers need more bits");
        case FloatMsColumn: return tr("This layer's time per forward pass in the float model (last Latency measurement)");
        case Int8MsColumn: return tr("This layer's time in the int8 model, its quantize/dequantize ops included; red: not on int8 kernels");
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Layer");
    case OpColumn: return tr("Op");
    case WeightShapeColumn: return tr("Weight");
    case ParamsColumn: return tr("Params");
    case InputShapeColumn: return tr("Input");
    case OutputShapeColumn: return tr("Output");
    case WeightRangeColumn: return tr("Weight range");
    case WeightKurtosisColumn: return tr("Kurtosis");
    case ChannelSpreadColumn: return tr("Ch. spread");
    case ActivationRangeColumn: return tr("Act. range");
    case WeightSettingColumn: return tr("W setting");
    case ActivationSettingColumn: return tr("A setting");
    case WeightSqnrColumn: return tr("W SQNR");
    case ActivationSqnrColumn: return tr("A SQNR");
    case OutputSqnrColumn: return tr("Out SQNR");
    case LocalSqnrColumn: return tr("Local SQNR");
    case StepErrorColumn: return tr("Steps err.");
    case UnusedLevelsColumn: return tr("Unused lv.");
    case SensitivityColumn: return tr("Sensitivity");
    case FloatMsColumn: return tr("Float ms");
    case Int8MsColumn: return tr("Int8 ms");
    }
    return {};
}

} // namespace qs
