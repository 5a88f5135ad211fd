// IDX bytes (plain or gzipped) as a user's data file: parsed, or refused with EngineError.
#include "data.h"
#include "errors.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const qs::IdxArray a = qs::parseIdx(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), QStringLiteral("fuzz.idx"));
        qint64 count = 1;
        for (qint64 d : a.dims)
            count *= d;
        if (a.dims.isEmpty() || count != a.data.size()) // parsed means the header describes the data
            std::abort();
    } catch (const qs::EngineError&) {
    }
    return 0;
}
