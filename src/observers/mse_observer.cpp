// mse_observer.cpp: MSEObserver and the exhaustive minimum-squared-error range search.
#include "octet/quantization/mse_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "observers/calibration_methods.h"

namespace octet::quantization {

namespace detail {

namespace {

using i128 = __int128;

// Prefix sums of the bins' integer moments: p0[i] = sum_{j<i} c_j, p1 = sum c_j j, p2 = sum c_j j^2,
// exact in 128-bit integers (counts up to 2^40 times j^2 up to 2^48).
struct Moments {
  std::vector<i128> p0, p1, p2;
  explicit Moments(const CalibrationHistogram& h)
      : p0(static_cast<size_t>(h.bins + 1), 0), p1(p0), p2(p0) {
    for (int64_t j = 0; j < h.bins; ++j) {
      const i128 c = h.counts[j];
      const auto s = static_cast<size_t>(j);
      p0[s + 1] = p0[s] + c;
      p1[s + 1] = p1[s] + c * j;
      p2[s + 1] = p2[s] + c * j * j;
    }
  }
};

// E(lo, hi) for window-local edge indices lo <= hi (possibly outside the window), in squared bin
// widths times 12 * steps^2, which makes every term an integer:
//   kept values:  step^2 / 12 each, step = span / steps        ->  kept * span^2
//   above hi:     E[(x - hi)^2] = (j - hi)^2 + (j - hi) + 1/3   ->  12 steps^2 (sum of the integer
//   below lo:     E[(lo - x)^2] = (lo - j)^2 - (lo - j) + 1/3       parts) + 4 steps^2 * clipped
// for values uniform in bin j = [j, j + 1); span = hi - lo (symmetric: 2 * hi).
struct ScaledError {
  i128 noise = 0;    // kept * span^2
  i128 clip = 0;     // sum of the clipped values' integer parts
  i128 clipped = 0;  // how many values are clipped
};

ScaledError error_parts(const Moments& m, int64_t bins, int64_t lo, int64_t hi, int64_t span) {
  const auto a = static_cast<size_t>(std::clamp<int64_t>(lo, 0, bins));
  const auto b = static_cast<size_t>(std::clamp<int64_t>(hi, 0, bins));
  const auto nb = static_cast<size_t>(bins);
  const i128 kept = m.p0[b] - m.p0[a];
  const i128 l0 = m.p0[a], l1 = m.p1[a], l2 = m.p2[a];
  const i128 r0 = m.p0[nb] - m.p0[b], r1 = m.p1[nb] - m.p1[b], r2 = m.p2[nb] - m.p2[b];
  const i128 L = lo, H = hi, S = span;
  ScaledError e;
  e.noise = kept * S * S;
  e.clip = (L * L * l0 - 2 * L * l1 + l2) - (L * l0 - l1) + (r2 - 2 * H * r1 + H * H * r0) + (r1 - H * r0);
  e.clipped = l0 + r0;
  return e;
}

// The error in squared bin widths.
long double to_error(const ScaledError& e, int64_t steps) {
  const long double s = static_cast<long double>(steps);
  return static_cast<long double>(e.noise) / (12.0L * s * s) + static_cast<long double>(e.clip) +
         static_cast<long double>(e.clipped) / 3.0L;
}

// Candidate comparison: exact in 128-bit integers (12 steps^2 E) while that cannot overflow
// (steps < 2^16, fewer than 2^40 values, bins <= 2^24 give terms below 2^124), so equal errors
// compare equal and the tie rule is exact; in long double beyond.
class ErrorOrder {
 public:
  ErrorOrder(int64_t steps, int64_t total) : steps_(steps), exact_(steps < (int64_t{1} << 16) && total < (int64_t{1} << 40)) {}
  bool less(const ScaledError& a, const ScaledError& b) const {
    if (exact_) {
      const i128 s2 = static_cast<i128>(steps_) * steps_;
      return a.noise + 12 * s2 * a.clip + 4 * s2 * a.clipped < b.noise + 12 * s2 * b.clip + 4 * s2 * b.clipped;
    }
    return to_error(a, steps_) < to_error(b, steps_);
  }

 private:
  int64_t steps_;
  bool exact_;
};

}  // namespace

double mse_error(const CalibrationHistogram& h, int64_t levels, int64_t lo_edge, int64_t hi_edge, bool symmetric) {
  const Moments m(h);
  const ScaledError e = symmetric ? error_parts(m, h.bins, -h.offset, hi_edge - h.offset, 2 * hi_edge)
                                  : error_parts(m, h.bins, lo_edge - h.offset, hi_edge - h.offset, hi_edge - lo_edge);
  return static_cast<double>(to_error(e, levels - 1));
}

std::pair<float, float> mse_range(const CalibrationHistogram& h, int64_t levels) {
  const Moments m(h);
  const int64_t steps = levels - 1;
  const ErrorOrder order(steps, h.total());
  int64_t first = 0, last = h.bins - 1;
  while (first < h.bins && h.counts[first] == 0) ++first;
  while (last > first && h.counts[last] == 0) --last;
  const float vmin = h.value_min(), vmax = h.value_max();
  bool have = false;
  ScaledError best;
  if (h.abs_values) {
    // [-a, a]: a from the widest (the edge after the last non-empty bin) down; strict improvement
    // keeps the widest of equal errors.
    int64_t best_a = last + 1;
    for (int64_t a = last + 1; a >= 1; --a) {
      const ScaledError e = error_parts(m, h.bins, 0, a, 2 * a);
      if (!have || order.less(e, best)) {
        best = e;
        best_a = a;
        have = true;
      }
    }
    const float amax = std::min(static_cast<float>(h.edge(best_a)), vmax);
    return {-amax, amax};
  }
  // Global edge indices: lo from the first data edge up to 0, hi from the last data edge down to 0.
  const int64_t g_first = h.offset + first, g_end = h.offset + last + 1;
  const int64_t lo_begin = std::min<int64_t>(g_first, 0), lo_end = std::min<int64_t>(0, g_end);
  const int64_t hi_begin = std::max<int64_t>(0, g_first), hi_end = std::max<int64_t>(g_end, 0);
  int64_t best_lo = lo_begin, best_hi = hi_end;
  for (int64_t lo = lo_begin; lo <= lo_end; ++lo) {
    for (int64_t hi = hi_end; hi >= hi_begin && hi > lo; --hi) {
      const ScaledError e = error_parts(m, h.bins, lo - h.offset, hi - h.offset, hi - lo);
      if (!have || order.less(e, best)) {
        best = e;
        best_lo = lo;
        best_hi = hi;
        have = true;
      }
    }
  }
  const double w = h.bin_width();
  const float lo = std::max(static_cast<float>(static_cast<double>(best_lo) * w), vmin);
  const float hi = std::min(static_cast<float>(static_cast<double>(best_hi) * w), vmax);
  return {std::min(lo, hi), hi};
}

}  // namespace detail

namespace {

constexpr const char* kName = "MSEObserver";

QParamsConfig config_of(const MSEObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

}  // namespace

MSEObserver::MSEObserver(const MSEObserverOptions& options)
    : Cloneable(config_of(options), options.skip_nan, options.bins, is_symmetric(options.qscheme), kName),
      options_(options) {}

std::pair<float, float> MSEObserver::calibrated_range() const {
  return detail::mse_range(view(), qrange().qmax - qrange().qmin + 1);
}

void MSEObserver::check_same_method(const HistogramCalibrationObserver&) const {}

}  // namespace octet::quantization
