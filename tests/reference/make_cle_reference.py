#!/usr/bin/env python3
"""Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization Through Weight
Equalization and Bias Correction", section 4.1) on the demo, as the reference for QuantScope's.

The demo model is loaded with batch norm folded into its convolutions by TorchScript's own pass
(torch._C._jit_pass_fold_convbn, the pass QuantScope runs when it loads a model). Its layers form
one chain joined by ReLUs: conv1 -> block1.dw -> block1.pw -> ... -> block3.pw (then a mean and
fc, which are not a conv/linear pair joined by ReLU or nothing). For each consecutive pair, with
r1[i] the largest |weight| of the first layer's output channel i and r2[i] that of the second
layer's input channel i (a depthwise second layer: its channel i), s[i] = sqrt(r1[i] / r2[i]);
the first layer's channel i (weight and bias) is divided by s[i], the second's input channel i
multiplied by it. ReLU(x / s) = ReLU(x) / s for s > 0, so the float model computes the same.
The pairs are equalized in order, again and again, until no scale moves by more than 1e-8
(at most 100 rounds). All arithmetic in float32, as the model's.

Writes tests/reference/cle_reference.json: the pairs, each pair's total scales, and per layer the
largest |weight| of each output channel after equalization and the weight and bias sums.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_cle_reference.py
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "resources", "fashion_mobilenet.pt")
CHAIN = ["conv1", "block1.dw", "block1.pw", "block2.dw", "block2.pw", "block3.dw", "block3.pw"]


def main():
    m = torch.jit.load(DEMO).eval()
    folded = torch.jit._recursive.wrap_cpp_module(torch._C._jit_pass_fold_convbn(m._c))
    params = dict(folded.named_parameters())
    w = {n: params[n + ".weight"].detach().clone() for n in CHAIN}
    b = {n: params[n + ".bias"].detach().clone() for n in CHAIN}
    pairs = list(zip(CHAIN[:-1], CHAIN[1:]))
    total = {p: torch.ones(w[p[0]].shape[0]) for p in pairs}
    rounds = 0
    for rounds in range(1, 101):
        moved = 0.0
        for first, second in pairs:
            w1, w2 = w[first], w[second]
            r1 = w1.abs().flatten(1).amax(1)
            depthwise = w2.shape[1] == 1 and w2.shape[0] == w1.shape[0]
            r2 = w2.abs().flatten(1).amax(1) if depthwise else w2.abs().transpose(0, 1).flatten(1).amax(1)
            s = torch.sqrt(r1 / r2)
            shape1 = [-1] + [1] * (w1.dim() - 1)
            w[first] = w1 / s.view(shape1)
            b[first] = b[first] / s
            if depthwise:
                w[second] = w2 * s.view([-1] + [1] * (w2.dim() - 1))
            else:
                w[second] = w2 * s.view([1, -1] + [1] * (w2.dim() - 2))
            total[(first, second)] = total[(first, second)] * s
            moved = max(moved, (s - 1).abs().max().item())
        if moved <= 1e-8:
            break
    out = {
        "model": "resources/fashion_mobilenet.pt",
        "rounds": rounds,
        "pairs": [{"first": f, "second": s, "scales": total[(f, s)].tolist()} for f, s in pairs],
        "layers": {
            n: {
                "channel_max": w[n].abs().flatten(1).amax(1).tolist(),
                "weight_sum": float(w[n].double().sum()),
                "bias_sum": float(b[n].double().sum()),
            }
            for n in CHAIN
        },
    }
    with open(os.path.join(HERE, "cle_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    spread = w["block1.dw"].abs().flatten(1).amax(1)
    print(f"{rounds} rounds; block1.dw widest/median channel {(spread.max() / spread.median()).item():.2f}")


if __name__ == "__main__":
    main()
