// quantize.h: PyTorch-style quantized tensors: quantize, dequantize, requantize, make_*.
#pragma once

#include <cstdint>
#include <vector>

#include "octet/qparams.h"
#include "octet/tensor.h"

namespace octet {

// torch.quantize_per_tensor: float tensor -> quantized tensor of dtype (quint8, qint8, qint32,
// quint4x2) with q = clamp(nearbyint(x / scale) + zero_point, dtype range) (see quantize_value).
// scale must be finite and > 0; zero_point must lie in the dtype's range; x must be floating.
Tensor quantize_per_tensor(const Tensor& x, double scale, int64_t zero_point, DType dtype);

// torch.quantize_per_channel: one (scale, zero_point) per slice along axis (negative counts from
// the end). scales: any floating tensor with size(axis) elements; zero_points: an integer tensor
// (per_channel_affine) or a floating one (per_channel_affine_float_qparams).
Tensor quantize_per_channel(const Tensor& x, const Tensor& scales, const Tensor& zero_points,
                            int64_t axis, DType dtype);
// The same with the parameters as vectors.
Tensor quantize_per_channel(const Tensor& x, const std::vector<double>& scales,
                            const std::vector<int64_t>& zero_points, int64_t axis, DType dtype);

// torch.quantize_per_tensor_dynamic: qparams from the tensor's min and max by the dynamic rule
// (choose_qparams_dynamic), then quantize_per_tensor. dtype: quint8 or qint8.
Tensor quantize_per_tensor_dynamic(const Tensor& x, DType dtype, bool reduce_range);

// torch._make_per_tensor_quantized_tensor: reinterprets an integer tensor (uint8 -> quint8,
// int8 -> qint8, int32 -> qint32) as quantized with the given qparams. Copies the integers.
Tensor make_per_tensor_quantized_tensor(const Tensor& int_repr, double scale, int64_t zero_point);
// torch._make_per_channel_quantized_tensor.
Tensor make_per_channel_quantized_tensor(const Tensor& int_repr, const Tensor& scales,
                                         const Tensor& zero_points, int64_t axis);

// A quantized tensor re-expressed with other per-tensor qparams and dtype:
// quantize(dequantize(q)), element by element in float32, as ATen's requantize_val.
Tensor requantize(const Tensor& q, double scale, int64_t zero_point, DType dtype);

// Free-function spellings of the Tensor methods.
inline Tensor dequantize(const Tensor& q) { return q.dequantize(); }
inline Tensor int_repr(const Tensor& q) { return q.int_repr(); }

}  // namespace octet
