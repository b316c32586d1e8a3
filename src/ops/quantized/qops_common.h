// qops_common.h: argument checks, memory-format helpers and output allocation shared by the quantized pooling, resize and norm ops (internal).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/quantize_kernels.h"
#include "octet/error.h"
#include "octet/quantizer.h"
#include "octet/tensor.h"

namespace octet::quantized::qops_detail {

// An 8-bit quantized input with per-tensor qparams: what the quantized activation ops take.
inline void check_qinput(const Tensor& qx, const char* where) {
  OCTET_CHECK(qx.defined(), where, "input is an undefined tensor");
  OCTET_CHECK(qx.is_quantized(), where, "expected a quantized input (quint8 or qint8), got a ", qx.dtype(),
              " tensor: quantize it first (quantize_per_tensor), or use octet::functional for float tensors");
  OCTET_CHECK(qx.dtype() == kQUInt8 || qx.dtype() == kQInt8, where, "expected a quint8 or qint8 input, got ", qx.dtype());
  OCTET_CHECK(!qx.quantizer()->per_channel(), where, "expected per-tensor qparams, got a ", qx.qscheme(),
              " tensor (requantize it per tensor first)");
}

// The output qparams an op is asked for: the kernels multiply by 1 / (float)scale, so the float
// scale and its reciprocal must be finite and positive; the zero point must fit the dtype.
inline void check_output_qparams(double scale, int64_t zero_point, DType dtype, const char* where) {
  const float s = static_cast<float>(scale);
  OCTET_CHECK(std::isfinite(s) && s > 0.0f && std::isfinite(1.0f / s), where,
              "output_scale must be finite and > 0 (as a float32, with a finite reciprocal), got ", scale);
  OCTET_CHECK(zero_point >= dtype_qmin(dtype) && zero_point <= dtype_qmax(dtype), where,
              "output_zero_point must lie in the ", dtype, " range [", dtype_qmin(dtype), ", ", dtype_qmax(dtype),
              "], got ", zero_point);
}

// The permutation that lists a (N, C, *spatial) tensor's dims in channels-last memory order,
// (N, *spatial, C); for an unbatched (C, *spatial) tensor, (*spatial, C).
inline Shape channels_last_order(int64_t dim, bool batched) {
  Shape order;
  const int64_t c = batched ? 1 : 0;
  if (batched) order.push_back(0);
  for (int64_t d = c + 1; d < dim; ++d) order.push_back(d);
  order.push_back(c);
  return order;
}

// Whether t's memory is channels-last (its dims in channels_last_order are contiguous) while it is
// not plainly contiguous: the NHWC layout quantized convolutions return. When both hold (C == 1,
// or one spatial element) the NCHW reading is as good.
inline bool is_channels_last(const Tensor& t, bool batched) {
  if (t.is_contiguous()) return false;
  return t.permute(channels_last_order(t.dim(), batched)).is_contiguous();
}

// The inverse of channels_last_order: the permutation that turns a (N, *spatial, C) tensor back
// into (N, C, *spatial).
inline Shape channels_first_order(int64_t dim, bool batched) {
  Shape order;
  const int64_t c_last = dim - 1;
  if (batched) order.push_back(0);
  order.push_back(c_last);
  for (int64_t d = batched ? 1 : 0; d < c_last; ++d) order.push_back(d);
  return order;
}

// A new quantized tensor of logical shape `shape` (N, C, *spatial) with the given quantizer, whose
// memory is channels-last: allocated as (N, *spatial, C) and returned as the permuted view.
inline Tensor empty_channels_last(const Shape& shape, QuantizerPtr quantizer, bool batched) {
  const Shape order = channels_last_order(static_cast<int64_t>(shape.size()), batched);
  Shape physical;
  for (int64_t d : order) physical.push_back(shape[static_cast<size_t>(d)]);
  const Tensor t = octet::detail::empty_quantized(physical, std::move(quantizer), /*zero_fill=*/false);
  return t.permute(channels_first_order(static_cast<int64_t>(shape.size()), batched));
}

// Quantizes n floats that are already in units of the output scale: y = clamp(nearbyint(v) +
// zero_point, qmin, qmax), through the vector quantize kernel with inv_scale 1 (exact: v * 1 = v).
inline void quantize_prescaled(const kernels::QuantizeKernels& k, size_t n, const float* v, void* out, DType dtype,
                               int32_t zero_point) {
  const kernels::QuantizeParams p{1.0f, zero_point, static_cast<int32_t>(dtype_qmin(dtype)),
                                  static_cast<int32_t>(dtype_qmax(dtype))};
  if (dtype == kQUInt8) {
    k.f32_qu8_vquantize(n, v, static_cast<uint8_t*>(out), &p);
  } else {
    k.f32_qs8_vquantize(n, v, static_cast<int8_t*>(out), &p);
  }
}

}  // namespace octet::quantized::qops_detail
