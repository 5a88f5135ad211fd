// A quantization spec (--weights, --activations, the table's settings): parsed, or refused with
// EngineError; what parses prints back to the same spec, and its integer range holds zero.
#include "errors.h"
#include "quant.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const qs::QuantSpec s = qs::QuantSpec::parse(QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size)));
        if (qs::QuantSpec::parse(s.toString()).toString() != s.toString())
            std::abort();
        if (s.type == qs::QuantType::Int && !(s.quantMin() <= 0 && 0 <= s.quantMax() && s.quantMin() < s.quantMax()))
            std::abort();
    } catch (const qs::EngineError&) {
    }
    return 0;
}
