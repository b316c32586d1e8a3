#!/usr/bin/env python3
# gen_golden_numerics.py: writes tests/data/golden_numerics.json, PyTorch's quantization answers for Octet's golden test.
"""Golden data for tests/quant/golden_numerics_test.cpp.

Usage:  python3 scripts/gen_golden_numerics.py [--out PATH]

Needs torch and numpy (CPU only). Deterministic: every input comes from a seeded numpy Generator,
and PyTorch only computes answers. The script also

  * checks that PyTorch's scalar and vectorized paths agree on every case (each value quantized
    alone, inside the case's tensor, and inside a 1031-element tensor at an odd offset; dequantize
    likewise) and records both answers when they do not;
  * computes Octet's contract (docs/numerics.md) for every value with numpy float32 arithmetic and
    compares it with PyTorch. Where they differ the JSON keeps the contract answer as the expected
    value and PyTorch's under a torch_* key, with the reason in the case's "divergence" list. Every
    difference must match one of the known reasons below, or the script fails;
  * re-derives the observer and dynamic qparams from the documented formulas and fails if PyTorch
    disagrees, so docs/numerics.md cannot drift from what PyTorch does.
"""

import argparse
import json
import math
import os
import sys
import warnings

import numpy as np
import torch

SEED = 20240607
f32 = np.float32
FLT_MAX = float(np.finfo(np.float32).max)
INF = float("inf")

DTYPES = {
    "quint8": (torch.quint8, 0, 255),
    "qint8": (torch.qint8, -128, 127),
    "qint32": (torch.qint32, -(2**31), 2**31 - 1),
    "quint4x2": (torch.quint4x2, 0, 15),
}
INT_REPR_TORCH = {"quint8": torch.uint8, "qint8": torch.int8, "qint32": torch.int32}
QSCHEMES = {
    "per_tensor_affine": torch.per_tensor_affine,
    "per_tensor_symmetric": torch.per_tensor_symmetric,
    "per_channel_affine": torch.per_channel_affine,
    "per_channel_symmetric": torch.per_channel_symmetric,
    "per_channel_affine_float_qparams": torch.per_channel_affine_float_qparams,
}

# Known, explained differences between PyTorch and Octet's contract. Any other difference is a bug
# in this script or a new PyTorch behaviour, and stops generation.
DIVERGENCES = {
    "quint4x2_int64_overflow": (
        "quantize_per_tensor to quint4x2 converts zero_point + nearbyint(x * inv_scale) to int64 "
        "before clamping; at 2^63 and above (including +inf) the conversion overflows (x86 gives "
        "INT64_MIN) and PyTorch returns 0. The contract saturates to 15."),
    "fbgemm_zero_point_int32_overflow": (
        "quantize_per_tensor to quint8/qint8 (fbgemm) clips nearbyint(x * inv_scale) above at "
        "2147483520 (the largest float32 below 2^31), converts it to int32 (values at or below "
        "-2^31 become INT32_MIN) and then adds the zero point in wrapping int32 arithmetic before "
        "clamping. quint8 with zero_point >= 128: every x with x * inv_scale >= 2147483520 "
        "(including +inf) wraps negative and becomes 0 instead of 255. qint8 with zero_point < 0: "
        "every x with x * inv_scale <= -2^31 (including -inf) wraps positive and becomes 127 "
        "instead of -128. The contract saturates."),
    "float_qparams_int32_overflow": (
        "per_channel_affine_float_qparams quantize converts x * inv_scale + zero_point to a 32-bit "
        "integer before clamping; at 2^31 and above (including +inf) it overflows and PyTorch "
        "returns qmin (0). The contract saturates to qmax."),
    "qint32_dequantize_int32_wrap": (
        "PyTorch dequantizes qint32 as (float)(int32)(q - zero_point): the subtraction wraps modulo "
        "2^32 when it overflows int32 (e.g. zero_point = -2^31). The contract subtracts exactly "
        "(int64), then converts to float32."),
    "per_channel_dequantize_double_scale": (
        "PyTorch's per-channel dequantize computes ((float)q - (float)zero_point) in float32, "
        "multiplies by the float64 scale and rounds the product to float32; per-tensor dequantize "
        "and every quantize use (float)scale. The contract is (float)(q - zp) * (float)scale "
        "everywhere. For 8-bit types the two agree whenever the scale is a float32 value "
        "(observer scales always are); for qint32 they can also differ when |q| or |zero_point| "
        "exceeds 2^24 (PyTorch rounds q and zero_point to float32 before subtracting)."),
}


# ----------------------------------------------------------------------------------------------
# Encoding


def hf32(v):
    """float32 -> 8 hex digits of its bit pattern."""
    return format(int(np.asarray(v, dtype=np.float32).reshape(()).view(np.uint32)), "08x")


def hf64(v):
    """float64 -> 16 hex digits of its bit pattern."""
    return format(int(np.asarray(v, dtype=np.float64).reshape(()).view(np.uint64)), "016x")


def hf32s(a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32)).reshape(-1)
    return [format(int(b), "08x") for b in a.view(np.uint32)]


def hf64s(a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64)).reshape(-1)
    return [format(int(b), "016x") for b in a.view(np.uint64)]


def ints(a):
    return [int(v) for v in np.asarray(a).reshape(-1)]


def bits32(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32)).view(np.uint32)


def same_f32(a, b):
    return np.array_equal(bits32(a), bits32(b))


# ----------------------------------------------------------------------------------------------
# PyTorch helpers


def unpack4(packed, n):
    """quint4x2 storage bytes -> n values (element 2i in the low nibble of byte i)."""
    b = packed.reshape(-1).numpy().astype(np.int64)
    out = np.empty(b.size * 2, dtype=np.int64)
    out[0::2] = b & 15
    out[1::2] = b >> 4
    return out[:n]


def torch_int_values(q, dtype_name):
    ir = q.int_repr()
    if dtype_name == "quint4x2":
        return unpack4(ir, q.numel()).reshape(tuple(q.shape))
    return ir.numpy().astype(np.int64)


def torch_qpt(x, scale, zp, dname):
    """quantize_per_tensor -> (int values, dequantized float32)."""
    q = torch.quantize_per_tensor(torch.from_numpy(np.array(x, dtype=np.float32)), scale, zp,
                                  DTYPES[dname][0])
    return torch_int_values(q, dname), q.dequantize().numpy().copy()


def torch_make_pt(qvals, scale, zp, dname):
    ir = torch.from_numpy(np.asarray(qvals, dtype=np.int64)).to(INT_REPR_TORCH[dname])
    return torch._make_per_tensor_quantized_tensor(ir, scale, zp)


# ----------------------------------------------------------------------------------------------
# Octet's contract, in numpy float32 (docs/numerics.md)


def contract_quantize(x, scale, zp, qmin, qmax):
    """q = clamp(nearbyint(x * (1.0f / (float)scale)) + zp, qmin, qmax).

    float32 multiply, round half to even; the zero point is added after rounding in float32 (exact
    for 8-bit types; for qint32 it matches PyTorch's float addition, see docs/numerics.md);
    +-inf and out-of-range values saturate."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(all="ignore"):
        inv = f32(1.0) / f32(scale)
        r = np.rint(x * inv)
        s = (r + f32(zp)).astype(np.float64)
    assert not np.any(np.isnan(s)), "contract_quantize: NaN reached (NaN inputs are excluded)"
    return np.clip(s, qmin, qmax).astype(np.int64)


def contract_dequantize(q, scale, zp):
    """x = (float)(q - zp) * (float)scale: exact integer subtraction, float32 multiply."""
    d = (np.asarray(q, dtype=np.int64) - int(zp)).astype(np.float32)
    with np.errstate(over="ignore"):  # a huge scale may dequantize to +-inf, as in float32
        return d * f32(scale)


def contract_quantize_fq(x, scale, zp, qmin, qmax):
    """Float zero point: q = clamp(nearbyint(x * inv_scale + zp), qmin, qmax), two float32
    roundings (multiply, then add; no FMA), inv_scale = 1 when scale is 0."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(all="ignore"):
        inv = f32(1.0) if f32(scale) == 0 else f32(1.0) / f32(scale)
        s = np.rint((x * inv) + f32(zp)).astype(np.float64)
    assert not np.any(np.isnan(s))
    return np.clip(s, qmin, qmax).astype(np.int64)


def contract_dequantize_fq(q, scale, zp):
    """x = ((float)q - zp) * scale, float32, two roundings."""
    return (np.asarray(q, dtype=np.int64).astype(np.float32) - f32(zp)) * f32(scale)


def fq_pre_round(x, scale, zp):
    with np.errstate(all="ignore"):
        inv = f32(1.0) if f32(scale) == 0 else f32(1.0) / f32(scale)
        return ((np.asarray(x, dtype=np.float32) * inv) + f32(zp)).astype(np.float64)


# ----------------------------------------------------------------------------------------------
# Input construction


def halfway_inputs(scale, ks):
    """x with float32(x * float32(1/scale)) exactly k + 0.5 (asserted)."""
    inv = f32(1.0) / f32(scale)
    out = []
    for k in ks:
        target = f32(k + 0.5)
        if float(target) != k + 0.5:
            continue
        x0 = f32((k + 0.5) / float(inv))
        cands = [x0]
        up, dn = x0, x0
        for _ in range(4):
            up = np.nextafter(up, f32(INF), dtype=np.float32)
            dn = np.nextafter(dn, f32(-INF), dtype=np.float32)
            cands += [up, dn]
        for c in cands:
            with np.errstate(all="ignore"):
                p = f32(c) * inv
            if p == target:
                assert float(f32(c) * inv) == k + 0.5
                out.append(f32(c))
                break
    return np.array(out, dtype=np.float32)


def recip_vs_div_inputs(scale, ks, limit):
    """x where nearbyint(x * (1/scale)) differs from nearbyint(x / scale) in float32."""
    s32 = f32(scale)
    inv = f32(1.0) / s32
    out = []
    for k in ks:
        x0 = f32((k + 0.5) * float(s32))
        c = x0
        for step in range(-6, 7):
            c = x0
            for _ in range(abs(step)):
                c = np.nextafter(c, f32(INF if step > 0 else -INF), dtype=np.float32)
            with np.errstate(all="ignore"):
                a = np.rint(c * inv)
                b = np.rint(c / s32)
            if a != b and np.isfinite(a) and np.isfinite(b):
                out.append(c)
                break
        if len(out) >= limit:
            break
    return np.array(out, dtype=np.float32)


SPECIALS = np.array([0.0, -0.0, 1e30, -1e30, 3.4e38, -3.4e38, FLT_MAX, -FLT_MAX, INF, -INF,
                     1e-40, -1e-40, 1.4e-45, -1.4e-45, 1e-38, 1.1754944e-38], dtype=np.float32)


# ----------------------------------------------------------------------------------------------
# Classification of PyTorch vs contract differences


def classify_quantize(dname, x, scale, zp, qmin, qmax, tq, cq, float_qparams=False):
    """Returns the divergence reasons explaining every index where tq != cq (or raises)."""
    reasons = set()
    bad = np.nonzero(np.asarray(tq).reshape(-1) != np.asarray(cq).reshape(-1))[0]
    xs = np.asarray(x, dtype=np.float32).reshape(-1)
    tqf = np.asarray(tq).reshape(-1)
    cqf = np.asarray(cq).reshape(-1)
    for i in bad:
        if float_qparams:
            pre = fq_pre_round(xs[i:i + 1], scale, zp)[0]
            if pre >= 2.0**31 and tqf[i] == qmin and cqf[i] == qmax:
                reasons.add("float_qparams_int32_overflow")
                continue
        elif dname in ("quint8", "qint8"):
            with np.errstate(all="ignore"):
                r = float(np.rint(xs[i] * (f32(1.0) / f32(scale))))
            c = -(2**31) if r <= -(2.0**31) else int(min(r, 2147483520.0))
            wrapped = ((c + int(zp) + 2**31) % 2**32) - 2**31
            fbgemm = min(max(wrapped, qmin), qmax)
            if tqf[i] == fbgemm and wrapped != c + int(zp):
                reasons.add("fbgemm_zero_point_int32_overflow")
                continue
        elif dname == "quint4x2":
            with np.errstate(all="ignore"):
                pre = float(np.rint(xs[i] * (f32(1.0) / f32(scale))) + f32(zp))
            if pre >= 2.0**63 and tqf[i] == qmin and cqf[i] == qmax:
                reasons.add("quint4x2_int64_overflow")
                continue
        raise AssertionError(f"unexplained quantize difference: dtype {dname} x {xs[i]!r} "
                             f"scale {scale!r} zp {zp!r} torch {tqf[i]} contract {cqf[i]}")
    return reasons


def classify_dequantize(q, scale, zp, tdq, cdq, per_channel_double=None):
    """per_channel_double: the float64 scales broadcast like q (per-channel) or None."""
    reasons = set()
    qf = np.asarray(q, dtype=np.int64).reshape(-1)
    t = bits32(tdq).reshape(-1)
    c = bits32(cdq).reshape(-1)
    bad = np.nonzero(t != c)[0]
    for i in bad:
        zi = int(np.asarray(zp).reshape(-1)[i]) if np.ndim(zp) else int(zp)
        si = float(np.asarray(scale).reshape(-1)[i]) if np.ndim(scale) else float(scale)
        diff = int(qf[i]) - zi
        wrapped = ((diff + 2**31) % 2**32) - 2**31
        if wrapped != diff and per_channel_double is None:
            if t[i] == bits32(f32(wrapped) * f32(si)):
                reasons.add("qint32_dequantize_int32_wrap")
                continue
        if per_channel_double is not None:
            d = float(np.asarray(per_channel_double).reshape(-1)[i])
            torch_pc = f32(float(f32(f32(int(qf[i])) - f32(zi))) * d)
            if t[i] == bits32(torch_pc):
                reasons.add("per_channel_dequantize_double_scale")
                continue
        raise AssertionError(f"unexplained dequantize difference: q {qf[i]} scale {si!r} zp {zi} "
                             f"torch {t[i]:08x} contract {c[i]:08x}")
    return reasons


# ----------------------------------------------------------------------------------------------
# Scalar vs vectorized agreement


class PathLog:
    """Counts PyTorch scalar/vector path comparisons and records disagreements."""

    def __init__(self):
        self.checked = 0
        self.disagreements = []
        self.explained = {}

    def note(self, what, case, detail):
        self.disagreements.append({"what": what, "case": case, "detail": detail})


PATHS = PathLog()


def torch_quantize_paths(x, scale, zp, dname, case_name):
    """Quantizes x (1-D) as one tensor, value by value, and inside a 1031-element tensor at offset
    5 (vector body and tail). Returns (vector result, scalar result)."""
    n = x.size
    qv, dv = torch_qpt(x, scale, zp, dname)
    qs = np.empty(n, dtype=np.int64)
    ds = np.empty(n, dtype=np.float32)
    for i in range(n):
        a, b = torch_qpt(x[i:i + 1], scale, zp, dname)
        qs[i] = a[0]
        ds[i] = b[0]
    big = np.zeros(1031, dtype=np.float32)
    reps = []
    for start in range(5, 1031 - n + 1, max(n, 1) + 3):
        big[start:start + n] = x
        reps.append(start)
        if len(reps) >= 6:
            break
    qb, db = torch_qpt(big, scale, zp, dname)
    PATHS.checked += 3 * n
    for start in reps:
        if not np.array_equal(qb[start:start + n], qv):
            PATHS.note("quantize_per_tensor", case_name, "1031-element tensor differs")
        if not same_f32(db[start:start + n], dv):
            PATHS.note("dequantize(quantize_per_tensor)", case_name, "1031-element tensor differs")
    if not np.array_equal(qs, qv):
        PATHS.note("quantize_per_tensor", case_name,
                   f"scalar vs vector differ at {ints(np.nonzero(qs != qv)[0])}")
    if not same_f32(ds, dv):
        PATHS.note("dequantize", case_name, "scalar vs vector differ")
    return qv, dv, qs, ds


def torch_dequantize_paths(qvals, scale, zp, dname, case_name):
    """Dequantizes integer values through _make_per_tensor_quantized_tensor: whole tensor, one by
    one, and inside a 1031-element tensor."""
    qvals = np.asarray(qvals, dtype=np.int64).reshape(-1)
    dv = torch_make_pt(qvals, scale, zp, dname).dequantize().numpy().copy()
    ds = np.array([torch_make_pt(qvals[i:i + 1], scale, zp, dname).dequantize().item()
                   for i in range(qvals.size)], dtype=np.float32)
    big = np.full(1031, zp, dtype=np.int64)
    start = 7
    n = min(qvals.size, 1031 - start)
    big[start:start + n] = qvals[:n]
    db = torch_make_pt(big, scale, zp, dname).dequantize().numpy()
    PATHS.checked += 3 * qvals.size
    if not same_f32(ds, dv):
        PATHS.note("dequantize", case_name, "scalar vs vector differ")
    if not same_f32(db[start:start + n], dv[:n]):
        PATHS.note("dequantize", case_name, "1031-element tensor differs")
    return dv, ds


# ----------------------------------------------------------------------------------------------
# a. quantize_per_tensor


PT_SCALES = [1e-10, 1e-5, 0.00214854861, 0.0078125, 0.1, 1.0 / 3.0, 1.0, 7.3, 1000.0, 1e10, 5e-39]
PT_ZPS = {
    "quint8": [0, 128, 255, 37],
    "qint8": [-128, 0, 127, -17],
    "qint32": [-(2**31), 0, 2**31 - 1, 1000, 16777217, -1000000001],
    "quint4x2": [0, 8, 15, 3],
}


def gen_quantize_per_tensor(rng):
    cases = []
    for dname, (tdt, qmin, qmax) in DTYPES.items():
        for scale in PT_SCALES:
            for zp in PT_ZPS[dname]:
                s32 = float(f32(scale))
                parts = []
                for mag in (1.0, 30.0, 300.0, 1e4):
                    parts.append((rng.standard_normal(8) * s32 * mag).astype(np.float32))
                span = min(qmax - qmin, 300)
                lo_k = max(qmin - zp - 3, -span)
                hi_k = min(qmax - zp + 3, span)
                ks = sorted(set(int(k) for k in rng.integers(lo_k, hi_k + 1, size=14)) |
                            {lo_k, hi_k - 1, 0, -1})
                parts.append(halfway_inputs(scale, ks))
                parts.append(recip_vs_div_inputs(scale, rng.integers(lo_k, hi_k + 1, size=400), 6))
                parts.append(SPECIALS)
                x = np.concatenate(parts).astype(np.float32)
                name = f"{dname}/scale={scale!r}/zp={zp}"
                cases.append(make_pt_case(name, dname, scale, zp, x))
    # The reciprocal-multiply case of PyTorch issue #49779, by itself.
    x = np.array([0.273939937], dtype=np.float32)
    s = 0.00214854861
    assert f32(x[0]) * (f32(1.0) / f32(s)) == f32(127.5)
    assert np.rint(f32(x[0]) / f32(s)) == 127.0  # dividing would give 127
    c = make_pt_case("reciprocal_multiply_49779", "quint8", s, 0, x)
    assert c["q"] == [128], c["q"]
    cases.append(c)
    return cases


def make_pt_case(name, dname, scale, zp, x):
    tdt, qmin, qmax = DTYPES[dname]
    qv, dv, qs, ds = torch_quantize_paths(x, scale, zp, dname, name)
    cq = contract_quantize(x, scale, zp, qmin, qmax)
    cdq = contract_dequantize(cq, scale, zp)
    case = {"name": name, "dtype": dname, "scale": hf64(scale), "zero_point": int(zp),
            "x": hf32s(x), "q": ints(cq), "dq": hf32s(cdq)}
    reasons = set()
    if not np.array_equal(qs, qv):
        case["torch_q_scalar"] = ints(qs)
        case["torch_q_vector"] = ints(qv)
    if not same_f32(ds, dv):
        case["torch_dq_scalar"] = hf32s(ds)
        case["torch_dq_vector"] = hf32s(dv)
    for tq in (qv, qs):
        reasons |= classify_quantize(dname, x, scale, zp, qmin, qmax, tq, cq)
    if not np.array_equal(qv, cq):
        case["torch_q"] = ints(qv)
    # PyTorch's dequantize: of its own integers when they differ from q, else of q.
    reasons |= classify_dequantize(qv, scale, zp, dv, contract_dequantize(qv, scale, zp))
    if not np.array_equal(qv, cq):
        tdq = dv
    elif dname == "quint4x2":
        tdq = dv  # no _make_per_tensor_quantized_tensor for quint4x2; qv == cq here
    else:
        tdq, _ = torch_dequantize_paths(cq, scale, zp, dname, name)
        reasons |= classify_dequantize(cq, scale, zp, tdq, cdq)
    if "torch_q" in case or not same_f32(tdq, cdq):
        case["torch_dq"] = hf32s(tdq)
    if reasons:
        case["divergence"] = sorted(reasons)
    return case


# ----------------------------------------------------------------------------------------------
# b. quantize_per_channel (integer zero points) and float qparams


def bcast_params(shape, axis, vals):
    ax = axis % len(shape)
    view = [1] * len(shape)
    view[ax] = shape[ax]
    return np.broadcast_to(np.asarray(vals).reshape(view), shape)


def channel_inputs(rng, shape, axis, inv32, zps, qmin, qmax, scale32):
    """Normals at the channel's scale, halfway values and specials, along `axis`."""
    ax = axis % len(shape)
    x = np.empty(shape, dtype=np.float32)
    xm = np.moveaxis(x, ax, 0)
    n = xm[0].size
    for c in range(shape[ax]):
        v = (rng.standard_normal(n) * float(scale32[c]) * rng.choice([3.0, 40.0, 200.0])).astype(
            np.float32)
        ks = rng.integers(qmin - int(zps[c]) - 2, qmax - int(zps[c]) + 3, size=n)
        hw = halfway_inputs(float(scale32[c]), [int(k) for k in ks])
        m = min(hw.size, n // 3)
        v[:m] = hw[:m]
        specials = np.array([INF, -INF, 1e30, -3.4e38, 1e-40, -0.0], dtype=np.float32)
        k = min(n // 4, specials.size)
        v[n - k:] = specials[:k]
        rng.shuffle(v)
        xm[c] = v.reshape(xm[c].shape)
    return x


def gen_quantize_per_channel(rng):
    cases = []
    layouts = [((3, 5, 7), 0), ((3, 5, 7), 1), ((3, 5, 7), 2), ((3, 5, 7), -1),
               ((2, 3, 4, 5), 0), ((2, 3, 4, 5), 1), ((2, 3, 4, 5), 2), ((2, 3, 4, 5), 3),
               ((2, 3, 4, 5), -1), ((8, 4, 3, 3), 0)]
    for dname in ("quint8", "qint8"):
        tdt, qmin, qmax = DTYPES[dname]
        for shape, axis in layouts:
            for scale_kind in ("float64", "float32_exact"):
                ax = axis % len(shape)
                C = shape[ax]
                scales = np.exp(rng.uniform(-9.0, 2.0, size=C))
                if scale_kind == "float32_exact":
                    scales = scales.astype(np.float32).astype(np.float64)
                zps = rng.integers(qmin, qmax + 1, size=C)
                zps[0] = qmin
                if C > 1:
                    zps[-1] = qmax
                if C > 2:
                    zps[1] = (qmin + qmax + 1) // 2
                s32 = scales.astype(np.float32)
                inv32 = f32(1.0) / s32
                x = channel_inputs(rng, shape, axis, inv32, zps, qmin, qmax, s32)
                name = f"{dname}/shape={list(shape)}/axis={axis}/scales={scale_kind}"
                # PyTorch rejects negative axes (Octet accepts them).
                q = torch.quantize_per_channel(torch.from_numpy(x), torch.from_numpy(scales),
                                               torch.from_numpy(zps.astype(np.int64)), ax, tdt)
                tq = q.int_repr().numpy().astype(np.int64)
                tdq = q.dequantize().numpy()
                sb = bcast_params(shape, ax, scales)
                zb = bcast_params(shape, ax, zps)
                cq = np.empty(shape, dtype=np.int64)
                for c in range(C):
                    sl = [slice(None)] * len(shape)
                    sl[ax] = c
                    sl = tuple(sl)
                    cq[sl] = contract_quantize(x[sl], scales[c], int(zps[c]), qmin, qmax)
                    # Cross-path check: per-channel kernel vs per-tensor kernel on the slice.
                    pq, _ = torch_qpt(np.ascontiguousarray(x[sl]).reshape(-1), float(scales[c]),
                                      int(zps[c]), dname)
                    PATHS.checked += pq.size
                    if not np.array_equal(pq, tq[sl].reshape(-1)):
                        # Allowed only where the per-tensor (fbgemm) path has a known overflow.
                        why = classify_quantize(dname, np.ascontiguousarray(x[sl]).reshape(-1),
                                                float(scales[c]), int(zps[c]), qmin, qmax, pq,
                                                cq[sl].reshape(-1))
                        PATHS.explained[f"per_channel_vs_per_tensor: {sorted(why)}"] = \
                            PATHS.explained.get(f"per_channel_vs_per_tensor: {sorted(why)}", 0) + 1
                cdq = (np.asarray(cq - zb, dtype=np.int64).astype(np.float32) *
                       sb.astype(np.float32))
                if not np.array_equal(tq, cq):
                    raise AssertionError(f"per-channel quantize differs from the contract: {name}")
                reasons = classify_dequantize(cq, sb, zb, tdq, cdq, per_channel_double=sb)
                case = {"name": name, "dtype": dname, "shape": list(shape), "axis": axis,
                        "torch_axis": ax, "scales": hf64s(scales), "zero_points": ints(zps),
                        "x": hf32s(x), "q": ints(cq), "dq": hf32s(cdq)}
                if not same_f32(tdq, cdq):
                    case["torch_dq"] = hf32s(tdq)
                if scale_kind == "float32_exact":
                    assert "per_channel_dequantize_double_scale" not in reasons, name
                if reasons:
                    case["divergence"] = sorted(reasons)
                cases.append(case)
    return cases


def fma_vs_two_rounding_inputs(rng, scale32, zp32, qmax, count):
    """x where x * inv_scale rounded to float32, plus zp, is exactly k + 0.5 while the exact
    x * inv_scale + zp is not (a fused multiply-add would round the other way). Asserted."""
    from fractions import Fraction
    inv = f32(1.0) / f32(scale32)
    out = []
    for _ in range(6000):
        if len(out) >= count:
            break
        k = int(rng.integers(0, qmax))
        x0 = f32((k + 0.5 - float(zp32)) / float(inv))
        cands = [x0]
        up, dn = x0, x0
        for _ in range(4):
            up = np.nextafter(up, f32(INF), dtype=np.float32)
            dn = np.nextafter(dn, f32(-INF), dtype=np.float32)
            cands += [up, dn]
        for c in cands:
            two = f32(f32(c * inv) + f32(zp32))
            if float(two) != math.floor(float(two)) + 0.5:
                continue
            exact = Fraction(float(c)) * Fraction(float(inv)) + Fraction(float(zp32))
            if exact != Fraction(float(two)):
                out.append(c)
                break
    return np.array(out, dtype=np.float32)


def gen_quantize_per_channel_float_qparams(rng):
    cases = []
    for dname in ("quint8", "quint4x2"):
        tdt, qmin, qmax = DTYPES[dname]
        for rows, cols, kind in ((6, 33, "normal"), (5, 16, "skewed"), (4, 7, "adversarial"),
                                 (3, 9, "specials")):
            w = rng.standard_normal((rows, cols)).astype(np.float32)
            if kind == "skewed":
                w = rng.exponential(2.0, size=(rows, cols)).astype(np.float32) + 0.5
            w[0] *= 1e-3
            obs = torch.ao.quantization.PerChannelMinMaxObserver(
                ch_axis=0, dtype=tdt, qscheme=torch.per_channel_affine_float_qparams)
            obs(torch.from_numpy(w))
            sc_t, zp_t = obs.calculate_qparams()
            scales = sc_t.numpy().astype(np.float32)
            zps = zp_t.numpy().astype(np.float32)
            n_adv = 0
            if kind == "adversarial":
                for r in range(rows):
                    adv = fma_vs_two_rounding_inputs(rng, scales[r], zps[r], qmax, cols)
                    w[r, :adv.size] = adv
                    n_adv += adv.size
                assert n_adv >= rows * cols // 2, n_adv
            if kind == "specials":
                w[:, 0] = INF
                w[:, 1] = -INF
                w[:, 2] = 1e30
                w[:, 3] = -1e30
                w[:, 4] = 3e9
                w[:, 5] = 1e-40
            q = torch.quantize_per_channel(torch.from_numpy(w), torch.from_numpy(scales),
                                           torch.from_numpy(zps), 0, tdt)
            tq = torch_int_values(q, dname)
            tdq = q.dequantize().numpy()
            cq = np.stack([contract_quantize_fq(w[r], scales[r], zps[r], qmin, qmax)
                           for r in range(rows)])
            cdq = np.stack([contract_dequantize_fq(cq[r], scales[r], zps[r]) for r in range(rows)])
            reasons = set()
            for r in range(rows):
                reasons |= classify_quantize(dname, w[r], scales[r], zps[r], qmin, qmax, tq[r],
                                             cq[r], float_qparams=True)
            # PyTorch's dequantize formula, checked on its own integers.
            tdq_formula = np.stack([contract_dequantize_fq(tq[r], scales[r], zps[r])
                                    for r in range(rows)])
            if not same_f32(tdq, tdq_formula):
                raise AssertionError(f"float-qparams dequantize formula differs: {dname} {kind}")
            name = f"{dname}/float_qparams/{rows}x{cols}/{kind}"
            case = {"name": name, "dtype": dname, "shape": [rows, cols], "axis": 0,
                    "scales": hf32s(scales), "zero_points": hf32s(zps), "x": hf32s(w),
                    "q": ints(cq), "dq": hf32s(cdq)}
            if not np.array_equal(tq, cq):
                case["torch_q"] = ints(tq)
                case["torch_dq"] = hf32s(tdq)
            if kind == "adversarial":
                case["fma_sensitive_values"] = n_adv
            if reasons:
                case["divergence"] = sorted(reasons)
            cases.append(case)
    return cases


# ----------------------------------------------------------------------------------------------
# c. observer qparams


def mirror_calc_qmin_qmax(dname, rr, qmin_c, qmax_c):
    if qmin_c is not None:
        if rr:
            return qmin_c // 2, qmax_c // 2
        return qmin_c, qmax_c
    if dname == "qint8":
        return (-64, 63) if rr else (-128, 127)
    if dname == "quint8":
        return (0, 127) if rr else (0, 255)
    return 0, 15  # quint4x2: reduce_range is ignored


def mirror_qparams(mn, mx, dname, scheme, qmin, qmax, custom, eps):
    """The formulas of docs/numerics.md in float32 (checks PyTorch and the docs agree)."""
    mn = f32(mn)
    mx = f32(mx)
    eps = f32(eps)
    with np.errstate(all="ignore"):
        if scheme == "per_channel_affine_float_qparams":
            s = (mx - mn) / f32(qmax - qmin)
            s = s if s > eps else f32(1.0)
            return s, (f32(-1) * mn) / s
        mneg = min(mn, f32(0))
        mpos = max(mx, f32(0))
        if "symmetric" in scheme:
            amax = max(-mneg, mpos)
            s = max(amax / f32((qmax - qmin) / 2.0), eps)
            if dname == "quint8":
                return s, ((qmin + qmax) // 2 if custom else 128)
            return s, 0
        s = max((mpos - mneg) / f32(qmax - qmin), eps)
        z = qmin - int(np.rint(mneg / s))
        return s, min(max(z, qmin), qmax)


def observer_datasets(rng):
    C, K = 4, 48
    d = {}
    d["normal"] = rng.standard_normal((C, K))
    d["normal_small_offset"] = rng.standard_normal((C, K)) * 1e-3 + 5e-4
    d["skewed_exponential"] = rng.exponential(1.5, size=(C, K))
    d["all_negative"] = -rng.exponential(10.0, size=(C, K)) - 0.25
    d["constant"] = np.array([[0.37], [-2.5], [1e-3], [7.0]]) * np.ones((C, K))
    d["all_zero"] = np.zeros((C, K))
    o = rng.standard_normal((C, K))
    o[1, 5] = 1e4
    o[3, 7] = -3e5
    d["huge_outlier"] = o
    d["tiny_range_below_eps"] = rng.uniform(-1.0, 1.0, size=(C, K)) * np.array(
        [[1e-9], [3e-6], [1e-5], [4e-3]]) + np.array([[0.0], [1e-3], [-2.0], [0.0]])
    mixed = rng.standard_normal((C, K))
    mixed[1] = np.abs(mixed[1]) + 0.1
    mixed[2] = -np.abs(mixed[2]) - 0.1
    mixed[3] = 0.0
    d["mixed_channels"] = mixed
    d["large_magnitude"] = rng.standard_normal((C, K)) * 1e20
    d["tiny_magnitude"] = rng.standard_normal((C, K)) * 1e-30
    d["near_float_max"] = rng.uniform(-1.0, 1.0, size=(C, K)) * 1e38
    return {k: v.astype(np.float32) for k, v in d.items()}


def observer_configs():
    cfgs = []
    customs = {
        "quint8": [None, (0, 255), (0, 127), (0, 15)],
        "qint8": [None, (-128, 127), (0, 127), (-8, 7), (0, 15)],
        "quint4x2": [None],
    }
    for dname in ("quint8", "qint8", "quint4x2"):
        schemes = (["per_channel_affine_float_qparams"] if dname == "quint4x2" else
                   list(QSCHEMES))
        for scheme in schemes:
            if scheme == "per_channel_affine_float_qparams" and dname == "qint8":
                continue
            for custom in customs[dname]:
                for rr in (False, True):
                    if "symmetric" in scheme and rr and dname == "quint8":
                        continue  # PyTorch: NotImplementedError
                    for eps in (float(np.finfo(np.float32).eps), 2.0**-12):
                        cfgs.append((dname, scheme, rr, custom, eps))
    return cfgs


def gen_observer_qparams(rng):
    datasets = observer_datasets(rng)
    cases = []
    for dname, scheme, rr, custom, eps in observer_configs():
        tdt = DTYPES[dname][0]
        kwargs = dict(dtype=tdt, qscheme=QSCHEMES[scheme], reduce_range=rr, eps=eps)
        if custom is not None:
            kwargs.update(quant_min=custom[0], quant_max=custom[1])
        for dsname, data in datasets.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if scheme.startswith("per_tensor"):
                    obs = torch.ao.quantization.MinMaxObserver(**kwargs)
                    kind = "MinMaxObserver"
                else:
                    obs = torch.ao.quantization.PerChannelMinMaxObserver(ch_axis=0, **kwargs)
                    kind = "PerChannelMinMaxObserver"
                obs(torch.from_numpy(data))
                sc, zp = obs.calculate_qparams()
            mins = obs.min_val.reshape(-1).numpy().astype(np.float32)
            maxs = obs.max_val.reshape(-1).numpy().astype(np.float32)
            sc = sc.reshape(-1).numpy().astype(np.float32)
            fq = scheme == "per_channel_affine_float_qparams"
            zp = zp.reshape(-1).numpy()
            qmin, qmax = obs.quant_min, obs.quant_max
            mq = mirror_calc_qmin_qmax(dname, rr, *(custom or (None, None)))
            assert (qmin, qmax) == mq, (dname, rr, custom, qmin, qmax, mq)
            for i in range(mins.size):
                ms, mz = mirror_qparams(mins[i], maxs[i], dname, scheme, qmin, qmax,
                                        custom is not None, eps)
                ok = hf32(ms) == hf32(sc[i]) and (hf32(mz) == hf32(zp[i]) if fq
                                                  else int(mz) == int(zp[i]))
                if not ok:
                    raise AssertionError(f"observer formula mismatch {dname} {scheme} rr={rr} "
                                         f"custom={custom} {dsname}[{i}]: torch {sc[i]!r},"
                                         f"{zp[i]!r} mirror {ms!r},{mz!r}")
            case = {"name": f"{kind}/{dname}/{scheme}/rr={int(rr)}/range={custom}/eps={eps!r}/"
                            f"{dsname}",
                    "observer": kind, "data": dsname, "dtype": dname, "qscheme": scheme,
                    "reduce_range": rr,
                    "quant_min": None if custom is None else custom[0],
                    "quant_max": None if custom is None else custom[1],
                    "eps": hf32(eps), "qmin": int(qmin), "qmax": int(qmax),
                    "min": hf32s(mins), "max": hf32s(maxs), "scale": hf32s(sc)}
            if fq:
                case["zero_point_f32"] = hf32s(zp.astype(np.float32))
            else:
                case["zero_point"] = ints(zp)
            cases.append(case)
    return cases


# ----------------------------------------------------------------------------------------------
# d. dynamic quantization


SMALL_SCALE = f32(6.1e-05)


def mirror_dynamic(mn, mx, qmin, qmax, rr):
    """fbgemm ChooseQuantizationParams, step by step (docs/numerics.md)."""
    mn = f32(mn)
    mx = f32(mx)
    if rr:
        qmin = int(qmin / 2)  # C++ integer division (toward zero)
        qmax = int(qmax / 2)
    mn = min(mn, f32(0))
    mx = max(mx, f32(0))
    scale = (float(mx) - float(mn)) / (qmax - qmin)
    with np.errstate(all="ignore"):
        if f32(scale) == 0 or np.isinf(f32(1.0) / f32(scale)):
            scale = 0.1
    branch = "none"
    if scale < float(SMALL_SCALE):
        org = f32(scale)
        scale = float(SMALL_SCALE)
        if mn == 0:
            mx = f32(SMALL_SCALE * f32(qmax - qmin))
            branch = "small_scale_min_zero"
        elif mx == 0:
            mn = f32(-SMALL_SCALE * f32(qmax - qmin))
            branch = "small_scale_max_zero"
        else:
            amp = f32(SMALL_SCALE / org)
            mn = f32(mn * amp)
            mx = f32(mx * amp)
            branch = "small_scale_both_nonzero"
    zmin = qmin - float(mn) / scale
    zmax = qmax - float(mx) / scale
    emin = abs(qmin) - abs(float(mn) / scale)
    emax = abs(qmax) - abs(float(mx) / scale)
    init = zmin if emin < emax else zmax
    if init < qmin:
        z = qmin
    elif init > qmax:
        z = qmax
    else:
        z = int(np.rint(init))
    return scale, z, branch


def dynamic_datasets(rng):
    d = []
    d.append(("all_zero", np.zeros(16)))
    d.append(("constant_positive", np.full(9, 0.75)))
    d.append(("constant_negative", np.full(9, -3.25)))
    d.append(("all_positive", rng.exponential(2.0, 32) + 0.5))
    d.append(("all_negative", -rng.exponential(0.3, 32) - 0.01))
    for i, mag in enumerate((1e-2, 1.0, 37.0, 1e6)):
        d.append((f"normal_{mag!r}", rng.standard_normal(40) * mag + mag * 0.1 * i))
    d.append(("tiny_min_zero", rng.uniform(0.0, 1e-3, 24)))
    d.append(("tiny_max_zero", -rng.uniform(0.0, 2e-3, 24)))
    d.append(("tiny_both_nonzero", rng.uniform(-1e-3, 2e-3, 24)))
    d.append(("tiny_both_nonzero_skewed", rng.uniform(-1e-6, 5e-3, 24)))
    d.append(("tiny_exactly_threshold", np.array([0.0, 6.1e-05 * 255])))
    d.append(("denormal_scale_underflows", np.array([1e-45, 0.0, 5e-46])))
    d.append(("reciprocal_overflows", np.array([2.5e-37, 0.0, 1e-38])))
    d.append(("reciprocal_overflows_mixed", np.array([-2.5e-37, 1e-38])))
    d.append(("huge_range", np.array([3.4e38, -3.4e38, 1.0])))
    d.append(("huge_positive", np.array([1e30, 2e30, 5.0])))
    d.append(("single_value", np.array([0.123])))
    return [(n, v.astype(np.float32)) for n, v in d]


def gen_dynamic(rng):
    torch.backends.quantized.engine = "x86"
    cases = []
    branches = set()
    for dsname, x in dynamic_datasets(rng):
        for dname in ("quint8", "qint8"):
            tdt, qmin, qmax = DTYPES[dname]
            for rr in (False, True):
                q = torch.quantize_per_tensor_dynamic(torch.from_numpy(x), tdt, rr)
                ts, tz = q.q_scale(), q.q_zero_point()
                ms, mz, branch = mirror_dynamic(x.min(), x.max(), qmin, qmax, rr)
                branches.add(branch)
                if ms != ts or mz != tz:
                    raise AssertionError(f"dynamic rule mismatch {dsname} {dname} rr={rr}: "
                                         f"torch {ts!r},{tz} mirror {ms!r},{mz}")
                tq = torch_int_values(q, dname)
                cq = contract_quantize(x, ts, tz, qmin, qmax)
                assert np.array_equal(tq, cq), dsname
                cdq = contract_dequantize(cq, ts, tz)
                assert same_f32(q.dequantize().numpy(), cdq), dsname
                case = {"name": f"quantize_per_tensor_dynamic/{dname}/rr={int(rr)}/{dsname}",
                        "source": "quantize_per_tensor_dynamic", "dtype": dname,
                        "reduce_range": rr, "qmin": qmin, "qmax": qmax, "x": hf32s(x),
                        "min": hf32(x.min()), "max": hf32(x.max()),
                        "scale_f64": hf64(ts), "scale": hf32(f32(ts)), "zero_point": int(tz),
                        "branch": branch, "q": ints(cq), "dq": hf32s(cdq)}
                cases.append(case)
        if hasattr(torch, "_choose_qparams_per_tensor"):
            for rr in (False, True):
                ts, tz = torch._choose_qparams_per_tensor(torch.from_numpy(x), rr)
                ms, mz, branch = mirror_dynamic(x.min(), x.max(), 0, 255, rr)
                assert (ms, mz) == (ts, tz), (dsname, rr, ts, tz, ms, mz)
                cases.append({"name": f"_choose_qparams_per_tensor/rr={int(rr)}/{dsname}",
                              "source": "_choose_qparams_per_tensor", "dtype": "quint8",
                              "reduce_range": rr, "qmin": 0, "qmax": 255, "x": hf32s(x),
                              "min": hf32(x.min()), "max": hf32(x.max()),
                              "scale_f64": hf64(ts), "scale": hf32(f32(ts)),
                              "zero_point": int(tz), "branch": branch})
    assert branches >= {"none", "small_scale_min_zero", "small_scale_max_zero",
                        "small_scale_both_nonzero"}, branches
    return cases


# ----------------------------------------------------------------------------------------------
# e. requantize


def gen_requantize(rng):
    cases = []
    src_cfgs = [("quint8", 0.05, 128), ("quint8", 0.00214854861, 3), ("qint8", 0.02, 0),
                ("qint8", 0.1, -100), ("qint32", 1e-4, 0), ("qint32", 0.01, 12345)]
    dst_cfgs = [("quint8", 0.05, 128), ("quint8", 0.1, 0), ("quint8", 0.0125, 255),
                ("qint8", 0.025, 0), ("qint8", 0.3, -128), ("qint8", 1.0 / 3.0, 5),
                ("qint32", 1e-5, 0), ("qint32", 0.5, -7), ("quint4x2", 0.4, 8),
                ("quint4x2", 0.05, 0)]
    for sdt, ss, sz in src_cfgs:
        _, sqmin, sqmax = DTYPES[sdt]
        if sdt == "qint32":
            src = rng.integers(-200000, 200000, size=48)
            src[:4] = [-200000, 0, 199999, sz]
        else:
            src = rng.integers(sqmin, sqmax + 1, size=48)
            src[:2] = [sqmin, sqmax]
        src_q = torch_make_pt(src, ss, sz, sdt)
        src_dq = src_q.dequantize().numpy()
        assert same_f32(src_dq, contract_dequantize(src, ss, sz))
        for ddt, ds_, dz in dst_cfgs:
            tdt, qmin, qmax = DTYPES[ddt]
            q2 = torch.quantize_per_tensor(src_q.dequantize(), ds_, dz, tdt)
            tq = torch_int_values(q2, ddt)
            cq = contract_quantize(contract_dequantize(src, ss, sz), ds_, dz, qmin, qmax)
            assert np.array_equal(tq, cq), (sdt, ddt)
            cdq = contract_dequantize(cq, ds_, dz)
            assert same_f32(q2.dequantize().numpy(), cdq)
            cases.append({"name": f"{sdt}(s={ss!r},z={sz})->{ddt}(s={ds_!r},z={dz})",
                          "src_dtype": sdt, "src_scale": hf64(ss), "src_zero_point": sz,
                          "src_q": ints(src), "dtype": ddt, "scale": hf64(ds_),
                          "zero_point": dz, "q": ints(cq), "dq": hf32s(cdq)})
    return cases


# ----------------------------------------------------------------------------------------------
# f. make_per_tensor / make_per_channel quantized tensors


def gen_make_per_tensor(rng):
    cases = []
    cfgs = [("quint8", 0.1, 0), ("quint8", 0.00214854861, 128), ("quint8", 7.3, 255),
            ("quint8", 1e-10, 17), ("qint8", 0.02, 0), ("qint8", 1.0 / 3.0, -128),
            ("qint8", 1e10, 127), ("qint8", 5e-39, 3),
            ("qint32", 1e-4, 0), ("qint32", 0.1, 1000000001), ("qint32", 1.0, -(2**31)),
            ("qint32", 3.7e-5, 2**31 - 1), ("qint32", 0.5, 16777217)]
    for dname, s, z in cfgs:
        _, qmin, qmax = DTYPES[dname]
        if dname == "qint32":
            q = np.concatenate([rng.integers(qmin, qmax + 1, size=40),
                                np.array([qmin, qmax, 0, -1, 1, 16777217, -16777219, z]),
                                rng.integers(-1000, 1000, size=16)])
        else:
            q = np.arange(qmin, qmax + 1)
        name = f"{dname}/scale={s!r}/zp={z}"
        tdq, _ = torch_dequantize_paths(q, s, z, dname, name)
        cdq = contract_dequantize(q, s, z)
        reasons = classify_dequantize(q, s, z, tdq, cdq)
        case = {"name": name, "dtype": dname, "scale": hf64(s), "zero_point": z, "q": ints(q),
                "dq": hf32s(cdq)}
        if not same_f32(tdq, cdq):
            case["torch_dq"] = hf32s(tdq)
        if reasons:
            case["divergence"] = sorted(reasons)
        cases.append(case)
    return cases


def gen_make_per_channel(rng):
    cases = []
    layouts = [("quint8", (4, 64), 0), ("quint8", (3, 5, 7), 2), ("qint8", (6, 40), 0),
               ("qint8", (2, 3, 4, 5), 1), ("qint32", (3, 50), 0), ("qint32", (5, 3), 1)]
    for dname, shape, axis in layouts:
        for scale_kind in ("float64", "float32_exact"):
            _, qmin, qmax = DTYPES[dname]
            C = shape[axis]
            scales = np.exp(rng.uniform(-9.0, 2.0, size=C))
            if scale_kind == "float32_exact":
                scales = scales.astype(np.float32).astype(np.float64)
            if dname == "qint32":
                zps = rng.integers(-1000, 1000, size=C)
                zps[0] = qmin if scale_kind == "float64" else 0
                q = rng.integers(-(2**29), 2**29, size=shape)
                q.reshape(-1)[:3] = [qmin, qmax, 0]
            else:
                zps = rng.integers(qmin, qmax + 1, size=C)
                q = rng.integers(qmin, qmax + 1, size=shape)
            t = torch._make_per_channel_quantized_tensor(
                torch.from_numpy(q).to(INT_REPR_TORCH[dname]), torch.from_numpy(scales),
                torch.from_numpy(zps.astype(np.int64)), axis)
            tdq = t.dequantize().numpy()
            sb = bcast_params(shape, axis, scales)
            zb = bcast_params(shape, axis, zps)
            cdq = (np.asarray(q - zb, dtype=np.int64).astype(np.float32) * sb.astype(np.float32))
            reasons = classify_dequantize(q, sb, zb, tdq, cdq, per_channel_double=sb)
            if scale_kind == "float32_exact" and dname != "qint32":
                assert not reasons, (dname, shape, reasons)
            case = {"name": f"{dname}/shape={list(shape)}/axis={axis}/scales={scale_kind}",
                    "dtype": dname, "shape": list(shape), "axis": axis,
                    "scales": hf64s(scales), "zero_points": ints(zps), "q": ints(q),
                    "dq": hf32s(cdq)}
            if not same_f32(tdq, cdq):
                case["torch_dq"] = hf32s(tdq)
            if reasons:
                case["divergence"] = sorted(reasons)
            cases.append(case)
    return cases


# ----------------------------------------------------------------------------------------------
# NaN (informational: Octet defines NaN -> qmax, what PyTorch's per-tensor 8-bit paths return;
# PyTorch's result is undefined behaviour and differs between its paths)


def nan_observations():
    out = {}
    nan = float("nan")
    for dname, (tdt, qmin, qmax) in DTYPES.items():
        res = {}
        for n in (1, 7, 8, 16, 17, 64, 1031):
            x = torch.full((n,), nan)
            q = torch.quantize_per_tensor(x, 0.1, 0 if dname != "qint8" else 0, tdt)
            vals = sorted(set(int(v) for v in torch_int_values(q, dname).reshape(-1)))
            res[str(n)] = vals
        out[f"quantize_per_tensor/{dname}"] = res
    for dname in ("quint8", "qint8", "qint32"):
        tdt = DTYPES[dname][0]
        x = torch.full((3, 5), nan)
        q = torch.quantize_per_channel(x, torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64),
                                       torch.tensor([0, 1, 2]), 0, tdt)
        out[f"quantize_per_channel/{dname}"] = sorted(set(ints(torch_int_values(q, dname))))
    for dname in ("quint8", "quint4x2"):
        tdt = DTYPES[dname][0]
        x = torch.full((3, 5), nan)
        q = torch.quantize_per_channel(x, torch.tensor([0.1, 0.2, 0.3]),
                                       torch.tensor([0.5, 1.0, 2.0]), 0, tdt)
        out[f"quantize_per_channel_float_qparams/{dname}"] = sorted(
            set(ints(torch_int_values(q, dname))))
    return out


# ----------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "tests", "data", "golden_numerics.json"))
    args = ap.parse_args()

    torch.set_num_threads(1)
    # PyTorch 2.x announces the deprecation of quantized dtypes on first use; not our concern.
    warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
    warnings.filterwarnings("ignore", message=".*reduce_range will be deprecated.*")
    torch.backends.quantized.engine = "x86"
    rng = np.random.default_rng(SEED)

    data = {
        "purpose": "PyTorch's quantization answers that tests/quant/golden_numerics_test.cpp "
                   "holds Octet to; generated by scripts/gen_golden_numerics.py, do not edit.",
        "format": {
            "f32": "float32 values are strings of 8 hex digits, the IEEE-754 bit pattern "
                   "(\"3f800000\" is 1.0); keys: x, dq, torch_dq*, min, max, eps, scale (observer "
                   "and dynamic), float-qparams scales and zero_points, zero_point_f32",
            "f64": "float64 values are strings of 16 hex digits, the bit pattern; keys: scale "
                   "(quantize/requantize/make_per_tensor), scales (integer per-channel), "
                   "src_scale, scale_f64",
            "int": "integers (q, zero points, qmin/qmax) are JSON numbers; q holds one value per "
                   "element (quint4x2 unpacked), row-major",
            "expected": "q and dq are the expected answers. They are PyTorch's, except where a "
                        "case lists \"divergence\": there q/dq follow Octet's contract and "
                        "torch_q/torch_dq hold what PyTorch returned (reasons in divergences); "
                        "torch_dq dequantizes torch_q when present, else q",
            "paths": "torch_*_scalar / torch_*_vector appear only where PyTorch's one-element "
                     "and vectorized paths disagreed on this machine",
        },
        "generator": {
            "script": "scripts/gen_golden_numerics.py",
            "seed": SEED,
            "torch_version": torch.__version__,
            "numpy_version": np.__version__,
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "quantized_engine": torch.backends.quantized.engine,
        },
        "divergences": DIVERGENCES,
        "notes": [],
    }

    data["quantize_per_tensor"] = gen_quantize_per_tensor(rng)
    data["quantize_per_channel"] = gen_quantize_per_channel(rng)
    data["quantize_per_channel_float_qparams"] = gen_quantize_per_channel_float_qparams(rng)
    data["observer_qparams"] = gen_observer_qparams(rng)
    data["dynamic"] = gen_dynamic(rng)
    data["requantize"] = gen_requantize(rng)
    data["make_per_tensor"] = gen_make_per_tensor(rng)
    data["make_per_channel"] = gen_make_per_channel(rng)
    data["torch_nan_results"] = nan_observations()

    notes = data["notes"]
    notes.append(f"PyTorch scalar vs vectorized paths: {PATHS.checked} comparisons, "
                 f"{len(PATHS.disagreements)} disagreements.")
    if PATHS.disagreements:
        data["path_disagreements"] = PATHS.disagreements
    for what, count in sorted(PATHS.explained.items()):
        notes.append(f"quantize_per_channel equals quantize_per_tensor on each channel except for "
                     f"known per-tensor overflows ({what}: {count} channels); per-channel "
                     f"quantize saturates like the contract.")
    notes += [
        "NaN inputs are excluded from every case (PyTorch's result is undefined behaviour; Octet "
        "defines NaN -> qmax, as PyTorch's per-tensor quint8/qint8 paths return; the NaN tests live in "
        "tests/ops). torch_nan_results records what this PyTorch build returned, for "
        "information only.",
        "Dequantize: PyTorch's vectorized per-tensor dequantize equals (float)(q - zp) * "
        "(float)scale bit for bit on every case here; no FMA rounding difference was found.",
        "Float-qparams quantize: PyTorch rounds x * inv_scale to float32 before adding the zero "
        "point (two roundings); the adversarial cases contain values where a fused multiply-add "
        "would round the other way.",
        "qint32 quantize adds the zero point in float32 after rounding (PyTorch's quantize_val); "
        "for |zero_point| or |q| beyond 2^24 the result is rounded to float32 spacing. Octet "
        "matches this.",
        "Dynamic: PyTorch keeps the float64 scale of fbgemm's rule as q_scale() (scale_f64); it "
        "quantizes with (float)scale (scale). Octet keeps the same double (QParams::scale, q_scale()).",
        "quantize_per_channel in PyTorch rejects negative axes; cases with axis -1 were run with "
        "torch_axis and test Octet's negative-axis handling.",
        "Observers: PerChannelMinMaxObserver ignores reduce_range for quint4x2 (range stays "
        "0..15); a custom range equal to the default still changes the quint8 symmetric zero "
        "point to (qmin + qmax) // 2 = 127.",
        "quantize_per_tensor_dynamic on x86: qint8 all-zero input gives zero_point 127 (with "
        "min = max = 0 the error terms are |qmin| = 128 and |qmax| = 127, so the qmax pair wins).",
    ]
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list) and k != "notes"}
    data["case_counts"] = counts

    text = json.dumps(data, separators=(",", ":"))
    with open(args.out, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {args.out}: {len(text) / 1e6:.2f} MB, cases {counts}")
    if PATHS.disagreements:
        print(f"PyTorch path disagreements: {len(PATHS.disagreements)}", file=sys.stderr)


if __name__ == "__main__":
    main()
