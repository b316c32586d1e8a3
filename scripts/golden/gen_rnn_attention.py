#!/usr/bin/env python3
"""gen_rnn_attention.py: PyTorch golden outputs for LSTM/GRU/RNN layers and cells and attention.

Writes tests/data/golden/rnn.safetensors and tests/data/golden/attention.safetensors in the format
tests/common/golden.h reads: tensors "<case>/<key>" and metadata {"cases": json list}.
RNN cases store the input as in0, initial states as h0/c0 (when given), the flat weights as p0..pK
(PyTorch's _flat_weights order) and the outputs as out0 (output), out1 (h_n), out2 (c_n).

    python3 scripts/golden/gen_rnn_attention.py
"""
import json
import os

import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden")


def rnn_cases():
    tensors, cases = {}, []
    torch.manual_seed(20261128)
    configs = [
        # kind, input_size, hidden, layers, bidirectional, batch_first, bias, batch (None = unbatched), seq, states
        ("lstm", 5, 7, 1, False, False, True, 3, 4, False),
        ("lstm", 5, 7, 2, True, True, True, 2, 5, True),
        ("lstm", 3, 4, 1, False, False, False, None, 6, True),
        ("lstm", 8, 16, 3, True, False, True, 1, 9, False),
        ("gru", 5, 7, 1, False, False, True, 3, 4, True),
        ("gru", 6, 5, 2, True, True, True, 4, 3, False),
        ("gru", 4, 3, 1, False, True, False, None, 5, True),
        ("rnn_tanh", 5, 6, 2, True, False, True, 2, 4, True),
        ("rnn_relu", 5, 6, 1, False, True, True, 3, 4, False),
        ("rnn_tanh", 3, 2, 1, False, False, False, None, 3, False),
    ]
    for i, (kind, isz, hsz, layers, bidir, bfirst, bias, batch, seq, states) in enumerate(configs):
        name = f"{kind}_{i}"
        if kind == "lstm":
            m = torch.nn.LSTM(isz, hsz, layers, bias=bias, batch_first=bfirst, bidirectional=bidir)
        elif kind == "gru":
            m = torch.nn.GRU(isz, hsz, layers, bias=bias, batch_first=bfirst, bidirectional=bidir)
        else:
            m = torch.nn.RNN(isz, hsz, layers, nonlinearity=kind.split("_")[1], bias=bias, batch_first=bfirst,
                             bidirectional=bidir)
        d = 2 if bidir else 1
        if batch is None:
            x = torch.randn(seq, isz)
            sshape = (layers * d, hsz)
        else:
            x = torch.randn(batch, seq, isz) if bfirst else torch.randn(seq, batch, isz)
            sshape = (layers * d, batch, hsz)
        tensors[f"{name}/in0"] = x
        for k, p in enumerate(m._flat_weights):
            tensors[f"{name}/p{k}"] = p.detach().clone()
        hx = None
        if states:
            h0 = torch.randn(sshape)
            tensors[f"{name}/h0"] = h0
            if kind == "lstm":
                c0 = torch.randn(sshape)
                tensors[f"{name}/c0"] = c0
                hx = (h0, c0)
            else:
                hx = h0
        with torch.no_grad():
            out, hn = m(x, hx)
        tensors[f"{name}/out0"] = out
        if kind == "lstm":
            tensors[f"{name}/out1"] = hn[0]
            tensors[f"{name}/out2"] = hn[1]
        else:
            tensors[f"{name}/out1"] = hn
        cases.append({"name": name, "op": kind, "args": {
            "num_layers": layers, "bidirectional": bidir, "batch_first": bfirst, "has_biases": bias,
            "num_params": len(m._flat_weights), "states": states}})

    cell_configs = [("lstm_cell", 4, 6, 3, True), ("lstm_cell", 4, 6, None, False), ("gru_cell", 5, 3, 2, True),
                    ("gru_cell", 5, 3, None, True), ("rnn_tanh_cell", 3, 4, 2, True), ("rnn_relu_cell", 3, 4, 5, False)]
    for i, (kind, isz, hsz, batch, bias) in enumerate(cell_configs):
        name = f"{kind}_{i}"
        base = kind[:-5]
        if base == "lstm":
            m = torch.nn.LSTMCell(isz, hsz, bias=bias)
        elif base == "gru":
            m = torch.nn.GRUCell(isz, hsz, bias=bias)
        else:
            m = torch.nn.RNNCell(isz, hsz, bias=bias, nonlinearity=base.split("_")[1])
        x = torch.randn(isz) if batch is None else torch.randn(batch, isz)
        sshape = (hsz,) if batch is None else (batch, hsz)
        h = torch.randn(sshape)
        tensors[f"{name}/in0"] = x
        tensors[f"{name}/h0"] = h
        params = [m.weight_ih, m.weight_hh] + ([m.bias_ih, m.bias_hh] if bias else [])
        for k, p in enumerate(params):
            tensors[f"{name}/p{k}"] = p.detach().clone()
        with torch.no_grad():
            if base == "lstm":
                c = torch.randn(sshape)
                tensors[f"{name}/c0"] = c
                h1, c1 = m(x, (h, c))
                tensors[f"{name}/out0"] = h1
                tensors[f"{name}/out1"] = c1
            else:
                tensors[f"{name}/out0"] = m(x, h)
        cases.append({"name": name, "op": kind, "args": {"has_biases": bias}})
    return tensors, cases


def attention_cases():
    tensors, cases = {}, []
    torch.manual_seed(7)
    configs = [
        ((2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 4), None, False, None),
        ((1, 4, 6), (1, 4, 6), (1, 4, 6), None, True, None),
        ((2, 2, 4, 16), (2, 2, 6, 16), (2, 2, 6, 16), "bool", False, None),
        ((3, 5, 8), (3, 9, 8), (3, 9, 3), "float", False, 0.3),
        ((2, 1, 7, 4), (2, 1, 7, 4), (2, 1, 7, 5), None, True, 0.5),
        ((5, 12), (7, 12), (7, 2), None, False, None),
    ]
    for i, (qs, ks, vs, mask, causal, scale) in enumerate(configs):
        name = f"sdpa_{i}"
        q, k, v = torch.randn(qs), torch.randn(ks), torch.randn(vs)
        m = None
        if mask == "bool":
            m = torch.rand(qs[-2], ks[-2]) > 0.3
            m[:, 0] = True  # no fully masked row
        elif mask == "float":
            m = torch.randn(qs[-2], ks[-2])
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal, scale=scale)
        tensors[f"{name}/in0"], tensors[f"{name}/in1"], tensors[f"{name}/in2"] = q, k, v
        if m is not None:
            tensors[f"{name}/mask"] = m
        tensors[f"{name}/out0"] = out
        cases.append({"name": name, "op": "scaled_dot_product_attention",
                      "args": {"is_causal": causal, "scale": scale, "mask": mask}})
    return tensors, cases


def main():
    os.makedirs(OUT, exist_ok=True)
    for fname, (tensors, cases) in (("rnn", rnn_cases()), ("attention", attention_cases())):
        tensors = {k: v.contiguous() for k, v in tensors.items()}
        path = os.path.join(OUT, fname + ".safetensors")
        save_file(tensors, path, metadata={"cases": json.dumps(cases)})
        print(f"wrote {path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
