#pragma once
// The memory budget: models and data sets larger than it are refused before they are loaded.

#include <QString>

namespace qs {

/// Bytes a model or data set may take: QUANTSCOPE_MEMORY_MB from the environment, else three
/// quarters of the machine's physical memory.
qint64 memoryBudgetBytes();

/// Throws EngineError(BadInput) naming `what` when `bytes` (how much it would take, as
/// `estimate` explains) exceed the budget.
void checkMemoryBudget(qint64 bytes, const QString& what, const QString& estimate);

} // namespace qs
