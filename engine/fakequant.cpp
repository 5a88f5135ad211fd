// Built with -O3 -fno-trapping-math (engine/CMakeLists.txt) so the loop below vectorises; the
// latter only drops assumptions about floating-point exception flags, never changes a value.

#include "observers_p.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace qs {

namespace {

void fakeQuantizeRange(const float* __restrict src, float* __restrict dst, int64_t n, float inv, float zp, float lo,
                       float hi, float sc)
{
    constexpr float kMagic = 12582912.0f; // 1.5 · 2^23: adding and subtracting it rounds half to even
    for (int64_t i = 0; i < n; ++i) {
        const float v = src[i] * inv;
        const float r = (v < 4194304.0f && v > -4194304.0f) ? (v + kMagic) - kMagic : v;
        float q = zp + r;
        q = !(q >= lo) ? lo : q; // NaN goes to quant_min, as in ATen
        q = q > hi ? hi : q;
        dst[i] = (q - zp) * sc;
    }
}

} // namespace

at::Tensor fakeQuantizePerTensor(const at::Tensor& x, double scale, int64_t zeroPoint, int64_t quantMin, int64_t quantMax)
{
    if (x.scalar_type() != at::kFloat)
        return at::fake_quantize_per_tensor_affine(x, scale, zeroPoint, quantMin, quantMax);
    // ATen's kernel computes a gradient mask and runs one scalar loop. This one computes the
    // same values — q = clamp(zp + round(x / scale)), (q − zp) · scale, in float32 — vectorised
    // and over the intra-op threads. Rounding is exact for |x / scale| < 2²²; larger values are
    // clamped either way.
    const at::Tensor in = x.contiguous();
    at::Tensor out = at::empty_like(in);
    const float sc = float(scale), inv = 1.0f / sc, zp = float(zeroPoint);
    const float lo = float(quantMin), hi = float(quantMax);
    const float* src = in.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    at::parallel_for(0, in.numel(), 1 << 16, [=](int64_t begin, int64_t end) {
        fakeQuantizeRange(src + begin, dst + begin, end - begin, inv, zp, lo, hi, sc);
    });
    return out;
}

} // namespace qs
