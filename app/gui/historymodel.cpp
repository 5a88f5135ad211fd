#include "historymodel.h"

#include "format.h"

#include <algorithm>

#include <QLocale>

namespace qs {

HistoryModel::HistoryModel(QObject* parent) : QAbstractTableModel(parent) {}

void HistoryModel::setTrials(const QVector<StoredTrial>& trials)
{
    beginResetModel();
    m_trials = trials;
    endResetModel();
}

void HistoryModel::appendTrial(const StoredTrial& trial)
{
    const int row = int(m_trials.size());
    beginInsertRows({}, row, row);
    m_trials << trial;
    endInsertRows();
    if (row == 0 || (trial.result.metric == Metric::Perplexity) != (m_trials.first().result.metric == Metric::Perplexity))
        Q_EMIT headerDataChanged(Qt::Horizontal, Top1Column, Top1Column);
}

int HistoryModel::rowOf(qint64 id) const
{
    for (int i = 0; i < m_trials.size(); ++i)
        if (m_trials[i].id == id)
            return i;
    return -1;
}

int HistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_trials.size());
}

int HistoryModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

QVariant HistoryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_trials.size())
        return {};
    const StoredTrial& t = m_trials[index.row()];
    const QuantConfig& c = t.settings;
    const int overrides = int(c.layers.size());
    if (role == IdRole)
        return t.id;
    const QLocale locale;
    if (role == Qt::TextAlignmentRole)
        return index.column() <= SamplesColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                          : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        if (index.column() == WeightsColumn || index.column() == ActivationsColumn)
            return trialSettingsLine(c, t.result, m_layerCount);
        if (index.column() == SamplesColumn || index.column() == ChangeColumn)
            return tr("Scored on %1 evaluation samples, where float scores %2; the change is against that. "
                      "A search scores its candidates on a subset: compare scores only on the same samples.")
                .arg(locale.toString(t.result.evaluationSamples), formatScore(t.result.metric, t.result.floatScore()));
        if (index.column() == DataColumn)
            return tr("Measured on %1").arg(t.dataSpec);
        if (index.column() == Int8MsColumn && t.latencyBatch > 0)
            return tr("Its int8 model: %1 ms per forward pass of %2 samples, end to end; the float model %3 ms (%4× %5)")
                .arg(locale.toString(t.int8Ms, 'f', 3))
                .arg(t.latencyBatch)
                .arg(locale.toString(t.floatMs, 'f', 3), locale.toString(t.floatMs / t.int8Ms, 'f', 2),
                     t.int8Ms < t.floatMs ? tr("faster") : tr("slower"));
        return t.note.isEmpty() ? QVariant() : QVariant(t.note);
    }
    const bool sort = role == SortRole;
    if (role != Qt::DisplayRole && !sort)
        return {};
    switch (index.column()) {
    case IdColumn: return sort ? QVariant(t.id) : QVariant(QString::number(t.id));
    case WhenColumn:
        return sort ? QVariant(t.created) : QVariant(t.created.toLocalTime().toString(QStringLiteral("MM-dd hh:mm")));
    case NameColumn: return t.name;
    case WeightsColumn:
        return overrides ? trialSettingsLine(c, t.result, m_layerCount).section(QStringLiteral(" / "), 0, 0)
                         : compactSpec(c.weight);
    case ActivationsColumn: return compactSpec(c.activation);
    case SamplesColumn:
        return sort ? QVariant(t.result.evaluationSamples) : QVariant(locale.toString(t.result.evaluationSamples));
    case ModeColumn: return trialModeName(c.mode);
    case DataColumn: return compactDataSpec(t.dataSpec);
    case Int8MsColumn:
        if (t.latencyBatch <= 0)
            return sort ? QVariant(-1.0) : QVariant();
        return sort ? QVariant(t.int8Ms) : QVariant(locale.toString(t.int8Ms, 'f', 3));
    case Top1Column: { // top-1 in percent, or a language model's perplexity
        const int decimals = t.result.metric == Metric::Perplexity ? 3 : 2;
        return sort ? QVariant(t.result.score()) : QVariant(locale.toString(t.result.score(), 'f', decimals));
    }
    case ChangeColumn: {
        const double change = t.result.score() - t.result.floatScore();
        return sort ? QVariant(change) : QVariant(formatSignedChange(t.result.metric, change));
    }
    case SizeColumn: return sort ? QVariant(t.result.sizeBytes) : QVariant(formatBytes(t.result.sizeBytes));
    case CompressionColumn: return sort ? QVariant(t.result.compression()) : QVariant(formatRatio(t.result.compression()));
    }
    return {};
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return tr("#");
    case WhenColumn: return tr("When");
    case NameColumn: return tr("Name");
    case WeightsColumn: return tr("Weights");
    case ActivationsColumn: return tr("Activations");
    case ModeColumn: return tr("Mode");
    case DataColumn: return tr("Data");
    case Int8MsColumn: return tr("Int8 ms");
    case Top1Column: { // a language model's trials are scored by perplexity
        const bool lm = std::any_of(m_trials.cbegin(), m_trials.cend(),
                                    [](const StoredTrial& t) { return t.result.metric == Metric::Perplexity; });
        return lm ? tr("Perplexity") : tr("Top-1 %");
    }
    case ChangeColumn: return tr("Change");
    case SamplesColumn: return tr("Samples");
    case SizeColumn: return tr("Bytes");
    case CompressionColumn: return tr("Smaller");
    }
    return {};
}

} // namespace qs
