#!/usr/bin/env python3
"""qnn_dynamic_vs_pytorch.py: Octet's dynamic quantized Linear (qint8, float16) and LSTM vs PyTorch's torch.ao.nn.quantized.dynamic.

The cases come from Octet's bench/ops/qnn_dynamic_bench (--benchmark_list_tests; each name encodes its
shape, see that file), so both sides run the same list:
  dyn_linear/<dtype>/<layer>/m<M>k<K>n<N>                 Linear(K, N) converted with
                                                          default_dynamic_qconfig (qint8, per tensor) or
                                                          float16_dynamic_qconfig; x float (M, K)
  dyn_lstm/<dtype>/<model>/l<L>n<N>i<I>h<H>x<layers>      LSTM(I, H, num_layers) converted the same way;
                                                          x float (L, N, I), zero states
PyTorch builds the float module, converts it with the module's from_float (x86 engine, as its default)
and only the forward call is timed; Octet's binary does the same on its side. Rounds alternate the two
sides case by case; the table gives the median (or --stat min) per side and the ratio PyTorch / Octet
(> 1: Octet is faster).

    python3 bench/peers/qnn_dynamic_vs_pytorch.py --octet-bench build/bench/bench_qnn_dynamic_bench --threads 1
"""
import argparse
import json
import platform
import re
import statistics
import subprocess
import time
import warnings

import torch
import torch.ao.nn.quantized.dynamic as nnqd
from torch.ao.quantization import qconfig as qc

warnings.filterwarnings("ignore")

LINEAR = re.compile(r"^dyn_linear/(?P<dtype>\w+)/(?P<layer>[^/]+)/m(?P<m>\d+)k(?P<k>\d+)n(?P<n>\d+)$")
LSTM = re.compile(r"^dyn_lstm/(?P<dtype>\w+)/(?P<model>[^/]+)/l(?P<l>\d+)n(?P<n>\d+)i(?P<i>\d+)h(?P<h>\d+)x(?P<x>\d+)$")


def qconfig(dtype):
    return qc.default_dynamic_qconfig if dtype == "qint8" else qc.float16_dynamic_qconfig


def torch_case(case):
    """(callable running PyTorch's forward, MACs)."""
    g = torch.Generator().manual_seed(1)
    m = LINEAR.match(case)
    if m:
        M, K, N = (int(m[x]) for x in "mkn")
        lin = torch.nn.Linear(K, N)
        with torch.no_grad():
            lin.weight.copy_(torch.randn(N, K, generator=g) * 0.5)
            lin.bias.copy_(torch.randn(N, generator=g))
        lin.qconfig = qconfig(m["dtype"])
        q = nnqd.Linear.from_float(lin)
        x = torch.rand(M, K, generator=g) * 6.0 - 3.0
        return (lambda: q(x)), M * K * N
    m = LSTM.match(case)
    if m:
        L, N, I, H, layers = (int(m[x]) for x in "lnihx")
        f = torch.nn.LSTM(I, H, num_layers=layers)
        with torch.no_grad():
            for p in f.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
        f.qconfig = qconfig(m["dtype"])
        q = nnqd.LSTM.from_float(f)
        x = torch.randn(L, N, I, generator=g)
        macs = sum(L * N * 4 * H * ((I if l == 0 else H) + H) for l in range(layers))
        return (lambda: q(x)), macs
    raise ValueError(f"unrecognised case {case}")


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


def octet_case(binary, case, threads, min_time):
    pattern = "^" + case.replace(".", r"\.") + f"/threads:{threads}/"  # UseRealTime appends /real_time
    res = subprocess.run([binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    (b,) = [x for x in json.loads(res.stdout)["benchmarks"] if x.get("run_type", "iteration") == "iteration"]
    return b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet-bench", required=True, help="path to bench_qnn_dynamic_bench")
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--filter", default="", help="regex on case names (Google Benchmark syntax)")
    ap.add_argument("--stat", choices=["median", "min"], default="median", help="statistic over rounds")
    args = ap.parse_args()
    stat = statistics.median if args.stat == "median" else min
    torch.backends.quantized.engine = "x86"

    listed = subprocess.run([args.octet_bench, "--benchmark_list_tests=true", f"--benchmark_filter={args.filter}"],
                            check=True, capture_output=True, text=True).stdout.split()
    cases = list(dict.fromkeys(n.rsplit("/threads:", 1)[0] for n in listed))
    print(f"# PyTorch {torch.__version__} (engine x86, CPU capability {torch.backends.cpu.get_cpu_capability()}), "
          f"CPU {platform.processor() or platform.machine()}, rounds {args.rounds}, min time {args.min_time}s, "
          f"{args.stat} of rounds; times in us")
    print("| case | threads | Octet | PyTorch | PyTorch / Octet (min-max) | Octet GOP/s |")
    print("|---|---|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for case in cases:
            fn, macs = torch_case(case)
            to, tp = [], []
            with torch.no_grad():
                for _ in range(args.rounds):
                    to.append(octet_case(args.octet_bench, case, threads, args.min_time))
                    tp.append(time_call(fn, args.min_time))
            mo, mp = stat(to), stat(tp)
            ratios = [p / o for p, o in zip(tp, to)]
            print(f"| {case} | {threads} | {mo * 1e6:.1f} | {mp * 1e6:.1f} | {mp / mo:.2f}x "
                  f"({min(ratios):.2f}-{max(ratios):.2f}) | {2.0 * macs / mo / 1e9:.1f} |", flush=True)


if __name__ == "__main__":
    main()
