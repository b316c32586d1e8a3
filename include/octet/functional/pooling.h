// pooling.h: max, average and adaptive pooling (1d/2d/3d) (octet::functional, PyTorch's torch.nn.functional).
//
// Inputs are float32, batched (N, C, *spatial) or unbatched (C, *spatial), with 1, 2 or 3 spatial
// dims for the 1d, 2d and 3d ops. Shape arguments (kernel_size, stride, padding, dilation,
// output_size) hold either one value for every spatial dim or one per dim, like ATen's int[N].
// An empty stride means stride = kernel_size.
//
// Output size per dim: floor or, with ceil_mode, ceil of
//   (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1,
// less one when ceil_mode makes the last window start beyond the input and its left padding.
// Padding may be at most half the kernel size. Max pooling propagates NaN; the indices of the
// *_with_indices variants are int64 and flat within each input plane (d * H * W + h * W + w).
//
// A quantized input runs the quantized op (PyTorch's dispatch by dtype; octet/quantized/pooling.h):
// max_pool1d/2d/3d, avg_pool2d/3d and adaptive_avg_pool2d/3d, with avg_pool1d and
// adaptive_avg_pool1d run as their 2d forms over a unit height (as ATen does). The output keeps the
// input's qparams. The *_with_indices variants and adaptive max pooling reject quantized input.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "octet/tensor.h"

namespace octet::functional {

Tensor max_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, const Shape& dilation = {1}, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, const Shape& dilation = {1}, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, const Shape& dilation = {1}, bool ceil_mode = false);

// {values, indices}.
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride = {}, const Shape& padding = {0},
                                                   const Shape& dilation = {1}, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride = {}, const Shape& padding = {0},
                                                   const Shape& dilation = {1}, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride = {}, const Shape& padding = {0},
                                                   const Shape& dilation = {1}, bool ceil_mode = false);

// Each output is the window's sum divided by divisor_override when given (> 0), else by the
// window's size clipped to the padded input (count_include_pad) or to the input itself. A window
// with no input element gives 0.
Tensor avg_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// Output element o of a dim pools input [floor(o * in / out), ceil((o + 1) * in / out)).
Tensor adaptive_avg_pool1d(const Tensor& input, const Shape& output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, const Shape& output_size);
Tensor adaptive_avg_pool3d(const Tensor& input, const Shape& output_size);
Tensor adaptive_max_pool1d(const Tensor& input, const Shape& output_size);
Tensor adaptive_max_pool2d(const Tensor& input, const Shape& output_size);
Tensor adaptive_max_pool3d(const Tensor& input, const Shape& output_size);
// PyTorch's return_indices=True: {values, indices}, the indices flat within each input plane as
// for max pooling (3d: d * H * W + h * W + w), pointing at the first maximum in scan order (or, as
// PyTorch's scan `v > max || isnan(v)` gives, at the window's last NaN).
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, const Shape& output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, const Shape& output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, const Shape& output_size);

}  // namespace octet::functional
