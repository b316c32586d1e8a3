#!/usr/bin/env python3
"""float_vs_pytorch.py: Octet vs PyTorch fp32 linear / conv2d / activations on the layers of ResNet-18, MobileNetV2, BERT-base.

Runs Octet's bench/ops/float_ops_bench and PyTorch's torch.nn.functional.linear / conv2d alternately
(A B A B ..., case by case) on the same shapes and thread counts. The cases come from the Octet binary itself
(--benchmark_list_tests; each name encodes its shape, see float_ops_bench.cpp), so both sides always
run the same list. Prints, per case and thread count, the median time of each side, the ratio
PyTorch / Octet (> 1: Octet is faster), its min-max spread over rounds, and Octet's GFLOP/s (for the
act/ cases: billions of elements per second).

--clock wall (default) times by the wall clock. --clock cpu times by the CPU time of the whole
process on both sides (Google Benchmark's MeasureProcessCPUTime, Python's time.process_time): on a
machine shared with other work, a thread that waits for a core then costs nothing, so one-thread
ratios stay stable where wall-clock ones scatter. With several threads CPU time also counts the
threads' spin-waits, so use it there only as a cross-check. --stat min reports the fastest round of
each side instead of the median (many short rounds, e.g. --rounds 15 --min-time 0.02): on a machine
whose other tenants keep more threads runnable than it has cores, a multi-threaded round is
undisturbed only by luck, and the fastest round is the estimate of what each side does on its own.

    python3 bench/peers/float_vs_pytorch.py --octet-bench build/bench/bench_float_ops_bench
"""
import argparse
import json
import platform
import re
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

LINEAR = re.compile(r"^linear/(?P<layer>[^/]+)/m(?P<m>\d+)k(?P<k>\d+)n(?P<n>\d+)$")
CONV = re.compile(r"^conv2d/(?P<layer>[^/]+)/n(?P<n>\d+)c(?P<c>\d+)h(?P<h>\d+)w(?P<w>\d+)"
                  r"_o(?P<o>\d+)k(?P<k>\d+)s(?P<s>\d+)p(?P<p>\d+)g(?P<g>\d+)$")
ACT = re.compile(r"^act/(?P<op>\w+)/n(?P<n>\d+)$")
ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
               "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu, "hardswish": F.hardswish}


def parse(case):
    """(callable factory, FLOPs) for a case name without its /threads suffix."""
    m = LINEAR.match(case)
    if m:
        M, K, N = (int(m[x]) for x in "mkn")

        def make():
            x, w, b = torch.randn(M, K), torch.randn(N, K), torch.randn(N)
            return lambda: F.linear(x, w, b)
        return make, 2.0 * M * K * N
    m = CONV.match(case)
    if m:
        n, c, h, w_, o, k, s, p, g = (int(m[x]) for x in ("n", "c", "h", "w", "o", "k", "s", "p", "g"))

        def make():
            x, w, b = torch.randn(n, c, h, w_), torch.randn(o, c // g, k, k), torch.randn(o)
            return lambda: F.conv2d(x, w, b, stride=s, padding=p, groups=g)
        oh, ow = (h + 2 * p - k) // s + 1, (w_ + 2 * p - k) // s + 1
        return make, 2.0 * n * o * oh * ow * (c // g) * k * k
    m = ACT.match(case)
    if m:
        op, n = ACTIVATIONS[m["op"]], int(m["n"])

        def make():
            x = torch.randn(n)
            return lambda: op(x)
        return make, float(n)
    raise ValueError(f"unrecognised case {case}")


def time_call(fn, min_time, clock):
    for _ in range(3):
        fn()
    n, start = 0, clock()
    while True:
        fn()
        n += 1
        elapsed = clock() - start
        if elapsed >= min_time and n >= 5:
            return elapsed / n


def octet_case(binary, case, threads, min_time, key):
    """One measurement of one case: the benchmark binary filtered to exactly that case."""
    pattern = "^" + case.replace(".", r"\.") + f"/threads:{threads}/"
    res = subprocess.run([binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    (b,) = json.loads(res.stdout)["benchmarks"]
    return b[key] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet-bench", required=True, help="path to bench_float_ops_bench")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--filter", default="", help="regex on case names (Google Benchmark syntax)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall clock, or CPU time of the whole process (see above)")
    ap.add_argument("--stat", choices=["median", "min"], default="median", help="statistic over rounds")
    args = ap.parse_args()
    stat = statistics.median if args.stat == "median" else min
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    key = "real_time" if args.clock == "wall" else "cpu_time"

    listed = subprocess.run([args.octet_bench, "--benchmark_list_tests=true", f"--benchmark_filter={args.filter}"],
                            check=True, capture_output=True, text=True).stdout.split()
    cases = list(dict.fromkeys(n.rsplit("/threads:", 1)[0] for n in listed))
    print(f"# PyTorch {torch.__version__} (mkldnn {torch.backends.mkldnn.is_available()}), "
          f"CPU {platform.processor() or platform.machine()}, rounds {args.rounds}, min time {args.min_time}s, "
          f"clock {args.clock}, {args.stat} of rounds")
    print("| case | threads | Octet (us) | PyTorch (us) | PyTorch / Octet | spread | Octet GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for case in cases:
            # Rounds alternate the two sides on this one case, so each ratio compares measurements
            # taken seconds apart (the machine's speed drifts over minutes when it is shared).
            make, flops = parse(case)
            torch.manual_seed(1)
            fn = make()
            o, t = [], []
            with torch.no_grad():
                for _ in range(args.rounds):
                    o.append(octet_case(args.octet_bench, case, threads, args.min_time, key))
                    t.append(time_call(fn, args.min_time, clock))
            ratios = [tt / oo for tt, oo in zip(t, o)]
            mo, mt = stat(o), stat(t)
            print(f"| {case} | {threads} | {mo * 1e6:.1f} | {mt * 1e6:.1f} | {mt / mo:.2f}x | "
                  f"{min(ratios):.2f}-{max(ratios):.2f} | {flops / mo / 1e9:.1f} |", flush=True)


if __name__ == "__main__":
    main()
