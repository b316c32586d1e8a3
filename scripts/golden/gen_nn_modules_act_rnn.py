#!/usr/bin/env python3
"""gen_nn_modules_act_rnn.py: PyTorch golden outputs for the activation, dropout and recurrent modules.

Writes tests/data/golden/nn_act_rnn.safetensors in the format tests/common/golden.h reads: tensors
"<case>/<key>" and metadata {"cases": json list of {"name", "op", "args"}}. Each case is one module,
built with torch.manual_seed and put in eval mode:
  op            the torch.nn class name ("LSTM", "LeakyReLU", ...)
  args          its constructor arguments (PyTorch's names), "repr" (repr(module)), "state_keys"
                (state_dict keys in order) and, for recurrent modules, "states" (h0/c0 given)
  state/<key>   the module's state_dict
  in0           the input; h0, c0 the initial states when given
  out0, ...     the outputs: out0 for activations and GRUCell/RNNCell; (output, h_n[, c_n]) for
                LSTM/GRU/RNN; (h_1, c_1) for LSTMCell

    python3 scripts/golden/gen_nn_modules_act_rnn.py
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "golden", "nn_act_rnn.safetensors")

tensors, cases = {}, []


def add_case(name, op, args, module, inputs, outputs, extra=None):
    """Stores one case: the module's state dict, inputs (in0, then named states) and outputs."""
    state = module.state_dict()
    for key, value in state.items():
        tensors[f"{name}/state/{key}"] = value.detach().clone().contiguous()
    for key, value in inputs.items():
        tensors[f"{name}/{key}"] = value.clone().contiguous()
    for i, value in enumerate(outputs):
        tensors[f"{name}/out{i}"] = value.detach().clone().contiguous()
    full_args = dict(args)
    full_args["repr"] = repr(module)
    full_args["state_keys"] = list(state.keys())
    full_args.update(extra or {})
    cases.append({"name": name, "op": op, "args": full_args})


def activation_cases():
    torch.manual_seed(20260301)
    # name, class, kwargs, input shape, input scale
    configs = [
        ("relu", "ReLU", {}, (2, 3, 5, 7), 3.0),
        ("relu_inplace", "ReLU", {"inplace": True}, (13,), 3.0),
        ("relu6", "ReLU6", {}, (3, 17), 5.0),
        ("hardtanh", "Hardtanh", {"min_val": -2.0, "max_val": 3.5}, (2, 19), 4.0),
        ("hardswish", "Hardswish", {}, (1, 4, 9), 5.0),
        ("hardsigmoid", "Hardsigmoid", {}, (3, 11), 5.0),
        ("sigmoid", "Sigmoid", {}, (2, 5, 7), 4.0),
        ("tanh", "Tanh", {}, (37,), 3.0),
        ("gelu", "GELU", {}, (2, 3, 11), 3.0),
        ("gelu_tanh", "GELU", {"approximate": "tanh"}, (5, 9), 3.0),
        ("silu", "SiLU", {}, (3, 4, 5), 4.0),
        ("mish", "Mish", {}, (1, 29), 4.0),
        ("elu", "ELU", {"alpha": 0.7}, (4, 13), 3.0),
        ("celu", "CELU", {"alpha": 1.3}, (2, 2, 9), 3.0),
        ("leaky_relu", "LeakyReLU", {"negative_slope": 0.2}, (3, 3, 3), 3.0),
        ("leaky_relu_default", "LeakyReLU", {}, (1, 23), 3.0),
        ("prelu_shared", "PReLU", {}, (2, 3, 4), 3.0),
        ("prelu_channels", "PReLU", {"num_parameters": 5}, (2, 5, 3, 3), 3.0),
        ("softplus", "Softplus", {"beta": 2.0, "threshold": 5.0}, (4, 15), 4.0),
        ("softplus_default", "Softplus", {}, (3, 7), 12.0),
        ("softmax_dim1", "Softmax", {"dim": 1}, (2, 7, 3), 3.0),
        ("softmax_last", "Softmax", {"dim": -1}, (3, 19), 5.0),
        ("softmax_none", "Softmax", {"dim": None}, (3, 4, 5), 2.0),
        ("log_softmax_dim2", "LogSoftmax", {"dim": 2}, (2, 3, 11), 3.0),
        ("log_softmax_none", "LogSoftmax", {"dim": None}, (2, 6, 3, 2), 3.0),
        ("dropout_eval", "Dropout", {"p": 0.3}, (4, 9), 1.0),
    ]
    for name, cls, kwargs, shape, scale in configs:
        m = getattr(nn, cls)(**kwargs)
        if cls == "PReLU" and kwargs.get("num_parameters", 1) > 1:
            with torch.no_grad():
                m.weight.uniform_(-0.5, 0.5)  # distinct slopes, so the channel mapping is tested
        m.eval()
        x = torch.randn(shape) * scale
        with torch.no_grad():
            y = m(x.clone())  # inplace modules overwrite their input
        add_case(name, cls, kwargs, m, {"in0": x}, [y])


def recurrent_cases():
    torch.manual_seed(20260302)
    # name, class, (input_size, hidden_size), kwargs, batch (None = unbatched), seq, states given
    layers = [
        ("lstm_bi_bf", "LSTM", (10, 20), {"num_layers": 2, "batch_first": True, "bidirectional": True}, 3, 5, True),
        ("lstm_unbatched", "LSTM", (7, 9), {}, None, 4, False),
        ("lstm_nobias_dropout", "LSTM", (5, 6), {"num_layers": 2, "bias": False, "dropout": 0.5}, 2, 3, True),
        ("gru_bi", "GRU", (6, 5), {"num_layers": 2, "bidirectional": True}, 4, 3, True),
        ("gru_bf_nobias", "GRU", (4, 3), {"batch_first": True, "bias": False}, 2, 6, False),
        ("rnn_relu", "RNN", (5, 6), {"num_layers": 2, "nonlinearity": "relu"}, 2, 4, True),
        ("rnn_tanh_bi_unbatched", "RNN", (3, 4), {"bidirectional": True}, None, 5, True),
    ]
    for name, cls, (isz, hsz), kwargs, batch, seq, states in layers:
        m = getattr(nn, cls)(isz, hsz, **kwargs)
        m.eval()  # inter-layer dropout is off in eval mode
        bf = kwargs.get("batch_first", False)
        d = 2 if kwargs.get("bidirectional", False) else 1
        n_layers = kwargs.get("num_layers", 1)
        if batch is None:
            x = torch.randn(seq, isz)
            sshape = (n_layers * d, hsz)
        else:
            x = torch.randn(batch, seq, isz) if bf else torch.randn(seq, batch, isz)
            sshape = (n_layers * d, batch, hsz)
        inputs = {"in0": x}
        hx = None
        if states:
            inputs["h0"] = torch.randn(sshape)
            if cls == "LSTM":
                inputs["c0"] = torch.randn(sshape)
                hx = (inputs["h0"], inputs["c0"])
            else:
                hx = inputs["h0"]
        with torch.no_grad():
            out, hn = m(x, hx)
        outputs = [out] + (list(hn) if cls == "LSTM" else [hn])
        add_case(name, cls, dict(kwargs, input_size=isz, hidden_size=hsz), m, inputs, outputs, {"states": states})

    cells = [
        ("lstm_cell", "LSTMCell", (4, 6), {}, 3, True),
        ("lstm_cell_nobias_unbatched", "LSTMCell", (4, 6), {"bias": False}, None, False),
        ("gru_cell", "GRUCell", (5, 3), {}, 2, True),
        ("gru_cell_unbatched", "GRUCell", (5, 3), {}, None, False),
        ("rnn_cell_relu_nobias", "RNNCell", (3, 4), {"bias": False, "nonlinearity": "relu"}, 5, True),
        ("rnn_cell_tanh", "RNNCell", (3, 4), {}, 2, False),
    ]
    for name, cls, (isz, hsz), kwargs, batch, states in cells:
        m = getattr(nn, cls)(isz, hsz, **kwargs)
        m.eval()
        x = torch.randn(isz) if batch is None else torch.randn(batch, isz)
        sshape = (hsz,) if batch is None else (batch, hsz)
        inputs = {"in0": x}
        with torch.no_grad():
            if cls == "LSTMCell":
                hx = None
                if states:
                    inputs["h0"], inputs["c0"] = torch.randn(sshape), torch.randn(sshape)
                    hx = (inputs["h0"], inputs["c0"])
                outputs = list(m(x, hx))
            else:
                if states:
                    inputs["h0"] = torch.randn(sshape)
                outputs = [m(x, inputs.get("h0"))]
        add_case(name, cls, dict(kwargs, input_size=isz, hidden_size=hsz), m, inputs, outputs, {"states": states})


def main():
    activation_cases()
    recurrent_cases()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(tensors, OUT, metadata={"cases": json.dumps(cases)})
    print(f"wrote {len(cases)} cases, {len(tensors)} tensors to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
