#include "disagreementmodel.h"

#include <QColor>
#include <QPixmap>

namespace qs {

namespace {
constexpr int kThumbnail = 84; // pixels; small images are scaled up without smoothing
}

DisagreementModel::DisagreementModel(QObject* parent) : QAbstractListModel(parent) {}

void DisagreementModel::setData(const QVector<TrialResult::Disagreement>& items, const QStringList& classNames,
                                std::function<QImage(qint64)> image)
{
    beginResetModel();
    m_items = items;
    m_classNames = classNames;
    m_image = std::move(image);
    endResetModel();
}

void DisagreementModel::clear()
{
    setData({}, {}, {});
}

int DisagreementModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

QString DisagreementModel::className(int c) const
{
    return c >= 0 && c < m_classNames.size() ? m_classNames[c] : QString::number(c);
}

QVariant DisagreementModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_items.size())
        return {};
    const TrialResult::Disagreement& d = m_items[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return tr("float: %1\nquantized: %2%3")
            .arg(className(d.floatClass), className(d.quantizedClass),
                 d.label >= 0 ? tr("\nlabel: %1").arg(className(d.label)) : QString());
    case Qt::ToolTipRole:
        return tr("Sample %1: the float model says %2, the quantized one %3%4")
            .arg(d.sample)
            .arg(className(d.floatClass), className(d.quantizedClass),
                 d.label >= 0 ? tr("; the label is %1 (%2)")
                                    .arg(className(d.label),
                                         d.label == d.floatClass       ? tr("quantization broke a right answer")
                                         : d.label == d.quantizedClass ? tr("quantization fixed a wrong answer")
                                                                       : tr("both are wrong"))
                              : QString());
    case Qt::DecorationRole: {
        const QImage image = m_image ? m_image(d.sample) : QImage();
        if (image.isNull())
            return {};
        const bool small = image.width() < kThumbnail;
        return QPixmap::fromImage(image.scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio,
                                               small ? Qt::FastTransformation : Qt::SmoothTransformation));
    }
    case Qt::ForegroundRole:
        if (d.label >= 0 && d.label == d.floatClass)
            return QColor(192, 57, 43); // a right answer lost
        return {};
    case SampleRole: return d.sample;
    case FloatClassRole: return d.floatClass;
    case QuantizedClassRole: return d.quantizedClass;
    case LabelRole: return d.label;
    }
    return {};
}

} // namespace qs
