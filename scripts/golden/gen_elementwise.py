#!/usr/bin/env python3
"""gen_elementwise.py: PyTorch golden outputs for elementwise ops, activations, reductions and shape ops.

Writes tests/data/golden/{elementwise,activation,reduce,shape}.safetensors in the format
tests/common/golden.h reads: tensors "<case>/in0", "<case>/in1", ..., "<case>/out0", ... and metadata
{"cases": json list of {"name", "op", "args"}}. Seeded: rerunning writes the same files.

Conventions the tests follow:
  - Inputs are stored contiguous. args.views = {"<i>": recipe} says the op ran on a view of input i:
    ["transpose", d0, d1], ["slice", dim, start, end, step] or ["permute", d0, d1, ...]; the test
    applies the same recipe, so non-contiguous inputs are exercised.
  - A scalar operand is an arg ("other", "exponent", "min", "max", "self") instead of a tensor; a
    Python int stays integral and a float is floating (PyTorch's wrapped-number promotion).
  - Tensors keep their dtype (float32 unless the case is about int32/int64/bool).
  - Ops returning several tensors (max/min with dim, split, chunk) store out0, out1, ...

    python3 scripts/golden/gen_elementwise.py
"""
import json
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


def view(t, recipe):
    """The view of t a test reproduces from args.views."""
    if recipe is None:
        return t
    kind, *a = recipe
    if kind == "transpose":
        return t.transpose(a[0], a[1])
    if kind == "slice":
        dim, start, end, step = a
        idx = [slice(None)] * t.dim()
        idx[dim] = slice(start, end, step)
        return t[tuple(idx)]
    if kind == "permute":
        return t.permute(*a)
    raise ValueError(kind)


def randn(*shape, scale=1.0):
    return torch.randn(shape) * scale


def with_nan(t, every=7):
    """A copy of t with NaN, +inf and -inf sprinkled in (PyTorch propagates them)."""
    t = t.clone()
    flat = t.view(-1)
    if flat.numel() >= 3:
        flat[::every] = float("nan")
        flat[1::every * 2] = float("inf")
        flat[2::every * 3] = float("-inf")
    return t


# --- elementwise ---------------------------------------------------------------------------------------
BINARY_SHAPES = {
    "same": ((7, 13), (7, 13)),
    "bcast": ((3, 1, 5), (4, 1)),
    "bcast_row": ((2, 3, 17), (17,)),
    "bcast_col": ((2, 3, 17), (3, 1)),
    "bcast_both": ((5, 1), (1, 6)),
    "zerodim": ((), (9,)),
    "zerodim_both": ((), ()),
    "empty": ((0, 3), (3,)),
    "long": ((1031,), (1031,)),
}


def gen_elementwise():
    g = Golden()
    torch.manual_seed(3)

    def binary(name, op, fn, a, b, args=None, views=None):
        args = dict(args or {})
        va, vb = a, b
        if views:
            args["views"] = views
            va = view(a, views.get("0"))
            vb = view(b, views.get("1"))
        g.add(name, op, args, [a, b], [fn(va, vb)])

    ops = {
        "add": lambda a, b: torch.add(a, b),
        "sub": lambda a, b: torch.sub(a, b),
        "mul": lambda a, b: torch.mul(a, b),
        "div": lambda a, b: torch.div(a, b),
    }
    for op, fn in ops.items():
        for tag, (sa, sb) in BINARY_SHAPES.items():
            a, b = randn(*sa, scale=3.0), randn(*sb, scale=3.0)
            binary(f"{op}_{tag}", op, fn, a, b)
            binary(f"{op}_{tag}_rev", op, fn, b, a)
        # NaN and infinities in both operands.
        binary(f"{op}_nan", op, fn, with_nan(randn(6, 11)), with_nan(randn(6, 11), every=5))
        # Non-contiguous: a transposed and a strided-slice operand.
        binary(f"{op}_transposed", op, fn, randn(9, 6), randn(6, 9), views={"0": ["transpose", 0, 1]})
        binary(f"{op}_sliced", op, fn, randn(4, 20), randn(4, 10), views={"0": ["slice", 1, 0, 20, 2]})
    binary("add_alpha", "add", lambda a, b: torch.add(a, b, alpha=-2.5), randn(5, 8), randn(8), {"alpha": -2.5})
    binary("sub_alpha", "sub", lambda a, b: torch.sub(a, b, alpha=0.5), randn(5, 8), randn(5, 1), {"alpha": 0.5})
    # Division by zero and rounding modes.
    a = torch.tensor([5.0, -5.0, 7.5, -7.5, 0.0, 1.0, -1.0, 3.0, -3.0, 1e-30, 6.0])
    b = torch.tensor([2.0, 2.0, -2.0, -2.0, 0.0, 0.0, 0.0, 3.0, -3.0, 1e30, -4.0])
    binary("div_special", "div", torch.div, a, b)
    for mode in ("trunc", "floor"):
        binary(f"div_{mode}", "div", lambda x, y: torch.div(x, y, rounding_mode=mode), randn(6, 7, scale=9.0),
               randn(7, scale=3.0), {"rounding_mode": mode})
        binary(f"div_{mode}_special", "div", lambda x, y: torch.div(x, y, rounding_mode=mode), a, b,
               {"rounding_mode": mode})
        ia = torch.randint(-50, 50, (5, 9), dtype=torch.int32)
        ib = torch.randint(1, 9, (9,), dtype=torch.int32) * torch.tensor([1, -1]).repeat(5)[:9].int()
        binary(f"div_{mode}_int32", "div", lambda x, y: torch.div(x, y, rounding_mode=mode), ia, ib,
               {"rounding_mode": mode})
    # Integer tensors and promotion.
    i32 = torch.randint(-100, 100, (4, 6), dtype=torch.int32)
    i64 = torch.randint(-100, 100, (6,), dtype=torch.int64)
    f32 = randn(4, 6)
    f64 = randn(4, 6).double()
    for op, fn in ops.items():
        if op == "div":
            binary("div_int32", op, fn, i32, i64.int().abs() + 1)
            continue
        binary(f"{op}_int32", op, fn, i32, i32.flip(0))
        binary(f"{op}_int32_int64", op, fn, i32, i64)
        binary(f"{op}_int32_float32", op, fn, i32, f32)
        binary(f"{op}_int64_float64", op, fn, i64, f64)
        binary(f"{op}_float32_float64_0d", op, fn, f32, torch.tensor(1.5, dtype=torch.float64))
        binary(f"{op}_int32_float64_0d", op, fn, i32, torch.tensor(1.5, dtype=torch.float64))
        binary(f"{op}_int32_int64_0d", op, fn, i32, torch.tensor(7, dtype=torch.int64))
    binary("add_int_alpha", "add", lambda x, y: torch.add(x, y, alpha=3), i32, i64, {"alpha": 3})
    # Tensor-scalar: an int scalar keeps an int tensor int; a float scalar makes it float32.
    for op, fn in ops.items():
        for sname, s in (("int", 3), ("float", -2.5)):
            for tname, t in (("float32", randn(3, 5)), ("int32", i32), ("int64", i64)):
                if op == "div" and sname == "int" and tname != "float32":
                    s = 4
                g.add(f"{op}_scalar_{sname}_{tname}", op, {"other": s}, [t], [fn(t, s)])
    g.add("div_scalar_trunc_int64", "div", {"other": -3, "rounding_mode": "trunc"}, [i64],
          [torch.div(i64, -3, rounding_mode="trunc")])
    g.add("div_scalar_floor_int64", "div", {"other": -3, "rounding_mode": "floor"}, [i64],
          [torch.div(i64, -3, rounding_mode="floor")])
    # pow: tensor and scalar exponents, a scalar base.
    base = torch.rand(5, 7) * 4 + 0.1
    binary("pow_tensor", "pow", torch.pow, base, randn(7))
    binary("pow_bcast", "pow", torch.pow, randn(3, 1, 5), torch.tensor([[2.0], [3.0], [0.5], [-1.0]]))
    for e in (2, 3, 0.5, -1, -0.5, 1.7, 0):
        g.add(f"pow_scalar_{str(e).replace('.', 'p').replace('-', 'm')}", "pow", {"exponent": e},
              [base], [torch.pow(base, e)])
    t = with_nan(randn(4, 4))
    g.add("pow_scalar_nan", "pow", {"exponent": 2.0}, [t], [torch.pow(t, 2.0)])
    e = randn(6)
    g.add("pow_scalar_base", "pow", {"self": 2.0}, [e], [torch.pow(2.0, e)])
    ib = torch.randint(-4, 5, (8,), dtype=torch.int64)
    ie = torch.randint(0, 5, (8,), dtype=torch.int64)
    binary("pow_int64", "pow", torch.pow, ib, ie)
    binary("pow_int64_negative_exponent", "pow", torch.pow, torch.tensor([1, -1, -1, 2, 3]),
           torch.tensor([-3, -3, -2, -1, -2]))
    g.add("pow_int64_scalar", "pow", {"exponent": 3}, [ib], [torch.pow(ib, 3)])
    # Unary math.
    unary = {"sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "exp": torch.exp, "log": torch.log, "abs": torch.abs,
             "neg": torch.neg, "erf": torch.erf, "tanh": torch.tanh, "sigmoid": torch.sigmoid}
    positive = {"sqrt", "rsqrt", "log"}
    for op, fn in unary.items():
        x = torch.rand(5, 9) * 10 if op in positive else randn(5, 9, scale=4.0)
        g.add(f"{op}_basic", op, {}, [x], [fn(x)])
        x = with_nan(randn(37, scale=5.0))
        g.add(f"{op}_nan", op, {}, [x], [fn(x)])
        x = torch.rand(6, 8) * 5 + 0.1
        g.add(f"{op}_transposed", op, {"views": {"0": ["transpose", 0, 1]}}, [x], [fn(x.t())])
        g.add(f"{op}_0d", op, {}, [torch.tensor(0.75)], [fn(torch.tensor(0.75))])
        g.add(f"{op}_empty", op, {}, [torch.zeros(0, 4)], [fn(torch.zeros(0, 4))])
        x = torch.rand(2053) * 6 + 0.01 if op in positive else randn(2053, scale=6.0)
        g.add(f"{op}_long", op, {}, [x], [fn(x)])
        xi = torch.randint(1, 20, (11,), dtype=torch.int32) if op in positive else torch.randint(-9, 9, (11,))
        g.add(f"{op}_int", op, {}, [xi], [fn(xi)])
        xd = randn(3, 4).double().abs() + 0.5
        g.add(f"{op}_float64", op, {}, [xd], [fn(xd)])
    # erf over its whole range and the branch boundaries.
    x = torch.cat([torch.linspace(-6, 6, 601), torch.tensor([0.999999, 1.0, 1.000001, -1.0, 3.9, 4.0, 10.0, -10.0])])
    g.add("erf_sweep", "erf", {}, [x], [torch.erf(x)])
    x = torch.linspace(-12, 12, 481)
    g.add("tanh_sweep", "tanh", {}, [x], [torch.tanh(x)])
    x = torch.linspace(-30, 30, 481)
    g.add("sigmoid_sweep", "sigmoid", {}, [x], [torch.sigmoid(x)])
    x = torch.linspace(-100, 88, 377)
    g.add("exp_sweep", "exp", {}, [x], [torch.exp(x)])
    # clamp with scalar and tensor bounds.
    x = with_nan(randn(6, 7, scale=3.0))
    for name, lo, hi in (("both", -1.0, 2.0), ("min", 0.5, None), ("max", None, -0.25), ("inverted", 2.0, 1.0)):
        g.add(f"clamp_scalar_{name}", "clamp", {"min": lo, "max": hi}, [x], [torch.clamp(x, lo, hi)])
    g.add("clamp_int32_int_bounds", "clamp", {"min": -10, "max": 20}, [i32], [torch.clamp(i32, -10, 20)])
    g.add("clamp_int32_float_bound", "clamp", {"min": 0.5, "max": None}, [i32], [torch.clamp(i32, 0.5)])
    lo, hi = randn(7) - 1.0, randn(6, 1) + 1.0
    g.add("clamp_tensor_both", "clamp", {"tensor_bounds": True}, [x, lo, hi], [torch.clamp(x, lo, hi)])
    g.add("clamp_tensor_min", "clamp", {"tensor_bounds": True}, [x, lo, None], [torch.clamp(x, min=lo)])
    g.add("clamp_tensor_max", "clamp", {"tensor_bounds": True}, [x, None, hi], [torch.clamp(x, max=hi)])
    lo_nan = lo.clone()
    lo_nan[3] = float("nan")
    xb = randn(2, 7)
    g.add("clamp_tensor_nan_bound", "clamp", {"tensor_bounds": True}, [xb, lo_nan, None], [torch.clamp(xb, min=lo_nan)])
    big = randn(3, 1, 5)
    bl = randn(4, 1)
    g.add("clamp_tensor_bcast_out", "clamp", {"tensor_bounds": True}, [big, bl, None], [torch.clamp(big, min=bl)])
    # where.
    cond = torch.rand(3, 1, 5) > 0.5
    a, b = randn(4, 1), randn(3, 4, 5)
    g.add("where_bcast", "where", {}, [cond, a, b], [torch.where(cond, a, b)])
    cond2 = torch.rand(6, 7) > 0.3
    wa, wb = with_nan(randn(6, 7)), randn(7)
    g.add("where_nan", "where", {}, [cond2, wa, wb], [torch.where(cond2, wa, wb)])
    c66 = torch.rand(6, 6) > 0.5
    ia6 = torch.randint(-5, 5, (6, 6), dtype=torch.int32)
    fb6 = randn(6, 6)
    g.add("where_int_float", "where", {}, [c66, ia6, fb6], [torch.where(c66, ia6, fb6)])
    g.add("where_scalar_other", "where", {"other": 2.5}, [c66, ia6], [torch.where(c66, ia6, 2.5)])
    g.add("where_scalar_input", "where", {"input": -1}, [c66, None, fb6], [torch.where(c66, -1, fb6)])
    wt = randn(6, 6)
    g.add("where_transposed", "where", {"views": {"1": ["transpose", 0, 1]}}, [c66, wt, fb6],
          [torch.where(c66, wt.t(), fb6)])
    g.save("elementwise")


# --- activation ----------------------------------------------------------------------------------------
def gen_activation():
    g = Golden()
    torch.manual_seed(4)
    acts = {
        "relu": (F.relu, {}),
        "relu6": (F.relu6, {}),
        "hardtanh": (lambda x: F.hardtanh(x, -2.0, 3.0), {"min_val": -2.0, "max_val": 3.0}),
        "hardswish": (F.hardswish, {}),
        "hardsigmoid": (F.hardsigmoid, {}),
        "sigmoid": (torch.sigmoid, {}),
        "tanh": (torch.tanh, {}),
        # In float64: PyTorch's float32 gelu gives NaN for +inf (a quirk of its vectorized erf);
        # the float64 answer (inf) is the function's value.
        "gelu": (lambda x: F.gelu(x.double()).float(), {"approximate": "none"}),
        "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), {"approximate": "tanh"}),
        "silu": (F.silu, {}),
        "mish": (F.mish, {}),
        "elu": (lambda x: F.elu(x, 0.5), {"alpha": 0.5}),
        "celu": (lambda x: F.celu(x, 2.0), {"alpha": 2.0}),
        "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), {"negative_slope": 0.2}),
        "softplus": (lambda x: F.softplus(x, beta=2.0, threshold=5.0), {"beta": 2.0, "threshold": 5.0}),
        "softplus_default": (F.softplus, {}),
    }
    for tag, (fn, args) in acts.items():
        op = "gelu" if tag.startswith("gelu") else "softplus" if tag.startswith("softplus") else tag
        x = randn(2, 3, 5, 7, scale=4.0)
        g.add(f"{tag}_4d", op, args, [x], [fn(x)])
        x = with_nan(randn(41, scale=6.0))
        g.add(f"{tag}_nan", op, args, [x], [fn(x)])
        x = randn(5, 9, scale=3.0)
        g.add(f"{tag}_transposed", op, {**args, "views": {"0": ["transpose", 0, 1]}}, [x], [fn(x.t())])
        g.add(f"{tag}_0d", op, args, [torch.tensor(-1.25)], [fn(torch.tensor(-1.25))])
        g.add(f"{tag}_empty", op, args, [torch.zeros(2, 0)], [fn(torch.zeros(2, 0))])
        x = randn(3001, scale=8.0)
        g.add(f"{tag}_long", op, args, [x], [fn(x)])
    # The kinks: hardswish/hardsigmoid at +-3, relu6 at 0 and 6.
    x = torch.tensor([-3.5, -3.0, -2.999, 0.0, -0.0, 2.999, 3.0, 3.001, 6.0, 6.5, -1e-30])
    for tag in ("hardswish", "hardsigmoid", "relu6", "relu"):
        g.add(f"{tag}_edges", tag, acts[tag][1], [x], [acts[tag][0](x)])
    x = torch.linspace(-20, 20, 801)
    for tag in ("gelu", "gelu_tanh", "silu", "mish", "softplus_default"):
        op = "gelu" if tag.startswith("gelu") else "softplus" if tag.startswith("softplus") else tag
        g.add(f"{tag}_sweep", op, acts[tag][1], [x], [acts[tag][0](x)])
    # prelu: per channel, one weight, a 1-D input with one weight, a 2-D input.
    x = randn(2, 3, 4, 5, scale=2.0)
    w = torch.tensor([0.25, -0.5, 2.0])
    g.add("prelu_channels", "prelu", {}, [x, w], [F.prelu(x, w)])
    g.add("prelu_single", "prelu", {}, [x, torch.tensor([0.1])], [F.prelu(x, torch.tensor([0.1]))])
    x1 = randn(9)
    g.add("prelu_1d", "prelu", {}, [x1, torch.tensor([0.3])], [F.prelu(x1, torch.tensor([0.3]))])
    x2 = randn(4, 3)
    g.add("prelu_2d", "prelu", {}, [x2, w], [F.prelu(x2, w)])
    xt = randn(5, 3, 4)
    g.add("prelu_permuted", "prelu", {"views": {"0": ["permute", 2, 1, 0]}}, [xt, w], [F.prelu(xt.permute(2, 1, 0), w)])
    # softmax / log_softmax: every dim, negative dims, large values (stability), -inf, NaN rows.
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        x = randn(3, 4, 5, 6, scale=3.0)
        for dim in (0, 1, 2, 3, -1, -3):
            g.add(f"{op}_dim{dim}", op, {"dim": dim}, [x], [fn(x, dim=dim)])
        x = randn(4, 37, scale=50.0) + 1000.0
        g.add(f"{op}_large", op, {"dim": 1}, [x], [fn(x, dim=1)])
        x = randn(5, 9)
        x[0, 3] = float("-inf")
        x[1, :] = float("-inf")
        x[2, 4] = float("nan")
        x[3, 0] = float("inf")
        g.add(f"{op}_special", op, {"dim": -1}, [x], [fn(x, dim=-1)])
        g.add(f"{op}_special_dim0", op, {"dim": 0}, [x], [fn(x, dim=0)])
        x = randn(7, 3)
        g.add(f"{op}_transposed", op, {"dim": 1, "views": {"0": ["transpose", 0, 1]}}, [x], [fn(x.t(), dim=1)])
        g.add(f"{op}_0d", op, {"dim": 0}, [torch.tensor(2.0)], [fn(torch.tensor(2.0), dim=0)])
        g.add(f"{op}_empty", op, {"dim": 1}, [torch.zeros(0, 5)], [fn(torch.zeros(0, 5), dim=1)])
        x = randn(2, 1000, scale=4.0)
        g.add(f"{op}_long_row", op, {"dim": -1}, [x], [fn(x, dim=-1)])
        x = randn(3, 700, scale=4.0)
        g.add(f"{op}_wide_dim0", op, {"dim": 0}, [x], [fn(x, dim=0)])
    g.save("activation")


# --- reduce --------------------------------------------------------------------------------------------
def gen_reduce():
    g = Golden()
    torch.manual_seed(5)
    x = randn(3, 4, 5, 6, scale=2.0)
    for op, fn in (("sum", torch.sum), ("mean", torch.mean)):
        g.add(f"{op}_all", op, {}, [x], [fn(x)])
        for dims in ([0], [1], [3], [-1], [1, 2], [0, 3], [-1, -3], [0, 1, 2, 3], [2, 0]):
            for keepdim in (False, True):
                name = f"{op}_d{'_'.join(str(d).replace('-', 'm') for d in dims)}{'_keep' if keepdim else ''}"
                g.add(name, op, {"dim": dims, "keepdim": keepdim}, [x], [fn(x, dim=dims, keepdim=keepdim)])
        xt = randn(6, 5)
        g.add(f"{op}_transposed", op, {"dim": [1], "keepdim": False, "views": {"0": ["transpose", 0, 1]}}, [xt],
              [fn(xt.t(), dim=[1])])
        xs = randn(4, 12)
        g.add(f"{op}_sliced", op, {"dim": [0], "keepdim": True, "views": {"0": ["slice", 1, 1, 12, 3]}}, [xs],
              [fn(xs[:, 1:12:3], dim=[0], keepdim=True)])
        g.add(f"{op}_0d", op, {"dim": [0], "keepdim": False}, [torch.tensor(2.5)], [fn(torch.tensor(2.5), dim=[0])])
        g.add(f"{op}_empty_dim", op, {"dim": [0], "keepdim": False}, [torch.zeros(0, 3)], [fn(torch.zeros(0, 3), dim=0)])
        g.add(f"{op}_empty_all", op, {}, [torch.zeros(0, 3)], [fn(torch.zeros(0, 3))])
        xn = with_nan(randn(4, 9))
        g.add(f"{op}_nan", op, {"dim": [1], "keepdim": False}, [xn], [fn(xn, dim=1)])
        xl = randn(2, 17000)
        g.add(f"{op}_long_rows", op, {"dim": [1], "keepdim": False}, [xl], [fn(xl, dim=1)])
        xw = randn(20, 3, 300)
        g.add(f"{op}_wide_inner", op, {"dim": [0], "keepdim": False}, [xw], [fn(xw, dim=0)])
        g.add(f"{op}_float64", op, {"dim": [1], "keepdim": False}, [x.double()], [fn(x.double(), dim=1)])
    for dt in (torch.int32, torch.int64):
        xi = torch.randint(-1000, 1000, (5, 7), dtype=dt)
        g.add(f"sum_{str(dt)[6:]}_all", "sum", {}, [xi], [torch.sum(xi)])
        g.add(f"sum_{str(dt)[6:]}_dim", "sum", {"dim": [0], "keepdim": True}, [xi], [torch.sum(xi, dim=0, keepdim=True)])
    xb = torch.rand(4, 5) > 0.5
    g.add("sum_bool", "sum", {"dim": [1], "keepdim": False}, [xb], [torch.sum(xb, dim=1)])
    # max / min with indices: ties (small integers), NaN, every dim, keepdim.
    xt = torch.randint(0, 4, (3, 5, 6)).float()
    for op, fn in (("max", torch.max), ("min", torch.min)):
        for dim in (0, 1, 2, -1):
            for keepdim in (False, True):
                v, i = fn(xt, dim=dim, keepdim=keepdim)
                g.add(f"{op}_ties_d{str(dim).replace('-', 'm')}{'_keep' if keepdim else ''}", op,
                      {"dim": dim, "keepdim": keepdim}, [xt], [v, i])
        g.add(f"{op}_all", op, {}, [x], [fn(x)])
        xn = randn(4, 8)
        xn[1, 2] = float("nan")
        xn[1, 5] = float("nan")
        xn[2, 0] = float("inf")
        xn[3, 7] = float("-inf")
        for dim in (0, 1):
            v, i = fn(xn, dim=dim)
            g.add(f"{op}_nan_d{dim}", op, {"dim": dim, "keepdim": False}, [xn], [v, i])
        g.add(f"{op}_nan_all", op, {}, [xn], [fn(xn)])
        v, i = fn(torch.tensor(4.0), dim=0)
        g.add(f"{op}_0d", op, {"dim": 0, "keepdim": False}, [torch.tensor(4.0)], [v, i])
        xtr = randn(7, 5)
        v, i = fn(xtr.t(), dim=1)
        g.add(f"{op}_transposed", op, {"dim": 1, "keepdim": False, "views": {"0": ["transpose", 0, 1]}}, [xtr], [v, i])
        xi = torch.randint(-9, 9, (4, 6), dtype=torch.int32)
        v, i = fn(xi, dim=1)
        g.add(f"{op}_int32", op, {"dim": 1, "keepdim": False}, [xi], [v, i])
        xl = randn(2, 17000)
        xl[1, 16390] = 9.0  # the extreme sits in the second block of 16384
        v, i = fn(xl, dim=1)
        g.add(f"{op}_long_rows", op, {"dim": 1, "keepdim": False}, [xl], [v, i])
        v, i = fn(torch.zeros(0, 4), dim=1)
        g.add(f"{op}_empty_other_dim", op, {"dim": 1, "keepdim": False}, [torch.zeros(0, 4)], [v, i])
    for op, fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
        g.add(f"{op}_all", op, {}, [xt], [fn(xt)])
        g.add(f"{op}_all_keep", op, {"keepdim": True}, [xt], [fn(xt, keepdim=True)])
        for dim in (0, 2, -2):
            g.add(f"{op}_d{str(dim).replace('-', 'm')}", op, {"dim": dim, "keepdim": False}, [xt], [fn(xt, dim=dim)])
        g.add(f"{op}_keep", op, {"dim": 1, "keepdim": True}, [xt], [fn(xt, dim=1, keepdim=True)])
        xn = randn(3, 6)
        xn[0, 4] = float("nan")
        g.add(f"{op}_nan", op, {"dim": 1, "keepdim": False}, [xn], [fn(xn, dim=1)])
    g.save("reduce")


# --- shape ---------------------------------------------------------------------------------------------
def gen_shape():
    g = Golden()
    torch.manual_seed(6)
    a, b, c = randn(2, 3, 4), randn(2, 5, 4), randn(2, 1, 4)
    g.add("cat_dim1", "cat", {"dim": 1}, [a, b, c], [torch.cat([a, b, c], dim=1)])
    g.add("cat_dim_neg", "cat", {"dim": -2}, [a, b, c], [torch.cat([a, b, c], dim=-2)])
    d, e = randn(3, 3, 4), randn(1, 3, 4)
    g.add("cat_dim0", "cat", {"dim": 0}, [a, d, e], [torch.cat([a, d, e], dim=0)])
    f, h = randn(2, 3, 1), randn(2, 3, 7)
    g.add("cat_dim2", "cat", {"dim": 2}, [a, f, h], [torch.cat([a, f, h], dim=2)])
    g.add("cat_single", "cat", {"dim": 0}, [a], [torch.cat([a])])
    g.add("cat_legacy_empty", "cat", {"dim": 0}, [torch.zeros(0), a], [torch.cat([torch.zeros(0), a])])
    g.add("cat_empty_part", "cat", {"dim": 1}, [a, torch.zeros(2, 0, 4)], [torch.cat([a, torch.zeros(2, 0, 4)], 1)])
    ai = torch.randint(-5, 5, (2, 3, 4), dtype=torch.int32)
    g.add("cat_int32_float32", "cat", {"dim": 1}, [ai, b], [torch.cat([ai, b], dim=1)])
    i64 = torch.randint(0, 9, (1, 3, 4))
    g.add("cat_int32_int64", "cat", {"dim": 0}, [ai, i64], [torch.cat([ai, i64])])
    bl = torch.rand(2, 2, 4) > 0.5
    g.add("cat_bool", "cat", {"dim": 1}, [bl, bl], [torch.cat([bl, bl], dim=1)])
    at = randn(4, 2, 3)
    g.add("cat_transposed", "cat", {"dim": 1, "views": {"0": ["permute", 1, 2, 0]}}, [at, b],
          [torch.cat([at.permute(1, 2, 0), b], dim=1)])
    for dim in (0, 1, 3, -1, -4):
        p, q = randn(2, 3, 4), randn(2, 3, 4)
        g.add(f"stack_d{str(dim).replace('-', 'm')}", "stack", {"dim": dim}, [p, q, p], [torch.stack([p, q, p], dim)])
    g.add("stack_0d", "stack", {"dim": 0}, [torch.tensor(1.0), torch.tensor(2.0)],
          [torch.stack([torch.tensor(1.0), torch.tensor(2.0)])])
    x = randn(7, 5, 3)
    for dim in (0, 1, -1):
        for size in (2, 3, 10):
            parts = torch.split(x, size, dim=dim)
            g.add(f"split_size{size}_d{str(dim).replace('-', 'm')}", "split", {"split_size": size, "dim": dim}, [x],
                  list(parts))
    parts = torch.split(x, [1, 4, 0, 2], dim=0)
    g.add("split_sizes", "split", {"split_sizes": [1, 4, 0, 2], "dim": 0}, [x], list(parts))
    parts = torch.split(x, [3, 2], dim=-2)
    g.add("split_sizes_neg_dim", "split", {"split_sizes": [3, 2], "dim": -2}, [x], list(parts))
    for chunks in (1, 2, 3, 4, 7, 9):
        parts = torch.chunk(x, chunks, dim=0)
        g.add(f"chunk_{chunks}", "chunk", {"chunks": chunks, "dim": 0}, [x], list(parts))
    parts = torch.chunk(x, 2, dim=-1)
    g.add("chunk_neg_dim", "chunk", {"chunks": 2, "dim": -1}, [x], list(parts))
    for shape, r in (((1, 8, 3, 5), 2), ((2, 18, 2, 3), 3), ((12, 4, 4), 2), ((2, 2, 4, 3, 2), 2), ((1, 5, 2, 2), 1)):
        x = randn(*shape)
        tag = "x".join(str(s) for s in shape)
        g.add(f"pixel_shuffle_{tag}_r{r}", "pixel_shuffle", {"upscale_factor": r}, [x], [F.pixel_shuffle(x, r)])
    for shape, r in (((1, 2, 6, 4), 2), ((2, 3, 6, 9), 3), ((3, 4, 4), 2), ((2, 1, 2, 4, 6), 2)):
        x = randn(*shape)
        tag = "x".join(str(s) for s in shape)
        g.add(f"pixel_unshuffle_{tag}_r{r}", "pixel_unshuffle", {"downscale_factor": r}, [x],
              [F.pixel_unshuffle(x, r)])
    xi = torch.randint(0, 100, (1, 4, 2, 3), dtype=torch.int64)
    g.add("pixel_shuffle_int64", "pixel_shuffle", {"upscale_factor": 2}, [xi], [F.pixel_shuffle(xi, 2)])
    xt = randn(1, 3, 4, 8)
    g.add("pixel_shuffle_transposed", "pixel_shuffle", {"upscale_factor": 2, "views": {"0": ["transpose", 1, 3]}}, [xt],
          [F.pixel_shuffle(xt.transpose(1, 3), 2)])
    g.save("shape")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    gen_elementwise()
    gen_activation()
    gen_reduce()
    gen_shape()
