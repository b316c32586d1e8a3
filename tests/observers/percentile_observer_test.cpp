// percentile_observer_test.cpp: the interpolated histogram percentile against an independent
// inversion of the histogram's piecewise-linear CDF, against exact percentiles of the raw data, and
// PercentileObserver's symmetric / asymmetric ranges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/test_util.h"
#include "observers/calibration_methods.h"
#include "octet/quantization/percentile_observer.h"

namespace octet::quantization {
namespace {

std::vector<float> heavy_tailed(Generator& gen, int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    // Student's t with 2 degrees of freedom: z / sqrt(chi2_2 / 2).
    const double z = gen.normal(), a = gen.normal(), b = gen.normal();
    x = static_cast<float>(z / std::sqrt(0.5 * (a * a + b * b) + 1e-6));
  }
  return v;
}

// Inverts the CDF F(v) = sum_i count_i * clamp((v - edge_i) / width, 0, 1) by bisection: the
// smallest v with F(v) >= rank, then clamped to the observed range.
double bisect_percentile(const CalibrationHistogram& h, double percentile) {
  const double rank = percentile / 100.0 * static_cast<double>(h.total());
  const auto cdf = [&](double v) {
    double f = 0;
    for (int64_t i = 0; i < h.bins; ++i) {
      f += static_cast<double>(h.counts[i]) * std::clamp((v - h.edge(i)) / h.bin_width(), 0.0, 1.0);
    }
    return f;
  };
  double lo = h.edge(0), hi = h.edge(h.bins);
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (cdf(mid) >= rank ? hi : lo) = mid;
  }
  return std::clamp(hi, static_cast<double>(h.value_min()), static_cast<double>(h.value_max()));
}

TEST(HistogramPercentile, MatchesTheInvertedCdf) {
  Generator gen(test::test_seed(41));
  for (const bool symmetric : {false, true}) {
    for (const int64_t bins : {int64_t{16}, int64_t{300}, int64_t{2048}}) {
      PercentileObserver obs({.bins = bins, .dtype = kQInt8,
                              .qscheme = symmetric ? kPerTensorSymmetric : kPerTensorAffine});
      const std::vector<float> x = heavy_tailed(gen, 5000);
      obs.observe(from_vector(x, {5000}));
      const CalibrationHistogram h = obs.view();
      for (const double p : {0.0, 0.01, 1.0, 25.0, 50.0, 90.0, 99.0, 99.99, 100.0}) {
        const double want = bisect_percentile(h, p);
        const float got = detail::histogram_percentile(h, p);
        EXPECT_NEAR(got, want, 1e-6 * h.bin_width() + 4e-7 * std::fabs(want))
            << "p=" << p << " bins=" << bins << " symmetric=" << symmetric;
      }
      EXPECT_EQ(detail::histogram_percentile(h, 100.0), h.value_max());
      EXPECT_EQ(detail::histogram_percentile(h, 0.0), h.value_min());
    }
  }
}

// Against the sorted data: the histogram percentile is within one bin of the exact one.
TEST(HistogramPercentile, WithinOneBinOfTheDataPercentile) {
  Generator gen(test::test_seed(42));
  std::vector<float> x = heavy_tailed(gen, 20000);
  PercentileObserver obs;
  obs.observe(from_vector(x, {20000}));
  const CalibrationHistogram h = obs.view();
  std::sort(x.begin(), x.end());
  for (const double p : {0.1, 5.0, 50.0, 95.0, 99.9}) {
    const auto k = static_cast<size_t>(std::ceil(p / 100.0 * 20000.0)) - 1;
    EXPECT_NEAR(detail::histogram_percentile(h, p), x[k], h.bin_width()) << p;
  }
}

// Values 0.5, 1.5, 2.5, 3.5 in four unit bins: the median interpolates to 2.0, the 87.5th to 3.5.
TEST(HistogramPercentile, HandComputed) {
  PercentileObserver obs({.bins = 4});
  obs.observe(from_vector(std::vector<float>{0.5f, 1.5f, 2.5f, 3.5f}, {4}));
  const CalibrationHistogram h = obs.view();
  ASSERT_EQ(h.bin_width(), 1.0);
  ASSERT_EQ(h.offset, 0);
  EXPECT_EQ(detail::histogram_percentile(h, 50.0), 2.0f);
  EXPECT_EQ(detail::histogram_percentile(h, 62.5), 2.5f);
  EXPECT_EQ(detail::histogram_percentile(h, 87.5), 3.5f);  // 3.5 inside bin 3, clamped at the max 3.5
  EXPECT_EQ(detail::histogram_percentile(h, 12.5), 0.5f);  // edge 0 + 0.5, at the min
}

TEST(PercentileObserver, SymmetricAndAsymmetricRanges) {
  Generator gen(test::test_seed(43));
  std::vector<float> x = heavy_tailed(gen, 10000);
  for (auto& v : x) v = v * 0.5f + 1.0f;  // shifted: the two tails differ
  const Tensor t = from_vector(x, {10000});
  PercentileObserver affine({.percentile = 99.0});
  affine.observe(t);
  const CalibrationHistogram h = affine.view();
  EXPECT_FALSE(h.abs_values);
  const auto [lo, hi] = affine.calibrated_range();
  EXPECT_EQ(lo, detail::histogram_percentile(h, 1.0));
  EXPECT_EQ(hi, detail::histogram_percentile(h, 99.0));
  EXPECT_GT(lo, h.min_val);
  EXPECT_LT(hi, h.max_val);
  const QParams q = choose_qparams(lo, hi, affine.qparams_config());
  EXPECT_EQ(affine.calculate_qparams().scale.item<float>(), static_cast<float>(q.scale));
  EXPECT_EQ(affine.calculate_qparams().zero_point.item<int64_t>(), q.zero_point);

  PercentileObserver symmetric({.percentile = 99.0, .dtype = kQInt8, .qscheme = kPerTensorSymmetric});
  symmetric.observe(t);
  const CalibrationHistogram ha = symmetric.view();
  EXPECT_TRUE(ha.abs_values);
  const float a = detail::histogram_percentile(ha, 99.0);
  EXPECT_EQ(symmetric.calibrated_range(), std::make_pair(-a, a));

  PercentileObserver all({.percentile = 100.0});
  all.observe(t);
  EXPECT_EQ(all.calibrated_range(), std::make_pair(h.min_val, h.max_val));
}

}  // namespace
}  // namespace octet::quantization
