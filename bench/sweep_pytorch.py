#!/usr/bin/python3
"""The PyTorch side of bench_sweep: the one-layer-at-a-time sensitivity loop a user writes in a
notebook, on the same model, data and settings as QuantScope's sweep.

    /usr/bin/python3 sweep_pytorch.py MODEL.pt CALIB.f32 EVAL.f32 C,H,W BATCH THREADS

For each conv and linear layer of torchvision's ResNet-18 (10 classes, the TorchScript file's
weights): deepcopy the model, hook the layer's input (uint8 per-tensor affine, min-max over the
calibration samples, as PyTorch's MinMaxObserver), fake-quantize its weight (int4 per output
channel, symmetric, as PerChannelMinMaxObserver with quant range -8..7), evaluate top-1
agreement with the float model on the evaluation samples. Prints one JSON line: seconds in all,
per layer, and the float pass.
"""
import copy
import json
import sys
import time

import numpy as np
import torch
import torchvision
from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver


def main():
    model_path, calib_path, eval_path, shape, batch, threads = sys.argv[1:7]
    shape = tuple(int(v) for v in shape.split(","))
    batch = int(batch)
    torch.set_num_threads(int(threads))
    calib = torch.from_numpy(np.fromfile(calib_path, dtype=np.float32)).reshape(-1, *shape)
    evaluation = torch.from_numpy(np.fromfile(eval_path, dtype=np.float32)).reshape(-1, *shape)
    model = torchvision.models.resnet18(num_classes=10)
    model.load_state_dict(torch.jit.load(model_path).state_dict())
    model.eval()

    def predictions(m):
        with torch.inference_mode():
            return torch.cat([m(evaluation[b:b + batch]).argmax(1) for b in range(0, len(evaluation), batch)])

    start = time.perf_counter()
    reference = predictions(model)
    float_seconds = time.perf_counter() - start

    layers = [name for name, m in model.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    agreement = {}
    start = time.perf_counter()
    for name in layers:
        m = copy.deepcopy(model)
        layer = dict(m.named_modules())[name]
        observer = MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
        calibrating = [True]

        def hook(module, inputs):
            x = inputs[0]
            if calibrating[0]:
                observer(x)
                return None
            scale, zero_point = observer.calculate_qparams()
            return (torch.fake_quantize_per_tensor_affine(x, float(scale), int(zero_point), 0, 255),)

        layer.register_forward_pre_hook(hook)
        with torch.inference_mode():
            for b in range(0, len(calib), batch):
                m(calib[b:b + batch])
        calibrating[0] = False
        w = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric,
                                     quant_min=-8, quant_max=7)
        w(layer.weight.detach())
        scales, zero_points = w.calculate_qparams()
        with torch.no_grad():
            layer.weight.copy_(torch.fake_quantize_per_channel_affine(layer.weight, scales, zero_points.int(), 0, -8, 7))
        agreement[name] = float((predictions(m) == reference).float().mean())
    sweep_seconds = time.perf_counter() - start
    print(json.dumps({"seconds": sweep_seconds, "float_seconds": float_seconds, "layers": len(layers),
                      "agreement": agreement}))


if __name__ == "__main__":
    main()
