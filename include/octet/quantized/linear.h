// linear.h: quantized linear layers on prepacked int8 weights (PyTorch's torch.ops.quantized.linear*).
//
//   auto packed = octet::quantized::linear_prepack(w_q, bias);     // once: w_q qint8 [out, in]
//   Tensor y_q  = octet::quantized::linear(x_q, packed, 0.05, 64);  // x_q quint8/qint8 [..., in]
//   Tensor y    = octet::quantized::linear_dynamic(x, packed);      // x float [..., in]
//
// Arithmetic (docs/numerics.md, "Quantized linear"). With a the
// input's stored integers (zero point za, scale sa), w the weight's (zero points zw[j], scales
// sw[j]; one value for every j when per-tensor) and K = in_features:
//
//   acc[i][j] = bias_q[j] + sum_k (a[i][k] - za) * (w[j][k] - zw[j])     int32 (wrapping)
//   bias_q[j] = clamp(nearbyint(bias[j] * (1.0f / bs[j])), -2^31, 2^31 - 1)   the qint32 rule,
//               bs[j] = (float)(sa * sw[j])                                   (product in double)
//
// linear / linear_relu (static):
//   M[j]      = (float)(sa * sw[j] / out_scale)                    computed in double, rounded once
//   y[i][j]   = clamp(nearbyint((float)acc[i][j] * M[j]) + out_zero_point, qmin, qmax)
//               one float32 multiply, no FMA; qmin/qmax: the input dtype's range, and
//               qmin = out_zero_point for linear_relu.
// The result is one integer answer, bit for bit the same on every ISA, kernel and thread count.
// PyTorch's x86 engine keeps the bias in float instead (and rounds differently), so its outputs
// can differ from Octet's by one step (tests/ops/quantized/linear_golden_test.cpp counts how often).
//
// linear_dynamic / linear_relu_dynamic (float in, float out): the input is quantized per call to
// quint8 with choose_qparams_dynamic over its min and max (fbgemm's rule; qmin..qmax 0..255, or
// 0..127 with reduce_range), as PyTorch's x86 engine does; then, with bias_q = 0,
//   y[i][j]   = (float)acc[i][j] * (float)(sa * sw[j]) + bias[j]  (float32, no FMA; relu: max(y, 0))
//
// Shapes: input (*, in_features) of rank >= 1 (the leading dims are flattened into rows and
// restored on the output), weight (out_features, in_features), bias (out_features) or none; the
// output is (*, out_features). Quantized outputs have the input's dtype (quint8 in -> quint8 out,
// qint8 in -> qint8 out) and per-tensor qparams (out_scale, out_zero_point).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "octet/tensor.h"

namespace octet::quantized {

// Linear weights laid out for the int8 GEMM once, reused by every call (PyTorch's
// LinearPackedParamsBase). Immutable after linear_prepack; safe to share between threads.
class LinearPackedParams {
 public:
  struct Impl;  // the packed layout (src/ops/quantized/linear_packed.h)
  explicit LinearPackedParams(std::shared_ptr<const Impl> impl);

  // The original quantized weight (qint8, [out_features, in_features], its Quantizer) and float
  // bias (undefined when there is none), as new tensors: PyTorch's unpack().
  std::pair<Tensor, Tensor> unpack() const;
  const QuantizerPtr& weight_quantizer() const;  // per-tensor, or per-channel along axis 0
  const Tensor& bias() const;                    // float32 [out_features], or undefined
  int64_t in_features() const;
  int64_t out_features() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

using LinearPackedParamsPtr = std::shared_ptr<const LinearPackedParams>;

// torch.ops.quantized.linear_prepack. w_q: qint8 [out_features, in_features], per-tensor or
// per-channel along axis 0 (affine or symmetric; any zero points); bias: floating [out_features]
// or undefined, finite. Every weight scale must be a positive finite float32 value.
LinearPackedParamsPtr linear_prepack(const Tensor& w_q, const Tensor& bias = {});

// torch.ops.quantized.linear: x_q quint8 or qint8, per-tensor quantized, (*, in_features);
// out_scale finite and > 0, out_zero_point inside the input dtype's range. The per-channel
// multipliers M[j] must be finite, positive float32 values.
Tensor linear(const Tensor& x_q, const LinearPackedParamsPtr& packed, double out_scale, int64_t out_zero_point);
// torch.ops.quantized.linear_relu: the same with the ReLU fused (qmin = out_zero_point).
Tensor linear_relu(const Tensor& x_q, const LinearPackedParamsPtr& packed, double out_scale,
                   int64_t out_zero_point);

// torch.ops.quantized.linear_dynamic: x float (*, in_features), finite; y float32 (*, out_features).
Tensor linear_dynamic(const Tensor& x, const LinearPackedParamsPtr& packed, bool reduce_range = false);
// torch.ops.quantized.linear_relu_dynamic.
Tensor linear_relu_dynamic(const Tensor& x, const LinearPackedParamsPtr& packed, bool reduce_range = false);

}  // namespace octet::quantized
