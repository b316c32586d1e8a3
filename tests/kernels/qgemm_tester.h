// qgemm_tester.h: a builder-style tester that runs an 8-bit GEMM microkernel over a whole M x N
// product and demands bit-for-bit equality with an inline int64 reference and the __scalar kernel.
//
// Usage (as XNNPACK's GemmMicrokernelTester):
//   QGemmTester().m(6).n(8).k(37).a_zero_point(128).w_zero_point(-3).output(QGemmOutput::QU8)
//       .qmin(0).qmax(255).seed(seed).Test(kernel);
// The tester packs the weights for the kernel's panel width, computes col_init / a_sum from the
// bias and zero points as the operators do, runs the kernel tile by tile (MR rows x NR columns, the
// last tiles partial), and compares every output with
//   acc = wrap32( sum_k a*w + col_init[j] - zw[j]*a_sum[i] )       in int64, then mod 2^32
//       (== wrap32( bias[j] + sum_k (a - za)(w - zw[j]) ), checked too)
//   QU8/QS8: clamp(nearbyint((float)acc * M[j]) + zp, qmin, qmax);  F32: clamp((float)acc*s[j] + b[j])
// and with the __scalar kernel's output for the same inputs. Activations, packed weights, per-column
// arrays, row sums and C each end at a PROT_NONE page, so an over-read or over-write faults; the
// bytes between a row's last column and the next row (odd strides) must stay untouched. For an igemm
// kernel (Test(QIGemmKernel, ...), .segments(ks)) each row's ks segments are copied to shuffled places of
// a guarded arena with junk bytes between them and reached through pointers (shared_segments: some
// rows point at the previous row's segments). A mismatch
// prints the index, the three values, the accumulator, the parameters and the seed
// (OCTET_TEST_SEED=<seed> reruns it).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kernels/qgemm_kernels.h"
#include "kernels/quantize_tester.h"  // GuardedBuffer

namespace octet::kernels::test {

// How a buffer is filled.
enum class Fill {
  Random,       // uniform over the allowed range
  Max,          // every byte the largest allowed value (activations: act_max; weights: 127)
  Min,          // every byte the smallest (activations: 0; weights: -128)
  Alternating,  // weights: -128, 127, -128, ... along k (activations: act_max, 0, ...)
  Zero,         // every byte 0 (with a zero bias: accumulators of 0, so F32 outputs of +-0)
};

// How the QU8/QS8 multipliers are chosen.
enum class Multipliers {
  Spread,      // per column, so that the outputs spread over [qmin, qmax] with a few clamped
  PowerOfTwo,  // 2^-e per column: (float)acc * M is often exactly halfway (ties to even, directed modes)
  Saturate,    // large: almost every output clamps to qmin or qmax
  Tiny,        // denormal multipliers: every output is the zero point (or its clamp); flush-to-zero matters
  One,         // M = 1: (float)acc itself, rounding of accumulators above 2^24 included
};

class QGemmTester {
 public:
  QGemmTester& m(size_t v) { m_ = v; return *this; }
  QGemmTester& n(size_t v) { n_ = v; return *this; }
  QGemmTester& k(size_t v) { k_ = v; return *this; }
  // Row strides in elements of the buffer (activation bytes; output elements). 0: packed (kp, n).
  QGemmTester& a_stride(size_t v) { a_stride_ = v; return *this; }
  QGemmTester& c_stride(size_t v) { c_stride_ = v; return *this; }
  QGemmTester& a_zero_point(int32_t v) { a_zero_point_ = v; return *this; }
  // One weight zero point for every column (per-tensor) ...
  QGemmTester& w_zero_point(int32_t v) { w_zero_point_ = v; per_channel_ = false; return *this; }
  // ... or one per column, random in [lo, hi] (per-channel).
  QGemmTester& w_zero_points(int32_t lo, int32_t hi) { zw_lo_ = lo; zw_hi_ = hi; per_channel_ = true; return *this; }
  QGemmTester& output(QGemmOutput v) { output_ = v; return *this; }
  QGemmTester& out_zero_point(int32_t v) { out_zero_point_ = v; return *this; }
  QGemmTester& qmin(int32_t v) { qmin_ = v; return *this; }
  QGemmTester& qmax(int32_t v) { qmax_ = v; return *this; }
  QGemmTester& multipliers(Multipliers v) { multipliers_ = v; return *this; }
  QGemmTester& f32_min(float v) { f32_min_ = v; return *this; }
  QGemmTester& f32_max(float v) { f32_max_ = v; return *this; }
  QGemmTester& f32_bias(bool v) { f32_bias_ = v; return *this; }
  // The largest activation byte (127 for the qu7 kernels).
  QGemmTester& act_max(uint8_t v) { act_max_ = v; return *this; }
  QGemmTester& a_fill(Fill v) { a_fill_ = v; return *this; }
  QGemmTester& w_fill(Fill v) { w_fill_ = v; return *this; }
  // int32 bias range, and an offset added to every col_init in wrapping arithmetic (to make the
  // accumulator wrap around 2^31: the contract is a sum mod 2^32).
  QGemmTester& bias_range(int32_t lo, int32_t hi) { bias_lo_ = lo; bias_hi_ = hi; return *this; }
  QGemmTester& col_init_offset(uint32_t v) { col_init_offset_ = v; return *this; }
  QGemmTester& seed(uint64_t v) { seed_ = v; return *this; }
  // igemm only: each row is `ks` segments of kp / ks bytes (kp / ks must be a multiple of 4), each
  // reached through its own pointer into a scattered arena; with shared_segments, some rows' segments
  // repeat the previous row's and point at the same bytes (as a convolution's padding rows do).
  QGemmTester& segments(size_t v) { ks_ = v; return *this; }
  QGemmTester& shared_segments(bool v) { shared_segments_ = v; return *this; }

  size_t kp() const { return (k_ + 3) / 4 * 4; }

  // Runs `kernel` (and the __scalar kernel, `scalar`) over the whole product; returns whether they
  // matched (failures are reported through gtest).
  bool Test(const QGemmKernel& kernel, const QGemmKernel& scalar) const { return TestImpl(kernel, scalar); }
  // The same for an igemm kernel (against the __scalar igemm kernel), rows gathered through pointers.
  bool Test(const QIGemmKernel& kernel, const QIGemmKernel& scalar) const { return TestImpl(kernel, scalar); }

 private:
  template <class Kernel>
  bool TestImpl(const Kernel& kernel, const Kernel& scalar) const;
  std::string describe(std::string_view kernel) const;

  size_t m_ = 1, n_ = 1, k_ = 4;
  size_t a_stride_ = 0, c_stride_ = 0;
  int32_t a_zero_point_ = 0;
  int32_t w_zero_point_ = 0;
  bool per_channel_ = false;
  int32_t zw_lo_ = 0, zw_hi_ = 0;
  QGemmOutput output_ = QGemmOutput::S32;
  int32_t out_zero_point_ = 0;
  int32_t qmin_ = 0, qmax_ = 255;
  Multipliers multipliers_ = Multipliers::Spread;
  float f32_min_ = -std::numeric_limits<float>::infinity();
  float f32_max_ = std::numeric_limits<float>::infinity();
  bool f32_bias_ = true;
  uint8_t act_max_ = 255;
  Fill a_fill_ = Fill::Random, w_fill_ = Fill::Random;
  int32_t bias_lo_ = -100000, bias_hi_ = 100000;
  uint32_t col_init_offset_ = 0;
  uint64_t seed_ = 1;
  size_t ks_ = 1;
  bool shared_segments_ = false;
};

// --- implementation ------------------------------------------------------------------------------

inline int32_t qgemm_wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

inline size_t qgemm_output_size(QGemmOutput o) {
  switch (o) {
    case QGemmOutput::S32: return 4;
    case QGemmOutput::QU8: return 1;
    case QGemmOutput::QS8: return 1;
    case QGemmOutput::F32: return 4;
  }
  return 4;
}

inline const char* qgemm_output_name(QGemmOutput o) {
  switch (o) {
    case QGemmOutput::S32: return "S32";
    case QGemmOutput::QU8: return "QU8";
    case QGemmOutput::QS8: return "QS8";
    case QGemmOutput::F32: return "F32";
  }
  return "?";
}

inline std::string QGemmTester::describe(std::string_view kernel) const {
  std::ostringstream os;
  os << kernel << " m=" << m_ << " n=" << n_ << " k=" << k_ << " a_stride=" << (a_stride_ ? a_stride_ : kp())
     << " c_stride=" << (c_stride_ ? c_stride_ : n_) << " za=" << a_zero_point_;
  if (per_channel_) {
    os << " zw=per-channel[" << zw_lo_ << "," << zw_hi_ << "]";
  } else {
    os << " zw=" << w_zero_point_;
  }
  os << " output=" << qgemm_output_name(output_) << " zp=" << out_zero_point_ << " qmin=" << qmin_ << " qmax=" << qmax_
     << " multipliers=" << static_cast<int>(multipliers_) << " f32 [" << f32_min_ << ", " << f32_max_
     << "] bias=" << f32_bias_ << " act_max=" << static_cast<int>(act_max_) << " a_fill=" << static_cast<int>(a_fill_)
     << " w_fill=" << static_cast<int>(w_fill_) << " col_init_offset=" << col_init_offset_;
  if (ks_ > 1 || shared_segments_) os << " segments=" << ks_ << " shared=" << shared_segments_;
  os << " seed=" << seed_
     << " (rerun with OCTET_TEST_SEED=" << seed_ << ")";
  return os.str();
}

// Runs a kernel tile by tile over the product, as an operator does.
struct QGemmRun {
  const QGemmKernel* kernel;
  size_t m, n, kp;
  const uint8_t* a;
  size_t a_stride;
  const int8_t* packed;  // for kernel->nr
  char* c;
  size_t c_stride_bytes;
  size_t elem;
  QGemmParams base;

  void operator()() const {
    const size_t mr = kernel->mr, nr = kernel->nr;
    for (size_t i = 0; i < m; i += mr) {
      for (size_t j = 0; j < n; j += nr) {
        QGemmParams p = base;
        p.col_init = base.col_init + j;
        if (base.a_sum != nullptr) p.a_sum = base.a_sum + i;
        if (base.w_zero_point != nullptr) p.w_zero_point = base.w_zero_point + j;
        if (base.multiplier != nullptr) p.multiplier = base.multiplier + j;
        if (base.scale != nullptr) p.scale = base.scale + j;
        if (base.bias != nullptr) p.bias = base.bias + j;
        kernel->fn(m - i < mr ? m - i : mr, n - j < nr ? n - j : nr, kp, a + i * a_stride, a_stride,
                   packed + j * kp, c + i * c_stride_bytes + j * elem, c_stride_bytes, &p);
      }
    }
  }
};

// Runs an igemm kernel tile by tile: rows[i * ks + s] is row i's segment s.
struct QIGemmRun {
  const QIGemmKernel* kernel;
  size_t m, n, kc, ks;
  const uint8_t* const* rows;
  const int8_t* packed;
  char* c;
  size_t c_stride_bytes;
  size_t elem;
  QGemmParams base;

  void operator()() const {
    const size_t mr = kernel->mr, nr = kernel->nr, kp = kc * ks;
    for (size_t i = 0; i < m; i += mr) {
      for (size_t j = 0; j < n; j += nr) {
        QGemmParams p = base;
        p.col_init = base.col_init + j;
        if (base.a_sum != nullptr) p.a_sum = base.a_sum + i;
        if (base.w_zero_point != nullptr) p.w_zero_point = base.w_zero_point + j;
        if (base.multiplier != nullptr) p.multiplier = base.multiplier + j;
        if (base.scale != nullptr) p.scale = base.scale + j;
        if (base.bias != nullptr) p.bias = base.bias + j;
        kernel->fn(m - i < mr ? m - i : mr, n - j < nr ? n - j : nr, kc, ks, rows + i * ks, packed + j * kp,
                   c + i * c_stride_bytes + j * elem, c_stride_bytes, &p);
      }
    }
  }
};

template <class Kernel>
inline bool QGemmTester::TestImpl(const Kernel& kernel, const Kernel& scalar) const {
  constexpr bool kIndirect = std::is_same_v<Kernel, QIGemmKernel>;
  const size_t kpad = kp();
  const size_t a_stride = a_stride_ != 0 ? a_stride_ : kpad;
  const size_t c_stride = c_stride_ != 0 ? c_stride_ : n_;
  EXPECT_GE(a_stride, kpad);
  EXPECT_GE(c_stride, n_);
  std::mt19937_64 rng(seed_);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };

  // Activations: m rows of k bytes, zero up to kp, and 0xA5 junk between kp and the stride (a kernel
  // that reads past kc sees it).
  test::GuardedBuffer<uint8_t> a(m_ == 0 || kpad == 0 ? 1 : (m_ - 1) * a_stride + kpad);
  a.poison(0xA5 & act_max_);
  for (size_t i = 0; i < m_; ++i) {
    for (size_t kk = 0; kk < kpad; ++kk) {
      uint8_t v = 0;
      if (kk < k_) {
        switch (a_fill_) {
          case Fill::Random: v = static_cast<uint8_t>(uniform(0, act_max_)); break;
          case Fill::Max: v = act_max_; break;
          case Fill::Min: v = 0; break;
          case Fill::Alternating: v = kk % 2 == 0 ? act_max_ : 0; break;
          case Fill::Zero: v = 0; break;
        }
      }
      a[i * a_stride + kk] = v;
    }
  }
  // igemm: segments of kc bytes; shared ones repeat the previous row's segment (same bytes, so the
  // reference below needs no change) and will point at the same memory.
  const size_t ks = kIndirect ? ks_ : 1;
  if (kIndirect && (ks == 0 || kpad % ks != 0 || (kpad / ks) % 4 != 0)) {
    ADD_FAILURE() << "tester: kp = " << kpad << " is not " << ks << " segments of a multiple of 4 bytes";
    return false;
  }
  const size_t kc = kIndirect ? kpad / ks : kpad;
  auto shared = [&](size_t i, size_t seg) { return shared_segments_ && i > 0 && (i + seg) % 3 == 0; };
  for (size_t i = 0; i < m_; ++i) {
    for (size_t seg = 0; seg < ks; ++seg) {
      if (shared(i, seg)) std::memcpy(&a[i * a_stride + seg * kc], &a[(i - 1) * a_stride + seg * kc], kc);
    }
  }
  // Weights: n rows of k int8 (PyTorch's [out, in] layout).
  std::vector<int8_t> w(n_ * k_);
  for (size_t j = 0; j < n_; ++j) {
    for (size_t kk = 0; kk < k_; ++kk) {
      int8_t v = 0;
      switch (w_fill_) {
        case Fill::Random: v = static_cast<int8_t>(uniform(-128, 127)); break;
        case Fill::Max: v = 127; break;
        case Fill::Min: v = -128; break;
        case Fill::Alternating: v = kk % 2 == 0 ? -128 : 127; break;
        case Fill::Zero: v = 0; break;
      }
      w[j * k_ + kk] = v;
    }
  }
  std::vector<int32_t> zw(n_);
  for (int32_t& z : zw) z = per_channel_ ? static_cast<int32_t>(uniform(zw_lo_, zw_hi_)) : w_zero_point_;
  bool symmetric = true;
  for (int32_t z : zw) symmetric = symmetric && z == 0;
  std::vector<int32_t> bias(n_);
  for (int32_t& b : bias) b = static_cast<int32_t>(uniform(bias_lo_, bias_hi_));

  // Per-column arrays and row sums, each ending at a guard page.
  const size_t ncols = n_ == 0 ? 1 : n_;
  test::GuardedBuffer<int32_t> col_init(ncols), zw_buf(ncols), a_sum(m_ == 0 ? 1 : m_);
  test::GuardedBuffer<float> mult(ncols), scale(ncols), fbias(ncols);
  const int64_t za = a_zero_point_, kk64 = static_cast<int64_t>(k_);
  for (size_t j = 0; j < n_; ++j) {
    int64_t colsum = 0;
    for (size_t kk = 0; kk < k_; ++kk) colsum += w[j * k_ + kk];
    col_init[j] = qgemm_wrap32(static_cast<int64_t>(bias[j]) - za * colsum + kk64 * za * zw[j] +
                               static_cast<int64_t>(col_init_offset_));
    zw_buf[j] = zw[j];
  }
  for (size_t i = 0; i < m_; ++i) {
    int64_t s = 0;
    for (size_t kk = 0; kk < k_; ++kk) s += a[i * a_stride + kk];
    a_sum[i] = qgemm_wrap32(s);
  }

  // The reference accumulators, and the check that col_init means what the header says.
  std::vector<int32_t> acc(m_ * n_);
  for (size_t i = 0; i < m_; ++i) {
    for (size_t j = 0; j < n_; ++j) {
      int64_t raw = 0, centered = 0;
      for (size_t kk = 0; kk < k_; ++kk) {
        const int64_t av = a[i * a_stride + kk], wv = w[j * k_ + kk];
        raw += av * wv;
        centered += (av - za) * (wv - zw[j]);
      }
      const int64_t total = raw + col_init[j] - (symmetric ? 0 : static_cast<int64_t>(zw[j]) * a_sum[i]);
      acc[i * n_ + j] = qgemm_wrap32(total);
      const int32_t meaning = qgemm_wrap32(bias[j] + centered + static_cast<int64_t>(col_init_offset_));
      if (acc[i * n_ + j] != meaning) {
        ADD_FAILURE() << "tester: col_init does not encode bias + sum (a - za)(w - zw) at (" << i << ", " << j << ")";
        return false;
      }
    }
  }

  // Output-stage parameters.
  int32_t max_abs_acc = 1;
  for (int32_t v : acc) {
    const int64_t av = v < 0 ? -static_cast<int64_t>(v) : v;
    if (av > max_abs_acc) max_abs_acc = static_cast<int32_t>(av > INT32_MAX ? INT32_MAX : av);
  }
  for (size_t j = 0; j < n_; ++j) {
    const double factor = std::uniform_real_distribution<double>(0.5, 2.0)(rng);
    float mv = 1.0f;
    switch (multipliers_) {
      case Multipliers::Spread:
        mv = static_cast<float>(factor * (qmax_ - qmin_ + 1) / (2.0 * max_abs_acc));
        break;
      case Multipliers::PowerOfTwo:
        mv = std::ldexp(1.0f, -static_cast<int>(uniform(0, 3)) - static_cast<int>(std::log2(max_abs_acc / 64.0 + 1.0)));
        break;
      case Multipliers::Saturate: mv = static_cast<float>(factor * 1000.0); break;
      case Multipliers::Tiny: mv = static_cast<float>(factor * 1e-41); break;
      case Multipliers::One: mv = 1.0f; break;
    }
    mult[j] = mv;
    // Either sign: 0 * scale is then -0 in some columns, which the F32 clamp must keep as the scalar does.
    scale[j] = static_cast<float>((j % 3 == 1 ? -factor : factor) * 1e-3);
    fbias[j] = static_cast<float>(std::uniform_real_distribution<double>(-3.0, 3.0)(rng));
  }

  // The expected outputs, by the contract's formulas.
  const size_t elem = qgemm_output_size(output_);
  const size_t c_stride_bytes = c_stride * elem;
  const size_t c_bytes = m_ == 0 ? 1 : (m_ - 1) * c_stride_bytes + n_ * elem;
  std::vector<char> expected(c_bytes, 0);
  const float zpf = static_cast<float>(out_zero_point_), qminf = static_cast<float>(qmin_),
              qmaxf = static_cast<float>(qmax_);
  for (size_t i = 0; i < m_; ++i) {
    for (size_t j = 0; j < n_; ++j) {
      char* dst = expected.data() + i * c_stride_bytes + j * elem;
      const int32_t v = acc[i * n_ + j];
      if (output_ == QGemmOutput::S32) {
        std::memcpy(dst, &v, 4);
      } else if (output_ == QGemmOutput::F32) {
        float f = static_cast<float>(v) * scale[j];
        if (f32_bias_) f = f + fbias[j];
        f = f32_max_ < f ? f32_max_ : f;
        f = f32_min_ > f ? f32_min_ : f;
        std::memcpy(dst, &f, 4);
      } else {
        float t = std::nearbyint(static_cast<float>(v) * mult[j]) + zpf;
        if (!(t <= qmaxf)) t = qmaxf;
        if (t < qminf) t = qminf;
        const auto q = static_cast<int32_t>(t);
        *dst = static_cast<char>(q);
      }
    }
  }

  QGemmParams base;
  base.output = output_;
  base.col_init = col_init.data();
  base.a_sum = symmetric ? nullptr : a_sum.data();
  base.w_zero_point = zw_buf.data();
  base.multiplier = mult.data();
  base.zero_point = out_zero_point_;
  base.qmin = qmin_;
  base.qmax = qmax_;
  base.scale = scale.data();
  base.bias = f32_bias_ ? fbias.data() : nullptr;
  base.min = f32_min_;
  base.max = f32_max_;

  // igemm: every distinct segment copied to its own place in a scattered arena (shuffled order, junk
  // bytes between them; the last one ends at the guard page), and the pointers to them.
  std::vector<const uint8_t*> rows(m_ * ks);
  const size_t gap = 3;
  test::GuardedBuffer<uint8_t> arena(kIndirect && m_ > 0 ? m_ * ks * (kc + gap) : 1);
  if (kIndirect && m_ > 0) {
    arena.poison(0xA5 & act_max_);
    std::vector<size_t> order(m_ * ks);
    for (size_t t = 0; t < order.size(); ++t) order[t] = t;
    std::shuffle(order.begin(), order.end(), rng);
    // Place t-th segment of `order` at slot t; the last slot's bytes end right before the guard page.
    const size_t end = m_ * ks * (kc + gap);
    for (size_t t = 0; t < order.size(); ++t) {
      const size_t i = order[t] / ks, seg = order[t] % ks;
      uint8_t* dst = arena.data() + end - (order.size() - t) * (kc + gap) + gap;
      if (kc > 0) std::memcpy(dst, &a[i * a_stride + seg * kc], kc);
      rows[i * ks + seg] = dst;
    }
    for (size_t i = 0; i < m_; ++i) {
      for (size_t seg = 0; seg < ks; ++seg) {
        if (shared(i, seg)) rows[i * ks + seg] = rows[(i - 1) * ks + seg];
      }
    }
  }

  // Runs one kernel into a poisoned C and returns the bytes.
  auto run = [&](const Kernel& kern, std::vector<char>& out) {
    const size_t packed_size = qgemm_packed_size(n_, k_, kern.nr);
    test::GuardedBuffer<int8_t> packed(packed_size == 0 ? 1 : packed_size);
    qgemm_pack_weights(n_, k_, kern.nr, w.data(), k_, packed.data());
    test::GuardedBuffer<char> c(c_bytes);
    c.poison(0x5A);
    if (m_ > 0 && n_ > 0) {
      if constexpr (kIndirect) {
        QIGemmRun{&kern, m_, n_, kc, ks, rows.data(), packed.data(), c.data(), c_stride_bytes, elem, base}();
      } else {
        QGemmRun{&kern, m_, n_, kpad, a.data(), a_stride, packed.data(), c.data(), c_stride_bytes, elem, base}();
      }
    }
    out.assign(c.data(), c.data() + c_bytes);
  };
  std::vector<char> got, ref;
  run(kernel, got);
  run(scalar, ref);

  // Every output element, then the gaps between rows (left at the poison byte).
  for (size_t i = 0; i < m_; ++i) {
    for (size_t j = 0; j < n_; ++j) {
      const size_t off = i * c_stride_bytes + j * elem;
      if (std::memcmp(got.data() + off, expected.data() + off, elem) == 0 &&
          std::memcmp(ref.data() + off, expected.data() + off, elem) == 0) {
        continue;
      }
      auto show = [&](const std::vector<char>& buf) {
        std::ostringstream os;
        const char* p = buf.data() + off;
        switch (output_) {
          case QGemmOutput::S32: { int32_t v; std::memcpy(&v, p, 4); os << v; break; }
          case QGemmOutput::QU8: os << static_cast<int>(static_cast<uint8_t>(*p)); break;
          case QGemmOutput::QS8: os << static_cast<int>(static_cast<int8_t>(*p)); break;
          case QGemmOutput::F32: {
            float v;
            std::memcpy(&v, p, 4);
            os << v << " (0x" << std::hex << std::bit_cast<uint32_t>(v) << std::dec << ")";
            break;
          }
        }
        return os.str();
      };
      ADD_FAILURE() << "mismatch at row " << i << ", column " << j << ": kernel " << show(got) << ", __scalar "
                    << show(ref) << ", expected " << show(expected) << "\n  acc " << acc[i * n_ + j]
                    << ", col_init " << col_init[j] << ", zw " << zw[j] << ", a_sum " << a_sum[i] << ", multiplier "
                    << mult[j] << ", scale " << scale[j] << ", bias " << fbias[j] << "\n  " << describe(kernel.name);
      return false;
    }
    if (i + 1 < m_) {
      for (size_t off = i * c_stride_bytes + n_ * elem; off < (i + 1) * c_stride_bytes; ++off) {
        if (got[off] != 0x5A) {
          ADD_FAILURE() << "wrote past column " << n_ << " of row " << i << " (byte " << off - i * c_stride_bytes
                        << " of the row)\n  " << describe(kernel.name);
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace octet::kernels::test
