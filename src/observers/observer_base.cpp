// observer_base.cpp: what every observer shares: option checks, the finite-range scan with its
// NaN/inf policy, merge checks, state() and load_state(), printing.
#include "octet/quantization/observer.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

#include "nn/py_repr.h"
#include "ops/float_range.h"

namespace octet::quantization {

namespace {

const char* const kCountKeys[] = {"nan_count", "pos_inf_count", "neg_inf_count"};

Tensor int64_scalar(int64_t v) {
  Tensor t = zeros({}, kInt64);
  *t.data_ptr<int64_t>() = v;
  return t;
}

bool is_count_key(const std::string& key) {
  for (const char* k : kCountKeys) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

ObserverBase::ObserverBase(const QParamsConfig& config, bool skip_nan, bool per_channel, const char* observer_name,
                           bool is_dynamic)
    : config_(config), skip_nan_(skip_nan), is_dynamic_(is_dynamic) {
  const char* where = observer_name;
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
  try {
    qrange_ = calculate_qmin_qmax(config.dtype, config.reduce_range, config.quant_min, config.quant_max);
  } catch (const Error& e) {
    OCTET_FAIL(where, e.message());
  }
  // PyTorch's UniformQuantizationObserverBase registers eps first, so state dicts read
  // {eps, <statistics>} in both.
  register_buffer("eps", full({1}, static_cast<double>(config.eps), kFloat32));
}

ObserverBase::ObserverBase(PassThrough, const QParamsConfig& config, bool is_dynamic, const char* observer_name)
    : config_(config), is_dynamic_(is_dynamic) {
  const char* where = observer_name;
  OCTET_CHECK(config.quant_min.has_value() == config.quant_max.has_value(), where,
              "quant_min and quant_max must be given together");
  if (is_quantized(config.dtype)) {
    try {
      qrange_ = calculate_qmin_qmax(config.dtype, config.reduce_range, config.quant_min, config.quant_max);
    } catch (const Error& e) {
      OCTET_FAIL(where, e.message());
    }
  } else if (config.quant_min.has_value()) {
    OCTET_CHECK(*config.quant_min < *config.quant_max, where, "quant_min (", *config.quant_min,
                ") must be less than quant_max (", *config.quant_max, ")");
    qrange_ = {*config.quant_min, *config.quant_max};
  }
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
  apply_non_finite_policy(counts, n);
  if (r.found) {
    r.min = lo;
    r.max = hi;
  }
  return r;
}

void ObserverBase::apply_non_finite_policy(const NonFiniteCounts& counts, int64_t numel) {
  OCTET_CHECK(counts.nan == 0 || skip_nan_, "observe", name(), ": the observed data has ", counts.nan,
              " NaN value(s) (of ", numel,
              "); fix the data or construct the observer with skip_nan = true to skip them");
  add_non_finite(counts);
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
                  qrange_.qmin == other.qrange_.qmin && qrange_.qmax == other.qrange_.qmax && a.eps == b.eps &&
                  is_dynamic_ == other.is_dynamic_,
              "merge", name(), ": the other observer has different options (dtype, qscheme, reduce_range, "
              "quant range, eps or is_dynamic)");
}

void ObserverBase::check_observed() const {
  OCTET_CHECK(has_observed(), "calculate_qparams", name(),
              " has observed no finite value: run calibration data through the model before converting "
              "(PyTorch would silently use scale 1.0, zero point 0)");
}

nn::StateDict ObserverBase::state() const {
  nn::StateDict out;
  for (const auto& [key, value] : named_buffers(false)) out.insert(key, value.clone());
  out.insert(kCountKeys[0], int64_scalar(non_finite_.nan));
  out.insert(kCountKeys[1], int64_scalar(non_finite_.pos_inf));
  out.insert(kCountKeys[2], int64_scalar(non_finite_.neg_inf));
  return out;
}

bool ObserverBase::state_shape_may_change(const std::string&) const { return false; }

void ObserverBase::check_state(const nn::StateDict&) const {}

bool ObserverBase::check_range_state(const nn::StateDict& buffers) const {
  const float lo = buffers.at("min_val").item<float>();
  const float hi = buffers.at("max_val").item<float>();
  const float inf = std::numeric_limits<float>::infinity();
  const bool unobserved = lo == inf && hi == -inf;
  const bool observed = std::isfinite(lo) && std::isfinite(hi) && lo <= hi;
  OCTET_CHECK(unobserved || observed, "load_state", name(), ": min_val=", lo, ", max_val=", hi,
              " is not a state it can be in (finite with min_val <= max_val, or +inf/-inf before observing)");
  return observed;
}

void ObserverBase::check_state_tensor(const std::string& key, const Tensor& own, const Tensor& value,
                                      const char* where) const {
  OCTET_CHECK(value.defined(), where, name(), ": '", key, "' in the state is undefined");
  const bool shape_ok = value.shape() == own.shape() || (state_shape_may_change(key) && value.dim() == own.dim());
  OCTET_CHECK(shape_ok, where, name(), ": '", key, "' has shape ", shape_to_string(value.shape()),
              " in the state, the observer's is ", shape_to_string(own.shape()));
  if (key == "eps") {
    // eps is an option: a state made with another eps belongs to a differently configured observer.
    const float loaded = value.to(kFloat32).contiguous().data_ptr<float>()[0];
    OCTET_CHECK(loaded == config_.eps, where, name(), ": the state has eps=", loaded,
                " but this observer was constructed with eps=", config_.eps);
  }
}

void ObserverBase::load_state(const nn::StateDict& state) {
  const char* where = "load_state";
  NonFiniteCounts counts;
  int64_t* fields[] = {&counts.nan, &counts.pos_inf, &counts.neg_inf};
  for (int i = 0; i < 3; ++i) {
    const Tensor* value = state.find(kCountKeys[i]);
    OCTET_CHECK(value != nullptr, where, name(), ": the state has no '", kCountKeys[i], "'");
    OCTET_CHECK(value->defined() && value->numel() == 1 && value->dtype() == kInt64, where, name(), ": '",
                kCountKeys[i], "' must be a one-element int64 tensor");
    *fields[i] = value->item<int64_t>();
    OCTET_CHECK(*fields[i] >= 0, where, name(), ": '", kCountKeys[i], "' must be >= 0, got ", *fields[i]);
  }
  // Buffers may change shape (a per-channel observer learns its channel count from data), so they
  // are replaced, not copied into; the key sets must still match exactly.
  const nn::OrderedDict<Tensor> own = named_buffers(false);
  for (const auto& [key, value] : own) {
    OCTET_CHECK(state.contains(key), where, name(), ": the state has no '", key, "'");
  }
  nn::StateDict incoming;
  for (const auto& [key, value] : state) {
    if (is_count_key(key)) continue;
    const Tensor* mine = own.find(key);
    OCTET_CHECK(mine != nullptr, where, name(), ": unexpected key '", key, "' in the state");
    check_state_tensor(key, *mine, value, where);
    OCTET_CHECK(value.dtype() == mine->dtype(), where, name(), ": '", key, "' has dtype ", dtype_name(value.dtype()),
                " in the state, the observer's is ", dtype_name(mine->dtype()));
    incoming.insert(key, value.clone());
  }
  check_state(incoming);
  for (const auto& [key, value] : incoming) set_buffer(key, value);
  non_finite_ = counts;
}

void ObserverBase::load_from_state_dict(nn::StateDictLoad& load, const std::string& prefix) {
  const char* where = "load_state_dict";
  std::unordered_set<std::string> local;
  nn::StateDict incoming;
  bool ok = true;
  for (const auto& [buffer_name, own] : state_dict()) {  // this observer's persistent buffers
    local.insert(buffer_name);
    const std::string key = prefix + buffer_name;
    const Tensor* src = load.state_dict.find(key);
    if (src == nullptr) {
      load.missing_keys.push_back(key);
      ok = false;
      continue;
    }
    try {
      check_state_tensor(buffer_name, own, *src, where);
      incoming.insert(buffer_name, src->to(own.dtype()).clone());
    } catch (const Error& e) {
      load.error_msgs.push_back(e.what());
      ok = false;
    }
  }
  for (const auto& [key, value] : load.state_dict) {
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    if (local.count(key.substr(prefix.size())) == 0) load.unexpected_keys.push_back(key);
  }
  if (!ok) return;
  // Validate the whole new state now, so that a bad state fails before anything is copied.
  nn::StateDict full_state;
  for (const auto& [key, value] : named_buffers(false)) {
    const Tensor* v = incoming.find(key);
    full_state.insert(key, v != nullptr ? *v : value);
  }
  try {
    check_state(full_state);
  } catch (const Error& e) {
    load.error_msgs.push_back(e.what());
    return;
  }
  load.copies.push_back([this, incoming]() {
    for (const auto& [key, value] : incoming) set_buffer(key, value);
  });
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
    if (key == "eps" || !value.defined() || value.numel() != 1) continue;
    if (!first) os << ", ";
    first = false;
    os << key << "=" << nn::detail::py_float_repr(value.item<double>());
  }
  return os.str();
}

}  // namespace octet::quantization
