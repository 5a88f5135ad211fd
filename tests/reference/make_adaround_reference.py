#!/usr/bin/env python3
"""AdaRound (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training Quantization")
on one layer of the demo, as the reference for QuantScope's.

Layer block1.pw (batch norm folded by TorchScript's pass, as QuantScope loads it), int4 per-channel
symmetric min-max weights (PyTorch's PerChannelMinMaxObserver gives scale s and zero point z per
output channel), its float inputs over the first 512 Fashion-MNIST test images (pixels / 255).
As AIMET does, the loss compares the layer's outputs after its bias and the ReLU that follows it
(the first layer of the model quantized so far: its inputs are the float model's).

With W/s = floor + rest, a continuous variable V per weight starts where the rectified sigmoid
h(V) = clamp(sigmoid(V) * (zeta - gamma) + gamma, 0, 1), zeta = 1.1, gamma = -0.1, equals rest.
The soft weight is s * (clamp(floor + z + h(V), qmin, qmax) - z). For ITERATIONS steps, a batch of
32 inputs is drawn (torch.randint with a generator seeded SEED) and Adam (lr 1e-3) minimises
    mean over samples and positions of sum over output channels of
        (relu(conv(x, soft) + b) - relu(conv(x, W) + b))^2
    + 0.01 * sum(1 - |2 h(V) - 1|^beta)
where the rounding term is off for the first 20% of the steps and beta then falls from 20 to 2
along a cosine (AIMET's schedule). The result rounds up where V >= 0 (h >= 0.5), down elsewhere.

Writes tests/reference/adaround_reference.json: per weight whether it rounds up (relative to
floor), the share rounded away from nearest, and the reconstruction loss (the mean squared output
error summed over output channels, averaged over all 512 inputs and positions: AIMET's
reconstruction loss) with nearest rounding and with AdaRound's.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_adaround_reference.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

from demo import HERE, folded_demo, test_images

LAYER = "block1.pw"
ITERATIONS = 1000
BATCH = 32
SEED = 0
ZETA, GAMMA = 1.1, -0.1


def conv_input(p, x):
    """block1.pw's float input: conv1 -> relu -> block1.dw -> relu, batch norm folded."""
    x = F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"], 1, 1))
    return F.relu(F.conv2d(x, p["block1.dw.weight"], p["block1.dw.bias"], 2, 1, 1, 32))


def main():
    torch.set_num_threads(1)
    p, _ = folded_demo()
    with torch.no_grad():
        inputs = conv_input(p, test_images()[:512])
    w = p[LAYER + ".weight"]
    obs = torch.ao.quantization.PerChannelMinMaxObserver(
        ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric, quant_min=-8, quant_max=7)
    obs(w)
    scale, zp = obs.calculate_qparams()
    s = scale.float().view(-1, 1, 1, 1)
    z = zp.float().view(-1, 1, 1, 1)
    qmin, qmax = obs.quant_min, obs.quant_max
    floor = torch.floor(w / s)
    rest = w / s - floor
    v = (-torch.log((ZETA - GAMMA) / (rest - GAMMA) - 1)).clone().requires_grad_(True)

    def h(v):
        return torch.clamp(torch.sigmoid(v) * (ZETA - GAMMA) + GAMMA, 0, 1)

    def weight_of(rounding):
        return s * (torch.clamp(floor + z + rounding, qmin, qmax) - z)

    b = p[LAYER + ".bias"]

    def out(x, weight):
        return F.relu(F.conv2d(x, weight, b))

    with torch.no_grad():
        target_all = out(inputs, w)
    opt = torch.optim.Adam([v], lr=1e-3)
    gen = torch.Generator().manual_seed(SEED)
    warm = int(0.2 * ITERATIONS)
    for t in range(ITERATIONS):
        idx = torch.randint(0, inputs.shape[0], (BATCH,), generator=gen)
        x = inputs[idx]
        with torch.no_grad():
            target = out(x, w)
        recon = (out(x, weight_of(h(v))) - target).pow(2).sum(1).mean()
        if t < warm:
            loss = recon
        else:
            rel = (t - warm) / (ITERATIONS - warm)
            beta = 2 + 0.5 * (20 - 2) * (1 + math.cos(rel * math.pi))
            loss = recon + 0.01 * (1 - (2 * h(v) - 1).abs().pow(beta)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        up = (v >= 0).float()
        nearest = (rest >= 0.5).float()
        loss_nearest = (out(inputs, weight_of(nearest)) - target_all).pow(2).sum(1).mean().item()
        loss_ada = (out(inputs, weight_of(up)) - target_all).pow(2).sum(1).mean().item()
        flipped = (up != nearest).float().mean().item()
    out = {
        "model": "resources/fashion_mobilenet.pt", "layer": LAYER, "weights": "int4:per_channel:symmetric:minmax",
        "samples": 512, "activation": "relu", "iterations": ITERATIONS, "batch": BATCH, "seed": SEED,
        "up": [int(b) for b in up.flatten().tolist()],
        "flipped_share": flipped, "loss_nearest": loss_nearest, "loss_adaround": loss_ada,
    }
    with open(os.path.join(HERE, "adaround_reference.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"{LAYER}: loss nearest {loss_nearest:.6g}, AdaRound {loss_ada:.6g}; {100 * flipped:.2f}% rounded away")


if __name__ == "__main__":
    main()
