// A configuration file: parsed, or refused with EngineError; what parses writes back to the
// same configuration.
#include "errors.h"
#include "quant.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const qs::QuantConfig c =
            qs::QuantConfig::fromJson(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), QStringLiteral("fuzz.json"));
        const QByteArray again = qs::QuantConfig::fromJson(c.toJson(), QStringLiteral("round trip")).toJson();
        if (again != c.toJson())
            std::abort();
    } catch (const qs::EngineError&) {
    }
    return 0;
}
