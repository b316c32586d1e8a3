#!/usr/bin/env python3
"""quantize_vs_pytorch.py: Octet vs PyTorch on quantize / dequantize / per-channel quantize.

Runs Octet's bench/ops/quantize_ops_bench and PyTorch's torch.quantize_per_tensor, dequantize and
torch.quantize_per_channel alternately (A B A B ...) on the same shapes and thread counts, and prints
the median time of each side and the ratio PyTorch / Octet (> 1: Octet is faster), with the min-max
spread of the ratio over rounds.

    python3 bench/peers/quantize_vs_pytorch.py --octet-bench build/bench/bench_quantize_ops_bench
"""
import argparse
import json
import platform
import statistics
import subprocess
import time

import torch

SHAPES = [(1, 64, 112, 112), (1, 32, 112, 112), (128, 768), (3072, 768), (512, 512, 3, 3)]
DTYPES = {"quint8": (torch.quint8, 128), "qint8": (torch.qint8, 0)}


def shape_name(shape):
    return "x".join(str(s) for s in shape)


def time_call(fn, min_time):
    for _ in range(3):
        fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and n >= 5:
            return elapsed / n


def torch_round(threads, min_time):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    out = {}
    for shape in SHAPES:
        x = torch.randn(shape)
        for name, (dtype, zp) in DTYPES.items():
            suffix = f"{name}/{shape_name(shape)}/threads:{threads}"
            out[f"quantize_per_tensor/{suffix}"] = time_call(lambda: torch.quantize_per_tensor(x, 0.05, zp, dtype), min_time)
            q = torch.quantize_per_tensor(x, 0.05, zp, dtype)
            out[f"dequantize/{suffix}"] = time_call(lambda: q.dequantize(), min_time)
        scales = torch.tensor([0.01 + 0.0001 * c for c in range(shape[0])], dtype=torch.float64)
        zps = torch.zeros(shape[0], dtype=torch.int64)
        out[f"quantize_per_channel/qint8/{shape_name(shape)}/threads:{threads}"] = time_call(
            lambda: torch.quantize_per_channel(x, scales, zps, 0, torch.qint8), min_time)
    return out


def octet_round(binary, threads, min_time):
    res = subprocess.run([binary, f"--benchmark_filter=threads:{threads}/", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    out = {}
    for b in json.loads(res.stdout)["benchmarks"]:
        name = b["name"].removesuffix("/real_time")
        out[name] = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet-bench", required=True, help="path to bench_quantize_ops_bench")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.2)
    args = ap.parse_args()

    print(f"# PyTorch {torch.__version__}, engine {torch.backends.quantized.engine}, "
          f"CPU {platform.processor() or platform.machine()}, rounds {args.rounds}")
    print("| case | threads | Octet (us) | PyTorch (us) | PyTorch / Octet | spread |")
    print("|---|---|---|---|---|---|")
    for threads in args.threads:
        octet_runs, torch_runs = [], []
        for _ in range(args.rounds):
            octet_runs.append(octet_round(args.octet_bench, threads, args.min_time))
            torch_runs.append(torch_round(threads, args.min_time))
        for case in torch_runs[0]:
            o = [r[case] for r in octet_runs]
            t = [r[case] for r in torch_runs]
            ratios = [tt / oo for tt, oo in zip(t, o)]
            label = case.rsplit("/threads:", 1)[0]
            print(f"| {label} | {threads} | {statistics.median(o) * 1e6:.1f} | {statistics.median(t) * 1e6:.1f} | "
                  f"{statistics.median(t) / statistics.median(o):.2f}x | {min(ratios):.2f}-{max(ratios):.2f} |")


if __name__ == "__main__":
    main()
