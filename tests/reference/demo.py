"""What the reference scripts share: the demo model with batch norm folded by TorchScript's own
pass (torch._C._jit_pass_fold_convbn, the pass QuantScope runs when it loads a model), and the
Fashion-MNIST test images as QuantScope reads IDX files (pixels / 255, no mean or std)."""
import gzip
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "resources", "fashion_mobilenet.pt")
DATA = "/usr/share/datasets/fashion-mnist/"


def folded_demo():
    """The demo's parameters by name, batch norm folded into the convolutions, and the module."""
    m = torch.jit.load(DEMO).eval()
    folded = torch.jit._recursive.wrap_cpp_module(torch._C._jit_pass_fold_convbn(m._c))
    return {k: v.detach().clone() for k, v in folded.named_parameters()}, folded


def test_images():
    """All 10,000 test images as N x 1 x 28 x 28 floats in [0, 1]."""
    with gzip.open(DATA + "t10k-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    return torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28).to(torch.float32).div(255.0)


def test_labels():
    with gzip.open(DATA + "t10k-labels-idx1-ubyte.gz", "rb") as f:
        return torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8).to(torch.int64)
