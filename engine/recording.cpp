#include "recording.h"

#include "data.h"
#include "model.h"

namespace qs {

TrialSubject TrialSubject::of(const Model& model, const Dataset& data)
{
    return {model.sha256(), model.displayName(), data.spec().toString()};
}

TrialRecorder::TrialRecorder(const QString& databasePath, OnFailure onFailure)
    : m_path(databasePath), m_onFailure(onFailure)
{
    try {
        m_store = std::make_unique<Store>(databasePath);
        if (m_store->isReadOnly())
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("trial database %1 is read-only; trials could not be recorded").arg(m_store->path()));
    } catch (const EngineError& e) {
        m_store.reset();
        if (onFailure == OnFailure::Throw)
            throw;
        m_problem = e.message();
    }
}

TrialRecorder::~TrialRecorder() = default;

void TrialRecorder::setSubject(const TrialSubject& subject)
{
    m_subject = subject;
    m_cache.reset();
    if (m_store)
        m_cache = std::make_unique<StoreCalibrationCache>(*m_store, subject.sha256, subject.modelName, subject.dataSpec);
}

qint64 TrialRecorder::record(const QuantConfig& config, const TrialResult& result, const QString& origin,
                             const QString& name)
{
    if (!m_store)
        return 0; // m_problem says why since the constructor
    try {
        return m_store->addTrial(m_subject.sha256, m_subject.modelName, m_subject.dataSpec, config, result, origin, name);
    } catch (const EngineError& e) {
        if (m_onFailure == OnFailure::Throw)
            throw;
        m_problem = e.message();
        return 0;
    }
}

CalibrationCache* TrialRecorder::calibrationCache()
{
    return m_cache.get();
}

TrialSink TrialRecorder::sink(Recorded recorded)
{
    return [this, recorded](const QuantConfig& config, const TrialResult& r, const QString& name, const QString& origin) {
        const qint64 id = record(config, r, origin, name);
        if (recorded)
            recorded(id, config, r, name, origin);
        return id;
    };
}

} // namespace qs
