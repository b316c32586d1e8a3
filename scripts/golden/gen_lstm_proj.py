#!/usr/bin/env python3
"""gen_lstm_proj.py: PyTorch golden outputs for LSTM with projections (proj_size > 0).

Writes two new files under tests/data/golden/ (the goldens of gen_rnn_attention.py and
gen_nn_modules_act_rnn.py stay as they are):
  rnn_proj.safetensors     torch.lstm through nn.LSTM's flat weights, in gen_rnn_attention.py's
                           format: in0 input, h0/c0 initial states (when args.states), p0..pK the
                           flat weights in PyTorch's _flat_weights order (w_ih, w_hh, b_ih, b_hh, w_hr
                           per layer and direction), out0 output, out1 h_n, out2 c_n; args
                           {num_layers, bidirectional, batch_first, has_biases, num_params, states,
                           proj_size}
  nn_lstm_proj.safetensors nn.LSTM modules in gen_nn_modules_act_rnn.py's format: state/<key> the
                           state_dict, in0, h0, c0, out0..out2; args {input_size, hidden_size,
                           proj_size, num_layers, ..., repr, state_keys, states}
Seeded: rerunning writes the same files.

    python3 scripts/golden/gen_lstm_proj.py
"""
import json
import os
import warnings

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden")


def make_inputs(isz, hsz, proj, layers, bidir, bfirst, batch, seq, states):
    """The input and (h0, c0): h0 has proj_size features, c0 hidden_size."""
    d = 2 if bidir else 1
    if batch is None:
        x = torch.randn(seq, isz)
        hshape, cshape = (layers * d, proj), (layers * d, hsz)
    else:
        x = torch.randn(batch, seq, isz) if bfirst else torch.randn(seq, batch, isz)
        hshape, cshape = (layers * d, batch, proj), (layers * d, batch, hsz)
    hx = (torch.randn(hshape), torch.randn(cshape)) if states else None
    return x, hx


def functional_cases():
    tensors, cases = {}, []
    torch.manual_seed(20261201)
    configs = [
        # input_size, hidden, proj, layers, bidirectional, batch_first, bias, batch (None = unbatched), seq, states
        (5, 7, 3, 1, False, False, True, 3, 4, False),
        (5, 7, 4, 2, True, True, True, 2, 5, True),
        (3, 6, 2, 1, False, False, False, None, 6, True),
        (8, 16, 5, 3, True, False, True, 1, 7, True),
        (4, 10, 9, 2, False, True, False, 4, 3, True),
        (6, 5, 1, 2, True, False, True, None, 4, False),
    ]
    for i, (isz, hsz, proj, layers, bidir, bfirst, bias, batch, seq, states) in enumerate(configs):
        name = f"lstm_proj_{i}"
        m = nn.LSTM(isz, hsz, layers, bias=bias, batch_first=bfirst, bidirectional=bidir, proj_size=proj)
        x, hx = make_inputs(isz, hsz, proj, layers, bidir, bfirst, batch, seq, states)
        tensors[f"{name}/in0"] = x
        for k, p in enumerate(m._flat_weights):
            tensors[f"{name}/p{k}"] = p.detach().clone().contiguous()
        if states:
            tensors[f"{name}/h0"], tensors[f"{name}/c0"] = hx
        with torch.no_grad():
            out, (hn, cn) = m(x, hx)
        tensors[f"{name}/out0"], tensors[f"{name}/out1"], tensors[f"{name}/out2"] = (
            t.contiguous() for t in (out, hn, cn))
        cases.append({"name": name, "op": "lstm", "args": {
            "num_layers": layers, "bidirectional": bidir, "batch_first": bfirst, "has_biases": bias,
            "num_params": len(m._flat_weights), "states": states, "proj_size": proj}})
    path = os.path.join(OUT, "rnn_proj.safetensors")
    save_file(tensors, path, metadata={"cases": json.dumps(cases)})
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


def module_cases():
    tensors, cases = {}, []
    torch.manual_seed(20261202)
    # name, (input_size, hidden_size), kwargs, batch (None = unbatched), seq, states given
    configs = [
        ("lstm_proj_repr", (10, 20), {"proj_size": 5}, 3, 4, False),
        ("lstm_proj_bi_bf", (10, 20), {"proj_size": 5, "num_layers": 2, "batch_first": True, "bidirectional": True},
         3, 5, True),
        ("lstm_proj_unbatched", (7, 9), {"proj_size": 3}, None, 4, False),
        ("lstm_proj_nobias_dropout", (5, 6), {"num_layers": 2, "bias": False, "dropout": 0.5, "proj_size": 2}, 2, 3,
         True),
        ("lstm_proj_bi_batch1", (4, 8), {"proj_size": 1, "bidirectional": True}, 1, 6, True),
    ]
    for name, (isz, hsz), kwargs, batch, seq, states in configs:
        m = nn.LSTM(isz, hsz, **kwargs)
        m.eval()  # inter-layer dropout is off in eval mode
        x, hx = make_inputs(isz, hsz, kwargs["proj_size"], kwargs.get("num_layers", 1), kwargs.get("bidirectional", False),
                            kwargs.get("batch_first", False), batch, seq, states)
        with torch.no_grad():
            out, (hn, cn) = m(x, hx)
        state = m.state_dict()
        for key, value in state.items():
            tensors[f"{name}/state/{key}"] = value.detach().clone().contiguous()
        tensors[f"{name}/in0"] = x
        if states:
            tensors[f"{name}/h0"], tensors[f"{name}/c0"] = hx
        for i, value in enumerate([out, hn, cn]):
            tensors[f"{name}/out{i}"] = value.detach().clone().contiguous()
        args = dict(kwargs, input_size=isz, hidden_size=hsz, repr=repr(m), state_keys=list(state.keys()), states=states)
        cases.append({"name": name, "op": "LSTM", "args": args})
    path = os.path.join(OUT, "nn_lstm_proj.safetensors")
    save_file(tensors, path, metadata={"cases": json.dumps(cases)})
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    warnings.filterwarnings("ignore", message="LSTM with projections is not supported with oneDNN")
    os.makedirs(OUT, exist_ok=True)
    functional_cases()
    module_cases()
