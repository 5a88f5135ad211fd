#!/usr/bin/python3
"""Writes torchvision's ResNet-18 and MobileNetV2 (10 classes, random weights, eval mode,
scripted) into a directory, for the latency and sweep benchmarks. Random weights are enough
for timing and for top-1 agreement with the float model.

    /usr/bin/python3 make_torchvision.py DIR     (Debian's python3-torch, python3-torchvision)
"""
import os
import sys

import torch
import torchvision


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, make in [("resnet18", torchvision.models.resnet18), ("mobilenet_v2", torchvision.models.mobilenet_v2)]:
        model = make(num_classes=10).eval()
        # Batch-norm statistics of a few random batches, so activations have realistic ranges.
        model.train()
        with torch.no_grad():
            for _ in range(4):
                model(torch.randn(32, 3, 64, 64))
        model.eval()
        torch.jit.script(model).save(os.path.join(out, name + ".pt"))
        print(os.path.join(out, name + ".pt"))


if __name__ == "__main__":
    main()
