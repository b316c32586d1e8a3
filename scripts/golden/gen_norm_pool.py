#!/usr/bin/env python3
"""gen_norm_pool.py: PyTorch golden outputs for normalisation, pooling, resizing/padding and embeddings.

Writes tests/data/golden/{norm,pooling,resize,embedding}.safetensors in the format
tests/common/golden.h reads: tensors "<case>/in0", "<case>/in1", ..., "<case>/out0", ... and metadata
{"cases": json list of {"name", "op", "args"}}. Seeded: rerunning writes the same files.

Per op, the tensors are:
  batch_norm / instance_norm: in0 input, in1 running_mean, in2 running_var (when args.running),
      in3 weight, in4 bias (when args.affine); out0 output, out1/out2 running_mean/var after the call.
  layer_norm / group_norm: in0 input, in1 weight, in2 bias (when args.affine); out0.
  max_pool*, adaptive_max_pool*: in0; out0 values, out1 int64 indices.  avg_pool*, adaptive_avg_pool*: in0; out0.
  interpolate, pad: in0; out0.
  embedding: in0 int64 indices, in1 weight (before); out0, out1 weight after (max_norm renormalises it).
  embedding_bag: in0 indices, in1 weight, in2 offsets (when given), in3 per_sample_weights (when given);
      out0, out1 weight after.

    python3 scripts/golden/gen_norm_pool.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden")


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

    def save(self, family):
        path = os.path.join(OUT, f"{family}.safetensors")
        save_file(self.tensors, path, metadata={"cases": json.dumps(self.cases)})
        print(f"{path}: {len(self.cases)} cases, {os.path.getsize(path)} bytes")


def randn(*shape, scale=1.0, offset=0.0):
    return torch.randn(*shape) * scale + offset


# --- normalisation -----------------------------------------------------------------------------------
def gen_norm():
    g = Golden()
    torch.manual_seed(1)
    # batch_norm: 2-D to 5-D, short (< 16) and long planes, eval and training, with/without affine.
    shapes = {"2d": (5, 7), "3d": (3, 4, 9), "4d": (2, 3, 5, 7), "5d": (2, 3, 3, 4, 5), "4d_wide": (3, 2, 6, 11)}
    for tag, shape in shapes.items():
        C = shape[1]
        for training in (False, True):
            for affine in (True, False):
                x = randn(*shape, scale=2.0, offset=0.5)
                rm, rv = randn(C) * 0.3, torch.rand(C) + 0.5
                w, b = (randn(C), randn(C)) if affine else (None, None)
                rm2, rv2 = rm.clone(), rv.clone()
                y = F.batch_norm(x, rm2, rv2, w, b, training=training, momentum=0.2, eps=1e-4)
                g.add(f"bn_{tag}_{'train' if training else 'eval'}_{'affine' if affine else 'plain'}", "batch_norm",
                      {"training": training, "momentum": 0.2, "eps": 1e-4, "running": True, "affine": affine},
                      [x, rm, rv, w, b], [y, rm2, rv2])
    # A large offset with a small spread: cancellation-prone statistics. The expected values are
    # computed in float64 (the exact answer, not PyTorch's float32 rounding of it); args.offset_case
    # tells the test that float32 output arithmetic alone costs ~ulp(offset) / std here.
    x = randn(4, 3, 6, 5, scale=0.01, offset=300.0)
    rm, rv = torch.zeros(3), torch.ones(3)
    rm2, rv2 = rm.double(), rv.double()
    y = F.batch_norm(x.double(), rm2, rv2, None, None, training=True, momentum=0.1, eps=1e-5)
    g.add("bn_offset_train", "batch_norm", {"training": True, "momentum": 0.1, "eps": 1e-5, "running": True, "affine": False,
                                            "offset_case": True},
          [x, rm, rv], [y.float(), rm2.float(), rv2.float()])
    # Training without running statistics.
    x = randn(3, 4, 5)
    y = F.batch_norm(x, None, None, None, None, training=True, eps=1e-5)
    g.add("bn_train_no_running", "batch_norm", {"training": True, "momentum": 0.1, "eps": 1e-5, "running": False, "affine": False},
          [x], [y])
    # momentum=None: the module's cumulative moving average over num_batches_tracked.
    bn = torch.nn.BatchNorm2d(3, momentum=None)
    bn.running_mean.copy_(randn(3) * 0.2)
    bn.running_var.copy_(torch.rand(3) + 0.5)
    bn.num_batches_tracked.fill_(2)
    rm, rv = bn.running_mean.clone(), bn.running_var.clone()
    bn.train()
    x = randn(2, 3, 4, 5)
    with torch.no_grad():
        y = bn(x)
    g.add("bn_cumulative", "batch_norm",
          {"training": True, "momentum": None, "eps": bn.eps, "running": True, "affine": True, "num_batches_tracked": 2},
          [x, rm, rv, bn.weight, bn.bias], [y, bn.running_mean, bn.running_var])

    # layer_norm: one or several trailing dims, rows longer than a vector with odd tails.
    for tag, shape, ns in [("row10", (4, 10), [10]), ("two_dims", (2, 3, 4, 5), [4, 5]), ("all_dims", (3, 4, 5), [3, 4, 5]),
                           ("row1000", (3, 1000), [1000]), ("row37", (2, 3, 37), [37]), ("row1", (5, 1), [1])]:
        for affine in (True, False):
            x = randn(*shape, scale=1.5, offset=-0.7)
            w, b = (randn(*ns), randn(*ns)) if affine else (None, None)
            y = F.layer_norm(x, ns, w, b, eps=1e-5)
            g.add(f"ln_{tag}_{'affine' if affine else 'plain'}", "layer_norm",
                  {"normalized_shape": ns, "eps": 1e-5, "affine": affine}, [x, w, b], [y])
    x = randn(2, 64, scale=0.01, offset=500.0)
    g.add("ln_offset", "layer_norm", {"normalized_shape": [64], "eps": 1e-5, "affine": False, "offset_case": True}, [x],
          [F.layer_norm(x.double(), [64]).float()])

    # group_norm: groups 1, C and in between, 2-D to 5-D.
    for tag, shape, groups in [("g1", (2, 6, 5, 5), 1), ("gC", (2, 6, 5, 5), 6), ("g3", (2, 6, 5, 5), 3),
                               ("3d_g2", (3, 4, 7), 2), ("2d_g3", (4, 6), 3), ("5d_g2", (1, 4, 2, 3, 5), 2)]:
        for affine in (True, False):
            x = randn(*shape, scale=2.0, offset=1.0)
            C = shape[1]
            w, b = (randn(C), randn(C)) if affine else (None, None)
            y = F.group_norm(x, groups, w, b, eps=1e-5)
            g.add(f"gn_{tag}_{'affine' if affine else 'plain'}", "group_norm",
                  {"num_groups": groups, "eps": 1e-5, "affine": affine}, [x, w, b], [y])

    # instance_norm: input stats with and without running-stat updates, running stats only.
    for tag, shape in [("4d", (2, 3, 5, 6)), ("3d", (2, 3, 17)), ("5d", (1, 2, 3, 4, 5))]:
        C = shape[1]
        for running in (True, False):
            for affine in (True, False):
                x = randn(*shape, scale=1.5, offset=0.3)
                rm, rv = (randn(C) * 0.3, torch.rand(C) + 0.5) if running else (None, None)
                w, b = (randn(C), randn(C)) if affine else (None, None)
                rm2 = rm.clone() if running else None
                rv2 = rv.clone() if running else None
                y = F.instance_norm(x, rm2, rv2, w, b, use_input_stats=True, momentum=0.3, eps=1e-5)
                outs = [y, rm2, rv2] if running else [y]
                g.add(f"in_{tag}_{'running' if running else 'norunning'}_{'affine' if affine else 'plain'}",
                      "instance_norm", {"use_input_stats": True, "momentum": 0.3, "eps": 1e-5, "running": running,
                                        "affine": affine}, [x, rm, rv, w, b], outs)
        x = randn(*shape)
        rm, rv, w, b = randn(C) * 0.3, torch.rand(C) + 0.5, randn(C), randn(C)
        y = F.instance_norm(x, rm.clone(), rv.clone(), w, b, use_input_stats=False, momentum=0.3, eps=1e-5)
        g.add(f"in_{tag}_running_stats", "instance_norm", {"use_input_stats": False, "momentum": 0.3, "eps": 1e-5,
                                                          "running": True, "affine": True},
              [x, rm, rv, w, b], [y, rm, rv])
    g.save("norm")


# --- pooling -----------------------------------------------------------------------------------------
def gen_pooling():
    g = Golden()
    torch.manual_seed(2)

    def with_nan(x):
        x = x.clone()
        flat = x.view(-1)
        flat[3] = float("nan")
        flat[flat.numel() // 2] = float("nan")
        return x

    # max_pool: (tag, spatial, input shape, kernel, stride, padding, dilation, ceil_mode)
    max_cases = [
        ("1d_k3", 1, (2, 3, 17), [3], [], [0], [1], False),
        ("1d_k4s3p2_ceil", 1, (2, 3, 18), [4], [3], [2], [1], True),
        ("1d_dil2", 1, (3, 41), [3], [2], [1], [2], False),
        ("1d_long", 1, (2, 2, 100), [3], [1], [1], [1], False),
        ("2d_k2", 2, (2, 3, 8, 9), [2], [], [0], [1], False),
        ("2d_k3s2p1", 2, (2, 3, 13, 45), [3], [2], [1], [1], False),
        ("2d_k3s2p1_ceil", 2, (2, 3, 13, 44), [3], [2], [1], [1], True),
        ("2d_k3s1p1", 2, (1, 2, 9, 40), [3], [1], [1], [1], False),
        ("2d_rect_dil", 2, (2, 2, 15, 50), [3, 2], [2, 3], [1, 1], [2, 3], False),
        ("2d_s3_ceil", 2, (1, 3, 10, 53), [2], [3], [1], [1], True),
        ("2d_ceil_drop", 2, (1, 1, 5, 5), [2], [2], [1], [1], True),
        ("2d_unbatched", 2, (3, 7, 10), [3], [2], [1], [1], False),
        ("2d_k1", 2, (2, 2, 5, 6), [1], [2], [0], [1], False),
        ("3d_k2", 3, (1, 2, 6, 7, 8), [2], [], [0], [1], False),
        ("3d_k3s2p1_ceil", 3, (2, 2, 7, 6, 9), [3], [2], [1], [1], True),
        ("3d_unbatched_dil", 3, (2, 6, 7, 30), [2, 3, 3], [1, 2, 2], [1, 1, 1], [2, 1, 2], False),
    ]
    fns = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
    for tag, sp, shape, k, s, p, d, ceil in max_cases:
        x = randn(*shape)
        y, i = fns[sp](x, k, s if s else None, p, d, ceil_mode=ceil, return_indices=True)
        g.add(f"maxpool{tag}", f"max_pool{sp}d", {"kernel_size": k, "stride": s, "padding": p, "dilation": d,
                                                  "ceil_mode": ceil}, [x], [y, i])
    # NaN propagates; ties keep the first index; -inf windows.
    x = with_nan(randn(2, 3, 11, 37))
    y, i = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    g.add("maxpool2d_nan", "max_pool2d", {"kernel_size": [3], "stride": [2], "padding": [1], "dilation": [1],
                                          "ceil_mode": False}, [x], [y, i])
    x = torch.round(randn(2, 2, 9, 34) * 1.5)
    x[0, 0, :, :5] = float("-inf")
    y, i = F.max_pool2d(x, 2, 1, 1, return_indices=True)
    g.add("maxpool2d_ties_inf", "max_pool2d", {"kernel_size": [2], "stride": [1], "padding": [1], "dilation": [1],
                                               "ceil_mode": False}, [x], [y, i])

    # avg_pool: (tag, spatial, shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    avg_cases = [
        ("1d_k3", 1, (2, 3, 17), [3], [], [0], False, True, None),
        ("1d_k4s3p2_ceil_nopad", 1, (2, 3, 18), [4], [3], [2], True, False, None),
        ("1d_div", 1, (3, 40), [3], [2], [1], False, True, 5),
        ("2d_k2", 2, (2, 3, 8, 9), [2], [], [0], False, True, None),
        ("2d_k3s2p1_pad", 2, (2, 3, 13, 45), [3], [2], [1], False, True, None),
        ("2d_k3s2p1_nopad", 2, (2, 3, 13, 45), [3], [2], [1], False, False, None),
        ("2d_k3s2p1_ceil_pad", 2, (2, 3, 12, 44), [3], [2], [1], True, True, None),
        ("2d_k3s2p1_ceil_nopad", 2, (2, 3, 12, 44), [3], [2], [1], True, False, None),
        ("2d_rect_s3", 2, (1, 2, 11, 50), [3, 4], [3, 3], [1, 2], True, True, None),
        ("2d_div", 2, (2, 2, 9, 10), [3], [2], [1], False, True, 4),
        ("2d_k3s1p1", 2, (1, 2, 9, 40), [3], [1], [1], False, False, None),
        ("2d_unbatched", 2, (3, 7, 10), [2], [2], [1], True, False, None),
        ("3d_k2", 3, (1, 2, 6, 7, 8), [2], [], [0], False, True, None),
        ("3d_k3s2p1_ceil", 3, (2, 2, 7, 6, 9), [3], [2], [1], True, False, None),
        ("3d_div_unbatched", 3, (2, 5, 6, 20), [2, 3, 3], [1, 2, 2], [1, 1, 1], False, True, 7),
    ]
    for tag, sp, shape, k, s, p, ceil, cip, div in avg_cases:
        x = randn(*shape)
        if sp == 1:  # F.avg_pool1d has no divisor_override: pool a (.., 1, L) view in 2-D instead
            y = F.avg_pool2d(x.unsqueeze(-2), [1, k[0]], [1, (s or k)[0]], [0, p[0]], ceil, cip, div).squeeze(-2)
        else:
            y = (F.avg_pool2d if sp == 2 else F.avg_pool3d)(x, k, s if s else None, p, ceil, cip, div)
        g.add(f"avgpool{tag}", f"avg_pool{sp}d", {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil,
                                                  "count_include_pad": cip, "divisor_override": div}, [x], [y])

    # adaptive pools, non-divisible sizes and the global (1x1) average.
    for tag, sp, shape, out in [("1d", 1, (2, 3, 17), [5]), ("1d_up", 1, (3, 4), [7]), ("2d", 2, (2, 3, 13, 11), [4, 5]),
                                ("2d_global", 2, (2, 5, 13, 11), [1]), ("2d_global_big", 2, (1, 3, 30, 31), [1, 1]),
                                ("2d_unbatched", 2, (3, 9, 10), [3, 4]), ("2d_up", 2, (1, 2, 3, 4), [5, 7]),
                                ("3d", 3, (1, 2, 7, 6, 9), [3, 4, 2]), ("3d_global", 3, (2, 2, 3, 4, 5), [1])]:
        x = randn(*shape)
        fn = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[sp]
        y = fn(x, out[0] if len(out) == 1 else out)  # PyTorch takes one int, not a 1-list, for every dim
        g.add(f"adaptiveavg{tag}", f"adaptive_avg_pool{sp}d", {"output_size": out}, [x], [y])
    for tag, sp, shape, out in [("1d", 1, (2, 3, 17), [5]), ("1d_up", 1, (3, 4), [7]), ("2d", 2, (2, 3, 13, 11), [4, 5]),
                                ("2d_global", 2, (2, 3, 6, 7), [1]), ("2d_unbatched", 2, (3, 9, 10), [3, 4])]:
        x = randn(*shape)
        if tag == "2d":
            x = with_nan(x)
        fn = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d}[sp]
        y, i = fn(x, out[0] if len(out) == 1 else out, return_indices=True)
        g.add(f"adaptivemax{tag}", f"adaptive_max_pool{sp}d", {"output_size": out}, [x], [y, i])
    g.save("pooling")


# --- resize ------------------------------------------------------------------------------------------
def gen_resize():
    g = Golden()
    torch.manual_seed(3)
    # (tag, shape, mode, size, scale_factor, align_corners, recompute_scale_factor)
    cases = [
        ("nearest1d_size", (2, 3, 7), "nearest", [12], None, None, None),
        ("nearest1d_scale", (2, 3, 7), "nearest", None, [1.7], None, None),
        ("nearest2d_size_down", (2, 3, 11, 13), "nearest", [5, 6], None, None, None),
        ("nearest2d_scale2", (1, 2, 5, 6), "nearest", None, [2.0], None, None),
        ("nearest2d_scale_odd", (1, 2, 7, 9), "nearest", None, [1.3, 2.6], None, None),
        ("nearest2d_scale_recompute", (1, 2, 7, 9), "nearest", None, [1.3, 2.6], None, True),
        ("nearest2d_scale_down", (1, 2, 10, 9), "nearest", None, [0.45], None, None),
        ("nearest3d", (1, 2, 3, 4, 5), "nearest", [5, 3, 8], None, None, None),
        # out == in and out == 2 * in from a scale_factor: the 2-D kernel copies/halves, 1-D and 3-D scale.
        ("nearest1d_scale_same", (2, 3, 7), "nearest", None, [1.1], None, None),
        ("nearest1d_scale_double", (2, 3, 5), "nearest", None, [2.1], None, None),
        ("nearest2d_scale_same_double", (1, 2, 5, 7), "nearest", None, [2.1, 1.1], None, None),
        ("nearest3d_scale_same_double", (1, 2, 3, 5, 7), "nearest", None, [1.2, 2.1, 1.1], None, None),
        ("nearestexact2d_scale_same", (1, 2, 5, 7), "nearest-exact", None, [2.1, 1.1], None, None),
        ("nearestexact2d_size", (2, 2, 7, 9), "nearest-exact", [10, 4], None, None, None),
        ("nearestexact2d_scale", (2, 2, 7, 9), "nearest-exact", None, [1.3], None, None),
        ("nearestexact1d", (2, 3, 7), "nearest-exact", [12], None, None, None),
        ("linear_up", (2, 3, 7), "linear", [15], None, False, None),
        ("linear_up_ac", (2, 3, 7), "linear", [15], None, True, None),
        ("linear_down_scale", (2, 3, 20), "linear", None, [0.35], False, None),
        ("bilinear_up", (2, 3, 5, 7), "bilinear", [11, 16], None, False, None),
        ("bilinear_up_ac", (2, 3, 5, 7), "bilinear", [11, 16], None, True, None),
        ("bilinear_down", (1, 2, 17, 23), "bilinear", [6, 9], None, False, None),
        ("bilinear_down_ac", (1, 2, 17, 23), "bilinear", [6, 9], None, True, None),
        ("bilinear_scale", (1, 3, 6, 9), "bilinear", None, [1.7, 2.3], False, None),
        ("bilinear_scale_recompute", (1, 3, 6, 9), "bilinear", None, [1.7, 2.3], False, True),
        ("bilinear_scale_ac", (1, 3, 6, 9), "bilinear", None, [1.7, 2.3], True, None),
        ("bilinear_out1", (1, 2, 5, 6), "bilinear", [1, 3], None, False, None),
        ("bilinear_out1_ac", (1, 2, 5, 6), "bilinear", [1, 3], None, True, None),
        ("bilinear_same_h", (1, 2, 5, 6), "bilinear", [5, 9], None, False, None),
        ("bicubic_up", (1, 2, 5, 7), "bicubic", [11, 13], None, False, None),
        ("bicubic_up_ac", (1, 2, 5, 7), "bicubic", [11, 13], None, True, None),
        ("bicubic_down", (2, 1, 13, 12), "bicubic", [5, 7], None, False, None),
        ("bicubic_scale", (1, 2, 6, 5), "bicubic", None, [1.5], False, None),
        ("trilinear", (1, 2, 3, 4, 5), "trilinear", [5, 7, 4], None, False, None),
        ("trilinear_ac", (1, 2, 3, 4, 5), "trilinear", [5, 7, 4], None, True, None),
    ]
    for tag, shape, mode, size, sf, ac, rsf in cases:
        x = randn(*shape)
        # One value stands for every spatial dim: PyTorch takes it as a plain number.
        one = lambda v: v[0] if v is not None and len(v) == 1 else v  # noqa: E731
        y = F.interpolate(x, size=one(size), scale_factor=one(sf), mode=mode, align_corners=ac,
                          recompute_scale_factor=rsf)
        g.add(f"interp_{tag}", "interpolate", {"size": size, "scale_factor": sf, "mode": mode, "align_corners": ac,
                                               "recompute_scale_factor": rsf}, [x], [y])
    # pad: (tag, shape, pad, mode, value)
    pads = [
        ("constant_1d", (2, 3, 5), [2, 3], "constant", 1.5),
        ("constant_2d", (2, 3, 4, 5), [1, 2, 0, 3], "constant", None),
        ("constant_4dims", (2, 3, 4, 5), [1, 1, 2, 0, 1, 0, 0, 2], "constant", -2.0),
        ("constant_negative", (2, 3, 6, 7), [-1, 2, 3, -2], "constant", 0.5),
        ("reflect_1d", (2, 3, 6), [3, 5], "reflect", None),
        ("reflect_1d_unbatched", (3, 6), [2, 1], "reflect", None),
        ("reflect_2d", (2, 2, 5, 7), [2, 6, 4, 1], "reflect", None),
        ("reflect_3d", (1, 2, 3, 4, 5), [1, 2, 3, 0, 2, 1], "reflect", None),
        ("replicate_1d", (2, 3, 4), [5, 2], "replicate", None),
        ("replicate_2d_unbatched", (2, 5, 7), [3, 1, 0, 4], "replicate", None),
        ("replicate_3d", (1, 2, 3, 4, 5), [2, 2, 1, 3, 4, 0], "replicate", None),
        ("circular_1d", (2, 3, 5), [5, 2], "circular", None),
        ("circular_2d", (1, 2, 4, 6), [3, 6, 4, 1], "circular", None),
        ("circular_3d", (1, 1, 3, 4, 5), [1, 2, 3, 0, 2, 3], "circular", None),
        ("circular_negative", (1, 2, 6, 7), [-2, 3, 1, -1], "circular", None),
    ]
    for tag, shape, p, mode, value in pads:
        x = randn(*shape)
        y = F.pad(x, p, mode=mode, value=value) if mode == "constant" else F.pad(x, p, mode=mode)
        g.add(f"pad_{tag}", "pad", {"pad": p, "mode": mode, "value": value}, [x], [y])
    g.save("resize")


# --- embeddings --------------------------------------------------------------------------------------
def gen_embedding():
    g = Golden()
    torch.manual_seed(4)
    # embedding: (tag, num, dim, index shape, padding_idx, max_norm, norm_type)
    for tag, num, dim, ishape, pidx, max_norm, norm_type in [
        ("basic", 10, 7, (3, 4), None, None, 2.0),
        ("padding", 10, 7, (13,), -2, None, 2.0),
        ("scalar", 6, 5, (), None, None, 2.0),
        ("max_norm", 12, 9, (2, 5), None, 1.5, 2.0),
        ("max_norm_p1", 12, 9, (7,), 3, 2.0, 1.0),
    ]:
        w = randn(num, dim)
        idx = torch.randint(0, num, ishape)
        w2 = w.clone()
        y = F.embedding(idx, w2, padding_idx=pidx, max_norm=max_norm, norm_type=norm_type)
        g.add(f"emb_{tag}", "embedding", {"padding_idx": pidx, "max_norm": max_norm, "norm_type": norm_type},
              [idx, w], [y, w2])
    # embedding_bag: every mode, offsets with and without include_last_offset, empty bags,
    # per_sample_weights, padding_idx, 2-D input, max_norm.
    bag_cases = [
        # (tag, mode, indices, offsets, include_last_offset, psw, padding_idx, max_norm)
        ("sum", "sum", 14, [0, 3, 3, 8], False, False, None, None),
        ("mean", "mean", 14, [0, 3, 3, 8], False, False, None, None),
        ("max", "max", 14, [0, 3, 3, 8], False, False, None, None),
        ("sum_last", "sum", 14, [0, 5, 5, 9, 14], True, False, None, None),
        ("mean_last", "mean", 14, [0, 5, 5, 9, 14], True, False, None, None),
        ("max_last", "max", 14, [0, 5, 5, 9, 14], True, False, None, None),
        ("sum_psw", "sum", 11, [0, 2, 7], False, True, None, None),
        ("sum_psw_last", "sum", 11, [0, 2, 7, 11], True, True, None, None),
        ("sum_last_empty_tail", "sum", 10, [0, 4, 10, 10], True, False, None, None),
        ("mean_padding", "mean", 16, [0, 4, 9, 12], False, False, 1, None),
        ("max_padding", "max", 16, [0, 4, 9, 12], False, False, 1, None),
        ("sum_padding", "sum", 16, [0, 4, 9, 12], False, False, 1, None),
        ("mean_max_norm", "mean", 12, [0, 6], False, False, None, 1.0),
    ]
    num, dim = 8, 6
    for tag, mode, n, offsets, last, psw, pidx, max_norm in bag_cases:
        w = randn(num, dim)
        idx = torch.randint(0, num, (n,))
        if pidx is not None:
            idx[0:4] = pidx  # the first bag holds padding only
            idx[6] = pidx
        off = torch.tensor(offsets, dtype=torch.int64)
        sw = torch.rand(n) * 2 - 0.5 if psw else None
        w2 = w.clone()
        y = F.embedding_bag(idx, w2, off, max_norm=max_norm, mode=mode, per_sample_weights=sw,
                            include_last_offset=last, padding_idx=pidx)
        g.add(f"bag_{tag}", "embedding_bag", {"mode": mode, "include_last_offset": last, "padding_idx": pidx,
                                              "max_norm": max_norm, "norm_type": 2.0}, [idx, w, off, sw], [y, w2])
    for mode in ("sum", "mean", "max"):
        w = randn(num, dim)
        idx = torch.randint(0, num, (4, 3))
        sw = torch.rand(4, 3) if mode == "sum" else None
        y = F.embedding_bag(idx, w, None, mode=mode, per_sample_weights=sw)
        g.add(f"bag_2d_{mode}", "embedding_bag", {"mode": mode, "include_last_offset": False, "padding_idx": None,
                                                  "max_norm": None, "norm_type": 2.0}, [idx, w, None, sw], [y, w])
    g.save("embedding")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    gen_norm()
    gen_pooling()
    gen_resize()
    gen_embedding()
