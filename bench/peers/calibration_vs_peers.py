#!/usr/bin/env python3
"""calibration_vs_peers.py: calibration throughput and memory, Octet vs PyTorch vs ONNX Runtime.

The same data for everyone: a pool of 16 seeded BERT-sized activations (1x768x128 float32, normal
with a per-batch scale in [0.5, 1.5] and shift in [-0.2, 0.2]) cycled for B batches (B = 50 and
200). Each calibration runs in its own fresh process, which reports its wall time and the growth of
its peak resident memory over its resident memory just before calibrating (data loaded, libraries
imported): the peak is restarted there (Linux /proc/self/clear_refs) and read as VmHWM after.

  octet        bench/ops/calibration_bench (Google Benchmark JSON), reading the pool through
               OCTET_CALIB_POOL: calibrate/<observer>/batches:<B> (observe B batches, with its own
               peak_rss_growth_kb counter covering the qparams too) and qparams/<observer>
  pytorch      torch.ao.quantization HistogramObserver / MinMaxObserver: obs(x) per batch, then
               calculate_qparams()
  onnxruntime  onnxruntime.quantization.calibrate's MinMax / Entropy / Percentile calibraters on a
               one-node model (Identity: its input and output are both calibrated, so ORT
               histograms 2 x 98304 values per batch, and both count as observed elements);
               collect_data over all batches, then compute_data(); Entropy and Percentile with
               2048 bins like the others (ORT's Entropy default is 128)

Every calibrator runs once per round (--rounds, default 3), PyTorch with --threads intra-op threads
(default 1: Octet's observers use one thread for batches under a million values). Prints one table:
elements/s of observing (qparams excluded) and its ratio to PyTorch's HistogramObserver, each the
best round (--stat best, the default: other processes on a shared machine only ever slow a run down)
or the median, the min-max of the same-round ratios, qparams time, total time, and the peak-memory
growth at B = 50 and 200 (the largest over the rounds).

    python3 bench/peers/calibration_vs_peers.py --octet-bench build/bench/bench_calibration_bench
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SHAPE = (1, 768, 128)
POOL = 16
NUMEL = 768 * 128


def make_pool(path):
    rng = np.random.default_rng(1234)
    pool = np.empty((POOL,) + SHAPE, np.float32)
    for b in range(POOL):
        scale, shift = rng.uniform(0.5, 1.5), rng.uniform(-0.2, 0.2)
        pool[b] = (rng.standard_normal(SHAPE) * scale + shift).astype(np.float32)
    np.save(path, pool)


# --- the child process: one peer calibration, timed, with its memory growth ----------------------

def status_kb(key):
    """A /proc/self/status field in KiB (VmRSS: resident now, VmHWM: peak since the last reset)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss():
    """Restarts VmHWM from the current RSS (Linux: "5" > /proc/self/clear_refs), so the peak of the
    calibration is measured, not that of importing torch / onnxruntime."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def child(args):
    pool = np.load(args.pool)
    batches = args.batches
    out = {}
    if args.peer.startswith("torch_"):
        import torch
        from torch.ao.quantization.observer import HistogramObserver, MinMaxObserver
        torch.set_num_threads(args.threads)
        tensors = [torch.from_numpy(pool[b]) for b in range(POOL)]
        obs = {"torch_histogram": HistogramObserver, "torch_minmax": MinMaxObserver}[args.peer]()
        rss_before = status_kb("VmRSS")
        reset_peak_rss()
        start = time.perf_counter()
        for b in range(batches):
            obs(tensors[b % POOL])
        observed = time.perf_counter()
        obs.calculate_qparams()
        done = time.perf_counter()
        out["elements"] = batches * NUMEL
    else:
        import onnx
        from onnx import TensorProto, helper
        from onnxruntime.quantization.calibrate import CalibrationDataReader, CalibrationMethod, create_calibrator

        method = {"ort_minmax": CalibrationMethod.MinMax, "ort_entropy": CalibrationMethod.Entropy,
                  "ort_percentile": CalibrationMethod.Percentile}[args.peer]
        tmp = tempfile.mkdtemp()
        model_path = os.path.join(tmp, "identity.onnx")
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(SHAPE))
        graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model_path)

        class Reader(CalibrationDataReader):
            def __init__(self):
                self.b = 0

            def get_next(self):
                if self.b >= batches:
                    return None
                self.b += 1
                return {"x": pool[(self.b - 1) % POOL]}

        extra = {"num_bins": 2048} if method != CalibrationMethod.MinMax else {}
        cal = create_calibrator(model_path, augmented_model_path=os.path.join(tmp, "aug.onnx"),
                                calibrate_method=method, extra_options=extra)
        rss_before = status_kb("VmRSS")
        reset_peak_rss()
        start = time.perf_counter()
        cal.collect_data(Reader())
        observed = time.perf_counter()
        cal.compute_data()
        done = time.perf_counter()
        out["elements"] = 2 * batches * NUMEL  # the Identity's input and output
    out.update(observe_s=observed - start, qparams_s=done - observed,
               rss_growth_kb=status_kb("VmHWM") - rss_before)
    print(json.dumps(out))


def run_child(peer, pool, batches, threads):
    res = subprocess.run([sys.executable, __file__, "--child", peer, "--pool", pool, "--batches", str(batches),
                          "--threads", str(threads)], check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- Octet: the Google Benchmark binary, with the peak RSS of its process ------------------------

def run_octet(binary, pool, bench_filter, min_time):
    env = dict(os.environ, OCTET_CALIB_POOL=pool)
    res = subprocess.run([binary, f"--benchmark_filter={bench_filter}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True, env=env)
    return json.loads(res.stdout)["benchmarks"]


def octet_results(binary, pool, min_time):
    results = {}
    for name in ["MinMax", "Histogram", "Entropy", "Percentile", "MSE"]:
        qparams_s = run_octet(binary, pool, f"^qparams/{name}/", min_time)[0]["real_time"] / 1e3  # ms
        row = {}
        for batches in (50, 200):
            b = run_octet(binary, pool, f"^calibrate/{name}/batches:{batches}/", min_time)[0]
            row[batches] = {"elements": batches * NUMEL, "observe_s": b["real_time"] / 1e3,
                            "qparams_s": qparams_s, "rss_growth_kb": b["peak_rss_growth_kb"]}
        results[f"octet {name}Observer"] = row
    return results


PEERS = [("torch_histogram", "pytorch HistogramObserver"), ("torch_minmax", "pytorch MinMaxObserver"),
         ("ort_minmax", "onnxruntime MinMax"), ("ort_entropy", "onnxruntime Entropy"),
         ("ort_percentile", "onnxruntime Percentile")]


def one_round(args, pool):
    rows = octet_results(args.octet_bench, pool, args.min_time)
    for peer, label in PEERS:
        rows[label] = {b: run_child(peer, pool, b, args.threads) for b in (50, 200)}
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--octet-bench", default="build/bench/bench_calibration_bench")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch's intra-op threads (Octet's observers use one)")
    ap.add_argument("--rounds", type=int, default=3, help="every calibrator once per round")
    ap.add_argument("--stat", choices=["best", "median"], default="best",
                    help="per calibrator over the rounds: the fastest round (best: interference from other "
                         "processes only ever slows a run down) or the median")
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--child")
    ap.add_argument("--pool")
    ap.add_argument("--batches", type=int, default=200)
    args = ap.parse_args()
    if args.child:
        args.peer = args.child
        return child(args)

    pool = os.path.join(tempfile.mkdtemp(), "calib_pool.npy")
    make_pool(pool)
    import onnxruntime
    import torch
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; torch {torch.__version__} "
          f"({args.threads} thread(s)), onnxruntime {onnxruntime.__version__}; {POOL}-batch pool of {SHAPE}; "
          f"{args.rounds} rounds")
    rounds = [one_round(args, pool) for _ in range(args.rounds)]
    ref_label = "pytorch HistogramObserver"

    def eps(r):
        return r["elements"] / r["observe_s"]

    pick_fast, pick_small = (max, min) if args.stat == "best" else (statistics.median, statistics.median)
    ref_speed = pick_fast(eps(rd[ref_label][200]) for rd in rounds)
    print(f"{args.stat} of {args.rounds} rounds")
    print("| calibrator | observe elem/s (200 batches) | vs PyTorch Histogram | same-round ratios | qparams "
          "| total, 200 batches | peak-RSS growth, 50 / 200 batches |")
    print("|---|---|---|---|---|---|---|")
    for label in rounds[0]:
        runs = [rd[label][200] for rd in rounds]
        ratios = sorted(eps(rd[label][200]) / eps(rd[ref_label][200]) for rd in rounds)
        speed = pick_fast(eps(r) for r in runs)
        qparams = pick_small(r["qparams_s"] for r in runs)
        total = pick_small(r["observe_s"] + r["qparams_s"] for r in runs)
        mem50 = max(rd[label][50]["rss_growth_kb"] for rd in rounds) / 1024
        mem200 = max(rd[label][200]["rss_growth_kb"] for rd in rounds) / 1024
        print(f"| {label} | {speed / 1e6:.1f} M | {speed / ref_speed:.1f}x | {ratios[0]:.1f}-{ratios[-1]:.1f} "
              f"| {qparams * 1e3:.1f} ms | {total * 1e3:.0f} ms | {mem50:.1f} / {mem200:.1f} MiB |")


if __name__ == "__main__":
    sys.exit(main())
