#include "jobtracker.h"

namespace qs {

JobTracker::JobTracker(QObject* parent) : QObject(parent)
{
    m_pool.setMaxThreadCount(1); // one engine thread: jobs run one at a time
    m_pool.setExpiryTimeout(-1);
}

JobTracker::~JobTracker()
{
    cancel();
    m_pool.waitForDone();
}

void JobTracker::cancel()
{
    if (m_cancelCurrent)
        m_cancelCurrent();
}

void JobTracker::waitForIdle()
{
    m_pool.waitForDone();
}

} // namespace qs
