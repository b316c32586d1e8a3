#!/usr/bin/env python3
"""gen_nn_modules.py: PyTorch goldens for the parameterised and structural modules of octet::nn.

For each case a torch.nn module is built under torch.manual_seed, its parameters and buffers are
randomised where the defaults would hide mistakes (BatchNorm running statistics, affine weights),
and one input is run through it. The file tests/data/golden/nn_modules.safetensors (or the folder
given as the first argument) holds, per case NAME:
  NAME/state/<key>        the module's state_dict before the forward call(s)
  NAME/in0, in1, ...      inputs (EmbeddingBag: input, offsets, per_sample_weights; BatchNorm
                          training cases: one input per forward call)
  NAME/out0, out1, ...    outputs (one per forward call; MaxPool with indices: values, indices)
  NAME/after/<key>        the state_dict after the forward call(s), for modules that change it
and the case list in the metadata: {"name", "op" (the module class), "args": {"repr",
"keys" ([[key, shape], ...] in state_dict order), "train", "calls", ...}}. tests/nn/*_test.cpp build
the same modules in C++ from the case name, load NAME/state strictly and compare.
"""
import json
import os
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "golden")

tensors = {}
cases = []


def randomise(m):
    """Non-trivial affine parameters and running statistics (defaults are ones and zeros)."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name in ("weight", "bias") and isinstance(m, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)):
                p.uniform_(0.5, 1.5) if name == "weight" else p.uniform_(-0.5, 0.5)
        if getattr(m, "running_mean", None) is not None:
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.num_batches_tracked.fill_(7)


def add(name, module, inputs, train=False, calls=1, randomise_state=False, extra=None, forward=None):
    torch.manual_seed(len(cases) + 1000)
    if randomise_state:
        randomise(module)
    module.train(train)
    state = {k: v.detach().clone().contiguous() for k, v in module.state_dict().items()}
    for k, v in state.items():
        tensors[f"{name}/state/{k}"] = v
    for i, x in enumerate(inputs):
        tensors[f"{name}/in{i}"] = x.contiguous()
    outs = []
    with torch.no_grad():
        if forward is not None:
            outs = forward(module, inputs)
        elif calls == 1:
            outs = [module(*inputs)]
        else:
            outs = [module(x) for x in inputs[:calls]]
    flat = []
    for o in outs:
        flat.extend(o if isinstance(o, tuple) else [o])
    for i, o in enumerate(flat):
        tensors[f"{name}/out{i}"] = o.detach().contiguous()
    after = module.state_dict()
    changed = any(not torch.equal(after[k], state[k]) for k in state)
    if changed:
        for k, v in after.items():
            tensors[f"{name}/after/{k}"] = v.detach().clone().contiguous()
    args = {
        "repr": repr(module),
        "keys": [[k, list(v.shape)] for k, v in module.state_dict().items()],
        "train": train,
        "calls": calls,
        "state_changed": changed,
    }
    args.update(extra or {})
    cases.append({"name": name, "op": type(module).__name__, "args": args})


def r(*shape):
    return torch.randn(*shape)


def main():
    torch.manual_seed(20240612)
    # Linear
    add("linear_basic", nn.Linear(17, 5), [r(3, 17)])
    add("linear_nobias_3d", nn.Linear(9, 4, bias=False), [r(2, 3, 9)])
    add("linear_1d", nn.Linear(7, 3), [r(7)])
    # Convolutions
    add("conv1d_basic", nn.Conv1d(3, 5, 3, stride=2, padding=1), [r(2, 3, 11)])
    add("conv1d_same_reflect", nn.Conv1d(4, 4, 4, padding="same", padding_mode="reflect"), [r(1, 4, 9)])
    add("conv1d_unbatched_groups", nn.Conv1d(4, 6, 3, groups=2, bias=False), [r(4, 10)])
    add("conv2d_stem", nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False), [r(2, 3, 17, 15)])
    add("conv2d_depthwise", nn.Conv2d(6, 6, 3, padding=1, groups=6), [r(1, 6, 9, 7)])
    add("conv2d_same_dilated", nn.Conv2d(5, 4, (3, 4), padding="same", dilation=(2, 1)), [r(2, 5, 8, 9)])
    add("conv2d_valid", nn.Conv2d(3, 4, 3, padding="valid"), [r(1, 3, 6, 7)])
    add("conv2d_replicate", nn.Conv2d(3, 4, 3, stride=(1, 2), padding=(1, 2), padding_mode="replicate"), [r(2, 3, 7, 8)])
    add("conv2d_circular", nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), [r(1, 2, 5, 6)])
    add("conv2d_reflect_same", nn.Conv2d(3, 3, 3, padding="same", padding_mode="reflect"), [r(1, 3, 5, 4)])
    add("conv2d_1x1", nn.Conv2d(16, 7, 1), [r(2, 16, 5, 3)])
    add("conv3d_basic", nn.Conv3d(3, 4, (2, 3, 3), stride=(1, 2, 2), padding=1), [r(2, 3, 5, 7, 6)])
    add("conv3d_groups", nn.Conv3d(4, 4, 3, groups=2, dilation=2, padding=2, bias=False), [r(1, 4, 6, 6, 5)])
    add("convt1d", nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1), [r(2, 4, 7)])
    add("convt2d", nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), [r(2, 16, 5, 6)])
    add("convt2d_groups", nn.ConvTranspose2d(6, 4, 3, stride=2, groups=2, dilation=2, bias=False), [r(1, 6, 4, 5)])
    add("convt2d_output_size", nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1), [r(1, 4, 5, 6)],
        forward=lambda m, xs: [m(xs[0], output_size=[10, 12])], extra={"output_size": [10, 12]})
    add("convt3d", nn.ConvTranspose3d(3, 2, (2, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), output_padding=(0, 1, 0)),
        [r(2, 3, 3, 4, 5)])
    # Batch normalisation
    add("bn1d_eval_2d", nn.BatchNorm1d(7), [r(5, 7)], randomise_state=True)
    add("bn1d_eval_3d_noaffine", nn.BatchNorm1d(4, affine=False), [r(3, 4, 6)], randomise_state=True)
    add("bn2d_eval_eps", nn.BatchNorm2d(5, eps=1e-3), [r(2, 5, 4, 3)], randomise_state=True)
    add("bn2d_eval_nobias", nn.BatchNorm2d(3, bias=False), [r(2, 3, 3, 5)], randomise_state=True)
    add("bn3d_eval", nn.BatchNorm3d(3), [r(2, 3, 2, 3, 4)], randomise_state=True)
    add("bn1d_no_track", nn.BatchNorm1d(4, track_running_stats=False), [r(6, 4)], randomise_state=True)
    add("bn2d_train_momentum", nn.BatchNorm2d(5), [r(2, 5, 4, 3), r(3, 5, 2, 5) * 2 + 1], train=True, calls=2,
        randomise_state=True)
    add("bn2d_train_cumulative", nn.BatchNorm2d(5, momentum=None), [r(2, 5, 4, 3), r(3, 5, 2, 5) * 2 + 1],
        train=True, calls=2, randomise_state=True)
    add("bn1d_train_momentum", nn.BatchNorm1d(6, momentum=0.3), [r(4, 6), r(5, 6) - 1], train=True, calls=2)
    # Layer, group and instance normalisation
    add("ln_basic", nn.LayerNorm(13), [r(2, 3, 13)], randomise_state=True)
    add("ln_2d_nobias", nn.LayerNorm([3, 5], eps=1e-6, bias=False), [r(2, 3, 5)], randomise_state=True)
    add("ln_noaffine", nn.LayerNorm(6, elementwise_affine=False), [r(4, 6)])
    add("gn_basic", nn.GroupNorm(3, 6), [r(2, 6, 5, 3)], randomise_state=True)
    add("gn_noaffine", nn.GroupNorm(2, 4, affine=False), [r(3, 4, 7)])
    add("in1d", nn.InstanceNorm1d(3), [r(2, 3, 9)])
    add("in2d_affine", nn.InstanceNorm2d(4, affine=True), [r(2, 4, 5, 6)], randomise_state=True)
    add("in2d_unbatched", nn.InstanceNorm2d(3), [r(3, 5, 4)])
    add("in3d_track_eval", nn.InstanceNorm3d(2, track_running_stats=True), [r(2, 2, 3, 4, 3)], randomise_state=True)
    add("in1d_track_train", nn.InstanceNorm1d(3, track_running_stats=True, momentum=0.2), [r(2, 3, 9), r(4, 3, 5) + 2],
        train=True, calls=2)
    # Pooling
    add("maxpool1d", nn.MaxPool1d(3, stride=2, padding=1), [r(2, 3, 10)])
    add("maxpool2d", nn.MaxPool2d(3, stride=2, padding=1), [r(2, 3, 9, 8)])
    add("maxpool2d_ceil_dilated", nn.MaxPool2d((2, 3), stride=(2, 1), dilation=(1, 2), ceil_mode=True), [r(1, 2, 7, 9)])
    add("maxpool3d", nn.MaxPool3d(2), [r(1, 2, 5, 4, 6)])
    add("maxpool2d_indices", nn.MaxPool2d(2, return_indices=True), [r(2, 2, 5, 7)])
    add("avgpool1d", nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), [r(2, 3, 10)])
    add("avgpool2d", nn.AvgPool2d(2), [r(2, 3, 7, 6)])
    add("avgpool2d_ceil_divisor", nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, divisor_override=4), [r(1, 2, 8, 7)])
    add("avgpool3d", nn.AvgPool3d((2, 2, 3), stride=(1, 2, 2)), [r(1, 2, 4, 5, 7)])
    add("adaptiveavg1d", nn.AdaptiveAvgPool1d(4), [r(2, 3, 10)])
    add("adaptiveavg2d_global", nn.AdaptiveAvgPool2d((1, 1)), [r(2, 5, 7, 6)])
    add("adaptiveavg2d", nn.AdaptiveAvgPool2d((3, 2)), [r(1, 3, 7, 5)])
    add("adaptiveavg3d", nn.AdaptiveAvgPool3d(2), [r(1, 2, 5, 4, 3)])
    add("adaptivemax1d", nn.AdaptiveMaxPool1d(3), [r(2, 3, 10)])
    add("adaptivemax2d", nn.AdaptiveMaxPool2d((2, 3)), [r(1, 3, 7, 8)])
    add("adaptivemax2d_indices", nn.AdaptiveMaxPool2d(3, return_indices=True), [r(1, 2, 7, 8)])
    # Upsampling
    add("up_nearest", nn.Upsample(scale_factor=2), [r(1, 3, 4, 5)])
    add("up_bilinear_size", nn.Upsample(size=(7, 9), mode="bilinear", align_corners=True), [r(2, 2, 4, 5)])
    add("up_bicubic", nn.Upsample(scale_factor=(2, 1.5), mode="bicubic"), [r(1, 2, 5, 4)])
    add("up_linear", nn.Upsample(scale_factor=3, mode="linear"), [r(2, 3, 5)])
    add("up_trilinear", nn.Upsample(size=(3, 4, 5), mode="trilinear"), [r(1, 2, 2, 3, 3)])
    add("up_nearest_exact", nn.Upsample(size=7, mode="nearest-exact"), [r(1, 2, 5)])
    # Padding
    add("zeropad2d", nn.ZeroPad2d((1, 2, 0, 3)), [r(2, 3, 4, 5)])
    add("zeropad2d_int", nn.ZeroPad2d(1), [r(2, 4, 3)])
    add("constpad1d", nn.ConstantPad1d(2, 3.5), [r(2, 3, 4)])
    add("constpad2d", nn.ConstantPad2d((1, 0, 2, 1), -1.25), [r(1, 2, 3, 3)])
    add("constpad3d", nn.ConstantPad3d(1, 0.5), [r(1, 2, 2, 3, 2)])
    add("reflpad1d", nn.ReflectionPad1d((1, 2)), [r(2, 3, 5)])
    add("reflpad2d", nn.ReflectionPad2d(2), [r(1, 2, 4, 5)])
    add("reppad1d", nn.ReplicationPad1d((3, 1)), [r(2, 2, 4)])
    add("reppad2d", nn.ReplicationPad2d((1, 2, 2, 1)), [r(1, 2, 3, 4)])
    add("reppad3d", nn.ReplicationPad3d(1), [r(1, 2, 2, 3, 4)])
    add("zeropad1d", nn.ZeroPad1d((2, 1)), [r(2, 3, 4)])
    add("zeropad3d", nn.ZeroPad3d(1), [r(1, 2, 2, 3, 2)])
    add("reflpad3d", nn.ReflectionPad3d((1, 0, 1, 2, 0, 1)), [r(2, 3, 3, 4)])
    add("circpad1d", nn.CircularPad1d((2, 1)), [r(2, 3, 4)])
    add("circpad2d", nn.CircularPad2d((1, 2, 0, 1)), [r(1, 2, 3, 4)])
    add("circpad3d", nn.CircularPad3d(1), [r(1, 2, 2, 3, 4)])
    # Pixel shuffle
    add("pixelshuffle", nn.PixelShuffle(2), [r(2, 8, 3, 5)])
    add("pixelunshuffle", nn.PixelUnshuffle(3), [r(1, 2, 6, 9)])
    # Embeddings
    add("emb_padding", nn.Embedding(11, 5, padding_idx=0), [torch.tensor([[0, 3, 10, 0, 5, 1], [2, 2, 9, 0, 7, 4]])])
    add("emb_max_norm", nn.Embedding(9, 4, max_norm=1.0), [torch.tensor([1, 8, 3, 1, 0, 6, 2])])
    add("emb_pretrained", nn.Embedding.from_pretrained(r(6, 3), padding_idx=1), [torch.tensor([[1, 0], [5, 2], [3, 1]])])
    add("embbag_mean", nn.EmbeddingBag(10, 4), [torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0]), torch.tensor([0, 2, 2, 5])])
    add("embbag_sum_weights", nn.EmbeddingBag(10, 4, mode="sum"),
        [torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0]), torch.tensor([0, 4, 6]), r(9)])
    add("embbag_max_2d", nn.EmbeddingBag(10, 4, mode="max"), [torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9], [0, 0, 7, 8]])])
    add("embbag_last_offset_padding", nn.EmbeddingBag(10, 3, include_last_offset=True, padding_idx=2),
        [torch.tensor([2, 1, 3, 2, 2, 9, 0, 4]), torch.tensor([0, 3, 3, 5, 8])])

    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "nn_modules.safetensors"), metadata={"cases": json.dumps(cases)})
    print(f"{len(cases)} cases, {len(tensors)} tensors")


if __name__ == "__main__":
    main()
