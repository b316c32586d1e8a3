#!/usr/bin/env python3
"""eager_ptq_pytorch.py: PyTorch's eager-mode post-training quantization of the Fashion-MNIST models,
the reference `octet demo` is compared with (same weights, same data, same qconfig, same calibration).

Loads data/models/fashion_{cnn,lstm}.safetensors (written by scripts/models/train_fashion.py, whose
model classes it reuses) and Debian's dataset-fashion-mnist files, then, with
torch.backends.quantized.engine = "x86":

  cnn   static PTQ: eval, fuse_modules(FashionCNN.FUSION_GROUPS), qconfig =
        get_default_qconfig("x86") (HistogramObserver quint8 reduce_range activations, per-channel
        symmetric qint8 weights), prepare, calibrate on the first --calib training images (batches
        of 64, in file order, no shuffling), convert
  lstm  dynamic PTQ: quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)

Prints, per model: FP32 and INT8 accuracy on the 10,000 test images; the size of torch.save of the
float and the quantized state dicts; latency of one batch of 64 test images at --threads intra-op
threads (the median of --repeats timed passes after warm-up), FP32 and INT8. --json FILE writes the
same numbers plus every quantized module's output scale and zero point (the QuantStub's, now a
Quantize, included), keyed by module name, and the per-channel weight scales, so Octet's qparams can
be compared with PyTorch's one by one.

    python3 bench/peers/eager_ptq_pytorch.py --calib 1024 --threads 1 --json /tmp/pytorch_ptq.json
"""
import argparse
import io
import json
import os
import statistics
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file
from torch.ao.quantization import convert, fuse_modules, get_default_qconfig, prepare, quantize_dynamic

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))
from train_fashion import DEFAULT_DATA, FashionCNN, FashionLSTM, load_split, normalize  # noqa: E402

BATCH = 64
# torch.ao.quantization's deprecation notices (eager mode still works as documented) and
# reduce_range's, repeated for every observer, would bury the table.
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\..*")


def accuracy(model, x, y, batch=500):
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def state_dict_bytes(model):
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def latency_ms(model, x, repeats):
    with torch.no_grad():
        for _ in range(3):
            model(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def qparams_of(model):
    """Output scale / zero point (and per-channel weight scales) of every quantized module."""
    out = {}
    for name, m in model.named_modules():
        if not name or not hasattr(m, "scale") or not hasattr(m, "zero_point"):
            continue
        entry = {"type": type(m).__name__, "scale": float(m.scale), "zero_point": int(m.zero_point)}
        weight = getattr(m, "weight", None)
        if callable(weight):
            w = weight()
            if w.is_quantized and w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
                entry["weight_scales"] = w.q_per_channel_scales().tolist()
                entry["weight_zero_points"] = w.q_per_channel_zero_points().tolist()
            elif w.is_quantized:
                entry["weight_scales"] = [w.q_scale()]
                entry["weight_zero_points"] = [w.q_zero_point()]
        out[name] = entry
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder of the Fashion-MNIST .gz files")
    parser.add_argument("--models", default=os.path.join(ROOT, "data", "models"))
    parser.add_argument("--calib", type=int, default=1024, help="calibration images (first N of train)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30, help="timed passes per latency")
    parser.add_argument("--json", help="write the results and qparams here")
    args = parser.parse_args()

    torch.backends.quantized.engine = "x86"
    torch.set_num_threads(args.threads)
    train_u8, _ = load_split(args.data, True)
    test_u8, test_y = load_split(args.data, False)
    x_calib = normalize(train_u8[:args.calib])
    x_test, y_test = normalize(test_u8), torch.from_numpy(test_y)
    x_lat = x_test[:BATCH].contiguous()
    results = {"engine": "x86", "calib": args.calib, "threads": args.threads, "torch": torch.__version__}

    # --- CNN: static PTQ ---
    cnn = FashionCNN()
    cnn.load_state_dict(load_file(os.path.join(args.models, "fashion_cnn.safetensors")))
    cnn.eval()
    qcnn = fuse_modules(cnn, FashionCNN.FUSION_GROUPS, inplace=False)
    qcnn.qconfig = get_default_qconfig("x86")
    prepare(qcnn, inplace=True)
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, args.calib, BATCH):
            qcnn(x_calib[i:i + BATCH])
    calib_s = time.perf_counter() - start
    convert(qcnn, inplace=True)

    # --- LSTM: dynamic PTQ ---
    lstm = FashionLSTM()
    lstm.load_state_dict(load_file(os.path.join(args.models, "fashion_lstm.safetensors")))
    lstm.eval()
    qlstm = quantize_dynamic(lstm, {nn.LSTM, nn.Linear}, dtype=torch.qint8)

    print(f"PyTorch {torch.__version__} eager PTQ, engine x86, {args.threads} thread(s), "
          f"calibration {args.calib} images ({calib_s:.1f} s)")
    print(f"{'model':6} {'fp32 acc':>9} {'int8 acc':>9} {'fp32 KB':>9} {'int8 KB':>9} {'ratio':>6} "
          f"{'fp32 ms':>8} {'int8 ms':>8} {'speedup':>8}")
    for name, fp, q in (("cnn", cnn, qcnn), ("lstm", lstm, qlstm)):
        r = {"fp32_accuracy": accuracy(fp, x_test, y_test), "int8_accuracy": accuracy(q, x_test, y_test),
             "fp32_bytes": state_dict_bytes(fp), "int8_bytes": state_dict_bytes(q),
             "fp32_ms_per_batch64": latency_ms(fp, x_lat, args.repeats),
             "int8_ms_per_batch64": latency_ms(q, x_lat, args.repeats)}
        results[name] = r
        print(f"{name:6} {100 * r['fp32_accuracy']:8.2f}% {100 * r['int8_accuracy']:8.2f}% "
              f"{r['fp32_bytes'] / 1024:9.1f} {r['int8_bytes'] / 1024:9.1f} {r['fp32_bytes'] / r['int8_bytes']:5.2f}x "
              f"{r['fp32_ms_per_batch64']:8.3f} {r['int8_ms_per_batch64']:8.3f} "
              f"{r['fp32_ms_per_batch64'] / r['int8_ms_per_batch64']:7.2f}x")
    results["cnn"]["calibration_seconds"] = calib_s
    results["cnn"]["qparams"] = qparams_of(qcnn)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print("wrote", args.json)


if __name__ == "__main__":
    main()
