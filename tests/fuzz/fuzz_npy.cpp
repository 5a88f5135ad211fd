// .npy bytes as a user's data file: parsed, or refused with EngineError; what parses holds
// exactly the bytes its shape and element type describe.
#include "data.h"
#include "errors.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const qs::NpyArray a = qs::parseNpy(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), QStringLiteral("fuzz.npy"));
        qint64 count = 1;
        for (qint64 d : a.shape)
            count *= d;
        if (count * a.descr.right(1).toInt() != a.data.size())
            std::abort();
    } catch (const qs::EngineError&) {
    }
    return 0;
}
