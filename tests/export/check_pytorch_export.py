#!/usr/bin/python3
"""Runs a QuantScope-generated PyTorch script on the demo model and checks its observers.

    /usr/bin/python3 check_pytorch_export.py SCRIPT.py DEMO_MODEL.pt IMAGES.gz

Fills the script's build_model() with an eager MobileNet (the demo's architecture, its weights from
the TorchScript file) and calibration_batches() with the first 512 Fashion-MNIST test images in
batches of 256, as QuantScope calibrated. Runs quantize(), evaluates the result on 512 further
images, and compares with QUANTSCOPE_QPARAMS: the weight observers of block1.dw and block3.pw (on
the weights with batch norm folded, by torch's own fuse_conv_bn_eval) and of fc, and the input
observer of conv1, must give the same scale (1e-6 relative) and zero point. Prints one
line per check; exit code 1 on any mismatch.
"""
import gzip
import importlib.util
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval


class SeparableBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin)
        self.dw_bn = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1)
        self.pw_bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.dw_bn(self.dw(x)))
        return F.relu(self.pw_bn(self.pw(x)))


class FashionMobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1, 1)
        self.bn1 = nn.BatchNorm2d(32)
        self.block1 = SeparableBlock(32, 64, 2)
        self.block2 = SeparableBlock(64, 128, 2)
        self.block3 = SeparableBlock(128, 128, 1)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.block3(self.block2(self.block1(x)))
        x = torch.mean(x, [2, 3])
        return self.fc(x)


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
        model = FashionMobileNet()
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
    for name in ("block1.dw", "block3.pw", "fc"):
        qconfig = mapping.module_name_qconfigs.get(name, mapping.global_qconfig)
        observer = qconfig.weight()
        module = float_model.get_submodule(name)
        if isinstance(module, nn.Conv2d):  # quantized as PyTorch does: batch norm folded first
            module = fuse_conv_bn_eval(module, float_model.get_submodule(name + "_bn"))
        observer(module.weight.detach())
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
