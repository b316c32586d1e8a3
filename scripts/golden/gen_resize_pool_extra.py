#!/usr/bin/env python3
"""gen_resize_pool_extra.py: PyTorch golden outputs for interpolate's "area" mode and antialias, and
for adaptive_max_pool3d / nn.AdaptiveMaxPool3d and nn.Upsample(mode="area").

Writes three files under tests/data/golden/ (new files, so the goldens of gen_norm_pool.py and
gen_nn_modules.py stay bit for bit as they are):
  resize_extra.safetensors    interpolate cases: in0; out0; args {size, scale_factor, mode,
                              align_corners, recompute_scale_factor, antialias}
  pooling_extra.safetensors   adaptive_max_pool3d cases: in0; out0 values, out1 int64 indices;
                              args {output_size}
  nn_modules_extra.safetensors  module cases in gen_nn_modules.py's format (NAME/state/<key>,
                              NAME/in0, NAME/out0..., args {repr, keys, train, calls, state_changed})
The first two use gen_norm_pool.py's format: tensors "<case>/in0", "<case>/out0", ... and metadata
{"cases": json list of {"name", "op", "args"}}. Seeded: rerunning writes the same files.

    python3 scripts/golden/gen_resize_pool_extra.py
"""
import json
import os

import torch
import torch.nn as nn
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
            self.tensors[f"{name}/in{i}"] = t.detach().contiguous().clone()
        for i, t in enumerate(outs):
            self.tensors[f"{name}/out{i}"] = t.detach().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self, family):
        path = os.path.join(OUT, f"{family}.safetensors")
        save_file(self.tensors, path, metadata={"cases": json.dumps(self.cases)})
        print(f"{path}: {len(self.cases)} cases, {os.path.getsize(path)} bytes")


def one(v):
    """One value stands for every spatial dim: PyTorch takes it as a plain number."""
    return v[0] if v is not None and len(v) == 1 else v


def gen_resize():
    g = Golden()
    torch.manual_seed(31)
    # (tag, shape, mode, size, scale_factor, align_corners, recompute_scale_factor, antialias)
    cases = [
        # area: adaptive average pooling to the output size, 1-D to 3-D, down and up, odd sizes.
        ("area1d_down", (2, 3, 17), "area", [5], None, None, None, False),
        ("area1d_up", (1, 2, 4), "area", [9], None, None, None, False),
        ("area2d_down", (2, 3, 13, 11), "area", [4, 5], None, None, None, False),
        ("area2d_divisible", (1, 2, 12, 8), "area", [3, 4], None, None, None, False),
        ("area2d_up", (1, 2, 3, 4), "area", [5, 7], None, None, None, False),
        ("area2d_mixed", (2, 1, 5, 14), "area", [9, 3], None, None, None, False),
        ("area2d_scale", (1, 2, 9, 10), "area", None, [0.5], None, None, False),
        ("area2d_scale_odd", (2, 2, 11, 13), "area", None, [0.37, 0.61], None, None, False),
        ("area2d_scale_recompute", (1, 3, 11, 13), "area", None, [0.3], None, True, False),
        ("area2d_same", (1, 2, 5, 6), "area", [5, 6], None, None, None, False),
        ("area2d_global", (2, 3, 7, 9), "area", [1], None, None, None, False),
        ("area3d", (1, 2, 7, 6, 9), "area", [3, 4, 2], None, None, None, False),
        ("area3d_scale", (2, 2, 6, 9, 8), "area", None, [0.5, 0.7, 0.4], None, None, False),
        # antialias: downscaling by integer and fractional factors, both filters, align_corners both
        # ways, one dim unchanged, up in one dim and down in the other, 1x1 outputs, batch 1 and > 1.
        ("aa_bilinear_down", (2, 3, 17, 23), "bilinear", [6, 9], None, False, None, True),
        ("aa_bilinear_down_ac", (2, 3, 17, 23), "bilinear", [6, 9], None, True, None, True),
        ("aa_bicubic_down", (2, 3, 17, 23), "bicubic", [6, 9], None, False, None, True),
        ("aa_bicubic_down_ac", (2, 3, 17, 23), "bicubic", [6, 9], None, True, None, True),
        ("aa_bilinear_half", (1, 2, 16, 20), "bilinear", [8, 10], None, False, None, True),
        ("aa_bicubic_quarter", (1, 2, 32, 28), "bicubic", [8, 7], None, False, None, True),
        ("aa_bilinear_big_factor", (1, 1, 64, 57), "bilinear", [5, 3], None, False, None, True),
        ("aa_bicubic_big_factor", (1, 1, 64, 57), "bicubic", [5, 3], None, False, None, True),
        ("aa_bilinear_scale", (1, 3, 19, 23), "bilinear", None, [0.3], False, None, True),
        ("aa_bicubic_scale", (2, 2, 19, 23), "bicubic", None, [0.45, 0.27], False, None, True),
        ("aa_bicubic_scale_recompute", (2, 2, 19, 23), "bicubic", None, [0.45, 0.27], False, True, True),
        ("aa_bilinear_scale_ac", (1, 2, 19, 23), "bilinear", None, [0.4], True, None, True),
        ("aa_bilinear_same_h", (1, 2, 10, 31), "bilinear", [10, 4], None, False, None, True),
        ("aa_bicubic_same_w", (1, 2, 31, 10), "bicubic", [4, 10], None, True, None, True),
        ("aa_bilinear_mixed", (2, 2, 9, 30), "bilinear", [13, 7], None, False, None, True),
        ("aa_bicubic_mixed", (1, 3, 9, 30), "bicubic", [13, 7], None, False, None, True),
        ("aa_bilinear_out1", (1, 3, 7, 5), "bilinear", [1, 1], None, False, None, True),
        ("aa_bilinear_out1_ac", (1, 3, 7, 5), "bilinear", [1, 1], None, True, None, True),
        ("aa_bicubic_out1", (2, 1, 7, 5), "bicubic", [1, 2], None, False, None, True),
        # Upscaling with antialias: bilinear equals the plain mode, bicubic (A = -0.5) does not.
        ("aa_bilinear_up", (1, 2, 5, 6), "bilinear", [11, 13], None, False, None, True),
        ("aa_bilinear_up_ac", (1, 2, 5, 6), "bilinear", [11, 13], None, True, None, True),
        ("aa_bicubic_up", (2, 2, 5, 6), "bicubic", [11, 13], None, False, None, True),
        ("aa_bicubic_up_ac", (1, 2, 5, 6), "bicubic", [11, 13], None, True, None, True),
        ("aa_bilinear_same", (1, 2, 5, 6), "bilinear", [5, 6], None, False, None, True),
    ]
    for tag, shape, mode, size, sf, ac, rsf, aa in cases:
        x = torch.randn(*shape) * 2.0 + 0.5
        y = F.interpolate(x, size=one(size), scale_factor=one(sf), mode=mode, align_corners=ac,
                          recompute_scale_factor=rsf, antialias=aa)
        g.add(f"interp_{tag}", "interpolate", {"size": size, "scale_factor": sf, "mode": mode, "align_corners": ac,
                                               "recompute_scale_factor": rsf, "antialias": aa}, [x], [y])
    g.save("resize_extra")


def gen_pooling():
    g = Golden()
    torch.manual_seed(32)
    # adaptive_max_pool3d: non-divisible windows (overlapping), up, global, unbatched, NaN and ties.
    for tag, shape, out, kind in [
        ("3d", (1, 2, 7, 6, 9), [3, 4, 2], "randn"),
        ("3d_batch", (3, 2, 5, 5, 5), [2], "randn"),
        ("3d_up", (1, 2, 2, 3, 4), [3, 5, 6], "randn"),
        ("3d_global", (2, 3, 4, 5, 6), [1], "randn"),
        ("3d_same", (1, 1, 3, 4, 5), [3, 4, 5], "randn"),
        ("3d_unbatched", (3, 6, 7, 8), [2, 3, 4], "randn"),
        ("3d_nan", (2, 2, 6, 7, 5), [3, 2, 4], "nan"),
        ("3d_ties", (1, 2, 6, 6, 6), [4, 3, 5], "ties"),
    ]:
        x = torch.randn(*shape)
        if kind == "nan":
            flat = x.view(-1)
            flat[3] = float("nan")
            flat[4] = float("nan")  # two NaNs in one window: PyTorch points at the last
            flat[flat.numel() // 2] = float("nan")
        elif kind == "ties":
            x = torch.round(x)
        y, i = F.adaptive_max_pool3d(x, one(out), return_indices=True)
        g.add(f"adaptivemax{tag}", "adaptive_max_pool3d", {"output_size": out}, [x], [y, i])
    g.save("pooling_extra")


# --- module cases, in gen_nn_modules.py's format ----------------------------------------------------
module_tensors = {}
module_cases = []


def add_module(name, module, inputs, forward=None):
    torch.manual_seed(len(module_cases) + 3000)
    module.eval()
    state = {k: v.detach().clone().contiguous() for k, v in module.state_dict().items()}
    for k, v in state.items():
        module_tensors[f"{name}/state/{k}"] = v
    for i, x in enumerate(inputs):
        module_tensors[f"{name}/in{i}"] = x.contiguous()
    with torch.no_grad():
        outs = forward(module, inputs) if forward is not None else [module(*inputs)]
    flat = []
    for o in outs:
        flat.extend(o if isinstance(o, tuple) else [o])
    for i, o in enumerate(flat):
        module_tensors[f"{name}/out{i}"] = o.detach().contiguous()
    module_cases.append({"name": name, "op": type(module).__name__, "args": {
        "repr": repr(module), "keys": [[k, list(v.shape)] for k, v in module.state_dict().items()],
        "train": False, "calls": 1, "state_changed": False}})


def gen_modules():
    torch.manual_seed(33)
    r = torch.randn
    add_module("adaptivemax3d", nn.AdaptiveMaxPool3d((2, 3, 2)), [r(2, 3, 5, 7, 6)])
    add_module("adaptivemax3d_int", nn.AdaptiveMaxPool3d(3), [r(1, 2, 7, 8, 9)])
    add_module("adaptivemax3d_unbatched", nn.AdaptiveMaxPool3d(2), [r(3, 4, 5, 6)])
    add_module("adaptivemax3d_indices", nn.AdaptiveMaxPool3d((3, 2, 4), return_indices=True), [r(2, 2, 7, 5, 9)])
    add_module("up_area_size", nn.Upsample(size=(4, 5), mode="area"), [r(2, 3, 9, 11)])
    add_module("up_area_scale", nn.Upsample(scale_factor=0.5, mode="area"), [r(1, 2, 8, 10, 6)])
    add_module("up_area_1d", nn.Upsample(size=6, mode="area"), [r(2, 2, 13)])
    path = os.path.join(OUT, "nn_modules_extra.safetensors")
    save_file(module_tensors, path, metadata={"cases": json.dumps(module_cases)})
    print(f"{path}: {len(module_cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    gen_resize()
    gen_pooling()
    gen_modules()
