// moving_average_observer.cpp: MovingAverageMinMaxObserver, the float32 moving average of each
// batch's min and max, and its batch-count-weighted merge.
#include <algorithm>
#include <limits>

#include "octet/quantization/min_max_observer.h"
#include "observers/observer_util.h"

namespace octet::quantization {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr const char* kName = "MovingAverageMinMaxObserver";

MinMaxObserverOptions min_max_options(const MovingAverageMinMaxObserverOptions& o) {
  detail::check_averaging_constant(o.averaging_constant, o.is_dynamic, kName);
  return MinMaxObserverOptions{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps, o.is_dynamic,
                               o.skip_nan};
}

}  // namespace

MovingAverageMinMaxObserver::MovingAverageMinMaxObserver(const MovingAverageMinMaxObserverOptions& options)
    : Cloneable(min_max_options(options), kName), averaging_constant_(options.averaging_constant) {
  register_buffer("num_batches", &MovingAverageMinMaxObserver::num_batches, detail::int64_scalar(0),
                  /*persistent=*/false);
}

void MovingAverageMinMaxObserver::observe(const Tensor& input) {
  const FiniteRange r = batch_range(input);
  if (!r.found) return;
  float lo = min_val.item<float>();
  float hi = max_val.item<float>();
  if (lo == kInf && hi == -kInf) {  // PyTorch's test for the first batch
    lo = r.min;
    hi = r.max;
  } else {
    // PyTorch: min_val + averaging_constant * (min_val_cur - min_val) on float32 0-d tensors, the
    // Python float constant cast to float32; one rounding per operation (no FMA: the build
    // forbids contraction).
    const auto c = static_cast<float>(averaging_constant_);
    lo = lo + c * (r.min - lo);
    hi = hi + c * (r.max - hi);
  }
  min_val.fill_(lo);
  max_val.fill_(hi);
  num_batches.fill_(static_cast<double>(batches_observed() + 1));
}

void MovingAverageMinMaxObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const MovingAverageMinMaxObserver&>(other);
  OCTET_CHECK(o.averaging_constant_ == averaging_constant_, "merge", name(),
              ": the other observer has averaging_constant ", o.averaging_constant_, ", this one ",
              averaging_constant_);
  add_non_finite(o.non_finite());
  if (!o.has_observed()) return;
  float* lo = min_val.data_ptr<float>();
  float* hi = max_val.data_ptr<float>();
  int64_t* count = num_batches.data_ptr<int64_t>();
  const int64_t m = std::max<int64_t>(detail::count_of(o.num_batches), 1);
  if (!has_observed()) {
    *lo = o.min_val.item<float>();
    *hi = o.max_val.item<float>();
    *count = m;
    return;
  }
  const int64_t n = std::max<int64_t>(*count, 1);
  *lo = detail::weighted_mean(*lo, n, o.min_val.item<float>(), m);
  *hi = detail::weighted_mean(*hi, n, o.max_val.item<float>(), m);
  *count = n + m;
}

void MovingAverageMinMaxObserver::check_state(const nn::StateDict& buffers) const {
  MinMaxObserver::check_state(buffers);
  const Tensor& count = buffers.at("num_batches");
  OCTET_CHECK(count.item<int64_t>() >= 0, "load_state", name(), ": num_batches must be >= 0, got ",
              count.item<int64_t>());
}

void MovingAverageMinMaxObserver::reset() {
  MinMaxObserver::reset();
  num_batches.fill_(0);
}

}  // namespace octet::quantization
