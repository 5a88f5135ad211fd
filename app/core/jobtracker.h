#pragma once
// The one background mechanism: a single engine thread, jobs with progress and cancel, and
// results from a superseded job dropped (after hotspot's JobTracker).

#include "errors.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QPromise>
#include <QThreadPool>
#include <QtConcurrent>

#include <functional>

namespace qs {

class JobTracker : public QObject
{
    Q_OBJECT
public:
    explicit JobTracker(QObject* parent = nullptr);
    ~JobTracker() override;

    /// Runs `job(control)` on the engine thread. `done(result)` or `failed(kind, message)` runs
    /// on this object's thread unless another job has been started since; so do the functions
    /// the job hands to `control.post`, before `done`.
    template<class T>
    void start(const QString& title, std::function<T(const JobControl&)> job, std::function<void(T)> done,
               std::function<void(ErrorKind, QString)> failed);
    /// A short background task queued behind the current job, which it neither cancels nor
    /// supersedes (e.g. a preview); no progress is shown for it.
    template<class T>
    void queue(std::function<T(const JobControl&)> job, std::function<void(T)> done,
               std::function<void(ErrorKind, QString)> failed);

    void cancel();
    bool isRunning() const { return m_running > 0; }
    /// Blocks until every job has ended (for shutdown and tests).
    void waitForIdle();

Q_SIGNALS:
    void started(const QString& title);
    void progressChanged(int permille, const QString& stage);
    void finished();

private:
    struct Outcome {
        ErrorKind kind = ErrorKind::Internal;
        QString message;
    };
    QThreadPool m_pool;
    quint64 m_generation = 0;
    int m_running = 0;
    std::function<void()> m_cancelCurrent;
};

template<class T>
void JobTracker::start(const QString& title, std::function<T(const JobControl&)> job, std::function<void(T)> done,
                       std::function<void(ErrorKind, QString)> failed)
{
    cancel();
    const quint64 generation = ++m_generation;
    ++m_running;
    Q_EMIT started(title);

    struct Result {
        std::optional<T> value;
        Outcome error;
    };
    // Partial results reach this thread in order, and only while this job is the current one.
    // The tracker outlives its jobs (its destructor waits for them).
    auto post = [this, generation](std::function<void()> fn) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, fn = std::move(fn)] {
                if (generation == m_generation)
                    fn();
            },
            Qt::QueuedConnection);
    };
    auto future = QtConcurrent::run(&m_pool, [job, post](QPromise<Result>& promise) {
        int lastPermille = -1;
        QString lastStage;
        JobControl control;
        control.cancelled = [&promise] { return promise.isCanceled(); };
        control.post = post;
        // Throttled: only when the permille or the stage text changes.
        control.progress = [&](double fraction, const QString& stage) {
            const int permille = qBound(0, int(fraction * 1000), 1000);
            if (permille != lastPermille || stage != lastStage) {
                lastPermille = permille;
                lastStage = stage;
                promise.setProgressValueAndText(permille, stage);
            }
        };
        promise.setProgressRange(0, 1000);
        Result r;
        try {
            r.value = job(control);
        } catch (const EngineError& e) {
            r.error = {e.kind(), e.message()};
        } catch (const std::bad_alloc&) {
            r.error = {ErrorKind::Internal, QStringLiteral("out of memory")};
        } catch (const std::exception& e) {
            r.error = {ErrorKind::Internal, QString::fromLocal8Bit(e.what()).section(u'\n', 0, 0)};
        }
        promise.addResult(std::move(r));
    });

    auto* watcher = new QFutureWatcher<Result>(this);
    m_cancelCurrent = [watcher] { watcher->cancel(); };
    connect(watcher, &QFutureWatcher<Result>::progressValueChanged, this, [this, watcher, generation](int value) {
        if (generation == m_generation)
            Q_EMIT progressChanged(value, watcher->progressText());
    });
    connect(watcher, &QFutureWatcher<Result>::finished, this, [this, watcher, generation, done, failed] {
        watcher->deleteLater();
        --m_running;
        const bool current = generation == m_generation;
        if (current)
            m_cancelCurrent = nullptr;
        // A cancelled QFuture discards results; treat that as a cancelled job.
        const bool hasResult = watcher->future().resultCount() > 0;
        if (current) {
            if (!hasResult)
                failed(ErrorKind::Cancelled, tr("cancelled"));
            else if (Result r = watcher->future().result(); r.value)
                done(std::move(*r.value));
            else
                failed(r.error.kind, r.error.message);
        }
        if (m_running == 0)
            Q_EMIT finished();
    });
    watcher->setFuture(future);
}

template<class T>
void JobTracker::queue(std::function<T(const JobControl&)> job, std::function<void(T)> done,
                       std::function<void(ErrorKind, QString)> failed)
{
    struct Result {
        std::optional<T> value;
        Outcome error;
    };
    QPointer<JobTracker> self(this);
    auto future = QtConcurrent::run(&m_pool, [job]() {
        Result r;
        try {
            r.value = job(JobControl());
        } catch (const EngineError& e) {
            r.error = {e.kind(), e.message()};
        } catch (const std::exception& e) {
            r.error = {ErrorKind::Internal, QString::fromLocal8Bit(e.what()).section(u'\n', 0, 0)};
        }
        return r;
    });
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcher<Result>::finished, this, [watcher, done, failed] {
        watcher->deleteLater();
        Result r = watcher->future().result();
        if (r.value)
            done(std::move(*r.value));
        else
            failed(r.error.kind, r.error.message);
    });
    watcher->setFuture(future);
}

} // namespace qs
