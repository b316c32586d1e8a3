#!/usr/bin/env python3
"""gen_quantized_pool_norm.py: PyTorch golden outputs for quantized pooling, upsampling, norms, softmax and rowwise embedding bags.

Writes tests/data/golden/quantized_pool_norm.safetensors in the format tests/common/golden.h reads:
tensors "<case>/in0", ... "<case>/out0" and metadata {"cases": json list of {"name", "op", "args"}}.
Seeded: rerunning writes the same file (for the same PyTorch version and CPU). Engine: x86.

Activation cases store the input's stored integers in logical (N, C, *) order (in0, uint8 or int8)
with args.scale / args.zero_point and args.layout: "nchw" (contiguous) or "nhwc" (channels-last
memory, which sends PyTorch down its other kernels); out0 is PyTorch's output int_repr in logical
order, with args.out_scale / args.out_zero_point where the op takes them.
  max_pool2d, avg_pool2d, avg_pool3d, adaptive_avg_pool2d, adaptive_avg_pool3d: args as
      torch.nn.functional's (kernel, stride, padding, dilation, ceil_mode, count_include_pad,
      divisor_override, output_size).
  upsample_nearest2d, upsample_bilinear2d: args.size, args.align_corners.
  batch_norm2d / batch_norm3d: in1 weight, in2 bias, in3 mean, in4 var (float32); args.eps.
  layer_norm: in1 weight, in2 bias (of normalized_shape); args.normalized_shape, args.eps.
  group_norm: in1 weight, in2 bias; args.num_groups, args.eps.  instance_norm: in1, in2; args.eps.
  softmax: args.dim.
  embedding_bag_byte / embedding_bag_4bit: in0 float32 weight, in1 int64 indices, in2 int64
      offsets, in3 per_sample_weights (when args.weighted); out0 PyTorch's prepacked fused weight
      (uint8), out1 the bag output (float32, mode sum: PyTorch's rowwise ops ignore mode and always
      sum), out2 PyTorch's unpacked weight (embedding_bag_*_unpack). args.include_last_offset.
  embedding_byte: in0 float weight, in1 int64 indices (2-D); out0 fused weight, out1 the lookup
      (PyTorch's embedding_byte is the one-row-per-bag embedding bag, computed that way here).

    python3 scripts/golden/gen_quantized_pool_norm.py
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "quantized_pool_norm.safetensors")


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


def qinput(shape, dtype, scale, zp, narrow=False):
    """A quantized tensor of random stored integers (full range, or within 3 of the zero point)."""
    lo, hi = (0, 255) if dtype == torch.quint8 else (-128, 127)
    if narrow:
        lo, hi = max(lo, zp - 3), min(hi, zp + 3)
    ints = torch.randint(lo, hi + 1, shape, dtype=torch.int32)
    ints = ints.to(torch.uint8 if dtype == torch.quint8 else torch.int8)
    return torch._make_per_tensor_quantized_tensor(ints, scale, zp)


def laid_out(q, layout):
    if layout == "nchw":
        return q
    return q.contiguous(memory_format=torch.channels_last if q.dim() == 4 else torch.channels_last_3d)


def ir(q):
    return q.int_repr().contiguous()


def base_args(q, layout):
    return {"scale": q.q_scale(), "zero_point": q.q_zero_point(), "layout": layout,
            "dtype": "quint8" if q.dtype == torch.quint8 else "qint8"}


# --- pooling -------------------------------------------------------------------------------------------
def gen_pool(g):
    i = 0
    for dtype in (torch.quint8, torch.qint8):
        zps = [0, 1, 128, 255] if dtype == torch.quint8 else [-128, 0, 1, 127]
        for layout in ("nchw", "nhwc"):
            for (shape, k, s, p, d, ceil) in [((2, 3, 9, 11), 3, 2, 1, 1, False), ((1, 40, 12, 13), 2, 2, 0, 1, True),
                                              ((2, 5, 15, 17), 3, 1, 1, 2, False), ((1, 8, 56, 56), 3, 2, 1, 1, False)]:
                zp = zps[i % 4]
                i += 1
                q = laid_out(qinput(shape, dtype, 0.0625, zp), layout)
                y = F.max_pool2d(q, k, s, p, d, ceil_mode=ceil)
                a = base_args(q, layout) | {"kernel": [k], "stride": [s], "padding": [p], "dilation": [d], "ceil_mode": ceil}
                g.add(f"max_pool2d_{i}", "max_pool2d", a, [ir(q)], [ir(y)])
            for (shape, k, s, p, ceil, cip, div, narrow) in [
                    ((2, 3, 9, 11), 3, 2, 1, False, True, None, False), ((2, 3, 9, 11), 3, 2, 1, True, False, None, True),
                    ((1, 40, 12, 13), 2, 2, 0, False, True, None, True), ((2, 5, 15, 17), 4, 3, 2, True, True, None, True),
                    ((2, 6, 10, 10), 3, 1, 1, False, True, 5, False), ((1, 16, 28, 28), 2, 2, 0, False, True, None, True)]:
                zp = zps[i % 4]
                i += 1
                q = laid_out(qinput(shape, dtype, 0.05, zp, narrow), layout)
                y = F.avg_pool2d(q, k, s, p, ceil_mode=ceil, count_include_pad=cip, divisor_override=div)
                a = base_args(q, layout) | {"kernel": [k], "stride": [s], "padding": [p], "ceil_mode": ceil,
                                            "count_include_pad": cip, "divisor_override": div}
                g.add(f"avg_pool2d_{i}", "avg_pool2d", a, [ir(q)], [ir(y)])
            for (shape, k, s, p, ceil, cip) in [((2, 3, 5, 7, 9), [2, 3, 3], [2, 2, 2], [1, 1, 1], False, True),
                                                ((1, 20, 4, 6, 6), [2, 2, 2], [2, 2, 2], [0, 0, 0], True, False)]:
                zp = zps[i % 4]
                i += 1
                q = laid_out(qinput(shape, dtype, 0.05, zp, True), layout)
                y = F.avg_pool3d(q, k, s, p, ceil_mode=ceil, count_include_pad=cip)
                a = base_args(q, layout) | {"kernel": k, "stride": s, "padding": p, "ceil_mode": ceil,
                                            "count_include_pad": cip, "divisor_override": None}
                g.add(f"avg_pool3d_{i}", "avg_pool3d", a, [ir(q)], [ir(y)])
            for (shape, out) in [((2, 3, 7, 7), [1, 1]), ((2, 16, 14, 28), [7, 14]), ((2, 3, 10, 13), [3, 5]),
                                 ((1, 64, 7, 7), [1, 1])]:
                zp = zps[i % 4]
                i += 1
                q = laid_out(qinput(shape, dtype, 0.05, zp, True), layout)
                y = F.adaptive_avg_pool2d(q, out)
                g.add(f"adaptive_avg_pool2d_{i}", "adaptive_avg_pool2d", base_args(q, layout) | {"output_size": out},
                      [ir(q)], [ir(y)])
            zp = zps[i % 4]
            i += 1
            q = laid_out(qinput((2, 4, 6, 7, 8), dtype, 0.05, zp, True), layout)
            y = F.adaptive_avg_pool3d(q, [3, 2, 5])
            g.add(f"adaptive_avg_pool3d_{i}", "adaptive_avg_pool3d", base_args(q, layout) | {"output_size": [3, 2, 5]},
                  [ir(q)], [ir(y)])


# --- upsampling ----------------------------------------------------------------------------------------
def gen_upsample(g):
    i = 0
    for dtype in (torch.quint8, torch.qint8):
        zp = 100 if dtype == torch.quint8 else -5
        for layout in ("nchw", "nhwc"):
            for (shape, size) in [((2, 3, 5, 7), [10, 14]), ((1, 20, 6, 5), [13, 11]), ((2, 2, 9, 8), [4, 5])]:
                i += 1
                q = laid_out(qinput(shape, dtype, 0.1, zp), layout)
                y = F.interpolate(q, size=size, mode="nearest")
                g.add(f"upsample_nearest2d_{i}", "upsample_nearest2d", base_args(q, layout) | {"size": size},
                      [ir(q)], [ir(y)])
                for align in (False, True):
                    y = F.interpolate(q, size=size, mode="bilinear", align_corners=align)
                    g.add(f"upsample_bilinear2d_{i}_{int(align)}", "upsample_bilinear2d",
                          base_args(q, layout) | {"size": size, "align_corners": align}, [ir(q)], [ir(y)])


# --- norms and softmax -------------------------------------------------------------------------------------
def gen_norm(g):
    i = 0
    for dtype in (torch.quint8, torch.qint8):
        zp = 120 if dtype == torch.quint8 else 3
        ozp = 128 if dtype == torch.quint8 else 0
        for layout in ("nchw", "nhwc"):
            for shape in [(2, 6, 5, 7), (1, 40, 3, 3)]:
                i += 1
                C = shape[1]
                q = laid_out(qinput(shape, dtype, 0.04, zp), layout)
                w, b = torch.randn(C), torch.randn(C)
                mean, var = torch.randn(C) * 0.5, torch.rand(C) + 0.3
                y = torch.ops.quantized.batch_norm2d(q, w, b, mean, var, 1e-5, 0.03, ozp)
                g.add(f"batch_norm2d_{i}", "batch_norm2d", base_args(q, layout) | {"eps": 1e-5, "out_scale": 0.03,
                      "out_zero_point": ozp}, [ir(q), w, b, mean, var], [ir(y)])
            i += 1
            q = laid_out(qinput((2, 5, 3, 4, 6), dtype, 0.04, zp), layout)
            w, b, mean, var = torch.randn(5), torch.randn(5), torch.randn(5) * 0.5, torch.rand(5) + 0.3
            y = torch.ops.quantized.batch_norm3d(q, w, b, mean, var, 1e-5, 0.03, ozp)
            g.add(f"batch_norm3d_{i}", "batch_norm3d", base_args(q, layout) | {"eps": 1e-5, "out_scale": 0.03,
                  "out_zero_point": ozp}, [ir(q), w, b, mean, var], [ir(y)])
        for (shape, ns, affine) in [((4, 7, 33), [33], True), ((2, 3, 4, 64), [4, 64], True), ((8, 768), [768], True),
                                    ((5, 9, 10), [10], False)]:
            i += 1
            q = qinput(shape, dtype, 0.05, zp)
            w, b = (torch.randn(ns), torch.randn(ns)) if affine else (None, None)
            y = torch.ops.quantized.layer_norm(q, ns, w, b, 1e-5, 0.04, ozp)
            a = base_args(q, "nchw") | {"normalized_shape": ns, "eps": 1e-5, "out_scale": 0.04, "out_zero_point": ozp,
                                        "affine": affine}
            g.add(f"layer_norm_{i}", "layer_norm", a, [ir(q), w, b], [ir(y)])
        for (shape, groups) in [((2, 6, 5, 7), 3), ((2, 8, 33), 2), ((1, 32, 4, 4), 8)]:
            i += 1
            q = qinput(shape, dtype, 0.05, zp)
            C = shape[1]
            w, b = torch.randn(C), torch.randn(C)
            y = torch.ops.quantized.group_norm(q, groups, w, b, 1e-5, 0.04, ozp)
            g.add(f"group_norm_{i}", "group_norm", base_args(q, "nchw") | {"num_groups": groups, "eps": 1e-5,
                  "out_scale": 0.04, "out_zero_point": ozp}, [ir(q), w, b], [ir(y)])
        for shape in [(2, 6, 5, 7), (3, 4, 50)]:
            i += 1
            q = qinput(shape, dtype, 0.05, zp)
            C = shape[1]
            w, b = torch.randn(C), torch.randn(C)
            y = torch.ops.quantized.instance_norm(q, w, b, 1e-5, 0.04, ozp)
            g.add(f"instance_norm_{i}", "instance_norm", base_args(q, "nchw") | {"eps": 1e-5, "out_scale": 0.04,
                  "out_zero_point": ozp}, [ir(q), w, b], [ir(y)])
        for (shape, dim) in [((4, 10), 1), ((2, 3, 17), -1), ((2, 5, 4, 3), 1), ((3, 300), 1)]:
            i += 1
            q = qinput(shape, dtype, 0.08, zp)
            out_scale, out_zp = 1.0 / 256.0, 0 if dtype == torch.quint8 else -128
            y = torch.ops.quantized.softmax(q, dim, out_scale, out_zp)
            g.add(f"softmax_{i}", "softmax", base_args(q, "nchw") | {"dim": dim, "out_scale": out_scale,
                  "out_zero_point": out_zp}, [ir(q)], [ir(y)])


# --- embeddings ------------------------------------------------------------------------------------------
def gen_embedding(g):
    i = 0
    for bits in (8, 4):
        prepack = torch.ops.quantized.embedding_bag_byte_prepack if bits == 8 else torch.ops.quantized.embedding_bag_4bit_prepack
        unpack = torch.ops.quantized.embedding_bag_byte_unpack if bits == 8 else torch.ops.quantized.embedding_bag_4bit_unpack
        bag = (torch.ops.quantized.embedding_bag_byte_rowwise_offsets if bits == 8
               else torch.ops.quantized.embedding_bag_4bit_rowwise_offsets)
        for (rows, dim, weighted, last) in [(50, 16, False, False), (100, 64, True, False), (30, 40, False, True),
                                            (200, 128, True, True), (20, 2, False, False)]:
            i += 1
            w = torch.randn(rows, dim) * (3.0 if i % 2 else 0.1)
            w[0] = 0.25  # a constant row: zero range
            packed = prepack(w)
            n = 3 * 7 + 2
            idx = torch.randint(0, rows, (n,), dtype=torch.int64)
            idx[5] = 0
            offsets = torch.tensor([0, 3, 3, 10, 11, 20], dtype=torch.int64)
            if last:
                offsets = torch.cat([offsets, torch.tensor([n])])
            psw = torch.randn(n) if weighted else None
            y = bag(packed, idx, offsets, False, 0, False, psw, None, last)
            g.add(f"embedding_bag_{bits}bit_{i}", "embedding_bag_byte" if bits == 8 else "embedding_bag_4bit",
                  {"weighted": weighted, "include_last_offset": last}, [w, idx, offsets, psw],
                  [packed, y, unpack(packed)])
    i += 1
    w = torch.randn(40, 24)
    packed = torch.ops.quantized.embedding_bag_byte_prepack(w)
    idx = torch.randint(0, 40, (3, 5), dtype=torch.int64)
    flat = idx.reshape(-1)
    y = torch.ops.quantized.embedding_bag_byte_rowwise_offsets(packed, flat, torch.arange(flat.numel()), False, 0, False,
                                                               None, None, False).reshape(3, 5, 24)
    g.add(f"embedding_byte_{i}", "embedding_byte", {}, [w, idx], [packed, y])


def main():
    torch.manual_seed(20240614)
    torch.backends.quantized.engine = "x86"
    g = Golden()
    gen_pool(g)
    gen_upsample(g)
    gen_norm(g)
    gen_embedding(g)
    g.save()


if __name__ == "__main__":
    main()
