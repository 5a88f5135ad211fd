#include "disagreementtab.h"

#include "disagreementmodel.h"

#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QVBoxLayout>

namespace qs {

namespace {

QString summaryText(const TrialResult& r, qint64 window)
{
    const QLocale locale;
    if (r.evaluationSamples == 0 || (r.disagreements.isEmpty() && r.disagreementCount == 0 && r.layers.isEmpty()))
        return {};
    if (r.metric == Metric::Perplexity) {
        const qint64 predicted = r.evaluationSamples * qMax<qint64>(1, window - 1);
        return QObject::tr("<b>%1</b> of %2 next-token predictions (%3%) changed under quantization. Token windows are not "
                           "shown as pictures; this view is for image classifiers.")
            .arg(locale.toString(r.disagreementCount), locale.toString(predicted),
                 locale.toString(100.0 * double(r.disagreementCount) / double(predicted), 'f', 2));
    }
    if (r.disagreementCount > 0)
        return QObject::tr("<b>%1</b> of %2 inputs (%3%) changed their top-1 under quantization%4. Red: the float model was "
                           "right and the quantized one is not.")
            .arg(locale.toString(r.disagreementCount), locale.toString(r.evaluationSamples),
                 locale.toString(100.0 * double(r.disagreementCount) / double(r.evaluationSamples), 'f', 2),
                 r.disagreementCount > r.disagreements.size()
                     ? QObject::tr("; the first %1 are shown").arg(r.disagreements.size())
                     : QString());
    return QObject::tr("No input changed its top-1 under quantization (of %1), or this trial came from the history: "
                       "run it again to see its disagreements.")
        .arg(locale.toString(r.evaluationSamples));
}

} // namespace

DisagreementTab::DisagreementTab(QWidget* parent)
    : QWidget(parent), m_model(new DisagreementModel(this)), m_summary(new QLabel)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    m_summary->setWordWrap(true);
    m_summary->setText(tr("Run a trial to see the inputs whose prediction quantization changes."));
    auto* view = new QListView;
    view->setObjectName(QStringLiteral("disagreementView"));
    view->setModel(m_model);
    view->setViewMode(QListView::IconMode);
    view->setResizeMode(QListView::Adjust);
    view->setMovement(QListView::Static);
    view->setIconSize(QSize(84, 84));
    view->setGridSize(QSize(130, 172)); // the picture and three lines: float, quantized, label
    view->setWordWrap(true);
    view->setUniformItemSizes(true);
    layout->addWidget(m_summary);
    layout->addWidget(view, 1);
}

void DisagreementTab::setTrial(const TrialResult& r, std::shared_ptr<const Dataset> data)
{
    m_model->setData(r.disagreements, data ? data->classNames() : QStringList(),
                     [data](qint64 i) { return data ? data->sampleImage(i) : QImage(); });
    const qint64 window = data && data->isTokenWindows() ? data->sampleShape().value(0) : 0;
    m_summary->setText(summaryText(r, window));
}

} // namespace qs
