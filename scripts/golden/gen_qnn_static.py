#!/usr/bin/env python3
"""gen_qnn_static.py: PyTorch golden outputs for the static quantized modules (torch.ao.nn.quantized, torch.ao.nn.intrinsic.quantized) and the eager from_float path.

Writes tests/data/golden/qnn_static.safetensors in the format tests/common/golden.h reads: tensors
"<case>/<name>" and metadata {"cases": json list of {"name", "op", "args"}}. Seeded: rerunning
writes the same file (for the same PyTorch version and CPU). tests/qnn/qnn_golden_test.cpp builds
the Octet module of each case from the stored integers and qparams and compares int_repr outputs.

Tensors per case (each case stores the ones its module needs):
  x        the input's int_repr (uint8 / int8), args.x_scale / x_zero_point / x_dtype
  x2       a second quantized input (QFunctional binary ops, cat, ConvAdd2d's extra input), args.x2_*
  xf       a float input (Quantize), calibration data (from_float cases)
  w, w_scales (float64), w_zps (int64)   a quantized weight; w_axis in args when per channel
  bias, weight_f, bias_f, mean, var      float parameters
  y        the output's int_repr (or float for DeQuantize); args.out_scale / out_zero_point give
           the output qparams the module was built with, and y_scale / y_zero_point what the
           output tensor carries
Engines (args.engine): linear and conv cases run on "qnnpack" (int32 bias, Octet's contract:
compared exactly) and "x86" (float bias: compared within one step, mismatches counted), transposed
convolutions on "fbgemm" (x86 routes them through oneDNN, which is far from its own float recipe
here), ConvAdd2d on "onednn" (its only engine).

from_float cases ("from_float_*") run PyTorch's eager flow on a float module: qconfig
default_per_channel_qconfig (MinMaxObserver quint8 0..127 on the output, per-channel symmetric
qint8 weights), fuse_modules in eval mode for conv-bn-relu, prepare, one calibration batch, convert.
They store the float weights, the calibration batch and PyTorch's float output of it (fed to
Octet's observer, so the observer sees the same numbers), and the converted module's weight
integers, scales and output qparams, which Octet must reproduce exactly.

    python3 scripts/golden/gen_qnn_static.py
"""
import json
import os
import warnings

import torch
import torch.ao.nn.intrinsic as nni
import torch.ao.nn.intrinsic.quantized as nniq
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "qnn_static.safetensors")


class Golden:
    def __init__(self):
        self.tensors = {}
        self.cases = []

    def add(self, name, op, args, tensors):
        assert all(c["name"] != name for c in self.cases), name
        for key, t in tensors.items():
            if t is not None:
                self.tensors[f"{name}/{key}"] = t.detach().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self):
        save_file(self.tensors, OUT, metadata={"cases": json.dumps(self.cases)})
        print(f"{OUT}: {len(self.cases)} cases, {os.path.getsize(OUT)} bytes (torch {torch.__version__})")


def f32(v):
    """The float32 value nearest v, as a Python float (observer scales are float32 values)."""
    return float(torch.tensor(v, dtype=torch.float32))


def qinput(shape, dtype=torch.quint8, scale=None, zp=None):
    """A quantized input over the full integer range (saturating sums show up as big differences)."""
    lo, hi = (0, 255) if dtype == torch.quint8 else (-128, 127)
    ints = torch.randint(lo, hi + 1, shape, dtype=torch.int32)
    scale = f32(scale if scale is not None else 0.02 + 0.03 * torch.rand(()).item())
    zp = zp if zp is not None else int(torch.randint(lo + 20, hi - 20, ()).item())
    x = torch._make_per_tensor_quantized_tensor(ints.to(torch.uint8 if dtype == torch.quint8 else torch.int8),
                                                 scale, zp)
    return x


def qargs(prefix, q):
    return {f"{prefix}_scale": q.q_scale(), f"{prefix}_zero_point": q.q_zero_point(),
            f"{prefix}_dtype": str(q.dtype).replace("torch.", "")}


def qweight(shape, per_channel, axis=0, zp_nonzero=False):
    w = torch.randn(*shape)
    if per_channel:
        dims = [d for d in range(w.dim()) if d != axis]
        scales = (w.abs().amax(dim=dims) / 127.0).clamp(min=1e-3).float().double()
        zps = torch.randint(-10, 11, (w.shape[axis],)) if zp_nonzero else torch.zeros(w.shape[axis], dtype=torch.int64)
        return torch.quantize_per_channel(w, scales, zps, axis, torch.qint8)
    return torch.quantize_per_tensor(w, f32(w.abs().max().item() / 127.0), 3 if zp_nonzero else 0, torch.qint8)


def wtensors(wq):
    if wq.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
        return {"w": wq.int_repr(), "w_scales": wq.q_per_channel_scales().double(),
                "w_zps": wq.q_per_channel_zero_points().long()}, {"w_axis": wq.q_per_channel_axis()}
    return ({"w": wq.int_repr(), "w_scales": torch.tensor([wq.q_scale()], dtype=torch.float64),
             "w_zps": torch.tensor([wq.q_zero_point()], dtype=torch.int64)}, {})


def out_qparams(ref, dtype=torch.quint8, relu=False):
    """Output qparams covering a float reference, with a few outliers saturating."""
    if relu:
        ref = ref.relu()
    lo, hi = min(ref.min().item(), 0.0), max(ref.max().item(), 0.0)
    if dtype == torch.quint8:
        scale = f32((hi - lo) / 240.0)
        return scale, int(min(255, max(0, round(-lo / scale))))
    scale = f32((hi - lo) / 240.0)
    return scale, int(min(127, max(-128, round(-128 - lo / scale))))


# --- linear -----------------------------------------------------------------------------------------

def gen_linear(g, engine, cases):
    torch.backends.quantized.engine = engine
    for name, xshape, out_f, per_channel, bias, relu in cases:
        x = qinput(xshape)
        wq = qweight((out_f, xshape[-1]), per_channel)
        b = torch.randn(out_f) if bias else None
        ref = torch.nn.functional.linear(x.dequantize(), wq.dequantize(), b)
        scale, zp = out_qparams(ref, relu=relu)
        m = nniq.LinearReLU(xshape[-1], out_f, bias=bias) if relu else nnq.Linear(xshape[-1], out_f, bias_=bias)
        m.set_weight_bias(wq, b)
        m.scale, m.zero_point = scale, zp
        y = m(x)
        wt, wa = wtensors(wq)
        args = {"engine": engine, "in_features": xshape[-1], "out_features": out_f, "bias": bias, "relu": relu,
                "out_scale": scale, "out_zero_point": zp, "repr": repr(m), **qargs("x", x), **wa}
        g.add(f"{engine}_{name}", "linear", args, {"x": x.int_repr(), **wt, "bias": b, "y": y.int_repr()})


# --- convolutions ------------------------------------------------------------------------------------

CONV = {(1, False): nnq.Conv1d, (2, False): nnq.Conv2d, (3, False): nnq.Conv3d,
        (1, True): nnq.ConvTranspose1d, (2, True): nnq.ConvTranspose2d, (3, True): nnq.ConvTranspose3d}
CONV_RELU = {1: nniq.ConvReLU1d, 2: nniq.ConvReLU2d, 3: nniq.ConvReLU3d}


def gen_conv(g, engine, cases):
    torch.backends.quantized.engine = engine
    for (name, dims, transposed, cin, cout, xs, k, stride, pad, dil, groups, out_pad, bias, per_channel, relu,
         padding_mode) in cases:
        x = qinput((2, cin) + tuple([xs] * dims))
        if transposed:
            wshape = (cin, cout // groups) + (k,) * dims
            axis = 1
        else:
            wshape = (cout, cin // groups) + (k,) * dims
            axis = 0
        wq = qweight(wshape, per_channel, axis)
        b = torch.randn(cout) if bias else None
        kw = dict(stride=stride, padding=pad, dilation=dil, groups=groups, bias=bias)
        if transposed:
            m = CONV[(dims, True)](cin, cout, k, output_padding=out_pad, **kw)
        elif relu:
            m = CONV_RELU[dims](cin, cout, k, padding_mode=padding_mode, **kw)
        else:
            m = CONV[(dims, False)](cin, cout, k, padding_mode=padding_mode, **kw)
        m.set_weight_bias(wq, b)
        # The float reference fixes the output qparams (PyTorch's own recipe for the same module).
        fm_cls = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[dims]
        if transposed:
            fm_cls = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}[dims]
            fm = fm_cls(cin, cout, k, output_padding=out_pad, **kw)
        else:
            fm = fm_cls(cin, cout, k, padding_mode=padding_mode, **kw)
        with torch.no_grad():
            fm.weight.copy_(wq.dequantize())
            if bias:
                fm.bias.copy_(b)
            ref = fm(x.dequantize())
        scale, zp = out_qparams(ref, relu=relu)
        m.scale, m.zero_point = scale, zp
        y = m(x)
        wt, wa = wtensors(wq)
        args = {"engine": engine, "dims": dims, "transposed": transposed, "in_channels": cin, "out_channels": cout,
                "kernel": k, "stride": stride, "padding": pad, "dilation": dil, "groups": groups,
                "output_padding": out_pad, "bias": bias, "relu": relu, "padding_mode": padding_mode,
                "out_scale": scale, "out_zero_point": zp, "repr": repr(m), **qargs("x", x), **wa}
        g.add(f"{engine}_{name}", "conv", args, {"x": x.int_repr(), **wt, "bias": b, "y": y.int_repr()})


def gen_conv_add(g):
    torch.backends.quantized.engine = "onednn"
    for name, relu in [("conv_add", False), ("conv_add_relu", True)]:
        x = qinput((2, 4, 7, 7))
        wq = qweight((6, 4, 3, 3), True)
        b = torch.randn(6)
        fm = torch.nn.Conv2d(4, 6, 3, padding=1)
        with torch.no_grad():
            fm.weight.copy_(wq.dequantize())
            fm.bias.copy_(b)
            conv_ref = fm(x.dequantize())
        extra = torch.quantize_per_tensor(torch.randn_like(conv_ref) * 2, f32(4.0 / 255), 128, torch.quint8)
        ref = conv_ref + extra.dequantize()
        scale, zp = out_qparams(ref, relu=relu)
        m = (nniq.ConvAddReLU2d if relu else nniq.ConvAdd2d)(4, 6, 3, padding=1)
        m.set_weight_bias(wq, b)
        m.scale, m.zero_point = scale, zp
        y = m(x, extra)
        wt, wa = wtensors(wq)
        args = {"engine": "onednn", "relu": relu, "out_scale": scale, "out_zero_point": zp, "repr": repr(m),
                **qargs("x", x), **qargs("x2", extra), **wa}
        g.add(f"onednn_{name}", "conv_add", args,
              {"x": x.int_repr(), "x2": extra.int_repr(), **wt, "bias": b, "y": y.int_repr()})


# --- norms -------------------------------------------------------------------------------------------

def gen_norms(g):
    torch.backends.quantized.engine = "x86"
    for name, dims, relu, dtype in [("bn2d", 2, False, torch.quint8), ("bn3d", 3, False, torch.quint8),
                                    ("bn2d_qint8", 2, False, torch.qint8), ("bnrelu2d", 2, True, torch.quint8),
                                    ("bnrelu3d", 3, True, torch.quint8)]:
        c = 5
        x = qinput((2, c) + (4,) * dims, dtype)
        w, b, mean, var = torch.randn(c), torch.randn(c), torch.randn(c) * 0.5, torch.rand(c) + 0.5
        ref = torch.nn.functional.batch_norm(x.dequantize(), mean, var, w, b, False, 0.1, 1e-5)
        scale, zp = out_qparams(ref, dtype, relu)
        cls = {(2, False): nnq.BatchNorm2d, (3, False): nnq.BatchNorm3d, (2, True): nniq.BNReLU2d,
               (3, True): nniq.BNReLU3d}[(dims, relu)]
        m = cls(c)
        with torch.no_grad():
            m.weight.copy_(w)
            m.bias.copy_(b)
        m.running_mean.copy_(mean)
        m.running_var.copy_(var)
        m.scale, m.zero_point = torch.tensor(scale), torch.tensor(zp)
        y = m(x)
        args = {"dims": dims, "relu": relu, "num_features": c, "eps": 1e-5, "out_scale": scale, "out_zero_point": zp,
                "repr": repr(m), **qargs("x", x)}
        g.add(f"x86_{name}", "batch_norm", args,
              {"x": x.int_repr(), "weight_f": w, "bias_f": b, "mean": mean, "var": var, "y": y.int_repr()})

    x = qinput((3, 4, 6))
    w, b = torch.randn(6), torch.randn(6)
    ref = torch.nn.functional.layer_norm(x.dequantize(), [6], w, b, 1e-5)
    scale, zp = out_qparams(ref)
    m = nnq.LayerNorm([6], torch.nn.Parameter(w), torch.nn.Parameter(b), scale, zp)
    y = m(x)
    g.add("x86_layer_norm", "layer_norm", {"normalized_shape": [6], "eps": 1e-5, "out_scale": scale,
                                           "out_zero_point": zp, "repr": repr(m), **qargs("x", x)},
          {"x": x.int_repr(), "weight_f": w, "bias_f": b, "y": y.int_repr()})

    x = qinput((2, 6, 5, 3))
    w, b = torch.randn(6), torch.randn(6)
    ref = torch.nn.functional.group_norm(x.dequantize(), 3, w, b, 1e-5)
    scale, zp = out_qparams(ref)
    m = nnq.GroupNorm(3, 6, torch.nn.Parameter(w), torch.nn.Parameter(b), scale, zp)
    y = m(x)
    g.add("x86_group_norm", "group_norm", {"num_groups": 3, "num_channels": 6, "eps": 1e-5, "out_scale": scale,
                                           "out_zero_point": zp, "repr": repr(m), **qargs("x", x)},
          {"x": x.int_repr(), "weight_f": w, "bias_f": b, "y": y.int_repr()})

    for dims, cls in [(1, nnq.InstanceNorm1d), (2, nnq.InstanceNorm2d), (3, nnq.InstanceNorm3d)]:
        x = qinput((2, 3) + (5,) * dims)
        w, b = torch.randn(3), torch.randn(3)
        ref = torch.nn.functional.instance_norm(x.dequantize(), weight=w, bias=b, eps=1e-5)
        scale, zp = out_qparams(ref)
        m = cls(3, torch.nn.Parameter(w), torch.nn.Parameter(b), scale, zp, affine=True)
        y = m(x)
        g.add(f"x86_instance_norm{dims}d", "instance_norm",
              {"dims": dims, "num_features": 3, "eps": 1e-5, "out_scale": scale, "out_zero_point": zp,
               "repr": repr(m), **qargs("x", x)},
              {"x": x.int_repr(), "weight_f": w, "bias_f": b, "y": y.int_repr()})


# --- activations, Quantize / DeQuantize, QFunctional -----------------------------------------------

def gen_activations(g):
    torch.backends.quantized.engine = "x86"
    for dtype in (torch.quint8, torch.qint8):
        dt = str(dtype).replace("torch.", "")
        # Every stored integer once: the whole table of each function.
        lo = 0 if dtype == torch.quint8 else -128
        ints = (torch.arange(256) + lo).to(torch.uint8 if dtype == torch.quint8 else torch.int8).reshape(2, 2, 64)
        x = torch._make_per_tensor_quantized_tensor(ints, f32(0.05), 130 + lo if dtype == torch.quint8 else 2)
        xf = x.dequantize()
        mods = [
            ("relu6", nnq.ReLU6(), {}),
            ("hardswish", None, {"fn": torch.nn.functional.hardswish}),
            ("elu", None, {"fn": lambda t: torch.nn.functional.elu(t, 0.7), "alpha": 0.7}),
            ("leaky_relu", None, {"fn": lambda t: torch.nn.functional.leaky_relu(t, 0.15), "negative_slope": 0.15}),
            ("sigmoid", None, {"fn": torch.sigmoid}),
            ("softmax", None, {"fn": lambda t: torch.softmax(t, 2), "dim": 2}),
            ("dropout", nnq.Dropout(0.3), {}),
        ]
        for name, m, extra in mods:
            args = {"repr": None, **qargs("x", x)}
            if m is None:
                scale, zp = out_qparams(extra["fn"](xf), dtype)
                if name == "hardswish":
                    m = nnq.Hardswish(scale, zp)
                elif name == "elu":
                    m = nnq.ELU(scale, zp, extra["alpha"])
                elif name == "leaky_relu":
                    m = nnq.LeakyReLU(scale, zp, extra["negative_slope"])
                elif name == "sigmoid":
                    m = nnq.Sigmoid(scale, zp)
                else:
                    m = nnq.Softmax(extra["dim"], scale, zp)
                args.update({"out_scale": scale, "out_zero_point": zp})
                args.update({k: v for k, v in extra.items() if k != "fn"})
            y = m(x)
            args["repr"] = repr(m)
            args.update(qargs("y", y))
            g.add(f"x86_{name}_{dt}", name, args, {"x": x.int_repr(), "y": y.int_repr()})

    # PReLU: slopes whose quint8 qparams represent 1.0 exactly (scale 1/128), so PyTorch's integer kernel
    # computes the positive side correctly; Octet's float recipe is compared within one step.
    x = qinput((2, 3, 4, 5))
    w = torch.tensor([0.25, -0.5, 1.5])
    wq = torch.quantize_per_tensor(w, 1.0 / 128, 64, torch.quint8)
    ref = torch.nn.functional.prelu(x.dequantize(), wq.dequantize())
    scale, zp = out_qparams(ref)
    m = nnq.PReLU(scale, zp, 3)
    m.set_weight(wq)
    y = m(x)
    g.add("x86_prelu", "prelu", {"num_parameters": 3, "out_scale": scale, "out_zero_point": zp, "repr": repr(m),
                                 "w_scale": wq.q_scale(), "w_zero_point": wq.q_zero_point(), **qargs("x", x)},
          {"x": x.int_repr(), "w": wq.int_repr(), "y": y.int_repr()})

    # Quantize / DeQuantize.
    xf = torch.randn(3, 17) * 3
    for dtype, scale, zp in [(torch.quint8, 0.0371, 117), (torch.qint8, 0.0293, -5)]:
        m = nnq.Quantize(scale, zp, dtype)
        y = m(xf)
        dt = str(dtype).replace("torch.", "")
        g.add(f"quantize_{dt}", "quantize", {"scale": scale, "zero_point": zp, "dtype": dt, "repr": repr(m),
                                             **qargs("y", y)}, {"xf": xf, "y": y.int_repr()})
        d = nnq.DeQuantize()
        g.add(f"dequantize_{dt}", "dequantize", {"repr": repr(d), **qargs("x", y)}, {"x": y.int_repr(), "y": d(y)})


def gen_qfunctional(g):
    torch.backends.quantized.engine = "x86"
    for dtype in (torch.quint8, torch.qint8):
        dt = str(dtype).replace("torch.", "")
        # 256 elements: PyTorch's vectorized loops only (its scalar tail dequantizes without the FMA).
        a = qinput((2, 4, 32), dtype, 0.04, 10 if dtype == torch.qint8 else 120)
        b = qinput((2, 4, 32), dtype, 0.03, -7 if dtype == torch.qint8 else 140)
        f = nnq.QFunctional()
        f.scale, f.zero_point = f32(0.06), (0 if dtype == torch.qint8 else 128)
        for op in ["add", "add_relu", "mul", "cat"]:
            if op == "cat":
                y = f.cat([a, b], 1)
            else:
                y = getattr(f, op)(a, b)
            g.add(f"qfunctional_{op}_{dt}", "qfunctional",
                  {"op": op, "out_scale": f.scale, "out_zero_point": f.zero_point, "repr": repr(f),
                   **qargs("x", a), **qargs("x2", b), **qargs("y", y)},
                  {"x": a.int_repr(), "x2": b.int_repr(), "y": y.int_repr()})
        for op, c in [("add_scalar", 0.37), ("add_scalar", -9.0), ("mul_scalar", 1.7), ("mul_scalar", -0.4)]:
            y = getattr(f, op)(a, c)
            g.add(f"qfunctional_{op}_{c}_{dt}", "qfunctional",
                  {"op": op, "scalar": c, "out_scale": f.scale, "out_zero_point": f.zero_point, **qargs("x", a),
                   **qargs("y", y)},
                  {"x": a.int_repr(), "y": y.int_repr()})


# --- from_float: PyTorch's eager flow ----------------------------------------------------------------

def converted(model, calib):
    model.eval()
    model.qconfig = tq.default_per_channel_qconfig
    tq.prepare(model, inplace=True)
    model(calib)
    tq.convert(model, inplace=True)
    return model


class Wrap(torch.nn.Module):
    """QuantStub -> body -> DeQuantStub, so prepare() observes the body's output."""

    def __init__(self, body):
        super().__init__()
        self.quant = tq.QuantStub()
        self.body = body
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def gen_from_float(g):
    torch.backends.quantized.engine = "x86"

    # Linear.
    lin = torch.nn.Linear(12, 7)
    calib = torch.randn(16, 12)
    with torch.no_grad():
        calib_out = lin(calib)
        wf, bf = lin.weight.clone(), lin.bias.clone()
    q = converted(Wrap(lin), calib)
    test_x = torch.randn(5, 12)
    xq = q.quant(test_x)
    y = q.body(xq)
    wt, wa = wtensors(q.body.weight())
    g.add("from_float_linear", "from_float_linear",
          {"in_features": 12, "out_features": 7, "out_scale": q.body.scale, "out_zero_point": q.body.zero_point,
           "repr": repr(q.body), **qargs("x", xq), **wa},
          {"weight_f": wf, "bias_f": bf, "calib_out": calib_out, "x": xq.int_repr(), **wt, "y": y.int_repr()})

    # Conv2d + BatchNorm2d + ReLU, fused in eval mode.
    body = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.BatchNorm2d(6), torch.nn.ReLU())
    with torch.no_grad():
        body[1].running_mean.copy_(torch.randn(6) * 0.3)
        body[1].running_var.copy_(torch.rand(6) + 0.5)
        body[1].weight.copy_(torch.randn(6))
        body[1].bias.copy_(torch.randn(6))
    body.eval()
    calib = torch.randn(4, 3, 8, 8)
    with torch.no_grad():
        conv_w, conv_b = body[0].weight.clone(), body[0].bias.clone()
        bn = body[1]
        bn_t = {"bn_weight": bn.weight.clone(), "bn_bias": bn.bias.clone(), "mean": bn.running_mean.clone(),
                "var": bn.running_var.clone()}
    model = Wrap(body)
    model.eval()
    tq.fuse_modules(model, [["body.0", "body.1", "body.2"]], inplace=True)
    with torch.no_grad():
        fused_w, fused_b = model.body[0][0].weight.clone(), model.body[0][0].bias.clone()
        calib_out = model.body[0](calib)
    q = converted(model, calib)
    test_x = torch.randn(2, 3, 8, 8)
    xq = q.quant(test_x)
    qm = q.body[0]
    y = qm(xq)
    wt, wa = wtensors(qm.weight())
    g.add("from_float_conv_bn_relu", "from_float_conv_bn_relu",
          {"out_scale": qm.scale, "out_zero_point": qm.zero_point, "repr": repr(qm), "eps": bn.eps,
           **qargs("x", xq), **wa},
          {"weight_f": conv_w, "bias_f": conv_b, **bn_t, "fused_w": fused_w, "fused_b": fused_b,
           "calib_out": calib_out, "x": xq.int_repr(), **wt, "bias": qm.bias(), "y": y.int_repr()})


def main():
    warnings.filterwarnings("ignore")  # PyTorch's deprecation notices for torch.ao.quantization
    torch.manual_seed(20261130)
    g = Golden()
    linear_cases = [  # (name, input shape, out_features, per_channel, bias, relu)
        ("linear_pt", (5, 33), 17, False, True, False),
        ("linear_pc", (3, 4, 40), 24, True, True, False),
        ("linear_nobias", (6, 16), 9, True, False, False),
        ("linear_relu", (7, 48), 20, True, True, True),
    ]
    gen_linear(g, "qnnpack", linear_cases)
    gen_linear(g, "x86", linear_cases)
    # (name, dims, transposed, cin, cout, size, kernel, stride, padding, dilation, groups, output_padding, bias,
    #  per_channel, relu, padding_mode)
    conv_cases = [
        ("conv1d", 1, False, 4, 6, 11, 3, 1, 1, 1, 1, 0, True, True, False, "zeros"),
        ("conv2d", 2, False, 4, 8, 9, 3, 2, 1, 1, 1, 0, True, True, False, "zeros"),
        ("conv2d_dw", 2, False, 6, 6, 8, 3, 1, 1, 1, 6, 0, True, True, False, "zeros"),
        ("conv2d_pt_nobias", 2, False, 3, 5, 7, 3, 1, 0, 2, 1, 0, False, False, False, "zeros"),
        ("conv2d_reflect", 2, False, 3, 4, 6, 3, 1, 1, 1, 1, 0, True, True, False, "reflect"),
        ("conv_relu1d", 1, False, 4, 5, 10, 3, 1, 1, 1, 1, 0, True, True, True, "zeros"),
        ("conv_relu2d", 2, False, 4, 6, 7, 3, 1, 1, 1, 2, 0, True, True, True, "zeros"),
    ]
    conv3d_cases = [
        ("conv3d", 3, False, 3, 4, 5, 3, 1, 1, 1, 1, 0, True, True, False, "zeros"),
        ("conv_relu3d", 3, False, 2, 4, 5, 2, 1, 0, 1, 1, 0, True, True, True, "zeros"),
    ]
    transposed_cases = [
        ("conv_transpose1d", 1, True, 4, 6, 7, 3, 2, 1, 1, 1, 1, True, False, False, "zeros"),
        ("conv_transpose2d", 2, True, 4, 6, 5, 3, 2, 1, 1, 2, 1, True, False, False, "zeros"),
        ("conv_transpose3d", 3, True, 2, 4, 4, 3, 1, 1, 1, 1, 0, True, False, False, "zeros"),
    ]
    gen_conv(g, "qnnpack", conv_cases)
    gen_conv(g, "x86", conv_cases + conv3d_cases)
    gen_conv(g, "fbgemm", transposed_cases)
    gen_conv_add(g)
    gen_norms(g)
    gen_activations(g)
    gen_qfunctional(g)
    gen_from_float(g)
    g.save()


if __name__ == "__main__":
    main()
