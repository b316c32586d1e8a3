#!/usr/bin/env python3
"""eager_ptq_vs_pytorch.py: `octet demo` beside PyTorch's eager-mode PTQ of the same Fashion-MNIST
models (bench/peers/eager_ptq_pytorch.py): accuracy, qparams one by one, file size and latency.

Both sides load data/models/fashion_{cnn,lstm}.safetensors, calibrate the CNN on the same first
--calib training images in batches of 64 with get_default_qconfig("x86") after the same fusion,
quantize the LSTM with quantize_dynamic({LSTM, Linear}, qint8), and evaluate the 10,000 test images.
The sides run alternately --rounds times; latency is each side's fastest round (each round reports
a median over batches of 64). Prints a markdown table for docs/benchmarks.md.

    python3 bench/peers/eager_ptq_vs_pytorch.py --octet build/bin/octet --threads 1 --rounds 3
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run_octet(octet, threads, calib, path):
    subprocess.run([octet, "demo", "--threads", str(threads), "--calib", str(calib), "--json", path],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path) as f:
        return json.load(f)


def run_pytorch(threads, calib, path):
    subprocess.run([sys.executable, os.path.join(HERE, "eager_ptq_pytorch.py"), "--threads", str(threads),
                    "--calib", str(calib), "--json", path],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path) as f:
        return json.load(f)


def compare_qparams(octet_q, torch_q):
    """(identical output qparams, modules, max relative scale difference, max |zero point diff|,
    identical weight scales, weight scales compared)"""
    same = total = 0
    max_rel = 0.0
    max_zp = 0
    w_same = w_total = 0
    for name, t in torch_q.items():
        o = octet_q.get(name)
        if o is None:
            print(f"  {name}: not in Octet's model", file=sys.stderr)
            continue
        total += 1
        rel = abs(o["scale"] - t["scale"]) / t["scale"]
        zp = abs(o["zero_point"] - t["zero_point"])
        same += int(rel == 0 and zp == 0)
        max_rel = max(max_rel, rel)
        max_zp = max(max_zp, zp)
        for a, b in zip(o.get("weight_scales", []), t.get("weight_scales", [])):
            w_total += 1
            w_same += int(a == b)
    return same, total, max_rel, max_zp, w_same, w_total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--octet", default="build/bin/octet", help="the octet binary")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    octet_runs, torch_runs = [], []
    for r in range(args.rounds):
        octet_runs.append(run_octet(args.octet, args.threads, args.calib, os.path.join(tmp, f"octet{r}.json")))
        torch_runs.append(run_pytorch(args.threads, args.calib, os.path.join(tmp, f"torch{r}.json")))

    o0, t0 = octet_runs[0], torch_runs[0]
    print(f"PyTorch {t0['torch']} (engine {t0['engine']}), {args.threads} thread(s), calibration {args.calib} images, "
          f"{args.rounds} alternating rounds, fastest round per side, ms per batch of 64\n")
    print("| model | side | FP32 acc | INT8 acc | change | FP32 KiB | INT8 KiB | smaller | FP32 ms | INT8 ms | "
          "INT8 speedup |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = {}
    for key, name in (("cnn", "FashionCNN"), ("lstm", "FashionLSTM")):
        om = [r["models"][name] for r in octet_runs]
        tm = [r[key] for r in torch_runs]
        o_fp = min(m["fp32_ms_per_batch"] for m in om)
        o_q = min(m["int8_ms_per_batch"] for m in om)
        t_fp = min(m["fp32_ms_per_batch64"] for m in tm)
        t_q = min(m["int8_ms_per_batch64"] for m in tm)
        o, t = om[0], tm[0]
        print(f"| {name} | Octet | {o['fp32_accuracy']:.2f}% | {o['int8_accuracy']:.2f}% | "
              f"{o['int8_accuracy'] - o['fp32_accuracy']:+.2f} | {o['fp32_kib']:.1f} | {o['int8_kib']:.1f} | "
              f"{o['fp32_kib'] / o['int8_kib']:.2f}x | {o_fp:.3f} | {o_q:.3f} | {o_fp / o_q:.2f}x |")
        print(f"| {name} | PyTorch | {100 * t['fp32_accuracy']:.2f}% | {100 * t['int8_accuracy']:.2f}% | "
              f"{100 * (t['int8_accuracy'] - t['fp32_accuracy']):+.2f} | {t['fp32_bytes'] / 1024:.1f} | "
              f"{t['int8_bytes'] / 1024:.1f} | {t['fp32_bytes'] / t['int8_bytes']:.2f}x | {t_fp:.3f} | {t_q:.3f} | "
              f"{t_fp / t_q:.2f}x |")
        ratios[name] = (t_q / o_q, t_fp / o_fp, o["int8_accuracy"] - 100 * t["int8_accuracy"])
    print()
    for name, (q, f, acc) in ratios.items():
        print(f"{name}: Octet INT8 {q:.2f}x PyTorch INT8's speed, Octet FP32 {f:.2f}x PyTorch FP32's; "
              f"INT8 accuracy Octet - PyTorch = {acc:+.2f} pt")
    same, total, max_rel, max_zp, w_same, w_total = compare_qparams(o0["cnn_qparams"], t0["cnn"]["qparams"])
    print(f"FashionCNN qparams: {same} of {total} modules' output (scale, zero point) identical to PyTorch's; "
          f"max relative scale difference {max_rel:.2e}, max zero-point difference {max_zp}; "
          f"{w_same} of {w_total} per-channel weight scales identical")


if __name__ == "__main__":
    main()
