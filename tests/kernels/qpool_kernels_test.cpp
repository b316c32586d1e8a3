// qpool_kernels_test.cpp: every compiled 8-bit pooling kernel equals its __scalar variant and the inline formula bit for bit, over edge grids.
#include <gtest/gtest.h>

#include <cfenv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/test_util.h"
#include "kernels/qpool_kernels.h"
#include "kernels/qpool_tester.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

using test::PoolData;
using test::QPoolTester;

constexpr uint64_t kDefaultSeed = 20240611;

// --- grids ---------------------------------------------------------------------------------------

// Every tail of the 32-output blocks (and of the stride-2 direct blocks, which need one output more),
// and powers of two +-1.
std::vector<size_t> output_counts() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 70; ++n) sizes.push_back(n);
  for (size_t n : {95, 96, 97, 127, 128, 129, 255, 256, 257}) sizes.push_back(n);
  return sizes;
}

// 1 and 2 have direct vector paths; 3 and 7 (primes) are staged.
constexpr size_t kStrides[] = {1, 2, 3, 7};

template <typename T>
constexpr int32_t lowest() {
  return std::numeric_limits<T>::min();
}
template <typename T>
constexpr int32_t highest() {
  return std::numeric_limits<T>::max();
}

// {qmin, 0 (or 1 for unsigned), 1, mid, qmax}.
template <typename T>
std::vector<int32_t> zero_points() {
  if constexpr (std::is_unsigned_v<T>) return {0, 1, 128, 255};
  return {-128, 0, 1, 127};
}

// 1 / taps as the operator computes it (float division), 1 for an empty window.
float average_multiplier(size_t taps) { return taps == 0 ? 1.0f : 1.0f / static_cast<float>(taps); }

// --- max -----------------------------------------------------------------------------------------

template <typename T>
using MaxFn = void (*)(size_t, size_t, const T* const*, size_t, T*);

template <typename T>
void check_max(const char* name, MaxFn<T> fn, MaxFn<T> scalar, uint64_t seed) {
  for (size_t stride : kStrides) {
    for (size_t n : output_counts()) {
      for (size_t taps : {0, 1, 2, 3, 9}) {
        for (PoolData data : {PoolData::Random, PoolData::Extremes}) {
          QPoolTester().n(n).taps(taps).stride(stride).data(data).seed(seed).TestMax(name, fn, scalar);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
  // Constant inputs, and windows of many taps (7x7, 5x5x5).
  for (size_t stride : {1, 2}) {
    for (size_t n : {1, 31, 32, 33, 64, 65}) {
      for (PoolData data : {PoolData::AllMin, PoolData::AllMax}) {
        QPoolTester().n(n).taps(4).stride(stride).data(data).seed(seed).TestMax(name, fn, scalar);
      }
      for (size_t taps : {49, 125}) {
        QPoolTester().n(n).taps(taps).stride(stride).seed(seed).TestMax(name, fn, scalar);
      }
    }
  }
}

// --- average -------------------------------------------------------------------------------------

template <typename T>
using AvgFn = void (*)(size_t, size_t, const T* const*, size_t, T*, const QAvgPoolParams*);

template <typename T>
QPoolTester avg_tester(size_t n, size_t taps, size_t stride, uint64_t seed) {
  return QPoolTester().n(n).taps(taps).stride(stride).seed(seed).multiplier(average_multiplier(taps))
      .qmin(lowest<T>()).qmax(highest<T>()).zero_point_in(std::is_unsigned_v<T> ? 128 : 0)
      .zero_point(std::is_unsigned_v<T> ? 128 : 0);
}

template <typename T>
void check_avg_tails(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  for (size_t stride : kStrides) {
    for (size_t n : output_counts()) {
      for (size_t taps : {0, 1, 2, 4, 9}) {
        avg_tester<T>(n, taps, stride, seed).TestAvg(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

// Input and output zero points over {qmin, 0, 1, mid, qmax}, with inputs near the zero point (so
// that averages sit near rounding ties) and at the extremes.
template <typename T>
void check_avg_zero_points(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  for (int32_t zp_in : zero_points<T>()) {
    for (int32_t zp_out : zero_points<T>()) {
      for (size_t stride : {1, 2}) {
        for (size_t n : {1, 32, 33, 70}) {
          for (size_t taps : {1, 4, 9}) {
            for (PoolData data : {PoolData::Random, PoolData::Extremes, PoolData::Narrow}) {
              avg_tester<T>(n, taps, stride, seed).zero_point_in(zp_in).zero_point(zp_out).data(data)
                  .TestAvg(name, fn, scalar);
              if (::testing::Test::HasFailure()) return;
            }
          }
        }
      }
    }
  }
}

// Multipliers: ties (1/4 with near-zero-point inputs), typical (1/9), 1 and above (saturation), 0,
// negative (a negative divisor_override), tiny; full and narrowed clamp ranges.
template <typename T>
void check_avg_multipliers(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  struct Range {
    int32_t lo, hi;
  };
  const std::vector<Range> ranges = std::is_unsigned_v<T> ? std::vector<Range>{{0, 255}, {17, 200}, {42, 42}}
                                                          : std::vector<Range>{{-128, 127}, {-100, 5}, {0, 0}};
  for (float m : {0.25f, 0.5f, 1.0f / 9.0f, 1.0f, 3.0f, 0.0f, -0.25f, 1e-7f, 123.456f, 1.0f / 49.0f}) {
    for (Range r : ranges) {
      for (size_t taps : {1, 4, 9, 49}) {
        for (size_t n : {5, 33, 64}) {
          for (PoolData data : {PoolData::Random, PoolData::Narrow, PoolData::Extremes}) {
            avg_tester<T>(n, taps, 1, seed).multiplier(m).qmin(r.lo).qmax(r.hi)
                .zero_point(r.lo + (r.hi - r.lo) / 2).data(data).TestAvg(name, fn, scalar);
            if (::testing::Test::HasFailure()) return;
          }
        }
      }
    }
  }
}

// Windows of more than 256 taps: the AVX2 kernel's 16-bit sums spill to 32 bits every 256 taps;
// all-max inputs put them at their limit.
template <typename T>
void check_avg_many_taps(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  for (size_t taps : {255, 256, 257, 300, 513}) {
    for (PoolData data : {PoolData::AllMax, PoolData::AllMin, PoolData::Extremes, PoolData::Random}) {
      for (size_t stride : {1, 2}) {
        for (size_t n : {1, 32, 33, 64}) {
          avg_tester<T>(n, taps, stride, seed).data(data).TestAvg(name, fn, scalar);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

// Sums near the ends of int32 (a bias chosen so that bias + sum reaches INT32_MAX or INT32_MIN):
// (float)acc rounds there, in cvtdq2ps as in the scalar conversion.
template <typename T>
void check_avg_large_bias(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max(), kMin = std::numeric_limits<int32_t>::min();
  for (size_t taps : {1, 9, 300}) {
    const int32_t t = static_cast<int32_t>(taps);
    for (int32_t bias : {kMax - highest<T>() * t, kMin - lowest<T>() * t, 16777217, -16777219}) {
      for (float m : {1e-9f, 1.0f, 4.6566129e-10f}) {
        for (size_t stride : {1, 2}) {
          for (size_t n : {3, 40}) {  // the scalar edge path and the vector blocks
            avg_tester<T>(n, taps, stride, seed).bias(bias).multiplier(m).data(PoolData::Random)
                .TestAvg(name, fn, scalar);
            if (::testing::Test::HasFailure()) return;
          }
        }
      }
    }
  }
}

// The kernels round in the current mode, as nearbyint does; every mode must still agree.
template <typename T>
void check_avg_rounding_modes(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  const int saved = std::fegetround();
  for (int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO, FE_TONEAREST}) {
    std::fesetround(mode);
    for (float m : {0.25f, 1.0f / 9.0f}) {
      for (size_t stride : {1, 2}) {
        avg_tester<T>(70, 4, stride, seed).multiplier(m).data(PoolData::Narrow).TestAvg(name, fn, scalar);
        avg_tester<T>(70, 9, stride, seed).multiplier(m).data(PoolData::Random).TestAvg(name, fn, scalar);
      }
    }
  }
  std::fesetround(saved);
}

template <typename T>
void check_avg(const char* name, AvgFn<T> fn, AvgFn<T> scalar, uint64_t seed) {
  check_avg_tails(name, fn, scalar, seed);
  check_avg_zero_points(name, fn, scalar, seed);
  check_avg_multipliers(name, fn, scalar, seed);
  check_avg_many_taps(name, fn, scalar, seed);
  check_avg_large_bias(name, fn, scalar, seed);
  check_avg_rounding_modes(name, fn, scalar, seed);
}

// --- row sums ------------------------------------------------------------------------------------

template <typename T>
void check_rsum(const char* name, int32_t (*fn)(size_t, const T*), int32_t (*scalar)(size_t, const T*),
                uint64_t seed) {
  std::vector<size_t> sizes = output_counts();
  for (size_t n : {1000, 4095, 4096, 4097, 100003}) sizes.push_back(n);
  for (size_t n : sizes) {
    for (PoolData data : {PoolData::Random, PoolData::AllMax, PoolData::AllMin}) {
      QPoolTester().n(n).data(data).seed(seed).TestRsum(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Each family's check, by name, so that the list below can call check_<family>.
void check_qu8_maxpool(const char* name, qu8_maxpool_fn fn, qu8_maxpool_fn scalar, uint64_t seed) {
  check_max<uint8_t>(name, fn, scalar, seed);
}
void check_qs8_maxpool(const char* name, qs8_maxpool_fn fn, qs8_maxpool_fn scalar, uint64_t seed) {
  check_max<int8_t>(name, fn, scalar, seed);
}
void check_qu8_avgpool_minmax_fp32(const char* name, qu8_avgpool_minmax_fp32_fn fn,
                                   qu8_avgpool_minmax_fp32_fn scalar, uint64_t seed) {
  check_avg<uint8_t>(name, fn, scalar, seed);
}
void check_qs8_avgpool_minmax_fp32(const char* name, qs8_avgpool_minmax_fp32_fn fn,
                                   qs8_avgpool_minmax_fp32_fn scalar, uint64_t seed) {
  check_avg<int8_t>(name, fn, scalar, seed);
}
void check_qu8_s32_rsum(const char* name, qu8_s32_rsum_fn fn, qu8_s32_rsum_fn scalar, uint64_t seed) {
  check_rsum<uint8_t>(name, fn, scalar, seed);
}
void check_qs8_s32_rsum(const char* name, qs8_s32_rsum_fn fn, qs8_s32_rsum_fn scalar, uint64_t seed) {
  check_rsum<int8_t>(name, fn, scalar, seed);
}

// --- every listed kernel against its __scalar variant --------------------------------------------

#define OCTET_QPOOL_SKIP_UNLESS_USABLE(level) \
  if (!isa_usable(Isa::level))                \
  GTEST_SKIP() << "Isa::" #level " kernels cannot run here: " << isa_rejection_reason(Isa::level)

#define OCTET_QPOOL_UKERNEL(arch, family, isa, level)                                                   \
  OCTET_IF_ARCH_##arch(TEST(QPoolKernels, family##__##isa) {                                            \
    OCTET_QPOOL_SKIP_UNLESS_USABLE(level);                                                              \
    check_##family(#family "__" #isa, &family##__##isa, &family##__scalar, ::octet::test::test_seed(kDefaultSeed)); \
  })
#include "kernels/qpool_kernels.inc"
#undef OCTET_QPOOL_UKERNEL

// --- dispatch ------------------------------------------------------------------------------------

class CapGuard {
 public:
  CapGuard() : saved_(max_isa()) {}
  ~CapGuard() { set_max_isa(saved_); }

 private:
  Isa saved_;
};

TEST(QPoolDispatch, compiled_kernels_follow_the_list) {
  std::vector<std::string_view> expected;
#define OCTET_QPOOL_UKERNEL(arch, family, isa, level) OCTET_IF_ARCH_##arch(expected.push_back(#family "__" #isa);)
#include "kernels/qpool_kernels.inc"
#undef OCTET_QPOOL_UKERNEL
  const auto& compiled = qpool_compiled_kernels();
  ASSERT_EQ(compiled.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(compiled[i].name, expected[i]);
  EXPECT_EQ(compiled.back().isa, Isa::Ref);
}

TEST(QPoolDispatch, ref_cap_picks_the_scalar_kernels) {
  CapGuard guard;
  set_max_isa(Isa::Ref);
  const QPoolKernels k = qpool_kernels();
  EXPECT_EQ(k.qu8_maxpool, &qu8_maxpool__scalar);
  EXPECT_EQ(k.qs8_maxpool, &qs8_maxpool__scalar);
  EXPECT_EQ(k.qu8_avgpool_minmax_fp32, &qu8_avgpool_minmax_fp32__scalar);
  EXPECT_EQ(k.qs8_avgpool_minmax_fp32, &qs8_avgpool_minmax_fp32__scalar);
  EXPECT_EQ(k.qu8_s32_rsum, &qu8_s32_rsum__scalar);
  EXPECT_EQ(k.qs8_s32_rsum, &qs8_s32_rsum__scalar);
}

#if defined(OCTET_ARCH_X86)
TEST(QPoolDispatch, avx2_cap_picks_the_avx2_kernels) {
  if (!isa_supported_by_hardware(Isa::Avx2)) GTEST_SKIP() << "no AVX2 here";
  CapGuard guard;
  set_max_isa(Isa::Avx2);
  const QPoolKernels k = qpool_kernels();
  EXPECT_EQ(k.qu8_maxpool, &qu8_maxpool__avx2);
  EXPECT_EQ(k.qs8_avgpool_minmax_fp32, &qs8_avgpool_minmax_fp32__avx2);
  EXPECT_EQ(k.qu8_s32_rsum, &qu8_s32_rsum__avx2);
}
#endif

// --- the scalar specification against hand-computed values ---------------------------------------

TEST(QPoolScalar, average_rounds_half_to_even_after_the_zero_point_is_taken_out) {
  // Four taps around zero point 3: (4 + 5 + 3 + 3) - 4 * 3 = 3, times 1/4 = 0.75 -> 1, + 3 = 4.
  const uint8_t a = 4, b = 5, c = 3, d = 3;
  const uint8_t* taps[] = {&a, &b, &c, &d};
  uint8_t y = 0;
  const QAvgPoolParams p{-4 * 3, 0.25f, 3, 0, 255};
  qu8_avgpool_minmax_fp32__scalar(1, 4, taps, 1, &y, &p);
  EXPECT_EQ(y, 4);
  // Sum - bias = 2: 0.5 rounds to even 0, so the output is the zero point. PyTorch's NCHW frame,
  // which adds the zero point before rounding (3.5 -> 4), gives 4 here.
  const uint8_t e = 4, f = 4;
  const uint8_t* taps2[] = {&e, &f, &c, &c};
  qu8_avgpool_minmax_fp32__scalar(1, 4, taps2, 1, &y, &p);
  EXPECT_EQ(y, 3);
}

TEST(QPoolScalar, max_of_no_taps_is_the_lowest_value) {
  uint8_t yu = 7;
  int8_t ys = 7;
  qu8_maxpool__scalar(1, 0, nullptr, 1, &yu);
  qs8_maxpool__scalar(1, 0, nullptr, 1, &ys);
  EXPECT_EQ(yu, 0);
  EXPECT_EQ(ys, -128);
}

TEST(QPoolScalar, average_clamps_to_the_range) {
  const int8_t v = 127;
  const int8_t* taps[] = {&v, &v};
  int8_t y = 0;
  const QAvgPoolParams p{0, 1.0f, 10, -128, 100};  // 254 + 10 clamps to 100
  qs8_avgpool_minmax_fp32__scalar(1, 2, taps, 1, &y, &p);
  EXPECT_EQ(y, 100);
  const QAvgPoolParams q{0, -1.0f, 0, -50, 127};  // -254 clamps to -50
  qs8_avgpool_minmax_fp32__scalar(1, 2, taps, 1, &y, &q);
  EXPECT_EQ(y, -50);
}

}  // namespace
}  // namespace octet::kernels
