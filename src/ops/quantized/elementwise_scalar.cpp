// elementwise_scalar.cpp: quantized add_scalar / mul_scalar (and their ReLU forms) with PyTorch's rules for the output qparams.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/qelementwise_kernels.h"
#include "octet/error.h"
#include "octet/quantized/elementwise.h"
#include "ops/quantized/elementwise_common.h"

namespace octet::quantized {
namespace {

using detail::QOperand;

// The integer stored for byte `code` of a quint8 / qint8 tensor.
int32_t value_of(int code, bool is_signed) {
  return is_signed ? static_cast<int8_t>(static_cast<uint8_t>(code)) : code;
}

// PyTorch's _add_scalar_out (aten/src/ATen/native/quantized/cpu/BinaryOps.cpp). With s, z the input
// qparams and c_q = nearbyint(other / s) (double division):
//   z - c_q < qmin:  s' = (qmax - (z - c_q)) / (qmax - qmin) * s,  z' = qmin,  requantize
//   z - c_q > qmax:  s' = ((z - c_q) - qmin) / (qmax - qmin) * s,  z' = qmax,  requantize
//   otherwise:       s' = s, z' = z - c_q, the integers unchanged (ReLU: clamped at z')
// where requantize is PyTorch's requantize_from_int on the integer sum:
//   q' = clamp(nearbyint((float)(q - z + c_q) * m) + z', qmin, qmax),  m = (float)s * (1.0f / (float)s')
// (ReLU: max(q', z')). It depends on q alone, so it runs as a lookup table; the answers are
// PyTorch's bit for bit.
Tensor add_scalar_impl(const Tensor& a, double other, bool relu, const char* op) {
  const QOperand q = detail::check_operand(a, op);
  OCTET_CHECK(std::isfinite(other), op, "other must be finite, got ", other);
  const double s = q.scale;
  const int64_t z = q.zero_point;
  const int64_t qmin = dtype_qmin(q.dtype), qmax = dtype_qmax(q.dtype);
  const double c_q_real = std::nearbyint(other / s);
  // PyTorch adds c_q to the integers in int32.
  OCTET_CHECK(std::fabs(c_q_real) <= 2147483647.0, op, "other / scale = ", other / s,
              " does not fit in int32 (other ", other, ", scale ", s, ")");
  const auto c_q = static_cast<int64_t>(c_q_real);
  const int64_t shifted = z - c_q;

  if (shifted >= qmin && shifted <= qmax) {
    const QuantizerPtr out = Quantizer::per_tensor(q.dtype, s, shifted);
    if (!relu) return detail::copy_with_qparams(a, out);
    Tensor y = detail::apply_clamp(a, static_cast<int32_t>(shifted), static_cast<int32_t>(qmax));
    return detail::copy_with_qparams(y, out);
  }
  const double range = static_cast<double>(qmax) - static_cast<double>(qmin);
  const double s_out = shifted < qmin ? (static_cast<double>(qmax) - static_cast<double>(shifted)) / range * s
                                      : (static_cast<double>(shifted) - static_cast<double>(qmin)) / range * s;
  const int64_t z_out = shifted < qmin ? qmin : qmax;
  detail::check_output_qparams(s_out, z_out, q.dtype, op);
  const float m = q.scale_f * (1.0f / static_cast<float>(s_out));
  const auto zf = static_cast<float>(z_out);
  const float lo = static_cast<float>(relu ? std::max(qmin, z_out) : qmin), hi = static_cast<float>(qmax);
  uint8_t table[256];
  for (int code = 0; code < 256; ++code) {
    const int64_t sum = value_of(code, q.is_signed()) - z + c_q;
    float t = std::nearbyint(static_cast<float>(sum) * m) + zf;
    t = std::min(std::max(t, lo), hi);
    table[code] = static_cast<uint8_t>(static_cast<int32_t>(t));
  }
  return detail::apply_table(a, table, Quantizer::per_tensor(q.dtype, s_out, z_out));
}

// PyTorch's _mul_scalar_out (aten/src/ATen/native/quantized/cpu/qmul.cpp):
//   other > 0:  s' = other * s, z' = z, the integers unchanged (ReLU: clamped at z)
//   other == 0: s' = 1, z' = 0, every integer 0
//   other < 0:  s' = |other| * s, z' = qmax - (z - qmin), q' = qmax + qmin - q (ReLU: max(q', z'))
Tensor mul_scalar_impl(const Tensor& a, double other, bool relu, const char* op) {
  const QOperand q = detail::check_operand(a, op);
  OCTET_CHECK(std::isfinite(other), op, "other must be finite, got ", other);
  const int64_t z = q.zero_point;
  const int64_t qmin = dtype_qmin(q.dtype), qmax = dtype_qmax(q.dtype);
  if (other == 0.0) {
    uint8_t table[256] = {};  // integer 0 in both dtypes
    return detail::apply_table(a, table, Quantizer::per_tensor(q.dtype, 1.0, 0));
  }
  const double s_out = std::fabs(other) * q.scale;
  if (other > 0) {
    detail::check_output_qparams(s_out, z, q.dtype, op);
    const QuantizerPtr out = Quantizer::per_tensor(q.dtype, s_out, z);
    if (!relu) return detail::copy_with_qparams(a, out);
    return detail::copy_with_qparams(detail::apply_clamp(a, static_cast<int32_t>(z), static_cast<int32_t>(qmax)), out);
  }
  const int64_t z_out = qmax - (z - qmin);
  detail::check_output_qparams(s_out, z_out, q.dtype, op);
  uint8_t table[256];
  for (int code = 0; code < 256; ++code) {
    int64_t v = qmax + qmin - value_of(code, q.is_signed());
    if (relu) v = std::max(v, z_out);
    table[code] = static_cast<uint8_t>(v);
  }
  return detail::apply_table(a, table, Quantizer::per_tensor(q.dtype, s_out, z_out));
}

}  // namespace

Tensor add_scalar(const Tensor& a, double other) {
  return add_scalar_impl(a, other, /*relu=*/false, "quantized::add_scalar");
}
Tensor add_scalar_relu(const Tensor& a, double other) {
  return add_scalar_impl(a, other, /*relu=*/true, "quantized::add_scalar_relu");
}
Tensor mul_scalar(const Tensor& a, double other) {
  return mul_scalar_impl(a, other, /*relu=*/false, "quantized::mul_scalar");
}
Tensor mul_scalar_relu(const Tensor& a, double other) {
  return mul_scalar_impl(a, other, /*relu=*/true, "quantized::mul_scalar_relu");
}

}  // namespace octet::quantized
