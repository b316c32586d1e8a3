#!/usr/bin/env python3
"""eager_ptq_qparams_sensitivity.py: how far PyTorch's own HistogramObserver qparams move when only
the float convolution's implementation changes (oneDNN on, then off), with the same weights, data and
calibration as `octet demo`. Octet's observers are bit-identical to PyTorch's on the same data
(docs/observers.md), but a model's later observers see float activations, which no two convolution
implementations round identically; the histogram's L2 search can turn a one-ulp change into a
different bin range. This script measures that effect inside PyTorch alone.

    python3 bench/peers/eager_ptq_qparams_sensitivity.py
"""
import os
import sys

import torch
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
sys.path.insert(0, os.path.join(ROOT, 'scripts', 'models'))
from train_fashion import DEFAULT_DATA, FashionCNN, load_split, normalize  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from torch.ao.quantization import fuse_modules, get_default_qconfig, prepare  # noqa: E402
torch.set_num_threads(1)
torch.backends.quantized.engine = 'x86'
x, y = load_split(DEFAULT_DATA, True)
xs = normalize(x[:1024])
def run(mkldnn):
    torch.backends.mkldnn.enabled = mkldnn
    m = FashionCNN(); m.load_state_dict(load_file(os.path.join(ROOT, 'data', 'models', 'fashion_cnn.safetensors'))); m.eval()
    m = fuse_modules(m, [["conv1","bn1","relu1"],["conv2","bn2","relu2"],["conv3","bn3"],["conv4","bn4","relu4"],["conv5","bn5"],["down","down_bn"]])
    m.qconfig = get_default_qconfig('x86'); p = prepare(m)
    with torch.no_grad():
        for i in range(0, 1024, 64): p(xs[i:i+64])
    out = {}
    for n, mod in p.named_modules():
        if hasattr(mod, 'activation_post_process') and hasattr(mod.activation_post_process, 'calculate_qparams'):
            s, z = mod.activation_post_process.calculate_qparams(); out[n] = (s.item(), z.item())
    return out
a = run(True); b = run(False)
print("module  (scale, zero_point) with oneDNN  without  relative scale change")
for k in a:
    print(k, a[k], b[k], f"{abs(a[k][0] - b[k][0]) / a[k][0]:.2e}")
