// percentile_observer.cpp: PercentileObserver and the interpolated histogram percentile.
#include "octet/quantization/percentile_observer.h"

#include <algorithm>
#include <cmath>

#include "observers/calibration_methods.h"

namespace octet::quantization {

namespace detail {

float histogram_percentile(const CalibrationHistogram& h, double percentile) {
  const double total = static_cast<double>(h.total());
  const double rank = percentile / 100.0 * total;
  double before = 0.0;
  double value = h.value_max();
  for (int64_t i = 0; i < h.bins; ++i) {
    const auto c = static_cast<double>(h.counts[i]);
    if (c == 0.0) continue;
    if (before + c >= rank) {
      const double frac = std::clamp((rank - before) / c, 0.0, 1.0);
      value = h.edge(i) + h.bin_width() * frac;
      break;
    }
    before += c;
  }
  return std::clamp(static_cast<float>(value), h.value_min(), h.value_max());
}

}  // namespace detail

namespace {

constexpr const char* kName = "PercentileObserver";

QParamsConfig config_of(const PercentileObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

const PercentileObserverOptions& checked(const PercentileObserverOptions& o) {
  OCTET_CHECK(std::isfinite(o.percentile) && o.percentile >= 50.0 && o.percentile <= 100.0, kName,
              "percentile must be in [50, 100], got ", o.percentile);
  return o;
}

}  // namespace

PercentileObserver::PercentileObserver(const PercentileObserverOptions& options)
    : Cloneable(config_of(checked(options)), options.skip_nan, options.bins, is_symmetric(options.qscheme), kName),
      options_(options) {}

std::pair<float, float> PercentileObserver::calibrated_range() const {
  const CalibrationHistogram h = view();
  if (h.abs_values) {
    const float a = detail::histogram_percentile(h, options_.percentile);
    return {-a, a};
  }
  return {detail::histogram_percentile(h, 100.0 - options_.percentile),
          detail::histogram_percentile(h, options_.percentile)};
}

void PercentileObserver::check_same_method(const HistogramCalibrationObserver& other) const {
  const double p = static_cast<const PercentileObserver&>(other).options_.percentile;
  OCTET_CHECK(p == options_.percentile, "merge", name(), ": the other observer has percentile ", p, ", this one ",
              options_.percentile);
}

}  // namespace octet::quantization
