#!/usr/bin/env python3
"""gen_io_fixtures.py: writes the small safetensors/.npy/.npz files that tests/io/ loads, and their values.

Files go to tests/data/io/ (or the folder given as the first argument): all_dtypes.safetensors
(safetensors.torch.save_file: every supported dtype, a 0-d and an empty tensor, metadata),
no_metadata.safetensors, npy/*.npy (np.save: every dtype, big-endian, Fortran order, 0-d, empty),
arrays.npz (np.savez) and arrays_compressed.npz (np.savez_compressed), and expected.json listing each
array as {"dtype", "shape", "values"} in C order, where floating values are their IEEE bit patterns
(so NaN, infinities and -0.0 compare exactly) and integers are their values. Deterministic: rerunning
it writes the same values (np.savez member timestamps are the only bytes that change).
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "io")

FLOAT_BITS = {np.dtype("f2"): np.uint16, np.dtype("f4"): np.uint32, np.dtype("f8"): np.uint64}


def describe(a):
    """The expected.json record of a numpy array (values in C order)."""
    a = np.asarray(a)
    flat = np.ascontiguousarray(a).reshape(-1)
    kind = a.dtype.newbyteorder("=")
    if kind in FLOAT_BITS:
        values = [int(v) for v in flat.astype(kind).view(FLOAT_BITS[kind])]
    else:
        values = [int(v) for v in flat]
    names = {"f2": "float16", "f4": "float32", "f8": "float64", "i1": "int8", "i2": "int16", "i4": "int32",
             "i8": "int64", "u1": "uint8", "b1": "bool"}
    return {"dtype": names[kind.str[1:]], "shape": list(a.shape), "values": values}


def describe_torch(t):
    if t.dtype == torch.bfloat16:
        bits = t.contiguous().view(torch.int16).numpy().astype(np.uint16).reshape(-1)
        return {"dtype": "bfloat16", "shape": list(t.shape), "values": [int(v) for v in bits]}
    return describe(t.numpy())


def floats(rng, dtype, shape):
    """Random values plus the ones that break readers: NaN, +-inf, -0.0, subnormals, extremes."""
    info = np.finfo(dtype)
    special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, info.tiny / 4, info.max, info.min, 1.0, -1.5],
                       dtype=dtype)
    a = rng.standard_normal(int(np.prod(shape))).astype(dtype)
    n = min(len(special), a.size)
    a[:n] = special[:n]
    return a.reshape(shape)


def ints(rng, dtype, shape):
    info = np.iinfo(dtype)
    a = rng.integers(info.min, info.max, size=int(np.prod(shape)), dtype=dtype, endpoint=True)
    special = np.array([info.min, info.max, 0, -1 if info.min < 0 else 1], dtype=dtype)
    n = min(len(special), a.size)
    a[:n] = special[:n]
    return a.reshape(shape)


def main():
    rng = np.random.default_rng(20240607)
    torch.manual_seed(20240607)
    os.makedirs(os.path.join(OUT, "npy"), exist_ok=True)
    expected = {}

    # --- safetensors -----------------------------------------------------------------------------
    st = {
        "f64": torch.from_numpy(floats(rng, np.float64, (3, 4))),
        "f32": torch.from_numpy(floats(rng, np.float32, (2, 3, 5))),
        "f16": torch.from_numpy(floats(rng, np.float16, (7,))),
        "bf16": torch.randn(3, 5).to(torch.bfloat16),
        "i64": torch.from_numpy(ints(rng, np.int64, (2, 3))),
        "i32": torch.from_numpy(ints(rng, np.int32, (5,))),
        "i16": torch.from_numpy(ints(rng, np.int16, (3, 3))),
        "i8": torch.from_numpy(ints(rng, np.int8, (9,))),
        "u8": torch.from_numpy(ints(rng, np.uint8, (2, 5))),
        "bool": torch.from_numpy(rng.integers(0, 2, size=(3, 4)).astype(np.bool_)),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
        "nested/name.with.dots": torch.arange(6, dtype=torch.int32).reshape(2, 3),
    }
    # A bf16 NaN and infinity too.
    st["bf16"].view(-1)[0] = float("nan")
    st["bf16"].view(-1)[1] = float("-inf")
    metadata = {"format": "pt", "source": "gen_io_fixtures.py", "unicode": "\u00e9\u4e2d"}
    save_file(st, os.path.join(OUT, "all_dtypes.safetensors"), metadata=metadata)
    expected["all_dtypes.safetensors"] = {"metadata": metadata,
                                          "tensors": {k: describe_torch(v) for k, v in st.items()}}
    plain = {"w": torch.from_numpy(floats(rng, np.float32, (4, 3)))}
    save_file(plain, os.path.join(OUT, "no_metadata.safetensors"))
    expected["no_metadata.safetensors"] = {"metadata": {}, "tensors": {k: describe_torch(v) for k, v in plain.items()}}

    # --- .npy ------------------------------------------------------------------------------------
    npy = {
        "f8": floats(rng, np.float64, (2, 5)),
        "f4": floats(rng, np.float32, (3, 7)),
        "f2": floats(rng, np.float16, (11,)),
        "i8": ints(rng, np.int64, (4,)),
        "i4": ints(rng, np.int32, (2, 2, 3)),
        "i2": ints(rng, np.int16, (6,)),
        "i1": ints(rng, np.int8, (3, 3)),
        "u1": ints(rng, np.uint8, (13,)),
        "b1": rng.integers(0, 2, size=(2, 7)).astype(np.bool_),
        "scalar_f4": np.array(-3.25, dtype=np.float32),
        "scalar_i8": np.array(-7, dtype=np.int64),
        "empty_f4": np.zeros((0, 4), dtype=np.float32),
        "big_f4": floats(rng, np.float32, (2, 3)).astype(">f4"),
        "big_f8": floats(rng, np.float64, (5,)).astype(">f8"),
        "big_f2": floats(rng, np.float16, (3, 2)).astype(">f2"),
        "big_i8": ints(rng, np.int64, (3,)).astype(">i8"),
        "big_i4": ints(rng, np.int32, (4,)).astype(">i4"),
        "big_i2": ints(rng, np.int16, (2, 3)).astype(">i2"),
        "fortran_f4": np.asfortranarray(floats(rng, np.float32, (3, 5))),
        "fortran_i2": np.asfortranarray(ints(rng, np.int16, (2, 3, 4))),
        "fortran_big_f8": np.asfortranarray(floats(rng, np.float64, (4, 3)).astype(">f8")),
    }
    for name, a in npy.items():
        np.save(os.path.join(OUT, "npy", name + ".npy"), a)
        expected["npy/" + name + ".npy"] = describe(a)
    # Format versions 2.0 and 3.0 (4-byte header length), which np.save picks only for huge headers.
    for version in [(2, 0), (3, 0)]:
        name = "v%d_f4" % version[0]
        a = floats(rng, np.float32, (2, 3))
        with open(os.path.join(OUT, "npy", name + ".npy"), "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        expected["npy/" + name + ".npy"] = describe(a)

    # --- .npz ------------------------------------------------------------------------------------
    npz = {
        "weight": floats(rng, np.float32, (4, 5)),
        "bias": floats(rng, np.float64, (4,)),
        "index": ints(rng, np.int64, (3,)),
        "mask": rng.integers(0, 2, size=(5,)).astype(np.bool_),
        "scalar": np.array(9, dtype=np.int32),
        "fortran": np.asfortranarray(floats(rng, np.float32, (3, 2))),
        "big": ints(rng, np.int32, (3,)).astype(">i4"),
        # Compressible, so the deflated member is really deflated.
        "zeros": np.zeros((64, 33), dtype=np.float32),
    }
    np.savez(os.path.join(OUT, "arrays.npz"), **npz)
    np.savez_compressed(os.path.join(OUT, "arrays_compressed.npz"), **npz)
    expected["arrays.npz"] = {k: describe(v) for k, v in npz.items()}
    expected["arrays_compressed.npz"] = expected["arrays.npz"]

    # One array record per line: readable diffs without a line per value.
    def dump(value, depth):
        if isinstance(value, dict) and "values" not in value and depth < 3:
            items = [json.dumps(k) + ": " + dump(v, depth + 1) for k, v in sorted(value.items())]
            pad = " " * (depth + 1)
            return "{\n" + pad + (",\n" + pad).join(items) + "\n" + " " * depth + "}"
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        f.write(dump(expected, 0) + "\n")


if __name__ == "__main__":
    main()
