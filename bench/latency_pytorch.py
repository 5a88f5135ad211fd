#!/usr/bin/python3
"""The PyTorch side of bench_latency: float and FX int8 latency of the same model, with the
same calibration data, as a PyTorch user would build it.

    /usr/bin/python3 latency_pytorch.py NAME MODEL.pt CALIB.f32 INPUT.f32 C,H,W THREADS RUNS [QS_INT8.pt]

NAME is demo, resnet18 or mobilenet_v2: the eager architecture (the demo's from
tests/export/check_pytorch_export.py, torchvision's for the others) gets the TorchScript file's
weights. CALIB.f32 and INPUT.f32 are raw float32 samples of shape C,H,W written by bench_latency:
the calibration samples and at least 32 timing samples. prepare_fx with the onednn qconfig
mapping, calibration in batches of 32, convert_fx; the int8 model is timed as FX returns it and
scripted, the faster counted. QS_INT8.pt, QuantScope's int8 model of the same model, is timed in
the same process the same way. Prints one JSON line: medians in ms at batch 1 and 32.
"""
import copy
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "export"))


def eager(name):
    if name == "demo":
        from check_pytorch_export import FashionMobileNet
        return FashionMobileNet()
    import torchvision
    return getattr(torchvision.models, name)(num_classes=10)


def median_ms(fn, x, runs):
    with torch.inference_mode():
        for _ in range(5):
            fn(x)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            fn(x)
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return statistics.median(times[: max(1, len(times) // 2)])  # the faster half, as QuantScope


def main():
    name, model_path, calib_path, input_path, shape, threads, runs = sys.argv[1:8]
    shape = tuple(int(v) for v in shape.split(","))
    torch.set_num_threads(int(threads))
    torch.backends.quantized.engine = "onednn"
    calib = torch.from_numpy(np.fromfile(calib_path, dtype=np.float32)).reshape(-1, *shape)
    inputs = torch.from_numpy(np.fromfile(input_path, dtype=np.float32)).reshape(-1, *shape)

    model = eager(name)
    model.load_state_dict(torch.jit.load(model_path).state_dict())
    model.eval()

    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping("onednn"), (calib[:1],))
    with torch.inference_mode():
        for begin in range(0, len(calib), 32):
            prepared(calib[begin:begin + 32])
    converted = convert_fx(prepared)

    out = {"float_ms": {}, "int8_ms": {}, "int8_eager_ms": {}, "int8_scripted_ms": {}, "quantscope_int8_ms": {}}
    for batch in (1, 32):
        x = inputs[:batch].contiguous()
        out["float_ms"][batch] = median_ms(model, x, int(runs))
        # A fresh copy per batch size: LibTorch 1.13's oneDNN convolution keeps the weight
        # layout of the first input shape and can fail on another (pytorch/pytorch#86876).
        out["int8_eager_ms"][batch] = median_ms(copy.deepcopy(converted), x, int(runs))
        out["int8_scripted_ms"][batch] = median_ms(torch.jit.script(copy.deepcopy(converted)), x, int(runs))
        out["int8_ms"][batch] = min(out["int8_eager_ms"][batch], out["int8_scripted_ms"][batch])
        if len(sys.argv) > 8:
            out["quantscope_int8_ms"][batch] = median_ms(torch.jit.load(sys.argv[8]), x, int(runs))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
