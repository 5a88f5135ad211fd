#include "layertablemodel.h"

#include <QLocale>

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

void LayerTableModel::setTrial(const TrialResult& trial)
{
    m_trial = trial;
    m_hasTrial = trial.layers.size() == m_report.layers.size();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, WeightSqnrColumn), index(rowCount() - 1, OutputSqnrColumn));
}

void LayerTableModel::setProfile(const ProfileReport& report)
{
    beginResetModel();
    m_report = report;
    m_hasTrial = false;
    m_totalParams = report.parameterCount;
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

QVariant LayerTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_report.layers.size())
        return {};
    const LayerProfile& p = m_report.layers[index.row()];
    const LayerInfo& l = p.layer;
    const bool hasActivation = p.activation.count > 0;
    const bool sqnrColumn = isSqnrColumn(index.column());
    if (sqnrColumn && (role == Qt::DisplayRole || role == SortRole || role == Qt::ToolTipRole)) {
        if (!m_hasTrial)
            return {};
        const LayerTrialResult& t = m_trial.layers[index.row()];
        const double v = index.column() == WeightSqnrColumn       ? t.weightSqnr
                         : index.column() == ActivationSqnrColumn ? t.activationSqnr
                                                                  : t.outputSqnr;
        if (role == SortRole)
            return std::isinf(v) ? 1e9 : v;
        if (role == Qt::ToolTipRole)
            return index.column() == WeightSqnrColumn ? tr("%1 weights").arg(t.weightSpec)
                                                      : tr("%1 input activations").arg(t.activationSpec);
        return std::isinf(v) ? QStringLiteral("∞") : QString::number(v, 'f', 1);
    }
    if (role == ShareRole && index.column() == ParamsColumn)
        return m_totalParams > 0 ? double(l.paramCount) / double(m_totalParams) : 0.0;
    if (role == Qt::TextAlignmentRole)
        return index.column() == ParamsColumn || index.column() == WeightKurtosisColumn || sqnrColumn
                   ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        if (index.column() == ParamsColumn && m_totalParams > 0)
            return tr("%1 of the model's %2 parameters")
                .arg(QLocale().toString(100.0 * l.paramCount / m_totalParams, 'f', 1) + u'%')
                .arg(QLocale().toString(m_totalParams));
        if (index.column() == WeightKurtosisColumn)
            return tr("Excess kurtosis of the weight: 0 for a Gaussian; large values mean heavy tails "
                      "(outliers that stretch the quantization range)");
        return {};
    }
    if (role == SortRole) {
        switch (index.column()) {
        case NameColumn: return index.row(); // model order
        case OpColumn: return l.op;
        case WeightShapeColumn: return l.weightCount;
        case ParamsColumn: return l.paramCount;
        case InputShapeColumn: return l.inputShape.isEmpty() ? 0 : l.inputShape.back();
        case OutputShapeColumn: return l.outputShape.isEmpty() ? 0 : l.outputShape.back();
        case WeightRangeColumn: return std::max(std::abs(p.weight.min), std::abs(p.weight.max));
        case WeightKurtosisColumn: return p.weight.kurtosis;
        case ActivationRangeColumn:
            return hasActivation ? std::max(std::abs(p.activation.min), std::abs(p.activation.max)) : -1.0;
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameColumn: return l.name;
    case OpColumn: return l.op;
    case WeightShapeColumn: return formatShape(l.weightShape);
    case ParamsColumn: return QLocale().toString(l.paramCount);
    case InputShapeColumn: return l.hasActivationInput ? sampleShape(l.inputShape) : tr("indices");
    case OutputShapeColumn: return sampleShape(l.outputShape);
    case WeightRangeColumn: return p.weight.count ? formatRange(p.weight.min, p.weight.max) : QString();
    case WeightKurtosisColumn: return p.weight.count ? QString::number(p.weight.kurtosis, 'f', 2) : QString();
    case ActivationRangeColumn:
        return hasActivation ? formatRange(p.activation.min, p.activation.max) : QStringLiteral("—");
    }
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
        case WeightSqnrColumn: return tr("Weight SQNR of the last trial (dB, higher is better)");
        case ActivationSqnrColumn: return tr("Input-activation SQNR of the last trial (dB)");
        case OutputSqnrColumn:
            return tr("This layer's output in the quantized model against the float model (dB): where error builds up");
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
    case ActivationRangeColumn: return tr("Act. range");
    case WeightSqnrColumn: return tr("W SQNR");
    case ActivationSqnrColumn: return tr("A SQNR");
    case OutputSqnrColumn: return tr("Out SQNR");
    }
    return {};
}

} // namespace qs
