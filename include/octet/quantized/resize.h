// resize.h: quantized nearest and bilinear upsampling, and an interpolate entry (octet::quantized, PyTorch's quantized upsample ops).
//
// Inputs are quint8 or qint8 (N, C, H, W) tensors with per-tensor qparams; the output has the
// input's dtype and qparams and the input's memory format (channels-last in, channels-last out).
// Source coordinates are ATen's (the float op's, octet/functional/resize.h):
//   nearest:  src = min(floor(dst * scale), in - 1), scale = 1 / scales (when given and > 0) or
//             in / out; out == in copies and out == 2 * in takes dst / 2 whatever the scale says
//             (ATen's 2-D nearest kernel).
//   bilinear: align_corners: src = dst * (in - 1) / (out - 1); otherwise
//             src = max(scale * (dst + 0.5) - 0.5, 0); i = (int)src, lambda = src - i, the second
//             tap i + 1 (i itself on the last row/column).
// nearest copies stored integers. bilinear is PyTorch's quantized rule (UpSampleBilinear2d.cpp):
// the weights apply to the stored integers in float32,
//   r = h0 * (w0 * q00 + w1 * q01) + h1 * (w0 * q10 + w1 * q11) - zero_point     (in this order)
//   y = clamp(nearbyint(r) + zero_point, qmin, qmax)
// so every ISA and thread count gives the same integers.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "octet/tensor.h"

namespace octet::quantized {

// ATen's upsample_nearest2d: output_size = {out_h, out_w}; scales_h / scales_w as ATen's (the
// factor used to map coordinates, when the caller had one).
Tensor upsample_nearest2d(const Tensor& qx, const Shape& output_size, std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);

// ATen's upsample_bilinear2d.
Tensor upsample_bilinear2d(const Tensor& qx, const Shape& output_size, bool align_corners,
                           std::optional<double> scales_h = std::nullopt, std::optional<double> scales_w = std::nullopt);

// torch.nn.functional.interpolate on a quantized 4-D input, modes "nearest" and "bilinear": exactly
// one of size and scale_factor (one value, or one per spatial dim); with scale_factor the output
// size is floor(in * factor) and, unless recompute_scale_factor, the factor maps coordinates.
// align_corners only with "bilinear" (absent means false).
Tensor interpolate(const Tensor& qx, const Shape& size = {}, const std::vector<double>& scale_factor = {},
                   std::string_view mode = "nearest", std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt);

}  // namespace octet::quantized
