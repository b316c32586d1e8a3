// linear_prepack.cpp: linear_prepack, LinearPackedParams (unpack, accessors) and the per-call requantization constants.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/tensor_impl.h"
#include "octet/qparams.h"
#include "ops/quantized/linear_packed.h"

namespace octet::quantized {
namespace {

void check_weight(const Tensor& w, const char* where) {
  OCTET_CHECK(w.defined(), where, "the weight is an undefined tensor");
  OCTET_CHECK(w.is_quantized(), where, "expected a quantized qint8 weight, got ", w.dtype(),
              ": quantize it first (quantize_per_tensor or quantize_per_channel along axis 0)");
  OCTET_CHECK(w.dtype() == kQInt8, where, "expected a qint8 weight, got ", w.dtype());
  OCTET_CHECK(w.dim() == 2, where, "expected a 2-D weight [out_features, in_features], got shape ",
              shape_to_string(w.shape()));
  const QScheme s = w.qscheme();
  OCTET_CHECK(s != QScheme::PerChannelAffineFloatQParams, where,
              "float zero points (per_channel_affine_float_qparams) are for embeddings, not linear weights");
  if (is_per_channel(s)) {
    OCTET_CHECK(w.q_per_channel_axis() == 0, where,
                "a per-channel weight must be quantized along axis 0 (one scale per output feature), got axis ",
                w.q_per_channel_axis());
  }
}

}  // namespace

LinearPackedParams::LinearPackedParams(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::pair<Tensor, Tensor> LinearPackedParams::unpack() const {
  const Impl& p = *impl_;
  Tensor w = detail::empty_quantized({p.gemm.n(), p.gemm.k()}, p.quantizer, /*zero_fill=*/false);
  if (!p.gemm.weights().empty()) std::memcpy(w.data_ptr<int8_t>(), p.gemm.weights().data(), p.gemm.weights().size());
  return {w, p.bias.defined() ? p.bias.clone() : Tensor()};
}

const QuantizerPtr& LinearPackedParams::weight_quantizer() const { return impl_->quantizer; }
const Tensor& LinearPackedParams::bias() const { return impl_->bias; }
int64_t LinearPackedParams::in_features() const { return impl_->gemm.k(); }
int64_t LinearPackedParams::out_features() const { return impl_->gemm.n(); }

LinearPackedParamsPtr linear_prepack(const Tensor& w_q, const Tensor& bias) {
  const char* where = "quantized::linear_prepack";
  check_weight(w_q, where);
  const int64_t n = w_q.size(0), k = w_q.size(1);
  const QuantizerPtr& qz = w_q.quantizer();
  std::vector<double> scales;
  std::vector<int32_t> zps;
  if (qz->per_channel()) {
    scales = qz->scales();
    for (int64_t z : qz->zero_points()) zps.push_back(static_cast<int32_t>(z));
  } else {
    scales.assign(static_cast<size_t>(n), qz->scale());
    zps.push_back(static_cast<int32_t>(qz->zero_point()));
  }
  // The Quantizer has checked every scale: a positive finite float32 with a finite reciprocal.
  Tensor b;
  std::vector<float> bias_values;
  if (bias.defined()) {
    OCTET_CHECK(bias.is_floating_point(), where, "expected a floating-point bias, got ", bias.dtype(),
                " (the bias stays float and is quantized per call with the input's scale)");
    OCTET_CHECK(bias.dim() == 1 && bias.size(0) == n, where, "expected a bias of shape [", n,
                "] (out_features), got shape ", shape_to_string(bias.shape()));
    b = bias.to(kFloat32).contiguous().clone();
    const float* d = b.data_ptr<float>();
    bias_values.assign(d, d + n);
    for (int64_t j = 0; j < n; ++j) {
      OCTET_CHECK(std::isfinite(d[j]), where, "bias[", j, "] is ", d[j], "; a bias must be finite");
    }
  }
  const Tensor wc = w_q.contiguous();
  auto impl = std::make_shared<LinearPackedParams::Impl>(n, k, wc.data_ptr<int8_t>(), zps);
  impl->quantizer = qz;
  impl->scales = std::move(scales);
  impl->bias = b;
  impl->bias_values = std::move(bias_values);
  return std::make_shared<const LinearPackedParams>(std::move(impl));
}

std::shared_ptr<const LinearRequant> LinearPackedParams::Impl::requant(double input_scale, double output_scale,
                                                                      const char* where) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_ != nullptr && last_->input_scale == input_scale && last_->output_scale == output_scale) return last_;
  }
  auto r = std::make_shared<LinearRequant>();
  r->input_scale = input_scale;
  r->output_scale = output_scale;
  const size_t n = scales.size();
  r->multiplier.resize(n);
  for (size_t j = 0; j < n; ++j) {
    // In double, rounded to float32 once: (sa * sw[j]) / out_scale.
    const auto m = static_cast<float>(input_scale * scales[j] / output_scale);
    OCTET_CHECK(std::isfinite(m) && m > 0, where, "the requantization multiplier input_scale * weight_scale / "
                "output_scale = ", input_scale, " * ", scales[j], " / ", output_scale, " (output feature ", j,
                ") is not a positive finite float32 value");
    r->multiplier[j] = m;
  }
  if (!bias_values.empty()) {
    r->bias_q.resize(n);
    for (size_t j = 0; j < n; ++j) {
      // The qint32 quantize rule with zero point 0 and scale (float)(sa * sw[j]).
      const auto bs = static_cast<float>(input_scale * scales[j]);
      OCTET_CHECK(bs > 0 && std::isfinite(1.0f / bs), where, "the bias scale input_scale * weight_scale = ",
                  input_scale, " * ", scales[j], " (output feature ", j,
                  ") has no finite float32 reciprocal, so the bias cannot be quantized");
      r->bias_q[j] = static_cast<int32_t>(quantize_value(bias_values[j], bs, 0, std::numeric_limits<int32_t>::min(),
                                                         std::numeric_limits<int32_t>::max()));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = r;
  return r;
}

}  // namespace octet::quantized
