#!/usr/bin/env python3
"""High-bias absorption after cross-layer equalization (Nagel et al. 2019, section 4.2; AIMET's
HighBiasFold), as the reference for QuantScope's --high-bias-absorption, on
tests/fixtures/high_bias_cnn_scripted.pt (conv1 → bn1 → ReLU → conv2 (1×1) → bn2 → ReLU → mean →
fc; bn1 shifts half its channels by more than 3|γ|). No other fixture has a channel to absorb.

Batch norm folded by TorchScript's pass (torch._C._jit_pass_fold_convbn, as QuantScope loads it).
The one pair (conv1, conv2) is equalized as make_cle_reference.py does (s = sqrt(r1 / r2) per
channel, repeated until no scale moves by more than 1e-8). Then, from bn1 (weight γ, bias β)
scaled as equalization scaled conv1's channels (divided by the total scales s):
    c = max(0, β / s − 3 |γ / s|)
    conv1.bias −= c
    conv2.bias += conv2.weight summed over its kernel positions, times c over its input channels
ReLU(y − c) + c = ReLU(y) wherever y ≥ c (conv2 is 1×1 without padding), so the float model
changes only where y < c: printed, over the test images QuantScope evaluates.

Writes tests/reference/hba_reference.json: the scales, c, and both biases after absorption.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_hba_reference.py
"""
import json
import os

import torch

from demo import HERE, test_images, test_labels

MODEL = os.path.join(HERE, "..", "fixtures", "high_bias_cnn_scripted.pt")


def main():
    m = torch.jit.load(MODEL).eval()
    bn = {k: v.detach().clone() for k, v in m.named_parameters()}
    folded = torch.jit._recursive.wrap_cpp_module(torch._C._jit_pass_fold_convbn(m._c))
    p = {k: v.detach().clone() for k, v in folded.named_parameters()}
    w1, b1, w2, b2 = p["conv1.weight"], p["conv1.bias"], p["conv2.weight"], p["conv2.bias"]
    total = torch.ones(w1.shape[0])
    for _ in range(100):
        r1 = w1.abs().flatten(1).amax(1)
        r2 = w2.abs().transpose(0, 1).flatten(1).amax(1)
        s = torch.sqrt(r1 / r2)
        w1 = w1 / s.view(-1, 1, 1, 1)
        b1 = b1 / s
        w2 = w2 * s.view(1, -1, 1, 1)
        total = total * s
        if (s - 1).abs().max().item() <= 1e-8:
            break
    gamma, beta = bn["bn1.weight"] / total, bn["bn1.bias"] / total
    c = torch.clamp(beta - 3 * gamma.abs(), min=0)
    b1 = b1 - c
    b2 = b2 + w2.flatten(2).sum(2) @ c
    x, labels = test_images()[512:], test_labels()[512:]
    with torch.no_grad():
        before = folded(x)
        folded.conv1.weight.copy_(w1)
        folded.conv1.bias.copy_(b1)
        folded.conv2.weight.copy_(w2)
        folded.conv2.bias.copy_(b2)
        after = folded(x)
    out = {
        "model": "tests/fixtures/high_bias_cnn_scripted.pt",
        "scales": total.tolist(),
        "absorbed": c.tolist(),
        "conv1_bias": b1.tolist(),
        "conv2_bias": b2.tolist(),
        "float_output_change": ((after - before).abs().max() / before.abs().max()).item(),
        "float_top1_changed": int((after.argmax(1) != before.argmax(1)).sum()),
        "correct_before": int((before.argmax(1) == labels).sum()),
        "correct_after": int((after.argmax(1) == labels).sum()),
    }
    with open(os.path.join(HERE, "hba_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"absorbed on {int((c > 0).sum())} of {c.numel()} channels (sum {float(c.sum()):.4g}); float output change "
          f"{out['float_output_change']:.3g} of the largest, {out['float_top1_changed']} predictions changed")


if __name__ == "__main__":
    main()
