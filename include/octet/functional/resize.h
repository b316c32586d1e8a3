// resize.h: interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area; antialias) and pad (constant, reflect, replicate, circular) (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "octet/tensor.h"

namespace octet::functional {

// Resizes the spatial dims of a float32 (N, C, *spatial) input with 1 to 3 spatial dims, like
// torch.nn.functional.interpolate (same arguments, same order). Exactly one of size and
// scale_factor is given, each with one value for every spatial dim or one per dim. With
// scale_factor the output size is floor(in * scale_factor), and unless recompute_scale_factor is
// true the factor itself (not in / out) maps output to input coordinates.
//   "nearest":       src = min(floor(dst * scale), in - 1), scale = in / out or 1 / scale_factor
//   "nearest-exact": src = min(floor((dst + 0.5) * scale), in - 1)
//   "linear" (3-D), "bilinear" (4-D), "trilinear" (5-D), "bicubic" (4-D, A = -0.75):
//     align_corners: src = dst * (in - 1) / (out - 1);
//     otherwise src = (dst + 0.5) * scale - 0.5, clamped at 0 for the linear modes.
//   "area" (3-D, 4-D, 5-D): adaptive_avg_pool1d/2d/3d to the output size; output element o of a
//     dim averages input [floor(o * in / out), ceil((o + 1) * in / out)). A scale_factor only sets
//     the size.
// align_corners may only be given for the interpolating modes (absent means false).
// antialias (bilinear and bicubic only) is PyTorch's antialiased resize: when downscaling by s, the
// filter widens to s times its support (triangle over 2s inputs, or Keys' cubic with A = -0.5 over
// 4s), with the weights of each output normalised to sum 1; each output averages every input under
// it instead of sampling 2 or 4. A dim whose size does not change is copied. Upscaling with
// antialias equals the plain mode only for bilinear without align_corners (to float rounding):
// bicubic antialias uses A = -0.5, and align_corners only changes the scale, not the sample
// positions (src = (dst + 0.5) * scale - 0.5 with scale = (in - 1) / (out - 1)).
//   F::interpolate(x, {}, {0.25}, "bilinear", std::nullopt, std::nullopt, /*antialias=*/true)
// A quantized input runs the quantized op (PyTorch's dispatch by dtype; octet/quantized/resize.h):
// modes "nearest" and "bilinear" on a 4-D input, the output keeping the input's qparams. Any other
// mode, and antialias, is an Error that names it.
Tensor interpolate(const Tensor& input, const Shape& size = {},
                   const std::vector<double>& scale_factor = {}, std::string_view mode = "nearest",
                   std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt, bool antialias = false);

// Pads the trailing dims: pad = {last_left, last_right, second_last_left, ...}, an even number of
// values, negative ones cropping. "constant" (any rank; value, default 0) pads up to every dim.
// "reflect" (mirror without repeating the edge; each pad < the dim's size), "replicate" (repeat the
// edge) and "circular" (wrap around; each pad <= the dim's size) pad 1 to 3 trailing dims of an
// input with one or two more dims than that (batched or not).
Tensor pad(const Tensor& input, const Shape& pad, std::string_view mode = "constant",
           std::optional<double> value = std::nullopt);

}  // namespace octet::functional
