#pragma once
// The trial store: every trial, its configuration and per-layer results, in SQLite.

#include "quant.h"
#include "trial.h"

#include <QDateTime>
#include <QString>
#include <QVariantList>
#include <QVector>

namespace qs {

struct StoredTrial {
    qint64 id = 0;
    QDateTime created;
    QString origin;      ///< manual, sensitivity or search
    QString name;
    QString note;
    QString modelSha256;
    QString modelName;
    QString dataSpec;
    QByteArray config;   ///< the configuration JSON (README format), as stored
    QuantConfig settings; ///< the same, parsed
    TrialResult result;  ///< metrics and per-layer results as they were
    /// The last time its int8 model was timed end to end (median, ms) beside the float model,
    /// at `latencyBatch` samples; 0 when it never was.
    double int8Ms = 0;
    double floatMs = 0;
    int latencyBatch = 0;
};

/// One connection to a trial database. Use each Store on the thread that made it; the GUI and
/// the engine thread each open their own. Opening checks the schema version and migrates
/// forward; a database from a newer QuantScope is refused and left untouched.
class Store
{
public:
    static constexpr int kSchemaVersion = 7;
    /// The per-user database: <generic data location>/QuantScope/quantscope.db.
    static QString defaultPath();

    /// Opens (creating when missing); throws EngineError(BadInput) naming the file when it is
    /// not a QuantScope database, is corrupt, is from a newer version, or cannot be opened.
    enum class Access { ReadWrite, ReadOnly };
    /// ReadOnly (for history and compare) never writes, and refuses a file that does not exist.
    explicit Store(const QString& path, Access access = Access::ReadWrite);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    QString path() const { return m_path; }
    bool isReadOnly() const { return m_readOnly; }

    /// Records a trial in one transaction; returns its id. Throws EngineError(BadInput) when
    /// the database is read-only or locked.
    qint64 addTrial(const QString& modelSha256, const QString& modelName, const QString& dataSpec,
                    const QuantConfig& config, const TrialResult& result, const QString& origin,
                    const QString& name = QString());
    /// All trials, newest last; with a model hash, only that model's.
    QVector<StoredTrial> trials(const QString& modelSha256 = QString()) const;
    /// One trial with its per-layer results; throws EngineError(BadInput) for an unknown id.
    StoredTrial trial(qint64 id) const;
    /// Calibrated activation qparams of a model and data set, by the trial runner's key.
    bool loadCalibration(const QString& modelSha256, const QString& dataSpec, const QString& key,
                         QVector<QParams>& qparams) const;
    void saveCalibration(const QString& modelSha256, const QString& modelName, const QString& dataSpec,
                         const QString& key, const QVector<QParams>& qparams);
    /// Records the end-to-end median of the trial's int8 model and of the float model at `batch`.
    void setLatency(qint64 id, int batch, double floatMs, double int8Ms);
    void rename(qint64 id, const QString& name);
    void setNote(qint64 id, const QString& note);
    void remove(qint64 id);

private:
    void exec(const QString& sql) const;
    QVector<StoredTrial> select(const QString& where, const QVariantList& binds) const;
    /// One UPDATE or DELETE; refused on a read-only database with `what` in the message.
    void modify(const QString& sql, const QVariantList& binds, const QString& what);
    void migrate();
    void setWriteAheadLog();
    [[noreturn]] void fail(const QString& what, const QString& detail) const;
    QString m_path;
    QString m_connection;
    bool m_readOnly = false;
};

/// The trial runner's calibration cache, kept in a Store for one model and data set.
class StoreCalibrationCache : public CalibrationCache
{
public:
    StoreCalibrationCache(Store& store, QString modelSha256, QString modelName, QString dataSpec)
        : m_store(store), m_sha(std::move(modelSha256)), m_name(std::move(modelName)), m_data(std::move(dataSpec))
    {
    }
    bool load(const QString& key, QVector<QParams>& qparams) override
    {
        return m_store.loadCalibration(m_sha, m_data, key, qparams);
    }
    void save(const QString& key, const QVector<QParams>& qparams) override
    {
        m_store.saveCalibration(m_sha, m_name, m_data, key, qparams);
    }

private:
    Store& m_store;
    QString m_sha, m_name, m_data;
};

} // namespace qs
