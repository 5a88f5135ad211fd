#!/usr/bin/python3
"""The notebook way to what QuantScope's --cle --bias-correction trial does, timed: PyTorch loads
the demo (batch norm folded by the TorchScript pass QuantScope uses), equalizes it
(tests/reference/make_cle_reference.py's loop), corrects the biases on the first 512 test images
(hooks on an eager copy, F.conv2d on the weight error), fake-quantizes the weights (int4 per
tensor, PyTorch's MinMaxObserver) and evaluates the remaining 9,488 images.

    /usr/bin/python3 bench/techniques_pytorch.py

Prints "seconds S top1 P" (the whole job, load to top-1).
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
from demo import folded_demo, test_images, test_labels  # noqa: E402
from make_bias_correction_reference import CONVS, SPECS, fake_quantize  # noqa: E402
CHAIN = [c[0] for c in CONVS]


def forward(p, x, keep=None):
    for name, stride, padding, groups in CONVS:
        if keep is not None:
            keep[name] = x
        x = F.relu(F.conv2d(x, p[name + ".weight"], p[name + ".bias"], stride, padding, 1, groups))
    x = x.mean([2, 3])
    if keep is not None:
        keep["fc"] = x
    return F.linear(x, p["fc.weight"], p["fc.bias"])


def main():
    torch.set_num_threads(os.cpu_count())
    start = time.perf_counter()
    with torch.no_grad():
        p, _ = folded_demo()
        x, y = test_images(), test_labels()
        # Cross-layer equalization, until the scales settle.
        for _ in range(100):
            moved = 0.0
            for first, second in zip(CHAIN[:-1], CHAIN[1:]):
                w1, w2 = p[first + ".weight"], p[second + ".weight"]
                r1 = w1.abs().flatten(1).amax(1)
                dw = w2.shape[1] == 1
                r2 = w2.abs().flatten(1).amax(1) if dw else w2.abs().transpose(0, 1).flatten(1).amax(1)
                s = torch.sqrt(r1 / r2)
                p[first + ".weight"] = w1 / s.view(-1, 1, 1, 1)
                p[first + ".bias"] = p[first + ".bias"] / s
                p[second + ".weight"] = w2 * (s.view(-1, 1, 1, 1) if dw else s.view(1, -1, 1, 1))
                moved = max(moved, (s - 1).abs().max().item())
            if moved <= 1e-8:
                break
        # Bias correction on the calibration images, then the weights quantized.
        inputs = {}
        forward(p, x[:512], inputs)
        make = SPECS["int4:per_tensor:symmetric:minmax"]
        q = dict(p)
        for name, stride, padding, groups in CONVS + [("fc", None, None, None)]:
            w = p[name + ".weight"]
            q[name + ".weight"] = fake_quantize(w, make)
            dw = (q[name + ".weight"] - w).double()
            if stride is None:
                err = F.linear(inputs[name].double(), dw).mean(0)
            else:
                err = F.conv2d(inputs[name].double(), dw, None, stride, padding, 1, groups).mean([0, 2, 3])
            q[name + ".bias"] = (p[name + ".bias"].double() - err).float()
        correct = 0
        for b in range(512, x.shape[0], 256):
            correct += int((forward(q, x[b:b + 256]).argmax(1) == y[b:b + 256]).sum())
    seconds = time.perf_counter() - start
    print(f"seconds {seconds:.3f} top1 {100 * correct / (x.shape[0] - 512):.2f}")


if __name__ == "__main__":
    main()
