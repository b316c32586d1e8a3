// mse_observer_test.cpp: the exhaustive MSE range search against a brute force that integrates
// every bin's error directly (no prefix sums), its tie rule, and MSEObserver's ranges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "observers/calibration_methods.h"
#include "octet/quantization/mse_observer.h"

namespace octet::quantization {
namespace {

// The error of clipping to [lo, hi] (global edge indices) in squared bin widths, bin by bin: a value
// uniform in [g, g + 1) costs step^2 / 12 inside, and the mean of (x - bound)^2 outside, computed by
// integrating the square over the bin (closed form of the integral of (x - c)^2).
long double brute_error(const CalibrationHistogram& h, long double step, int64_t lo, int64_t hi) {
  long double e = 0;
  for (int64_t i = 0; i < h.bins; ++i) {
    const long double c = static_cast<long double>(h.counts[i]);
    if (c == 0) continue;
    const long double g = static_cast<long double>(h.offset + i);
    if (g >= lo && g + 1 <= hi) {
      e += c * step * step / 12;
    } else {
      const long double bound = g + 1 <= lo ? lo : hi;
      const long double a = g - bound, b = g + 1 - bound;  // integral of u^2 over [a, b]
      e += c * (b * b * b - a * a * a) / 3;
    }
  }
  return e;
}

struct Best {
  int64_t lo, hi;
  long double error;
};

// Every candidate pair, widest first (lo ascending, hi descending), strict improvement.
Best brute_search(const CalibrationHistogram& h, int64_t levels) {
  int64_t first = 0, last = h.bins - 1;
  while (h.counts[first] == 0) ++first;
  while (h.counts[last] == 0) --last;
  Best best{0, 0, std::numeric_limits<long double>::infinity()};
  if (h.abs_values) {
    for (int64_t a = last + 1; a >= 1; --a) {
      // [-a, a] on |x|: [0, a] with the symmetric step 2a / (levels - 1).
      const long double e = brute_error(h, 2.0L * a / static_cast<long double>(levels - 1), 0, a);
      if (e < best.error) best = {-a, a, e};
    }
    return best;
  }
  const int64_t gf = h.offset + first, ge = h.offset + last + 1;
  for (int64_t lo = std::min<int64_t>(gf, 0); lo <= std::min<int64_t>(0, ge); ++lo) {
    for (int64_t hi = std::max<int64_t>(ge, 0); hi >= std::max<int64_t>(0, gf); --hi) {
      if (hi <= lo) continue;
      const long double e = brute_error(h, static_cast<long double>(hi - lo) / static_cast<long double>(levels - 1), lo, hi);
      if (e < best.error) best = {lo, hi, e};
    }
  }
  return best;
}

std::vector<float> mixture(Generator& gen, int n, float shift) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t k = 0; k < v.size(); ++k) {
    const double z = gen.normal();
    v[k] = static_cast<float>(k % 50 == 0 ? z * 8.0 : z) + shift;  // 2% wide outliers
  }
  return v;
}

TEST(MseRange, MatchesBruteForce) {
  Generator gen(test::test_seed(51));
  for (const bool symmetric : {false, true}) {
    for (const float shift : {0.0f, 1.5f, -4.0f, 30.0f}) {
      for (const int64_t levels : {int64_t{256}, int64_t{16}}) {
        MSEObserver obs({.bins = 96, .dtype = kQInt8,
                         .qscheme = symmetric ? kPerTensorSymmetric : kPerTensorAffine,
                         .quant_min = levels == 16 ? std::optional<int64_t>(-8) : std::nullopt,
                         .quant_max = levels == 16 ? std::optional<int64_t>(7) : std::nullopt});
        obs.observe(from_vector(mixture(gen, 3000, shift), {3000}));
        const CalibrationHistogram h = obs.view();
        const Best want = brute_search(h, levels);
        const auto [lo, hi] = detail::mse_range(h, levels);
        const float vmin = h.value_min(), vmax = h.value_max();
        const double w = h.bin_width();
        if (symmetric) {
          EXPECT_EQ(hi, std::min(static_cast<float>(want.hi * w), vmax)) << shift << " " << levels;
          EXPECT_EQ(lo, -hi);
        } else {
          EXPECT_EQ(lo, std::max(static_cast<float>(want.lo * w), h.min_val)) << shift << " " << levels;
          EXPECT_EQ(hi, std::min(static_cast<float>(want.hi * w), vmax)) << shift << " " << levels;
        }
        const double got_error = detail::mse_error(h, levels, want.lo, want.hi, symmetric);
        EXPECT_NEAR(got_error, static_cast<double>(want.error), 1e-9 * static_cast<double>(want.error));
        (void)vmin;
      }
    }
  }
}

// Equal errors: |x| counts 8 in bin 0 and 1 in bin 2, 8 levels (7 steps). With step 2a / 7:
//   a = 3: 9 values kept, 9 * (6/7)^2 / 12                     = 27/49
//   a = 2: 8 kept, 8 * (4/7)^2 / 12, plus 1 clipped at 1/3       = 27/49
// The widest (a = 3) wins; the exact integer comparison sees the tie.
TEST(MseRange, TieGoesToTheWidestRange) {
  const int64_t counts[] = {8, 0, 1, 0};
  const CalibrationHistogram h{counts, 4, /*exponent=*/0, /*offset=*/0, /*min_val=*/0.0f, /*max_val=*/2.9f,
                               /*abs_values=*/true};
  EXPECT_NEAR(detail::mse_error(h, 8, 0, 3, true), 27.0 / 49.0, 1e-15);
  EXPECT_NEAR(detail::mse_error(h, 8, 0, 2, true), 27.0 / 49.0, 1e-15);
  EXPECT_GT(detail::mse_error(h, 8, 0, 1, true), 27.0 / 49.0);
  EXPECT_EQ(detail::mse_range(h, 8), std::make_pair(-2.9f, 2.9f));  // a = 3, clamped to the max 2.9
  // Affine, counts 11 and 1 in bins 0 and 2, 5 levels (4 steps), lo = 0 the only candidate:
  //   hi = 3: 12 * (3/4)^2 / 12 = 9/16;  hi = 2: 11 * (2/4)^2 / 12 + 1/3 = 9/16.
  const int64_t affine_counts[] = {11, 0, 1, 0};
  const CalibrationHistogram s{affine_counts, 4, 0, 0, 0.0f, 2.9f, false};
  EXPECT_NEAR(detail::mse_error(s, 5, 0, 3, false), 9.0 / 16.0, 1e-15);
  EXPECT_NEAR(detail::mse_error(s, 5, 0, 2, false), 9.0 / 16.0, 1e-15);
  EXPECT_EQ(detail::mse_range(s, 5), std::make_pair(0.0f, 2.9f));
  // Zeros only: one candidate.
  MSEObserver obs({.bins = 8});
  obs.observe(zeros({5}));
  EXPECT_EQ(detail::mse_range(obs.view(), 256), std::make_pair(0.0f, 0.0f));
}

// With 8 bits the rounding noise is small and MSE clips a lone outlier at 300 only a little (back to
// 30 would cost 270^2, more than all the noise); with 4 bits the noise dominates and the range
// shrinks to the body of the data.
TEST(MSEObserver, ClipsTailsWhenNoiseDominates) {
  Generator gen(test::test_seed(52));
  std::vector<float> x = mixture(gen, 20000, 0.0f);
  x[3] = 300.0f;
  const Tensor t = from_vector(x, {20000});
  MSEObserver eight({.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
  eight.observe(t);
  const float a8 = eight.calibrated_range().second;
  EXPECT_GT(a8, 200.0f);
  EXPECT_LE(a8, 300.0f);
  EXPECT_EQ(eight.calculate_qparams().scale.item<float>(), a8 / 127.5f);

  MSEObserver four({.dtype = kQInt8, .qscheme = kPerTensorSymmetric, .quant_min = -8, .quant_max = 7});
  four.observe(t);
  const auto [lo, hi] = four.calibrated_range();
  EXPECT_EQ(lo, -hi);
  EXPECT_LT(hi, 100.0f);
  EXPECT_GT(hi, 1.0f);
  EXPECT_EQ(four.calculate_qparams().scale.item<float>(), hi / 7.5f);

  MSEObserver affine({.quant_min = 0, .quant_max = 15});
  affine.observe(t);
  const auto [alo, ahi] = affine.calibrated_range();
  EXPECT_LT(alo, 0.0f);
  EXPECT_LT(ahi, 300.0f);
  const QParams q = choose_qparams(alo, ahi, affine.qparams_config());
  EXPECT_EQ(affine.calculate_qparams().zero_point.item<int64_t>(), q.zero_point);
  EXPECT_EQ(affine.calculate_qparams().scale.item<float>(), static_cast<float>(q.scale));
}

}  // namespace
}  // namespace octet::quantization
