#!/usr/bin/env python3
"""train_fashion.py: trains the two Fashion-MNIST models that `octet demo` quantizes, and writes
their float weights and a golden file of their outputs.

The models are the PyTorch twins of examples/models/fashion_cnn.h and fashion_lstm.h, with the same
module names (QuantStub / DeQuantStub / FloatFunctional where eager quantization needs them), so a
state dict moves between the two by name:

  FashionCNN(c1=32, c2=64)  conv-bn-relu blocks with two residual add_relu's, for static PTQ
  FashionLSTM(hidden=128)   the 28 image rows as a 28-step sequence -> LSTM -> Linear, for dynamic PTQ

Data: Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist, or --data / the
OCTET_FASHION_MNIST environment variable), read with gzip + numpy. Images are normalized as
fashion_data.h does it, in float32: (x / 255 - 0.2860) / 0.3530, each step one IEEE float32 operation
(numpy, not torch: torch divides by a scalar through its reciprocal, which C++ would have to mimic).

Writes (float32, PyTorch's state-dict key names, BatchNorm running stats and num_batches_tracked):
  data/models/fashion_cnn.safetensors    metadata: "model", "c1", "c2", "test_accuracy"
  data/models/fashion_lstm.safetensors   metadata: "model", "hidden", "test_accuracy"
  tests/data/golden/fashion_models.safetensors   (tests/common/golden.h's format) cases
      "cnn" (op fashion_cnn) and "lstm" (op fashion_lstm): in0 the first 64 test images (uint8
      [64, 28, 28]) and out0 the float logits [64, 10]; cnn/in1 is the images' normalized float input
      [64, 1, 28, 28] (which the LSTM reads too, as [64, 28, 28]).

--golden-only rewrites only the golden file from the saved weights (no training).

Seeded; with torch.set_num_threads(2) (Adam with a one-cycle learning rate, batch 128; CNN 3 epochs,
LSTM 2) the committed weights took 18 minutes on two busy cores: CNN 90.76%, LSTM 87.00% on the
test images. --c1 16 --c2 32 --cnn-epochs 2 trains a narrower CNN about 2.5x faster (the C++ model
then needs FashionCNN(16, 32); the weights file's metadata records c1 and c2):
  python3 scripts/models/train_fashion.py
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch.ao.quantization import DeQuantStub, QuantStub

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEFAULT_DATA = os.environ.get("OCTET_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
SEED = 20251129
MEAN, STD = np.float32(0.2860), np.float32(0.3530)
GOLDEN_IMAGES = 64


# --- data -----------------------------------------------------------------------------------------

def read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[:4], "big") == magic, f"{path}: bad magic"
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    assert data.size == int(np.prod(dims)), f"{path}: size mismatch"
    return data.reshape(dims)


def load_split(root, train):
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1)
    return images, labels.astype(np.int64)


def normalize(images_u8):
    """uint8 [N, 28, 28] -> float32 [N, 1, 28, 28], one float32 IEEE operation per step."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - MEAN) / STD
    return torch.from_numpy(np.ascontiguousarray(x[:, None, :, :], dtype=np.float32))


# --- models (the twins of examples/models/fashion_cnn.h and fashion_lstm.h) ---------------------

def conv(cin, cout, k, stride=1, padding=0):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=False)


class FashionCNN(nn.Module):
    def __init__(self, c1=32, c2=64):
        super().__init__()
        self.quant = QuantStub()
        self.conv1 = conv(1, c1, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = conv(c1, c1, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c1)
        self.relu2 = nn.ReLU()
        self.conv3 = conv(c1, c1, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(c1)
        self.add1 = torch.ao.nn.quantized.FloatFunctional()
        self.conv4 = conv(c1, c2, 3, stride=2, padding=1)
        self.bn4 = nn.BatchNorm2d(c2)
        self.relu4 = nn.ReLU()
        self.conv5 = conv(c2, c2, 3, padding=1)
        self.bn5 = nn.BatchNorm2d(c2)
        self.down = conv(c1, c2, 1, stride=2)
        self.down_bn = nn.BatchNorm2d(c2)
        self.add2 = torch.ao.nn.quantized.FloatFunctional()
        self.pool2 = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c2, 10)
        self.dequant = DeQuantStub()

    # The fusion groups of eager quantization (FashionCNN::fusion_groups() in C++).
    FUSION_GROUPS = [["conv1", "bn1", "relu1"], ["conv2", "bn2", "relu2"], ["conv3", "bn3"],
                     ["conv4", "bn4", "relu4"], ["conv5", "bn5"], ["down", "down_bn"]]

    def forward(self, x):
        x = self.quant(x)
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        y = self.relu2(self.bn2(self.conv2(x)))
        x = self.add1.add_relu(self.bn3(self.conv3(y)), x)
        y = self.relu4(self.bn4(self.conv4(x)))
        x = self.add2.add_relu(self.bn5(self.conv5(y)), self.down_bn(self.down(x)))
        x = self.fc(self.flatten(self.pool2(x)))
        return self.dequant(x)


class FashionLSTM(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.lstm = nn.LSTM(28, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        # x: [N, 28, 28] or [N, 1, 28, 28] (the CNN's input): rows as a sequence.
        if x.dim() == 4:
            x = x.squeeze(1)
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


# --- training -------------------------------------------------------------------------------------

def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def train(name, model, x, y, epochs, lr, batch, gen, clip=None):
    steps = epochs * ((len(x) + batch - 1) // batch)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f"{name} epoch {epoch + 1}/{epochs}: loss {total / len(x):.4f} ({time.time() - start:.0f} s)",
              flush=True)


def state_dict_f32(model):
    # num_batches_tracked stays int64 (Octet's BatchNorm buffer is int64 too); the rest is float32.
    return {k: (v if v.dtype == torch.int64 else v.float()).contiguous() for k, v in model.state_dict().items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder of the Fashion-MNIST .gz files")
    parser.add_argument("--cnn-epochs", type=int, default=3)
    parser.add_argument("--lstm-epochs", type=int, default=2)
    parser.add_argument("--c1", type=int, default=32, help="CNN channels at 28x28 and 14x14")
    parser.add_argument("--c2", type=int, default=64, help="CNN channels at 7x7")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM hidden size")
    parser.add_argument("--models-out", default=os.path.join(ROOT, "data", "models"))
    parser.add_argument("--golden-out", default=os.path.join(ROOT, "tests", "data", "golden"))
    parser.add_argument("--golden-only", action="store_true",
                        help="no training: rewrite the golden file from the weights in --models-out")
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    train_u8, train_y = load_split(args.data, True)
    test_u8, test_y = load_split(args.data, False)
    x_train, x_test = normalize(train_u8), normalize(test_u8)
    y_train, y_test = torch.from_numpy(train_y), torch.from_numpy(test_y)

    start = time.time()
    cnn_path = os.path.join(args.models_out, "fashion_cnn.safetensors")
    lstm_path = os.path.join(args.models_out, "fashion_lstm.safetensors")
    if args.golden_only:
        # The committed weights, read back exactly (c1/c2/hidden from their metadata).
        with safe_open(cnn_path, "pt") as f:
            meta = f.metadata()
        cnn = FashionCNN(int(meta["c1"]), int(meta["c2"]))
        cnn.load_state_dict(load_file(cnn_path))
        with safe_open(lstm_path, "pt") as f:
            meta = f.metadata()
        lstm = FashionLSTM(int(meta["hidden"]))
        lstm.load_state_dict(load_file(lstm_path))
        write_golden(cnn, lstm, test_u8, x_test, args.golden_out)
        return

    cnn = FashionCNN(args.c1, args.c2)
    train("cnn", cnn, x_train, y_train, args.cnn_epochs, lr=3e-3, batch=128, gen=gen)
    cnn_acc = evaluate(cnn, x_test, y_test)
    print(f"cnn float test accuracy: {100 * cnn_acc:.2f}%", flush=True)

    lstm = FashionLSTM(args.hidden)
    train("lstm", lstm, x_train, y_train, args.lstm_epochs, lr=3e-3, batch=128, gen=gen, clip=1.0)
    lstm_acc = evaluate(lstm, x_test, y_test)
    print(f"lstm float test accuracy: {100 * lstm_acc:.2f}%", flush=True)

    os.makedirs(args.models_out, exist_ok=True)
    save_file(state_dict_f32(cnn), cnn_path,
              metadata={"model": "fashion_cnn", "c1": str(args.c1), "c2": str(args.c2), "test_accuracy": f"{cnn_acc:.4f}",
                        "state_dict_keys": json.dumps(list(cnn.state_dict().keys()))})
    save_file(state_dict_f32(lstm), lstm_path,
              metadata={"model": "fashion_lstm", "hidden": str(args.hidden), "test_accuracy": f"{lstm_acc:.4f}",
                        "state_dict_keys": json.dumps(list(lstm.state_dict().keys()))})
    write_golden(cnn, lstm, test_u8, x_test, args.golden_out)
    print(f"wrote {args.models_out} and {args.golden_out} ({time.time() - start:.0f} s in all)")


def write_golden(cnn, lstm, test_u8, x_test, golden_out):
    """The first GOLDEN_IMAGES test images, their normalized input and both models' float logits."""
    images = torch.from_numpy(np.array(test_u8[:GOLDEN_IMAGES]))
    x = x_test[:GOLDEN_IMAGES].clone()
    cnn.eval()
    lstm.eval()
    with torch.no_grad():
        tensors = {"cnn/in0": images, "cnn/in1": x, "cnn/out0": cnn(x).contiguous(),
                   "lstm/in0": images.clone(),
                   "lstm/out0": lstm(x).contiguous()}
    cases = [{"name": "cnn", "op": "fashion_cnn", "args": {"c1": cnn.conv1.out_channels, "c2": cnn.conv5.out_channels}},
             {"name": "lstm", "op": "fashion_lstm", "args": {"hidden": lstm.lstm.hidden_size}}]
    os.makedirs(golden_out, exist_ok=True)
    save_file(tensors, os.path.join(golden_out, "fashion_models.safetensors"), metadata={"cases": json.dumps(cases)})

if __name__ == "__main__":
    main()
