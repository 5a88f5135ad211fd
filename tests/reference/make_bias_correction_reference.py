#!/usr/bin/env python3
"""Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight
Equalization and Bias Correction", section 4.2, with the expectation taken over data) on the demo,
as the reference for QuantScope's.

For each layer with weight W quantized to Wq, the expected error its quantization adds to the
layer's output is E[Wq*x] - E[W*x] = E[(Wq - W)*x] per output channel, the mean over the
calibration samples (and, for a convolution, over every output position) of the layer run with
the weight error alone on its float input x. The corrected bias is b - that.

The demo model is loaded with batch norm folded by TorchScript's own pass (as QuantScope loads it)
and rebuilt in eager PyTorch, so that forward hooks see each layer's float input. Calibration:
the first 512 Fashion-MNIST test images, pixels / 255, as QuantScope reads IDX files. Weights are
quantized by PyTorch's observers (MinMaxObserver / PerChannelMinMaxObserver) and
torch.fake_quantize_per_{tensor,channel}_affine. The correction is computed with F.conv2d /
F.linear on the weight error — not the way QuantScope computes it (input means per kernel offset).

Writes tests/reference/bias_correction_reference.json: per weight spec, per layer, the correction.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_bias_correction_reference.py
"""
import json
import os

import torch
import torch.nn.functional as F

from demo import HERE, folded_demo, test_images

CONVS = [  # name, stride, padding, groups (the demo's architecture)
    ("conv1", 1, 1, 1), ("block1.dw", 2, 1, 32), ("block1.pw", 1, 0, 1), ("block2.dw", 2, 1, 64),
    ("block2.pw", 1, 0, 1), ("block3.dw", 1, 1, 128), ("block3.pw", 1, 0, 1)]
SPECS = {  # QuantScope's spec -> the observer PyTorch quantizes it with
    "int4:per_tensor:symmetric:minmax": lambda: torch.ao.quantization.MinMaxObserver(
        dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, quant_min=-8, quant_max=7),
    "int3:per_channel:symmetric:minmax": lambda: torch.ao.quantization.PerChannelMinMaxObserver(
        ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric, quant_min=-4, quant_max=3),
}


def fake_quantize(w, make_observer):
    obs = make_observer()
    obs(w)
    scale, zp = obs.calculate_qparams()
    if scale.numel() == 1:
        return torch.fake_quantize_per_tensor_affine(w, float(scale), int(zp), obs.quant_min, obs.quant_max)
    return torch.fake_quantize_per_channel_affine(w, scale.float(), zp.int(), 0, obs.quant_min, obs.quant_max)


def main():
    p, folded = folded_demo()
    x = test_images()[:512]

    # The folded model's float forward, keeping each layer's input.
    inputs = {}
    h = x
    for name, stride, padding, groups in CONVS:
        inputs[name] = h
        h = F.relu(F.conv2d(h, p[name + ".weight"], p[name + ".bias"], stride, padding, 1, groups))
    h = h.mean([2, 3])
    inputs["fc"] = h
    with torch.no_grad():
        assert torch.allclose(F.linear(h, p["fc.weight"], p["fc.bias"]), folded(x), atol=1e-4)

    out = {"model": "resources/fashion_mobilenet.pt", "calibration_samples": 512, "specs": {}}
    for spec, make_observer in SPECS.items():
        layers = {}
        for name, stride, padding, groups in CONVS + [("fc", None, None, None)]:
            w = p[name + ".weight"]
            dw = (fake_quantize(w, make_observer) - w).double()
            xin = inputs[name].double()
            if stride is None:
                err = F.linear(xin, dw).mean(0)
            else:
                err = F.conv2d(xin, dw, None, stride, padding, 1, groups).mean([0, 2, 3])
            layers[name] = err.tolist()
        out["specs"][spec] = layers
    with open(os.path.join(HERE, "bias_correction_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", len(out["specs"]), "specs")


if __name__ == "__main__":
    main()
