#pragma once
// The status bar's job area: the stage of the running job with the time left, its progress and
// a Cancel button; between jobs, the last message.

#include <QElapsedTimer>
#include <QObject>

class QLabel;
class QProgressBar;
class QPushButton;
class QStatusBar;

namespace qs {

class JobTracker;

class JobStatus : public QObject
{
    Q_OBJECT
public:
    /// Adds its widgets to `bar` and follows `jobs`.
    JobStatus(JobTracker* jobs, QStatusBar* bar);
    void showMessage(const QString& text);
    QString text() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void elide();
    void progressChanged(int permille, const QString& stage);
    QLabel* m_stage;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QElapsedTimer m_clock;
    QString m_text;         ///< shown whole in the tooltip, elided in the label
    int m_secondsLeft = -1; ///< the last estimate of the running job
};

} // namespace qs
