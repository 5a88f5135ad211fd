#!/usr/bin/python3
"""Loads a TorchScript file QuantScope exported (quantization baked in) in Python's PyTorch and
runs it on Fashion-MNIST test images.

    /usr/bin/python3 check_torchscript_export.py MODEL.pt IMAGES.gz LABELS.gz FIRST COUNT

Prints "correct N" (top-1 correct predictions on images FIRST .. FIRST+COUNT-1) and the graph's
quantization ops, e.g. "fake_quantize_per_tensor_affine 5".
"""
import gzip
import sys

import torch


def main(model_path, images_path, labels_path, first, count):
    first, count = int(first), int(count)
    model = torch.jit.load(model_path)
    with gzip.open(images_path, "rb") as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28)
    with gzip.open(labels_path, "rb") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8).to(torch.int64)
    x = images[first:first + count].to(torch.float32).div(255.0)
    with torch.no_grad():
        out = model(x)
    print("correct", int((out.argmax(1) == labels[first:first + count]).sum()))
    print("fake_quantize_per_tensor_affine", model.code.count("fake_quantize_per_tensor_affine"))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
