// fusion.h: folding an eval-mode BatchNorm into the preceding convolution or linear layer (PyTorch's torch.nn.utils.fusion), for fuse_modules and from_float.
//
// With s = bn_weight / sqrt(running_var + eps) per output channel:
//
//   conv:    W' = W * s (per output channel)          b' = (b - running_mean) * rsqrt(running_var + eps) * bn_weight + bn_bias
//   linear:  W' = W * s (per output row)              b' = (b - running_mean) * s + bn_bias
//
// computed in float32 in PyTorch's order of operations (rsqrt(v + eps) as 1 / sqrt, the products
// left to right, no fused multiply-add), so the folded tensors equal PyTorch's bit for bit. A
// missing conv/linear bias counts as zeros, a missing BatchNorm weight as ones and bias as zeros.
// The fused layer's float output matches conv-then-bn to float rounding (the tests hold it to 1e-5).
//
//   auto fused = nn::utils::fuse_conv_bn_eval(*conv, *bn);    // a new Conv2d; conv and bn unchanged
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "octet/nn/batchnorm.h"
#include "octet/nn/conv.h"
#include "octet/nn/linear.h"
#include "octet/tensor.h"

namespace octet::nn::utils {

// torch.nn.utils.fusion.fuse_conv_bn_weights: the folded (weight, bias), new tensors. conv_w is
// (C_out, C_in / groups, *kernel), or with transpose (C_in, C_out / groups, *kernel); every BN
// tensor has C_out elements (bn_w / bn_b may be undefined). Transposed grouped weights are folded
// per output channel too (PyTorch's formula only covers groups = 1). Mismatched sizes, a negative
// variance + eps or non-float32 tensors are Errors.
std::pair<Tensor, Tensor> fuse_conv_bn_weights(const Tensor& conv_w, const Tensor& conv_b, const Tensor& bn_rm,
                                               const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                               const Tensor& bn_b, bool transpose = false);

// torch.nn.utils.fusion.fuse_linear_bn_weights: linear_w (out, in), BN tensors of `out` elements.
std::pair<Tensor, Tensor> fuse_linear_bn_weights(const Tensor& linear_w, const Tensor& linear_b, const Tensor& bn_rm,
                                                 const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                                 const Tensor& bn_b);

// torch.nn.utils.fusion.fuse_conv_bn_eval: a deep copy of `conv` with the BatchNorm folded in (it
// gains a bias if it had none). Both modules must be in eval mode and the BatchNorm must track
// running statistics with conv.out_channels() features, else an Error. Transposed convolutions
// are folded along their output channels.
template <typename Conv>
std::shared_ptr<Conv> fuse_conv_bn_eval(const Conv& conv, const nn::detail::BatchNormBase& bn);

// torch.nn.utils.fusion.fuse_linear_bn_eval: a deep copy of `linear` with the BatchNorm1d folded in.
std::shared_ptr<nn::Linear> fuse_linear_bn_eval(const nn::Linear& linear, const nn::detail::BatchNormBase& bn);

namespace detail {
// Checks the pair and replaces fused's weight and bias (fused is a copy of the conv).
void fold_conv_bn_into(nn::detail::ConvNd& fused, const nn::detail::ConvNd& conv, const nn::detail::BatchNormBase& bn);
}  // namespace detail

template <typename Conv>
std::shared_ptr<Conv> fuse_conv_bn_eval(const Conv& conv, const nn::detail::BatchNormBase& bn) {
  static_assert(std::is_base_of_v<nn::detail::ConvNd, Conv>, "fuse_conv_bn_eval: Conv must be a convolution module");
  auto fused = conv.clone();
  detail::fold_conv_bn_into(*fused, conv, bn);
  return fused;
}

}  // namespace octet::nn::utils
