#!/usr/bin/env python3
"""gen_quantized_elementwise.py: PyTorch golden outputs for the 8-bit elementwise ops, activations and cat.

Writes tests/data/golden/quantized_elementwise.safetensors in the format tests/common/golden.h reads:
tensors "<case>/in0", "<case>/in1", ..., "<case>/out0" and metadata {"cases": json list of {"name",
"op", "args"}} plus "stats" (below). Seeded: rerunning writes the same file.

Tensors are the stored integers (int_repr: uint8 for quint8, int8 for qint8); the qparams are in
args: "scales" / "zero_points" per input, "out_scale" / "out_zero_point" as PyTorch returned them,
and the op's own arguments. Ops (PyTorch, x86 engine):
  add, add_relu, mul, mul_relu          torch.ops.quantized.<op>(in0, in1, scale, zero_point)
  add_scalar(_relu), mul_scalar(_relu)  torch.ops.quantized.<op>(in0, other)
  cat                                   torch.ops.quantized.cat([in0, in1, ...], dim, scale, zero_point)
  relu, relu6, hardtanh, clamp, sigmoid, tanh, hardsigmoid, leaky_relu, gelu
                                        torch.nn.functional / torch on the quantized tensor
  hardswish, elu                        torch.ops.quantized.hardswish / elu with output qparams
Activation inputs hold every integer of the dtype (then more, so that PyTorch's vectorized loop and
its scalar tail loop both run).

"stats" records, for add and mul, how often each candidate formula reproduces PyTorch over every
add / mul case here, the evidence for the formulas in src/kernels/qelementwise_kernels.h:
  add_premul_fma  fma(scale, q, scale * -zp) per operand, float add, quantize (Octet's kernel)
  add_plain       (q - zp) * scale per operand, float add, quantize
  mul_fbgemm      (float)acc * (a_scale * b_scale * (1 / out_scale)) (Octet's kernel)
  mul_divide      (float)acc * (a_scale * b_scale / out_scale)

    python3 scripts/golden/gen_quantized_elementwise.py
"""
import json
import os
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

warnings.filterwarnings("ignore")  # quantized tensors are deprecated in recent PyTorch; they still work

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "quantized_elementwise.safetensors")
f32 = np.float32
DTYPES = {"quint8": torch.quint8, "qint8": torch.qint8}
RANGES = {"quint8": (0, 255), "qint8": (-128, 127)}


class Golden:
    def __init__(self):
        self.tensors = {}
        self.cases = []
        self.stats = {}

    def add(self, name, op, args, ins, outs):
        assert all(c["name"] != name for c in self.cases), name
        for i, t in enumerate(ins):
            self.tensors[f"{name}/in{i}"] = t.int_repr().contiguous().clone()
        for i, t in enumerate(outs):
            self.tensors[f"{name}/out{i}"] = t.int_repr().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def count(self, key, hits, total):
        h, t = self.stats.get(key, (0, 0))
        self.stats[key] = (h + int(hits), t + int(total))

    def save(self):
        stats = {k: {"match": h, "total": t} for k, (h, t) in self.stats.items()}
        save_file(self.tensors, OUT, metadata={"cases": json.dumps(self.cases), "stats": json.dumps(stats),
                                               "torch": torch.__version__,
                                               "cpu_capability": torch.backends.cpu.get_cpu_capability()})
        print(f"{OUT}: {len(self.cases)} cases, {os.path.getsize(OUT)} bytes")
        for k, v in stats.items():
            print(f"  {k}: {v['match']} / {v['total']} elements equal PyTorch's")


def qtensor(values, dtype, scale, zp):
    """A quantized tensor holding the integers `values` (clipped to the dtype)."""
    lo, hi = RANGES[dtype]
    ints = np.array(np.clip(np.asarray(values), lo, hi), dtype=np.uint8 if dtype == "quint8" else np.int8)
    return torch._make_per_tensor_quantized_tensor(torch.from_numpy(ints), scale, zp)


def qrandom(gen, shape, dtype, scale, zp):
    lo, hi = RANGES[dtype]
    return qtensor(gen.integers(lo, hi + 1, size=shape), dtype, scale, zp)


def ints(q):
    return q.int_repr().numpy().astype(np.int64)


def quantize_np(v, inv, zo, lo, hi):
    return np.clip(np.rint(v * inv) + f32(zo), lo, hi)


def add_candidates(qa, qb, so, zo, relu):
    """The two add formulas, in numpy float32, on broadcast operands."""
    lo, hi = (0, 255) if qa.dtype == torch.quint8 else (-128, 127)
    if relu:
        lo = max(lo, zo)
    a, b = np.broadcast_arrays(ints(qa), ints(qb))
    sa, sb = f32(qa.q_scale()), f32(qb.q_scale())
    za, zb = qa.q_zero_point(), qb.q_zero_point()
    inv = f32(1) / f32(so)
    # fma(s, q, s * -zp): exact in float64 (see qelementwise_kernels.h), one rounding to float32.
    pa, pb = sa * -f32(za), sb * -f32(zb)
    xf = (np.float64(sa) * a + np.float64(pa)).astype(f32)
    yf = (np.float64(sb) * b + np.float64(pb)).astype(f32)
    premul = quantize_np(xf + yf, inv, zo, lo, hi)
    xp = (a - za).astype(f32) * sa
    yp = (b - zb).astype(f32) * sb
    plain = quantize_np(xp + yp, inv, zo, lo, hi)
    return premul, plain


def mul_candidates(qa, qb, so, zo, relu):
    lo, hi = (0, 255) if qa.dtype == torch.quint8 else (-128, 127)
    if relu:
        lo = max(lo, zo)
    a, b = np.broadcast_arrays(ints(qa), ints(qb))
    acc = ((a - qa.q_zero_point()) * (b - qb.q_zero_point())).astype(f32)
    sa, sb, s = f32(qa.q_scale()), f32(qb.q_scale()), f32(so)
    fbgemm = quantize_np(acc, sa * sb * (f32(1) / s), zo, lo, hi)
    divide = quantize_np(acc, (sa * sb) / s, zo, lo, hi)
    return fbgemm, divide


def gen_binary(g, gen):
    ops = {"add": torch.ops.quantized.add, "add_relu": torch.ops.quantized.add_relu,
           "mul": torch.ops.quantized.mul, "mul_relu": torch.ops.quantized.mul_relu}
    # (name, dtype, shape a, shape b, (sa, za), (sb, zb), (so, zo)); the shapes broadcast either way
    # and are long enough for PyTorch's vectorized loop plus a scalar tail.
    configs = [
        ("u8_same", "quint8", (4, 97), (4, 97), (0.05, 128), (0.07, 120), (0.1, 128)),
        ("u8_bcast_b", "quint8", (2, 3, 70), (70,), (0.02, 3), (0.3, 250), (0.25, 60)),
        ("u8_bcast_a", "quint8", (70,), (2, 3, 70), (0.3, 250), (0.02, 3), (0.25, 60)),
        ("u8_bcast_both", "quint8", (3, 1, 45), (1, 5, 1), (0.011, 77), (0.9, 0), (0.5, 255)),
        ("u8_scalar_tensor", "quint8", (), (5, 67), (0.5, 10), (0.125, 200), (0.0625, 30)),
        ("u8_extreme_ratio", "quint8", (3, 111), (3, 111), (1e-3, 0), (40.0, 255), (0.2, 100)),
        ("s8_same", "qint8", (4, 97), (4, 97), (0.05, 0), (0.07, -10), (0.1, 5)),
        ("s8_bcast_b", "qint8", (2, 3, 70), (3, 1), (0.02, -128), (0.3, 127), (0.25, -60)),
        ("s8_qmin_zp", "qint8", (5, 53), (5, 53), (0.0078125, -128), (0.015625, -128), (0.03125, -128)),
    ]
    for name, dtype, shape_a, shape_b, (sa, za), (sb, zb), (so, zo) in configs:
        qa = qrandom(gen, shape_a, dtype, sa, za)
        qb = qrandom(gen, shape_b, dtype, sb, zb)
        for op, fn in ops.items():
            relu = op.endswith("relu")
            if op.startswith("mul"):
                so_op = so * 4 if "extreme" not in name else so * 100  # products need a wider output
            else:
                so_op = so
            out = fn(qa, qb, so_op, zo)
            args = {"dtype": dtype, "scales": [sa, sb], "zero_points": [za, zb], "scale": so_op,
                    "zero_point": zo, "out_scale": out.q_scale(), "out_zero_point": out.q_zero_point()}
            g.add(f"{op}_{name}", op, args, [qa, qb], [out])
            got = ints(out)
            if op.startswith("add"):
                premul, plain = add_candidates(qa, qb, so_op, zo, relu)
                g.count("add_premul_fma", (premul == got).sum(), got.size)
                g.count("add_plain", (plain == got).sum(), got.size)
            else:
                fb, dv = mul_candidates(qa, qb, so_op, zo, relu)
                g.count("mul_fbgemm", (fb == got).sum(), got.size)
                g.count("mul_divide", (dv == got).sum(), got.size)

    # Every operand pair, once per dtype (add) and once (mul): the full statistics of the formulas.
    for dtype, (sa, za), (sb, zb), (so, zo) in [("quint8", (0.1, 3), (0.07, 130), (0.1, 128)),
                                                ("qint8", (0.023, -7), (0.041, 12), (0.05, -3))]:
        lo, hi = RANGES[dtype]
        vals = np.arange(lo, hi + 1)
        qa = qtensor(np.repeat(vals, 256), dtype, sa, za)
        qb = qtensor(np.tile(vals, 256), dtype, sb, zb)
        for op in (["add", "mul"] if dtype == "quint8" else ["add"]):
            so_op = so if op == "add" else so * 20
            out = ops[op](qa, qb, so_op, zo)
            args = {"dtype": dtype, "scales": [sa, sb], "zero_points": [za, zb], "scale": so_op,
                    "zero_point": zo, "out_scale": out.q_scale(), "out_zero_point": out.q_zero_point()}
            g.add(f"{op}_{dtype}_all_pairs", op, args, [qa, qb], [out])
            got = ints(out)
            if op == "add":
                premul, plain = add_candidates(qa, qb, so_op, zo, False)
                g.count("add_premul_fma", (premul == got).sum(), got.size)
                g.count("add_plain", (plain == got).sum(), got.size)
            else:
                fb, dv = mul_candidates(qa, qb, so_op, zo, False)
                g.count("mul_fbgemm", (fb == got).sum(), got.size)
                g.count("mul_divide", (dv == got).sum(), got.size)


def gen_scalar(g, gen):
    ops = {"add_scalar": torch.ops.quantized.add_scalar, "add_scalar_relu": torch.ops.quantized.add_scalar_relu,
           "mul_scalar": torch.ops.quantized.mul_scalar, "mul_scalar_relu": torch.ops.quantized.mul_scalar_relu}
    # add: others that keep the zero point in range, push it below qmin and above qmax; mul: > 0, 0, < 0.
    configs = [
        ("quint8", 0.1, 128, [0.5, -3.3, 20.0, -25.0, 1e3]),
        ("quint8", 0.02, 3, [0.07, 1.0, -0.5]),
        ("qint8", 0.05, 0, [0.3, 9.0, -9.0, -0.01]),
        ("qint8", 0.3, -128, [0.0, 2.5, -40.0]),
    ]
    for i, (dtype, s, z, others) in enumerate(configs):
        x = qrandom(gen, (3, 77), dtype, s, z)
        for j, c in enumerate(others):
            for op, fn in ops.items():
                cm = c / 10 if op.startswith("mul") else c  # mul: smaller factors keep the scale sane
                if op.startswith("mul") and j == 0:
                    cm = 0.0 if i % 2 == 0 else -1.5
                out = fn(x, cm)
                args = {"dtype": dtype, "scales": [s], "zero_points": [z], "other": cm,
                        "out_scale": out.q_scale(), "out_zero_point": out.q_zero_point()}
                g.add(f"{op}_{i}_{j}", op, args, [x], [out])


def gen_cat(g, gen):
    configs = [
        # (name, dtype, [(shape, scale, zp)], dim, out (scale, zp) or None)
        ("same_qparams", "quint8", [((2, 3, 5), 0.1, 128), ((2, 4, 5), 0.1, 128)], 1, None),
        ("requantize", "quint8", [((2, 3, 70), 0.1, 128), ((2, 3, 70), 0.03, 7), ((2, 3, 70), 0.5, 250)], 0,
         (0.07, 100)),
        ("first_qparams", "quint8", [((4, 33), 0.2, 10), ((4, 2), 0.05, 200)], -1, None),
        ("qint8_dim2", "qint8", [((2, 2, 17), 0.05, 0), ((2, 2, 30), 0.11, -100), ((2, 2, 1), 0.01, 127)], 2,
         (0.04, -5)),
    ]
    for name, dtype, parts, dim, out_q in configs:
        xs = [qrandom(gen, shape, dtype, s, z) for shape, s, z in parts]
        scale, zp = (out_q if out_q is not None else (None, None))
        out = torch.ops.quantized.cat(xs, dim, scale, zp)
        args = {"dtype": dtype, "scales": [s for _, s, _ in parts], "zero_points": [z for _, _, z in parts],
                "dim": dim, "scale": scale, "zero_point": zp, "out_scale": out.q_scale(),
                "out_zero_point": out.q_zero_point()}
        g.add(f"cat_{name}", "cat", args, xs, [out])


def every_integer(gen, dtype, scale, zp):
    """Every integer of the dtype, then 100 random ones (PyTorch's scalar tail loop runs on those)."""
    lo, hi = RANGES[dtype]
    vals = np.concatenate([np.arange(lo, hi + 1), gen.integers(lo, hi + 1, size=100)])
    return qtensor(vals, dtype, scale, zp)


def gen_activations(g, gen):
    # Input qparams: typical activations, a wide range, a narrow one; both dtypes.
    inputs = [("quint8", 0.05, 128), ("quint8", 0.1, 10), ("quint8", 0.0123, 200), ("qint8", 0.05, 0),
              ("qint8", 0.2, -100), ("qint8", 0.03125, 20)]
    for k, (dtype, s, z) in enumerate(inputs):
        x = every_integer(gen, dtype, s, z)
        base = {"dtype": dtype, "scales": [s], "zero_points": [z]}

        def add(op, out, **extra):
            args = dict(base, **extra, out_scale=out.q_scale(), out_zero_point=out.q_zero_point())
            g.add(f"{op}_{k}" + "".join(f"_{v}" for v in extra.values() if isinstance(v, str)), op, args, [x], [out])

        add("relu", F.relu(x))
        add("relu6", F.relu6(x))
        add("hardtanh", F.hardtanh(x, -0.7, 2.2), min_val=-0.7, max_val=2.2)
        add("clamp", torch.clamp(x, -1.3, 0.4), min=-1.3, max=0.4)
        add("sigmoid", torch.sigmoid(x))
        add("tanh", torch.tanh(x))
        add("hardsigmoid", F.hardsigmoid(x))
        add("leaky_relu", F.leaky_relu(x, 0.1 if k % 2 else 0.01), negative_slope=0.1 if k % 2 else 0.01)
        add("gelu", F.gelu(x), approximate="none")
        add("gelu", F.gelu(x, approximate="tanh"), approximate="tanh")
        os_, oz = (0.04, 30) if dtype == "quint8" else (0.04, -90)
        add("hardswish", torch.ops.quantized.hardswish(x, os_, oz), output_scale=os_, output_zero_point=oz)
        alpha, sc, isc = (1.0, 1.0, 1.0) if k % 2 == 0 else (0.7, 1.3, 0.8)
        add("elu", torch.ops.quantized.elu(x, os_, oz, alpha, sc, isc), output_scale=os_, output_zero_point=oz,
            alpha=alpha, scale=sc, input_scale=isc)


def main():
    torch.backends.quantized.engine = "x86"
    gen = np.random.default_rng(20240611)
    g = Golden()
    gen_binary(g, gen)
    gen_scalar(g, gen)
    gen_cat(g, gen)
    gen_activations(g, gen)
    # The kernels' formulas must stay PyTorch's best match; stop before writing a file that says otherwise.
    st = g.stats
    assert st["add_premul_fma"][0] >= st["add_plain"][0], st
    assert st["mul_fbgemm"][0] >= st["mul_divide"][0], st
    g.save()


if __name__ == "__main__":
    main()
