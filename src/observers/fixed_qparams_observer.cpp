// fixed_qparams_observer.cpp: FixedQParamsObserver, qparams given at construction.
#include "octet/quantization/fixed_qparams_observer.h"

#include <cmath>

#include "observers/observer_util.h"

namespace octet::quantization {

namespace {

constexpr const char* kName = "FixedQParamsObserver";

QParamsConfig config_of(DType dtype, QScheme qscheme, int64_t quant_min, int64_t quant_max) {
  OCTET_CHECK(dtype == kQUInt8 || dtype == kQInt8 || dtype == kQInt32, kName,
              "dtype must be quint8, qint8 or qint32, got ", dtype_name(dtype));
  OCTET_CHECK(!is_per_channel(qscheme), kName, "only per-tensor qschemes are supported, got ",
              qscheme_name(qscheme));
  return QParamsConfig{dtype, qscheme, /*reduce_range=*/false, quant_min, quant_max, kFloat32Eps};
}

// An Error unless (scale, zero_point) is a usable pair for the range.
void check_qparams(float scale, int64_t zero_point, const QRange& r, const char* where, const char* who) {
  OCTET_CHECK(std::isfinite(scale) && scale > 0.0f, where, who, "scale must be finite and > 0 in float32, got ",
              scale);
  OCTET_CHECK(zero_point >= r.qmin && zero_point <= r.qmax, where, who, "zero_point ", zero_point,
              " is outside the quantization range [", r.qmin, ", ", r.qmax, "]");
}

}  // namespace

FixedQParamsObserver::FixedQParamsObserver(double scale_value, int64_t zero_point_value, DType dtype, QScheme qscheme,
                                           int64_t quant_min, int64_t quant_max)
    : Cloneable(PassThrough{}, config_of(dtype, qscheme, quant_min, quant_max), /*is_dynamic=*/false, kName) {
  const auto s = static_cast<float>(scale_value);
  check_qparams(s, zero_point_value, qrange(), kName, "");
  register_buffer("scale", &FixedQParamsObserver::scale, full({1}, s, kFloat32));
  register_buffer("zero_point", &FixedQParamsObserver::zero_point,
                  full({1}, static_cast<double>(zero_point_value), kInt32));
}

void FixedQParamsObserver::observe(const Tensor& input) {
  OCTET_CHECK(input.defined(), "observe", name(), ": the input is undefined");
}

QParamsTensors FixedQParamsObserver::calculate_qparams() const {
  return {detail::float_scalar(scale.item<float>()), detail::int64_scalar(zero_point.item<int64_t>())};
}

void FixedQParamsObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const FixedQParamsObserver&>(other);
  const bool same = o.scale.item<float>() == scale.item<float>() &&
                    o.zero_point.item<int64_t>() == zero_point.item<int64_t>();
  OCTET_CHECK(same,
              "merge", name(), ": the other observer has scale ", o.scale.item<float>(), ", zero_point ",
              o.zero_point.item<int64_t>(), "; this one ", scale.item<float>(), ", ", zero_point.item<int64_t>());
}

void FixedQParamsObserver::check_state(const nn::StateDict& buffers) const {
  const std::string who = name() + ": ";
  check_qparams(buffers.at("scale").item<float>(), buffers.at("zero_point").item<int64_t>(), qrange(), "load_state",
                who.c_str());
}

}  // namespace octet::quantization
