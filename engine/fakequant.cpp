// Built with -O3 -fno-trapping-math -ffp-contract=off (engine/CMakeLists.txt) so the loops below
// vectorise; the flags only drop assumptions about floating-point exception flags and forbid
// fused multiply-adds, never change a value.

#include "observers_p.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace qs {

namespace {

// Each loop below is compiled twice, for AVX2 and for the x86-64 baseline, and the loader picks
// the one the CPU runs (GCC function multi-versioning): the AVX2 division is 3–4× faster. The
// values are the same: elementwise IEEE arithmetic, no FMA contraction (-ffp-contract=off).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QS_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QS_VECTOR_CLONES
#endif

QS_VECTOR_CLONES void fakeQuantizeRange(const float* __restrict src, float* __restrict dst, int64_t n, float inv, float zp, float lo,
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

/// Bin of each value as torch.histc computes it, or -1 for values outside [left, right].
QS_VECTOR_CLONES void binIndices(const float* __restrict src, int32_t* __restrict pos, int64_t n, float left, float right, float span,
                float nb, int32_t bins)
{
    for (int64_t i = 0; i < n; ++i) {
        const float e = src[i];
        const bool outside = e < left || e > right;
        // NaN passes the range test and lands in bin 0, as it does in LibTorch 1.13's histc.
        const float f = e == e ? (e - left) * nb / span : 0.0f;
        int32_t p = outside ? -1 : int32_t(f);
        p = p == bins ? bins - 1 : p; // the right edge belongs to the last bin
        pos[i] = p;
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

at::Tensor histcLinear(const at::Tensor& x, int64_t bins, double min, double max)
{
    // torch.histc's range rules (1.13): an empty range falls back to the data's, and a
    // still-empty one widens by 1 on each side.
    if (min == max && x.numel() > 0) {
        const auto [lo, hi] = at::aminmax(x);
        min = lo.item<double>();
        max = hi.item<double>();
    }
    if (min == max) {
        min -= 1;
        max += 1;
    }
    const at::Tensor in = x.to(at::kFloat).contiguous();
    // The edges are linspace(min, max) in float32; the kernel maps x to
    // int((x − left) · bins / (right − left)) in float32, skips x outside [left, right],
    // and counts x == right in the last bin. Same arithmetic here, per thread, then summed.
    const float left = float(min), right = float(max), span = right - left, nb = float(bins);
    const float* src = in.data_ptr<float>();
    const int64_t n = in.numel();
    const int threads = at::get_num_threads();
    // Four interleaved counters per bin, so runs of equal values (ReLU zeros) do not serialise
    // on one memory location; bin indices are computed a block at a time, which vectorises.
    std::vector<std::vector<uint32_t>> partial(size_t(threads), std::vector<uint32_t>(size_t(bins) * 4, 0));
    at::parallel_for(0, n, 1 << 15, [&](int64_t begin, int64_t end) {
        uint32_t* h = partial[size_t(at::get_thread_num())].data();
        constexpr int64_t kBlock = 1024;
        int32_t pos[kBlock];
        for (int64_t b = begin; b < end; b += kBlock) {
            const int64_t m = std::min(kBlock, end - b);
            binIndices(src + b, pos, m, left, right, span, nb, int32_t(bins));
            for (int64_t i = 0; i < m; ++i)
                if (pos[i] >= 0)
                    ++h[size_t(pos[i]) * 4 + size_t(i & 3)];
        }
    });
    at::Tensor out = at::zeros({bins}, at::kFloat);
    float* o = out.data_ptr<float>();
    for (const auto& h : partial)
        for (int64_t b = 0; b < bins; ++b)
            o[b] += float(h[size_t(b) * 4] + h[size_t(b) * 4 + 1] + h[size_t(b) * 4 + 2] + h[size_t(b) * 4 + 3]);
    return out;
}

namespace {

/// Σr², Σ(x−r)², Σr·x, Σx² and max|x−r| of one block, in double, four lanes at a time.
QS_VECTOR_CLONES void blockMoments(const float* __restrict r, const float* __restrict x, int64_t n, double* out)
{
    typedef double d4 __attribute__((vector_size(32)));
    d4 rr = {0, 0, 0, 0}, dd = rr, rx = rr, xx = rr, mx = rr;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const d4 a = {r[i], r[i + 1], r[i + 2], r[i + 3]};
        const d4 b = {x[i], x[i + 1], x[i + 2], x[i + 3]};
        const d4 d = b - a;
        rr += a * a;
        dd += d * d;
        rx += a * b;
        xx += b * b;
        const d4 ad = d < 0 ? -d : d;
        mx = mx > ad ? mx : ad;
    }
    double m = std::max(std::max(mx[0], mx[1]), std::max(mx[2], mx[3]));
    double srr = (rr[0] + rr[1]) + (rr[2] + rr[3]), sdd = (dd[0] + dd[1]) + (dd[2] + dd[3]);
    double srx = (rx[0] + rx[1]) + (rx[2] + rx[3]), sxx = (xx[0] + xx[1]) + (xx[2] + xx[3]);
    for (; i < n; ++i) {
        const double a = r[i], b = x[i], d = b - a;
        srr += a * a;
        sdd += d * d;
        srx += a * b;
        sxx += b * b;
        m = std::max(m, std::abs(d));
    }
    out[0] = srr;
    out[1] = sdd;
    out[2] = srx;
    out[3] = sxx;
    out[4] = m;
}

} // namespace

ErrorMoments errorMoments(const at::Tensor& ref, const at::Tensor& out)
{
    ErrorMoments m;
    if (ref.scalar_type() != at::kFloat || out.scalar_type() != at::kFloat || !ref.is_contiguous() || !out.is_contiguous() ||
        ref.sizes() != out.sizes() || ref.is_quantized() || out.is_quantized())
        return m;
    const int64_t n = ref.numel();
    constexpr int64_t kBlock = 1 << 15;
    const int64_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<std::array<double, 5>> partial(size_t(std::max<int64_t>(blocks, 1)));
    const float* r = ref.data_ptr<float>();
    const float* x = out.data_ptr<float>();
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k)
            blockMoments(r + k * kBlock, x + k * kBlock, std::min(kBlock, n - k * kBlock), partial[size_t(k)].data());
    });
    for (const auto& p : partial) { // in block order: the same sums on any number of threads
        m.refSquares += p[0];
        m.noise += p[1];
        m.dot += p[2];
        m.outSquares += p[3];
        m.maxAbs = std::max(m.maxAbs, p[4]);
    }
    m.valid = std::isfinite(m.refSquares) && std::isfinite(m.outSquares) && std::isfinite(m.noise);
    return m;
}

} // namespace qs
