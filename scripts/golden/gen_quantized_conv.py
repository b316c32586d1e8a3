#!/usr/bin/env python3
"""gen_quantized_conv.py: PyTorch golden outputs for torch.ops.quantized.conv1d/2d/3d, conv2d_relu and conv_transpose2d.

Writes tests/data/golden/quantized_conv.safetensors in the format tests/common/golden.h reads:
tensors "<case>/in0", ... "<case>/out0" and metadata {"cases": json list of {"name", "op", "args"}}.
Seeded: rerunning writes the same file (for the same PyTorch version and CPU).

Each case runs on one of PyTorch's quantized engines (args.engine): "x86" (fbgemm / onednn: the
bias stays float and the output is requantized with a float multiplier) and "qnnpack" (int32
bias with scale input_scale * weight_scale, float32 requantization, like Octet's contract).
tests/ops/quantized/conv_golden_test.cpp reports how many elements agree exactly.

Per case, the tensors are:
  in0 input int_repr (uint8, NCHW), in1 weight int_repr (int8, PyTorch's layout),
  in2 weight scales (float64: one value per-tensor, else one per channel along args.axis),
  in3 weight zero points (int64, likewise), in4 bias (float32, when args.bias);
  out0 the output int_repr (uint8, logical NCHW order); out1 PyTorch's own float recipe for the
  same case (quantize(F.<op>(dequantize(x), dequantize(w), bias))), and args.pytorch_vs_own_recipe_max_diff
  the largest |out0 - out1|. PyTorch 2.x's x86 engine (oneDNN) gets conv_transpose2d wrong on this
  machine by up to ~200 steps when output_padding is 0 (qnnpack and fbgemm agree with the recipe
  there); the test then compares with out1 and reports the distance to out0.
  args: x_scale, x_zero_point, out_scale, out_zero_point, per_channel, axis, bias, stride,
  padding, dilation, groups, output_padding (transposed), engine.

Activations are drawn over the full quint8 range on purpose: a kernel that saturates int16 sums
(vpmaddubsw) would show up as differences larger than one step.

    python3 scripts/golden/gen_quantized_conv.py
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "quantized_conv.safetensors")


class Golden:
    def __init__(self):
        self.tensors = {}
        self.cases = []

    def add(self, name, op, args, ins, outs):
        assert all(c["name"] != name for c in self.cases), name
        for i, t in enumerate(ins):
            if t is not None:
                self.tensors[f"{name}/in{i}"] = t.detach().contiguous().clone()
        for i, t in enumerate(outs):
            self.tensors[f"{name}/out{i}"] = t.detach().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self):
        save_file(self.tensors, OUT, metadata={"cases": json.dumps(self.cases)})
        print(f"{OUT}: {len(self.cases)} cases, {os.path.getsize(OUT)} bytes (torch {torch.__version__})")


def f32(v):
    return float(torch.tensor(v, dtype=torch.float32))


def make_weight(shape, per_channel, axis, zp_kind):
    """A qint8 weight from N(0, 1) floats: per-tensor or per-channel along axis, zero points as asked."""
    w = torch.randn(*shape)
    if per_channel:
        dims = [d for d in range(w.dim()) if d != axis]
        scales = (w.abs().amax(dim=dims) / 127.0).clamp(min=1e-3).float().double()
        n = shape[axis]
        zps = torch.zeros(n, dtype=torch.int64) if zp_kind == "zero" else torch.randint(-20, 21, (n,), dtype=torch.int64)
        return torch.quantize_per_channel(w, scales, zps, axis, torch.qint8), scales, zps
    scale = f32(w.abs().max().item() / 127.0)
    zp = 0 if zp_kind == "zero" else 3
    wq = torch.quantize_per_tensor(w, scale, zp, torch.qint8)
    return wq, torch.tensor([scale], dtype=torch.float64), torch.tensor([zp], dtype=torch.int64)


PREPACK = {
    "conv1d": torch.ops.quantized.conv1d_prepack,
    "conv2d": torch.ops.quantized.conv2d_prepack,
    "conv2d_relu": torch.ops.quantized.conv2d_prepack,
    "conv3d": torch.ops.quantized.conv3d_prepack,
}
RUN = {
    "conv1d": torch.ops.quantized.conv1d,
    "conv2d": torch.ops.quantized.conv2d,
    "conv2d_relu": torch.ops.quantized.conv2d_relu,
    "conv3d": torch.ops.quantized.conv3d,
}
FLOAT = {"conv1d": F.conv1d, "conv2d": F.conv2d, "conv2d_relu": F.conv2d, "conv3d": F.conv3d}


def gen(g, engine, cases):
    torch.backends.quantized.engine = engine
    for name, op, xshape, wshape, stride, padding, dilation, groups, out_pad, per_channel, zp_kind, bias in cases:
        transposed = op.startswith("conv_transpose")
        axis = 1 if transposed else 0
        x = torch.randn(*xshape) * 1.5 + 0.5
        x_scale = f32((x.max() - x.min()).item() / 255.0)
        x_zp = int(min(255, max(0, round(-x.min().item() / x_scale))))
        xq = torch.quantize_per_tensor(x, x_scale, x_zp, torch.quint8)
        wq, scales, zps = make_weight(wshape, per_channel, axis, zp_kind)
        cout = wshape[1] * groups if transposed else wshape[0]
        b = torch.randn(cout) if bias else None
        if transposed:
            ref = F.conv_transpose2d(xq.dequantize(), wq.dequantize(), b, stride, padding, out_pad, groups, dilation)
            packed = torch.ops.quantized.conv_transpose2d_prepack(wq, b, stride, padding, out_pad, dilation, groups)
        else:
            ref = FLOAT[op](xq.dequantize(), wq.dequantize(), b, stride, padding, dilation, groups)
            packed = PREPACK[op](wq, b, stride, padding, dilation, groups)
        if op.endswith("relu"):
            ref = ref.relu()
        # Output qparams that cover the float result with a few saturating outliers.
        lo, hi = min(ref.min().item(), 0.0), max(ref.max().item(), 0.0)
        out_scale = f32((hi - lo) / 240.0)
        out_zp = int(min(255, max(0, round(-lo / out_scale))))
        if transposed:
            y = torch.ops.quantized.conv_transpose2d(xq, packed, out_scale, out_zp)
        else:
            y = RUN[op](xq, packed, out_scale, out_zp)
        # PyTorch's own float recipe (dequantize -> float op -> quantize), to check the op against.
        recipe = torch.quantize_per_tensor(ref, out_scale, out_zp, torch.quint8).int_repr()
        self_diff = int((y.int_repr().int() - recipe.int()).abs().max().item())
        args = {"x_scale": x_scale, "x_zero_point": x_zp, "out_scale": out_scale, "out_zero_point": out_zp,
                "per_channel": per_channel, "axis": axis, "bias": bias, "stride": list(stride),
                "padding": list(padding), "dilation": list(dilation), "groups": groups,
                "output_padding": list(out_pad), "engine": engine, "pytorch_vs_own_recipe_max_diff": self_diff}
        if self_diff > 1:
            print(f"note: {engine} {name}: torch.ops.quantized.{op} is up to {self_diff} steps from PyTorch's own "
                  "dequantize -> float -> quantize result")
        g.add(f"{engine}_{name}", op, args, [xq.int_repr(), wq.int_repr(), scales, zps, b],
              [y.int_repr().contiguous(), recipe.contiguous()])


def main():
    torch.manual_seed(20261130)
    g = Golden()
    # (name, op, input shape, weight shape, stride, padding, dilation, groups, output_padding,
    #  per_channel, weight zero points, bias)
    x86 = [
        ("conv2d_3x3", "conv2d", (2, 16, 14, 13), (32, 16, 3, 3), (1, 1), (1, 1), (1, 1), 1, (0, 0), True, "zero", True),
        ("conv2d_s2_k27", "conv2d", (1, 3, 17, 17), (8, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1, (0, 0), True, "zero", True),
        ("conv2d_relu", "conv2d_relu", (1, 8, 12, 12), (16, 8, 3, 3), (1, 1), (1, 1), (1, 1), 1, (0, 0), False, "zero", True),
        ("conv2d_depthwise", "conv2d", (2, 32, 12, 11), (32, 1, 3, 3), (1, 1), (1, 1), (1, 1), 32, (0, 0), True, "zero", True),
        ("conv2d_depthwise_s2", "conv2d", (1, 24, 15, 15), (24, 1, 3, 3), (2, 2), (1, 1), (1, 1), 24, (0, 0), True, "zero", True),
        ("conv2d_1x1", "conv2d", (1, 64, 9, 9), (40, 64, 1, 1), (1, 1), (0, 0), (1, 1), 1, (0, 0), True, "zero", True),
        ("conv2d_groups", "conv2d", (1, 16, 10, 10), (24, 4, 3, 3), (1, 1), (2, 2), (2, 2), 4, (0, 0), True, "zero", False),
        ("conv2d_pt_zp", "conv2d", (1, 8, 9, 9), (12, 8, 3, 3), (1, 1), (1, 1), (1, 1), 1, (0, 0), False, "nonzero", True),
        ("conv1d", "conv1d", (2, 8, 31), (12, 8, 5), (2,), (2,), (1,), 1, (0,), True, "zero", True),
        ("conv3d", "conv3d", (1, 4, 6, 8, 8), (8, 4, 3, 3, 3), (1, 2, 2), (1, 1, 1), (1, 1, 1), 1, (0, 0, 0), True, "zero", True),
        ("conv_transpose2d", "conv_transpose2d", (1, 16, 6, 6), (16, 8, 4, 4), (2, 2), (1, 1), (1, 1), 1, (0, 0), False, "zero", True),
        ("conv_transpose2d_op", "conv_transpose2d", (1, 8, 5, 7), (8, 6, 3, 3), (2, 2), (1, 1), (1, 1), 1, (1, 1), False, "zero", True),
    ]
    fbgemm = [
        ("conv_transpose2d", "conv_transpose2d", (1, 16, 6, 6), (16, 8, 4, 4), (2, 2), (1, 1), (1, 1), 1, (0, 0), False, "zero", True),
    ]
    qnnpack = [
        ("conv2d_3x3", "conv2d", (1, 16, 10, 10), (24, 16, 3, 3), (1, 1), (1, 1), (1, 1), 1, (0, 0), False, "zero", True),
        ("conv2d_depthwise", "conv2d", (1, 32, 10, 10), (32, 1, 3, 3), (1, 1), (1, 1), (1, 1), 32, (0, 0), False, "zero", True),
        ("conv2d_1x1", "conv2d", (1, 32, 8, 8), (16, 32, 1, 1), (1, 1), (0, 0), (1, 1), 1, (0, 0), False, "zero", True),
        ("conv_transpose2d", "conv_transpose2d", (1, 8, 5, 5), (8, 6, 3, 3), (2, 2), (1, 1), (1, 1), 1, (1, 1), False, "zero", True),
    ]
    gen(g, "x86", x86)
    gen(g, "fbgemm", fbgemm)
    if "qnnpack" in torch.backends.quantized.supported_engines:
        gen(g, "qnnpack", qnnpack)
    g.save()


if __name__ == "__main__":
    main()
