#!/usr/bin/env python3
"""gen_fake_quantize.py: PyTorch golden outputs for fake quantization: the functions, LSQ, the fused
observer op, the FakeQuantize modules and the QAT qconfigs.

Writes tests/data/golden/fake_quantize.safetensors in the format tests/common/golden.h reads:
tensors "<case>/in0", ... "<case>/out0", ... and metadata {"cases": json list of {"name", "op",
"args"}}. Seeded: rerunning writes the same tensors and metadata (for the same PyTorch version and CPU;
the order of the metadata keys in the header may change, safetensors' own doing).
tests/observers/fake_quantize_golden_test.cpp reads it.

Ops (args hold the scalar arguments; masks are stored as uint8):
  per_tensor   torch.fake_quantize_per_tensor_affine_cachemask: in0 x; out0 output, out1 mask.
               args: scale (a float32 value), zero_point, quant_min, quant_max.
  per_channel  torch.fake_quantize_per_channel_affine_cachemask: in0 x, in1 scale (float32),
               in2 zero_point (int32, or float32 for float qparams); out0 output, out1 mask.
               args: axis, quant_min, quant_max.
  backward     the cachemask backward (dY * mask): in0 dY, in1 mask; out0 dX.
  lsq_per_tensor / lsq_per_channel   torch._fake_quantize_learnable_per_{tensor,channel}_affine
               through autograd: in0 x, in1 scale, in2 zero_point (float32 parameters), in3 dY;
               out0 output, out1 dX, out2 dScale, out3 dZeroPoint. args: quant_min, quant_max,
               grad_factor (axis). dScale / dZeroPoint are float32 sums in PyTorch's order: exact
               for one-element inputs, else compared with a tolerance.
  fused        torch.fused_moving_avg_obs_fake_quant over a sequence of steps, in place on running
               buffers that start as PyTorch's modules make them: in<k> the input of step k;
               out<6k..6k+5> after step k: output, mask, running_min, running_max, scale,
               zero_point (int32). args: steps [{observer_on, fake_quant_on}], averaging_const,
               quant_min, quant_max, ch_axis, per_channel, symmetric.
  module       a FakeQuantize-family module from torch.ao.quantization run over batches in
               training mode: in<k> batch k; out<3k> the output, then its scale and zero_point
               buffers after batch k (learnable: also the input, scale and zero-point gradients of
               sum(output * dY) as out grads "<case>/grad<k>_x", "_scale", "_zero_point" with dY in
               "<case>/dy<k>"). args: module (the Octet class name), options (the module's and
               its observer's arguments as Octet spells them), steps (the enable_* calls before
               each batch), state_dict_keys and their dtypes and shapes after the last batch.

Metadata "qat_qconfigs": for each fake-quantize factory and QAT qconfig of torch.ao.quantization (and
get_default_qat_qconfig for every backend and version), the class and options of what its
factories make: {"module": ...} or {"activation": ..., "weight": ...}, each {"class", "observer",
"dtype", "qscheme", "quant_min", "quant_max", "reduce_range", "averaging_constant", "ch_axis",
"is_dynamic", "eps", fixed "scale" / "zero_point"} as applicable (class Identity: no module).

FMA: PyTorch's FMA-capable CPU builds (its AVX2 / AVX512 kernels; the metadata records the capability)
fuse two multiply-adds that Octet therefore writes as explicit fmas: x * inv_scale + zero_point in the
float-zero-point per-channel kernel and in LSQ's gradient kernel, and x_fq - x there. The
"fma_sensitive" cases hold inputs where the unfused form rounds to another integer.

Values where PyTorch's answer is undefined behaviour (a float -> int64 conversion overflowing on
the per-channel and LSQ paths: +inf and products >= 2^63) are left out; the C++ tests state Octet's
answer for them. NaN is included: every PyTorch fake-quantize path maps it to quant_min.

    python3 scripts/golden/gen_fake_quantize.py
"""
import json
import math
import os
import warnings

import numpy as np
import torch
from safetensors.torch import save_file
from torch.ao.quantization import fake_quantize as FQ
from torch.ao.quantization import observer as O
from torch.ao.quantization._learnable_fake_quantize import _LearnableFakeQuantize

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "fake_quantize.safetensors")
f32 = np.float32
INF = float("inf")
NAN = float("nan")


class Golden:
    def __init__(self):
        self.tensors = {}
        self.cases = []

    def add(self, name, op, args, ins, outs, extra=None):
        assert all(c["name"] != name for c in self.cases), name
        for i, t in enumerate(ins):
            self.tensors[f"{name}/in{i}"] = t.detach().contiguous().clone()
        for i, t in enumerate(outs):
            self.tensors[f"{name}/out{i}"] = t.detach().contiguous().clone()
        for k, t in (extra or {}).items():
            self.tensors[f"{name}/{k}"] = t.detach().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self):
        meta = {"cases": json.dumps(self.cases), "qat_qconfigs": json.dumps(qat_qconfigs()),
                "torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()}
        save_file(self.tensors, OUT, metadata=meta)
        print(f"{OUT}: {len(self.cases)} cases, {os.path.getsize(OUT)} bytes (torch {torch.__version__})")


def fl(v):
    """The float32 value nearest v, as a Python float."""
    return float(f32(v))


def u8(mask):
    return mask.to(torch.uint8)


# --- inputs ------------------------------------------------------------------------------------------

def halfway(scale, zp, qmin, qmax, rng, n):
    """Floats x with x * (1 / scale) == k + 0.5 exactly in float32 (searched around (k + 0.5) * scale),
    k spanning the range and a little beyond it: ties to even decide them."""
    inv = f32(1.0) / f32(scale)
    out = []
    for _ in range(n * 4):
        k = int(rng.integers(qmin - zp - 3, qmax - zp + 3))
        target = f32(k + 0.5)
        x = f32((k + 0.5) * scale)
        for step in range(-8, 9):
            cand = np.nextafter(x, f32(np.inf) if step > 0 else f32(-np.inf), dtype=f32) if step else x
            for _ in range(abs(step) - 1):
                cand = np.nextafter(cand, f32(np.inf) if step > 0 else f32(-np.inf), dtype=f32)
            if f32(cand * inv) == target:
                out.append(float(cand))
                break
        if len(out) == n:
            break
    return out


def inputs(scale, zp, qmin, qmax, rng, n=48, specials=True, plus_inf=True):
    """In-range, edge, out-of-range, halfway and special values around the quantization grid."""
    lo, hi = (qmin - zp - 4) * scale, (qmax - zp + 4) * scale
    vals = list(rng.uniform(lo, hi, n).astype(f32))
    vals += halfway(scale, zp, qmin, qmax, rng, 24)
    vals += [(q - zp) * scale for q in (qmin, qmax)] + [(qmin - zp - 0.5) * scale, (qmax - zp + 0.5) * scale]
    vals += [0.0, -0.0, 1e-30, -1e-30, 1e30 if plus_inf else 1e10 * scale, -1e30]
    if specials:
        vals += [NAN, -INF] + ([INF] if plus_inf else [])
    return torch.tensor(vals, dtype=torch.float32)


# --- the functions -------------------------------------------------------------------------------

RANGES = [  # (name, qmin, qmax, zero points)
    ("quint8", 0, 255, [0, 128, 255]),
    ("quint8_reduced", 0, 127, [0, 64, 127]),
    ("qint8", -128, 127, [-128, 0, 127]),
    ("qint8_narrow", -127, 127, [0]),
    ("quint4", 0, 15, [0, 8, 15]),
    ("qint4", -8, 7, [-8, 0, 7]),
]
SCALES = [1.0 / 256, 0.0235, 0.00214854861, 1e-4, 3.0]


def per_tensor_cases(g, rng):
    for rname, qmin, qmax, zps in RANGES:
        for zp in zps:
            for scale in SCALES:
                scale = fl(scale)
                x = inputs(scale, zp, qmin, qmax, rng)
                out, mask = torch.ops.aten.fake_quantize_per_tensor_affine_cachemask(x, scale, zp, qmin, qmax)
                check_per_tensor(x, scale, zp, qmin, qmax, out, mask)
                g.add(f"per_tensor/{rname}/zp{zp}/s{scale:.6g}", "per_tensor",
                      {"scale": scale, "zero_point": zp, "quant_min": qmin, "quant_max": qmax}, [x], [out, u8(mask)])
    # A 2-D input (the op is elementwise: the layout must not matter) and an odd length past the
    # vector widths.
    x = torch.randn(7, 37, generator=torch.Generator().manual_seed(5))
    out, mask = torch.ops.aten.fake_quantize_per_tensor_affine_cachemask(x, 0.02, 7, 0, 255)
    g.add("per_tensor/2d", "per_tensor", {"scale": fl(0.02), "zero_point": 7, "quant_min": 0, "quant_max": 255},
          [x], [out, u8(mask)])


def check_per_tensor(x, scale, zp, qmin, qmax, out, mask):
    """The generator's own model of ATen's kernel (numpy, float32); stops on any difference."""
    xs = x.numpy()
    inv = f32(1.0) / f32(scale)
    with np.errstate(invalid="ignore", over="ignore"):
        t = f32(zp) + np.rint(xs * inv).astype(f32)
        mine_mask = (t >= qmin) & (t <= qmax)
        c = np.where(np.isnan(t), qmin, np.clip(t, qmin, qmax)).astype(np.int64)
        mine = (c - zp).astype(f32) * f32(scale)
    assert np.array_equal(mine.view(np.uint32), out.numpy().view(np.uint32)), (scale, zp, qmin, qmax)
    assert np.array_equal(mine_mask, mask.numpy())


def per_channel_cases(g, rng):
    gen = torch.Generator().manual_seed(11)
    for shape, axis in [((3, 4, 5), 0), ((3, 4, 5), 1), ((3, 4, 5), 2), ((2, 3, 4, 6), 1), ((6, 20), 0), ((4, 33), 1)]:
        for rname, qmin, qmax, _ in [RANGES[0], RANGES[2], RANGES[4]]:
            c = shape[axis]
            x = torch.randn(*shape, generator=gen) * 2
            flat = x.view(-1)
            flat[::17] = NAN  # every PyTorch path gives quant_min for NaN
            flat[5::23] = -INF
            scale = (torch.rand(c, generator=gen) * 0.05 + 0.005).float()
            zp = torch.randint(qmin, qmax + 1, (c,), generator=gen, dtype=torch.int32)
            zp[0] = qmin
            zp[-1] = qmax
            out, mask = torch.ops.aten.fake_quantize_per_channel_affine_cachemask(x, scale, zp, axis, qmin, qmax)
            # Per channel equals per tensor on each slice.
            for ch in range(c):
                ref = torch.fake_quantize_per_tensor_affine(x.select(axis, ch), float(scale[ch]), int(zp[ch]), qmin, qmax)
                assert torch.equal(ref.nan_to_num(), out.select(axis, ch).nan_to_num())
            name = "x".join(map(str, shape))
            g.add(f"per_channel/{rname}/{name}/axis{axis}", "per_channel",
                  {"axis": axis, "quant_min": qmin, "quant_max": qmax}, [x, scale, zp], [out, u8(mask)])
    # Float zero points (per_channel_affine_float_qparams, embedding QAT): qparams as the observer
    # computes them, x * inv_scale + zero_point rounded in float32, then evaluated in double.
    for dtype, qmin, qmax in [(torch.quint8, 0, 255), (torch.quint4x2, 0, 15)]:
        x = torch.randn(6, 10, generator=gen)
        x.view(-1)[::13] = NAN
        obs = O.PerChannelMinMaxObserver(ch_axis=0, dtype=dtype, qscheme=torch.per_channel_affine_float_qparams)
        obs(x.nan_to_num())
        scale, zp = obs.calculate_qparams()
        assert zp.dtype == torch.float32
        out, mask = torch.ops.aten.fake_quantize_per_channel_affine_cachemask(x, scale.float(), zp, 0, qmin, qmax)
        g.add(f"per_channel/float_zp/{qmin}_{qmax}", "per_channel", {"axis": 0, "quant_min": qmin, "quant_max": qmax},
              [x, scale.float(), zp], [out, u8(mask)])


def fma_sensitive(scale, zp, rng, n, lo=-100, hi=100):
    """Floats x for which nearbyint(x * inv_scale + zp) depends on whether the multiply-add is fused
    (two float32 roundings land on the other side of a .5 than one)."""
    inv = f32(1.0) / f32(scale)
    zp = f32(zp)
    out = []
    for _ in range(200000):
        k = int(rng.integers(lo, hi))
        x = f32((k + 0.5 - float(zp)) * float(scale))
        for d in range(-3, 4):
            xx = x
            for _ in range(abs(d)):
                xx = np.nextafter(xx, f32(np.inf) if d > 0 else f32(-np.inf), dtype=f32)
            two = np.rint(f32(f32(xx * inv) + zp))
            fused = np.rint(f32(float(xx) * float(inv) + float(zp)))
            if two != fused:
                out.append(float(xx))
        if len(out) >= n:
            break
    return out[:n]


def fma_cases(g, rng):
    # Per channel with float zero points: PyTorch's kernel fuses x * inv_scale + zero_point.
    scales, zps = [0.0123, 0.031, 0.0071], [82.37, -3.25, 130.6]
    rows = [fma_sensitive(s, z, rng, 16, -90, 120) for s, z in zip(scales, zps)]
    x = torch.tensor(rows, dtype=torch.float32)
    scale = torch.tensor(scales, dtype=torch.float32)
    zp = torch.tensor(zps, dtype=torch.float32)
    out, mask = torch.ops.aten.fake_quantize_per_channel_affine_cachemask(x, scale, zp, 0, 0, 255)
    g.add("per_channel/float_zp/fma_sensitive", "per_channel", {"axis": 0, "quant_min": 0, "quant_max": 255},
          [x, scale, zp], [out, u8(mask)])
    # LSQ's gradient kernel fuses zero_point + x * inv_scale too: one-element cases (exact sums).
    for i, xv in enumerate(fma_sensitive(0.0173, 7.0, rng, 8, -20, 40)):
        x = torch.tensor([xv], requires_grad=True)
        scale = torch.tensor([0.0173], requires_grad=True)
        zp = torch.tensor([7.0], requires_grad=True)
        dy = torch.tensor([0.75])
        y = torch._fake_quantize_learnable_per_tensor_affine(x, scale, zp, 0, 255, 1.0)
        y.backward(dy)
        g.add(f"lsq_per_tensor/fma_sensitive/{i}", "lsq_per_tensor",
              {"quant_min": 0, "quant_max": 255, "grad_factor": 1.0}, [x, scale, zp, dy],
              [y, x.grad, scale.grad, zp.grad])


def backward_cases(g):
    x = torch.tensor([0.3, -2.0, 5.0, 0.01, 300.0, -1.0, 1.0, 2.0, 0.5, NAN])
    _, mask = torch.ops.aten.fake_quantize_per_tensor_affine_cachemask(x, 0.5, 0, 0, 15)
    dy = torch.tensor([1.0, -2.0, -3.0, INF, -INF, 0.25, NAN, -1.5, 7.0, 4.0])
    dx = torch.ops.aten.fake_quantize_per_tensor_affine_cachemask_backward(dy, mask)
    g.add("backward/mask", "backward", {}, [dy, u8(mask)], [dx])


# --- LSQ -----------------------------------------------------------------------------------------

def lsq_per_tensor_cases(g, rng):
    gen = torch.Generator().manual_seed(21)
    configs = [(0, 255, 0.05, 2.5), (0, 255, 0.05, 3.5), (0, 255, 0.02, 127.2), (0, 255, 0.01, 300.0),
               (-128, 127, 0.03, 0.0), (-128, 127, 0.03, -0.7), (-128, 127, 0.03, -1.5), (-8, 7, 0.25, 1.49),
               (0, 15, 0.1, -2.0)]
    for i, (qmin, qmax, scale_v, zp_v) in enumerate(configs):
        for numel in (1, 7, 200):
            for grad_factor in (1.0, 1.0 / math.sqrt(numel * qmax) if qmax > 0 else 1.0):
                x = (torch.randn(numel, generator=gen) * scale_v * (qmax - qmin) * 0.4 +
                     (scale_v * ((qmin + qmax) / 2.0 - zp_v)))
                if numel >= 7:
                    x[0] = (qmin - zp_v - 3) * scale_v  # clamped low
                    x[1] = (qmax - zp_v + 3) * scale_v  # clamped high
                    x[2] = NAN
                    x[3] = -INF
                x = x.float().requires_grad_(True)
                scale = torch.tensor([scale_v], requires_grad=True)
                zp = torch.tensor([zp_v], requires_grad=True)
                dy = torch.randn(numel, generator=gen)
                y = torch._fake_quantize_learnable_per_tensor_affine(x, scale, zp, qmin, qmax, grad_factor)
                y.backward(dy)
                g.add(f"lsq_per_tensor/{i}/n{numel}/gf{grad_factor:.4g}", "lsq_per_tensor",
                      {"quant_min": qmin, "quant_max": qmax, "grad_factor": grad_factor},
                      [x, scale, zp, dy], [y, x.grad, scale.grad, zp.grad])


def lsq_per_channel_cases(g):
    gen = torch.Generator().manual_seed(31)
    # (A 1-d input fails in PyTorch: its backward sums over an empty dim list, i.e. everything.)
    for shape, axis in [((4, 6), 0), ((3, 5, 2), 1), ((2, 3, 7), 2)]:
        for qmin, qmax in [(0, 255), (-128, 127)]:
            for grad_factor in (1.0, 0.125):
                c = shape[axis]
                x = (torch.randn(*shape, generator=gen) * 3).requires_grad_(True)
                scale = (torch.rand(c, generator=gen) * 0.04 + 0.01).requires_grad_(True)
                zp = ((torch.rand(c, generator=gen) * (qmax - qmin + 40)) + qmin - 20).requires_grad_(True)
                dy = torch.randn(*shape, generator=gen)
                y = torch._fake_quantize_learnable_per_channel_affine(x, scale, zp, axis, qmin, qmax, grad_factor)
                y.backward(dy)
                name = "x".join(map(str, shape))
                g.add(f"lsq_per_channel/{name}/axis{axis}/{qmin}_{qmax}/gf{grad_factor}", "lsq_per_channel",
                      {"axis": axis, "quant_min": qmin, "quant_max": qmax, "grad_factor": grad_factor},
                      [x, scale, zp, dy], [y, x.grad, scale.grad, zp.grad])


# --- fused observer + fake quantize ----------------------------------------------------------------

def fused_cases(g):
    gen = torch.Generator().manual_seed(41)
    configs = [  # name, qmin, qmax, symmetric, per_channel, shape, scale of the data
        ("act_quint8", 0, 255, False, False, (4, 33), 1.0),
        ("act_reduce_range", 0, 127, False, False, (65,), 3.0),
        ("wt_qint8_sym", -128, 127, True, False, (8, 9), 0.2),
        ("wt_narrow_sym", -127, 127, True, False, (8, 9), 0.2),
        ("act_qint8_sym", -128, 127, True, False, (50,), 1.0),
        ("tiny_range", 0, 255, False, False, (40,), 1e-6),
        ("tiny_positive", 0, 255, False, False, (40,), -1e-6),
        ("tiny_range_sym", -128, 127, True, False, (40,), 1e-7),
        ("positive_only", 0, 255, False, False, (40,), -1.0),
        ("wt_per_channel_sym", -128, 127, True, True, (6, 10), 0.5),
        ("wt_per_channel_3d", -127, 127, True, True, (4, 3, 5), 0.5),
        ("per_channel_affine", 0, 255, False, True, (5, 16), 1.0),
    ]
    steps = [(1, 1), (1, 1), (0, 1), (1, 0), (1, 1)]
    for name, qmin, qmax, sym, per_channel, shape, mag in configs:
        if per_channel:
            running_min, running_max = torch.tensor([]), torch.tensor([])
        else:
            running_min, running_max = torch.tensor(INF), torch.tensor(-INF)
        scale = torch.tensor([1.0])
        zp = torch.tensor([0], dtype=torch.int32)
        ins, outs = [], []
        for k, (obs_on, fq_on) in enumerate(steps):
            x = torch.randn(*shape, generator=gen) * abs(mag) + (k * 0.1 * abs(mag))
            if mag < 0:
                x = x.abs() + 0.5 * abs(mag)  # min > 0: fbgemm widens the range to 0
            y, mask = torch.ops.aten._fused_moving_avg_obs_fq_helper(
                x, torch.tensor([obs_on]), torch.tensor([fq_on]), running_min, running_max, scale, zp, 0.01, qmin,
                qmax, 0, per_channel, sym)
            ins.append(x)
            outs += [y, u8(mask), running_min.clone(), running_max.clone(), scale.clone(), zp.clone()]
        g.add(f"fused/{name}", "fused",
              {"steps": [{"observer_on": o, "fake_quant_on": f} for o, f in steps], "averaging_const": 0.01,
               "quant_min": qmin, "quant_max": qmax, "ch_axis": 0, "per_channel": per_channel, "symmetric": sym},
              ins, outs)


# --- modules ---------------------------------------------------------------------------------------

QSCHEME_NAMES = {torch.per_tensor_affine: "per_tensor_affine", torch.per_tensor_symmetric: "per_tensor_symmetric",
                 torch.per_channel_affine: "per_channel_affine", torch.per_channel_symmetric: "per_channel_symmetric",
                 torch.per_channel_affine_float_qparams: "per_channel_affine_float_qparams"}
DTYPE_NAMES = {torch.quint8: "quint8", torch.qint8: "qint8", torch.quint4x2: "quint4x2", torch.float32: "float32",
               torch.int32: "int32", torch.int64: "int64", torch.uint8: "uint8"}


def state_summary(m):
    sd = m.state_dict()
    return {"state_dict_keys": list(sd.keys()),
            "state_dict_dtypes": [DTYPE_NAMES[v.dtype] for v in sd.values()],
            "state_dict_shapes": [list(v.shape) for v in sd.values()]}


def module_cases(g):
    gen = torch.Generator().manual_seed(51)
    specs = [
        # (case, Octet class, PyTorch factory, options for the C++ side, input shape, steps)
        ("default_fake_quant", "FakeQuantize", FQ.default_fake_quant,
         {"observer": "MovingAverageMinMaxObserver", "quant_min": 0, "quant_max": 255, "dtype": "quint8",
          "qscheme": "per_tensor_affine", "reduce_range": True}, (4, 25), None),
        ("default_weight_fake_quant", "FakeQuantize", FQ.default_weight_fake_quant,
         {"observer": "MovingAverageMinMaxObserver", "quant_min": -128, "quant_max": 127, "dtype": "qint8",
          "qscheme": "per_tensor_symmetric", "reduce_range": False}, (6, 7), None),
        ("default_per_channel_weight_fake_quant", "FakeQuantize", FQ.default_per_channel_weight_fake_quant,
         {"observer": "MovingAveragePerChannelMinMaxObserver", "quant_min": -128, "quant_max": 127, "dtype": "qint8",
          "qscheme": "per_channel_symmetric", "reduce_range": False, "ch_axis": 0}, (5, 8), None),
        ("embedding_fake_quant", "FakeQuantize", FQ.default_embedding_fake_quant,
         {"observer": "MovingAveragePerChannelMinMaxObserver", "quant_min": 0, "quant_max": 255, "dtype": "quint8",
          "qscheme": "per_channel_affine_float_qparams", "ch_axis": 0, "averaging_constant": 1.0}, (6, 4), None),
        ("default_fused_act_fake_quant", "FusedMovingAvgObsFakeQuantize", FQ.default_fused_act_fake_quant,
         {"observer": "MovingAverageMinMaxObserver", "quant_min": 0, "quant_max": 255, "dtype": "quint8"}, (3, 40), None),
        ("default_fused_wt_fake_quant", "FusedMovingAvgObsFakeQuantize", FQ.default_fused_wt_fake_quant,
         {"observer": "MovingAverageMinMaxObserver", "quant_min": -128, "quant_max": 127, "dtype": "qint8",
          "qscheme": "per_tensor_symmetric"}, (6, 7), None),
        ("default_fused_per_channel_wt_fake_quant", "FusedMovingAvgObsFakeQuantize",
         FQ.default_fused_per_channel_wt_fake_quant,
         {"observer": "MovingAveragePerChannelMinMaxObserver", "quant_min": -128, "quant_max": 127, "dtype": "qint8",
          "qscheme": "per_channel_symmetric"}, (5, 8), None),
        ("fused_disable_steps", "FusedMovingAvgObsFakeQuantize", FQ.default_fused_act_fake_quant,
         {"observer": "MovingAverageMinMaxObserver", "quant_min": 0, "quant_max": 255, "dtype": "quint8"}, (30,),
         ["", "disable_observer", "disable_fake_quant", "enable_fake_quant", "enable_observer"]),
        ("fake_quant_disable_steps", "FakeQuantize", FQ.default_fake_quant,
         {"observer": "MovingAverageMinMaxObserver", "quant_min": 0, "quant_max": 255, "dtype": "quint8",
          "qscheme": "per_tensor_affine", "reduce_range": True}, (30,),
         ["", "disable_observer", "disable_fake_quant", "enable_fake_quant", "enable_observer"]),
        ("fixed_qparams_0to1", "FixedQParamsFakeQuantize", FQ.default_fixed_qparams_range_0to1_fake_quant,
         {"scale": 1.0 / 256.0, "zero_point": 0, "dtype": "quint8", "qscheme": "per_tensor_affine", "quant_min": 0,
          "quant_max": 255}, (20,), None),
        ("fixed_qparams_neg1to1", "FixedQParamsFakeQuantize", FQ.default_fixed_qparams_range_neg1to1_fake_quant,
         {"scale": 2.0 / 256.0, "zero_point": 128, "dtype": "quint8", "qscheme": "per_tensor_affine", "quant_min": 0,
          "quant_max": 255}, (20,), None),
    ]
    for case, cls, factory, options, shape, steps in specs:
        m = factory()
        m.train()
        steps = steps or ["", "", ""]
        ins, outs = [], []
        for k, step in enumerate(steps):
            if step:
                getattr(m, step)()
            x = torch.randn(*shape, generator=gen) * (1.0 + k)
            if cls == "FixedQParamsFakeQuantize":
                x = torch.sigmoid(x) if "0to1" in case else torch.tanh(x)
            y = m(x)
            ins.append(x)
            outs += [y.detach(), m.scale.clone(), m.zero_point.clone()]
        args = {"module": cls, "options": options, "steps": steps}
        args.update(state_summary(m))
        g.add(f"module/{case}", "module", args, ins, outs)

    # _LearnableFakeQuantize: static estimation for two batches, then learning (observer off) for two,
    # with the gradients of sum(y * dY).
    for case, qscheme, shape, kwargs, use_grad_scaling in [
            ("learnable_per_tensor", torch.per_tensor_affine, (4, 9), {}, True),
            ("learnable_per_tensor_sym", torch.per_tensor_symmetric, (4, 9), {"dtype": torch.qint8}, False),
            ("learnable_per_channel", torch.per_channel_affine, (3, 8), {"ch_axis": 0}, False)]:
        qmin, qmax = (-128, 127) if kwargs.get("dtype") == torch.qint8 else (0, 255)
        observer = (O.MovingAveragePerChannelMinMaxObserver if qscheme == torch.per_channel_affine
                    else O.MovingAverageMinMaxObserver)
        channel_len = shape[0] if qscheme == torch.per_channel_affine else -1
        m = _LearnableFakeQuantize(observer=observer, quant_min=qmin, quant_max=qmax, channel_len=channel_len,
                                   use_grad_scaling=use_grad_scaling, qscheme=qscheme, **kwargs)
        m.train()
        steps = ["enable_static_estimate", "", "enable_param_learning", ""]
        ins, outs, extra = [], [], {}
        for k, step in enumerate(steps):
            if step:
                getattr(m, step)()
            x = (torch.randn(*shape, generator=gen) * 2).requires_grad_(True)
            dy = torch.randn(*shape, generator=gen)
            for p in (m.scale, m.zero_point):
                p.grad = None
            y = m(x)
            y.backward(dy)
            ins.append(x.detach())
            outs += [y.detach(), m.scale.detach().clone(), m.zero_point.detach().clone()]
            extra[f"dy{k}"] = dy
            extra[f"grad{k}_x"] = x.grad
            if m.learning_enabled[0] == 1:
                extra[f"grad{k}_scale"] = m.scale.grad
                extra[f"grad{k}_zero_point"] = m.zero_point.grad
        options = {"observer": observer.__name__, "quant_min": qmin, "quant_max": qmax, "channel_len": channel_len,
                   "use_grad_scaling": use_grad_scaling, "qscheme": QSCHEME_NAMES[qscheme],
                   "dtype": DTYPE_NAMES[kwargs.get("dtype", torch.quint8)]}
        if "ch_axis" in kwargs:
            options["ch_axis"] = kwargs["ch_axis"]
        args = {"module": "LearnableFakeQuantize", "options": options, "steps": steps}
        args.update(state_summary(m))
        g.add(f"module/{case}", "module", args, ins, outs, extra)


# --- QAT qconfigs ------------------------------------------------------------------------------------

def describe(m):
    """What a qconfig factory makes: class, observer class and the options that matter."""
    d = {"class": type(m).__name__}
    obs = getattr(m, "activation_post_process", None)
    if obs is None:  # an observer or nn.Identity itself
        obs = m if isinstance(m, O.ObserverBase) else None
        if obs is None:
            return d
    else:
        d["observer"] = type(obs).__name__
    d["dtype"] = DTYPE_NAMES[obs.dtype]
    if hasattr(obs, "qscheme"):
        d["qscheme"] = QSCHEME_NAMES[obs.qscheme]
    for attr in ("quant_min", "quant_max", "reduce_range", "averaging_constant", "ch_axis", "is_dynamic"):
        if getattr(obs, attr, None) is not None:
            d[attr] = getattr(obs, attr)
    if hasattr(obs, "eps") and isinstance(obs.eps, torch.Tensor):
        d["eps"] = float(obs.eps)
    if isinstance(obs, O.FixedQParamsObserver):
        d["scale"] = float(obs.scale)
        d["zero_point"] = int(obs.zero_point)
    return d


def qat_qconfigs():
    from torch.ao.quantization import qconfig as Q
    out = {}
    fqs = ["default_fake_quant", "default_weight_fake_quant", "default_dynamic_fake_quant",
           "default_fixed_qparams_range_neg1to1_fake_quant", "default_fixed_qparams_range_0to1_fake_quant",
           "default_per_channel_weight_fake_quant", "default_embedding_fake_quant",
           "default_embedding_fake_quant_4bit", "default_histogram_fake_quant", "default_fused_act_fake_quant",
           "default_fused_wt_fake_quant", "default_fused_per_channel_wt_fake_quant",
           "fused_wt_fake_quant_range_neg_127_to_127", "fused_per_channel_wt_fake_quant_range_neg_127_to_127"]
    for name in fqs:
        out[name] = {"module": describe(getattr(FQ, name)())}
    qcs = {name: getattr(Q, name) for name in
           ["default_qat_qconfig", "default_dynamic_qat_qconfig", "default_weight_only_qconfig",
            "default_activation_only_qconfig", "default_qat_qconfig_v2", "default_symmetric_qnnpack_qat_qconfig",
            "default_per_channel_symmetric_qnnpack_qat_qconfig", "default_embedding_qat_qconfig",
            "default_embedding_qat_qconfig_4bit"]}
    for backend in ("x86", "fbgemm", "qnnpack", "onednn"):
        for version in (0, 1):
            qcs[f"get_default_qat_qconfig/{backend}/{version}"] = Q.get_default_qat_qconfig(backend, version)
    for name, qc in qcs.items():
        out[name] = {"activation": describe(qc.activation()), "weight": describe(qc.weight())}
    return out


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(1234)
    g = Golden()
    per_tensor_cases(g, rng)
    per_channel_cases(g, rng)
    backward_cases(g)
    fma_cases(g, rng)
    lsq_per_tensor_cases(g, rng)
    lsq_per_channel_cases(g)
    fused_cases(g)
    module_cases(g)
    g.save()


if __name__ == "__main__":
    main()
