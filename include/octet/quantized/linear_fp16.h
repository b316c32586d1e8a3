// linear_fp16.h: linear layers with float16 weights and float32 arithmetic (PyTorch's torch.ops.quantized.linear_dynamic_fp16).
//
//   auto packed = octet::quantized::linear_prepack_fp16(w, bias);    // once: w float [out, in]
//   Tensor y    = octet::quantized::linear_dynamic_fp16(x, packed);  // x float [..., in]
//
// The weights are stored in half precision (half the memory of float32, a quarter more than int8)
// and widened exactly to float32 inside the GEMM (F16C); nothing is quantized at run time. With w16
// the weights rounded to float16 and K = in_features, each output element is
//
//   v       = 0;  for k = 0 .. K-1 (in order): v = fma(x[i][k], (float)w16[j][k], v)
//   y[i][j] = v + bias[j]            linear_relu_dynamic_fp16: then (y < 0 ? 0 : y), NaN kept
//
// one chain of fused multiply-adds per element, the order fbgemm (PyTorch's x86 engine) uses, so the
// result is the same on every ISA, tile and thread count, and equals PyTorch's bit for bit except on
// the last N mod 32 columns when K > 512, which fbgemm sums in blocks of 512 (a few ulp apart; see
// src/kernels/f16gemm_kernels.h).
//
// Rounding the weights (linear_prepack_fp16): round to nearest even, after clamping to the largest
// finite half, +-65504, as PyTorch does (it warns "FOUND weight out of range"); values below the
// smallest half subnormal round to zero. A weight or bias that is NaN or infinite is an Error.
//
// Shapes: input (*, in_features) of rank >= 1 (leading dims flattened into rows and restored),
// weight (out_features, in_features), bias (out_features) or none; output float32 (*, out_features).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "octet/tensor.h"

namespace octet::quantized {

// Float16 weights laid out in 16-column panels for the GEMM (PyTorch's PackedLinearWeightFp16).
// Immutable after linear_prepack_fp16; safe to share between threads.
class LinearPackedParamsFp16 {
 public:
  struct Impl;  // the panels and the bias (src/ops/quantized/linear_fp16_packed.h)
  explicit LinearPackedParamsFp16(std::shared_ptr<const Impl> impl);

  // PyTorch's linear_unpack_fp16: the weight as float32 (the float16 values, exactly) and the
  // float32 bias (undefined when there is none), as new tensors.
  std::pair<Tensor, Tensor> unpack() const;
  // The weight as a float16 tensor [out_features, in_features] (a new tensor).
  Tensor weight_fp16() const;
  const Tensor& bias() const;  // float32 [out_features], or undefined
  int64_t in_features() const;
  int64_t out_features() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

using LinearPackedParamsFp16Ptr = std::shared_ptr<const LinearPackedParamsFp16>;

// torch.ops.quantized.linear_prepack_fp16. weight: floating (float32, float64 or float16)
// [out_features, in_features], finite; bias: floating [out_features], finite, or undefined.
LinearPackedParamsFp16Ptr linear_prepack_fp16(const Tensor& weight, const Tensor& bias = {});

// torch.ops.quantized.linear_dynamic_fp16: x floating (*, in_features) (converted to float32);
// y float32 (*, out_features).
Tensor linear_dynamic_fp16(const Tensor& x, const LinearPackedParamsFp16Ptr& packed);
// torch.ops.quantized.linear_relu_dynamic_fp16.
Tensor linear_relu_dynamic_fp16(const Tensor& x, const LinearPackedParamsFp16Ptr& packed);

}  // namespace octet::quantized
