// linear_test.cpp: quantized linear / linear_relu / linear_dynamic equal an inline int64 reference exactly, on every ISA cap and for 1-3 threads.
//
// The reference restates the contract of include/octet/quantized/linear.h element by element:
// the int32 bias by the qint32 rule, the sum in int64 wrapped once to int32, one float32 multiply
// by M[j] = (float)(sa * sw[j] / so), nearbyint, the zero point, the clamp. Every ISA cap usable
// on the machine (a TEST_P per level, skipped when the level is not usable) and 1, 2 and 3 threads
// must give those integers bit for bit. The packed weights are made once per case, before the
// caps change, so lazy repacking for another panel width is exercised too.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

// Restores the ISA cap and the thread count when the test ends.
struct SavedSettings {
  Isa isa = max_isa();
  int threads = get_num_threads();
  ~SavedSettings() {
    set_max_isa(isa);
    set_num_threads(threads);
  }
};

// How the stored integers are drawn.
enum class Fill {
  Random,   // uniform over the dtype
  Extreme,  // each value qmin or qmax: saturating products (255 x -128)
  Seven,    // activations whose offset byte is <= 127 (the 7-bit kernels' domain)
};

int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// The qint32 quantize rule with zero point 0: nearbyint(x * (1 / scale)) saturated to int32.
int32_t quantize_bias(float x, float scale) {
  const float r = std::nearbyint(x * (1.0f / scale));
  if (!(r < 2147483648.0f)) return std::numeric_limits<int32_t>::max();
  if (r < -2147483648.0f) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(r);
}

int64_t draw(Generator& g, int64_t lo, int64_t hi, Fill fill) {
  if (fill == Fill::Extreme) return g.randint(0, 2) == 0 ? lo : hi;
  return g.randint(lo, hi + 1);
}

// One quantized linear problem, built with chained setters (XNNPACK's tester style).
class QLinearTester {
 public:
  QLinearTester& m(int64_t v) { m_ = v; return *this; }
  QLinearTester& n(int64_t v) { n_ = v; return *this; }
  QLinearTester& k(int64_t v) { k_ = v; return *this; }
  QLinearTester& act(DType v) { act_ = v; return *this; }
  QLinearTester& a_zero_point(int64_t v) { a_zp_ = v; return *this; }
  // Per-tensor weight zero point, or per-channel ones (cycled over the n channels).
  QLinearTester& w_zero_point(int64_t v) { w_zps_ = {v}; per_channel_ = false; return *this; }
  QLinearTester& w_per_channel(std::vector<int64_t> zps) { w_zps_ = std::move(zps); per_channel_ = true; return *this; }
  QLinearTester& out_zero_point(int64_t v) { out_zp_ = v; return *this; }
  // Output scale relative to the one that spreads the outputs over ~200 steps (small: saturation).
  QLinearTester& out_scale_factor(double v) { out_factor_ = v; return *this; }
  QLinearTester& bias(bool v) { bias_ = v; return *this; }
  QLinearTester& bias_magnitude(float v) { bias_mag_ = v; return *this; }
  QLinearTester& relu(bool v) { relu_ = v; return *this; }
  QLinearTester& fill(Fill v) { fill_ = v; return *this; }
  QLinearTester& threads(std::vector<int> v) { threads_ = std::move(v); return *this; }

  std::string describe() const {
    std::ostringstream os;
    os << "m " << m_ << " n " << n_ << " k " << k_ << " act " << act_ << " za " << a_zp_ << " zw "
       << (per_channel_ ? "per-channel " : "per-tensor ") << w_zps_[0] << " zo " << out_zp_ << " bias " << bias_
       << " relu " << relu_ << " fill " << static_cast<int>(fill_) << " isa " << isa_name(max_isa());
    return os.str();
  }

  // Static linear (and linear_relu) under the current ISA cap, for each thread count.
  void test(Generator& g) const {
    const int64_t aq_min = dtype_qmin(act_), aq_max = dtype_qmax(act_);
    // Activations.
    std::vector<int64_t> a(static_cast<size_t>(m_ * k_));
    for (auto& v : a) {
      if (fill_ == Fill::Seven) {
        v = act_ == kQUInt8 ? g.randint(0, 128) : g.randint(-128, 0);  // offset bytes 0..127
      } else {
        v = draw(g, aq_min, aq_max, fill_);
      }
    }
    // Weights, per-channel scales and zero points.
    std::vector<int64_t> w(static_cast<size_t>(n_ * k_));
    for (auto& v : w) v = draw(g, -128, 127, fill_ == Fill::Extreme ? Fill::Extreme : Fill::Random);
    std::vector<double> sw(static_cast<size_t>(n_));
    std::vector<int64_t> zw(static_cast<size_t>(n_));
    const double sw0 = 0.001 + 0.01 * g.uniform_double();
    for (int64_t j = 0; j < n_; ++j) {
      // Float32 values, as observers produce.
      sw[static_cast<size_t>(j)] = per_channel_ ? static_cast<float>(0.001 + 0.01 * g.uniform_double()) : static_cast<float>(sw0);
      zw[static_cast<size_t>(j)] = w_zps_[static_cast<size_t>(j) % w_zps_.size()];
    }
    const double sa = static_cast<float>(0.005 + 0.05 * g.uniform_double());
    std::vector<float> bias(static_cast<size_t>(n_));
    for (auto& b : bias) b = static_cast<float>((2.0 * g.uniform_double() - 1.0) * bias_mag_);

    // Reference accumulators (int64, wrapped once) and the output scale that spreads them.
    std::vector<int32_t> acc(static_cast<size_t>(m_ * n_));
    int64_t lo = 0, hi = 0;
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t j = 0; j < n_; ++j) {
        const auto js = static_cast<size_t>(j);
        int64_t s = bias_ ? quantize_bias(bias[js], static_cast<float>(sa * sw[js])) : 0;
        for (int64_t kk = 0; kk < k_; ++kk) {
          s += (a[static_cast<size_t>(i * k_ + kk)] - a_zp_) * (w[static_cast<size_t>(j * k_ + kk)] - zw[js]);
        }
        acc[static_cast<size_t>(i * n_ + j)] = wrap32(s);
        lo = std::min<int64_t>(lo, wrap32(s));
        hi = std::max<int64_t>(hi, wrap32(s));
      }
    }
    const double sw_max = *std::max_element(sw.begin(), sw.end());
    const double so = static_cast<float>(sa * sw_max * static_cast<double>(std::max<int64_t>(hi - lo, 1)) / 200.0 * out_factor_);

    // Tensors.
    Tensor a_t = act_ == kQUInt8 ? from_vector(std::vector<uint8_t>(a.begin(), a.end()), {m_, k_})
                                 : from_vector(std::vector<int8_t>(a.begin(), a.end()), {m_, k_});
    Tensor x = make_per_tensor_quantized_tensor(a_t, sa, a_zp_);
    Tensor w_int = from_vector(std::vector<int8_t>(w.begin(), w.end()), {n_, k_});
    Tensor w_q = per_channel_ ? make_per_channel_quantized_tensor(w_int, from_vector(sw), from_vector(zw), 0)
                              : make_per_tensor_quantized_tensor(w_int, sw[0], zw[0]);
    Tensor b_t = bias_ ? from_vector(bias) : Tensor();
    const auto packed = Q::linear_prepack(w_q, b_t);

    // Expected integers.
    const int64_t qmin = relu_ ? out_zp_ : aq_min, qmax = aq_max;
    std::vector<int64_t> want(static_cast<size_t>(m_ * n_));
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t j = 0; j < n_; ++j) {
        const auto mult = static_cast<float>(sa * sw[static_cast<size_t>(j)] / so);
        float t = std::nearbyint(static_cast<float>(acc[static_cast<size_t>(i * n_ + j)]) * mult) +
                  static_cast<float>(out_zp_);
        if (!(t <= static_cast<float>(qmax))) t = static_cast<float>(qmax);
        if (t < static_cast<float>(qmin)) t = static_cast<float>(qmin);
        want[static_cast<size_t>(i * n_ + j)] = static_cast<int64_t>(t);
      }
    }

    for (int nt : threads_) {
      set_num_threads(nt);
      const Tensor y = relu_ ? Q::linear_relu(x, packed, so, out_zp_) : Q::linear(x, packed, so, out_zp_);
      ASSERT_EQ(y.dtype(), act_);
      ASSERT_EQ(y.shape(), (Shape{m_, n_}));
      ASSERT_EQ(y.q_zero_point(), out_zp_);
      const Tensor yi = y.int_repr().to(kInt64);
      const int64_t* got = yi.data_ptr<int64_t>();
      for (int64_t e = 0; e < m_ * n_; ++e) {
        ASSERT_EQ(got[e], want[static_cast<size_t>(e)])
            << describe() << " threads " << nt << " at row " << e / n_ << " col " << e % n_ << " acc "
            << acc[static_cast<size_t>(e)] << " sa " << sa << " sw " << sw[static_cast<size_t>(e % n_)] << " so " << so;
      }
    }
  }

 private:
  int64_t m_ = 1, n_ = 1, k_ = 1;
  DType act_ = kQUInt8;
  int64_t a_zp_ = 0;
  std::vector<int64_t> w_zps_ = {0};
  bool per_channel_ = false;
  int64_t out_zp_ = 0;
  double out_factor_ = 1.0;
  bool bias_ = true;
  float bias_mag_ = 1.0f;
  bool relu_ = false;
  Fill fill_ = Fill::Random;
  std::vector<int> threads_ = {1, 2, 3};
};

// {qmin, 0, 1, mid, qmax} of a dtype, without repeats.
std::vector<int64_t> zero_point_grid(DType dt) {
  const int64_t lo = dtype_qmin(dt), hi = dtype_qmax(dt);
  std::vector<int64_t> v = {lo, 0, 1, (lo + hi + 1) / 2, hi};
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// linear_dynamic's answer restated: the input quantized by the dynamic rule (checked against
// PyTorch in tests/quant), y = (float)acc * (float)(sa * sw[j]) + bias[j] (relu: max(y, 0)).
std::vector<float> dynamic_reference(const Tensor& x, const std::vector<int64_t>& w, const std::vector<double>& sw,
                                     const std::vector<int64_t>& zw, const Tensor& b, bool reduce, bool relu) {
  const int64_t k = x.size(-1), m = x.numel() / k, n = static_cast<int64_t>(sw.size());
  const Tensor xq = quantize_per_tensor_dynamic(x, kQUInt8, reduce);
  const double sa = xq.q_scale();
  const int64_t za = xq.q_zero_point();
  const Tensor ai = xq.int_repr().to(kInt64).contiguous();
  const int64_t* ad = ai.data_ptr<int64_t>();
  const float* bd = b.data_ptr<float>();
  std::vector<float> want(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const auto js = static_cast<size_t>(j);
      int64_t acc = 0;
      for (int64_t kk = 0; kk < k; ++kk) acc += (ad[i * k + kk] - za) * (w[static_cast<size_t>(j * k + kk)] - zw[js]);
      float v = static_cast<float>(wrap32(acc)) * static_cast<float>(sa * sw[js]);
      v = v + bd[j];
      if (relu) v = std::max(v, 0.0f);
      want[static_cast<size_t>(i * n + j)] = v;
    }
  }
  return want;
}

class QuantizedLinearIsa : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!isa_usable(GetParam())) GTEST_SKIP() << isa_rejection_reason(GetParam());
    set_max_isa(GetParam());
  }
  SavedSettings saved_;
};

// Every small shape: M and N below, at and above the kernels' tiles, K around multiples of 4.
TEST_P(QuantizedLinearIsa, ShapesExact) {
  Generator g(test::test_seed(101));
  int64_t c = 0;
  for (int64_t m : {1, 2, 3, 4, 5, 8, 17}) {
    for (int64_t n : {1, 3, 4, 5, 8, 15, 16, 17, 33, 65}) {
      for (int64_t k : {1, 2, 3, 4, 5, 7, 8, 16, 17, 33, 100}) {
        const DType dt = c % 2 == 0 ? kQUInt8 : kQInt8;
        const auto zps = zero_point_grid(dt);
        const auto wz = zero_point_grid(kQInt8);
        QLinearTester t;
        t.m(m).n(n).k(k).act(dt).a_zero_point(zps[static_cast<size_t>(c) % zps.size()])
            .out_zero_point(zps[static_cast<size_t>(c / 3) % zps.size()]).bias(c % 3 != 0).relu(c % 4 == 1);
        if (c % 5 < 2) {
          t.w_per_channel({wz[static_cast<size_t>(c) % wz.size()], 0, -3, 127});
        } else {
          t.w_zero_point(c % 5 == 2 ? 0 : wz[static_cast<size_t>(c / 7) % wz.size()]);
        }
        t.test(g);
        if (HasFatalFailure()) return;
        ++c;
      }
    }
  }
}

// Every combination of activation, weight and output zero points from {qmin, 0, 1, mid, qmax}.
TEST_P(QuantizedLinearIsa, ZeroPointGridExact) {
  Generator g(test::test_seed(202));
  for (DType dt : {kQUInt8, kQInt8}) {
    for (int64_t za : zero_point_grid(dt)) {
      for (int64_t zw : zero_point_grid(kQInt8)) {
        for (int64_t zo : zero_point_grid(dt)) {
          for (bool per_channel : {false, true}) {
            QLinearTester t;
            t.m(5).n(19).k(37).act(dt).a_zero_point(za).out_zero_point(zo).relu(zo % 2 != 0).threads({1});
            if (per_channel) {
              t.w_per_channel({zw, 0, 1});
            } else {
              t.w_zero_point(zw);
            }
            t.test(g);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

// Saturating inputs: every stored value at its dtype's end (255 x -128 and friends), zero points at
// the ends too, K long enough for |acc| near 2^28; outputs saturate at both ends.
TEST_P(QuantizedLinearIsa, SaturatingExtremesExact) {
  Generator g(test::test_seed(303));
  for (DType dt : {kQUInt8, kQInt8}) {
    for (int64_t k : {4, 37, 4100}) {
      for (int64_t za : {dtype_qmin(dt), dtype_qmax(dt)}) {
        for (int64_t zw : {-128, 127, 0}) {
          for (double factor : {1.0, 0.01}) {
            QLinearTester t;
            t.m(6).n(21).k(k).act(dt).a_zero_point(za).w_zero_point(zw).fill(Fill::Extreme).out_scale_factor(factor)
                .out_zero_point(dtype_qmin(dt) + 3).threads({1, 2});
            t.test(g);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

// A bias beyond int32 (the qint32 rule saturates it) and one that makes the sum wrap mod 2^32.
TEST_P(QuantizedLinearIsa, HugeBiasSaturatesExact) {
  Generator g(test::test_seed(404));
  for (float mag : {1e6f, 1e30f}) {
    QLinearTester t;
    t.m(3).n(17).k(33).bias_magnitude(mag).fill(Fill::Extreme).threads({1});
    t.test(g);
    if (HasFatalFailure()) return;
  }
}

// in_features = 0: the sum is empty and the output is the requantized int32 bias alone (the
// kernels' kc = 0 epilogue).
TEST_P(QuantizedLinearIsa, EmptyKIsTheBiasExact) {
  Generator g(test::test_seed(454));
  for (DType dt : {kQUInt8, kQInt8}) {
    QLinearTester t;
    t.m(5).n(37).k(0).act(dt).bias_magnitude(0.05f).w_per_channel({1, -2, 0});
    t.test(g);
    if (HasFatalFailure()) return;
  }
}

// Activations whose offset bytes are <= 127 take the 7-bit kernels where a level has them.
TEST_P(QuantizedLinearIsa, SevenBitActivationsExact) {
  Generator g(test::test_seed(505));
  for (DType dt : {kQUInt8, kQInt8}) {
    for (int64_t k : {3, 64, 301}) {
      QLinearTester t;
      t.m(9).n(35).k(k).act(dt).a_zero_point(dt == kQUInt8 ? 64 : -100).w_per_channel({-128, 5, 127}).fill(Fill::Seven);
      t.test(g);
      if (HasFatalFailure()) return;
    }
  }
}

// Products big enough to run on several threads (the driver keeps products under ~1M
// multiply-adds on one thread), with several N chunks of weights (K = 4100: a panel of NR columns
// is NR x 4 KB and a chunk holds at most 512 KB, so 150 columns need 2+ chunks for NR >= 4) and
// several M chunks (64 rows each; 257 rows leave a 1-row chunk).
TEST_P(QuantizedLinearIsa, ThreadedLargeExact) {
  Generator g(test::test_seed(606));
  struct S {
    int64_t m, n, k;
  };
  for (const S& s : {S{130, 200, 131}, S{64, 700, 64}, S{3, 1000, 1031}, S{70, 150, 4100}, S{257, 67, 200}}) {
    QLinearTester t;
    t.m(s.m).n(s.n).k(s.k).act(s.m % 2 == 0 ? kQInt8 : kQUInt8).a_zero_point(s.m % 2 == 0 ? -3 : 131)
        .w_per_channel({0, 1, -128, 127, 2}).relu(s.n % 2 == 0).out_zero_point(s.m % 2 == 0 ? 0 : 128);
    t.test(g);
    if (HasFatalFailure()) return;
  }
}

// linear_dynamic: the input is quantized by the dynamic rule (checked against PyTorch in
// tests/quant), then y = (float)acc * (float)(sa * sw[j]) + bias[j], bit for bit.
TEST_P(QuantizedLinearIsa, DynamicExact) {
  Generator g(test::test_seed(707));
  struct S {
    int64_t m, n, k;
  };
  int c = 0;
  for (const S& s : {S{1, 17, 33}, S{5, 65, 7}, S{17, 31, 100}, S{130, 200, 131}, S{4, 1000, 1031}}) {
    for (bool reduce : {false, true}) {
      for (bool relu : {false, true}) {
        for (bool per_channel : {false, true}) {
          ++c;
          Tensor x = randn({s.m, s.k}, g);
          // An offset so the zero point moves off the middle.
          float* xd = x.data_ptr<float>();
          for (int64_t e = 0; e < x.numel(); ++e) xd[e] += 0.7f * static_cast<float>(c % 3);
          std::vector<int64_t> w(static_cast<size_t>(s.n * s.k));
          for (auto& v : w) v = g.randint(-128, 128);
          std::vector<double> sw(static_cast<size_t>(s.n));
          std::vector<int64_t> zw(static_cast<size_t>(s.n));
          for (size_t j = 0; j < sw.size(); ++j) {
            sw[j] = static_cast<float>(0.001 + 0.01 * g.uniform_double());
            zw[j] = per_channel ? static_cast<int64_t>(j % 5) - 2 : 3;
          }
          if (!per_channel) std::fill(sw.begin(), sw.end(), sw[0]);
          Tensor w_int = from_vector(std::vector<int8_t>(w.begin(), w.end()), {s.n, s.k});
          Tensor w_q = per_channel ? make_per_channel_quantized_tensor(w_int, from_vector(sw), from_vector(zw), 0)
                                   : make_per_tensor_quantized_tensor(w_int, sw[0], zw[0]);
          Tensor b = randn({s.n}, g);
          const auto packed = Q::linear_prepack(w_q, b);

          const std::vector<float> want = dynamic_reference(x, w, sw, zw, b, reduce, relu);
          for (int nt : {1, 2, 3}) {
            set_num_threads(nt);
            const Tensor y = relu ? Q::linear_relu_dynamic(x, packed, reduce) : Q::linear_dynamic(x, packed, reduce);
            ASSERT_EQ(y.dtype(), kFloat32);
            ASSERT_EQ(y.shape(), (Shape{s.m, s.n}));
            const float* yd = y.data_ptr<float>();
            for (int64_t e = 0; e < s.m * s.n; ++e) {
              ASSERT_EQ(std::bit_cast<uint32_t>(yd[e]), std::bit_cast<uint32_t>(want[static_cast<size_t>(e)]))
                  << "m " << s.m << " n " << s.n << " k " << s.k << " reduce " << reduce << " relu " << relu
                  << " per_channel " << per_channel << " threads " << nt << " isa " << isa_name(max_isa()) << " at "
                  << e << ": " << yd[e] << " vs " << want[static_cast<size_t>(e)];
            }
          }
        }
      }
    }
  }
}

// The input's range is found wherever its extremes sit (every position of a 3 x 7 input, which
// covers the vectorized body and the tail of the range scan), and NaN or inf anywhere is an Error.
TEST_P(QuantizedLinearIsa, DynamicRangeFoundAnywhere) {
  Generator g(test::test_seed(717));
  const int64_t m = 3, k = 7, n = 5;
  std::vector<int64_t> w(static_cast<size_t>(n * k));
  for (auto& v : w) v = g.randint(-128, 128);
  const std::vector<double> sw(static_cast<size_t>(n), 0.0078125);
  const std::vector<int64_t> zw(static_cast<size_t>(n), 1);
  const Tensor b = randn({n}, g);
  const auto packed = Q::linear_prepack(
      make_per_tensor_quantized_tensor(from_vector(std::vector<int8_t>(w.begin(), w.end()), {n, k}), sw[0], zw[0]), b);
  for (int64_t pos = 0; pos < m * k; ++pos) {
    for (float extreme : {40.0f, -40.0f}) {
      Tensor x = rand({m, k}, g);
      x.data_ptr<float>()[pos] = extreme;
      const std::vector<float> want = dynamic_reference(x, w, sw, zw, b, /*reduce=*/false, /*relu=*/false);
      const Tensor y = Q::linear_dynamic(x, packed);
      for (int64_t e = 0; e < m * n; ++e) {
        ASSERT_EQ(std::bit_cast<uint32_t>(y.data_ptr<float>()[e]), std::bit_cast<uint32_t>(want[static_cast<size_t>(e)]))
            << "extreme " << extreme << " at " << pos << ", output " << e;
      }
      for (float bad : {NAN, INFINITY}) {
        x.data_ptr<float>()[pos] = bad;
        EXPECT_OCTET_ERROR(Q::linear_dynamic(x, packed), "the input contains NaN or infinity");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryIsa, QuantizedLinearIsa,
                         ::testing::Values(Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); });

// --- shapes, unpack, sharing -------------------------------------------------------------------------

Tensor random_qint8_weight(int64_t n, int64_t k, Generator& g, bool per_channel) {
  Tensor w = randn({n, k}, g);
  if (!per_channel) return quantize_per_tensor(w, 0.02, 3, kQInt8);
  std::vector<double> scales(static_cast<size_t>(n));
  std::vector<int64_t> zps(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    scales[static_cast<size_t>(j)] = 0.01 + 0.001 * static_cast<double>(j);
    zps[static_cast<size_t>(j)] = j % 3 - 1;
  }
  return quantize_per_channel(w, scales, zps, 0, kQInt8);
}

// Batch dims are flattened into rows and restored; a 1-D input is one row; views are accepted.
TEST(QuantizedLinear, AnyRankAndLayout) {
  Generator g(test::test_seed(808));
  const auto packed = Q::linear_prepack(random_qint8_weight(6, 10, g, true), randn({6}, g));
  const Tensor x = quantize_per_tensor(randn({2, 3, 10}, g), 0.03, 120, kQUInt8);
  const Tensor y = Q::linear(x, packed, 0.05, 100);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 6}));
  const Tensor y2 = Q::linear(x.reshape({6, 10}), packed, 0.05, 100);
  EXPECT_TRUE(equal(y.int_repr().reshape({6, 6}), y2.int_repr()));
  const Tensor y1 = Q::linear(x[1][2], packed, 0.05, 100);
  ASSERT_EQ(y1.shape(), (Shape{6}));
  EXPECT_TRUE(equal(y1.int_repr(), y2.int_repr()[5]));
  // A transposed (non-contiguous) input view gives the same rows.
  const Tensor xt = quantize_per_tensor(randn({10, 4}, g), 0.03, 120, kQUInt8);
  EXPECT_TRUE(equal(Q::linear(xt.t(), packed, 0.05, 100).int_repr(), Q::linear(xt.t().contiguous(), packed, 0.05, 100).int_repr()));
  // Zero rows: an empty output of the right shape.
  const Tensor e = Q::linear(quantize_per_tensor(zeros({0, 10}), 0.1, 0, kQUInt8), packed, 0.05, 100);
  EXPECT_EQ(e.shape(), (Shape{0, 6}));
  const Tensor ed = Q::linear_dynamic(zeros({2, 0, 10}), packed);
  EXPECT_EQ(ed.shape(), (Shape{2, 0, 6}));
  // in_features = 0: every output is the bias (relu: clamped at 0).
  const Tensor bias = randn({6}, g);
  const auto packed_k0 = Q::linear_prepack(quantize_per_tensor(zeros({6, 0}), 0.1, 0, kQInt8), bias);
  EXPECT_TRUE(equal(Q::linear_dynamic(zeros({3, 0}), packed_k0), bias.unsqueeze(0).expand({3, 6}).contiguous()));
  EXPECT_TRUE(equal(Q::linear_relu_dynamic(zeros({3, 0}), packed_k0),
                    functional::relu(bias).unsqueeze(0).expand({3, 6}).contiguous()));
  const Tensor yd = Q::linear_dynamic(randn({2, 3, 10}, g), packed, true);
  EXPECT_EQ(yd.shape(), (Shape{2, 3, 6}));
  EXPECT_EQ(yd.dtype(), kFloat32);
}

// unpack() gives back the weight (integers and quantizer) and the bias that were packed.
TEST(QuantizedLinear, UnpackRoundTrips) {
  Generator g(test::test_seed(909));
  for (bool per_channel : {false, true}) {
    for (bool with_bias : {false, true}) {
      const Tensor w = random_qint8_weight(7, 13, g, per_channel);
      const Tensor b = with_bias ? randn({7}, g) : Tensor();
      const auto packed = Q::linear_prepack(w, b);
      const auto [w2, b2] = packed->unpack();
      EXPECT_TRUE(equal(w2, w)) << "per_channel " << per_channel;
      EXPECT_TRUE(w2.quantizer()->equals(*w.quantizer()));
      EXPECT_EQ(b2.defined(), with_bias);
      if (with_bias) {
        EXPECT_TRUE(equal(b2, b));
      }
      EXPECT_EQ(packed->in_features(), 13);
      EXPECT_EQ(packed->out_features(), 7);
    }
  }
  // A transposed view packs its logical rows.
  const Tensor wt = random_qint8_weight(9, 5, g, false).t();
  const auto [w3, b3] = Q::linear_prepack(wt)->unpack();
  EXPECT_TRUE(equal(w3, wt.contiguous()));
}

// One packed object shared by threads calling at once (the lazy panels and the cached constants
// are guarded): every caller gets the single-threaded answer.
TEST(QuantizedLinear, SharedAcrossCallingThreads) {
  Generator g(test::test_seed(1010));
  SavedSettings saved;
  set_num_threads(1);
  const auto packed = Q::linear_prepack(random_qint8_weight(40, 50, g, true), randn({40}, g));
  std::vector<Tensor> xs;
  std::vector<Tensor> want;
  for (int t = 0; t < 4; ++t) {
    xs.push_back(quantize_per_tensor(randn({9, 50}, g), 0.02 + 0.01 * t, 128, kQUInt8));
    want.push_back(Q::linear(xs.back(), packed, 0.1 + 0.05 * t, 120));
  }
  std::vector<Tensor> got(4);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) got[static_cast<size_t>(t)] = Q::linear(xs[static_cast<size_t>(t)], packed, 0.1 + 0.05 * t, 120);
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(equal(got[static_cast<size_t>(t)], want[static_cast<size_t>(t)])) << t;
}

}  // namespace
}  // namespace octet
