// moving_average_per_channel_observer.cpp: MovingAveragePerChannelMinMaxObserver, the float32
// moving average of each channel's batch min and max, and its batch-count-weighted merge.
#include <algorithm>
#include <limits>
#include <vector>

#include "octet/quantization/per_channel_observer.h"
#include "observers/observer_util.h"

namespace octet::quantization {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr const char* kName = "MovingAveragePerChannelMinMaxObserver";

PerChannelMinMaxObserverOptions per_channel_options(const MovingAveragePerChannelMinMaxObserverOptions& o) {
  // is_dynamic is refused by the per-channel base (as PyTorch does), before this check matters.
  if (!o.is_dynamic) detail::check_averaging_constant(o.averaging_constant, false, kName);
  return PerChannelMinMaxObserverOptions{o.ch_axis, o.dtype,     o.qscheme,    o.reduce_range, o.quant_min,
                                         o.quant_max, o.eps,     o.is_dynamic, o.skip_nan};
}

}  // namespace

MovingAveragePerChannelMinMaxObserver::MovingAveragePerChannelMinMaxObserver(
    const MovingAveragePerChannelMinMaxObserverOptions& options)
    : Cloneable(per_channel_options(options), kName), averaging_constant_(options.averaging_constant) {
  register_buffer("num_batches", &MovingAveragePerChannelMinMaxObserver::num_batches, detail::int64_scalar(0),
                  /*persistent=*/false);
}

void MovingAveragePerChannelMinMaxObserver::observe(const Tensor& input) {
  std::vector<float> lo, hi;
  if (!batch_ranges(input, lo, hi)) return;
  ++*num_batches.data_ptr<int64_t>();
  if (!has_observed()) {  // PyTorch's first batch: min_val.numel() == 0
    set_ranges(lo, hi);
    return;
  }
  // PyTorch: min_val + averaging_constant * (min_val_cur - min_val), elementwise in float32 with
  // the constant cast to float32, one rounding per operation.
  const auto k = static_cast<float>(averaging_constant_);
  float* mn = min_val.data_ptr<float>();
  float* mx = max_val.data_ptr<float>();
  for (std::size_t c = 0; c < lo.size(); ++c) {
    if (!(lo[c] <= hi[c])) continue;  // no finite value of this channel in the batch
    if (mn[c] == kInf && mx[c] == -kInf) {
      mn[c] = lo[c];
      mx[c] = hi[c];
    } else {
      mn[c] = mn[c] + k * (lo[c] - mn[c]);
      mx[c] = mx[c] + k * (hi[c] - mx[c]);
    }
  }
}

void MovingAveragePerChannelMinMaxObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const MovingAveragePerChannelMinMaxObserver&>(other);
  check_mergeable_channels(o);
  OCTET_CHECK(o.averaging_constant_ == averaging_constant_, "merge", name(),
              ": the other observer has averaging_constant ", o.averaging_constant_, ", this one ",
              averaging_constant_);
  add_non_finite(o.non_finite());
  if (!o.has_observed()) return;
  int64_t* count = num_batches.data_ptr<int64_t>();
  const int64_t m = std::max<int64_t>(detail::count_of(o.num_batches), 1);
  if (!has_observed()) {
    set_buffer("min_val", o.min_val.clone());
    set_buffer("max_val", o.max_val.clone());
    *count = m;
    return;
  }
  const int64_t n = std::max<int64_t>(*count, 1);
  float* mn = min_val.data_ptr<float>();
  float* mx = max_val.data_ptr<float>();
  const float* omn = o.min_val.data_ptr<float>();
  const float* omx = o.max_val.data_ptr<float>();
  for (int64_t c = 0; c < num_channels(); ++c) {
    if (!(omn[c] <= omx[c])) continue;  // the other never saw this channel
    if (!(mn[c] <= mx[c])) {            // this one never did
      mn[c] = omn[c];
      mx[c] = omx[c];
      continue;
    }
    mn[c] = detail::weighted_mean(mn[c], n, omn[c], m);
    mx[c] = detail::weighted_mean(mx[c], n, omx[c], m);
  }
  *count = n + m;
}

void MovingAveragePerChannelMinMaxObserver::reset() {
  PerChannelMinMaxObserver::reset();
  num_batches.fill_(0);
}

void MovingAveragePerChannelMinMaxObserver::check_state(const nn::StateDict& buffers) const {
  PerChannelMinMaxObserver::check_state(buffers);
  OCTET_CHECK(buffers.at("num_batches").item<int64_t>() >= 0, "load_state", name(),
              ": num_batches must be >= 0, got ", buffers.at("num_batches").item<int64_t>());
}

}  // namespace octet::quantization
