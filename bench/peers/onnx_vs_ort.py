#!/usr/bin/env python3
"""onnx_vs_ort.py: fp32 latency of whole ONNX models, Octet (`octet bench`) vs ONNX Runtime, same threads, same inputs' shapes, one run.

The models are the full-size ones from scripts/models/export_onnx_models.py --full (resnet18,
mobilenet_v2, efficientnet_b0 at 1x3x224x224; a BERT-base encoder at batch 1, sequence 128; random
weights: latency does not depend on them). For each model both engines run --warmup untimed runs,
then --iterations timed runs, one after the other in this process's run; the median latency of
each and their ratio (Octet / ONNX Runtime: below 1 means Octet is faster) are printed as a
markdown table, with the exact command line.

ONNX Runtime runs with its default graph optimizations (ORT_ENABLE_ALL), intra_op_num_threads =
--threads and inter_op_num_threads = 1; Octet runs `octet bench --threads N` (graph::optimize
first, as `octet bench` does by default).

    python3 scripts/models/export_onnx_models.py --full --out build/models
    python3 bench/peers/onnx_vs_ort.py --octet build/bin/octet --models build/models --threads 1
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

MODELS = [
    # name, octet bench extra args, ORT feeds maker
    ("resnet18", [], lambda rng: {"input": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}),
    ("mobilenet_v2", [], lambda rng: {"input": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}),
    ("efficientnet_b0", [], lambda rng: {"input": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}),
    ("bert_base", ["--dim", "sequence=128"],
     lambda rng: {"input_ids": rng.integers(0, 2, (1, 128)).astype(np.int64),
                  "attention_mask": rng.integers(0, 2, (1, 128)).astype(np.int64)}),
]


def ort_median_ms(path, feeds, threads, warmup, iterations):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def octet_median_ms(octet, path, extra, threads, warmup, iterations):
    cmd = [octet, "bench", path, "--batch", "1", "--threads", str(threads), "--warmup", str(warmup),
           "--iterations", str(iterations), "--quiet"] + extra
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"latency: median ([0-9.]+) ms", out)
    if not m:
        raise RuntimeError(f"cannot parse octet bench output:\n{out}")
    return float(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--octet", required=True, help="the octet binary (build/bin/octet)")
    p.add_argument("--models", required=True, help="folder with the --full models of export_onnx_models.py")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--only", nargs="*", help="model names to run (default: all)")
    a = p.parse_args()

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"threads {a.threads}, onnxruntime {ort.__version__}, {a.iterations} runs after {a.warmup} warm-up")
    print("# command: python3 " + " ".join(sys.argv))
    print()
    print("| model | input | Octet median (ms) | ONNX Runtime median (ms) | Octet / ORT |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for name, extra, make_feeds in MODELS:
        if a.only and name not in a.only:
            continue
        path = os.path.join(a.models, name + ".onnx")
        if not os.path.exists(path):
            print(f"| {name} | missing: run scripts/models/export_onnx_models.py --full | | | |")
            continue
        feeds = make_feeds(rng)
        shape = " ".join(f"{k}{list(v.shape)}" for k, v in feeds.items())
        octet_ms = octet_median_ms(a.octet, path, extra, a.threads, a.warmup, a.iterations)
        ort_ms = ort_median_ms(path, feeds, a.threads, a.warmup, a.iterations)
        print(f"| {name} | {shape} | {octet_ms:.2f} | {ort_ms:.2f} | {octet_ms / ort_ms:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
