#pragma once
// The inputs whose top-1 a trial's quantization changed: a thumbnail each (when the samples are
// pictures) with the float and the quantized prediction and the label.

#include "trial.h"

#include <QAbstractListModel>
#include <QImage>
#include <QStringList>

#include <functional>

namespace qs {

class DisagreementModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Roles { SampleRole = Qt::UserRole, FloatClassRole, QuantizedClassRole, LabelRole };

    explicit DisagreementModel(QObject* parent = nullptr);
    /// A snapshot: the disagreements, the class names (may be empty), and how to draw sample i.
    void setData(const QVector<TrialResult::Disagreement>& items, const QStringList& classNames,
                 std::function<QImage(qint64)> image);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    QString className(int c) const;
    QVector<TrialResult::Disagreement> m_items;
    QStringList m_classNames;
    std::function<QImage(qint64)> m_image;
};

} // namespace qs
