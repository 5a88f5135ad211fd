#!/usr/bin/python3
"""Runs a QuantScope-generated PyTorch script of a trial with techniques on one of the fixtures
trained by tests/fixtures/make_*.py, with the weights file QuantScope wrote beside it:
  nobias  make_nobias_cnn.py: two convolutions without a bias, which bias correction gave one;
  relu6   make_separable_cnn.py --relu6: ReLU6 everywhere, whose bounds cross-layer equalization
          made per channel (the script replaces each such ReLU6).

    /usr/bin/python3 check_fixture_export.py SCRIPT.py MODEL.pt IMAGES.gz LABELS.gz nobias|relu6

build_model() is the fixture's eager class with the TorchScript file's weights (batch norm
unfused); calibration_batches() the first 512 test images in batches of 256. Prints "top1 P"
(percent) for the remaining test images, which the test compares with the trial's.
"""
import gzip
import importlib.util
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import make_nobias_cnn  # noqa: E402  the fixtures' architectures
import make_separable_cnn  # noqa: E402


def eager_model(fixture):
    if fixture == "nobias":
        return make_nobias_cnn.NoBiasCNN()
    make_separable_cnn.RELU6 = True  # conv_bn builds nn.ReLU6 then
    return make_separable_cnn.SeparableCNN6()


def main(script, model_path, images_path, labels_path, fixture):
    spec = importlib.util.spec_from_file_location("exported", script)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    with gzip.open(images_path, "rb") as f:
        inputs = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28).float().div(255.0)
    with gzip.open(labels_path, "rb") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8).to(torch.int64)
    model = eager_model(fixture)
    model.load_state_dict(torch.jit.load(model_path).state_dict())

    def calibration_batches():
        for begin in range(0, 512, 256):
            yield inputs[begin:begin + 256]

    quantized = exported.quantize(model.eval(), calibration_batches)
    with torch.no_grad():
        correct = int((quantized(inputs[512:]).argmax(1) == labels[512:]).sum())
    print(f"top1 {100 * correct / (inputs.shape[0] - 512):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
