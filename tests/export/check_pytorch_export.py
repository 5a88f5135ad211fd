#!/usr/bin/python3
"""Runs a QuantScope-generated PyTorch script on the demo model and checks its observers.

    /usr/bin/python3 check_pytorch_export.py SCRIPT.py DEMO_MODEL.pt IMAGES.gz

Fills the script's build_model() with an eager LeNet (the demo's architecture, its weights from
the TorchScript file) and calibration_batches() with the first 512 Fashion-MNIST test images in
batches of 256, as QuantScope calibrated. Runs quantize(), evaluates the result on 512 further
images, and compares with QUANTSCOPE_QPARAMS: the weight observers of fc1, fc2 and fc3 and the
input observer of conv1 must give the same scale (1e-6 relative) and zero point. Prints one
line per check; exit code 1 on any mismatch.
"""
import gzip
import importlib.util
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 5, padding=2)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main(script, model_path, images_path):
    spec = importlib.util.spec_from_file_location("exported", script)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)

    scripted = torch.jit.load(model_path)
    with gzip.open(images_path, "rb") as f:
        raw = f.read()
    images = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28)
    inputs = images.to(torch.float32).div(255.0)  # as QuantScope reads IDX without mean/std

    def build_model():
        model = LeNet()
        model.load_state_dict(scripted.state_dict())
        return model.eval()

    def calibration_batches():
        for begin in range(0, 512, 256):
            yield inputs[begin:begin + 256]

    exported.build_model = build_model
    exported.calibration_batches = calibration_batches
    quantized = exported.quantize(build_model(), calibration_batches)

    failures = 0

    def check(what, got_scale, got_zp, want_scale, want_zp):
        nonlocal failures
        got_scale = torch.as_tensor(got_scale, dtype=torch.float64).flatten()
        want_scale = torch.as_tensor(want_scale, dtype=torch.float64).flatten()
        got_zp = torch.as_tensor(got_zp).flatten().tolist()
        want_zp = torch.as_tensor(want_zp).flatten().tolist()
        rel = ((got_scale - want_scale).abs() / want_scale).max().item()
        ok = got_scale.numel() == want_scale.numel() and rel <= 1e-6 and got_zp == want_zp
        failures += not ok
        print(f"{'ok' if ok else 'MISMATCH'} {what}: {got_scale.numel()} scales, largest relative difference "
              f"{rel:.2e}, zero points {'equal' if got_zp == want_zp else 'differ'}")

    mapping = exported.qconfig_mapping
    float_model = build_model()
    for name in ("fc1", "fc2", "fc3"):
        qconfig = mapping.module_name_qconfigs.get(name, mapping.global_qconfig)
        observer = qconfig.weight()
        observer(getattr(float_model, name).weight.detach())
        scale, zp = observer.calculate_qparams()
        want = exported.QUANTSCOPE_QPARAMS[name]
        check(f"{name} weight", scale, zp, want["weight_scale"], want["weight_zero_point"])

    # The model input is observed by the first quantized op's qconfig: conv1's input activation.
    if exported.CONVERTIBLE:
        scale, zp = quantized.conv1_input_scale_0, quantized.conv1_input_zero_point_0
    else:
        scale, zp = quantized.activation_post_process_0.calculate_qparams()
    want = exported.QUANTSCOPE_QPARAMS["conv1"]
    check("conv1 input activation", scale, zp, want["activation_scale"], want["activation_zero_point"])

    with torch.no_grad():
        out = quantized(inputs[512:1024])
        ref = float_model(inputs[512:1024])
    agreement = (out.argmax(1) == ref.argmax(1)).float().mean().item()
    print(f"quantized model runs: top-1 agreement with float on 512 images {100 * agreement:.1f}%")
    if agreement < 0.9:
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
