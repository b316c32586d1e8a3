// observer_base.cpp: what every observer shares: option checks, the finite-range scan with its
// NaN/inf policy, merge checks, state() and load_state(), printing.
#include "octet/quantization/observer.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <typeinfo>

#include "ops/float_range.h"

namespace octet::quantization {

namespace {

const char* const kCountKeys[] = {"nan_count", "pos_inf_count", "neg_inf_count"};

Tensor int64_scalar(int64_t v) {
  Tensor t = zeros({}, kInt64);
  *t.data_ptr<int64_t>() = v;
  return t;
}

}  // namespace

ObserverBase::ObserverBase(const QParamsConfig& config, bool skip_nan, bool per_channel)
    : config_(config), skip_nan_(skip_nan) {
  const char* where = "observer";
  const bool float_qparams = config.qscheme == kPerChannelAffineFloatQParams;
  OCTET_CHECK(config.dtype == kQUInt8 || config.dtype == kQInt8 || config.dtype == kQInt32 ||
                  (float_qparams && config.dtype == kQUInt4x2),
              where, "dtype must be quint8, qint8 or qint32 (or quint4x2 with per_channel_affine_float_qparams), got ",
              dtype_name(config.dtype));
  OCTET_CHECK(is_per_channel(config.qscheme) == per_channel, where, "qscheme ", qscheme_name(config.qscheme),
              " is not supported by a ", per_channel ? "per-channel" : "per-tensor", " observer");
  OCTET_CHECK(std::isfinite(config.eps) && config.eps > 0.0f, where, "eps must be a positive finite float, got ",
              config.eps);
  // PyTorch refuses this pair at construction: its zero point 128 would lie outside 0..127.
  OCTET_CHECK(!(config.reduce_range && config.dtype == kQUInt8 && is_symmetric(config.qscheme)), where,
              "cannot reduce range for symmetric quantization of quint8");
  qrange_ = calculate_qmin_qmax(config.dtype, config.reduce_range, config.quant_min, config.quant_max);
}

Tensor ObserverBase::forward(const Tensor& input) {
  observe(input);
  return input;
}

void ObserverBase::check_input(const Tensor& input, const char* where) const {
  OCTET_CHECK(input.defined(), where, name(), ": the input is undefined");
  OCTET_CHECK(input.dtype() == kFloat32, where, name(), ": observes float32 tensors, got ",
              dtype_name(input.dtype()));
}

FiniteRange ObserverBase::finite_range(const float* values, int64_t n) {
  FiniteRange r;
  if (n <= 0) return r;
  const ops::FloatRange fast = ops::float_range(values, n);
  if (fast.finite) return {fast.lo, fast.hi, true};
  // Slow path, only for data with NaN or inf: count, skip, and apply the NaN policy.
  NonFiniteCounts counts;
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    const float v = values[i];
    if (std::isnan(v)) {
      ++counts.nan;
    } else if (std::isinf(v)) {
      ++(v > 0 ? counts.pos_inf : counts.neg_inf);
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      r.found = true;
    }
  }
  OCTET_CHECK(counts.nan == 0 || skip_nan_, "observe", name(), ": the observed data has ", counts.nan,
              " NaN value(s) (of ", n, "); fix the data or construct the observer with skip_nan = true to skip them");
  add_non_finite(counts);
  if (r.found) {
    r.min = lo;
    r.max = hi;
  }
  return r;
}

void ObserverBase::add_non_finite(const NonFiniteCounts& counts) {
  non_finite_.nan += counts.nan;
  non_finite_.pos_inf += counts.pos_inf;
  non_finite_.neg_inf += counts.neg_inf;
}

void ObserverBase::check_mergeable(const ObserverBase& other) const {
  OCTET_CHECK(typeid(*this) == typeid(other), "merge", name(), " cannot merge a ", other.name());
  const QParamsConfig& a = config_;
  const QParamsConfig& b = other.config_;
  OCTET_CHECK(a.dtype == b.dtype && a.qscheme == b.qscheme && a.reduce_range == b.reduce_range &&
                  qrange_.qmin == other.qrange_.qmin && qrange_.qmax == other.qrange_.qmax && a.eps == b.eps,
              "merge", name(), ": the other observer has different options (dtype, qscheme, reduce_range, "
              "quant range or eps)");
}

void ObserverBase::check_observed() const {
  OCTET_CHECK(has_observed(), "calculate_qparams", name(),
              " has observed no finite value: run calibration data through the model before converting "
              "(PyTorch would silently use scale 1.0, zero point 0)");
}

nn::StateDict ObserverBase::state() const {
  nn::StateDict out;
  for (const auto& [key, value] : state_dict()) out.insert(key, value.clone());
  out.insert(kCountKeys[0], int64_scalar(non_finite_.nan));
  out.insert(kCountKeys[1], int64_scalar(non_finite_.pos_inf));
  out.insert(kCountKeys[2], int64_scalar(non_finite_.neg_inf));
  return out;
}

void ObserverBase::load_state(const nn::StateDict& state) {
  NonFiniteCounts counts;
  int64_t* fields[] = {&counts.nan, &counts.pos_inf, &counts.neg_inf};
  nn::StateDict buffers;
  for (const auto& [key, value] : state) {
    bool is_count = false;
    for (int i = 0; i < 3; ++i) {
      if (key == kCountKeys[i]) {
        OCTET_CHECK(value.defined() && value.numel() == 1, "load_state", name(), ": '", key,
                    "' must be a one-element tensor");
        *fields[i] = value.item<int64_t>();
        is_count = true;
      }
    }
    if (!is_count) buffers.insert(key, value);
  }
  for (const char* key : kCountKeys) {
    OCTET_CHECK(state.contains(key), "load_state", name(), ": the state has no '", key, "'");
  }
  // Buffers may change shape (a per-channel observer learns its channel count from data), so they
  // are replaced, not copied into; the key sets must still match exactly.
  const nn::StateDict own = state_dict();
  for (const auto& [key, value] : own) {
    OCTET_CHECK(buffers.contains(key), "load_state", name(), ": the state has no '", key, "'");
  }
  for (const auto& [key, value] : buffers) {
    OCTET_CHECK(own.contains(key), "load_state", name(), ": unexpected key '", key, "' in the state");
  }
  for (const auto& [key, value] : buffers) set_buffer(key, value.clone());
  non_finite_ = counts;
}

QuantizerPtr ObserverBase::quantizer() const {
  const QParamsTensors q = calculate_qparams();
  OCTET_CHECK(q.scale.numel() == 1, "quantizer", name(), " is per-channel and must override quantizer()");
  return Quantizer::per_tensor(config_.dtype, q.scale.item<double>(), q.zero_point.item<int64_t>());
}

std::string ObserverBase::extra_repr() const {
  std::ostringstream os;
  bool first = true;
  for (const auto& [key, value] : named_buffers(false)) {
    if (!value.defined() || value.numel() != 1) continue;
    if (!first) os << ", ";
    first = false;
    os << key << "=" << value.item<double>();
  }
  return os.str();
}

}  // namespace octet::quantization
