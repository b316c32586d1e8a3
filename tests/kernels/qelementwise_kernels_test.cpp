// qelementwise_kernels_test.cpp: every compiled 8-bit add / mul / lookup / clamp kernel equals its __scalar
// variant and an independent formula bit for bit (edge grids, every operand pair, seeded random
// parameters, every rounding mode); the scalar kernels give hand-computed and PyTorch-measured answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string_view>
#include <vector>

#include "common/fp_environment.h"
#include "common/test_util.h"
#include "kernels/qelementwise_kernels.h"
#include "kernels/qelementwise_tester.h"
#include "kernels/qelementwise_ukernels.h"
#include "octet/cpu_features.h"

#if defined(OCTET_ARCH_X86)
#include <xmmintrin.h>
#endif

namespace octet::kernels {
namespace {

using ::octet::test::for_each_fp_environment;

using test::ByteInputs;
using test::LutTester;
using test::VAddTester;
using test::VClampTester;
using test::VMulTester;

// The seed of a test's random inputs, printed (octet::test::test_seed) so a failure can be rerun.
uint64_t run_seed() { return ::octet::test::test_seed(/*fallback=*/20240611); }

// --- grids ---------------------------------------------------------------------------------------

// 0..3 x the widest vector (64 bytes) plus one, and powers of two +-1 for the unrolled loops.
std::vector<size_t> batch_sizes() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 3 * 64 + 1; ++n) sizes.push_back(n);
  for (size_t k = 8; k <= 12; ++k) {
    for (size_t n : {(size_t{1} << k) - 1, size_t{1} << k, (size_t{1} << k) + 1}) sizes.push_back(n);
  }
  sizes.push_back(100003);  // large, odd
  return sizes;
}

// Long enough for every loop of every variant (AVX-512: 64-wide main loop, 16/32-wide tail loop).
constexpr size_t kAllLoopsBatch = 151;

struct Range {
  int32_t qmin, qmax;
};

// Output ranges: the full type, PyTorch's reduce_range, and an arbitrary narrow one.
template <typename T>
std::vector<Range> ranges() {
  if constexpr (std::is_unsigned_v<T>) {
    return {{0, 255}, {0, 127}, {17, 200}};
  } else {
    return {{-128, 127}, {-64, 63}, {-100, 5}};
  }
}

// {qmin, 0 (or 1 for quint8), 1 (qint8), mid, qmax} of the type.
template <typename T>
std::vector<int32_t> zero_points() {
  if constexpr (std::is_unsigned_v<T>) {
    return {0, 1, 128, 255};
  } else {
    return {-128, 0, 1, 127};
  }
}

template <typename T>
int32_t mid_zero_point() {
  return std::is_unsigned_v<T> ? 128 : 0;
}

struct Scales {
  float a, b, out;
};

// Typical; powers of two (every sum and product lands on k/2 or k/4: exact ties); equal scales;
// extreme ratios in both directions; an output scale so small everything saturates and one so large
// everything lands on the zero point.
const std::vector<Scales>& add_scales() {
  static const std::vector<Scales> s = {{0.05f, 0.07f, 0.1f},    {0.5f, 0.25f, 1.0f},   {0.1f, 0.1f, 0.1f},
                                        {1e-4f, 1e3f, 0.5f},     {1e3f, 1e-4f, 1e5f},   {3e-5f, 2e-5f, 1e-7f},
                                        {0.01f, 0.01f, 100.0f},  {0.0039215689f, 0.0078431377f, 0.011764706f}};
  return s;
}

// Typical; a multiplier of exactly 1/8 (ties); 1 (products saturate); 10; tiny; PyTorch-like scales.
const std::vector<Scales>& mul_scales() {
  static const std::vector<Scales> s = {{0.05f, 0.07f, 0.1f},  {0.5f, 0.25f, 1.0f},  {1.0f, 1.0f, 1.0f},
                                        {1e-3f, 1e-3f, 1e-7f}, {0.1f, 0.2f, 1000.0f}, {0.0039215689f, 0.0078431377f, 3e-5f}};
  return s;
}

// The `c` kernels (qu8_vaddc__avx2, ...) take the second operand as one element.
constexpr bool is_scalar_b(std::string_view kernel) {
  return kernel.find("c__") != std::string_view::npos;
}

template <typename Params>
using Tester = std::conditional_t<std::is_same_v<Params, QAddParams>, VAddTester, VMulTester>;

template <typename Params>
const std::vector<Scales>& scales_for() {
  if constexpr (std::is_same_v<Params, QAddParams>) {
    return add_scales();
  } else {
    return mul_scales();
  }
}

template <typename T, typename Params>
using BinaryFn = void (*)(size_t, const T*, const T*, T*, const Params*);

// --- binary kernels: add, mul (and their `c` forms) ----------------------------------------------

template <typename T, typename Params>
void check_tails(const char* name, BinaryFn<T, Params> fn, BinaryFn<T, Params> scalar, uint64_t seed) {
  const int32_t mid = mid_zero_point<T>();
  for (int32_t zp : zero_points<T>()) {
    for (size_t n : batch_sizes()) {
      Tester<Params>().batch_size(n).a_zero_point(zp).b_zero_point(mid).output_zero_point(zp)
          .qmin(ranges<T>()[0].qmin).qmax(ranges<T>()[0].qmax).scalar_b(is_scalar_b(name)).seed(seed)
          .Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Every zero-point triple of the grid, every scale set, every output range, random and extreme bytes.
template <typename T, typename Params>
void check_params(const char* name, BinaryFn<T, Params> fn, BinaryFn<T, Params> scalar, uint64_t seed) {
  for (const Scales& s : scales_for<Params>()) {
    for (Range r : ranges<T>()) {
      for (int32_t za : zero_points<T>()) {
        for (int32_t zb : zero_points<T>()) {
          for (int32_t zo : zero_points<T>()) {
            for (ByteInputs inputs : {ByteInputs::Random, ByteInputs::Extremes}) {
              Tester<Params>().batch_size(kAllLoopsBatch).a_scale(s.a).b_scale(s.b).output_scale(s.out)
                  .a_zero_point(za).b_zero_point(zb).output_zero_point(zo).qmin(r.qmin).qmax(r.qmax)
                  .inputs(inputs).scalar_b(is_scalar_b(name)).seed(seed).Test(name, fn, scalar);
              if (::testing::Test::HasFailure()) return;
            }
          }
        }
      }
    }
  }
}

// Every operand pair (for the `c` kernels: every a with every b value) for each scale set, with the
// full range and the fused-ReLU range [zero point, qmax]. `quick`: the first two scale sets and the
// middle output zero point only (the floating-point environments run it four times).
template <typename T, typename Params>
void check_all_pairs(const char* name, BinaryFn<T, Params> fn, BinaryFn<T, Params> scalar, uint64_t seed,
                     bool quick = false) {
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  const int32_t mid = mid_zero_point<T>();
  const std::vector<Scales>& all_scales = scales_for<Params>();
  const std::vector<Scales> scales(all_scales.begin(), quick ? all_scales.begin() + 2 : all_scales.end());
  const std::vector<int32_t> output_zero_points = quick ? std::vector<int32_t>{mid} : std::vector<int32_t>{lo, mid, hi};
  for (const Scales& s : scales) {
    for (int32_t zo : output_zero_points) {
      for (int32_t qmin : {lo, zo}) {
        auto tester = Tester<Params>().a_scale(s.a).b_scale(s.b).output_scale(s.out).a_zero_point(mid + 3)
                          .b_zero_point(lo + 7).output_zero_point(zo).qmin(qmin).qmax(hi)
                          .inputs(ByteInputs::AllPairs).scalar_b(is_scalar_b(name)).seed(seed);
        if (is_scalar_b(name)) {
          for (int32_t b = lo; b <= hi; ++b) {
            tester.b_value(b).Test(name, fn, scalar);
            if (::testing::Test::HasFailure()) return;
          }
        } else {
          tester.Test(name, fn, scalar);
        }
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

// Seeded random parameter sets: log-uniform scales over twelve decades, any zero points, any range.
template <typename T, typename Params>
void check_random_params(const char* name, BinaryFn<T, Params> fn, BinaryFn<T, Params> scalar, uint64_t seed) {
  std::mt19937_64 rng(test::mix_seed(seed, 0x5EED));
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  std::uniform_int_distribution<int32_t> byte(lo, hi);
  std::uniform_real_distribution<float> decade(-6.0f, 6.0f);
  for (int set = 0; set < 40; ++set) {
    int32_t qmin = byte(rng), qmax = byte(rng);
    if (qmin > qmax) std::swap(qmin, qmax);
    Tester<Params>().a_scale(std::pow(10.0f, decade(rng))).b_scale(std::pow(10.0f, decade(rng)))
        .output_scale(std::pow(10.0f, decade(rng) / 2)).a_zero_point(byte(rng)).b_zero_point(byte(rng))
        .output_zero_point(byte(rng)).qmin(qmin).qmax(qmax)
        .inputs(is_scalar_b(name) ? ByteInputs::Random : ByteInputs::AllPairs).batch_size(4099)
        .scalar_b(is_scalar_b(name)).seed(test::mix_seed(seed, static_cast<uint64_t>(set)))
        .Test(name, fn, scalar);
    if (::testing::Test::HasFailure()) return;
  }
}

// In place: y aliasing a.
template <typename T, typename Params>
void check_in_place(const char* name, BinaryFn<T, Params> fn, BinaryFn<T, Params> scalar, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t n : {size_t{1}, size_t{31}, size_t{64}, size_t{200}}) {
    std::vector<T> a(n), b(n), expected(n);
    for (size_t i = 0; i < n; ++i) {
      a[i] = test::byte_of<T>(rng());
      b[i] = test::byte_of<T>(rng());
    }
    const Params p = [] {
      if constexpr (std::is_same_v<Params, QAddParams>) {
        return make_qadd_params(0.05f, mid_zero_point<T>(), 0.07f, 3, 0.1f, 5, std::numeric_limits<T>::min(),
                                std::numeric_limits<T>::max());
      } else {
        return make_qmul_params(0.05f, mid_zero_point<T>(), 0.07f, 3, 0.1f, 5, std::numeric_limits<T>::min(),
                                std::numeric_limits<T>::max());
      }
    }();
    scalar(n, a.data(), b.data(), expected.data(), &p);
    fn(n, a.data(), b.data(), a.data(), &p);
    EXPECT_EQ(a, expected) << name << " in place, n=" << n;
  }
}

// --- lookup and clamp ------------------------------------------------------------------------------

void check_tails(const char* name, x8_lut_fn fn, x8_lut_fn scalar, uint64_t seed) {
  for (size_t n : batch_sizes()) {
    LutTester().batch_size(n).seed(seed).Test(name, fn, scalar);
    if (::testing::Test::HasFailure()) return;
  }
}

// Every byte in every lane of a 64-byte block, with random tables and the tables that stress the
// XOR-row scheme (identity, reversed, constant, one nonzero entry per row).
void check_params(const char* name, x8_lut_fn fn, x8_lut_fn scalar, uint64_t seed) {
  std::vector<std::vector<uint8_t>> tables(5, std::vector<uint8_t>(256));
  for (int i = 0; i < 256; ++i) {
    tables[0][i] = static_cast<uint8_t>(i);
    tables[1][i] = static_cast<uint8_t>(255 - i);
    tables[2][i] = 0xFF;
    tables[3][i] = i % 16 == 15 ? static_cast<uint8_t>(i) : 0;
    tables[4][i] = static_cast<uint8_t>(i * 37 + 11);
  }
  for (size_t rotation = 0; rotation < 64; ++rotation) {
    LutTester().batch_size(512 + rotation).rotation(rotation).seed(seed).Test(name, fn, scalar);
    for (const auto& t : tables) {
      LutTester().batch_size(256 + rotation).rotation(rotation).table(t.data()).seed(seed).Test(name, fn, scalar);
    }
    if (::testing::Test::HasFailure()) return;
  }
}

void check_in_place(const char* name, x8_lut_fn fn, x8_lut_fn scalar, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> table(256);
  for (auto& v : table) v = static_cast<uint8_t>(rng());
  for (size_t n : {size_t{1}, size_t{33}, size_t{64}, size_t{300}}) {
    std::vector<uint8_t> x(n), expected(n);
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    scalar(n, x.data(), expected.data(), table.data());
    fn(n, x.data(), x.data(), table.data());
    EXPECT_EQ(x, expected) << name << " in place, n=" << n;
  }
}

template <typename T>
using ClampFn = void (*)(size_t, const T*, T*, const QClampParams*);

template <typename T>
void check_tails(const char* name, ClampFn<T> fn, ClampFn<T> scalar, uint64_t seed) {
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (size_t n : batch_sizes()) {
    VClampTester().batch_size(n).min(lo + 10).max(hi - 20).seed(seed).Test(name, fn, scalar);
    if (::testing::Test::HasFailure()) return;
  }
}

// Bounds at and next to the type's ends, the zero points, and min > max.
template <typename T>
void check_params(const char* name, ClampFn<T> fn, ClampFn<T> scalar, uint64_t seed) {
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  const std::vector<int32_t> bounds = {lo, lo + 1, -1, 0, 1, 6, 100, 127, hi - 1, hi};
  for (int32_t mn : bounds) {
    for (int32_t mx : bounds) {
      if (mn < lo || mn > hi || mx < lo || mx > hi) continue;
      VClampTester().batch_size(kAllLoopsBatch + 256).min(mn).max(mx).seed(seed).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

template <typename T>
void check_in_place(const char* name, ClampFn<T> fn, ClampFn<T> scalar, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const QClampParams p{static_cast<int32_t>(std::numeric_limits<T>::min()) + 40, 100};
  for (size_t n : {size_t{1}, size_t{33}, size_t{64}, size_t{300}}) {
    std::vector<T> x(n), expected(n);
    for (auto& v : x) v = test::byte_of<T>(rng());
    scalar(n, x.data(), expected.data(), &p);
    fn(n, x.data(), x.data(), &p);
    EXPECT_EQ(x, expected) << name << " in place, n=" << n;
  }
}

// Every (table entry, input byte) pair: table k holds a nonzero value at entry k only, so each
// output shows whether the XOR rows isolate exactly the entry its input selects.
void check_all_pairs(const char* name, x8_lut_fn fn, x8_lut_fn, uint64_t, bool = false) {
  std::vector<uint8_t> x(256), y(256), table(256);
  for (int i = 0; i < 256; ++i) x[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  for (int k = 0; k < 256; ++k) {
    std::fill(table.begin(), table.end(), uint8_t{0});
    const auto value = static_cast<uint8_t>(k == 0 ? 0xA5 : k);
    table[static_cast<size_t>(k)] = value;
    fn(256, x.data(), y.data(), table.data());
    for (int i = 0; i < 256; ++i) {
      const uint8_t want = i == k ? value : 0;
      if (y[static_cast<size_t>(i)] != want) {
        ADD_FAILURE() << name << ": input " << i << " with only table[" << k << "] set gives "
                      << int{y[static_cast<size_t>(i)]} << ", expected " << int{want};
        return;
      }
    }
  }
}
void check_random_params(const char* name, x8_lut_fn fn, x8_lut_fn scalar, uint64_t seed) {
  for (uint64_t t = 0; t < 32; ++t) {
    LutTester().batch_size(4096 + 37).rotation(t).seed(test::mix_seed(seed, t)).Test(name, fn, scalar);
    if (::testing::Test::HasFailure()) return;
  }
}
// Every (min, max) pair of the type (crossed ones included) on every input byte.
template <typename T>
void check_all_pairs(const char* name, ClampFn<T> fn, ClampFn<T>, uint64_t, bool = false) {
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  std::vector<T> x(256), y(256);
  for (int i = 0; i < 256; ++i) x[static_cast<size_t>(i)] = static_cast<T>(lo + i);
  for (int32_t mn = lo; mn <= hi; ++mn) {
    for (int32_t mx = lo; mx <= hi; ++mx) {
      const QClampParams p{mn, mx};
      fn(256, x.data(), y.data(), &p);
      for (int i = 0; i < 256; ++i) {
        const int32_t v = lo + i;
        const int32_t want = std::min(std::max(v, mn), mx);
        if (y[static_cast<size_t>(i)] != want) {
          ADD_FAILURE() << name << ": clamp(" << v << ", " << mn << ", " << mx << ") gives "
                        << int{y[static_cast<size_t>(i)]} << ", expected " << want;
          return;
        }
      }
    }
  }
}
template <typename T>
void check_random_params(const char* name, ClampFn<T> fn, ClampFn<T> scalar, uint64_t seed) {
  std::mt19937_64 rng(test::mix_seed(seed, 0xC1A));
  std::uniform_int_distribution<int32_t> byte(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  for (int t = 0; t < 64; ++t) {
    VClampTester().batch_size(1000 + t).min(byte(rng)).max(byte(rng)).seed(seed).Test(name, fn, scalar);
    if (::testing::Test::HasFailure()) return;
  }
}

// --- floating-point environments ----------------------------------------------------------------

// The scalar kernels round in the current mode (nearbyint, the float conversion of the exact double
// fma, float adds and multiplies), so every variant must too. Flush-to-zero and denormals-are-zero
// run with the grids' normal scales, whose intermediate values are never denormal.

template <typename Fn>
void check_fp_environments(const char* name, Fn fn, Fn scalar, uint64_t seed) {
  for_each_fp_environment([&] {
    check_params(name, fn, scalar, seed);
    check_all_pairs(name, fn, scalar, seed, /*quick=*/true);
  });
}

// --- every listed kernel against its __scalar variant --------------------------------------------

#define OCTET_QELEMENTWISE_UKERNEL(arch, family, isa, level)                                                 \
  OCTET_IF_ARCH_##arch(                                                                                     \
      TEST(family##__##isa, tails) {                                                                        \
        OCTET_SKIP_UNLESS_USABLE(level);                                                                    \
        check_tails(#family "__" #isa, &family##__##isa, &family##__scalar, run_seed()); \
      }                                                                                                     \
      TEST(family##__##isa, params) {                                                                       \
        OCTET_SKIP_UNLESS_USABLE(level);                                                                    \
        check_params(#family "__" #isa, &family##__##isa, &family##__scalar, run_seed()); \
      }                                                                                                     \
      TEST(family##__##isa, every_operand) {                                                                \
        OCTET_SKIP_UNLESS_USABLE(level);                                                                    \
        check_all_pairs(#family "__" #isa, &family##__##isa, &family##__scalar,                             \
                        run_seed());                                                     \
      }                                                                                                     \
      TEST(family##__##isa, random_params) {                                                                \
        OCTET_SKIP_UNLESS_USABLE(level);                                                                    \
        check_random_params(#family "__" #isa, &family##__##isa, &family##__scalar,                         \
                            run_seed());                                                 \
      }                                                                                                     \
      TEST(family##__##isa, in_place) {                                                                     \
        OCTET_SKIP_UNLESS_USABLE(level);                                                                    \
        check_in_place(#family "__" #isa, &family##__##isa, &family##__scalar, run_seed()); \
      }                                                                                                     \
      TEST(family##__##isa, rounding_modes_and_flush_to_zero) {                                             \
        OCTET_SKIP_UNLESS_USABLE(level);                                                                    \
        check_fp_environments(#family "__" #isa, &family##__##isa, &family##__scalar,                       \
                              run_seed());                                               \
      })
#include "kernels/qelementwise_kernels.inc"
#undef OCTET_QELEMENTWISE_UKERNEL

// --- dispatch -------------------------------------------------------------------------------------

// Restores the ISA cap a test changes.
class ScopedMaxIsa {
 public:
  explicit ScopedMaxIsa(Isa cap) : saved_(max_isa()) { set_max_isa(cap); }
  ~ScopedMaxIsa() { set_max_isa(saved_); }
  ScopedMaxIsa(const ScopedMaxIsa&) = delete;
  ScopedMaxIsa& operator=(const ScopedMaxIsa&) = delete;

 private:
  Isa saved_;
};

TEST(QElementwiseDispatch, ref_cap_picks_the_scalar_kernels) {
  ScopedMaxIsa cap(Isa::Ref);
  const QElementwiseKernels& k = qelementwise_kernels();
  EXPECT_EQ(k.isa, Isa::Ref);
  EXPECT_EQ(k.qu8_vadd, &qu8_vadd__scalar);
  EXPECT_EQ(k.x8_lut, &x8_lut__scalar);
  EXPECT_EQ(&qelementwise_kernels_ref(), &k);
}

#if defined(OCTET_ARCH_X86)
TEST(QElementwiseDispatch, each_x86_cap_picks_its_level) {
  for (Isa level : {Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported_by_hardware(level)) continue;
    ScopedMaxIsa cap(level);
    const QElementwiseKernels& k = qelementwise_kernels();
    EXPECT_EQ(k.isa, level) << isa_name(level);
    EXPECT_EQ(k.qs8_vmul, level == Isa::Avx2 ? &qs8_vmul__avx2 : &qs8_vmul__avx512) << isa_name(level);
    EXPECT_EQ(k.qu8_vclamp, level == Isa::Avx2 ? &qu8_vclamp__avx2 : &qu8_vclamp__avx512) << isa_name(level);
  }
}
#endif

TEST(QElementwiseDispatch, compiled_list_follows_the_inc_file) {
  const std::vector<KernelInfo>& compiled = qelementwise_compiled_kernels();
  std::vector<std::string_view> expected = {
#define OCTET_QELEMENTWISE_UKERNEL(arch, family, isa, level) OCTET_IF_ARCH_##arch(#family "__" #isa, )
#include "kernels/qelementwise_kernels.inc"
#undef OCTET_QELEMENTWISE_UKERNEL
  };
  ASSERT_EQ(compiled.size(), expected.size());
  for (size_t i = 0; i < compiled.size(); ++i) EXPECT_EQ(compiled[i].name, expected[i]);
  EXPECT_EQ(qelementwise_kernels_for(Isa::Neon), nullptr);
}

// --- the scalar specification against hand-computed and PyTorch-measured values ----------------------

TEST(QElementwiseScalar, add_requantizes_the_float_sum) {
  // a: scale 0.5, zp 10; b: scale 0.25, zp -4 (qint8); out: scale 1, zp 3.
  const QAddParams p = make_qadd_params(0.5f, 10, 0.25f, -4, 1.0f, 3, -128, 127);
  const int8_t a[4] = {14, 10, -128, 127};
  const int8_t b[4] = {0, 6, -128, 127};
  int8_t y[4] = {};
  qs8_vadd__scalar(4, a, b, y, &p);
  EXPECT_EQ(y[0], 6);    // 2 + 1 = 3, + 3
  EXPECT_EQ(y[1], 5);    // 0 + 2.5 -> 2 (ties to even), + 3
  EXPECT_EQ(y[2], -97);  // -69 - 31 = -100, + 3
  EXPECT_EQ(y[3], 94);   // 58.5 + 32.75 = 91.25 -> 91, + 3
  const QAddParams tight = make_qadd_params(0.5f, 10, 0.25f, -4, 0.25f, 3, -128, 127);
  qs8_vadd__scalar(4, a, b, y, &tight);
  EXPECT_EQ(y[2], -128);  // -400 + 3 saturates
  EXPECT_EQ(y[3], 127);   // 365 + 3 saturates
}

TEST(QElementwiseScalar, add_uses_pytorchs_premultiplied_dequantize) {
  // torch.ops.quantized.add (PyTorch 2.x, x86 engine) on quint8 a = 0 (scale 0.1, zp 3) and
  // b = 25 (scale 0.07, zp 130) with output scale 0.1, zp 128 returns 51. The plain dequantize
  // (0 - 3) * 0.1f + (25 - 130) * 0.07f = -0.3 - 7.35 gives 52; PyTorch's fma(0.07f, 25, 0.07f * -130)
  // is -7.3500004, and the sum rounds to 51.
  const QAddParams p = make_qadd_params(0.1f, 3, 0.07f, 130, 0.1f, 128, 0, 255);
  const uint8_t a = 0, b = 25;
  uint8_t y = 0;
  qu8_vadd__scalar(1, &a, &b, &y, &p);
  EXPECT_EQ(y, 51);
}

TEST(QElementwiseScalar, add_relu_is_a_raised_qmin) {
  const QAddParams p = make_qadd_params(1.0f, 0, 1.0f, 0, 1.0f, 100, /*qmin=*/100, /*qmax=*/255);
  const uint8_t a[2] = {0, 30}, b[2] = {5, 1};
  uint8_t y[2] = {};
  qu8_vadd__scalar(2, a, b, y, &p);
  EXPECT_EQ(y[0], 105);
  EXPECT_EQ(y[1], 131);
  const uint8_t neg_a = 0, neg_b = 0;
  const QAddParams q = make_qadd_params(1.0f, 50, 1.0f, 50, 1.0f, 100, 100, 255);
  qu8_vadd__scalar(1, &neg_a, &neg_b, y, &q);  // -100 -> clamped at the zero point
  EXPECT_EQ(y[0], 100);
}

TEST(QElementwiseScalar, addc_equals_add_with_a_repeated_operand) {
  const QAddParams p = make_qadd_params(0.1f, 3, 0.07f, 130, 0.1f, 128, 0, 255);
  std::vector<uint8_t> a(256), b(256, 77), y(256), yc(256);
  for (int i = 0; i < 256; ++i) a[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  qu8_vadd__scalar(256, a.data(), b.data(), y.data(), &p);
  qu8_vaddc__scalar(256, a.data(), b.data(), yc.data(), &p);
  EXPECT_EQ(y, yc);
}

TEST(QElementwiseScalar, mul_requantizes_the_integer_product) {
  // (a - 2) * (b + 1) * (0.5 * 0.25 * (1 / 0.5)) = acc / 4, + 10.
  const QMulParams p = make_qmul_params(0.5f, 2, 0.25f, -1, 0.5f, 10, -128, 127);
  EXPECT_EQ(p.multiplier, 0.25f);
  const int8_t a[4] = {4, 8, 127, -128};
  const int8_t b[4] = {1, 1, 127, 127};
  int8_t y[4] = {};
  qs8_vmul__scalar(4, a, b, y, &p);
  EXPECT_EQ(y[0], 11);   // 4 / 4 = 1
  EXPECT_EQ(y[1], 13);   // 12 / 4 = 3
  EXPECT_EQ(y[2], 127);  // saturates
  EXPECT_EQ(y[3], -128);
  const int8_t c[1] = {4}, d[1] = {2};  // 2 * 3 / 4 = 1.5 -> 2 (ties to even)
  qs8_vmul__scalar(1, c, d, y, &p);
  EXPECT_EQ(y[0], 12);
}

TEST(QElementwiseScalar, mul_multiplier_is_pytorchs_float_product_order) {
  // a_scale * b_scale * (1 / out_scale) in float32, left to right, as PyTorch's qmul_kernel.
  const float sa = 0.0123f, sb = 0.456f, so = 0.0789f;
  EXPECT_EQ(make_qmul_params(sa, 0, sb, 0, so, 0, 0, 255).multiplier, sa * sb * (1.0f / so));
}

TEST(QElementwiseScalar, lut_and_clamp) {
  uint8_t table[256];
  for (int i = 0; i < 256; ++i) table[i] = static_cast<uint8_t>(255 - i);
  const uint8_t x[3] = {0, 128, 255};
  uint8_t y[3] = {};
  x8_lut__scalar(3, x, y, table);
  EXPECT_EQ(y[0], 255);
  EXPECT_EQ(y[1], 127);
  EXPECT_EQ(y[2], 0);
  const int8_t s[4] = {-128, -5, 5, 127};
  int8_t t[4] = {};
  const QClampParams p{-4, 6};
  qs8_vclamp__scalar(4, s, t, &p);
  EXPECT_EQ(t[0], -4);
  EXPECT_EQ(t[1], -4);
  EXPECT_EQ(t[2], 5);
  EXPECT_EQ(t[3], 6);
  const QClampParams crossed{10, 3};  // min > max: everything is max, as torch.clamp
  qs8_vclamp__scalar(4, s, t, &crossed);
  for (int8_t v : t) EXPECT_EQ(v, 3);
}

// --- table builders ---------------------------------------------------------------------------------

TEST(QElementwiseTables, sigmoid_quint8) {
  // Input scale 1/16, zp 128; output 1/256, zp 0 (PyTorch's fixed qparams for quantized sigmoid).
  const LutQParams q{false, 0.0625f, 128, 1.0f / 256.0f, 0, 0, 255};
  uint8_t table[256];
  build_x8_lut_table(q, {LutFunction::Sigmoid}, table);
  EXPECT_EQ(table[128], 128);  // sigmoid(0) = 0.5
  EXPECT_EQ(table[0], 0);      // sigmoid(-8) = 3.4e-4 -> 0.09 -> 0
  EXPECT_EQ(table[255], 255);  // sigmoid(7.94) = 0.99964 -> 255.9 -> clamped
  for (int i = 1; i < 256; ++i) EXPECT_GE(table[i], table[i - 1]) << "monotone at " << i;
}

TEST(QElementwiseTables, qint8_codes_are_bit_patterns) {
  // Identity from (scale 1, zp 0) to (scale 2, zp 0): q -> nearbyint(q / 2).
  const LutQParams q{true, 1.0f, 0, 2.0f, 0, -128, 127};
  uint8_t table[256];
  build_x8_lut_table(q, {LutFunction::Identity}, table);
  EXPECT_EQ(static_cast<int8_t>(table[0x80]), -64);  // -128
  EXPECT_EQ(static_cast<int8_t>(table[0xFF]), 0);    // -1 -> -0.5 -> 0
  EXPECT_EQ(static_cast<int8_t>(table[0xFD]), -2);   // -3 -> -1.5 -> -2
  EXPECT_EQ(static_cast<int8_t>(table[5]), 2);       // 2.5 -> 2
  EXPECT_EQ(static_cast<int8_t>(table[127]), 64);    // 63.5 -> 64
}

// Transcendental functions: double, rounded once. Piecewise-linear ones: PyTorch's float32 expressions.
TEST(QElementwiseTables, function_values) {
  EXPECT_EQ(lut_function_value({LutFunction::Tanh}, 0.5f), static_cast<float>(std::tanh(0.5)));
  EXPECT_EQ(lut_function_value({LutFunction::Gelu}, 1.0f), static_cast<float>(0.8413447460685429));
  EXPECT_EQ(lut_function_value({LutFunction::GeluTanh}, 1.0f), static_cast<float>(0.8411919906082768));
  EXPECT_EQ(lut_function_value({LutFunction::Silu}, 1.0f), static_cast<float>(0.7310585786300049));
  EXPECT_EQ(lut_function_value({LutFunction::Sigmoid}, -1000.0f), 0.0f);  // e^1000 overflows to inf
  EXPECT_EQ(lut_function_value({LutFunction::Hardsigmoid}, 0.0f), 0.5f);
  EXPECT_EQ(lut_function_value({LutFunction::Hardsigmoid}, -4.0f), 0.0f);
  EXPECT_EQ(lut_function_value({LutFunction::Hardswish}, 5.0f), 5.0f);
  // 7.3f * 6 / 6 in float32 is 7.3000007f (PyTorch's answer; the exact value 7.3f would quantize
  // to a tie at scale 0.04).
  EXPECT_EQ(lut_function_value({LutFunction::Hardswish}, 7.3f), 7.3f * 6.0f / 6.0f);
  EXPECT_NE(7.3f * 6.0f / 6.0f, 7.3f);
  // Coefficients as float32: -5.25f * 0.1f, not -5.25 * 0.1 rounded once.
  EXPECT_EQ(lut_function_value({LutFunction::LeakyRelu, 0.1}, -5.25f), -5.25f * 0.1f);
  EXPECT_EQ(lut_function_value({LutFunction::LeakyRelu, 0.1}, 3.0f), 3.0f);
  EXPECT_EQ(lut_function_value({LutFunction::Elu, 2.0, 3.0, 0.5}, -2.0f), static_cast<float>(std::expm1(-1.0)) * 2.0f * 3.0f);
  EXPECT_EQ(lut_function_value({LutFunction::Elu, 0.7, 1.3, 0.8}, 1.8f), 1.8f * 1.3f);
}

}  // namespace
}  // namespace octet::kernels
