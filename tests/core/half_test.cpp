// half_test.cpp: float16 / bfloat16 conversions, exhaustively against the hardware where it exists.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "common/test_util.h"
#include "octet/octet.h"

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("f16c"))) static uint16_t hw_float_to_half(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) static float hw_half_to_float(uint16_t h) { return _cvtsh_ss(h); }
#endif

namespace octet {
namespace {

TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = Half::to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(Half::to_float(Half::from_float(f)))) << h;
      continue;
    }
    ASSERT_EQ(Half::from_float(f), h) << "half bits " << h << " -> " << f;
  }
}

TEST(Half, RoundsHalfwayToEvenAndOverflowsToInf) {
  EXPECT_EQ(Half::from_float(1.0f + 0x1.0p-11f), Half::from_float(1.0f));           // tie -> even
  EXPECT_EQ(Half::from_float(1.0f + 3 * 0x1.0p-11f), Half::from_float(1.0f + 0x1.0p-9f));  // tie -> even (up)
  EXPECT_EQ(Half::from_float(65504.0f), 0x7bffu);
  EXPECT_EQ(Half::from_float(65520.0f), 0x7c00u);
  EXPECT_EQ(Half::from_float(-1e9f), 0xfc00u);
  EXPECT_EQ(Half::from_float(0x1.0p-25f), 0u);         // exactly half the smallest subnormal: to even 0
  EXPECT_EQ(Half::from_float(0x1.8p-25f), 1u);         // above half: rounds up
  EXPECT_EQ(Half::from_float(-0.0f), 0x8000u);
}

#if defined(__x86_64__)
TEST(Half, MatchesF16cOnRandomAndEdgeFloats) {
  if (!cpu_features().f16c) GTEST_SKIP() << "no F16C on this CPU";
  const uint64_t seed = test::test_seed(20261128);
  Generator g(seed);
  for (int i = 0; i < 2000000; ++i) {
    const auto bits = static_cast<uint32_t>(g.next_u64());
    const float f = std::bit_cast<float>(bits);
    if (std::isnan(f)) continue;
    ASSERT_EQ(Half::from_float(f), hw_float_to_half(f)) << "float bits 0x" << std::hex << bits;
  }
  for (uint32_t h = 0; h < 65536; ++h) {
    const float a = Half::to_float(static_cast<uint16_t>(h)), b = hw_half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(a)) continue;
    ASSERT_EQ(std::bit_cast<uint32_t>(a), std::bit_cast<uint32_t>(b)) << h;
  }
}
#endif

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(BFloat16::from_float(1.0f), 0x3f80u);
  EXPECT_EQ(BFloat16::from_float(std::bit_cast<float>(0x3f808000u)), 0x3f80u);  // tie -> even
  EXPECT_EQ(BFloat16::from_float(std::bit_cast<float>(0x3f818000u)), 0x3f82u);  // tie -> even (up)
  EXPECT_EQ(BFloat16::from_float(std::bit_cast<float>(0x3f808001u)), 0x3f81u);
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(NAN))));
  EXPECT_EQ(static_cast<float>(BFloat16(3.0f)), 3.0f);
}

}  // namespace
}  // namespace octet
