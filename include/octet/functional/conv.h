// conv.h: convolution and transposed convolution (1d/2d/3d) on float32 NCHW tensors (octet::functional, PyTorch's torch.nn.functional).
//
// Layouts are PyTorch's: input (N, C_in, *spatial) or unbatched (C_in, *spatial); weight
// (C_out, C_in / groups, *kernel) for convolution and (C_in, C_out / groups, *kernel) for transposed
// convolution; bias (C_out) or absent. Stride, padding, dilation and output_padding take one value
// per spatial dim or a single value for all of them. Inputs may be any view; outputs are new
// contiguous float32 tensors. Depthwise convolutions (groups == C_in, C_out a multiple of C_in) run
// a dedicated kernel; 1x1 convolutions are a plain GEMM on the input; the rest is an implicit-GEMM
// (im2col written straight into the GEMM's packed panels). docs/kernels.md has the details.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "octet/tensor.h"

namespace octet::functional {

// The padding argument of conv1d/2d/3d: explicit sizes (per spatial dim, or one for all), or
// PyTorch's strings "valid" (no padding) and "same" (output size == input size; stride 1 only; when
// dilation * (kernel - 1) is odd, the extra row/column goes on the right/bottom, as in PyTorch).
class ConvPadding {
 public:
  ConvPadding(std::initializer_list<int64_t> sizes) : sizes_(sizes) {}
  // Implicit, so that a call reads like PyTorch's: conv2d(x, w, b, {1, 1}, "same").
  ConvPadding(const Shape& sizes) : sizes_(sizes) {}
  ConvPadding(const char* mode) : mode_(mode != nullptr ? mode : "") {}
  ConvPadding(std::string mode) : mode_(std::move(mode)) {}

  bool is_mode() const { return !mode_.empty(); }
  const std::string& mode() const { return mode_; }  // "" when sizes are given
  const Shape& sizes() const { return sizes_; }

 private:
  Shape sizes_;
  std::string mode_;
};

// torch.nn.functional.conv1d: input (N, C_in, L) or (C_in, L), weight (C_out, C_in / groups, K).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1},
              const ConvPadding& padding = {0}, const Shape& dilation = {1}, int64_t groups = 1);

// torch.nn.functional.conv2d: input (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in / groups, KH, KW).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1, 1},
              const ConvPadding& padding = {0, 0}, const Shape& dilation = {1, 1}, int64_t groups = 1);

// torch.nn.functional.conv3d: input (N, C_in, D, H, W) or (C_in, D, H, W), weight (C_out, C_in / groups, KD, KH, KW).
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1, 1, 1},
              const ConvPadding& padding = {0, 0, 0}, const Shape& dilation = {1, 1, 1}, int64_t groups = 1);

// torch.nn.functional.conv_transpose1d/2d/3d (note PyTorch's order: groups before dilation).
// Output size per dim: (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1;
// output_padding must be smaller than stride or dilation.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1},
                        const Shape& padding = {0}, const Shape& output_padding = {0}, int64_t groups = 1,
                        const Shape& dilation = {1});
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        const Shape& stride = {1, 1}, const Shape& padding = {0, 0},
                        const Shape& output_padding = {0, 0}, int64_t groups = 1, const Shape& dilation = {1, 1});
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        const Shape& stride = {1, 1, 1}, const Shape& padding = {0, 0, 0},
                        const Shape& output_padding = {0, 0, 0}, int64_t groups = 1,
                        const Shape& dilation = {1, 1, 1});

}  // namespace octet::functional
