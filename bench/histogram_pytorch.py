#!/usr/bin/python3
"""PyTorch 1.13's HistogramObserver on the same tensors bench_histogram feeds QuantScope's
(torch.manual_seed(0); randn of the same shapes — LibTorch draws the same numbers).

    /usr/bin/python3 histogram_pytorch.py
"""
import time
import warnings

import torch
from torch.ao.quantization.observer import HistogramObserver

warnings.filterwarnings("ignore")
torch.set_num_threads(2)
torch.manual_seed(0)
batches = [torch.relu(torch.randn(256, 16, 14, 14) * (1 + i)) for i in range(4)]
best = float("inf")
for _ in range(5):  # best of 5, as bench_histogram
    t = time.perf_counter()
    obs = HistogramObserver()
    for b in batches:
        obs(b)
    scale, zp = obs.calculate_qparams()
    best = min(best, time.perf_counter() - t)
print(f"pytorch HistogramObserver: {best * 1000:.1f} ms for 4 batches of 256x16x14x14 "
      f"+ calculate_qparams (scale {scale.item():.8g}, zero point {zp.item()})")
