// linear.cpp: quantized linear, linear_relu, linear_dynamic and linear_relu_dynamic on the 8-bit GEMM driver.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/tensor_impl.h"
#include "octet/qparams.h"
#include "octet/quantize.h"
#include "ops/float_range.h"
#include "ops/quantized/linear_packed.h"

namespace octet::quantized {
namespace {

const LinearPackedParams::Impl& packed_impl(const LinearPackedParamsPtr& packed, const char* where) {
  OCTET_CHECK(packed != nullptr, where,
              "the packed weights are null: pack the quantized weight with linear_prepack(w_q, bias) first");
  return packed->impl();
}

// The input as rows: (*, in_features) -> m rows of k, and the output shape (*, out_features).
struct Rows {
  int64_t m = 0;
  Shape out_shape;
};

Rows input_rows(const Tensor& x, const LinearPackedParams::Impl& p, const char* where) {
  OCTET_CHECK(x.dim() >= 1, where, "expected an input of rank >= 1 (*, in_features), got a 0-dim tensor");
  const int64_t k = p.gemm.k();
  OCTET_CHECK(x.size(-1) == k, where, "the input has ", x.size(-1), " features (last dim of shape ",
              shape_to_string(x.shape()), ") but the weight expects in_features = ", k);
  Rows r;
  r.out_shape = x.shape();
  r.out_shape.back() = p.gemm.n();
  r.m = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1), where);
  return r;
}


Tensor linear_static(const Tensor& x_q, const LinearPackedParamsPtr& packed, double out_scale, int64_t out_zero_point,
                     bool relu, const char* where) {
  const LinearPackedParams::Impl& p = packed_impl(packed, where);
  OCTET_CHECK(x_q.defined(), where, "the input is an undefined tensor");
  OCTET_CHECK(x_q.is_quantized(), where, "expected a quantized input (quint8 or qint8), got ", x_q.dtype(),
              ": quantize it first (quantize_per_tensor), or call linear_dynamic for float inputs");
  const DType dt = x_q.dtype();
  OCTET_CHECK(dt == kQUInt8 || dt == kQInt8, where, "expected a quint8 or qint8 input, got ", dt);
  OCTET_CHECK(!is_per_channel(x_q.qscheme()), where, "expected a per-tensor quantized input, got ",
              x_q.qscheme());
  const auto out_scale_f = static_cast<float>(out_scale);
  OCTET_CHECK(std::isfinite(out_scale) && out_scale > 0 && out_scale_f > 0 && std::isfinite(1.0f / out_scale_f), where,
              "the output scale must be finite and > 0 (and representable in float32), got ", out_scale);
  const int64_t qmin = dtype_qmin(dt), qmax = dtype_qmax(dt);
  OCTET_CHECK(out_zero_point >= qmin && out_zero_point <= qmax, where, "the output zero point ", out_zero_point,
              " is outside ", dt, "'s range [", qmin, ", ", qmax, "]");
  const Rows rows = input_rows(x_q, p, where);
  const std::shared_ptr<const LinearRequant> rq = p.requant(x_q.q_scale(), out_scale, where);

  Tensor y = detail::empty_quantized(rows.out_shape, Quantizer::per_tensor(dt, out_scale, out_zero_point),
                                     /*zero_fill=*/false);
  if (rows.m == 0 || p.gemm.n() == 0) return y;
  const Tensor xc = x_q.contiguous();
  ops::QGemmActivations a;
  a.data = static_cast<const uint8_t*>(xc.raw_data());
  a.stride = p.gemm.k();
  a.zero_point = static_cast<int32_t>(x_q.q_zero_point());
  a.is_signed = dt == kQInt8;
  ops::QGemmOutputSpec out;
  out.stage = dt == kQInt8 ? kernels::QGemmOutput::QS8 : kernels::QGemmOutput::QU8;
  out.c = y.raw_data();
  out.c_stride = p.gemm.n();
  out.multiplier = rq->multiplier.data();
  out.zero_point = static_cast<int32_t>(out_zero_point);
  out.qmin = static_cast<int32_t>(relu ? out_zero_point : qmin);
  out.qmax = static_cast<int32_t>(qmax);
  ops::qgemm(rows.m, a, p.gemm, rq->bias_q.empty() ? nullptr : rq->bias_q.data(), out);
  return y;
}

Tensor linear_dynamic_impl(const Tensor& x, const LinearPackedParamsPtr& packed, bool reduce_range, bool relu,
                           const char* where) {
  const LinearPackedParams::Impl& p = packed_impl(packed, where);
  OCTET_CHECK(x.defined(), where, "the input is an undefined tensor");
  OCTET_CHECK(x.is_floating_point(), where, "expected a floating-point input, got ", x.dtype(),
              x.is_quantized() ? ": linear_dynamic quantizes its input itself; call linear for quantized inputs" : "");
  const Rows rows = input_rows(x, p, where);
  Tensor y = detail::empty_uninitialized(rows.out_shape, kFloat32);
  if (rows.m == 0 || p.gemm.n() == 0) return y;
  const Tensor xf = x.to(kFloat32).contiguous();

  // Activation qparams by the dynamic rule over the whole input (PyTorch's x86 engine: quint8).
  // in_features = 0 leaves nothing to scan: the range [0, 0] (the output is then the bias).
  const ops::FloatRange range = xf.numel() > 0 ? ops::float_range(xf.data_ptr<float>(), xf.numel()) : ops::FloatRange{};
  OCTET_CHECK(range.finite, where, "the input contains NaN or infinity; its range cannot give quantization parameters");
  const float lo = range.lo, hi = range.hi;
  const QParams qp = choose_qparams_dynamic(lo, hi, dtype_qmin(kQUInt8), dtype_qmax(kQUInt8), reduce_range);
  const Tensor xq = quantize_per_tensor(xf, qp.scale, qp.zero_point, kQUInt8);

  const size_t n = p.scales.size();
  std::vector<float> scale(n);
  for (size_t j = 0; j < n; ++j) {
    scale[j] = static_cast<float>(qp.scale * p.scales[j]);  // in double, rounded once
    OCTET_CHECK(std::isfinite(scale[j]), where, "input_scale * weight_scale = ", qp.scale, " * ", p.scales[j],
                " (output feature ", j, ") overflows float32");
  }
  ops::QGemmActivations a;
  a.data = xq.data_ptr<uint8_t>();
  a.stride = p.gemm.k();
  a.zero_point = static_cast<int32_t>(qp.zero_point);
  ops::QGemmOutputSpec out;
  out.stage = kernels::QGemmOutput::F32;
  out.c = y.raw_data();
  out.c_stride = static_cast<int64_t>(p.gemm.n() * sizeof(float));
  out.scale = scale.data();
  out.bias = p.bias_values.empty() ? nullptr : p.bias_values.data();
  if (relu) out.min = 0.0f;
  ops::qgemm(rows.m, a, p.gemm, nullptr, out);
  return y;
}

}  // namespace

Tensor linear(const Tensor& x_q, const LinearPackedParamsPtr& packed, double out_scale, int64_t out_zero_point) {
  return linear_static(x_q, packed, out_scale, out_zero_point, /*relu=*/false, "quantized::linear");
}

Tensor linear_relu(const Tensor& x_q, const LinearPackedParamsPtr& packed, double out_scale, int64_t out_zero_point) {
  return linear_static(x_q, packed, out_scale, out_zero_point, /*relu=*/true, "quantized::linear_relu");
}

Tensor linear_dynamic(const Tensor& x, const LinearPackedParamsPtr& packed, bool reduce_range) {
  return linear_dynamic_impl(x, packed, reduce_range, /*relu=*/false, "quantized::linear_dynamic");
}

Tensor linear_relu_dynamic(const Tensor& x, const LinearPackedParamsPtr& packed, bool reduce_range) {
  return linear_dynamic_impl(x, packed, reduce_range, /*relu=*/true, "quantized::linear_relu_dynamic");
}

}  // namespace octet::quantized
