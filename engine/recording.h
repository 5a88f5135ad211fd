#pragma once
// The one way trials reach the trial database: a TrialRecorder owns a connection on the thread
// that uses it, records under one TrialSubject and returns each trial's id (or why it could
// not), and gives the calibration cache and the sink that sensitivity and search write to.

#include "search.h"
#include "store.h"

#include <functional>
#include <memory>

namespace qs {

class Dataset;
class Model;

/// What trials are recorded under: the model (by content), its name, and the data spec.
struct TrialSubject {
    QString sha256;
    QString modelName;
    QString dataSpec;
    static TrialSubject of(const Model& model, const Dataset& data);
};

class TrialRecorder
{
public:
    /// What a database that cannot take trials does: the CLI refuses to start (Throw); the
    /// window keeps the results and shows why they were not recorded (Warn).
    enum class OnFailure { Throw, Warn };
    /// Opens its own connection to `databasePath` on the calling thread.
    TrialRecorder(const QString& databasePath, OnFailure onFailure);
    ~TrialRecorder();
    TrialRecorder(const TrialRecorder&) = delete;
    TrialRecorder& operator=(const TrialRecorder&) = delete;

    void setSubject(const TrialSubject& subject);
    const TrialSubject& subject() const { return m_subject; }
    /// Records one trial; returns its id, or 0 with problem() saying why (Warn), or throws (Throw).
    qint64 record(const QuantConfig& config, const TrialResult& result, const QString& origin,
                  const QString& name = QString());
    /// Calibrated qparams kept in the database for the subject; nullptr without a database.
    CalibrationCache* calibrationCache();
    /// Called after each trial a sink records, with its id (0 when it was not recorded).
    using Recorded = std::function<void(qint64 id, const QuantConfig& config, const TrialResult& result,
                                        const QString& name, const QString& origin)>;
    /// A sink for runSensitivity and runSearch that records every trial, then calls `recorded`.
    TrialSink sink(Recorded recorded = {});
    /// Why the last trial (or the database) could not be recorded; empty when all went in.
    QString problem() const { return m_problem; }
    /// The database's path (also when it could not be opened).
    QString path() const { return m_path; }

private:
    QString m_path;
    OnFailure m_onFailure;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<StoreCalibrationCache> m_cache;
    TrialSubject m_subject;
    QString m_problem;
};

} // namespace qs
