#!/usr/bin/env python3
"""Sequential MSE (AIMET's SeqMSE) on one layer of the demo, as the reference for QuantScope's.

Layer block1.pw (batch norm folded, as QuantScope loads it), int4 per-channel symmetric weights,
its float inputs over the first 512 Fashion-MNIST test images. Candidate ranges per output
channel: k/20 of the channel's largest |weight| for k = 1..20 (symmetric: [-m, m]); each quantized
with PyTorch's arithmetic for that range (scale = m / ((qmax - qmin) / 2), zero point 0,
torch.fake_quantize_per_channel_affine). Each channel keeps the candidate whose output error on
the inputs is least — summed over samples and positions (in float64) of the squared error (mse),
the absolute error (l1), or the negative SQNR (sqnr: -10 log10(signal / noise)); ties go to the
first (smallest) candidate.

Writes tests/reference/seqmse_reference.json: per loss, the candidate index (1..20) chosen for
each output channel, and the layer's output MSE with min-max and with the chosen ranges.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_seqmse_reference.py
"""
import json
import os

import torch
import torch.nn.functional as F

from demo import HERE, folded_demo, test_images

LAYER = "block1.pw"
CANDIDATES = 20
QMIN, QMAX = -8, 7


def conv_input(p, x):
    x = F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"], 1, 1))
    return F.relu(F.conv2d(x, p["block1.dw.weight"], p["block1.dw.bias"], 2, 1, 1, 32))


def quantize(w, m):
    """w per output channel in [-m, m] (m per channel), as PyTorch's symmetric qparams give it."""
    scale = (m / ((QMAX - QMIN) / 2)).clamp(min=torch.finfo(torch.float32).eps)
    return torch.fake_quantize_per_channel_affine(w, scale, torch.zeros_like(scale, dtype=torch.int32), 0, QMIN, QMAX)


def main():
    p, _ = folded_demo()
    with torch.no_grad():
        x = conv_input(p, test_images()[:512])
        w = p[LAYER + ".weight"]
        target = F.conv2d(x, w).double()
        top = w.abs().flatten(1).amax(1)
        out = {"model": "resources/fashion_mobilenet.pt", "layer": LAYER, "weights": "int4:per_channel:symmetric:minmax",
               "samples": 512, "candidates": CANDIDATES, "losses": {}}
        per_candidate = []
        for k in range(1, CANDIDATES + 1):
            m = (top / CANDIDATES * k).float()
            per_candidate.append(F.conv2d(x, quantize(w, m)).double())
        for loss in ("mse", "l1", "sqnr"):
            table = []
            for y in per_candidate:
                e = y - target
                if loss == "mse":
                    table.append(e.pow(2).sum([0, 2, 3]))
                elif loss == "l1":
                    table.append(e.abs().sum([0, 2, 3]))
                else:
                    table.append(-10 * torch.log10(target.pow(2).sum([0, 2, 3]) / e.pow(2).sum([0, 2, 3])))
            chosen = torch.stack(table).argmin(0)  # first minimum
            best = torch.stack([per_candidate[int(c)][:, i] for i, c in enumerate(chosen)], 1)
            out["losses"][loss] = {
                "chosen": [int(c) + 1 for c in chosen],
                "output_mse_minmax": float((per_candidate[-1] - target).pow(2).mean()),
                "output_mse": float((best - target).pow(2).mean()),
            }
    with open(os.path.join(HERE, "seqmse_reference.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")
    mse = out["losses"]["mse"]
    print(f"{LAYER}: output MSE {mse['output_mse_minmax']:.6g} with min-max, {mse['output_mse']:.6g} with SeqMSE")


if __name__ == "__main__":
    main()
