#include "comparedialog.h"

#include "format.h"
#include "layererrorplot.h"

#include <QBrush>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace qs {

CompareModel::CompareModel(const StoredTrial& a, const StoredTrial& b, QObject* parent)
    : QAbstractTableModel(parent), m_a(a), m_b(b)
{
}

int CompareModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(qMax(m_a.result.layers.size(), m_b.result.layers.size()));
}

int CompareModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

bool CompareModel::differs(int row) const
{
    const LayerTrialResult a = m_a.result.layers.value(row), b = m_b.result.layers.value(row);
    return a.weightSpec != b.weightSpec || a.activationSpec != b.activationSpec;
}

int CompareModel::differingLayers() const
{
    int n = 0;
    for (int r = 0; r < rowCount(); ++r)
        n += differs(r);
    return n;
}

QVariant CompareModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const LayerTrialResult a = m_a.result.layers.value(index.row()), b = m_b.result.layers.value(index.row());
    if (role == DiffersRole)
        return differs(index.row());
    if (role == Qt::BackgroundRole && differs(index.row()) && index.column() != OutputSqnrA && index.column() != OutputSqnrB)
        return QBrush(QColor(243, 156, 18, 70)); // the settings that differ
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case LayerColumn: return a.name.isEmpty() ? b.name : a.name;
    case WeightsA: return a.weightSpec;
    case WeightsB: return b.weightSpec;
    case ActivationsA: return a.activationSpec;
    case ActivationsB: return b.activationSpec;
    case OutputSqnrA: return formatDb(a.outputSqnr);
    case OutputSqnrB: return formatDb(b.outputSqnr);
    }
    return {};
}

QVariant CompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case LayerColumn: return tr("Layer");
    case WeightsA: return tr("A weights");
    case WeightsB: return tr("B weights");
    case ActivationsA: return tr("A activations");
    case ActivationsB: return tr("B activations");
    case OutputSqnrA: return tr("A out SQNR");
    case OutputSqnrB: return tr("B out SQNR");
    }
    return {};
}

CompareDialog::CompareDialog(const StoredTrial& a, const StoredTrial& b, QWidget* parent)
    : QDialog(parent), m_model(new CompareModel(a, b, this)), m_plot(new LayerErrorPlot)
{
    setWindowTitle(tr("Compare trials %1 and %2").arg(a.id).arg(b.id));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("<b>A</b> %1<br><b>B</b> %2<br>%3 of %4 layers have different settings (highlighted).")
                                  .arg(trialLine(a).toHtmlEscaped(), trialLine(b).toHtmlEscaped())
                                  .arg(m_model->differingLayers())
                                  .arg(m_model->rowCount()));
    header->setTextFormat(Qt::RichText);
    layout->addWidget(header);
    auto* table = new QTableView;
    table->setModel(m_model);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->resizeColumnsToContents();
    // Every layer without scrolling, up to a dozen; more scroll.
    const int rows = std::min(m_model->rowCount(), 12);
    table->setMinimumHeight(table->horizontalHeader()->sizeHint().height() + rows * table->verticalHeader()->defaultSectionSize() +
                            2 * table->frameWidth() + table->horizontalScrollBar()->sizeHint().height());
    layout->addWidget(table);
    QStringList names;
    QVector<ErrorSeries> series(2);
    series[0].name = tr("A: layer output vs float");
    series[1].name = tr("B: layer output vs float");
    for (int r = 0; r < m_model->rowCount(); ++r) {
        names << m_model->index(r, CompareModel::LayerColumn).data().toString();
        series[0].values << a.result.layers.value(r).outputSqnr;
        series[1].values << b.result.layers.value(r).outputSqnr;
    }
    m_plot->setData(names, series);
    layout->addWidget(m_plot, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(900, 720);
}

} // namespace qs
