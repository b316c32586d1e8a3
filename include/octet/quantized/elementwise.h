// elementwise.h: quantized add / mul (with fused ReLU and scalar forms) and cat (octet::quantized, PyTorch's torch.ops.quantized).
//
// Inputs are per-tensor quantized quint8 or qint8 tensors of any layout; results are new contiguous
// tensors of the same dtype. The arithmetic is exact and the same on every CPU (every SIMD path
// equals the scalar reference bit for bit); the formulas, and how they compare with PyTorch's x86
// engine, are in docs/kernels.md ("8-bit elementwise and lookup tables"). Large tensors run on
// get_num_threads() threads.
//
//   auto y = octet::quantized::add(qa, qb, /*scale=*/0.05, /*zero_point=*/128);
//
// Errors (octet::Error, naming the op): an undefined or non-quantized input, qint32 / quint4x2,
// per-channel inputs, operands of different dtypes, shapes that do not broadcast, an output scale
// that is not finite and > 0 in float32, an output zero point outside the dtype's range.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "octet/tensor.h"

namespace octet::quantized {

// torch.ops.quantized.add: a and b broadcast against each other (NumPy rules, either side); each
// is dequantized, the float sum requantized to (scale, zero_point).
Tensor add(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);
// add then ReLU, fused: the output is clamped at zero_point.
Tensor add_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);
// torch.ops.quantized.mul: the product of the zero-point-free integers, requantized with the
// multiplier a_scale * b_scale / scale.
Tensor mul(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);
Tensor mul_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);

// torch.ops.quantized.add_scalar: a + other with output qparams chosen by PyTorch's rule. With
// c_q = nearbyint(other / a_scale): if the shifted zero point z - c_q still lies in the dtype's
// range, the integers are kept and the zero point becomes z - c_q; otherwise the zero point
// becomes the range end it fell past and the scale grows so the range covers the shifted values,
// and the integers are requantized. `other` must be finite and other / a_scale fit in int32.
Tensor add_scalar(const Tensor& a, double other);
Tensor add_scalar_relu(const Tensor& a, double other);
// torch.ops.quantized.mul_scalar: other > 0 keeps the integers with scale other * a_scale; other == 0
// gives all zeros with scale 1, zero point 0; other < 0 mirrors the integers (q -> qmin + qmax - q)
// with scale |other| * a_scale and the mirrored zero point.
Tensor mul_scalar(const Tensor& a, double other);
Tensor mul_scalar_relu(const Tensor& a, double other);

// torch.ops.quantized.cat / torch.cat on quantized tensors: concatenates along dim (negative counts
// from the end). The output has (scale, zero_point) when given, else the first tensor's qparams;
// inputs with other qparams are requantized (dequantize, then quantize). All tensors must have the
// same dtype and number of dims, and equal sizes except along dim. scale and zero_point are given
// together or not at all.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0, std::optional<double> scale = std::nullopt,
           std::optional<int64_t> zero_point = std::nullopt);

}  // namespace octet::quantized
