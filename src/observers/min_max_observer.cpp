// min_max_observer.cpp: MinMaxObserver, the running min and max of everything observed.
#include "octet/quantization/min_max_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nn/py_repr.h"
#include "observers/observer_util.h"
#include "observers/range_scan.h"

namespace octet::quantization {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

QParamsConfig config_of(const MinMaxObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

}  // namespace

MinMaxObserver::MinMaxObserver(const MinMaxObserverOptions& options) : MinMaxObserver(options, "MinMaxObserver") {}

MinMaxObserver::MinMaxObserver(const MinMaxObserverOptions& options, const char* observer_name)
    : Cloneable(config_of(options), options.skip_nan, /*per_channel=*/false, observer_name, options.is_dynamic),
      options_(options) {
  register_buffer("min_val", &MinMaxObserver::min_val, detail::float_scalar(kInf));
  register_buffer("max_val", &MinMaxObserver::max_val, detail::float_scalar(-kInf));
}

FiniteRange MinMaxObserver::batch_range(const Tensor& input) {
  check_input(input, "observe");
  if (input.numel() == 0) return {};
  // Order does not matter for a min and max, so a dense tensor of any layout is scanned as its
  // memory in one pass.
  if (const float* data = detail::dense_span(input)) return finite_range(data, input.numel());
  // A strided view with gaps: the per-channel scan along dim 0 walks its strides (no copy), then
  // the channels are reduced.
  std::vector<float> lo(static_cast<std::size_t>(input.size(0)), kInf);
  std::vector<float> hi(static_cast<std::size_t>(input.size(0)), -kInf);
  NonFiniteCounts counts;
  detail::channel_minmax(input, 0, lo.data(), hi.data(), counts);
  apply_non_finite_policy(counts, input.numel());
  FiniteRange r{kInf, -kInf, false};
  for (std::size_t c = 0; c < lo.size(); ++c) {
    r.min = std::min(r.min, lo[c]);
    r.max = std::max(r.max, hi[c]);
  }
  r.found = r.min <= r.max;
  return r;
}

void MinMaxObserver::observe(const Tensor& input) {
  const FiniteRange r = batch_range(input);
  if (!r.found) return;
  float* lo = min_val.data_ptr<float>();
  float* hi = max_val.data_ptr<float>();
  *lo = std::min(r.min, *lo);
  *hi = std::max(r.max, *hi);
}

bool MinMaxObserver::has_observed() const { return min_val.item<float>() <= max_val.item<float>(); }

QParamsTensors MinMaxObserver::calculate_qparams() const {
  check_observed();
  QParams q;
  try {
    q = choose_qparams(min_val.item<float>(), max_val.item<float>(), qparams_config());
  } catch (const Error& e) {
    OCTET_FAIL("calculate_qparams", name(), ": ", e.message());
  }
  return {detail::float_scalar(static_cast<float>(q.scale)), detail::int64_scalar(q.zero_point)};
}

void MinMaxObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const MinMaxObserver&>(other);
  add_non_finite(o.non_finite());
  if (!o.has_observed()) return;
  float* lo = min_val.data_ptr<float>();
  float* hi = max_val.data_ptr<float>();
  *lo = std::min(*lo, o.min_val.item<float>());
  *hi = std::max(*hi, o.max_val.item<float>());
}

void MinMaxObserver::reset() {
  min_val.fill_(kInf);
  max_val.fill_(-kInf);
  clear_non_finite();
}

void MinMaxObserver::check_state(const nn::StateDict& buffers) const {
  check_range_state(buffers);
}

std::string MinMaxObserver::extra_repr() const {
  std::string out = "min_val=";
  out.append(nn::detail::py_float_repr(min_val.item<float>()))
      .append(", max_val=")
      .append(nn::detail::py_float_repr(max_val.item<float>()));
  return out;
}

}  // namespace octet::quantization
