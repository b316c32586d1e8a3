#!/usr/bin/env python3
"""quantized_vs_peers.py: Octet's int8 linear / dynamic linear / conv2d vs PyTorch's quantized engines and ONNX Runtime.

The cases come from Octet's bench/ops/quantized_peers_bench (--benchmark_list_tests; each name encodes
its shape, see that file), so every side runs the same list:
  qlinear/<layer>/m<M>k<K>n<N>            static: quint8 x (M, K), per-channel qint8 weight (N, K), float
                                          bias, quint8 out (PyTorch: torch.ops.quantized.linear;
                                          ORT: QLinearMatMul, which has no bias input)
  qlinear_dynamic/<layer>/m<M>k<K>n<N>    dynamic: float x, per-channel qint8 weight, float out
                                          (PyTorch: quantized.linear_dynamic, reduce_range on
                                          x86/fbgemm as their default qconfig; ORT:
                                          DynamicQuantizeLinear + MatMulInteger + Cast + Mul + Add,
                                          which ORT fuses into DynamicQuantizeMatMul)
  qconv2d/<layer>/n<N>c<C>h<H>w<W>_o<Co>k<k>s<s>p<p>g<g>   quint8 NCHW (channels-last memory for
                                          PyTorch, as its quantized conv wants), per-channel qint8
                                          weight, bias, quint8 out (ORT: QLinearConv, int32 bias)
Every side gets the same qparams and prepacked weights (PyTorch packs at prepack, ORT at session
creation, Octet at prepack) and only the forward call is timed. Rounds alternate the sides case by
case (Octet, peer 1, peer 2, ..., repeated), the table gives the median (or --stat min) per side and
the ratio best-peer / Octet (> 1: Octet is faster).

    python3 bench/peers/quantized_vs_peers.py --octet-bench build/bench/bench_quantized_peers_bench
"""
import argparse
import json
import platform
import re
import statistics
import subprocess
import time

import numpy as np
import torch

LINEAR = re.compile(r"^(?P<kind>qlinear|qlinear_dynamic)/(?P<layer>[^/]+)/m(?P<m>\d+)k(?P<k>\d+)n(?P<n>\d+)$")
CONV = re.compile(r"^qconv2d/(?P<layer>[^/]+)/n(?P<n>\d+)c(?P<c>\d+)h(?P<h>\d+)w(?P<w>\d+)"
                  r"_o(?P<o>\d+)k(?P<k>\d+)s(?P<s>\d+)p(?P<p>\d+)g(?P<g>\d+)$")

# The qparams every side uses (Octet's bench uses the same constants).
X_SCALE, X_ZP = 0.05, 64
Y_SCALE, Y_ZP = 0.2, 100
TORCH_ENGINES = ["x86", "fbgemm", "onednn", "qnnpack"]


def weight_scales(n):
    return (0.01 + 0.001 * (np.arange(n) % 7)).astype(np.float64)


def make_inputs(kind, shape):
    """Seeded float tensors shared by all peers."""
    g = torch.Generator().manual_seed(1)
    if kind == "conv":
        n, c, h, w_, o, k, g_ = shape
        x = torch.rand(n, c, h, w_, generator=g) * 6.0 - 3.0
        w = torch.randn(o, c // g_, k, k, generator=g) * 0.5
        b = torch.randn(o, generator=g)
    else:
        m, k, n = shape
        x = torch.rand(m, k, generator=g) * 6.0 - 3.0
        w = torch.randn(n, k, generator=g) * 0.5
        b = torch.randn(n, generator=g)
    return x, w, b


def torch_peer(engine, kind, shape, stride=1, pad=0):
    """A zero-argument forward callable for one PyTorch quantized engine (None when unsupported)."""
    torch.backends.quantized.engine = engine
    x, w, b = make_inputs("conv" if kind == "qconv2d" else "linear", shape)
    n_out = w.shape[0]
    scales = torch.from_numpy(weight_scales(n_out))
    zps = torch.zeros(n_out, dtype=torch.int64)
    wq = torch.quantize_per_channel(w, scales, zps, 0, torch.qint8)
    if kind == "qlinear":
        xq = torch.quantize_per_tensor(x, X_SCALE, X_ZP, torch.quint8)
        packed = torch.ops.quantized.linear_prepack(wq, b)
        return lambda: torch.ops.quantized.linear(xq, packed, Y_SCALE, Y_ZP)
    if kind == "qlinear_dynamic":
        packed = torch.ops.quantized.linear_prepack(wq, b)
        reduce_range = engine in ("x86", "fbgemm")
        return lambda: torch.ops.quantized.linear_dynamic(x, packed, reduce_range)
    groups = shape[6]
    xq = torch.quantize_per_tensor(x, X_SCALE, X_ZP, torch.quint8).contiguous(memory_format=torch.channels_last)
    packed = torch.ops.quantized.conv2d_prepack(wq, b, [stride, stride], [pad, pad], [1, 1], groups)
    return lambda: torch.ops.quantized.conv2d(xq, packed, Y_SCALE, Y_ZP)


def ort_peer(kind, shape, threads, stride=1, pad=0):
    """A forward callable running one ONNX Runtime session (None when onnxruntime is missing)."""
    try:
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    x, w, b = (t.numpy() for t in make_inputs("conv" if kind == "qconv2d" else "linear", shape))
    n_out = w.shape[0]
    ws = weight_scales(n_out).astype(np.float32)
    wq = np.clip(np.rint(w.reshape(n_out, -1) / ws[:, None]), -128, 127).astype(np.int8).reshape(w.shape)
    init, nodes, feeds = [], [], {}

    def const(name, arr):
        init.append(numpy_helper.from_array(np.asarray(arr), name))

    const("xs", np.float32(X_SCALE))
    const("xz", np.uint8(X_ZP))
    const("ys", np.float32(Y_SCALE))
    const("yz", np.uint8(Y_ZP))
    if kind == "qlinear":
        # QLinearMatMul wants the weight as [K, N] with per-column scales.
        const("w", np.ascontiguousarray(wq.T))
        const("ws", ws)
        const("wz", np.zeros(n_out, np.int8))
        nodes.append(helper.make_node("QLinearMatMul", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"]))
        xin = helper.make_tensor_value_info("x", TensorProto.UINT8, list(x.shape))
        feeds["x"] = np.clip(np.rint(x / X_SCALE) + X_ZP, 0, 255).astype(np.uint8)
        yout = helper.make_tensor_value_info("y", TensorProto.UINT8, None)
    elif kind == "qlinear_dynamic":
        const("w", np.ascontiguousarray(wq.T))
        const("wz", np.zeros(n_out, np.int8))
        const("wsc", ws)
        const("b", b.astype(np.float32))
        nodes += [
            helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xsc", "xzp"]),
            helper.make_node("MatMulInteger", ["xq", "w", "xzp", "wz"], ["acc"]),
            helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["xsc", "wsc"], ["s"]),
            helper.make_node("Mul", ["accf", "s"], ["ys0"]),
            helper.make_node("Add", ["ys0", "b"], ["y"]),
        ]
        xin = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))
        feeds["x"] = x.astype(np.float32)
        yout = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    else:
        groups = shape[6]
        const("w", wq)
        const("ws", ws)
        const("wz", np.zeros(n_out, np.int8))
        const("b", np.rint(b / (X_SCALE * ws)).astype(np.int32))
        nodes.append(helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"],
                                      strides=[stride, stride], pads=[pad] * 4, group=groups))
        xin = helper.make_tensor_value_info("x", TensorProto.UINT8, list(x.shape))
        feeds["x"] = np.clip(np.rint(x / X_SCALE) + X_ZP, 0, 255).astype(np.uint8)
        yout = helper.make_tensor_value_info("y", TensorProto.UINT8, None)
    graph = helper.make_graph(nodes, "case", [xin], [yout], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return lambda: sess.run(None, feeds)


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
    pattern = "^" + case.replace(".", r"\.") + f"/threads:{threads}/"
    res = subprocess.run([binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    (b,) = json.loads(res.stdout)["benchmarks"]
    return b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]


def parse(case):
    """(kind, shape, stride, pad, MACs)."""
    m = LINEAR.match(case)
    if m:
        M, K, N = (int(m[x]) for x in "mkn")
        return m["kind"], (M, K, N), 1, 0, M * K * N
    m = CONV.match(case)
    if m:
        n, c, h, w_, o, k, s, p, g = (int(m[x]) for x in ("n", "c", "h", "w", "o", "k", "s", "p", "g"))
        oh, ow = (h + 2 * p - k) // s + 1, (w_ + 2 * p - k) // s + 1
        return "qconv2d", (n, c, h, w_, o, k, g), s, p, n * o * oh * ow * (c // g) * k * k
    raise ValueError(f"unrecognised case {case}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet-bench", required=True, help="path to bench_quantized_peers_bench")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--filter", default="", help="regex on case names (Google Benchmark syntax)")
    ap.add_argument("--peers", default=",".join(["torch-" + e for e in TORCH_ENGINES] + ["ort"]),
                    help="comma-separated: torch-x86, torch-fbgemm, torch-onednn, torch-qnnpack, ort")
    ap.add_argument("--stat", choices=["median", "min"], default="median", help="statistic over rounds")
    args = ap.parse_args()
    stat = statistics.median if args.stat == "median" else min
    peers = [p for p in args.peers.split(",") if p]

    listed = subprocess.run([args.octet_bench, "--benchmark_list_tests=true", f"--benchmark_filter={args.filter}"],
                            check=True, capture_output=True, text=True).stdout.split()
    cases = list(dict.fromkeys(n.rsplit("/threads:", 1)[0] for n in listed))
    try:
        import onnxruntime
        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = "not installed"
    print(f"# PyTorch {torch.__version__}, ONNX Runtime {ort_version}, CPU {platform.processor() or platform.machine()}, "
          f"rounds {args.rounds}, min time {args.min_time}s, {args.stat} of rounds; times in us")
    print("| case | threads | Octet | " + " | ".join(peers) + " | best peer / Octet | Octet GOP/s |")
    print("|---|---|---|" + "---|" * len(peers) + "---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for case in cases:
            kind, shape, stride, pad, macs = parse(case)
            fns = {}
            for p in peers:
                try:
                    if p == "ort":
                        fns[p] = ort_peer(kind, shape, threads, stride, pad)
                    else:
                        fns[p] = torch_peer(p.split("-", 1)[1], kind, shape, stride, pad)
                        fns[p]()  # an engine that cannot run the case raises here
                except Exception as e:  # an engine without this operator or layout: reported as n/a
                    fns[p] = None
                    print(f"# {p} cannot run {case}: {str(e).splitlines()[0][:120]}")
            times = {"octet": []} | {p: [] for p in peers}
            with torch.no_grad():
                for _ in range(args.rounds):
                    times["octet"].append(octet_case(args.octet_bench, case, threads, args.min_time))
                    for p in peers:
                        if fns[p] is not None:
                            if p.startswith("torch-"):
                                torch.backends.quantized.engine = p.split("-", 1)[1]
                            times[p].append(time_call(fns[p], args.min_time))
            mo = stat(times["octet"])
            cells, best = [], None
            for p in peers:
                if times[p]:
                    mp = stat(times[p])
                    best = mp if best is None else min(best, mp)
                    cells.append(f"{mp * 1e6:.1f}")
                else:
                    cells.append("n/a")
            ratio = f"{best / mo:.2f}x" if best is not None else "n/a"
            print(f"| {case} | {threads} | {mo * 1e6:.1f} | " + " | ".join(cells) +
                  f" | {ratio} | {2.0 * macs / mo / 1e9:.1f} |", flush=True)


if __name__ == "__main__":
    main()
