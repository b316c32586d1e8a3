// histogram_calibration.cpp: HistogramCalibrationObserver, the exactly mergeable histogram of the
// entropy, percentile and MSE observers.
#include "octet/quantization/histogram_calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nn/py_repr.h"
#include "observers/histogram_grid.h"
#include "observers/observer_util.h"
#include "observers/range_scan.h"

namespace octet::quantization {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The grid of an observed range: of [lo, hi], or of [0, max |x|] for an |x| histogram.
detail::HistogramGrid grid_of(float lo, float hi, bool abs_values, int64_t bins) {
  if (abs_values) return detail::histogram_grid(0.0f, std::max(std::fabs(lo), std::fabs(hi)), bins);
  return detail::histogram_grid(lo, hi, bins);
}

int64_t checked_bins(int64_t bins, const char* observer_name) {
  OCTET_CHECK(bins >= 2 && bins <= (int64_t{1} << 24), observer_name, "bins must be in [2, 2^24], got ", bins);
  return bins;
}

}  // namespace

double CalibrationHistogram::edge(int64_t i) const {
  return std::ldexp(static_cast<double>(offset + i), static_cast<int>(exponent));
}

double CalibrationHistogram::bin_width() const { return std::ldexp(1.0, static_cast<int>(exponent)); }

float CalibrationHistogram::value_min() const {
  if (!abs_values) return min_val;
  if (min_val >= 0.0f) return min_val;
  return max_val <= 0.0f ? -max_val : 0.0f;
}

float CalibrationHistogram::value_max() const {
  return abs_values ? std::max(std::fabs(min_val), std::fabs(max_val)) : max_val;
}

int64_t CalibrationHistogram::total() const {
  int64_t t = 0;
  for (int64_t i = 0; i < bins; ++i) t += counts[i];
  return t;
}

HistogramCalibrationObserver::HistogramCalibrationObserver(const QParamsConfig& config, bool skip_nan, int64_t bins,
                                                           bool abs_values, const char* observer_name)
    : ObserverBase(config, skip_nan, /*per_channel=*/false, observer_name),
      bins_(checked_bins(bins, observer_name)),
      abs_values_(abs_values) {
  register_buffer("histogram", &HistogramCalibrationObserver::histogram, zeros({bins}, kInt64));
  register_buffer("min_val", &HistogramCalibrationObserver::min_val, detail::float_scalar(kInf));
  register_buffer("max_val", &HistogramCalibrationObserver::max_val, detail::float_scalar(-kInf));
}

bool HistogramCalibrationObserver::has_observed() const { return min_val.item<float>() <= max_val.item<float>(); }

void HistogramCalibrationObserver::observe(const Tensor& input) {
  check_input(input, "observe");
  if (input.numel() == 0) return;
  // Counts do not depend on the order of the values: a dense tensor is read as its memory.
  Tensor gathered;
  const float* data = detail::dense_span(input);
  if (data == nullptr) {
    gathered = input.contiguous();
    data = gathered.data_ptr<float>();
  }
  const int64_t n = input.numel();
  const FiniteRange batch = finite_range(data, n);
  if (!batch.found) return;
  int64_t* counts = histogram.data_ptr<int64_t>();
  const bool seen = has_observed();
  const float old_lo = min_val.item<float>(), old_hi = max_val.item<float>();
  const float lo = seen ? std::min(old_lo, batch.min) : batch.min;
  const float hi = seen ? std::max(old_hi, batch.max) : batch.max;
  const detail::HistogramGrid grid = grid_of(lo, hi, abs_values_, bins_);
  if (seen) {
    const detail::HistogramGrid old = grid_of(old_lo, old_hi, abs_values_, bins_);
    if (old.exponent != grid.exponent || old.offset != grid.offset) {
      std::vector<int64_t> moved(static_cast<size_t>(bins_));
      detail::regrid(counts, old, grid, bins_, moved.data());
      std::copy(moved.begin(), moved.end(), counts);
    }
  }
  detail::bin_values(data, n, abs_values_, grid, bins_, counts);
  min_val.fill_(lo);
  max_val.fill_(hi);
}

CalibrationHistogram HistogramCalibrationObserver::view() const {
  check_observed();
  const float lo = min_val.item<float>(), hi = max_val.item<float>();
  const detail::HistogramGrid grid = grid_of(lo, hi, abs_values_, bins_);
  return CalibrationHistogram{histogram.data_ptr<int64_t>(), bins_, grid.exponent, grid.offset, lo, hi, abs_values_};
}

QParamsTensors HistogramCalibrationObserver::calculate_qparams() const {
  check_observed();
  const auto [lo, hi] = calibrated_range();
  QParams q;
  try {
    q = choose_qparams(lo, hi, qparams_config());
  } catch (const Error& e) {
    OCTET_FAIL("calculate_qparams", name(), ": ", e.message());
  }
  return {detail::float_scalar(static_cast<float>(q.scale)), detail::int64_scalar(q.zero_point)};
}

void HistogramCalibrationObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const HistogramCalibrationObserver&>(other);
  OCTET_CHECK(o.bins_ == bins_, "merge", name(), ": the other observer has ", o.bins_, " bins, this one ", bins_);
  check_same_method(o);
  add_non_finite(o.non_finite());
  if (!o.has_observed()) return;
  int64_t* counts = histogram.data_ptr<int64_t>();
  const int64_t* theirs = o.histogram.data_ptr<int64_t>();
  const float olo = o.min_val.item<float>(), ohi = o.max_val.item<float>();
  if (!has_observed()) {
    std::copy(theirs, theirs + bins_, counts);
    min_val.fill_(olo);
    max_val.fill_(ohi);
    return;
  }
  const float mlo = min_val.item<float>(), mhi = max_val.item<float>();
  const float lo = std::min(mlo, olo), hi = std::max(mhi, ohi);
  const detail::HistogramGrid grid = grid_of(lo, hi, abs_values_, bins_);
  std::vector<int64_t> mine(static_cast<size_t>(bins_)), added(static_cast<size_t>(bins_));
  detail::regrid(counts, grid_of(mlo, mhi, abs_values_, bins_), grid, bins_, mine.data());
  detail::regrid(theirs, grid_of(olo, ohi, abs_values_, bins_), grid, bins_, added.data());
  for (int64_t i = 0; i < bins_; ++i) counts[i] = mine[static_cast<size_t>(i)] + added[static_cast<size_t>(i)];
  min_val.fill_(lo);
  max_val.fill_(hi);
}

void HistogramCalibrationObserver::reset() {
  histogram.fill_(0.0);
  min_val.fill_(kInf);
  max_val.fill_(-kInf);
  clear_non_finite();
}

void HistogramCalibrationObserver::check_state(const nn::StateDict& buffers) const {
  const bool observed = check_range_state(buffers);
  const Tensor h = buffers.at("histogram").to(kInt64).contiguous();
  const int64_t* p = h.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < h.numel(); ++i) {
    OCTET_CHECK(p[i] >= 0, "load_state", name(), ": histogram[", i, "] = ", p[i], " is not a count (>= 0)");
    total += p[i];
  }
  OCTET_CHECK(observed == (total > 0), "load_state", name(), ": the histogram holds ", total,
              " values but min_val/max_val say ", observed ? "something" : "nothing", " was observed");
}

std::string HistogramCalibrationObserver::extra_repr() const {
  std::string out = "bins=";
  out.append(std::to_string(bins_))
      .append(", min_val=")
      .append(nn::detail::py_float_repr(min_val.item<float>()))
      .append(", max_val=")
      .append(nn::detail::py_float_repr(max_val.item<float>()));
  return out;
}

}  // namespace octet::quantization
