#include "budget.h"

#include "errors.h"

#include <QLocale>

#include <unistd.h>

namespace qs {

qint64 memoryBudgetBytes()
{
    bool ok = false;
    const qint64 mb = qEnvironmentVariable("QUANTSCOPE_MEMORY_MB").toLongLong(&ok);
    if (ok && mb > 0)
        return mb * 1024 * 1024;
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && pageSize > 0 ? qint64(pages) * pageSize / 4 * 3 : qint64(4) << 30;
}

void checkMemoryBudget(qint64 bytes, const QString& what, const QString& estimate)
{
    const qint64 budget = memoryBudgetBytes();
    if (bytes <= budget)
        return;
    const QLocale locale;
    throw EngineError(ErrorKind::BadInput,
                      QStringLiteral("%1 would need about %2 of memory (%3); the memory budget is %4 "
                                     "(set QUANTSCOPE_MEMORY_MB to change it)")
                          .arg(what, locale.formattedDataSize(bytes), estimate, locale.formattedDataSize(budget)));
}

} // namespace qs
