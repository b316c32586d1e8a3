#!/usr/bin/env python3
"""gen_observers.py: PyTorch golden qparams for the min/max family of observers and the default qconfigs.

Writes tests/data/golden/observers.safetensors in the format tests/common/golden.h reads, with one
twist to keep the file small: the input batches are stored once per data set, as "data/<set>/in0",
"data/<set>/in1", ... (float32), and each case names its set in args["data"]. Seeded: rerunning
writes the same tensors and metadata (safetensors may order the metadata keys differently).

Cases (op = the observer class; args = its constructor arguments as Octet spells them, plus "data"):
  MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver
    out0 float64 [4] (per-tensor) or [4, C] (per-channel), exact: rows scale (float32 values),
    zero_point (integers; float32 values for per_channel_affine_float_qparams), min_val, max_val
    (float32 values), after observing every batch of the set in order with forward(); args["repr"]
    (first configuration of each set) is PyTorch's repr of the observer then.
Every data set x every dtype / qscheme / reduce_range combination PyTorch accepts, custom
quant_min / quant_max (with and without reduce_range) and eps 2^-12. Skipped: qint32 affine cases
where round(min_neg / scale) leaves int32 (PyTorch's .to(torch.int) then overflows and its zero
point is garbage; Octet clamps, see the C++ test); their count is metadata "skipped_int32_overflow".

Metadata "qconfigs": for each default qconfig and observer factory, the class and options of what
its activation and weight factories make (read from the PyTorch objects' attributes), and "reprs":
PyTorch's repr of freshly constructed observers.

    python3 scripts/golden/gen_observers.py
"""
import json
import os
import warnings

import numpy as np
import torch
from safetensors.torch import save_file
from torch.ao.quantization import observer as O
from torch.ao.quantization import qconfig as Q

warnings.filterwarnings("ignore")  # reduce_range deprecation and "must run observer" warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "observers.safetensors")
f32 = np.float32
EPS_XNNPACK = 2.0 ** -12

DTYPES = {"quint8": torch.quint8, "qint8": torch.qint8, "qint32": torch.qint32, "quint4x2": torch.quint4x2,
          "float32": torch.float32, "float16": torch.float16}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
QSCHEMES = {"per_tensor_affine": torch.per_tensor_affine, "per_tensor_symmetric": torch.per_tensor_symmetric,
            "per_channel_affine": torch.per_channel_affine, "per_channel_symmetric": torch.per_channel_symmetric,
            "per_channel_affine_float_qparams": torch.per_channel_affine_float_qparams}
QSCHEME_NAMES = {v: k for k, v in QSCHEMES.items()}


class Golden:
    def __init__(self):
        self.tensors = {}
        self.cases = []
        self.skipped = 0

    def data(self, name, batches):
        for i, b in enumerate(batches):
            self.tensors[f"data/{name}/in{i}"] = torch.from_numpy(np.ascontiguousarray(b, dtype=f32))

    def add(self, name, op, args, outs):
        assert all(c["name"] != name for c in self.cases), name
        for i, t in enumerate(outs):
            self.tensors[f"{name}/out{i}"] = t.contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self, metadata):
        meta = {"cases": json.dumps(self.cases), "torch": torch.__version__,
                "skipped_int32_overflow": str(self.skipped)}
        meta.update({k: json.dumps(v) for k, v in metadata.items()})
        save_file(self.tensors, OUT, metadata=meta)
        print(f"{OUT}: {len(self.cases)} cases ({self.skipped} skipped), {os.path.getsize(OUT)} bytes")


# --- data sets --------------------------------------------------------------------------------------

def per_tensor_sets(rng):
    """name -> list of batches (float32 arrays); a few hundred floats each."""
    n = lambda *s: rng.standard_normal(s).astype(f32)
    sets = {
        "normal": [n(4, 8, 5)],
        "normal_scaled": [n(3, 50) * f32(7.5) + f32(1.25)],
        "skewed": [np.exp(n(200) * f32(0.8)).astype(f32) - f32(0.3)],
        "all_positive": [np.abs(n(150)) + f32(0.5)],
        "all_negative": [-np.abs(n(150)) - f32(0.5)],
        "constant_pos": [np.full((40,), 1.25, f32)],
        "constant_neg": [np.full((40,), -2.5, f32)],
        "all_zero": [np.zeros((64,), f32)],
        "tiny_sym": [n(120) * f32(1e-10)],
        "tiny_offset": [f32(1e-3) + n(120) * f32(1e-10)],
        "tiny_neg_offset": [f32(-0.75) + n(120) * f32(1e-7)],
        "huge": [n(100) * f32(1e30)],
        "huge_pos": [np.abs(n(100)) * f32(1e30)],
        "outliers": [np.concatenate([n(200) * f32(0.1), np.array([40.0, -3.0], f32)])],
        "one_value": [np.array([0.3], f32)],
        # Several batches: the range grows downwards, then upwards, then shrinks (moving averages move back).
        "batches_grow": [n(60), n(60) * f32(3) - f32(2), n(60) * f32(5) + f32(4), n(60) * f32(0.5)],
        "batches_shift": [n(50) + f32(10), n(50) + f32(12), n(50) - f32(20), n(50) * f32(2)],
    }
    return sets


def per_channel_sets(rng):
    n = lambda *s: rng.standard_normal(s).astype(f32)
    scales = np.array([0.01, 1.0, 5.0, 100.0, 0.5, 2.0], f32)
    w = n(6, 5, 3) * scales[:, None, None]
    w[2] = 0.0                      # an all-zero channel
    w[4] = np.abs(w[4]) + 1.0       # an all-positive channel
    w[5] = -np.abs(w[5]) - 0.25     # an all-negative channel
    act = n(4, 6, 2, 3) * scales[None, :, None, None]
    act[:, 3] = 0.5                 # a constant channel along axis 1
    emb = n(7, 9) * f32(0.3)
    emb[1] = 2.0                    # a constant row (float qparams: scale 1)
    emb[3] = 1e-9 * n(9)            # a row below eps
    emb[6] = np.abs(emb[6]) + 0.1   # all positive (float qparams keep min > 0)
    sets = {
        "weight": [w],
        "act4d": [act],
        "emb": [emb],
        "huge_rows": [n(3, 40) * np.array([[1e30], [1e-30], [1.0]], f32)],
        "batches4d": [n(2, 3, 4, 4), n(2, 3, 4, 4) * f32(4) + f32(1), n(2, 3, 4, 4) * f32(0.25) - f32(3)],
    }
    return sets


# --- observer cases -----------------------------------------------------------------------------------

def torch_kwargs(args):
    kw = {}
    for k, v in args.items():
        if k in ("data", "repr"):
            continue
        if k == "dtype":
            v = DTYPES[v]
        elif k == "qscheme":
            v = QSCHEMES[v]
        kw[k] = v
    return kw


def int32_overflow(obs):
    """Whether PyTorch's affine zero point overflowed int32 in .to(torch.int)."""
    if obs.dtype != torch.qint32 or obs.qscheme not in (torch.per_tensor_affine, torch.per_channel_affine):
        return False
    min_neg = torch.min(obs.min_val, torch.zeros_like(obs.min_val))
    max_pos = torch.max(obs.max_val, torch.zeros_like(obs.max_val))
    scale = torch.max((max_pos - min_neg) / float(obs.quant_max - obs.quant_min), obs.eps)
    q = torch.round(min_neg / scale).double()
    return bool(((q < -2.0 ** 31) | (q >= 2.0 ** 31)).any())


def run_case(g, op, name, args, batches, with_repr=False):
    cls = getattr(O, op)
    obs = cls(**torch_kwargs(args))
    for b in batches:
        obs(torch.from_numpy(b))
    if int32_overflow(obs):
        g.skipped += 1
        return
    scale, zp = obs.calculate_qparams()
    per_channel = op.startswith("PerChannel") or op.startswith("MovingAveragePerChannel")
    if not per_channel:
        scale, zp = scale.reshape(()), zp.reshape(())
    args = dict(args)
    if with_repr:
        args["repr"] = repr(obs)
    # One float64 tensor per case keeps the file small; every value is exact in float64 (float32
    # scales, bounds and float zero points; integer zero points below 2^53).
    rows = [scale.to(torch.float32), zp, obs.min_val, obs.max_val]
    g.add(name, op, args, [torch.stack([r.to(torch.float64) for r in rows])])


def per_tensor_configs():
    """(tag, options) for every combination PyTorch accepts, plus custom ranges and eps."""
    out = []
    for dt in ("quint8", "qint8", "qint32"):
        for qs in ("per_tensor_affine", "per_tensor_symmetric"):
            for rr in (False, True):
                if dt == "quint8" and qs == "per_tensor_symmetric" and rr:
                    continue  # PyTorch raises: zero point 128 would lie outside 0..127
                tag = f"{dt}_{qs[11:]}{'_rr' if rr else ''}"
                opts = {"dtype": dt, "qscheme": qs}
                if rr:
                    opts["reduce_range"] = True
                out.append((tag, opts))
    out += [
        ("quint8_affine_0_127", {"dtype": "quint8", "quant_min": 0, "quant_max": 127}),
        ("quint8_affine_0_15", {"dtype": "quint8", "quant_min": 0, "quant_max": 15}),
        ("quint8_symmetric_0_200", {"dtype": "quint8", "qscheme": "per_tensor_symmetric",
                                    "quant_min": 0, "quant_max": 200}),
        ("qint8_symmetric_127_eps12", {"dtype": "qint8", "qscheme": "per_tensor_symmetric",
                                       "quant_min": -127, "quant_max": 127, "eps": EPS_XNNPACK}),
        ("qint8_affine_m8_7", {"dtype": "qint8", "quant_min": -8, "quant_max": 7}),
        ("qint8_affine_127_rr", {"dtype": "qint8", "quant_min": -127, "quant_max": 127, "reduce_range": True}),
        ("quint8_affine_1_255_rr", {"dtype": "quint8", "quant_min": 0, "quant_max": 255, "reduce_range": True}),
        ("quint8_affine_eps12", {"dtype": "quint8", "eps": EPS_XNNPACK}),
        ("qint8_symmetric_eps_big", {"dtype": "qint8", "qscheme": "per_tensor_symmetric", "eps": 0.5}),
    ]
    return out


def per_channel_configs():
    out = []
    for dt in ("quint8", "qint8", "qint32"):
        for qs in ("per_channel_affine", "per_channel_symmetric"):
            for rr in (False, True):
                if dt == "quint8" and qs == "per_channel_symmetric" and rr:
                    continue
                tag = f"{dt}_{qs[12:]}{'_rr' if rr else ''}"
                opts = {"dtype": dt, "qscheme": qs}
                if rr:
                    opts["reduce_range"] = True
                out.append((tag, opts))
    out += [
        ("quint8_float_qparams", {"dtype": "quint8", "qscheme": "per_channel_affine_float_qparams"}),
        ("quint4x2_float_qparams", {"dtype": "quint4x2", "qscheme": "per_channel_affine_float_qparams"}),
        ("quint8_float_qparams_rr", {"dtype": "quint8", "qscheme": "per_channel_affine_float_qparams",
                                     "reduce_range": True}),
        ("qint8_symmetric_127_eps12", {"dtype": "qint8", "qscheme": "per_channel_symmetric",
                                       "quant_min": -127, "quant_max": 127, "eps": EPS_XNNPACK}),
        ("quint8_symmetric_0_200", {"dtype": "quint8", "qscheme": "per_channel_symmetric",
                                    "quant_min": 0, "quant_max": 200}),
        ("qint8_affine_m8_7_rr", {"dtype": "qint8", "quant_min": -8, "quant_max": 7, "reduce_range": True}),
    ]
    return out


def gen_per_tensor(g, sets):
    for data, batches in sets.items():
        for i, (tag, opts) in enumerate(per_tensor_configs()):
            run_case(g, "MinMaxObserver", f"minmax/{data}/{tag}", {**opts, "data": data}, batches, with_repr=i == 0)
    # Moving averages: multi-batch sets, a few configurations and constants (1.0: the last batch).
    ma_sets = ["batches_grow", "batches_shift", "normal", "constant_neg"]
    ma_configs = [("quint8_affine", {}), ("qint8_symmetric", {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}),
                  ("quint8_affine_rr", {"reduce_range": True}),
                  ("qint8_affine_127_eps12", {"dtype": "qint8", "quant_min": -127, "quant_max": 127,
                                              "eps": EPS_XNNPACK})]
    for data in ma_sets:
        for tag, opts in ma_configs:
            for c in (0.01, 0.3, 1.0):
                args = {"averaging_constant": c, **opts, "data": data}
                run_case(g, "MovingAverageMinMaxObserver", f"moving_average/{data}/{tag}/c{c}", args, sets[data])
    run_case(g, "MovingAverageMinMaxObserver", "moving_average/batches_grow/dynamic",
             {"averaging_constant": 1.0, "is_dynamic": True, "data": "batches_grow"}, sets["batches_grow"])


def gen_per_channel(g, sets):
    axes = {"weight": (0, 1, -1), "act4d": (0, 1, -1, -3), "emb": (0, 1), "huge_rows": (0,),
            "batches4d": (1, 0, -1)}
    for data, batches in sets.items():
        for axis in axes[data]:
            for i, (tag, opts) in enumerate(per_channel_configs()):
                args = {"ch_axis": axis, **opts, "data": data}
                run_case(g, "PerChannelMinMaxObserver", f"per_channel/{data}/axis{axis}/{tag}", args, batches,
                         with_repr=i == 0)
    for data in ("batches4d", "weight"):
        for axis in (0, 1, -1):
            for tag, opts in (("quint8_affine", {}),
                              ("qint8_symmetric", {"dtype": "qint8", "qscheme": "per_channel_symmetric"}),
                              ("quint8_float_qparams", {"qscheme": "per_channel_affine_float_qparams"})):
                for c in (0.01, 0.5):
                    args = {"averaging_constant": c, "ch_axis": axis, **opts, "data": data}
                    run_case(g, "MovingAveragePerChannelMinMaxObserver",
                             f"moving_average_per_channel/{data}/axis{axis}/{tag}/c{c}", args, sets[data])


# --- qconfigs -----------------------------------------------------------------------------------------

def describe(obs):
    """Class and options of a PyTorch observer, in Octet's option names."""
    d = {"class": type(obs).__name__, "dtype": DTYPE_NAMES[obs.dtype], "is_dynamic": bool(obs.is_dynamic)}
    if isinstance(obs, O.UniformQuantizationObserverBase):
        d.update({"qscheme": QSCHEME_NAMES[obs.qscheme], "reduce_range": bool(obs.reduce_range),
                  "qmin": int(obs.quant_min), "qmax": int(obs.quant_max),
                  "custom_range": bool(obs.has_customized_qrange), "eps": float(obs.eps.item())})
    if isinstance(obs, O.PlaceholderObserver):
        d.update({"qscheme": QSCHEME_NAMES[obs.qscheme], "quant_min": obs.quant_min, "quant_max": obs.quant_max,
                  "eps": float(obs.eps)})
    if isinstance(obs, O.FixedQParamsObserver):
        d.update({"qscheme": QSCHEME_NAMES[obs.qscheme], "qmin": obs.quant_min, "qmax": obs.quant_max,
                  "scale": float(obs.scale.item()), "zero_point": int(obs.zero_point.item())})
    if hasattr(obs, "ch_axis"):
        d["ch_axis"] = int(obs.ch_axis)
    if hasattr(obs, "averaging_constant"):
        d["averaging_constant"] = float(obs.averaging_constant)
    if isinstance(obs, O.HistogramObserver):
        d["bins"] = int(obs.bins)
    return d


def gen_qconfigs():
    qconfigs = {
        "default_qconfig": Q.default_qconfig,
        "default_debug_qconfig": Q.default_debug_qconfig,
        "default_per_channel_qconfig": Q.default_per_channel_qconfig,
        "default_dynamic_qconfig": Q.default_dynamic_qconfig,
        "per_channel_dynamic_qconfig": Q.per_channel_dynamic_qconfig,
        "float16_dynamic_qconfig": Q.float16_dynamic_qconfig,
        "float16_static_qconfig": Q.float16_static_qconfig,
        "float_qparams_weight_only_qconfig": Q.float_qparams_weight_only_qconfig,
        "float_qparams_weight_only_qconfig_4bit": Q.float_qparams_weight_only_qconfig_4bit,
        "default_symmetric_qnnpack_qconfig": Q.default_symmetric_qnnpack_qconfig,
        "default_per_channel_symmetric_qnnpack_qconfig": Q.default_per_channel_symmetric_qnnpack_qconfig,
        "default_quint8_weight_qconfig": Q.default_quint8_weight_qconfig,
    }
    for backend in ("x86", "fbgemm", "onednn", "qnnpack"):
        qconfigs[f"get_default_qconfig:{backend}"] = Q.get_default_qconfig(backend)
    out = {name: {"activation": describe(qc.activation()), "weight": describe(qc.weight())}
           for name, qc in qconfigs.items()}
    factories = ["default_observer", "default_weight_observer", "weight_observer_range_neg_127_to_127",
                 "default_histogram_observer", "default_per_channel_weight_observer",
                 "per_channel_weight_observer_range_neg_127_to_127", "default_dynamic_quant_observer",
                 "default_float_qparams_observer", "default_float_qparams_observer_4bit",
                 "default_placeholder_observer", "default_debug_observer",
                 "default_fixed_qparams_range_neg1to1_observer", "default_fixed_qparams_range_0to1_observer"]
    observers = {name: describe(getattr(O, name)()) for name in factories}
    return out, observers


def gen_reprs():
    """PyTorch's repr of observers in a few states."""
    r = {}
    r["MinMaxObserver"] = repr(O.MinMaxObserver())
    r["MovingAverageMinMaxObserver"] = repr(O.MovingAverageMinMaxObserver())
    r["PerChannelMinMaxObserver"] = repr(O.PerChannelMinMaxObserver())
    r["MovingAveragePerChannelMinMaxObserver"] = repr(O.MovingAveragePerChannelMinMaxObserver())
    r["PlaceholderObserver"] = repr(O.PlaceholderObserver())
    r["PlaceholderObserver:float16_dynamic"] = repr(O.PlaceholderObserver(dtype=torch.float16, is_dynamic=True))
    r["PlaceholderObserver:quint8_dynamic"] = repr(O.PlaceholderObserver(dtype=torch.quint8, quant_min=0,
                                                                        quant_max=255, is_dynamic=True))
    r["NoopObserver"] = repr(O.NoopObserver())
    r["RecordingObserver"] = repr(O.RecordingObserver())
    r["FixedQParamsObserver"] = repr(O.FixedQParamsObserver(1.0 / 256.0, 0))
    return r


def main():
    rng = np.random.default_rng(20260505)
    g = Golden()
    pt, pc = per_tensor_sets(rng), per_channel_sets(rng)
    for name, batches in {**pt, **pc}.items():
        g.data(name, batches)
    gen_per_tensor(g, pt)
    gen_per_channel(g, pc)
    qconfigs, observers = gen_qconfigs()
    g.save({"qconfigs": qconfigs, "observers": observers, "reprs": gen_reprs()})


if __name__ == "__main__":
    main()
