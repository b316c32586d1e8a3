#!/usr/bin/env python3
"""gen_linear_conv.py: PyTorch golden outputs for linear, matmul, bmm, conv1d/2d/3d and conv_transpose1d/2d/3d.

Writes tests/data/golden/linear_conv.safetensors in the format tests/common/golden.h reads: tensors
"<case>/in0", "<case>/in1", ..., "<case>/out0" and metadata {"cases": json list of {"name", "op",
"args"}}. Seeded: rerunning writes the same file.

Inputs are float32. The expected outputs are PyTorch's answer computed in float64 on those same
float32 values, then rounded to float32, so the tests measure Octet's own rounding (float32 sums
blocked over K) rather than the difference between two float32 summation orders.

Per op, the tensors are:
  linear: in0 input, in1 weight, in2 bias (when args.bias); out0.
  matmul, bmm: in0 input, in1 other; out0.
  conv1d/2d/3d: in0 input, in1 weight, in2 bias (when args.bias); out0. args: stride, padding (a list or
      "same"/"valid"), dilation, groups.
  conv_transpose1d/2d/3d: as conv, plus args.output_padding.

    python3 scripts/golden/gen_linear_conv.py
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "linear_conv.safetensors")


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
            self.tensors[f"{name}/out{i}"] = t.detach().float().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self):
        save_file(self.tensors, OUT, metadata={"cases": json.dumps(self.cases)})
        print(f"{OUT}: {len(self.cases)} cases, {os.path.getsize(OUT)} bytes")


def d(t):
    return None if t is None else t.double()


def gen_linear(g):
    # (name, input shape, out_features, bias): batch 1 and 3 take the GEMV path (<= 4 rows); K = 800
    # crosses the K block (384); the wide case takes the transposed orientation (N >> M).
    for name, xs, n, bias in [
        ("linear_b1", (1, 37), 19, True),
        ("linear_b3_nobias", (3, 70), 29, False),
        ("linear_b4", (4, 33), 18, True),
        ("linear_3d", (2, 5, 33), 47, True),
        ("linear_k800", (20, 800), 40, True),
        ("linear_wide", (16, 100), 300, True),
        ("linear_tall", (150, 24), 9, True),
        ("linear_1d_input", (37,), 5, True),
    ]:
        x = torch.randn(*xs)
        w = torch.randn(n, xs[-1])
        b = torch.randn(n) if bias else None
        g.add(name, "linear", {"bias": bias}, [x, w, b], [F.linear(d(x), d(w), d(b))])


def gen_matmul(g):
    for name, a_shape, b_shape in [
        ("matmul_dot", (17,), (17,)),
        ("matmul_mv", (5, 17), (17,)),
        ("matmul_mv_tall", (70, 33), (33,)),
        ("matmul_mm_one_column", (20, 9), (9, 1)),
        ("matmul_vm", (17,), (17, 6)),
        ("matmul_mm", (33, 65), (65, 19)),
        ("matmul_mm_small_m", (3, 40), (40, 50)),
        ("matmul_3d_2d", (2, 7, 9), (9, 11)),
        ("matmul_1d_3d", (9,), (2, 9, 4)),
        ("matmul_3d_1d", (2, 4, 9), (9,)),
        ("matmul_broadcast", (2, 1, 7, 9), (3, 9, 5)),
        ("matmul_broadcast_2d_3d", (7, 9), (3, 9, 5)),
    ]:
        a, b = torch.randn(*a_shape), torch.randn(*b_shape)
        g.add(name, "matmul", {}, [a, b], [torch.matmul(d(a), d(b))])
    for name, a_shape, b_shape in [("bmm", (3, 5, 7), (3, 7, 4)), ("bmm_k50", (4, 20, 50), (4, 50, 30))]:
        a, b = torch.randn(*a_shape), torch.randn(*b_shape)
        g.add(name, "bmm", {}, [a, b], [torch.bmm(d(a), d(b))])


CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def add_conv(g, name, dims, x_shape, w_shape, stride=1, padding=0, dilation=1, groups=1, bias=True):
    x, w = torch.randn(*x_shape), torch.randn(*w_shape)
    b = torch.randn(w_shape[0]) if bias else None
    out = CONV[dims](d(x), d(w), d(b), stride=stride, padding=padding, dilation=dilation, groups=groups)
    listify = lambda v: v if isinstance(v, str) else ([v] * dims if isinstance(v, int) else list(v))
    args = {"stride": listify(stride), "padding": listify(padding), "dilation": listify(dilation), "groups": groups,
            "bias": bias}
    g.add(name, f"conv{dims}d", args, [x, w, b], [out])


def add_conv_t(g, name, dims, x_shape, w_shape, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
               bias=True):
    x, w = torch.randn(*x_shape), torch.randn(*w_shape)
    b = torch.randn(w_shape[1] * groups) if bias else None
    out = CONV_T[dims](d(x), d(w), d(b), stride=stride, padding=padding, output_padding=output_padding,
                       groups=groups, dilation=dilation)
    listify = lambda v: [v] * dims if isinstance(v, int) else list(v)
    args = {"stride": listify(stride), "padding": listify(padding), "output_padding": listify(output_padding),
            "dilation": listify(dilation), "groups": groups, "bias": bias}
    g.add(name, f"conv_transpose{dims}d", args, [x, w, b], [out])


def gen_conv(g):
    # conv1d
    add_conv(g, "conv1d_basic", 1, (2, 4, 20), (6, 4, 3), padding=1)
    add_conv(g, "conv1d_stride_dilation", 1, (1, 3, 31), (5, 3, 4), stride=2, padding=2, dilation=2)
    add_conv(g, "conv1d_groups", 1, (2, 6, 15), (9, 2, 3), groups=3, bias=False)
    add_conv(g, "conv1d_same_even_kernel", 1, (2, 3, 12), (4, 3, 4), padding="same")
    add_conv(g, "conv1d_valid", 1, (1, 3, 12), (4, 3, 5), padding="valid")
    add_conv(g, "conv1d_unbatched", 1, (4, 20), (6, 4, 3), padding=1)
    add_conv(g, "conv1d_depthwise_mult2", 1, (2, 5, 17), (10, 1, 5), padding=2, groups=5)
    # conv2d: ResNet-like (3x3 pad 1, 7x7 stride 2, 1x1, 1x1 stride 2), odd sizes everywhere
    add_conv(g, "conv2d_3x3", 2, (2, 3, 11, 13), (5, 3, 3, 3), padding=1)
    add_conv(g, "conv2d_3x3_stride2", 2, (1, 4, 15, 14), (6, 4, 3, 3), stride=2, padding=1)
    add_conv(g, "conv2d_7x7_stride2", 2, (1, 3, 33, 35), (8, 3, 7, 7), stride=2, padding=3)
    add_conv(g, "conv2d_1x1", 2, (2, 16, 9, 10), (24, 16, 1, 1))
    add_conv(g, "conv2d_1x1_stride2", 2, (1, 8, 13, 13), (12, 8, 1, 1), stride=2, bias=False)
    add_conv(g, "conv2d_dilation", 2, (1, 3, 17, 19), (4, 3, 3, 3), padding=(2, 3), dilation=(2, 3))
    add_conv(g, "conv2d_asymmetric", 2, (2, 3, 10, 11), (4, 3, 3, 2), stride=(1, 2), padding=(0, 1))
    add_conv(g, "conv2d_stride3", 2, (1, 2, 16, 17), (3, 2, 4, 4), stride=3, padding=1)
    add_conv(g, "conv2d_groups", 2, (2, 8, 10, 10), (12, 2, 3, 3), padding=1, groups=4)
    add_conv(g, "conv2d_same_odd_total", 2, (1, 3, 9, 10), (4, 3, 4, 5), padding="same", dilation=(1, 2))
    add_conv(g, "conv2d_same_3x3", 2, (2, 5, 8, 7), (6, 5, 3, 3), padding="same")
    add_conv(g, "conv2d_valid", 2, (1, 3, 9, 9), (4, 3, 3, 3), padding="valid")
    add_conv(g, "conv2d_unbatched", 2, (3, 9, 9), (4, 3, 3, 3), padding=1)
    add_conv(g, "conv2d_k576_m70", 2, (1, 64, 9, 9), (70, 64, 3, 3), padding=1)
    add_conv(g, "conv2d_wide_rows", 2, (1, 5, 3, 70), (17, 5, 3, 3), padding=1)
    # depthwise (MobileNetV2: 3x3, stride 1 and 2, pad 1), with a multiplier, dilation, no bias
    add_conv(g, "conv2d_depthwise_3x3", 2, (2, 16, 20, 21), (16, 1, 3, 3), padding=1, groups=16)
    add_conv(g, "conv2d_depthwise_3x3_stride2", 2, (1, 12, 21, 20), (12, 1, 3, 3), stride=2, padding=1, groups=12)
    add_conv(g, "conv2d_depthwise_mult2_5x5", 2, (1, 4, 9, 9), (8, 1, 5, 5), padding=2, groups=4)
    add_conv(g, "conv2d_depthwise_dilation", 2, (1, 6, 12, 13), (6, 1, 3, 3), padding=2, dilation=2, groups=6,
             bias=False)
    add_conv(g, "conv2d_depthwise_wide", 2, (1, 3, 4, 70), (3, 1, 3, 3), padding=1, groups=3)
    add_conv(g, "conv2d_depthwise_valid_7x7", 2, (1, 5, 7, 7), (5, 1, 3, 3), groups=5)
    # conv3d
    add_conv(g, "conv3d_basic", 3, (1, 2, 5, 6, 7), (3, 2, 3, 3, 3), padding=1)
    add_conv(g, "conv3d_stride_dilation_groups", 3, (2, 4, 6, 7, 8), (6, 2, 2, 3, 3), stride=(1, 2, 2),
             dilation=(2, 1, 1), padding=(1, 1, 0), groups=2)
    add_conv(g, "conv3d_same", 3, (1, 3, 4, 5, 6), (2, 3, 2, 3, 4), padding="same")
    add_conv(g, "conv3d_depthwise", 3, (1, 4, 5, 5, 5), (4, 1, 3, 3, 3), padding=1, groups=4)
    add_conv(g, "conv3d_unbatched", 3, (2, 4, 4, 4), (3, 2, 2, 2, 2), bias=False)
    # transposed convolution
    add_conv_t(g, "conv_transpose1d_stride2", 1, (2, 4, 10), (4, 3, 3), stride=2, padding=1, output_padding=1)
    add_conv_t(g, "conv_transpose1d_groups_dilation", 1, (1, 6, 7), (6, 2, 3), groups=3, dilation=2, bias=False)
    add_conv_t(g, "conv_transpose2d_stride2", 2, (2, 4, 5, 6), (4, 3, 3, 3), stride=2, padding=1, output_padding=1)
    add_conv_t(g, "conv_transpose2d_groups", 2, (1, 6, 5, 5), (6, 2, 4, 4), stride=2, padding=1, groups=3)
    add_conv_t(g, "conv_transpose2d_dilation", 2, (1, 3, 6, 5), (3, 4, 3, 2), stride=(1, 2), padding=(1, 0),
               output_padding=(0, 1), dilation=2)
    add_conv_t(g, "conv_transpose2d_unbatched", 2, (3, 4, 4), (3, 2, 3, 3), stride=1, padding=1)
    add_conv_t(g, "conv_transpose2d_1x1", 2, (1, 5, 4, 3), (5, 7, 1, 1))
    add_conv_t(g, "conv_transpose3d", 3, (1, 2, 3, 4, 4), (2, 3, 3, 3, 3), stride=2, padding=1,
               output_padding=(1, 0, 1))


def main():
    torch.manual_seed(20261128)
    g = Golden()
    gen_linear(g)
    gen_matmul(g)
    gen_conv(g)
    g.save()


if __name__ == "__main__":
    main()
