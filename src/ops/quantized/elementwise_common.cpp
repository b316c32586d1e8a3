// elementwise_common.cpp: input checks, lookup-table and clamp application shared by the 8-bit elementwise operators.
#include "ops/quantized/elementwise_common.h"

#include <cmath>
#include <cstring>

#include "core/tensor_impl.h"
#include "ops/float/elementwise_iter.h"
#include "ops/quantized/qops_common.h"
#include "octet/error.h"

namespace octet::quantized::detail {

using functional::elementwise_detail::parallel_for;

QOperand check_operand(const Tensor& t, const char* op, const char* what) {
  OCTET_CHECK(t.defined(), op, "expected ", what, " to be defined");
  OCTET_CHECK(t.is_quantized(), op, "expected ", what, " to be a quantized tensor (quint8 or qint8), got ",
              t.dtype(), " (quantize it first, e.g. with quantize_per_tensor)");
  OCTET_CHECK(t.dtype() == DType::QUInt8 || t.dtype() == DType::QInt8, op, "expected ", what,
              " to be quint8 or qint8, got ", t.dtype());
  OCTET_CHECK(!t.quantizer()->per_channel(), op, "expected ", what, " to be quantized per tensor, got ",
              t.qscheme(), " (per-channel activations are not supported)");
  const double scale = t.q_scale();
  return QOperand{t.dtype(), scale, static_cast<float>(scale), static_cast<int32_t>(t.q_zero_point())};
}

void check_same_dtype(const QOperand& a, const QOperand& b, const char* op) {
  OCTET_CHECK(a.dtype == b.dtype, op, "operands must have the same dtype, got ", a.dtype, " and ", b.dtype);
}

void check_output_qparams(double scale, int64_t zero_point, DType dtype, const char* op) {
  const float f = static_cast<float>(scale);
  const bool ok = std::isfinite(scale) && scale > 0 && f > 0 && std::isfinite(f) && std::isfinite(1.0f / f);
  OCTET_CHECK(ok, op, "output scale must be finite and > 0 (and representable in float32, with a finite "
              "reciprocal), got ", scale);
  const int64_t lo = dtype_qmin(dtype), hi = dtype_qmax(dtype);
  OCTET_CHECK(zero_point >= lo && zero_point <= hi, op, "output zero point must be in [", lo, ", ", hi, "] for ",
              dtype, ", got ", zero_point);
}

Tensor empty_output(const Shape& shape, DType dtype, double scale, int64_t zero_point) {
  return octet::detail::empty_quantized(shape, Quantizer::per_tensor(dtype, scale, zero_point), /*zero_fill=*/false);
}

namespace {
bool channels_last(const Tensor& x) {
  return (x.dim() == 4 || x.dim() == 5) && qops_detail::is_channels_last(x, /*batched=*/true);
}
}  // namespace

bool is_dense(const Tensor& x) { return x.is_contiguous() || channels_last(x); }

Tensor dense_input(const Tensor& x) { return is_dense(x) ? x : x.contiguous(); }

Tensor empty_like_dense(const Tensor& x, QuantizerPtr quantizer) {
  if (!x.is_contiguous() && channels_last(x)) {
    return qops_detail::empty_channels_last(x.shape(), std::move(quantizer), /*batched=*/true);
  }
  return octet::detail::empty_quantized(x.shape(), std::move(quantizer), /*zero_fill=*/false);
}

Tensor apply_table(const Tensor& x, const uint8_t table[256], const QuantizerPtr& out) {
  const Tensor xc = dense_input(x);
  Tensor y = empty_like_dense(xc, out);
  const auto* px = static_cast<const uint8_t*>(xc.raw_data());
  auto* py = static_cast<uint8_t*>(y.raw_data());
  const kernels::x8_lut_fn lut = kernels::qelementwise_kernels().x8_lut;
  parallel_for(xc.numel(), kGrain, [&](int64_t b, int64_t e) {
    lut(static_cast<size_t>(e - b), px + b, py + b, table);
  }, /*align=*/64);
  return y;
}

Tensor apply_clamp(const Tensor& x, int32_t min, int32_t max) {
  const Tensor xc = dense_input(x);
  Tensor y = empty_like_dense(xc, xc.quantizer());
  const kernels::QClampParams p{min, max};
  const auto& k = kernels::qelementwise_kernels();
  if (xc.dtype() == DType::QUInt8) {
    const uint8_t* px = xc.data_ptr<uint8_t>();
    uint8_t* py = y.data_ptr<uint8_t>();
    parallel_for(xc.numel(), kGrain, [&](int64_t b, int64_t e) {
      k.qu8_vclamp(static_cast<size_t>(e - b), px + b, py + b, &p);
    }, /*align=*/64);
  } else {
    const int8_t* px = xc.data_ptr<int8_t>();
    int8_t* py = y.data_ptr<int8_t>();
    parallel_for(xc.numel(), kGrain, [&](int64_t b, int64_t e) {
      k.qs8_vclamp(static_cast<size_t>(e - b), px + b, py + b, &p);
    }, /*align=*/64);
  }
  return y;
}

Tensor copy_with_qparams(const Tensor& x, const QuantizerPtr& out) {
  const Tensor xc = dense_input(x);
  Tensor y = empty_like_dense(xc, out);
  const auto* px = static_cast<const uint8_t*>(xc.raw_data());
  auto* py = static_cast<uint8_t*>(y.raw_data());
  parallel_for(xc.numel(), kGrain, [&](int64_t b, int64_t e) {
    std::memcpy(py + b, px + b, static_cast<size_t>(e - b));
  }, /*align=*/64);
  return y;
}

void build_table(const QOperand& x, double out_scale, int64_t out_zero_point, const kernels::LutFunctionParams& f,
                 kernels::LutDequantize dequantize, uint8_t table[256]) {
  const kernels::LutQParams q{x.is_signed(),
                              x.scale_f,
                              x.zero_point,
                              static_cast<float>(out_scale),
                              static_cast<int32_t>(out_zero_point),
                              static_cast<int32_t>(dtype_qmin(x.dtype)),
                              static_cast<int32_t>(dtype_qmax(x.dtype)),
                              dequantize};
  kernels::build_x8_lut_table(q, f, table);
}

}  // namespace octet::quantized::detail
