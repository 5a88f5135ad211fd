#!/usr/bin/python3
"""Writes observer_reference.json: scale and zero point computed by PyTorch's own observers.

QuantScope's observers must give the same scale and zero point as torch.ao.quantization's for
the same data and settings. This script runs PyTorch's observers on fixed data and stores the
data with the answers, so the C++ test (tests/tst_observers.cpp) needs no Python.

Run with Debian's PyTorch 1.13 (apt-get install python3-torch), from this folder:
    /usr/bin/python3 make_observer_reference.py
"""
import json
import warnings

import torch
from torch.ao.quantization.observer import (HistogramObserver, MinMaxObserver,
                                            MovingAverageMinMaxObserver, PerChannelMinMaxObserver)

warnings.filterwarnings("ignore")
torch.manual_seed(11)

BATCHES, PER_BATCH = 3, 512


def datasets():
    g = torch.randn(BATCHES, PER_BATCH) * 0.8 + 0.3
    g[1, :4] = torch.tensor([6.5, -4.25, 9.0, 5.5])  # a few outliers in the second batch
    relu = torch.relu(torch.randn(BATCHES, PER_BATCH) * 3.0)
    wide = torch.rand(BATCHES, PER_BATCH) * 20.2 - 7.3
    wide[2] *= 1.7  # the range grows in the last batch
    narrow = torch.rand(BATCHES, PER_BATCH) * 0.59 + 0.01
    return {"gaussian": g, "relu": relu, "wide": wide, "narrow": narrow}


# (name, dtype, qscheme, reduce_range, quant_min, quant_max) as QuantScope's specs map to them.
SPECS = [
    ("uint8:affine", torch.quint8, torch.per_tensor_affine, False, None, None),
    ("uint8:affine:reduce_range", torch.quint8, torch.per_tensor_affine, True, None, None),
    ("uint8:symmetric", torch.quint8, torch.per_tensor_symmetric, False, None, None),
    ("int8:symmetric", torch.qint8, torch.per_tensor_symmetric, False, None, None),
    ("int8:affine", torch.qint8, torch.per_tensor_affine, False, None, None),
    ("int8:symmetric:reduce_range", torch.qint8, torch.per_tensor_symmetric, True, None, None),
    ("int4:symmetric", torch.qint8, torch.per_tensor_symmetric, False, -8, 7),
    ("uint4:affine", torch.quint8, torch.per_tensor_affine, False, 0, 15),
    ("uint4:symmetric", torch.quint8, torch.per_tensor_symmetric, False, 0, 15),
    ("int3:affine:reduce_range", torch.qint8, torch.per_tensor_affine, True, -4, 3),
]


def observers(dtype, qscheme, reduce_range, qmin, qmax):
    kw = dict(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range, quant_min=qmin, quant_max=qmax)
    return {
        "minmax": MinMaxObserver(**kw),
        "moving_average": MovingAverageMinMaxObserver(averaging_constant=0.1, **kw),
        "histogram": HistogramObserver(**kw),
    }


def per_channel_cases():
    w = torch.randn(8, 64) * torch.linspace(0.05, 2.0, 8).unsqueeze(1)
    w[3] = w[3].abs() + 0.2  # a channel that is all positive
    w[5] = 0.0              # a constant channel
    out = []
    for name, dtype, qscheme, qmin, qmax in [
        ("int8:per_channel:symmetric", torch.qint8, torch.per_channel_symmetric, None, None),
        ("uint8:per_channel:affine", torch.quint8, torch.per_channel_affine, None, None),
        ("int4:per_channel:symmetric", torch.qint8, torch.per_channel_symmetric, -8, 7),
        ("int8:per_channel:affine", torch.qint8, torch.per_channel_affine, None, None),
    ]:
        for axis in (0, 1):
            obs = PerChannelMinMaxObserver(ch_axis=axis, dtype=dtype, qscheme=qscheme, quant_min=qmin,
                                           quant_max=qmax)
            obs(w)
            scale, zp = obs.calculate_qparams()
            out.append({"spec": name, "axis": axis, "shape": list(w.shape), "data": w.flatten().tolist(),
                        "scale": scale.tolist(), "zero_point": zp.tolist(),
                        "quant_min": obs.quant_min, "quant_max": obs.quant_max})
    return out


DATA = datasets()
cases = []
for data_name, data in DATA.items():
    for spec, dtype, qscheme, reduce_range, qmin, qmax in SPECS:
        for method, obs in observers(dtype, qscheme, reduce_range, qmin, qmax).items():
            for b in range(BATCHES):
                obs(data[b].clone())
            scale, zp = obs.calculate_qparams()
            cases.append({"data": data_name, "spec": spec, "method": method,
                          "scale": float(scale.reshape(-1)[0]), "zero_point": int(zp.reshape(-1)[0]),
                          "quant_min": obs.quant_min, "quant_max": obs.quant_max})

ref = {
    "torch_version": torch.__version__,
    "batches": BATCHES,
    "data": {k: v.tolist() for k, v in DATA.items()},
    "per_tensor": cases,
    "per_channel": per_channel_cases(),
}
with open("observer_reference.json", "w") as f:
    json.dump(ref, f)
print(f"wrote observer_reference.json: {len(cases)} per-tensor and {len(ref['per_channel'])} per-channel cases")
