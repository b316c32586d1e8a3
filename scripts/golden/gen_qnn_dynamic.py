#!/usr/bin/env python3
"""gen_qnn_dynamic.py: PyTorch golden outputs for the dynamic quantized modules and the weight-only embeddings.

Writes tests/data/golden/qnn_dynamic.safetensors in the format tests/common/golden.h reads: tensors
"<case>/<key>" and metadata {"cases": json list of {"name", "op", "args"}}. Seeded: rerunning writes
the same file for the same PyTorch version and CPU. Engine: x86 (fbgemm).

Every case builds the float module with fixed weights, converts it with the PyTorch module's
from_float (the qconfig named in args) and runs it. The tests build the same float module in Octet,
convert it with Octet's from_float and compare the quantized weights (bit for bit) and the outputs.

Per op, the tensors are:
  linear (torch.ao.nn.quantized.dynamic.Linear):
      in0 input (float32), w/weight, w/bias (float32, when args.bias) the float module's parameters;
      out0 the output; q/weight the converted weight: int_repr (int8) for qint8, with q/scales
      (float64) and q/zero_points (int64), one per output feature (repeated when per tensor); for
      float16 the weight as float16.
      args: dtype ("qint8" / "float16"), qconfig, bias, full_cols (float16: the columns fbgemm sums as
      one FMA chain; the last N mod 32 on AVX-512 (16 on AVX2) are summed in 512-blocks when K > 512).
  lstm, gru (dynamic LSTM / GRU): in0 input, h0 (and c0) when args.states; w/<name> every float
      parameter by its PyTorch name; q/<weight name> the converted weights as above (int_repr, plus
      q/<name>.scale, float64 [1]) for qint8; out0 output, out1 h_n, out2 c_n (LSTM).
      args: dtype, num_layers, bidirectional, batch_first, hidden_size, input_size, states.
  lstm_cell, gru_cell, rnn_cell: in0 input, in1 hx, in2 cx (LSTM); w/<name>; q/<name>(.scale);
      out0 h_1, out1 c_1 (LSTM). args: dtype, nonlinearity (rnn_cell), hidden_size, input_size.
  embedding, embedding_bag (torch.ao.nn.quantized): w/weight the float weight; in0 indices (int64),
      in1 offsets and in2 per_sample_weights when present; q/dequantized (float32), q/scales and
      q/zero_points (float32) of the converted weight, q/int_repr (uint8) for quint8; out0 the output.
      args: dtype ("quint8" / "quint4x2"), mode, include_last_offset.

    python3 scripts/golden/gen_qnn_dynamic.py
"""
import json
import os
import warnings

import torch
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd
from safetensors.torch import save_file
from torch.ao.quantization import qconfig as qc

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "qnn_dynamic.safetensors")

QCONFIGS = {
    "default_dynamic": qc.default_dynamic_qconfig,
    "per_channel_dynamic": qc.per_channel_dynamic_qconfig,
    "float16_dynamic": qc.float16_dynamic_qconfig,
    "float_qparams": qc.float_qparams_weight_only_qconfig,
    "float_qparams_4bit": qc.float_qparams_weight_only_qconfig_4bit,
}


class Golden:
    def __init__(self):
        self.tensors = {}
        self.cases = []

    def add(self, name, op, args, tensors):
        assert all(c["name"] != name for c in self.cases), name
        for key, t in tensors.items():
            if t is not None:
                self.tensors[f"{name}/{key}"] = t.detach().contiguous().clone()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self):
        save_file(self.tensors, OUT, metadata={"cases": json.dumps(self.cases)})
        print(f"{OUT}: {len(self.cases)} cases, {os.path.getsize(OUT)} bytes (torch {torch.__version__})")


def quantized_weight(prefix, w):
    """The converted weight's tensors: int_repr and qparams for qint8, the float16 values otherwise."""
    if w.dtype == torch.qint8:
        n = w.shape[0]
        if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            scales, zps = w.q_per_channel_scales().double(), w.q_per_channel_zero_points().long()
        else:
            scales = torch.full((n,), w.q_scale(), dtype=torch.float64)
            zps = torch.full((n,), w.q_zero_point(), dtype=torch.int64)
        return {prefix: w.int_repr(), prefix + ".scales": scales, prefix + ".zero_points": zps}
    return {prefix: w.half()}


def gen_linear(g, name, k, n, xshape, qconfig, bias):
    lin = torch.nn.Linear(k, n, bias=bias)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(n, k) * 0.3)
        if bias:
            lin.bias.copy_(torch.randn(n))
    lin.qconfig = QCONFIGS[qconfig]
    q = nnqd.Linear.from_float(lin)
    x = torch.randn(*xshape) * 1.5 - 0.2
    y = q(x)
    w, _ = q._weight_bias()
    dtype = "float16" if q._packed_params.dtype == torch.float16 else "qint8"
    full_cols = n // (32 if torch.backends.cpu.get_cpu_capability().startswith("AVX512") else 16) * \
        (32 if torch.backends.cpu.get_cpu_capability().startswith("AVX512") else 16)
    tensors = {"in0": x, "w/weight": lin.weight, "w/bias": lin.bias if bias else None, "out0": y}
    tensors.update(quantized_weight("q/weight", w))
    g.add(name, "linear", {"dtype": dtype, "qconfig": qconfig, "bias": bias, "full_cols": full_cols}, tensors)


def rnn_tensors(mod, q, dtype):
    tensors = {f"w/{k}": v for k, v in mod.named_parameters()}
    if dtype == "qint8":
        weights = q.get_weight() if hasattr(q, "get_weight") else None
        for key, w in weights.items():
            tensors.update(quantized_weight(f"q/{key}", w))
    return tensors


def gen_rnn(g, name, mode, input_size, hidden, layers, bidir, batch_first, states, seq, batch, qconfig):
    cls = torch.nn.LSTM if mode == "lstm" else torch.nn.GRU
    mod = cls(input_size, hidden, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    mod.qconfig = QCONFIGS[qconfig]
    qcls = nnqd.LSTM if mode == "lstm" else nnqd.GRU
    q = qcls.from_float(mod)
    dtype = "float16" if qconfig == "float16_dynamic" else "qint8"
    x = torch.randn(batch, seq, input_size) if batch_first else torch.randn(seq, batch, input_size)
    x = x * 1.5
    dirs = 2 if bidir else 1
    h0 = torch.randn(layers * dirs, batch, hidden) * 0.5 if states else None
    c0 = torch.randn(layers * dirs, batch, hidden) * 0.5 if states else None
    if mode == "lstm":
        out, (hn, cn) = q(x, (h0, c0)) if states else q(x)
        outs = {"out0": out, "out1": hn, "out2": cn}
    else:
        out, hn = q(x, h0) if states else q(x)
        outs = {"out0": out, "out1": hn}
    tensors = {"in0": x, "in1": h0, "in2": c0 if mode == "lstm" else None}
    tensors.update(outs)
    tensors.update(rnn_tensors(mod, q, dtype))
    g.add(name, mode, {"dtype": dtype, "num_layers": layers, "bidirectional": bidir, "batch_first": batch_first,
                       "hidden_size": hidden, "input_size": input_size, "states": states}, tensors)


def gen_cell(g, name, mode, input_size, hidden, batch, qconfig, nonlinearity="tanh"):
    if mode == "lstm_cell":
        mod, qcls = torch.nn.LSTMCell(input_size, hidden), nnqd.LSTMCell
    elif mode == "gru_cell":
        mod, qcls = torch.nn.GRUCell(input_size, hidden), nnqd.GRUCell
    else:
        mod, qcls = torch.nn.RNNCell(input_size, hidden, nonlinearity=nonlinearity), nnqd.RNNCell
    mod.qconfig = QCONFIGS[qconfig]
    q = qcls.from_float(mod)
    dtype = "float16" if qconfig == "float16_dynamic" else "qint8"
    x = torch.randn(batch, input_size) * 1.5
    hx = torch.randn(batch, hidden) * 0.5
    cx = torch.randn(batch, hidden) * 0.5
    if mode == "lstm_cell":
        h1, c1 = q(x, (hx, cx))
        tensors = {"in0": x, "in1": hx, "in2": cx, "out0": h1, "out1": c1}
    else:
        tensors = {"in0": x, "in1": hx, "out0": q(x, hx)}
    tensors.update({f"w/{k}": v for k, v in mod.named_parameters()})
    if dtype == "qint8":
        for key, w in q.get_weight().items():
            tensors.update(quantized_weight(f"q/{key}", w))
    g.add(name, mode, {"dtype": dtype, "nonlinearity": nonlinearity, "hidden_size": hidden,
                       "input_size": input_size}, tensors)


def gen_embedding(g, name, rows, dim, qconfig, bag=None):
    weight = torch.randn(rows, dim)
    weight[3] = 0.25  # a constant row: the observer's zero-range branch
    if bag is None:
        mod = torch.nn.Embedding(rows, dim)
    else:
        mod = torch.nn.EmbeddingBag(rows, dim, mode=bag["mode"], include_last_offset=bag["include_last_offset"])
    with torch.no_grad():
        mod.weight.copy_(weight)
    mod.qconfig = QCONFIGS[qconfig]
    q = (nnq.EmbeddingBag if bag is not None else nnq.Embedding).from_float(mod)
    qw = q.weight()
    tensors = {"w/weight": weight, "q/dequantized": qw.dequantize(), "q/scales": qw.q_per_channel_scales().float(),
               "q/zero_points": qw.q_per_channel_zero_points().float()}
    if qw.dtype == torch.quint8:
        tensors["q/int_repr"] = qw.int_repr()
    if bag is None:
        indices = torch.randint(0, rows, (4, 5))
        indices[0, 0] = 3
        tensors.update({"in0": indices, "out0": q(indices)})
    else:
        indices = torch.randint(0, rows, (13,))
        offsets = torch.tensor([0, 2, 2, 7, 12] + ([13] if bag["include_last_offset"] else []))
        psw = torch.rand(13) * 2 - 0.5 if bag["weighted"] else None
        y = q(indices, offsets, per_sample_weights=psw) if psw is not None else q(indices, offsets)
        tensors.update({"in0": indices, "in1": offsets, "in2": psw, "out0": y})
    args = {"dtype": str(qw.dtype).replace("torch.", ""), "mode": bag["mode"] if bag else "",
            "include_last_offset": bag["include_last_offset"] if bag else False}
    g.add(name, "embedding_bag" if bag is not None else "embedding", args, tensors)


def main():
    torch.manual_seed(20261129)
    torch.backends.quantized.engine = "x86"
    torch.set_num_threads(1)
    g = Golden()
    # (name, in_features, out_features, input shape, qconfig, bias)
    for name, k, n, xshape, qconfig, bias in [
        ("linear_int8_pt", 40, 24, (2, 3, 40), "default_dynamic", True),
        ("linear_int8_pc", 33, 17, (5, 33), "per_channel_dynamic", True),
        ("linear_int8_nobias", 16, 8, (4, 16), "default_dynamic", False),
        ("linear_int8_b1", 200, 40, (1, 200), "per_channel_dynamic", True),
        ("linear_fp16_small", 64, 40, (20, 64), "float16_dynamic", True),
        ("linear_fp16_k700", 700, 45, (3, 700), "float16_dynamic", True),
        ("linear_fp16_b1", 520, 40, (1, 520), "float16_dynamic", False),
    ]:
        gen_linear(g, name, k, n, xshape, qconfig, bias)
    # (name, mode, input_size, hidden, layers, bidirectional, batch_first, states, seq, batch, qconfig)
    for args in [
        ("lstm_int8", "lstm", 6, 8, 2, True, True, True, 5, 3, "default_dynamic"),
        ("lstm_int8_plain", "lstm", 5, 7, 1, False, False, False, 4, 2, "default_dynamic"),
        ("lstm_int8_pc", "lstm", 6, 8, 1, False, False, True, 6, 2, "per_channel_dynamic"),
        ("gru_int8", "gru", 6, 8, 2, True, False, True, 5, 3, "default_dynamic"),
        ("lstm_fp16", "lstm", 6, 8, 2, True, False, True, 5, 3, "float16_dynamic"),
        ("gru_fp16", "gru", 6, 8, 1, False, True, False, 5, 3, "float16_dynamic"),
    ]:
        gen_rnn(g, *args)
    for args in [
        ("lstm_cell_int8", "lstm_cell", 6, 8, 3, "default_dynamic"),
        ("gru_cell_int8", "gru_cell", 6, 8, 3, "default_dynamic"),
        ("rnn_cell_tanh_int8", "rnn_cell", 6, 8, 3, "default_dynamic", "tanh"),
        ("rnn_cell_relu_int8", "rnn_cell", 6, 8, 3, "default_dynamic", "relu"),
        ("lstm_cell_fp16", "lstm_cell", 6, 8, 3, "float16_dynamic"),
        ("gru_cell_fp16", "gru_cell", 6, 8, 3, "float16_dynamic"),
    ]:
        gen_cell(g, *args)
    gen_embedding(g, "embedding_8bit", 20, 12, "float_qparams")
    gen_embedding(g, "embedding_bag_8bit", 20, 12, "float_qparams",
                  {"mode": "sum", "include_last_offset": False, "weighted": True})
    gen_embedding(g, "embedding_bag_4bit", 20, 12, "float_qparams_4bit",
                  {"mode": "sum", "include_last_offset": True, "weighted": False})
    gen_embedding(g, "embedding_bag_4bit_weighted", 20, 16, "float_qparams_4bit",
                  {"mode": "sum", "include_last_offset": False, "weighted": True})
    g.save()


if __name__ == "__main__":
    main()
