// histogram_observer_test.cpp: HistogramObserver's contract beyond the PyTorch goldens: options,
// NaN/inf policy, merge, state, reset, strided input, and the histc kernel against its scalar rule.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "common/test_util.h"
#include "observers/histogram_index.h"
#include "observers/histogram_torch.h"
#include "octet/cpu_features.h"
#include "octet/engine.h"
#include "octet/quantization/histogram_observer.h"

namespace octet::quantization {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor normals(Generator& gen, int64_t n, float scale, float shift = 0.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(gen.normal()) * scale + shift;
  return from_vector(v, {n});
}

bool same_bits(const Tensor& a, const Tensor& b) {
  const Tensor x = a.contiguous(), y = b.contiguous();
  return x.numel() == y.numel() && std::memcmp(x.data_ptr<float>(), y.data_ptr<float>(), x.nbytes()) == 0;
}

TEST(HistogramObserver, BuffersAndStateDictMatchPyTorch) {
  HistogramObserver obs({.bins = 64});
  std::vector<std::string> keys;
  for (const auto& [key, value] : obs.state_dict()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"eps", "histogram", "min_val", "max_val"}));
  EXPECT_EQ(obs.histogram.shape(), (Shape{64}));
  EXPECT_EQ(obs.min_val.item<float>(), kInf);
  EXPECT_EQ(obs.max_val.item<float>(), -kInf);
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.dst_nbins(), 256.0);
  EXPECT_EQ(HistogramObserver({.dtype = kQInt32}).dst_nbins(), 4294967296.0);
}

TEST(HistogramObserver, RejectsBadOptions) {
  EXPECT_OCTET_ERROR(HistogramObserver({.bins = 0}), "bins must be at least 1");
  EXPECT_OCTET_ERROR(HistogramObserver({.upsample_rate = 0}), "upsample_rate must be at least 1");
  EXPECT_OCTET_ERROR(HistogramObserver({.bins = int64_t{1} << 21}), "bins * upsample_rate must be at most 2^24");
  EXPECT_OCTET_ERROR(HistogramObserver({.is_dynamic = true}), "does not support dynamic quantization");
  EXPECT_OCTET_ERROR(HistogramObserver({.qscheme = kPerChannelAffine}), "per-tensor observer");
  EXPECT_OCTET_ERROR(HistogramObserver({.qscheme = kPerTensorSymmetric, .reduce_range = true}),
                     "cannot reduce range for symmetric quantization of quint8");
  EXPECT_OCTET_ERROR(HistogramObserver({.dtype = kFloat32}), "dtype must be quint8, qint8 or qint32");
}

TEST(HistogramObserver, UnobservedIsAnError) {
  HistogramObserver obs;
  EXPECT_OCTET_ERROR(obs.calculate_qparams(), "has observed no finite value");
  obs.observe(from_vector(std::vector<float>{kInf, -kInf}, {2}));  // nothing finite: still unobserved
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.non_finite().pos_inf, 1);
  EXPECT_EQ(obs.non_finite().neg_inf, 1);
  EXPECT_OCTET_ERROR(obs.calculate_qparams(), "HistogramObserver has observed no finite value");
  obs.observe(zeros({0}));  // empty: nothing
  EXPECT_FALSE(obs.has_observed());
}

TEST(HistogramObserver, NaNIsAnErrorUnlessSkipped) {
  const Tensor x = from_vector(std::vector<float>{1.0f, kNaN, -2.0f, kInf}, {4});
  HistogramObserver strict({.bins = 8});
  EXPECT_OCTET_ERROR(strict.observe(x), "HistogramObserver: the observed data has 1 NaN value(s)");
  EXPECT_FALSE(strict.has_observed());

  HistogramObserver lenient({.bins = 8, .skip_nan = true});
  lenient.observe(x);
  EXPECT_EQ(lenient.non_finite().nan, 1);
  EXPECT_EQ(lenient.non_finite().pos_inf, 1);
  // Only the finite values are counted: -2 in the first bin, 1 in the last.
  HistogramObserver finite({.bins = 8});
  finite.observe(from_vector(std::vector<float>{1.0f, -2.0f}, {2}));
  EXPECT_TRUE(same_bits(lenient.histogram, finite.histogram));
  EXPECT_EQ(lenient.min_val.item<float>(), -2.0f);
  EXPECT_EQ(lenient.max_val.item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(std::accumulate(finite.histogram.data_ptr<float>(), finite.histogram.data_ptr<float>() + 8, 0.0f),
                  2.0f);
}

TEST(HistogramObserver, ForwardReturnsItsInput) {
  HistogramObserver obs;
  Generator gen(test::test_seed(11));
  const Tensor x = normals(gen, 100, 1.0f);
  const Tensor y = obs.forward(x);
  EXPECT_EQ(y.data_ptr<float>(), x.data_ptr<float>());
  EXPECT_TRUE(obs.has_observed());
}

TEST(HistogramObserver, StridedInputEqualsContiguous) {
  Generator gen(test::test_seed(12));
  const Tensor x = normals(gen, 6 * 50, 2.0f).reshape({6, 50});
  const Tensor t = x.t();                    // dense, permuted
  const Tensor s = x.slice(1, 0, 50, 3);     // strided with gaps
  HistogramObserver a, b, c, d;
  a.observe(x);
  b.observe(t);
  c.observe(s);
  d.observe(s.contiguous());
  EXPECT_TRUE(same_bits(a.histogram, b.histogram));
  EXPECT_TRUE(same_bits(c.histogram, d.histogram));
  EXPECT_EQ(c.min_val.item<float>(), d.min_val.item<float>());
}

TEST(HistogramObserver, TooWideARangeIsAnError) {
  HistogramObserver obs;
  EXPECT_OCTET_ERROR(obs.observe(from_vector(std::vector<float>{-3e38f, 3e38f}, {2})),
                     "is too wide for float32 histogram arithmetic");
  EXPECT_FALSE(obs.has_observed());
  obs.observe(from_vector(std::vector<float>{-1e34f, 1e34f}, {2}));  // (max - min) * 2048 < FLT_MAX
  EXPECT_TRUE(obs.has_observed());
  HistogramObserver constant;
  EXPECT_OCTET_ERROR(constant.observe(from_vector(std::vector<float>{3.4028235e38f}, {1})),
                     "cannot histogram the constant value");
}

// merge(a, b) over one shared range adds the histograms, exactly what observing b's batch after a's
// does; over different ranges it re-bins into the union and is commutative.
TEST(HistogramObserver, MergeSameRangeEqualsObservingBoth) {
  Generator gen(test::test_seed(13));
  std::vector<float> av(500), bv(700);
  for (auto& v : av) v = static_cast<float>(gen.normal());
  for (auto& v : bv) v = static_cast<float>(gen.normal()) * 0.5f;
  // Give both batches the same range.
  av[0] = -4.0f, av[1] = 4.0f, bv[0] = -4.0f, bv[1] = 4.0f;
  const Tensor a = from_vector(av, {500}), b = from_vector(bv, {700});
  HistogramObserver seq, left, right;
  seq.observe(a);
  seq.observe(b);
  left.observe(a);
  right.observe(b);
  left.merge(right);
  EXPECT_TRUE(same_bits(left.histogram, seq.histogram));
  EXPECT_EQ(left.min_val.item<float>(), -4.0f);
  const auto q1 = left.calculate_qparams(), q2 = seq.calculate_qparams();
  EXPECT_EQ(q1.scale.item<float>(), q2.scale.item<float>());
  EXPECT_EQ(q1.zero_point.item<int64_t>(), q2.zero_point.item<int64_t>());
}

TEST(HistogramObserver, MergeDifferentRangesIsCommutativeAndKeepsTheMass) {
  Generator gen(test::test_seed(14));
  HistogramObserver a({.bins = 256}), b({.bins = 256});
  a.observe(normals(gen, 1000, 1.0f));
  b.observe(normals(gen, 600, 3.0f, 1.0f));
  auto ab = a.clone(), ba = b.clone();  // clone(): a copy of a Module shares its tensors
  ab->merge(b);
  ba->merge(a);
  EXPECT_TRUE(same_bits(ab->histogram, ba->histogram));
  EXPECT_EQ(ab->min_val.item<float>(), std::min(a.min_val.item<float>(), b.min_val.item<float>()));
  EXPECT_EQ(ab->max_val.item<float>(), std::max(a.max_val.item<float>(), b.max_val.item<float>()));
  const float* h = ab->histogram.data_ptr<float>();
  EXPECT_NEAR(std::accumulate(h, h + 256, 0.0), 1600.0, 1e-3);
}

TEST(HistogramObserver, MergeWithUnobservedAndMismatches) {
  Generator gen(test::test_seed(15));
  HistogramObserver seen, empty;
  seen.observe(normals(gen, 100, 1.0f));
  auto copy = seen.clone();
  copy->merge(empty);  // nothing to add
  EXPECT_TRUE(same_bits(copy->histogram, seen.histogram));
  empty.merge(seen);  // takes the other's statistics
  EXPECT_TRUE(same_bits(empty.histogram, seen.histogram));
  EXPECT_EQ(empty.max_val.item<float>(), seen.max_val.item<float>());
  HistogramObserver other_bins({.bins = 100});
  EXPECT_OCTET_ERROR(seen.merge(other_bins), "the other observer has 100 bins");
  HistogramObserver other_dtype({.dtype = kQInt8});
  EXPECT_OCTET_ERROR(seen.merge(other_dtype), "different options");
}

TEST(HistogramObserver, StateRoundTripAndReset) {
  Generator gen(test::test_seed(16));
  HistogramObserver obs({.bins = 128, .skip_nan = true});
  obs.observe(normals(gen, 300, 1.0f));
  obs.observe(from_vector(std::vector<float>{kNaN, 9.0f}, {2}));
  const nn::StateDict st = obs.state();
  HistogramObserver restored({.bins = 128, .skip_nan = true});
  restored.load_state(st);
  EXPECT_TRUE(same_bits(restored.histogram, obs.histogram));
  EXPECT_EQ(restored.non_finite().nan, 1);
  EXPECT_EQ(restored.calculate_qparams().scale.item<float>(), obs.calculate_qparams().scale.item<float>());

  nn::StateDict bad = obs.state();
  bad.insert_or_assign("min_val", full({}, 10.0, kFloat32));
  EXPECT_OCTET_ERROR(restored.load_state(bad), "is not a state it can be in");
  nn::StateDict negative = obs.state();
  Tensor h = obs.histogram.clone();
  h.data_ptr<float>()[3] = -1.0f;
  negative.insert_or_assign("histogram", h);
  EXPECT_OCTET_ERROR(restored.load_state(negative), "histogram[3] = -1 is not a count");

  obs.reset();
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.non_finite().total(), 0);
  EXPECT_EQ(obs.histogram.data_ptr<float>()[0], 0.0f);
}

TEST(HistogramObserver, ReprLikePyTorch) {
  HistogramObserver obs;
  obs.observe(from_vector(std::vector<float>{-1.5f, 2.0f}, {2}));
  EXPECT_EQ(obs.to_string(), "HistogramObserver(min_val=-1.5, max_val=2.0)");
}

// The blocked histc kernel against its one-element rule, on values at and around every edge.
TEST(HistogramKernel, HistcEqualsItsScalarRule) {
  Generator gen(test::test_seed(17));
  for (const int64_t bins : {1, 7, 100, 2048}) {
    for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{-1.0f, 1.0f}, {0.1f, 0.7f}, {-3e30f, 1e30f},
                                                                      {1.0f, 1.0000005f}}) {
      const detail::HistcRange r = detail::histc_range(lo, hi, lo, hi);
      ASSERT_TRUE(r.ok);
      std::vector<float> x;
      std::vector<float> edges(static_cast<size_t>(bins + 1));
      detail::aten_linspace(lo, hi, bins + 1, edges.data());
      for (const float e : edges) {
        x.push_back(e);
        x.push_back(std::nextafter(e, -kInf));
        x.push_back(std::nextafter(e, kInf));
      }
      for (int i = 0; i < 1000; ++i) x.push_back(lo + (hi - lo) * gen.uniform_float() * 1.2f - (hi - lo) * 0.1f);
      x.insert(x.end(), {kNaN, kInf, -kInf, lo, hi});
      std::vector<float> got(static_cast<size_t>(bins));
      detail::histc(x.data(), static_cast<int64_t>(x.size()), bins, r, got.data());
      std::vector<float> want(static_cast<size_t>(bins), 0.0f);
      for (const float v : x) {
        const int64_t b = detail::histc_bin(v, bins, r);
        if (b >= 0) want[static_cast<size_t>(b)] += 1.0f;
      }
      EXPECT_EQ(got, want) << "bins=" << bins << " lo=" << lo << " hi=" << hi;
    }
  }
}

// Every ISA variant of histc's index rule equals the scalar rule (and the cap picks each in turn).
TEST(HistogramKernel, IndexKernelsEqualScalar) {
  Generator gen(test::test_seed(18));
  std::vector<std::pair<const char*, Isa>> levels = {{"ref", Isa::Ref}};
#if defined(OCTET_ARCH_X86)
  levels.push_back({"avx2", Isa::Avx2});
  levels.push_back({"avx512", Isa::Avx512});
#endif
  const Isa cap = max_isa();
  for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{-1.0f, 1.0f}, {-3e30f, 1e30f}, {1.0f, 1.0000005f}}) {
    for (const int64_t bins : {7, 2048}) {
      const detail::HistcRange r = detail::histc_range(lo, hi, lo, hi);
      std::vector<float> edges(static_cast<size_t>(bins + 1));
      detail::aten_linspace(lo, hi, bins + 1, edges.data());
      std::vector<float> x = {kNaN, kInf, -kInf, lo, hi, std::nextafter(lo, -kInf), std::nextafter(hi, kInf)};
      for (const float e : edges) x.insert(x.end(), {e, std::nextafter(e, -kInf), std::nextafter(e, kInf)});
      for (int i = 0; i < 999; ++i) x.push_back(lo + (hi - lo) * gen.uniform_float());
      const auto n = static_cast<int64_t>(x.size());
      const detail::HistcIndexParams p{r.lo, r.hi, static_cast<float>(bins), static_cast<float>(bins - 1)};
      std::vector<int32_t> want(x.size()), got(x.size());
      detail::histc_index_scalar(x.data(), n, p, want.data());
      for (int64_t i = 0; i < n; ++i) {
        const int64_t b = detail::histc_bin(x[static_cast<size_t>(i)], bins, r);
        ASSERT_EQ(want[static_cast<size_t>(i)], b < 0 ? bins : b) << x[static_cast<size_t>(i)];
      }
      for (const auto& [name, isa] : levels) {
        if (!isa_usable(isa)) continue;
        set_max_isa(isa);
        std::fill(got.begin(), got.end(), -7);
        detail::histc_index_kernel()(x.data(), n, p, got.data());
        set_max_isa(cap);
        EXPECT_EQ(got, want) << name << " lo=" << lo << " hi=" << hi << " bins=" << bins;
      }
    }
  }
}

// Large batches are counted on several threads with private tables; the counts do not depend on
// the split.
TEST(HistogramKernel, ThreadedCountsEqualSerial) {
  Generator gen(test::test_seed(19));
  std::vector<float> x(300001);
  for (auto& v : x) v = static_cast<float>(gen.normal());
  x[5] = kNaN;
  x[77] = kInf;
  const detail::HistcRange r = detail::histc_range(-4.0f, 4.0f, -4.0f, 4.0f);
  const int threads = get_num_threads();
  std::vector<float> one(2048), many(2048);
  set_num_threads(1);
  detail::histc(x.data(), static_cast<int64_t>(x.size()), 2048, r, one.data());
  set_num_threads(3);
  detail::histc(x.data(), static_cast<int64_t>(x.size()), 2048, r, many.data());
  set_num_threads(threads);
  EXPECT_EQ(one, many);
  double total = 0;
  for (const float c : one) total += c;
  int64_t inside = 0;
  for (const float v : x) inside += (v >= -4.0f && v <= 4.0f) ? 1 : 0;
  EXPECT_EQ(total, static_cast<double>(inside));
}

// Known values of torch.histc's rule (checked against PyTorch): the max lands in the last bin,
// a constant v gets edges one unit (or one float step) either side.
TEST(HistogramKernel, HistcEdgesAsPyTorch) {
  const detail::HistcRange unit = detail::histc_range(0.0f, 1.0f, 0.0f, 1.0f);
  EXPECT_EQ(detail::histc_bin(1.0f, 4, unit), 3);
  EXPECT_EQ(detail::histc_bin(0.25f, 4, unit), 1);
  EXPECT_EQ(detail::histc_bin(1.5f, 4, unit), -1);
  EXPECT_EQ(detail::histc_bin(kNaN, 4, unit), -1);
  EXPECT_EQ(detail::histc_bin(0.0f, 2048, detail::histc_range(0.0f, 0.0f, 0.0f, 0.0f)), 1024);
  // 2^24: the float step below is 1, above 2: edges 16777215 and 16777218, bin 682 of 2048.
  const float big = 16777216.0f;
  EXPECT_EQ(detail::histc_bin(big, 2048, detail::histc_range(big, big, big, big)), 682);
}

// ATen's cascade sum differs from a plain running sum (values checked against torch.sum).
TEST(HistogramKernel, CascadeSumOrder) {
  std::vector<float> v(40, 1.0f);
  v[0] = 1e8f;
  float running = 0.0f;
  for (const float x : v) running += x;
  EXPECT_EQ(running, 1e8f);  // 1e8 absorbs every 1 (float step 8)
  // The ones gather in the other seven lanes first (5 each), and those sums survive the final add.
  EXPECT_EQ(detail::aten_sum(v.data(), 40), 100000056.0f);
  EXPECT_EQ(detail::aten_sum(v.data(), 5), 1e8f);
  std::vector<float> cs(4);
  const float w[] = {1e8f, 1.0f, 1.0f, 1.0f};
  detail::aten_cumsum(w, 4, cs.data());
  EXPECT_EQ(cs[3], 1e8f);  // 100000003 in double, rounded to float32
}

}  // namespace
}  // namespace octet::quantization
