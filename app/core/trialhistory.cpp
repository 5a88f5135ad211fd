#include "trialhistory.h"

namespace qs {

TrialHistory::TrialHistory(QObject* parent) : QObject(parent), m_path(Store::defaultPath()) {}

TrialHistory::~TrialHistory() = default;

void TrialHistory::setDatabasePath(const QString& path)
{
    m_path = path;
    m_store.reset();
}

Store& TrialHistory::store()
{
    if (!m_store)
        m_store = std::make_unique<Store>(m_path); // kept open: one connection for the GUI thread
    return *m_store;
}

void TrialHistory::load(const QString& modelSha256)
{
    m_modelSha256 = modelSha256;
    try {
        m_trials = modelSha256.isEmpty() ? QVector<StoredTrial>() : store().trials(modelSha256);
    } catch (const EngineError& e) {
        m_store.reset();
        m_trials.clear();
        Q_EMIT unavailable(tr("Trial history unavailable: %1").arg(e.message()));
    }
    Q_EMIT reset();
}

void TrialHistory::append(qint64 id)
{
    if (id <= 0 || indexOf(id) >= 0)
        return;
    try {
        const StoredTrial t = store().trial(id);
        if (t.modelSha256 != m_modelSha256)
            return;
        m_trials << t;
        Q_EMIT appended(t);
    } catch (const EngineError& e) {
        Q_EMIT unavailable(tr("Trial history unavailable: %1").arg(e.message()));
    }
}

int TrialHistory::indexOf(qint64 id) const
{
    for (int i = 0; i < m_trials.size(); ++i)
        if (m_trials[i].id == id)
            return i;
    return -1;
}

StoredTrial TrialHistory::trial(qint64 id)
{
    return store().trial(id);
}

void TrialHistory::rename(qint64 id, const QString& name)
{
    store().rename(id, name);
}

void TrialHistory::setNote(qint64 id, const QString& note)
{
    store().setNote(id, note);
}

void TrialHistory::remove(qint64 id)
{
    store().remove(id);
}

void TrialHistory::setLatency(qint64 id, int batch, double floatMs, double int8Ms)
{
    store().setLatency(id, batch, floatMs, int8Ms);
}

} // namespace qs
