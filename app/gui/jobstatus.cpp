#include "jobstatus.h"

#include "jobtracker.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>

#include <QEvent>

#include <algorithm>
#include <cmath>

namespace qs {

JobStatus::JobStatus(JobTracker* jobs, QStatusBar* bar)
    : QObject(bar), m_stage(new QLabel), m_progress(new QProgressBar), m_cancel(new QPushButton(tr("Cancel")))
{
    m_stage->setObjectName(QStringLiteral("jobStage"));
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(240);
    m_progress->setTextVisible(false);
    bar->addWidget(m_stage, 1);
    bar->addPermanentWidget(m_progress);
    bar->addPermanentWidget(m_cancel);
    m_progress->hide();
    m_cancel->hide();
    connect(m_cancel, &QPushButton::clicked, jobs, &JobTracker::cancel);
    m_stage->installEventFilter(this);
    connect(jobs, &JobTracker::started, this, [this](const QString& title) {
        m_clock.start();
        m_secondsLeft = -1;
        showMessage(title);
        m_progress->setValue(0);
        m_progress->show();
        m_cancel->show();
    });
    connect(jobs, &JobTracker::progressChanged, this, &JobStatus::progressChanged);
    connect(jobs, &JobTracker::finished, this, [this] {
        m_progress->hide();
        m_cancel->hide();
    });
}

void JobStatus::showMessage(const QString& text)
{
    m_text = text;
    m_stage->setToolTip(text);
    elide();
}

QString JobStatus::text() const
{
    return m_text;
}

void JobStatus::elide()
{
    // A long path is cut in the middle (its file name stays); the whole text is in the tooltip.
    const int width = m_stage->width() - 8;
    m_stage->setText(m_stage->isVisible() && width > 40
                         ? m_stage->fontMetrics().elidedText(m_text, Qt::ElideMiddle, width)
                         : m_text);
}

bool JobStatus::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_stage && (event->type() == QEvent::Resize || event->type() == QEvent::Show))
        elide();
    return false;
}

void JobStatus::progressChanged(int permille, const QString& stage)
{
    m_progress->setValue(permille);
    if (stage.isEmpty())
        return;
    // Time left, once there is enough behind to extrapolate from.
    const double elapsed = m_clock.isValid() ? m_clock.elapsed() / 1000.0 : 0;
    // The estimate only goes down: a slow batch does not make the time left jump up.
    QString left;
    if (permille >= 30 && elapsed >= 3) {
        int seconds = int(std::ceil(elapsed * (1000 - permille) / permille));
        if (m_secondsLeft >= 0)
            seconds = std::min(seconds, m_secondsLeft);
        m_secondsLeft = seconds;
        left = seconds >= 90 ? tr(" — about %1 min left").arg((seconds + 30) / 60) : tr(" — about %1 s left").arg(seconds);
    }
    showMessage(stage + QStringLiteral("…") + left);
}

} // namespace qs
