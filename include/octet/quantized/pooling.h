// pooling.h: quantized max, average and adaptive-average pooling (octet::quantized, PyTorch's quantized pooling ops).
//
// Inputs are quint8 or qint8 tensors with per-tensor qparams, batched (N, C, *spatial) or
// unbatched (C, *spatial), with 1, 2 or 3 spatial dims for the 1d, 2d and 3d ops. The output has
// the input's dtype AND qparams (pooling never requantizes), as in PyTorch. Shape arguments
// (kernel_size, stride, padding, dilation, output_size) and the output size rule (ceil_mode, the
// padding limit of half the kernel) are torch.nn.functional's, documented in
// octet/functional/pooling.h; an empty stride means stride = kernel_size.
//
// Memory format: a channels-last input (the memory of (N, *spatial, C), as quantized convolutions
// return) is read in place and the output is channels-last too (a permuted view with the logical
// (N, C, *out) shape), as PyTorch's fast paths do; any other layout is read as NCHW (copied when
// not contiguous) and gives a contiguous output.
//
// Arithmetic, exact integers on every ISA and thread count:
//   max:      the largest stored integer in the window (positions outside the input are skipped).
//   average:  acc = sum over the window's input elements of (q - zero_point)             int32
//             y   = clamp(nearbyint((float)acc * (1.0f / divisor)) + zero_point, qmin, qmax)
//             with divisor = divisor_override, or the window size clipped to the padded input
//             (count_include_pad) or to the input. This is PyTorch's channels-last kernel; its NCHW
//             kernel adds the zero point before rounding (and the adaptive one sums q without
//             taking the zero point out), so at exact ties PyTorch's NCHW answers can be one step
//             away (docs/kernels.md).
//   adaptive: the same with output o of a dim averaging input [floor(o * in / out),
//             ceil((o + 1) * in / out)) and divisor = the window size.
// A window may hold at most 2^23 elements (its int32 sum must not overflow); larger is an Error.
#pragma once

#include <cstdint>
#include <optional>

#include "octet/tensor.h"

namespace octet::quantized {

// torch.nn.functional.max_pool1d on a quantized (C, L) or (N, C, L) input.
Tensor max_pool1d(const Tensor& qx, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  const Shape& dilation = {1}, bool ceil_mode = false);
// torch.nn.functional.max_pool2d (torch.quantized_max_pool2d) on (C, H, W) or (N, C, H, W).
Tensor max_pool2d(const Tensor& qx, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  const Shape& dilation = {1}, bool ceil_mode = false);
// torch.nn.functional.max_pool3d on (C, D, H, W) or (N, C, D, H, W).
Tensor max_pool3d(const Tensor& qx, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  const Shape& dilation = {1}, bool ceil_mode = false);

// torch.nn.functional.avg_pool2d / avg_pool3d. divisor_override, when given, must be non-zero.
Tensor avg_pool2d(const Tensor& qx, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& qx, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// torch.nn.functional.adaptive_avg_pool2d / adaptive_avg_pool3d; output_size holds one value for
// every spatial dim or one per dim, each >= 1.
Tensor adaptive_avg_pool2d(const Tensor& qx, const Shape& output_size);
Tensor adaptive_avg_pool3d(const Tensor& qx, const Shape& output_size);

}  // namespace octet::quantized
