#!/usr/bin/python3
"""Writes resnet20.pt: a CIFAR-style ResNet-20 (19 3×3 convs + 2 shortcut 1×1 convs + linear,
batch norm after every conv), random weights, scripted. For bench/bench_trial only.

    /usr/bin/python3 make_resnet.py      (Debian's python3-torch)
"""
import torch
import torch.nn as nn

torch.manual_seed(3)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers = []
        cin = 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            blocks = []
            for b in range(3):
                blocks.append(Block(cin, cout, stride if b == 0 else 1))
                cin = cout
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


m = ResNet20()
for mod in m.modules():  # trained-looking batch-norm statistics
    if isinstance(mod, nn.BatchNorm2d):
        mod.running_var.uniform_(0.5, 2.0)
        mod.running_mean.uniform_(-0.2, 0.2)
torch.jit.script(m.eval()).save("resnet20.pt")
print("wrote resnet20.pt:", sum(p.numel() for p in m.parameters()), "parameters")
