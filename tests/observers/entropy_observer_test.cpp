// entropy_observer_test.cpp: the KL threshold search against a line-by-line port of ModelOpt's
// _compute_amax_entropy (numpy's linspace/digitize/Counter and scipy's entropy), its tie rule, and
// EntropyObserver's range and qparams rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "observers/calibration_methods.h"
#include "octet/quantization/entropy_observer.h"

namespace octet::quantization {
namespace {

constexpr double kInfD = std::numeric_limits<double>::infinity();

// ModelOpt's _compute_amax_entropy, statement by statement, returning the chosen threshold in bins
// (the index into calib_bin_edges) and every divergence.
int64_t modelopt_entropy(std::vector<int64_t> bins, int64_t nbins, int64_t starting, int64_t stride,
                         std::vector<double>& divergences) {
  bins[0] = bins[1];
  const auto stop = static_cast<int64_t>(bins.size());
  divergences.clear();
  for (int64_t i = starting; i <= stop; i += stride) {
    std::vector<double> new_density_counts(static_cast<size_t>(nbins), 0.0);
    // space = np.linspace(0, i, num=nbins + 1)
    std::vector<double> space(static_cast<size_t>(nbins + 1));
    const double step = static_cast<double>(i) / static_cast<double>(nbins);
    for (int64_t t = 0; t <= nbins; ++t) space[static_cast<size_t>(t)] = static_cast<double>(t) * step;
    space.back() = static_cast<double>(i);
    // digitized_space = np.digitize(range(i), space) - 1; zero bins get -1
    std::vector<int64_t> digitized(static_cast<size_t>(i));
    for (int64_t j = 0; j < i; ++j) {
      const auto k = std::upper_bound(space.begin(), space.end(), static_cast<double>(j)) - space.begin();
      digitized[static_cast<size_t>(j)] = bins[static_cast<size_t>(j)] == 0 ? -1 : k - 1;
    }
    for (int64_t j = 0; j < i; ++j) {
      const int64_t d = digitized[static_cast<size_t>(j)];
      if (d != -1) new_density_counts[static_cast<size_t>(d)] += static_cast<double>(bins[static_cast<size_t>(j)]);
    }
    // counter = Counter(digitized_space); new_density_counts[key] /= counter[key] for key != -1
    std::vector<int64_t> counter(static_cast<size_t>(nbins), 0);
    for (const int64_t d : digitized) {
      if (d != -1) ++counter[static_cast<size_t>(d)];
    }
    for (int64_t key = 0; key < nbins; ++key) {
      if (counter[static_cast<size_t>(key)] != 0) {
        new_density_counts[static_cast<size_t>(key)] /= static_cast<double>(counter[static_cast<size_t>(key)]);
      }
    }
    std::vector<double> new_density(static_cast<size_t>(i), 0.0);
    for (int64_t j = 0; j < i; ++j) {
      const int64_t d = digitized[static_cast<size_t>(j)];
      if (d != -1) new_density[static_cast<size_t>(j)] = new_density_counts[static_cast<size_t>(d)];
    }
    std::vector<double> reference(bins.begin(), bins.begin() + i);
    for (int64_t j = i; j < stop; ++j) reference.back() += static_cast<double>(bins[static_cast<size_t>(j)]);
    // scipy.stats.entropy(reference, new_density)
    double sp = 0, sq = 0;
    for (const double v : reference) sp += v;
    for (const double v : new_density) sq += v;
    double ent = 0;
    for (int64_t j = 0; j < i; ++j) {
      const double p = reference[static_cast<size_t>(j)] / sp, q = new_density[static_cast<size_t>(j)] / sq;
      if (p > 0 && q > 0) {
        ent += p * std::log(p / q);
      } else if (p > 0) {
        ent = kInfD;
      }
    }
    if (sq == 0) ent = kInfD;
    divergences.push_back(ent);
  }
  // last_argmin = len(divergences) - 1 - np.argmin(divergences[::-1])
  size_t last = 0;
  for (size_t k = 0; k < divergences.size(); ++k) {
    if (divergences[k] <= divergences[last]) last = k;
  }
  return starting + static_cast<int64_t>(last) * stride;
}

std::vector<int64_t> random_histogram(Generator& gen, int64_t n, double decay, double zero_fraction) {
  std::vector<int64_t> h(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    const double mean = 5000.0 * std::exp(-decay * static_cast<double>(j) / static_cast<double>(n));
    h[static_cast<size_t>(j)] = gen.uniform_double() < zero_fraction ? 0 : static_cast<int64_t>(mean * (0.5 + gen.uniform_double()));
  }
  return h;
}

TEST(EntropyThreshold, MatchesModelOptPort) {
  Generator gen(test::test_seed(31));
  int checked = 0;
  for (int trial = 0; trial < 24; ++trial) {
    const int64_t n = trial < 20 ? 200 + gen.randint(0, 500) : 2048;
    const double decay = 1.0 + 9.0 * gen.uniform_double();
    const double zeros = trial % 3 == 0 ? 0.3 : 0.0;
    std::vector<int64_t> h = random_histogram(gen, n, decay, zeros);
    if (trial % 4 == 1) h[static_cast<size_t>(n - 1)] += 50;  // a lone outlier at the top
    h[static_cast<size_t>(n - 1)] = std::max<int64_t>(h[static_cast<size_t>(n - 1)], 1);
    for (const int64_t target : {int64_t{128}, int64_t{256}}) {
      const int64_t stride = trial % 5 == 2 ? 3 : 1;
      std::vector<double> want_div, got_div;
      const int64_t want = modelopt_entropy(h, target, 128, stride, want_div);
      const int64_t got = detail::entropy_threshold(h.data(), n, target, 128, stride, &got_div);
      ASSERT_EQ(got_div.size(), want_div.size());
      for (size_t k = 0; k < want_div.size(); ++k) {
        if (std::isinf(want_div[k])) {
          EXPECT_TRUE(std::isinf(got_div[k])) << "trial " << trial << " candidate " << k;
        } else {
          EXPECT_NEAR(got_div[k], want_div[k], 1e-12 + 1e-9 * want_div[k]) << "trial " << trial << " candidate " << k;
        }
      }
      EXPECT_EQ(got, want) << "trial " << trial << " n=" << n << " target=" << target;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 48);
}

// Uniform counts up to bin m, then empty bins: every threshold at or beyond m has KL exactly 0.
// ModelOpt's rule takes the last of them (the widest), not the first.
TEST(EntropyThreshold, TiesGoToTheLargestThreshold) {
  std::vector<int64_t> h(400, 0);
  for (int j = 0; j < 300; ++j) h[static_cast<size_t>(j)] = 7;
  std::vector<double> div, ref_div;
  const int64_t got = detail::entropy_threshold(h.data(), 400, 128, 128, 1, &div);
  EXPECT_EQ(got, 400);
  EXPECT_EQ(modelopt_entropy(h, 128, 128, 1, ref_div), 400);
  for (size_t k = 300 - 128; k < div.size(); ++k) EXPECT_EQ(div[k], 0.0) << k;
  for (size_t k = 0; k < 300 - 128; ++k) EXPECT_GT(div[k], 0.0) << k;
  // With stride 7 the candidates are 128, 135, ...; the last one <= 400 is 394.
  EXPECT_EQ(detail::entropy_threshold(h.data(), 400, 128, 128, 7), 394);
}

// A clipped tail that lands on an empty last bin has q = 0 where p > 0: KL = +inf (no smoothing).
TEST(EntropyThreshold, EmptyLastBinWithOutliersIsInfinite) {
  std::vector<int64_t> h(140, 10);
  h[129] = 0;  // candidate i = 130 keeps bins 0..129, and 129 is empty
  std::vector<double> div;
  detail::entropy_threshold(h.data(), 140, 128, 128, 1, &div);
  EXPECT_TRUE(std::isinf(div[130 - 128]));
  EXPECT_FALSE(std::isinf(div[129 - 128]));
  // Bin 0 is replaced by bin 1 (the spike of zeros does not count).
  std::vector<int64_t> spiked = h;
  spiked[0] = 1000000;
  EXPECT_EQ(detail::entropy_threshold(spiked.data(), 140, 128, 128, 1),
            detail::entropy_threshold(h.data(), 140, 128, 128, 1));
  EXPECT_EQ(detail::entropy_threshold(h.data(), 100, 128, 128, 1), 0);  // no candidate
}

std::vector<float> exponential(Generator& gen, int n, float scale) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = -std::log(1.0f - gen.uniform_float()) * scale;
  return v;
}

TEST(EntropyObserver, ThresholdFromTheHistogramAndQParams) {
  Generator gen(test::test_seed(32));
  std::vector<float> relu = exponential(gen, 20000, 1.0f);
  for (int i = 0; i < 2000; ++i) relu[static_cast<size_t>(i)] = 0.0f;  // ReLU zeros
  relu[7] = 40.0f;                                                    // one outlier
  const Tensor x = from_vector(relu, {20000});

  EntropyObserver affine;  // quint8 affine: non-negative data -> [0, amax], 256 target bins
  affine.observe(x);
  EXPECT_EQ(affine.target_bins(), 256);
  const CalibrationHistogram h = affine.view();
  int64_t used = h.bins;
  while (h.counts[used - 1] == 0) --used;
  const int64_t i = detail::entropy_threshold(h.counts, used, 256, 128, 1);
  ASSERT_GT(i, 0);
  ASSERT_LT(i, used);  // the outlier is clipped
  EXPECT_EQ(affine.amax(), static_cast<float>(h.edge(i)));
  EXPECT_LT(affine.amax(), 40.0f);
  EXPECT_EQ(affine.calibrated_range(), std::make_pair(0.0f, affine.amax()));
  const QParams want = choose_qparams(0.0f, affine.amax(), affine.qparams_config());
  EXPECT_EQ(affine.calculate_qparams().scale.item<float>(), static_cast<float>(want.scale));
  EXPECT_EQ(affine.calculate_qparams().zero_point.item<int64_t>(), 0);

  EntropyObserver symmetric({.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
  symmetric.observe(x);
  EXPECT_EQ(symmetric.target_bins(), 128);
  const float a = symmetric.amax();
  EXPECT_EQ(symmetric.calibrated_range(), std::make_pair(-a, a));
  EXPECT_EQ(symmetric.calculate_qparams().zero_point.item<int64_t>(), 0);
  EXPECT_EQ(symmetric.calculate_qparams().scale.item<float>(), a / 127.5f);

  // Signed data under an affine scheme: symmetric threshold, 128 target bins.
  EntropyObserver signed_affine;
  std::vector<float> s = relu;
  for (size_t k = 0; k < s.size(); k += 2) s[k] = -s[k];
  signed_affine.observe(from_vector(s, {20000}));
  EXPECT_EQ(signed_affine.target_bins(), 128);
  EXPECT_EQ(signed_affine.calibrated_range().first, -signed_affine.calibrated_range().second);
}

TEST(EntropyObserver, FewBinsFallBackToTheObservedMax) {
  EntropyObserver obs({.bins = 64});  // fewer bins than start_bin: no candidate
  obs.observe(from_vector(std::vector<float>{0.5f, -3.0f, 1.0f}, {3}));
  EXPECT_EQ(obs.amax(), 3.0f);
  EntropyObserver zeros_only;
  zeros_only.observe(zeros({10}));
  EXPECT_EQ(zeros_only.amax(), 0.0f);
  EXPECT_EQ(zeros_only.calculate_qparams().scale.item<float>(), kFloat32Eps);
}

}  // namespace
}  // namespace octet::quantization
