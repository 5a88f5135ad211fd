#pragma once
// Process start-up and the bundled demo.

#include "data.h"
#include "model.h"

namespace qs {

/// Process-wide start-up tuning: allocator thresholds and LibTorch thread count (see docs/architecture.md).
void initRuntime();

/// LibTorch version the engine was built against, e.g. "1.13.1".
QString torchVersion();

/// Name shown for the bundled demo model.
QString demoModelName();
/// The bundled demo model: a MobileNet-style CNN trained on Fashion-MNIST (resources/).
std::shared_ptr<Model> loadDemoModel();

} // namespace qs
