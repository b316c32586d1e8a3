#!/usr/bin/env python3
"""gen_histogram_observer.py: PyTorch's HistogramObserver on seeded batches, for the bit-exact test.

Writes tests/data/golden/histogram_observer.safetensors in the format tests/common/golden.h reads.
Case NAME (op "histogram_observer") holds its batches as "NAME/in0", "NAME/in1", ... (float32) and
PyTorch's results after observing them in order:
  out0  histogram            float32 [bins]
  out1  [min_val, max_val]   float32 [2]
  out2  [new_min, new_max]   float32 [2]   _non_linear_param_search()
  out3  [scale]              float32 [1]   calculate_qparams()
  out4  [zero_point]         int64 [1]
args: bins, dtype, qscheme, reduce_range, quant_min, quant_max, eps, upsample_rate, batches.

The generator re-derives every histogram, range and search result from the arithmetic that
src/observers/histogram_torch.h documents (NumPy float32 ops one by one, fused multiply-adds in
linspace, ATen's 8-lane cascade sum, double cumsum) and stops if PyTorch disagrees, so the file
cannot silently encode a different algorithm. Rerunning writes the same file.

    python3 scripts/golden/gen_histogram_observer.py
"""
import json
import math
import os
import warnings

import numpy as np
import torch
from safetensors.torch import save_file
from torch.ao.quantization.observer import HistogramObserver

warnings.filterwarnings("ignore")  # "torch.inf detected in input tensor, ignoring input"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "histogram_observer.safetensors")
f32, f64 = np.float32, np.float64
DTYPES = {"quint8": torch.quint8, "qint8": torch.qint8, "qint32": torch.qint32}
QSCHEMES = {"per_tensor_affine": torch.per_tensor_affine, "per_tensor_symmetric": torch.per_tensor_symmetric}


# --- the arithmetic, re-derived in NumPy ---------------------------------------------------------

def fma32(a, b, c):
    """Correctly rounded float32 fused multiply-add: exact product and sum in double, with the one
    double-rounding case (the double lands on a float32 midpoint) settled by the TwoSum error."""
    a, b, c = (np.asarray(v, f32) for v in (a, b, c))
    p = a.astype(f64) * b.astype(f64)
    c64 = c.astype(f64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)
    r = s.astype(f32)
    r64 = r.astype(f64)
    up, dn = np.nextafter(r, f32(np.inf)), np.nextafter(r, f32(-np.inf))
    r = np.where((s == (r64 + up.astype(f64)) / 2) & (err > 0), up, r)
    r = np.where((s == (r64 + dn.astype(f64)) / 2) & (err < 0), dn, r)
    return r.astype(f32)


def linspace(start, end, steps):
    start, end = f32(start), f32(end)
    step = f32(f32(end - start) / f32(steps - 1))
    i = np.arange(steps)
    lo = fma32(np.full(steps, step), i.astype(f32), np.full(steps, start))
    hi = fma32(np.full(steps, -step), (steps - i - 1).astype(f32), np.full(steps, end))
    return np.where(i < steps // 2, lo, hi).astype(f32)


def histc(x, bins, mn, mx):
    lo, hi = float(mn), float(mx)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo = min(float(np.nextafter(f32(lo), f32(-np.inf))), lo - 1.0)
        hi = max(float(np.nextafter(f32(hi), f32(np.inf))), hi + 1.0)
    L, R = f32(lo), f32(hi)
    xs = x[(x >= L) & (x <= R)]
    pos = (((xs - L) * f32(bins)) / (R - L)).astype(np.int64)
    pos[pos == bins] = bins - 1
    return np.bincount(pos, minlength=bins).astype(f32)


def ceil_log2(x):
    return 1 if x <= 2 else int(x - 1).bit_length()


def multi_row_sum(rows):
    size = rows.shape[0]
    level_power = max(4, ceil_log2(size) // 4)
    step, mask = 1 << level_power, (1 << level_power) - 1
    acc = [np.zeros(rows.shape[1:], f32) for _ in range(4)]
    i = 0
    while i + step <= size:
        for _ in range(step):
            acc[0] = (acc[0] + rows[i]).astype(f32)
            i += 1
        for j in range(1, 4):
            acc[j] = (acc[j] + acc[j - 1]).astype(f32)
            acc[j - 1] = np.zeros_like(acc[j - 1])
            if i & (mask << (j * level_power)):
                break
    while i < size:
        acc[0] = (acc[0] + rows[i]).astype(f32)
        i += 1
    for j in range(1, 4):
        acc[0] = (acc[0] + acc[j]).astype(f32)
    return acc[0]


def row_sum(items):
    """ATen's row_sum over items (scalars, or 8-lane vectors as rows of a 2-D array)."""
    size = items.shape[0]
    n4 = size // 4
    ps = multi_row_sum(items[:n4 * 4].reshape((n4, 4) + items.shape[1:])) if n4 else np.zeros((4,) + items.shape[1:], f32)
    ps = [ps[k].copy() for k in range(4)]
    for i in range(n4 * 4, size):
        ps[0] = (ps[0] + items[i]).astype(f32)
    for k in range(1, 4):
        ps[0] = (ps[0] + ps[k]).astype(f32)
    return ps[0]


def aten_sum(v):
    v = np.asarray(v, f32)
    if v.size < 8:
        return f32(row_sum(v))
    nv = v.size // 8
    acc = row_sum(v[:nv * 8].reshape(nv, 8))
    total = f32(0)
    for k in range(nv * 8, v.size):
        total = f32(total + v[k])
    for lane in acc:
        total = f32(total + lane)
    return total


def div_floor(a, d):
    d = f32(d)
    mod = np.fmod(a, d)
    div = ((a - mod) / d).astype(f32)
    div = np.where((mod != 0) & ((d < 0) != (mod < 0)), div - f32(1), div).astype(f32)
    fl = np.floor(div)
    fl = np.where(div - fl > f32(0.5), fl + f32(1), fl)
    return np.where(div != 0, fl, np.copysign(f32(0), a / d)).astype(f32)


class Emulated:
    def __init__(self, bins, dst_nbins, upsample):
        self.bins, self.dst, self.up = bins, dst_nbins, upsample
        self.hist = np.zeros(bins, f32)
        self.mn, self.mx = f32(np.inf), f32(-np.inf)

    def rebin(self, h, omin, omax, umin, umax):
        if omin == omax:
            onehot = histc(np.array([omin], f32), self.bins, umin, umax)
            return (onehot * aten_sum(h)).astype(f32)
        fine = self.bins * self.up
        parts = np.repeat(h, self.up) / f32(self.up)
        half = f32(f32(0.5) * f32(f32(omax - omin) / f32(fine)))
        mids = (linspace(omin, omax, fine + 1)[:-1] + half).astype(f32)
        bounds = linspace(umin, umax, self.bins + 1)
        b = np.clip(np.searchsorted(bounds, mids, side="right") - 1, 0, self.bins - 1)
        out = np.zeros(self.bins, f32)
        for k in range(fine):
            out[b[k]] = f32(out[b[k]] + parts[k])
        return out

    def forward(self, x):
        x = x[np.isfinite(x)]
        if x.size == 0:
            return
        xmin, xmax = f32(x.min()), f32(x.max())
        if self.mn == np.inf or self.mx == -np.inf:
            self.mn, self.mx, self.hist = xmin, xmax, histc(x, self.bins, xmin, xmax)
            return
        nmin, nmax = min(self.mn, xmin), max(self.mx, xmax)
        update = histc(x, self.bins, nmin, nmax)
        if nmin != self.mn or nmax != self.mx:
            self.hist = self.rebin(self.hist, self.mn, self.mx, nmin, nmax)
        self.hist = (self.hist + update).astype(f32)
        self.mn, self.mx = f32(nmin), f32(nmax)

    def error(self, a, b):
        bw = (float(self.mx) - float(self.mn)) / self.bins
        dbw = bw * (b - a + 1) / self.dst
        if dbw == 0.0:
            return 0.0
        src_begin = ((np.arange(self.bins) - a).astype(f32) * f32(bw)).astype(f32)
        src_end = (src_begin + f32(bw)).astype(f32)
        last = f32(self.dst - 1)
        d_begin = np.clip(div_floor(src_begin, dbw), f32(0), last).astype(f32)
        d_begin_center = ((d_begin + f32(0.5)) * f32(dbw)).astype(f32)
        d_end = np.clip(div_floor(src_end, dbw), f32(0), last).astype(f32)
        density = (self.hist / f32(bw)).astype(f32)

        def get_norm(lo, hi):
            n = (((hi * hi * hi).astype(f32) - (lo * lo * lo).astype(f32)).astype(f32) / f32(3)).astype(f32)
            return (density * n).astype(f32)

        half, nhalf = np.array(f32(dbw / 2)), np.array(f32(-dbw / 2))
        norm = (np.zeros(self.bins, f32) + get_norm((src_begin - d_begin_center).astype(f32), np.full(self.bins, half))).astype(f32)
        norm = (norm + ((d_end - d_begin - f32(1)).astype(f32) * get_norm(nhalf, half)).astype(f32)).astype(f32)
        d_end_center = ((d_end * f32(dbw)).astype(f32) + half).astype(f32)
        norm = (norm + get_norm(nhalf, (src_end - d_end_center).astype(f32))).astype(f32)
        return float(aten_sum(norm))

    def search(self):
        bin_width = f32(f32(self.mx - self.mn) / f32(self.bins))
        total = float(aten_sum(self.hist))
        csum = np.cumsum(self.hist.astype(f64)).astype(f32)
        alpha, beta, start, end, norm_min = 0.0, 1.0, 0, self.bins - 1, math.inf
        while alpha < beta:
            na, nb = alpha + 1e-5, beta - 1e-5
            lt, ht = f32(na * total), f32(nb * total)
            l, r = start, end
            while l < end and csum[l] < lt:
                l += 1
            while r > start and csum[r] > ht:
                r -= 1
            ns, ne = start, end
            if (l - start) > (end - r):
                ns, alpha = l, na
            else:
                ne, beta = r, nb
            if ns == start and ne == end:
                continue
            norm = self.error(ns, ne)
            if norm > norm_min:
                break
            norm_min, start, end = norm, ns, ne
        return f32(self.mn + f32(bin_width * f32(start))), f32(self.mn + f32(bin_width * f32(end + 1)))


# --- cases ---------------------------------------------------------------------------------------

def batches_for(name, rng):
    n = lambda k: rng.standard_normal(k).astype(f32)
    if name == "normal":
        return [n(1000)]
    if name == "normal_batches":
        return [n(400) * f32(s) for s in (1.0, 0.8, 1.3, 1.1, 2.0)]
    if name == "exponential":
        return [rng.exponential(1.0, 900).astype(f32)]
    if name == "student_t":
        return [rng.standard_t(2, 800).astype(f32), rng.standard_t(2, 800).astype(f32)]
    if name == "all_negative":
        return [(-rng.random(700) * 5 - 0.5).astype(f32), (-rng.random(700) * 6 - 0.25).astype(f32)]
    if name == "constant":
        return [np.full(300, 0.7, f32), np.full(200, 0.7, f32)]
    if name == "constant_large":
        return [np.full(100, 1e10, f32)]
    if name == "constant_then_grow":
        return [np.full(300, -1.25, f32), n(500)]
    if name == "all_zero":
        return [np.zeros(400, f32), np.zeros(100, f32)]
    if name == "tiny_range":
        return [(f32(1) + rng.random(600).astype(f32) * f32(1e-6)).astype(f32)]
    if name == "tiny_magnitude":
        return [n(600) * f32(1e-20), n(600) * f32(3e-20)]
    if name == "huge_range":
        return [n(600) * f32(1e30), n(300) * f32(4e30)]
    if name == "near_overflow":
        return [(rng.random(500).astype(f32) * f32(2) - f32(1)) * f32(5e34)]
    if name == "grow_right":
        return [rng.random(500).astype(f32), (rng.random(500) * 2).astype(f32), (rng.random(500) * 3 + 0.5).astype(f32)]
    if name == "grow_left":
        return [rng.random(500).astype(f32), (rng.random(500) * 2 - 1.5).astype(f32), (-rng.random(500) * 4).astype(f32)]
    if name == "grow_both":
        return [n(300) * f32(s) for s in (0.5, 1.0, 2.0, 4.0)]
    if name == "shrink":
        return [n(600) * f32(3), n(600) * f32(0.5), n(600) * f32(0.1)]
    if name == "edge_values":
        return [np.arange(0, 101, dtype=f32), np.arange(0, 101, 2, dtype=f32)]
    if name == "with_inf":
        x = n(500)
        x[[3, 77, 300]] = [np.inf, -np.inf, np.inf]
        return [x, n(200)]
    if name == "many_batches":
        return [n(150) * f32(rng.uniform(0.2, 3.0)) + f32(rng.uniform(-0.5, 0.5)) for _ in range(12)]
    if name == "relu_like":
        return [np.maximum(n(800), f32(0)), np.maximum(n(800) * f32(1.5), f32(0))]
    if name == "bimodal":
        return [np.concatenate([n(400) * f32(0.1) - f32(3), n(400) * f32(0.1) + f32(3)])]
    raise KeyError(name)


CASES = [
    # (name, data, options)
    ("normal_quint8", "normal", {}),
    ("normal_qint8_symmetric", "normal", {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}),
    ("normal_batches", "normal_batches", {}),
    ("exponential", "exponential", {}),
    ("student_t", "student_t", {}),
    ("student_t_qint8", "student_t", {"dtype": "qint8"}),
    ("all_negative", "all_negative", {}),
    ("all_negative_symmetric", "all_negative", {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}),
    ("constant", "constant", {}),
    ("constant_large", "constant_large", {}),
    ("constant_then_grow", "constant_then_grow", {}),
    ("all_zero", "all_zero", {}),
    ("tiny_range", "tiny_range", {}),
    ("tiny_magnitude", "tiny_magnitude", {}),
    ("huge_range", "huge_range", {}),
    ("near_overflow", "near_overflow", {"dtype": "qint8"}),
    ("grow_right", "grow_right", {}),
    ("grow_left", "grow_left", {}),
    ("grow_both", "grow_both", {"dtype": "qint8"}),
    ("shrink", "shrink", {}),
    ("edge_values_100bins", "edge_values", {"bins": 100}),
    ("with_inf", "with_inf", {}),
    ("many_batches", "many_batches", {}),
    ("many_batches_256bins", "many_batches", {"bins": 256}),
    ("relu_like_reduce_range", "relu_like", {"reduce_range": True}),
    ("normal_qint8_reduce_range", "normal", {"dtype": "qint8", "reduce_range": True}),
    ("symmetric_qint8_reduce_range", "student_t", {"dtype": "qint8", "qscheme": "per_tensor_symmetric",
                                                  "reduce_range": True}),
    ("custom_range_quint4", "normal_batches", {"quant_min": 0, "quant_max": 15}),
    ("custom_range_qint8", "grow_both", {"dtype": "qint8", "quant_min": -8, "quant_max": 7}),
    ("custom_range_symmetric", "normal", {"dtype": "qint8", "qscheme": "per_tensor_symmetric",
                                          "quant_min": -127, "quant_max": 127, "eps": 2.0 ** -12}),
    ("qint32", "student_t", {"dtype": "qint32"}),
    ("eps_floor", "tiny_range", {"eps": 2.0 ** -12}),
    ("bimodal", "bimodal", {}),
    ("bins_17", "grow_both", {"bins": 17}),
    ("bins_1", "normal_batches", {"bins": 1}),
    ("upsample_4", "grow_right", {"upsample_rate": 4}),
]


def main():
    torch.set_num_threads(max(2, torch.get_num_threads()))
    tensors, cases = {}, []
    rng = np.random.default_rng(20250605)
    for name, data, opts in CASES:
        o = {"bins": 2048, "dtype": "quint8", "qscheme": "per_tensor_affine", "reduce_range": False,
             "quant_min": None, "quant_max": None, "eps": float(torch.finfo(torch.float32).eps), "upsample_rate": 16}
        o.update(opts)
        obs = HistogramObserver(bins=o["bins"], dtype=DTYPES[o["dtype"]], qscheme=QSCHEMES[o["qscheme"]],
                                reduce_range=o["reduce_range"], quant_min=o["quant_min"], quant_max=o["quant_max"],
                                eps=o["eps"])
        obs.upsample_rate = o["upsample_rate"]
        emu = Emulated(o["bins"], float(obs.dst_nbins), o["upsample_rate"])
        batches = batches_for(data, rng)
        for i, x in enumerate(batches):
            obs(torch.from_numpy(x.copy()))
            emu.forward(x)
            tensors[f"{name}/in{i}"] = torch.from_numpy(x.copy())
        hist = obs.histogram.detach().numpy().copy()
        assert np.array_equal(hist.view(np.uint32), emu.hist.view(np.uint32)), f"{name}: histogram"
        assert obs.min_val.item() == emu.mn and obs.max_val.item() == emu.mx, f"{name}: range"
        new_min, new_max = obs._non_linear_param_search()
        e_min, e_max = emu.search()
        assert new_min.item() == e_min and new_max.item() == e_max, f"{name}: search {new_min} {new_max} {e_min} {e_max}"
        scale, zero_point = obs.calculate_qparams()
        tensors[f"{name}/out0"] = torch.from_numpy(hist)
        tensors[f"{name}/out1"] = torch.tensor([obs.min_val.item(), obs.max_val.item()], dtype=torch.float32)
        tensors[f"{name}/out2"] = torch.tensor([new_min.item(), new_max.item()], dtype=torch.float32)
        tensors[f"{name}/out3"] = scale.reshape(1).to(torch.float32).clone()
        tensors[f"{name}/out4"] = zero_point.reshape(1).to(torch.int64).clone()
        o["batches"] = len(batches)
        cases.append({"name": name, "op": "histogram_observer", "args": o})
        print(f"{name}: range [{obs.min_val.item():.6g}, {obs.max_val.item():.6g}] -> "
              f"[{new_min.item():.6g}, {new_max.item():.6g}], scale {scale.item():.6g}, zp {zero_point.item()}")
    save_file(tensors, OUT, metadata={"cases": json.dumps(cases), "torch": torch.__version__,
                                      "cpu_capability": torch.backends.cpu.get_cpu_capability(),
                                      "num_threads": str(torch.get_num_threads())})
    print(f"{OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
