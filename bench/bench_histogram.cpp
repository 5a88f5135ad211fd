// QuantScope's HistogramObserver on the tensors bench/histogram_pytorch.py feeds PyTorch's:
// the same seed and shapes, so LibTorch draws the same numbers and the qparams must agree.

#include "observers_p.h"
#include "runtime.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>

int main()
{
    qs::initRuntime();
    at::set_num_threads(2);
    at::manual_seed(0);
    std::vector<at::Tensor> batches;
    for (int i = 0; i < 4; ++i)
        batches.push_back(at::relu(at::randn({256, 16, 14, 14}) * (1 + i)));
    const qs::QuantSpec spec = qs::QuantSpec::parse(QStringLiteral("uint8:per_tensor:affine:histogram"));
    double best = 1e9, bestObserve = 1e9;
    qs::QParams q;
    using Clock = std::chrono::steady_clock;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t = Clock::now();
        auto observer = qs::makeObserver(spec);
        for (const auto& b : batches)
            observer->observe(b);
        const auto observed = Clock::now();
        q = observer->qparams();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count());
        bestObserve = std::min(bestObserve, std::chrono::duration<double>(observed - t).count());
    }
    std::printf("quantscope HistogramObserver: %.1f ms for 4 batches of 256x16x14x14 + qparams "
                "(observing %.1f ms; scale %.8g, zero point %lld)\n",
                best * 1000, bestObserve * 1000, q.scale[0], static_cast<long long>(q.zeroPoint[0]));
}
