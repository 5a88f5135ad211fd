#!/usr/bin/python3
"""Runs a QuantScope-generated PyTorch script of a trial with techniques (cross-layer
equalization, bias correction) on the demo model, with the weights file QuantScope wrote beside it.

    /usr/bin/python3 check_technique_export.py SCRIPT.py DEMO_MODEL.pt IMAGES.gz LABELS.gz

Fills build_model() with an eager MobileNet (the demo's architecture, its weights from the
TorchScript file, batch norm unfused: the script folds it and loads the changed weights) and
calibration_batches() with the first 512 Fashion-MNIST test images in batches of 256, as QuantScope
calibrated. Runs quantize() and prints "top1 P" for the remaining test images (percent), which the
test compares with the trial's.
"""
import gzip
import importlib.util
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_pytorch_export import FashionMobileNet  # noqa: E402  the demo's architecture


def main(script, model_path, images_path, labels_path):
    spec = importlib.util.spec_from_file_location("exported", script)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    scripted = torch.jit.load(model_path)
    with gzip.open(images_path, "rb") as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28)
    with gzip.open(labels_path, "rb") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8).to(torch.int64)
    inputs = images.to(torch.float32).div(255.0)

    def build_model():
        model = FashionMobileNet()
        model.load_state_dict(scripted.state_dict())
        return model.eval()

    def calibration_batches():
        for begin in range(0, 512, 256):
            yield inputs[begin:begin + 256]

    quantized = exported.quantize(build_model(), calibration_batches)
    correct = 0
    with torch.no_grad():
        for begin in range(512, inputs.shape[0], 1000):
            out = quantized(inputs[begin:begin + 1000])
            correct += int((out.argmax(1) == labels[begin:begin + 1000]).sum())
    print(f"top1 {100 * correct / (inputs.shape[0] - 512):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
