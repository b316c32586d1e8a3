// entropy_observer.cpp: EntropyObserver and ModelOpt's KL-divergence threshold search.
#include "octet/quantization/entropy_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "observers/calibration_methods.h"

namespace octet::quantization {

namespace detail {

int64_t entropy_threshold(const int64_t* counts, int64_t n, int64_t target_bins, int64_t start_bin, int64_t stride,
                          std::vector<double>* divergences) {
  if (divergences != nullptr) divergences->clear();
  if (n < start_bin || n < 1) return 0;
  std::vector<int64_t> c(counts, counts + n);
  if (n > 1) c[0] = c[1];
  // suffix[i] = c[i] + ... + c[n - 1]: the outliers a threshold of i bins clips.
  std::vector<int64_t> suffix(static_cast<size_t>(n + 1), 0);
  for (int64_t j = n - 1; j >= 0; --j) suffix[static_cast<size_t>(j)] = suffix[static_cast<size_t>(j + 1)] + c[static_cast<size_t>(j)];
  const double total = static_cast<double>(suffix[0]);
  std::vector<int64_t> target_sum, target_nonzero;
  double best = std::numeric_limits<double>::infinity();
  int64_t best_i = 0;
  bool any = false;
  for (int64_t i = start_bin; i <= n; i += stride) {
    // Q: each target bin's count spread evenly over its non-empty source bins. With as many
    // targets as sources, every source bin is its own target and Q = c.
    const bool identity = target_bins >= i;
    if (!identity) {
      target_sum.assign(static_cast<size_t>(target_bins), 0);
      target_nonzero.assign(static_cast<size_t>(target_bins), 0);
      for (int64_t j = 0; j < i; ++j) {
        if (c[static_cast<size_t>(j)] == 0) continue;
        const auto t = static_cast<size_t>(j * target_bins / i);
        target_sum[t] += c[static_cast<size_t>(j)];
        ++target_nonzero[t];
      }
    }
    const double kept = static_cast<double>(suffix[0] - suffix[static_cast<size_t>(i)]);  // = sum of Q
    double kl;
    if (kept == 0.0) {
      kl = std::numeric_limits<double>::infinity();  // Q is empty
    } else {
      kl = 0.0;
      for (int64_t j = 0; j < i; ++j) {
        const int64_t cj = c[static_cast<size_t>(j)];
        const double p = static_cast<double>(j == i - 1 ? cj + suffix[static_cast<size_t>(i)] : cj) / total;
        if (p == 0.0) continue;
        double q = 0.0;
        if (cj != 0) {
          if (identity) {
            q = static_cast<double>(cj);
          } else {
            const auto t = static_cast<size_t>(j * target_bins / i);
            q = static_cast<double>(target_sum[t]) / static_cast<double>(target_nonzero[t]);
          }
        }
        if (q == 0.0) {
          kl = std::numeric_limits<double>::infinity();
          break;
        }
        kl += p * std::log(p / (q / kept));
      }
    }
    if (divergences != nullptr) divergences->push_back(kl);
    // <= keeps the last minimum (ModelOpt's tie rule); the first candidate is taken even at +inf.
    if (!any || kl <= best) {
      best = kl;
      best_i = i;
      any = true;
    }
  }
  return best_i;
}

}  // namespace detail

namespace {

constexpr const char* kName = "EntropyObserver";

QParamsConfig config_of(const EntropyObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

const EntropyObserverOptions& checked(const EntropyObserverOptions& o) {
  OCTET_CHECK(o.start_bin >= 1, kName, "start_bin must be at least 1, got ", o.start_bin);
  OCTET_CHECK(o.stride >= 1, kName, "stride must be at least 1, got ", o.stride);
  return o;
}

}  // namespace

EntropyObserver::EntropyObserver(const EntropyObserverOptions& options)
    : Cloneable(config_of(checked(options)), options.skip_nan, options.bins, /*abs_values=*/true, kName),
      options_(options) {}

int64_t EntropyObserver::target_bins() const {
  const int64_t levels = qrange().qmax - qrange().qmin + 1;
  const bool non_negative = has_observed() && min_val.item<float>() >= 0.0f;
  // ModelOpt: 1 << (num_bits - 1 + unsigned).
  return non_negative && !is_symmetric(qscheme()) ? levels : levels / 2;
}

float EntropyObserver::amax() const {
  const CalibrationHistogram h = view();
  int64_t used = h.bins;
  while (used > 0 && h.counts[used - 1] == 0) --used;
  const int64_t i = detail::entropy_threshold(h.counts, used, target_bins(), options_.start_bin, options_.stride);
  const float observed = h.value_max();
  if (i == 0) return observed;
  return std::min(static_cast<float>(h.edge(i)), observed);
}

std::pair<float, float> EntropyObserver::calibrated_range() const {
  const float a = amax();
  const bool non_negative = min_val.item<float>() >= 0.0f;
  if (non_negative && !is_symmetric(qscheme())) return {0.0f, a};
  return {-a, a};
}

void EntropyObserver::check_same_method(const HistogramCalibrationObserver& other) const {
  const auto& o = static_cast<const EntropyObserver&>(other).options_;
  OCTET_CHECK(o.start_bin == options_.start_bin && o.stride == options_.stride, "merge", name(),
              ": the other observer has start_bin ", o.start_bin, " and stride ", o.stride, ", this one ",
              options_.start_bin, " and ", options_.stride);
}

}  // namespace octet::quantization
