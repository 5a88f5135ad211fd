// A data-spec string (--data): parsed, or refused with EngineError; what parses prints back to
// a spec that parses to the same.
#include "data.h"
#include "errors.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const qs::DataSpec spec = qs::DataSpec::parse(QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size)));
        if (qs::DataSpec::parse(spec.toString()).toString() != spec.toString())
            std::abort();
    } catch (const qs::EngineError&) {
    }
    return 0;
}
