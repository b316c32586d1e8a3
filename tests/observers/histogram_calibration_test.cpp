// histogram_calibration_test.cpp: the power-of-two grid of the calibration observers (exact bins,
// exact re-binning) and their shared contract: order-independent, exactly mergeable histograms,
// state, reset, the NaN/inf policy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "common/test_util.h"
#include "observers/histogram_grid.h"
#include "observers/histogram_index.h"
#include "octet/cpu_features.h"
#include "octet/engine.h"
#include "octet/quantization/entropy_observer.h"
#include "octet/quantization/mse_observer.h"
#include "octet/quantization/percentile_observer.h"

namespace octet::quantization {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<float> normals(Generator& gen, int64_t n, float scale, float shift = 0.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(gen.normal()) * scale + shift;
  return v;
}

Tensor tensor_of(const std::vector<float>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }

bool same_counts(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data_ptr<int64_t>(), b.data_ptr<int64_t>(), a.nbytes()) == 0;
}

// --- the grid --------------------------------------------------------------------------------------

// The window is the narrowest power-of-two grid the range fits, and every finite value's bin is
// floor(x / 2^k) - offset, computed exactly (long double reference).
TEST(HistogramGrid, BinsAreExactFloors) {
  Generator gen(test::test_seed(21));
  const std::vector<std::pair<float, float>> ranges = {
      {-3.0f, 3.0f}, {0.0f, 1.0f}, {0.25f, 0.5f}, {-7e-30f, 1e-30f}, {1000.0f, 1000.001f}, {-2e38f, 1e38f},
      {0.0f, 0.0f}, {5.0f, 5.0f}, {-1e-44f, 1e-45f}, {-65504.0f, -3.0f}};
  for (const int64_t bins : {2, 3, 100, 2048}) {
    for (const auto& [lo, hi] : ranges) {
      const detail::HistogramGrid g = detail::histogram_grid(lo, hi, bins);
      const long double w = std::ldexp(1.0L, static_cast<int>(g.exponent));
      const auto bin = [&](float v) { return static_cast<int64_t>(std::floor(static_cast<long double>(v) / w)) - g.offset; };
      // Fits, and is the narrowest that fits (one exponent less does not).
      ASSERT_EQ(bin(lo), 0) << lo << " " << hi << " bins=" << bins;
      ASSERT_LT(bin(hi), bins) << lo << " " << hi;
      const long double w2 = w / 2;
      const int64_t finer_span = static_cast<int64_t>(std::floor(hi / w2)) - static_cast<int64_t>(std::floor(lo / w2));
      const float m = std::max(std::fabs(lo), std::fabs(hi));
      const int64_t floor_exp = (m > 0 ? std::ilogb(m) : -149) - 29;
      EXPECT_TRUE(finer_span >= bins || g.exponent == floor_exp) << lo << " " << hi << " bins=" << bins;
      std::vector<float> x = {lo, hi, kNaN, kInf, -kInf};
      if (lo < hi) x.insert(x.end(), {std::nextafter(lo, kInf), std::nextafter(hi, -kInf)});
      for (int i = 0; i < 300; ++i) x.push_back(lo + (hi - lo) * gen.uniform_float());
      for (int64_t e = 0; e <= bins; ++e) {
        const auto edge = static_cast<float>(detail::grid_edge(g, e));
        if (edge >= lo && edge <= hi) x.push_back(edge);
      }
      std::vector<int64_t> got(static_cast<size_t>(bins), 0), want(static_cast<size_t>(bins), 0);
      detail::bin_values(x.data(), static_cast<int64_t>(x.size()), false, g, bins, got.data());
      for (const float v : x) {
        const int64_t b = detail::grid_bin(v, false, g, bins);
        if (std::isfinite(v)) {
          ASSERT_EQ(b, bin(v)) << v;
        } else {
          ASSERT_EQ(b, -1);
        }
        if (b >= 0) ++want[static_cast<size_t>(b)];
      }
      EXPECT_EQ(got, want) << lo << " " << hi << " bins=" << bins;
    }
  }
}

TEST(HistogramGrid, AbsoluteValuesAndNegativeZero) {
  const detail::HistogramGrid g = detail::histogram_grid(0.0f, 4.0f, 8);  // width 1: [0, 8)
  EXPECT_EQ(g.exponent, 0);
  EXPECT_EQ(g.offset, 0);
  const float x[] = {-0.0f, 0.0f, -3.5f, 3.5f, -4.0f, 1e-45f, -1e-45f};
  std::vector<int64_t> counts(8, 0);
  detail::bin_values(x, 7, true, g, 8, counts.data());
  EXPECT_EQ(counts, (std::vector<int64_t>{4, 0, 0, 2, 1, 0, 0, 0}));
  // Signed: a tiny negative value is in the bin below 0, even when x * 2^-k underflows.
  const detail::HistogramGrid big = detail::histogram_grid(-1e30f, 1e30f, 4);
  EXPECT_EQ(detail::grid_bin(-1e-45f, false, big, 4), detail::grid_bin(-1.0f, false, big, 4));
  std::vector<int64_t> c4(4, 0);
  const float y[] = {-1e-45f, 1e-45f, -0.0f};
  detail::bin_values(y, 3, false, big, 4, c4.data());
  std::vector<int64_t> want(4, 0);
  for (const float v : y) ++want[static_cast<size_t>(detail::grid_bin(v, false, big, 4))];
  EXPECT_EQ(c4, want);
}

TEST(HistogramGrid, RegridMovesWholeCounts) {
  const detail::HistogramGrid fine = detail::histogram_grid(-1.0f, 1.0f, 16);
  const detail::HistogramGrid coarse = detail::histogram_grid(-5.0f, 3.0f, 16);
  ASSERT_GT(coarse.exponent, fine.exponent);
  Generator gen(test::test_seed(22));
  std::vector<float> x;
  for (int i = 0; i < 500; ++i) x.push_back(gen.uniform_float() * 2.0f - 1.0f);
  std::vector<int64_t> a(16, 0), b(16, 0), moved(16, 0);
  detail::bin_values(x.data(), 500, false, fine, 16, a.data());
  detail::bin_values(x.data(), 500, false, coarse, 16, b.data());
  detail::regrid(a.data(), fine, coarse, 16, moved.data());
  EXPECT_EQ(moved, b);
  EXPECT_OCTET_ERROR(detail::regrid(b.data(), coarse, fine, 16, moved.data()), "is finer than the source");
}

// Every ISA variant of the grid index rule equals the scalar rule, on values at and around every
// edge, non-finite values, -0, underflowing negatives, both signs and |x| mode.
TEST(HistogramGrid, IndexKernelsEqualScalar) {
  Generator gen(test::test_seed(26));
  struct Variant {
    const char* name;
    Isa isa;
    detail::GridIndexFn fn;
  };
  std::vector<Variant> variants;
#if defined(OCTET_ARCH_X86)
  variants.push_back({"avx2", Isa::Avx2, detail::grid_index_avx2});
  variants.push_back({"avx512", Isa::Avx512, detail::grid_index_avx512});
#endif
  if (variants.empty()) GTEST_SKIP() << "no vector variant on this architecture";
  for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{-3.0f, 3.0f}, {-1e30f, 1e30f}, {0.25f, 0.5f},
                                                                    {-1e-40f, 1e-41f}, {1000.0f, 1000.001f}}) {
    for (const bool abs_values : {false, true}) {
      const float glo = abs_values ? 0.0f : lo, ghi = abs_values ? std::max(std::fabs(lo), std::fabs(hi)) : hi;
      const int64_t bins = 2048;
      const detail::HistogramGrid g = detail::histogram_grid(glo, ghi, bins);
      int e = static_cast<int>(-g.exponent);
      float s1 = 1.0f;
      if (e > 100) {
        s1 = std::ldexp(1.0f, 100);
        e -= 100;
      } else if (e < -100) {
        s1 = std::ldexp(1.0f, -100);
        e += 100;
      }
      const detail::GridIndexParams p{s1, std::ldexp(1.0f, e), static_cast<int32_t>(g.offset), 2048, abs_values};
      std::vector<float> x = {kNaN, kInf, -kInf, -0.0f, 0.0f, -1e-45f, 1e-45f, lo, hi};
      for (int64_t k = 0; k <= bins; k += 7) {
        const auto edge = static_cast<float>(detail::grid_edge(g, k));
        x.insert(x.end(), {edge, std::nextafter(edge, kInf), std::nextafter(edge, -kInf)});
      }
      for (int i = 0; i < 1000; ++i) x.push_back(lo + (hi - lo) * gen.uniform_float());
      // Keep only values inside the window (the rule's precondition) plus the non-finite ones.
      std::vector<float> v;
      for (const float f : x) {
        if (!std::isfinite(f) || detail::grid_bin(f, abs_values, g, bins) >= 0) v.push_back(f);
      }
      const auto n = static_cast<int64_t>(v.size());
      std::vector<int32_t> want(v.size()), got(v.size());
      detail::grid_index_scalar(v.data(), n, p, want.data());
      for (int64_t i = 0; i < n; ++i) {
        const int64_t b = detail::grid_bin(v[static_cast<size_t>(i)], abs_values, g, bins);
        ASSERT_EQ(want[static_cast<size_t>(i)], b < 0 ? bins : b) << v[static_cast<size_t>(i)];
      }
      for (const auto& var : variants) {
        if (!isa_usable(var.isa)) continue;
        std::fill(got.begin(), got.end(), -7);
        var.fn(v.data(), n, p, got.data());
        EXPECT_EQ(got, want) << var.name << " lo=" << lo << " hi=" << hi << " abs=" << abs_values;
      }
    }
  }
}

TEST(HistogramGrid, ThreadedCountsEqualSerial) {
  Generator gen(test::test_seed(27));
  std::vector<float> x(250000);
  for (auto& v : x) v = static_cast<float>(gen.normal()) * 3.0f;
  const detail::HistogramGrid g = detail::histogram_grid(-20.0f, 20.0f, 2048);
  const int threads = get_num_threads();
  std::vector<int64_t> one(2048, 0), many(2048, 0);
  set_num_threads(1);
  detail::bin_values(x.data(), static_cast<int64_t>(x.size()), false, g, 2048, one.data());
  set_num_threads(4);
  detail::bin_values(x.data(), static_cast<int64_t>(x.size()), false, g, 2048, many.data());
  set_num_threads(threads);
  EXPECT_EQ(one, many);
  int64_t total = 0;
  for (const int64_t c : one) total += c;
  EXPECT_EQ(total, 250000);
}

// --- the observers' shared contract ---------------------------------------------------------------

template <typename Obs>
class CalibrationObserverTest : public ::testing::Test {};
using CalibrationObservers = ::testing::Types<EntropyObserver, PercentileObserver, MSEObserver>;
TYPED_TEST_SUITE(CalibrationObserverTest, CalibrationObservers);

// Observing batches in any order, or in several observers merged in any order, gives one histogram
// and one set of qparams.
TYPED_TEST(CalibrationObserverTest, OrderAndMergeIndependent) {
  Generator gen(test::test_seed(23));
  const std::vector<std::vector<float>> batches = {normals(gen, 700, 1.0f), normals(gen, 300, 0.2f, 1.0f),
                                                   normals(gen, 500, 6.0f, -2.0f), normals(gen, 50, 0.01f, 40.0f)};
  TypeParam forward, backward, left, right;
  for (const auto& b : batches) forward.observe(tensor_of(b));
  for (auto it = batches.rbegin(); it != batches.rend(); ++it) backward.observe(tensor_of(*it));
  left.observe(tensor_of(batches[0]));
  left.observe(tensor_of(batches[3]));
  right.observe(tensor_of(batches[2]));
  right.observe(tensor_of(batches[1]));
  auto lr = left.clone(), rl = right.clone();
  lr->merge(right);
  rl->merge(left);
  for (const auto* o : {&backward, lr.get(), rl.get()}) {
    EXPECT_TRUE(same_counts(o->histogram, forward.histogram));
    EXPECT_EQ(o->min_val.template item<float>(), forward.min_val.template item<float>());
    EXPECT_EQ(o->max_val.template item<float>(), forward.max_val.template item<float>());
    const QParamsTensors a = o->calculate_qparams(), b = forward.calculate_qparams();
    EXPECT_EQ(a.scale.template item<float>(), b.scale.template item<float>());
    EXPECT_EQ(a.zero_point.template item<int64_t>(), b.zero_point.template item<int64_t>());
  }
  // The counts are the histogram of all values on the final grid.
  const CalibrationHistogram h = forward.view();
  EXPECT_EQ(h.total(), 1550);
  std::vector<int64_t> direct(static_cast<size_t>(h.bins), 0);
  const detail::HistogramGrid g{h.exponent, h.offset};
  for (const auto& b : batches) detail::bin_values(b.data(), static_cast<int64_t>(b.size()), h.abs_values, g, h.bins, direct.data());
  EXPECT_EQ(std::vector<int64_t>(h.counts, h.counts + h.bins), direct);
}

TYPED_TEST(CalibrationObserverTest, BuffersStateAndReset) {
  TypeParam obs;
  std::vector<std::string> keys;
  for (const auto& [key, value] : obs.state_dict()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"eps", "histogram", "min_val", "max_val"}));
  EXPECT_OCTET_ERROR(obs.calculate_qparams(), "has observed no finite value");
  EXPECT_OCTET_ERROR(obs.view(), "has observed no finite value");
  Generator gen(test::test_seed(24));
  obs.observe(tensor_of(normals(gen, 400, 2.0f)));
  obs.observe(tensor_of({kInf, -kInf, 1.0f}));
  EXPECT_EQ(obs.non_finite().pos_inf, 1);
  TypeParam restored;
  restored.load_state(obs.state());
  EXPECT_TRUE(same_counts(restored.histogram, obs.histogram));
  EXPECT_EQ(restored.non_finite().neg_inf, 1);
  EXPECT_EQ(restored.calculate_qparams().scale.template item<float>(), obs.calculate_qparams().scale.template item<float>());

  nn::StateDict bad = obs.state();
  Tensor h = obs.histogram.clone();
  h.data_ptr<int64_t>()[5] = -2;
  bad.insert_or_assign("histogram", h);
  EXPECT_OCTET_ERROR(restored.load_state(bad), "histogram[5] = -2 is not a count");
  nn::StateDict empty_hist = obs.state();
  empty_hist.insert_or_assign("histogram", zeros({obs.bins()}, kInt64));
  EXPECT_OCTET_ERROR(restored.load_state(empty_hist), "the histogram holds 0 values");

  obs.reset();
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.non_finite().total(), 0);
  EXPECT_EQ(obs.histogram.template data_ptr<int64_t>()[0], 0);
}

TYPED_TEST(CalibrationObserverTest, NaNPolicyAndEmptyInput) {
  TypeParam obs;
  EXPECT_OCTET_ERROR(obs.observe(tensor_of({1.0f, kNaN})), "the observed data has 1 NaN value(s)");
  obs.observe(zeros({0}));
  obs.observe(tensor_of({kInf}));
  EXPECT_FALSE(obs.has_observed());
  EXPECT_OCTET_ERROR(obs.observe(ones({2}, kFloat64)), "observes float32 tensors");
}

TYPED_TEST(CalibrationObserverTest, StridedInputEqualsContiguous) {
  Generator gen(test::test_seed(25));
  const Tensor x = tensor_of(normals(gen, 8 * 40, 1.0f)).reshape({8, 40});
  const Tensor s = x.slice(1, 1, 40, 3);
  TypeParam a, b;
  a.observe(s);
  b.observe(s.contiguous());
  EXPECT_TRUE(same_counts(a.histogram, b.histogram));
}

TYPED_TEST(CalibrationObserverTest, MergeMismatches) {
  TypeParam a;
  PercentileObserver other_class;
  if constexpr (!std::is_same_v<TypeParam, PercentileObserver>) {
    EXPECT_OCTET_ERROR(a.merge(other_class), "cannot merge a PercentileObserver");
  }
  TypeParam other_dtype(typename std::remove_cvref_t<decltype(a.options())>{.dtype = kQInt8});
  EXPECT_OCTET_ERROR(a.merge(other_dtype), "different options");
  TypeParam other_bins(typename std::remove_cvref_t<decltype(a.options())>{.bins = 512});
  EXPECT_OCTET_ERROR(a.merge(other_bins), "the other observer has 512 bins");
}

TEST(CalibrationObservers, RejectBadOptions) {
  EXPECT_OCTET_ERROR(EntropyObserver({.bins = 1}), "EntropyObserver: bins must be in [2, 2^24]");
  EXPECT_OCTET_ERROR(EntropyObserver({.start_bin = 0}), "start_bin must be at least 1");
  EXPECT_OCTET_ERROR(EntropyObserver({.stride = 0}), "stride must be at least 1");
  EXPECT_OCTET_ERROR(PercentileObserver({.percentile = 40.0}), "percentile must be in [50, 100]");
  EXPECT_OCTET_ERROR(PercentileObserver({.percentile = std::nan("")}), "percentile must be in [50, 100]");
  EXPECT_OCTET_ERROR(MSEObserver({.qscheme = kPerChannelSymmetric}), "per-tensor observer");
  EXPECT_OCTET_ERROR(MSEObserver({.dtype = kQUInt8, .qscheme = kPerTensorSymmetric, .reduce_range = true}),
                     "cannot reduce range for symmetric quantization of quint8");
}

TEST(CalibrationObservers, ReprAndMethodMismatch) {
  PercentileObserver p;
  p.observe(tensor_of({-1.5f, 2.0f}));
  EXPECT_EQ(p.to_string(), "PercentileObserver(bins=2048, min_val=-1.5, max_val=2.0)");
  PercentileObserver q({.percentile = 99.9});
  EXPECT_OCTET_ERROR(p.merge(q), "the other observer has percentile 99.9");
  EntropyObserver e, f({.start_bin = 64});
  EXPECT_OCTET_ERROR(e.merge(f), "the other observer has start_bin 64");
}

}  // namespace
}  // namespace octet::quantization
