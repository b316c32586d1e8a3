#!/usr/bin/env python3
"""gen_quantized_linear.py: PyTorch golden outputs for torch.ops.quantized.linear, linear_relu, linear_dynamic, linear_relu_dynamic.

Writes tests/data/golden/quantized_linear.safetensors in the format tests/common/golden.h reads:
tensors "<case>/in0", ... "<case>/out0" and metadata {"cases": json list of {"name", "op", "args"}}.
Seeded: rerunning writes the same file (for the same PyTorch version and CPU).

Each case runs on one of PyTorch's quantized engines (args.engine): "x86" (fbgemm: float bias,
float requantization multiplier) and "qnnpack" (int32 bias with scale input_scale * weight_scale,
float32 requantization, like Octet's contract). The test reports how many elements agree exactly.

Per op, the tensors are:
  linear, linear_relu: in0 input int_repr (uint8), in1 weight int_repr (int8) [out, in],
      in2 weight scales (float64, one per output feature, repeated when per-tensor),
      in3 weight zero points (int64, likewise), in4 bias (float32, when args.bias);
      out0 the output int_repr (uint8). args: x_scale, x_zero_point, out_scale, out_zero_point,
      per_channel, bias, engine.
  linear_dynamic, linear_relu_dynamic: in0 input (float32), in1..in4 as above; out0 float32.
      args: reduce_range, per_channel, bias, engine.

    python3 scripts/golden/gen_quantized_linear.py
"""
import json
import os

import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "quantized_linear.safetensors")


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


def make_weight(n, k, per_channel, zp_kind):
    """A qint8 weight from N(0, 1) floats: per-tensor or per-channel (axis 0) with the zero points asked for."""
    w = torch.randn(n, k)
    if per_channel:
        scales = (w.abs().amax(dim=1) / 127.0).clamp(min=1e-3).double()
        scales = scales.float().double()  # float32 values, as observers give
        if zp_kind == "zero":
            zps = torch.zeros(n, dtype=torch.int64)
        else:
            zps = torch.randint(-20, 21, (n,), dtype=torch.int64)
        wq = torch.quantize_per_channel(w, scales, zps, 0, torch.qint8)
        return wq, scales, zps
    scale = float(torch.tensor(w.abs().max().item() / 127.0, dtype=torch.float32))
    zp = 0 if zp_kind == "zero" else 5
    wq = torch.quantize_per_tensor(w, scale, zp, torch.qint8)
    return wq, torch.full((n,), scale, dtype=torch.float64), torch.full((n,), zp, dtype=torch.int64)


def gen_static(g, engine, cases):
    torch.backends.quantized.engine = engine
    for name, xshape, n, per_channel, zp_kind, bias, relu in cases:
        k = xshape[-1]
        x = torch.randn(*xshape) * 2.0 + 0.3
        x_scale = float(torch.tensor((x.max() - x.min()).item() / 255.0, dtype=torch.float32))
        x_zp = int(min(255, max(0, round(-x.min().item() / x_scale))))
        xq = torch.quantize_per_tensor(x, x_scale, x_zp, torch.quint8)
        wq, scales, zps = make_weight(n, k, per_channel, zp_kind)
        b = torch.randn(n) if bias else None
        # Output qparams that cover the float result with a few saturating outliers.
        ref = torch.nn.functional.linear(xq.dequantize(), wq.dequantize(), b)
        if relu:
            ref = ref.relu()
        lo, hi = min(ref.min().item(), 0.0), max(ref.max().item(), 0.0)
        out_scale = float(torch.tensor((hi - lo) / 240.0, dtype=torch.float32))
        out_zp = int(min(255, max(0, round(-lo / out_scale))))
        packed = torch.ops.quantized.linear_prepack(wq, b)
        op = torch.ops.quantized.linear_relu if relu else torch.ops.quantized.linear
        y = op(xq, packed, out_scale, out_zp)
        args = {"x_scale": x_scale, "x_zero_point": x_zp, "out_scale": out_scale, "out_zero_point": out_zp,
                "per_channel": per_channel, "bias": bias, "engine": engine}
        g.add(f"{engine}_{name}", "linear_relu" if relu else "linear", args,
              [xq.int_repr(), wq.int_repr(), scales, zps, b], [y.int_repr()])


def gen_dynamic(g, engine, cases):
    torch.backends.quantized.engine = engine
    for name, xshape, n, per_channel, zp_kind, bias, relu, reduce_range in cases:
        k = xshape[-1]
        x = torch.randn(*xshape) * 1.5 - 0.2
        wq, scales, zps = make_weight(n, k, per_channel, zp_kind)
        b = torch.randn(n) if bias else None
        packed = torch.ops.quantized.linear_prepack(wq, b)
        op = torch.ops.quantized.linear_relu_dynamic if relu else torch.ops.quantized.linear_dynamic
        y = op(x, packed, reduce_range)
        args = {"reduce_range": reduce_range, "per_channel": per_channel, "bias": bias, "engine": engine}
        g.add(f"{engine}_{name}", "linear_relu_dynamic" if relu else "linear_dynamic", args,
              [x, wq.int_repr(), scales, zps, b], [y])


def main():
    torch.manual_seed(20261129)
    g = Golden()
    # (name, input shape, out_features, per_channel, weight zero points, bias, relu)
    static_x86 = [
        ("linear_b1", (1, 64), 32, False, "zero", True, False),
        ("linear_k37", (3, 37), 19, False, "nonzero", True, False),
        ("linear_pc", (16, 768), 64, True, "zero", True, False),
        ("linear_pc_zp", (7, 100), 33, True, "nonzero", True, False),
        ("linear_3d", (2, 5, 33), 47, True, "zero", False, False),
        ("linear_m128", (128, 256), 96, True, "zero", True, False),
        ("linear_relu_pt", (9, 70), 29, False, "zero", True, True),
        ("linear_relu_pc", (33, 300), 40, True, "nonzero", True, True),
    ]
    static_qnnpack = [
        ("linear_b1", (1, 64), 32, False, "zero", True, False),
        ("linear_k37", (3, 37), 19, False, "nonzero", True, False),
        ("linear_m16", (16, 768), 64, False, "zero", True, False),
        ("linear_pc", (7, 100), 33, True, "zero", True, False),
        ("linear_relu_pt", (9, 70), 29, False, "nonzero", True, True),
    ]
    # (..., relu, reduce_range)
    dynamic_x86 = [
        ("dyn_b1", (1, 64), 32, False, "zero", True, False, True),
        ("dyn_k37", (3, 37), 19, False, "nonzero", True, False, False),
        ("dyn_pc", (16, 768), 64, True, "zero", True, False, True),
        ("dyn_pc_nobias", (7, 100), 33, True, "nonzero", False, False, False),
        ("dyn_3d", (2, 5, 33), 47, True, "zero", True, False, True),
        ("dyn_relu", (9, 70), 29, False, "zero", True, True, True),
        ("dyn_relu_pc", (33, 300), 40, True, "zero", True, True, False),
    ]
    dynamic_qnnpack = [
        ("dyn_b1", (1, 64), 32, False, "zero", True, False, False),
        ("dyn_k37", (3, 37), 19, False, "nonzero", True, False, False),
        ("dyn_relu", (9, 70), 29, False, "zero", True, True, False),
    ]
    gen_static(g, "x86", static_x86)
    gen_dynamic(g, "x86", dynamic_x86)
    if "qnnpack" in torch.backends.quantized.supported_engines:
        gen_static(g, "qnnpack", static_qnnpack)
        gen_dynamic(g, "qnnpack", dynamic_qnnpack)
    g.save()


if __name__ == "__main__":
    main()
