#!/usr/bin/env python3
"""eager_models_vs_pytorch.py: ResNet-18 and MobileNetV2, eager-mode int8 vs fp32, Octet vs PyTorch (x86 engine).

PyTorch side: torchvision.models.quantization.resnet18(quantize=False) and mobilenet_v2(quantize=False)
(the quantizable architectures: QuantStub/DeQuantStub, FloatFunctional adds, ReLU6 replaced by ReLU),
random weights (torchvision's init, seeded) with BatchNorm statistics randomized, eval. fp32 is that
model; int8 is fuse_model(is_qat=False) + get_default_qconfig("x86") + prepare + calibration on
--calib random N(0, 1) 1x3x224x224 images + convert, with torch.backends.quantized.engine = "x86".
Octet side: bench/eager_models_bench.cpp, which builds the same architectures from
examples/models/quantizable_*.h and quantizes them the same way (same qconfig, same kind and number
of calibration images; weights are random on both sides: the comparison is of speed only).

Batch 1, 3x224x224, forward only (weights packed at convert on both sides), the same thread count on
both sides (torch.set_num_threads, the bench's --threads). The two sides run alternately, round by
round (Octet process, then PyTorch, --rounds times); each round times each case for --min-time
seconds (mean per forward), and the table reports the fastest round of each side (--stat min, the
default: on a shared machine the fastest round is the least disturbed one) or the median. Columns:
ms of each of the four, then the ratios

  int8 Oct/PT   Octet int8 time / PyTorch int8 time   (< 1: Octet int8 is faster)
  Oct fp32/int8 Octet fp32 time / Octet int8 time     (Octet's int8 speedup)
  PT fp32/int8  PyTorch fp32 time / PyTorch int8 time (PyTorch's int8 speedup)

    python3 bench/peers/eager_models_vs_pytorch.py --octet-bench build/bench/bench_eager_models_bench --threads 1
"""
import argparse
import copy
import json
import platform
import statistics
import subprocess
import time
import warnings

import torch
import torchvision.models.quantization as tq

MODELS = ("resnet18", "mobilenet_v2")
PRECISIONS = ("fp32", "int8")


def cpu_name():
    """The CPU model from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def randomize_batchnorms(model, gen):
    """BatchNorm affine parameters and running statistics away from the identity (as the Octet bench)."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) * 0.5 + 0.75
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean = torch.randn(c, generator=gen) * 0.1
            m.running_var = torch.rand(c, generator=gen) * 0.5 + 0.75


def build_pytorch(name, calib):
    """{"fp32": float model, "int8": eager-quantized model} for one torchvision quantizable model."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(20260)
    model = getattr(tq, name)(weights=None, quantize=False)
    randomize_batchnorms(model, gen)
    model.eval()
    q = copy.deepcopy(model)
    q.fuse_model(is_qat=False)
    q.qconfig = torch.ao.quantization.get_default_qconfig("x86")
    torch.ao.quantization.prepare(q, inplace=True)
    with torch.inference_mode():
        for _ in range(calib):
            q(torch.randn(1, 3, 224, 224, generator=gen))
    torch.ao.quantization.convert(q, inplace=True)
    return {"fp32": model, "int8": q}


def time_call(fn, min_time, clock):
    """Mean seconds per call over at least min_time (and 5 calls), after 2 warm-up calls."""
    for _ in range(2):
        fn()
    n, start = 0, clock()
    while True:
        fn()
        n += 1
        elapsed = clock() - start
        if elapsed >= min_time and n >= 5:
            return elapsed / n


def octet_round(binary, threads, min_time, key):
    """One Octet process timing all four cases: {(model, precision): seconds}."""
    res = subprocess.run([binary, f"--threads={threads}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    out = {}
    for b in json.loads(res.stdout)["benchmarks"]:
        model, precision = b["name"].split("/")[:2]
        out[(model, precision)] = b[key] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet-bench", required=True, help="path to bench_eager_models_bench")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds per case per round")
    ap.add_argument("--calib", type=int, default=4, help="random calibration images (the Octet bench uses 4)")
    ap.add_argument("--stat", choices=["min", "median"], default="min")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall clock, or CPU time of the whole process (both sides)")
    args = ap.parse_args()
    # The skip_add of a MobileNetV2 block without a residual never runs, so convert warns that its
    # observer saw nothing (torchvision's model as it is; the module is unused).
    warnings.filterwarnings("ignore", message="must run observer before calling calculate_qparams")
    # torch.ao.quantization's eager API warns that it is deprecated in favour of torchao.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    torch.backends.quantized.engine = "x86"
    torch.set_num_threads(args.threads)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    key = "real_time" if args.clock == "wall" else "cpu_time"
    models = {name: build_pytorch(name, args.calib) for name in MODELS}
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))

    octet_times = {(m, p): [] for m in MODELS for p in PRECISIONS}
    torch_times = {(m, p): [] for m in MODELS for p in PRECISIONS}
    for _ in range(args.rounds):
        for case, t in octet_round(args.octet_bench, args.threads, args.min_time, key).items():
            octet_times[case].append(t)
        with torch.inference_mode():
            for m in MODELS:
                for p in PRECISIONS:
                    net = models[m][p]
                    torch_times[(m, p)].append(time_call(lambda: net(x), args.min_time, clock))

    pick = min if args.stat == "min" else statistics.median
    print(f"torch {torch.__version__} (engine {torch.backends.quantized.engine}), "
          f"CPU {cpu_name()}, threads {args.threads}, rounds {args.rounds}, "
          f"min time {args.min_time}s, {args.stat} of rounds, {args.clock} clock, batch 1, 3x224x224")
    head = (f"{'model':13} {'Octet fp32':>10} {'Octet int8':>10} {'PT fp32':>9} {'PT int8':>9} "
            f"{'int8 Oct/PT':>11} {'Oct fp32/int8':>13} {'PT fp32/int8':>12}  int8 Oct/PT spread")
    print(head)
    print("-" * len(head))
    for m in MODELS:
        o = {p: pick(octet_times[(m, p)]) * 1e3 for p in PRECISIONS}
        t = {p: pick(torch_times[(m, p)]) * 1e3 for p in PRECISIONS}
        ratios = [a / b for a, b in zip(octet_times[(m, "int8")], torch_times[(m, "int8")])]
        print(f"{m:13} {o['fp32']:10.2f} {o['int8']:10.2f} {t['fp32']:9.2f} {t['int8']:9.2f} "
              f"{o['int8'] / t['int8']:11.2f} {o['fp32'] / o['int8']:13.2f} {t['fp32'] / t['int8']:12.2f}  "
              f"{min(ratios):.2f}-{max(ratios):.2f}")


if __name__ == "__main__":
    main()
