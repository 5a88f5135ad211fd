#pragma once
// The trial history of the open model, read through the GUI thread's one connection to the
// trial database. Trials recorded on the engine thread are appended by id, one at a time,
// without reading the others again.

#include "store.h"

#include <QObject>
#include <QVector>

#include <memory>

namespace qs {

class TrialHistory : public QObject
{
    Q_OBJECT
public:
    explicit TrialHistory(QObject* parent = nullptr);
    ~TrialHistory() override;

    /// Where trials are recorded (default: the per-user trial database); closes the connection.
    void setDatabasePath(const QString& path);
    QString databasePath() const { return m_path; }

    /// Reads every trial of a model; reset() follows (unavailable() first when the database
    /// cannot be read: the list is then empty).
    void load(const QString& modelSha256);
    /// Reads the model's trials again (after a rename, note or delete, or a failed job).
    void reload() { load(m_modelSha256); }
    /// Appends one recorded trial; appended() follows.
    void append(qint64 id);
    /// The open model's trials, oldest first.
    const QVector<StoredTrial>& trials() const { return m_trials; }
    /// Row of a trial in trials(), or -1.
    int indexOf(qint64 id) const;

    /// One recorded trial, of any model; throws EngineError(BadInput) for an unknown id.
    StoredTrial trial(qint64 id);
    /// Throw EngineError naming the database when it cannot take the change; reload() after.
    void rename(qint64 id, const QString& name);
    void setNote(qint64 id, const QString& note);
    void remove(qint64 id);
    /// Records the end-to-end latency of a trial's int8 model and of the float model.
    void setLatency(qint64 id, int batch, double floatMs, double int8Ms);

Q_SIGNALS:
    void reset();
    void appended(const qs::StoredTrial& trial);
    void unavailable(const QString& message);

private:
    Store& store();
    QString m_path;
    QString m_modelSha256;
    std::unique_ptr<Store> m_store;
    QVector<StoredTrial> m_trials;
};

} // namespace qs
