#!/usr/bin/env python3
"""export_onnx_models.py: exports real architectures to ONNX with torch.onnx.export and records ONNX Runtime's outputs.

Two sets:

  --small (default): small variants with the operator mix of each architecture, committed under
      tests/data/onnx/ for tests/onnx/real_models_test.cpp (Octet vs ONNX Runtime, relative error
      <= 1e-4). Each model NAME gets NAME.onnx and NAME.npz holding its inputs ("in/<input>") and
      ONNX Runtime's outputs ("out/<output>") on fixed, seeded inputs.
        resnet_small        torchvision BasicBlock ResNet, channels 8-64, layers [1, 1, 1, 1]
        mobilenet_v2_small  torchvision mobilenet_v2(width_mult=0.25, num_classes=10)
        efficientnet_small  torchvision EfficientNet-B0 blocks at width 0.25, depth 0.25 (SiLU,
                            squeeze-excitation, stochastic depth off at eval)
        bert_tiny           transformers BertModel, 2 layers, hidden 64, 2 heads (opset 17:
                            LayerNormalization; GELU as Erf)
        bert_tiny_opset13   the same at opset 13 (LayerNorm written out: ReduceMean/Sub/Pow/Sqrt/Div)
        rnn_small           LSTM (2 layers, bidirectional) then GRU, batch_first
        resize_pad_small    Conv, Resize (nearest x2, bilinear, bicubic), Pad (reflect, replicate,
                            constant)
      Every model has a symbolic batch dim ("batch"; BERT also "sequence").
  --full: resnet18, mobilenet_v2, efficientnet_b0 (torchvision, random weights) and a BERT-base
      encoder (12 layers, hidden 768, random weights) for bench/peers/onnx_vs_ort.py, written to
      --out (default build/models; too big to commit).

Weights are random (seeded) everywhere: no download is needed. Every export uses the TorchScript
exporter (dynamo=False) at an opset Octet imports (11-17). Rerunning gives the same models and numbers.

Needs: pip install torch torchvision transformers onnx onnxruntime.

    python3 scripts/models/export_onnx_models.py            # tests/data/onnx/
    python3 scripts/models/export_onnx_models.py --full --out build/models
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def seeded(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


# --- small variants ----------------------------------------------------------------------------------


class SmallResNet(torchvision.models.ResNet):
    """torchvision's ResNet with BasicBlocks and 8/16/32/64 channels instead of 64..512."""

    def __init__(self, num_classes=10):
        super().__init__(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1], num_classes=num_classes)
        block = torchvision.models.resnet.BasicBlock
        self.inplanes = 8
        self.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = self._make_layer(block, 8, 1)
        self.layer2 = self._make_layer(block, 16, 1, stride=2)
        self.layer3 = self._make_layer(block, 32, 1, stride=2)
        self.layer4 = self._make_layer(block, 64, 1, stride=2)
        self.fc = nn.Linear(64, num_classes)


def small_efficientnet():
    from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

    settings, last_channel = _efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
    return EfficientNet(settings, dropout=0.2, last_channel=last_channel, num_classes=10)


class RnnStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(12, 16, num_layers=2, bidirectional=True, batch_first=True)
        self.gru = nn.GRU(32, 8, batch_first=True)

    def forward(self, x):
        y, _ = self.lstm(x)
        z, h = self.gru(y)
        return z, h


class ResizePad(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3)

    def forward(self, x):
        y = self.conv1(x)
        a = F.interpolate(y, scale_factor=2, mode="nearest")
        b = F.interpolate(y, size=(13, 11), mode="bilinear", align_corners=False)
        c = F.interpolate(y, scale_factor=1.5, mode="bicubic", align_corners=True)
        a = F.pad(a, (1, 2, 2, 1), mode="reflect")
        b = F.pad(b, (2, 2, 1, 1), mode="replicate")
        c = F.pad(c, (1, 0, 0, 1), mode="constant", value=0.5)
        return self.conv2(a), self.conv2(b), c


def bert(hidden, layers, heads, intermediate, vocab, max_pos):
    from transformers import BertConfig, BertModel

    cfg = BertConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=max_pos,
        hidden_act="gelu",
        attn_implementation="eager",
    )
    return BertModel(cfg, add_pooling_layer=True).eval()


class BertWrapper(nn.Module):
    """Returns plain tensors (last hidden state, pooled output) so the exporter sees no dict."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)
        return out[0], out[1]


# --- export and ONNX Runtime --------------------------------------------------------------------------


def export(model, args, path, input_names, output_names, dynamic_axes, opset):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(
            model,
            args,
            path,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    onnx.checker.check_model(onnx.load(path))


def ort_outputs(path, feeds, threads=1):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def write_case(out_dir, name, model, feeds, output_names, dynamic_axes, opset):
    path = os.path.join(out_dir, name + ".onnx")
    args = tuple(torch.from_numpy(v) for v in feeds.values())
    export(model, args, path, list(feeds.keys()), output_names, dynamic_axes, opset)
    outs = ort_outputs(path, feeds)
    arrays = {f"in/{k}": v for k, v in feeds.items()}
    arrays.update({f"out/{k}": v for k, v in outs.items()})
    np.savez(os.path.join(out_dir, name + ".npz"), **arrays)
    size = os.path.getsize(path) + os.path.getsize(os.path.join(out_dir, name + ".npz"))
    print(f"{name}: opset {opset}, {size / 1e6:.2f} MB, outputs {[(k, v.shape) for k, v in outs.items()]}")


def image_feeds(batch, size, seed):
    rng = np.random.default_rng(seed)
    return {"input": rng.standard_normal((batch, 3, size, size)).astype(np.float32)}


def bert_feeds(batch, seq, vocab, seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab, size=(batch, seq)).astype(np.int64)
    mask = np.ones((batch, seq), dtype=np.int64)
    mask[1:, seq - seq // 4 :] = 0  # padding at the end of all but the first sequence
    return {"input_ids": ids, "attention_mask": mask}


IMAGE_AXES = {"input": {0: "batch"}, "output": {0: "batch"}}
BERT_AXES = {
    "input_ids": {0: "batch", 1: "sequence"},
    "attention_mask": {0: "batch", 1: "sequence"},
    "last_hidden_state": {0: "batch", 1: "sequence"},
    "pooler_output": {0: "batch"},
}


def randomize_batch_norm(model):
    """Random BN statistics, so folding BatchNorm is exercised with non-trivial numbers."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    return model


def small_models(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    seeded(0)
    write_case(out_dir, "resnet_small", randomize_batch_norm(SmallResNet()), image_feeds(2, 64, 1), ["output"],
               IMAGE_AXES, 17)
    seeded(1)
    write_case(out_dir, "mobilenet_v2_small",
               randomize_batch_norm(torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)),
               image_feeds(2, 64, 2), ["output"], IMAGE_AXES, 17)
    seeded(2)
    write_case(out_dir, "efficientnet_small", randomize_batch_norm(small_efficientnet()), image_feeds(2, 64, 3),
               ["output"], IMAGE_AXES, 17)
    seeded(3)
    tiny = BertWrapper(bert(64, 2, 2, 128, 1000, 64))
    write_case(out_dir, "bert_tiny", tiny, bert_feeds(2, 16, 1000, 4), ["last_hidden_state", "pooler_output"],
               BERT_AXES, 17)
    write_case(out_dir, "bert_tiny_opset13", tiny, bert_feeds(2, 16, 1000, 5),
               ["last_hidden_state", "pooler_output"], BERT_AXES, 13)
    seeded(4)
    rng = np.random.default_rng(6)
    write_case(out_dir, "rnn_small", RnnStack(), {"input": rng.standard_normal((3, 7, 12)).astype(np.float32)},
               ["output", "h_n"], {"input": {0: "batch"}, "output": {0: "batch"}, "h_n": {1: "batch"}}, 14)
    seeded(5)
    rng = np.random.default_rng(7)
    write_case(out_dir, "resize_pad_small", ResizePad(),
               {"input": rng.standard_normal((2, 3, 8, 6)).astype(np.float32)}, ["a", "b", "c"],
               {"input": {0: "batch"}, "a": {0: "batch"}, "b": {0: "batch"}, "c": {0: "batch"}}, 13)


def full_models(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for i, name in enumerate(["resnet18", "mobilenet_v2", "efficientnet_b0"]):
        seeded(10 + i)
        model = getattr(torchvision.models, name)(weights=None)
        write_case(out_dir, name, model, image_feeds(1, 224, 20 + i), ["output"], IMAGE_AXES, 17)
    seeded(13)
    base = BertWrapper(bert(768, 12, 12, 3072, 30522, 512))
    write_case(out_dir, "bert_base", base, bert_feeds(1, 128, 30522, 23), ["last_hidden_state", "pooler_output"],
               BERT_AXES, 17)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--full", action="store_true", help="the full-size models for the benchmark")
    p.add_argument("--out", help="output folder (default tests/data/onnx, or build/models with --full)")
    a = p.parse_args()
    if a.full:
        full_models(a.out or os.path.join(ROOT, "build", "models"))
    else:
        small_models(a.out or os.path.join(ROOT, "tests", "data", "onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
