// norm.h: quantized batch, layer, group and instance normalisation and softmax (octet::quantized, PyTorch's torch.ops.quantized).
//
// Inputs are quint8 or qint8 tensors with per-tensor qparams; outputs have the input's dtype and
// the given (output_scale, output_zero_point): output_scale finite and > 0, the zero point inside
// the dtype's range. weight and bias are float32 per-channel vectors (layer_norm: of shape
// normalized_shape) or undefined Tensors (1 and 0).
//
// The norms compute in float, as PyTorch's quantized kernels do, with one rule for all of them.
// With q the stored integers (zero point zp, scale s) of one normalised group of n elements:
//   statistics (layer/group/instance norm): S = sum q, Q = sum q^2, exact in int64;
//       mean = s * (S / n - zp), var = s^2 * (Q / n - (S / n)^2)                         float64
//   (batch norm takes mean and var from its arguments)
//   per channel c (per element for layer_norm's weight and bias), in float64 with
//   k = 1 / sqrt(var + eps) / output_scale, each rounded once to float32:
//       a = (s * weight) * k
//       b = bias / output_scale - weight * (mean * k)
//   each element: y = clamp(nearbyint((float)(q - zp) * a + b) + output_zero_point, qmin, qmax)
//       float32, the product and the sum each rounded (no FMA), so every ISA and thread count
//       gives the same integers.
//   layer_norm with a weight or bias (per element) normalises first, then applies them:
//       z = (float)(q - zp) * A + B,   A = (float)(s / sqrt(var + eps)), B = (float)(-mean / sqrt(var + eps))
//       y = clamp(nearbyint(z * G[i] + H[i]) + output_zero_point, qmin, qmax),
//       G = (float)(weight / output_scale), H = (float)(bias / output_scale)
// This is dequantize -> the float op -> quantize with the statistics taken exactly from the
// integers; it differs from that chain (and from PyTorch, whose kernels take float statistics and
// fuse multiply-adds) only where a value lies within float rounding of a rounding tie: by one step.
//
// softmax is PyTorch's x86 quantized softmax: dequantize, octet::functional::softmax, then
// quantize_per_tensor to (output_scale, output_zero_point).
#pragma once

#include <cstdint>

#include "octet/tensor.h"

namespace octet::quantized {

// torch.ops.quantized.batch_norm2d / batch_norm3d: qx is (N, C, H, W) / (N, C, D, H, W); mean and
// var are the float32 running statistics (C elements each, required). A channels-last input gives
// a channels-last output; any other layout a contiguous one.
Tensor batch_norm2d(const Tensor& qx, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point);
Tensor batch_norm3d(const Tensor& qx, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point);

// torch.ops.quantized.layer_norm: normalises over the trailing dims normalized_shape.
Tensor layer_norm(const Tensor& qx, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps, double output_scale, int64_t output_zero_point);

// torch.ops.quantized.group_norm: (N, C, *) with C divisible by num_groups.
Tensor group_norm(const Tensor& qx, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps,
                  double output_scale, int64_t output_zero_point);

// torch.ops.quantized.instance_norm: each (sample, channel) plane of an (N, C, *spatial) input.
Tensor instance_norm(const Tensor& qx, const Tensor& weight, const Tensor& bias, double eps, double output_scale,
                     int64_t output_zero_point);

// torch.ops.quantized.softmax along dim (negative counts from the end).
Tensor softmax(const Tensor& qx, int64_t dim, double output_scale, int64_t output_zero_point);

}  // namespace octet::quantized
