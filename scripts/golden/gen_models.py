#!/usr/bin/env python3
"""gen_models.py: writes the PyTorch models that tests/nn/models_test.cpp and the examples run in Octet.

Three models, with random weights from a fixed seed (nothing is downloaded):
  resnet18      torchvision.models.resnet18(num_classes=10), re-defined below with a `width`
                argument (64 is torchvision's network; the committed file uses width 8)
  mobilenet_v2  torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)
  lstm_tagger   Embedding -> bidirectional batch-first LSTM -> Linear -> LogSoftmax
                (examples/models/lstm_tagger.h)

For each model two files go to tests/data/models/ (or the folder given with --out):
  <model>.safetensors     the state_dict (as safetensors.torch.save_file writes it), metadata:
                            "model":           the model's name
                            one key per constructor argument ("width": "8", "num_classes": "10")
                            "state_dict_keys": JSON list of the state_dict keys in PyTorch's order
  <model>_io.safetensors  "input" and PyTorch's "output" for it, in eval mode

BatchNorm statistics are not left at their initial values: each vision model first runs a few
random batches in training mode (momentum None, a cumulative average), so that eval mode uses
realistic running statistics and num_batches_tracked is non-zero; BatchNorm's affine parameters
are then randomized so they are exercised too.

Needs torch, safetensors and torchvision (`pip install torchvision pillow`; torchvision imports PIL).

--full writes full-size ResNet-18 (width 64) and MobileNetV2 (width_mult 1.0), 1000 classes,
with a 1x3x224x224 input, for running the examples at real size (these files are not committed):
  python3 scripts/golden/gen_models.py --full --out /some/folder
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torchvision
from safetensors.torch import save_file

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "models")
SEED = 20240917


# --- ResNet-18 with a width argument (torchvision.models.resnet's BasicBlock and ResNet) ---------

def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet18(nn.Module):
    """torchvision's resnet18 with every channel count scaled by width / 64."""

    def __init__(self, width=64, num_classes=1000):
        super().__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(width, 2)
        self.layer2 = self._make_layer(width * 2, 2, stride=2)
        self.layer3 = self._make_layer(width * 4, 2, stride=2)
        self.layer4 = self._make_layer(width * 8, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes, stride), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def check_resnet_matches_torchvision():
    """At width 64 the re-definition has torchvision's resnet18 state_dict: same keys, order, shapes."""
    ours = ResNet18(width=64, num_classes=10).state_dict()
    ref = torchvision.models.resnet18(weights=None, num_classes=10).state_dict()
    assert list(ours.keys()) == list(ref.keys()), "ResNet18 keys differ from torchvision's resnet18"
    for k in ref:
        assert ours[k].shape == ref[k].shape, f"{k}: {tuple(ours[k].shape)} vs torchvision {tuple(ref[k].shape)}"


# --- LSTM tagger (examples/models/lstm_tagger.h) ------------------------------------------------

class LSTMTagger(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_size, num_tags, num_layers=1, padding_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, num_tags)
        self.log_softmax = nn.LogSoftmax(dim=-1)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        return self.log_softmax(self.fc(out))


# --- weights and files -----------------------------------------------------------------------------

def settle_batchnorm(model, input_shape, gen, batches=4):
    """Running statistics from a few random batches (cumulative average), then random affine terms."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(*input_shape, generator=gen))
        for bn in bns:
            bn.momentum = 0.1  # back to the default, so the saved model is the stock one
            bn.weight.uniform_(0.5, 1.5, generator=gen)
            bn.bias.uniform_(-0.2, 0.2, generator=gen)


def write_model(out, name, model, config, x):
    model.eval()
    with torch.no_grad():
        y = model(x)
    state = model.state_dict()
    metadata = {
        "format": "pt",
        "model": name,
        "state_dict_keys": json.dumps(list(state.keys())),
    }
    metadata.update({k: str(v) for k, v in config.items()})
    os.makedirs(out, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, os.path.join(out, f"{name}.safetensors"), metadata=metadata)
    save_file({"input": x.contiguous(), "output": y.contiguous()}, os.path.join(out, f"{name}_io.safetensors"))
    n = sum(v.numel() for v in state.values())
    print(f"{name}: {len(state)} tensors, {n} values, input {tuple(x.shape)} -> output {tuple(y.shape)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: tests/data/models)")
    parser.add_argument("--full", action="store_true", help="full-size ResNet-18 and MobileNetV2, 1000 classes")
    args = parser.parse_args()

    check_resnet_matches_torchvision()
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    if args.full:
        res_cfg = {"width": 64, "num_classes": 1000}
        mob_cfg = {"width_mult": 1.0, "num_classes": 1000}
        image = (1, 3, 224, 224)
    else:
        res_cfg = {"width": 8, "num_classes": 10}
        mob_cfg = {"width_mult": 0.25, "num_classes": 10}
        image = (2, 3, 64, 64)

    resnet = ResNet18(**res_cfg)
    settle_batchnorm(resnet, image, gen)
    write_model(args.out, "resnet18", resnet, res_cfg, torch.randn(*image, generator=gen))

    mobilenet = torchvision.models.mobilenet_v2(weights=None, **mob_cfg)
    settle_batchnorm(mobilenet, image, gen)
    write_model(args.out, "mobilenet_v2", mobilenet, mob_cfg, torch.randn(*image, generator=gen))

    if not args.full:
        tag_cfg = {"vocab_size": 50, "embedding_dim": 16, "hidden_size": 24, "num_tags": 7, "num_layers": 2,
                   "padding_idx": 0}
        tagger = LSTMTagger(**tag_cfg)
        # Two sentences of 11 tokens, the second padded with index 0 after 7 tokens.
        tokens = torch.randint(1, tag_cfg["vocab_size"], (2, 11), generator=gen)
        tokens[1, 7:] = 0
        write_model(args.out, "lstm_tagger", tagger, tag_cfg, tokens)


if __name__ == "__main__":
    main()
