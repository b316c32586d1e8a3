// quantize_kernels_test.cpp: every compiled quantize-family kernel equals its __scalar variant bit for
// bit, in every rounding mode; the scalar kernels give hand-computed answers.
#include <gtest/gtest.h>

#include <cfenv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/fp_environment.h"
#include "common/test_util.h"
#include "kernels/quantize_kernels.h"
#include "kernels/quantize_tester.h"
#include "kernels/quantize_ukernels.h"
#include "octet/cpu_features.h"

#if defined(OCTET_ARCH_X86)
#include <xmmintrin.h>
#endif

namespace octet::kernels {
namespace {

using ::octet::test::for_each_fp_environment;

using test::Inputs;
using test::VDequantizeTester;
using test::VQuantizeCwTester;
using test::VQuantizeTester;
using test::VRequantizeTester;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kFltMax = std::numeric_limits<float>::max();
constexpr float kDenormMin = std::numeric_limits<float>::denorm_min();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

// The seed goes to the log once, so any run can be repeated.
class SeedEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::printf("quantize kernel tests: seed %llu (set OCTET_TEST_SEED to change)\n",
                static_cast<unsigned long long>(test::test_seed()));
  }
};
::testing::Environment* const kSeedEnvironment =
    ::testing::AddGlobalTestEnvironment(new SeedEnvironment);

// --- grids ---------------------------------------------------------------------------------------

// Every tail of every vector width up to 64, and powers of two +-1 for the unrolled main loops.
std::vector<size_t> batch_sizes() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 70; ++n) sizes.push_back(n);
  for (size_t k = 7; k <= 12; ++k) {
    for (size_t n : {(size_t{1} << k) - 1, size_t{1} << k, (size_t{1} << k) + 1}) sizes.push_back(n);
  }
  return sizes;
}

// Long enough to pass through every loop of every variant: AVX-512 64 + 64 + 16 + tail 7, AVX2
// 4 x 32 + 2 x 8 + tail 7.
constexpr size_t kAllLoopsBatch = 151;

struct Range {
  int32_t qmin, qmax;
};

// Full range, PyTorch's reduce_range, symmetric narrow, an arbitrary sub-range, a single value.
template <typename Out>
std::vector<Range> ranges() {
  if constexpr (std::is_unsigned_v<Out>) {
    return {{0, 255}, {0, 127}, {17, 200}, {42, 42}};
  } else {
    return {{-128, 127}, {-64, 63}, {-127, 127}, {-100, 5}, {0, 0}};
  }
}

// {qmin, 0 (or qmin + 1 when 0 is qmin or outside), mid, qmax}, without repeats.
std::vector<int32_t> zero_points(Range r) {
  const int32_t second = (r.qmin < 0 && r.qmax >= 0) ? 0 : r.qmin + 1;
  std::vector<int32_t> zps;
  for (int32_t zp : {r.qmin, second, r.qmin + (r.qmax - r.qmin) / 2, r.qmax}) {
    if (zp > r.qmax) continue;
    bool seen = false;
    for (int32_t z : zps) seen = seen || z == zp;
    if (!seen) zps.push_back(zp);
  }
  return zps;
}

// Scales worth testing: exact (powers of two: halfway products), PyTorch #49779's reciprocal, typical,
// and the extremes the kernels must still agree on even though operators never pass them.
const std::vector<float>& inv_scales() {
  static const std::vector<float> values = {1.0f,  0.5f,     2.0f, 256.0f, 1.0f / 256.0f, 465.430481f,
                                            10.0f, 3.0e-5f, 1e-30f, 0.0f, kFltMax, kInf, kNaN,
                                            kDenormMin, -2.0f};
  return values;
}

// Requantization multipliers: typical (a_scale * w_scale / out_scale), exact powers of two, >= 1
// (accepted, unlike QNNPACK), and extremes.
const std::vector<float>& multipliers() {
  static const std::vector<float> values = {0.5f, 0.25f, 1.0f / 1024.0f, 3.7e-4f, 0.0123f, 1.0f,
                                            3.0f, 1e-10f, 0.0f,  kFltMax, kInf, kNaN};
  return values;
}

// Dequantize scales, special values included (the outputs are compared bit for bit, NaN too).
const std::vector<float>& dequantize_scales() {
  static const std::vector<float> values = {0.0235f, 1.0f,  0.5f,    1e-30f,  kDenormMin, kFltMax,
                                            0.0f,    -0.0f, -0.125f, kInf,    -kInf,      kNaN};
  return values;
}

template <typename In>
std::vector<int32_t> dequantize_zero_points() {
  if constexpr (sizeof(In) == 4) {
    return {0, 1, -1, 128, 12345, -98765, kInt32Min, kInt32Max};
  } else {
    return zero_points({std::numeric_limits<In>::min(), std::numeric_limits<In>::max()});
  }
}

// --- per-tensor quantize: f32 -> q8 --------------------------------------------------------------

template <typename Out>
using QuantizeFn = void (*)(size_t, const float*, Out*, const QuantizeParams*);

template <typename Out>
void check_tails(const char* name, QuantizeFn<Out> fn, QuantizeFn<Out> scalar) {
  for (Range r : ranges<Out>()) {
    for (int32_t zp : zero_points(r)) {
      for (size_t n : batch_sizes()) {
        VQuantizeTester().batch_size(n).inv_scale(42.5531921f).zero_point(zp).qmin(r.qmin).qmax(r.qmax)
            .Test(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

template <typename Out>
void check_params(const char* name, QuantizeFn<Out> fn, QuantizeFn<Out> scalar) {
  for (Range r : ranges<Out>()) {
    for (int32_t zp : zero_points(r)) {
      for (float inv_scale : inv_scales()) {
        for (Inputs inputs : {Inputs::Mixed, Inputs::Halfway}) {
          VQuantizeTester().batch_size(kAllLoopsBatch).inv_scale(inv_scale).zero_point(zp)
              .qmin(r.qmin).qmax(r.qmax).inputs(inputs).Test(name, fn, scalar);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

// Every special value in every lane position of a 64-wide block, and in the tail.
template <typename Out>
void check_specials(const char* name, QuantizeFn<Out> fn, QuantizeFn<Out> scalar) {
  const size_t count = test::special_floats().size();
  for (Range r : {ranges<Out>()[0], ranges<Out>()[1]}) {
    for (float inv_scale : {1.0f, 0.5f, 465.430481f}) {
      for (size_t rotation = 0; rotation < 64; ++rotation) {
        VQuantizeTester().batch_size(count + rotation).inv_scale(inv_scale)
            .zero_point(r.qmin + (r.qmax - r.qmin) / 2).qmin(r.qmin).qmax(r.qmax)
            .inputs(Inputs::Specials).rotation(rotation).Test(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

template <typename Out>
void check_bits(const char* name, QuantizeFn<Out> fn, QuantizeFn<Out> scalar) {
  const Range r = ranges<Out>()[0];
  for (float inv_scale : {1.0f, 1e-30f, 465.430481f, 1e30f}) {
    for (int32_t zp : zero_points(r)) {
      VQuantizeTester().batch_size(65536 + 13).inv_scale(inv_scale).zero_point(zp).qmin(r.qmin)
          .qmax(r.qmax).inputs(Inputs::Bits).Test(name, fn, scalar);
      VQuantizeTester().batch_size(10007).inv_scale(inv_scale).zero_point(zp).qmin(r.qmin)
          .qmax(r.qmax).inputs(Inputs::Mixed).Test(name, fn, scalar);
    }
  }
}

// --- channelwise quantize ------------------------------------------------------------------------

template <typename Out>
using QuantizeCwFn = void (*)(size_t, const float*, Out*, const float*, const int32_t*, int32_t, int32_t);

template <typename Out>
void check_tails(const char* name, QuantizeCwFn<Out> fn, QuantizeCwFn<Out> scalar) {
  for (Range r : ranges<Out>()) {
    for (size_t n : batch_sizes()) {
      VQuantizeCwTester().batch_size(n).qmin(r.qmin).qmax(r.qmax).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

template <typename Out>
void check_params(const char* name, QuantizeCwFn<Out> fn, QuantizeCwFn<Out> scalar) {
  for (Range r : ranges<Out>()) {
    for (Inputs inputs : {Inputs::Mixed, Inputs::Halfway, Inputs::Bits}) {
      for (size_t repeat = 0; repeat < 8; ++repeat) {
        VQuantizeCwTester().batch_size(kAllLoopsBatch + repeat).qmin(r.qmin).qmax(r.qmax)
            .inputs(inputs).Test(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

template <typename Out>
void check_specials(const char* name, QuantizeCwFn<Out> fn, QuantizeCwFn<Out> scalar) {
  const size_t count = test::special_floats().size();
  for (Range r : {ranges<Out>()[0], ranges<Out>()[1]}) {
    for (size_t rotation = 0; rotation < 64; ++rotation) {
      VQuantizeCwTester().batch_size(count + rotation).qmin(r.qmin).qmax(r.qmax)
          .inputs(Inputs::Specials).rotation(rotation).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

template <typename Out>
void check_bits(const char* name, QuantizeCwFn<Out> fn, QuantizeCwFn<Out> scalar) {
  for (Range r : {ranges<Out>()[0], ranges<Out>()[1]}) {
    VQuantizeCwTester().batch_size(65536 + 13).qmin(r.qmin).qmax(r.qmax).inputs(Inputs::Bits)
        .Test(name, fn, scalar);
    VQuantizeCwTester().batch_size(10007).qmin(r.qmin).qmax(r.qmax).Test(name, fn, scalar);
  }
}

// --- requantize: qs32 -> q8 ----------------------------------------------------------------------

template <typename Out>
using RequantizeFn = void (*)(size_t, const int32_t*, Out*, const RequantizeParams*);

template <typename Out>
void check_tails(const char* name, RequantizeFn<Out> fn, RequantizeFn<Out> scalar) {
  for (Range r : ranges<Out>()) {
    for (int32_t zp : zero_points(r)) {
      for (size_t n : batch_sizes()) {
        VRequantizeTester().batch_size(n).multiplier(3.7e-4f).zero_point(zp).qmin(r.qmin)
            .qmax(r.qmax).Test(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

template <typename Out>
void check_params(const char* name, RequantizeFn<Out> fn, RequantizeFn<Out> scalar) {
  for (Range r : ranges<Out>()) {
    for (int32_t zp : zero_points(r)) {
      for (float multiplier : multipliers()) {
        for (Inputs inputs : {Inputs::Mixed, Inputs::Halfway}) {
          VRequantizeTester().batch_size(kAllLoopsBatch).multiplier(multiplier).zero_point(zp)
              .qmin(r.qmin).qmax(r.qmax).inputs(inputs).Test(name, fn, scalar);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

// INT32_MIN / INT32_MAX and the integers float cannot hold, in every lane position.
template <typename Out>
void check_specials(const char* name, RequantizeFn<Out> fn, RequantizeFn<Out> scalar) {
  const size_t count = test::special_int32s().size();
  for (Range r : {ranges<Out>()[0], ranges<Out>()[1]}) {
    for (float multiplier : {1.0f, 0.5f, 1.0f / 16777216.0f, 3.7e-4f}) {
      for (size_t rotation = 0; rotation < 64; ++rotation) {
        VRequantizeTester().batch_size(count + rotation).multiplier(multiplier)
            .zero_point(r.qmin + (r.qmax - r.qmin) / 2).qmin(r.qmin).qmax(r.qmax)
            .inputs(Inputs::Specials).rotation(rotation).Test(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

template <typename Out>
void check_bits(const char* name, RequantizeFn<Out> fn, RequantizeFn<Out> scalar) {
  const Range r = ranges<Out>()[0];
  for (float multiplier : {1.0f / 16777216.0f, 1e-9f, 2.3e-7f}) {
    for (int32_t zp : zero_points(r)) {
      VRequantizeTester().batch_size(65536 + 13).multiplier(multiplier).zero_point(zp).qmin(r.qmin)
          .qmax(r.qmax).inputs(Inputs::Bits).Test(name, fn, scalar);
      VRequantizeTester().batch_size(10007).multiplier(multiplier).zero_point(zp).qmin(r.qmin)
          .qmax(r.qmax).inputs(Inputs::Mixed).Test(name, fn, scalar);
    }
  }
}

// --- dequantize: q -> f32 ------------------------------------------------------------------------

template <typename In>
using DequantizeFn = void (*)(size_t, const In*, float*, const DequantizeParams*);

template <typename In>
void check_tails(const char* name, DequantizeFn<In> fn, DequantizeFn<In> scalar) {
  for (int32_t zp : dequantize_zero_points<In>()) {
    for (size_t n : batch_sizes()) {
      VDequantizeTester().batch_size(n).scale(0.0235f).zero_point(zp).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

template <typename In>
void check_params(const char* name, DequantizeFn<In> fn, DequantizeFn<In> scalar) {
  for (int32_t zp : dequantize_zero_points<In>()) {
    for (float scale : dequantize_scales()) {
      VDequantizeTester().batch_size(kAllLoopsBatch).scale(scale).zero_point(zp).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// 8-bit: every input value in every lane position; int32: the extremes, with zero points that make
// q - zero_point overflow int32.
template <typename In>
void check_specials(const char* name, DequantizeFn<In> fn, DequantizeFn<In> scalar) {
  const size_t count = test::special_inputs<In>().size();
  for (int32_t zp : dequantize_zero_points<In>()) {
    for (size_t rotation = 0; rotation < 64; ++rotation) {
      VDequantizeTester().batch_size(count + rotation).scale(0.0235f).zero_point(zp)
          .inputs(Inputs::Specials).rotation(rotation).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

template <typename In>
void check_bits(const char* name, DequantizeFn<In> fn, DequantizeFn<In> scalar) {
  for (int32_t zp : dequantize_zero_points<In>()) {
    VDequantizeTester().batch_size(65536 + 13).scale(1.0f / 3.0f).zero_point(zp).inputs(Inputs::Bits)
        .Test(name, fn, scalar);
  }
}

// --- floating-point environments ----------------------------------------------------------------

// The scalar kernels round in the current mode (nearbyint, conversions) and honour flush-to-zero /
// denormals-are-zero, so every variant must too.
template <typename Fn>
void check_fp_environments(const char* name, Fn fn, Fn scalar) {
  for_each_fp_environment([&] {
    check_params(name, fn, scalar);
    check_specials(name, fn, scalar);
  });
}

// --- every listed kernel against its __scalar variant --------------------------------------------

#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, level)                                  \
  OCTET_IF_ARCH_##arch(                                                                   \
      TEST(family##__##isa, tails) {                                                      \
        OCTET_SKIP_UNLESS_USABLE(level);                                                  \
        check_tails(#family "__" #isa, &family##__##isa, &family##__scalar);              \
      }                                                                                   \
      TEST(family##__##isa, params) {                                                     \
        OCTET_SKIP_UNLESS_USABLE(level);                                                  \
        check_params(#family "__" #isa, &family##__##isa, &family##__scalar);             \
      }                                                                                   \
      TEST(family##__##isa, specials_in_every_lane) {                                     \
        OCTET_SKIP_UNLESS_USABLE(level);                                                  \
        check_specials(#family "__" #isa, &family##__##isa, &family##__scalar);           \
      }                                                                                   \
      TEST(family##__##isa, random_bits) {                                                \
        OCTET_SKIP_UNLESS_USABLE(level);                                                  \
        check_bits(#family "__" #isa, &family##__##isa, &family##__scalar);               \
      }                                                                                   \
      TEST(family##__##isa, rounding_modes_and_flush_to_zero) {                           \
        OCTET_SKIP_UNLESS_USABLE(level);                                                  \
        check_fp_environments(#family "__" #isa, &family##__##isa, &family##__scalar);    \
      })
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL

// --- the scalar specification against hand-computed values ---------------------------------------

uint8_t quantize_qu8(float x, float scale, int32_t zp, int32_t qmin = 0, int32_t qmax = 255) {
  const QuantizeParams p{1.0f / scale, zp, qmin, qmax};
  uint8_t y = 0;
  f32_qu8_vquantize__scalar(1, &x, &y, &p);
  return y;
}

int8_t quantize_qs8(float x, float inv_scale, int32_t zp, int32_t qmin = -128, int32_t qmax = 127) {
  const QuantizeParams p{inv_scale, zp, qmin, qmax};
  int8_t y = 0;
  f32_qs8_vquantize__scalar(1, &x, &y, &p);
  return y;
}

TEST(QuantizeScalar, reciprocal_product_rounds_half_to_even) {
  // PyTorch #49779: x * (1 / scale) is exactly 127.5 in float32 (x / scale would be 127.499992), and
  // 127.5 rounds to the even 128.
  const float scale = 0.00214854861f;
  const float x = 0.273939937f;
  ASSERT_EQ(x * (1.0f / scale), 127.5f);
  EXPECT_EQ(quantize_qu8(x, scale, /*zp=*/0), 128);
  EXPECT_EQ(quantize_qu8(x, scale, /*zp=*/0, /*qmin=*/0, /*qmax=*/127), 127);
}

TEST(QuantizeScalar, ties_go_to_even) {
  EXPECT_EQ(quantize_qs8(2.5f, 1.0f, 0), 2);
  EXPECT_EQ(quantize_qs8(3.5f, 1.0f, 0), 4);
  EXPECT_EQ(quantize_qs8(-2.5f, 1.0f, 0), -2);
  EXPECT_EQ(quantize_qs8(-0.5f, 1.0f, 0), 0);
  EXPECT_EQ(quantize_qs8(0.75f, 2.0f, 0), 2);  // 1.5 -> 2
  EXPECT_EQ(quantize_qs8(1.25f, 2.0f, 0), 2);  // 2.5 -> 2
}

TEST(QuantizeScalar, zero_point_is_added_after_rounding) {
  // nearbyint(0.5) + 1 = 1; rounding 0.5 + 1 = 1.5 would give 2.
  EXPECT_EQ(quantize_qs8(0.5f, 1.0f, 1), 1);
  EXPECT_EQ(quantize_qu8(1.5f, 1.0f, 128), 130);  // 2 + 128
}

TEST(QuantizeScalar, clamps_and_maps_nan_to_qmax) {
  EXPECT_EQ(quantize_qu8(kNaN, 1.0f, 128), 255);
  EXPECT_EQ(quantize_qu8(-kNaN, 1.0f, 128, 3, 100), 100);
  EXPECT_EQ(quantize_qs8(kNaN, 1.0f, 0), 127);
  EXPECT_EQ(quantize_qs8(kNaN, 1.0f, 0, -64, 63), 63);
  EXPECT_EQ(quantize_qu8(kInf, 1.0f, 0), 255);
  EXPECT_EQ(quantize_qu8(-kInf, 1.0f, 200), 0);
  EXPECT_EQ(quantize_qu8(1e30f, 1.0f, 0, 0, 127), 127);  // reduce_range
  EXPECT_EQ(quantize_qs8(-1e30f, 1.0f, 0), -128);
  EXPECT_EQ(quantize_qs8(200.0f, 1.0f, -100), 100);
  EXPECT_EQ(quantize_qs8(kDenormMin, 1.0f, 0), 0);
  EXPECT_EQ(quantize_qs8(0.0f, 0.0f, 7), 7);
  EXPECT_EQ(quantize_qs8(kInf, 0.0f, 7), 127);  // inf * 0 is NaN
}

TEST(QuantizeScalar, channelwise_uses_each_elements_params) {
  const float x[3] = {1.0f, 1.0f, 1.0f};
  const float inv_scale[3] = {10.0f, 20.0f, 0.5f};
  const int32_t zp[3] = {0, 5, 0};
  uint8_t y[3] = {};
  f32_qu8_vquantize_cw__scalar(3, x, y, inv_scale, zp, 0, 255);
  EXPECT_EQ(y[0], 10);
  EXPECT_EQ(y[1], 25);
  EXPECT_EQ(y[2], 0);  // 0.5 -> 0
}

TEST(QuantizeScalar, dequantize) {
  const uint8_t qu8[2] = {200, 0};
  const int8_t qs8[2] = {-128, 127};
  float y[2] = {};
  const DequantizeParams p8{0.5f, 128};
  qu8_f32_vdequantize__scalar(2, qu8, y, &p8);
  EXPECT_EQ(y[0], 36.0f);
  EXPECT_EQ(y[1], -64.0f);
  const DequantizeParams ps8{0.25f, -1};
  qs8_f32_vdequantize__scalar(2, qs8, y, &ps8);
  EXPECT_EQ(y[0], -31.75f);
  EXPECT_EQ(y[1], 32.0f);
}

TEST(QuantizeScalar, dequantize_int32_difference_is_exact) {
  // INT32_MIN - 1 does not fit int32 (wrapping would give +2147483647); exactly it is -2^31 - 1,
  // which rounds to -2^31 in float.
  const int32_t q[3] = {kInt32Min, kInt32Max, 16777217};
  float y[3] = {};
  const DequantizeParams p{1.0f, 1};
  qs32_f32_vdequantize__scalar(3, q, y, &p);
  EXPECT_EQ(y[0], -2147483648.0f);
  EXPECT_EQ(y[1], 2147483648.0f);
  EXPECT_EQ(y[2], 16777216.0f);
  const DequantizeParams p_neg{0.5f, -2};
  qs32_f32_vdequantize__scalar(1, q + 1, y, &p_neg);  // 2^31 + 1 -> 2^31, times 0.5
  EXPECT_EQ(y[0], 1073741824.0f);
}

TEST(QuantizeScalar, requantize) {
  const int32_t acc[6] = {3, 5, 16777217, kInt32Max, kInt32Min, -7};
  uint8_t y[6] = {};
  // 3 * 0.5 = 1.5 -> 2; 5 * 0.5 = 2.5 -> 2; then + 10.
  const RequantizeParams p{0.5f, 10, 0, 255};
  qs32_qu8_vrequantize__scalar(6, acc, y, &p);
  EXPECT_EQ(y[0], 12);
  EXPECT_EQ(y[1], 12);
  EXPECT_EQ(y[2], 255);
  EXPECT_EQ(y[3], 255);
  EXPECT_EQ(y[4], 0);
  EXPECT_EQ(y[5], 6);  // -3.5 -> -4, + 10
  // (float)16777217 is 16777216 (to even), times 2^-24 is exactly 1.
  const RequantizeParams unit{1.0f / 16777216.0f, 0, -128, 127};
  int8_t s = 0;
  qs32_qs8_vrequantize__scalar(1, acc + 2, &s, &unit);
  EXPECT_EQ(s, 1);
}

}  // namespace
}  // namespace octet::kernels
