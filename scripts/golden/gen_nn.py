#!/usr/bin/env python3
"""gen_nn.py: writes the PyTorch checkpoint that tests/nn/serialize_test.cpp loads into Octet.

The model is tests/nn/test_models.h's Net written with torch.nn (Linear for TestLinear, a module
with BatchNorm's tensors for Norm), seeded, with non-trivial running statistics. Files go to
tests/data/golden/ (or the folder given as the first argument):
  nn_net_state_dict.safetensors  net.state_dict() as safetensors.torch.save_file writes it
  nn_net_io.safetensors          "input" [3, 4] and PyTorch's "output" [3, 2] for it (eval mode)
"""
import os
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "golden")


class Norm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(c))
        self.register_buffer("num_batches_tracked", torch.tensor(0))

    def forward(self, x):
        return (x - self.running_mean) / torch.sqrt(self.running_var + 1e-5) * self.weight + self.bias


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Linear(c, c)
        self.bn1 = Norm(c)
        self.relu = nn.ReLU()
        self.register_buffer("scratch", torch.zeros(c), persistent=False)
        self.conv2 = nn.Linear(c, c, bias=False)

    def forward(self, x):
        return self.conv2(self.relu(self.bn1(self.conv1(x))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.stem = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.layer1 = nn.Sequential(Block(8), Block(8))
        self.head = nn.ModuleDict({"fc": nn.Linear(8, 2)})
        self.register_buffer("step", torch.tensor(0))
        self.temperature = nn.Parameter(torch.full((1,), 2.0))

    def forward(self, x):
        return self.head["fc"](self.layer1(self.stem(x))) * self.scale


def main():
    torch.manual_seed(20240611)
    net = Net()
    with torch.no_grad():
        net.scale.fill_(1.25)
        net.step.fill_(17)
        for i, block in enumerate(net.layer1):
            block.bn1.weight.uniform_(0.5, 1.5)
            block.bn1.bias.uniform_(-0.2, 0.2)
            block.bn1.running_mean.uniform_(-0.3, 0.3)
            block.bn1.running_var.uniform_(0.5, 2.0)
            block.bn1.num_batches_tracked.fill_(100 + i)
    net.eval()
    x = torch.randn(3, 4)
    with torch.no_grad():
        y = net(x)
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, os.path.join(OUT, "nn_net_state_dict.safetensors"))
    save_file({"input": x, "output": y}, os.path.join(OUT, "nn_net_io.safetensors"))


if __name__ == "__main__":
    main()
