// qdwconv_kernels_test.cpp: every compiled depthwise-convolution kernel equals the int64 reference and the __scalar variant exactly.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "kernels/qdwconv_kernels.h"
#include "kernels/qdwconv_tester.h"
#include "common/test_util.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

using test::QDwConvTester;

const QDwConvKernel& scalar_kernel() { return qdwconv_compiled_kernels().back(); }

class QDwConvKernelTest : public ::testing::TestWithParam<QDwConvKernel> {
 protected:
  void SetUp() override {
    if (!isa_usable(GetParam().isa)) {
      GTEST_SKIP() << GetParam().name << ": " << isa_rejection_reason(GetParam().isa);
    }
    seed_ = octet::test::test_seed(20240521);
  }
  void Run(QDwConvTester t) const { t.seed(seed_).Test(GetParam(), &scalar_kernel()); }
  uint64_t seed_ = 0;
};

// Vector widths are 8 and 16 (AVX2) and 16 and 32 (AVX-512): 1..3 x 16 covers every block and tail.
TEST_P(QDwConvKernelTest, ChannelsTimesTaps) {
  for (size_t channels = 1; channels <= 49; ++channels) {
    for (size_t taps : {1, 2, 3, 4, 9, 25}) {
      Run(QDwConvTester().channels(channels).taps(taps).pixels(2).input_zero_point(3).weight_zero_point(0));
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(QDwConvKernelTest, EveryTapCount) {
  for (size_t taps = 1; taps <= 27; ++taps) {
    for (size_t channels : {7, 16, 33, 64}) {
      Run(QDwConvTester().channels(channels).taps(taps).pixels(3).input_zero_point(128).per_channel_weights(true));
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(QDwConvKernelTest, ZeroPoints) {
  for (int32_t za : {0, 1, 128, 255}) {
    for (int32_t zw : {-128, 0, 1, 127}) {
      for (size_t channels : {5, 24, 40}) {
        Run(QDwConvTester().channels(channels).taps(9).pixels(2).input_zero_point(za).weight_zero_point(zw));
        Run(QDwConvTester().channels(channels).taps(9).pixels(2).input_zero_point(za).per_channel_weights(true));
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST_P(QDwConvKernelTest, OutputRangesAndReLU) {
  struct Case {
    QDwConvOutput out;
    int32_t zp, qmin, qmax;
  };
  const std::vector<Case> cases = {
      {QDwConvOutput::QU8, 0, 0, 255},    {QDwConvOutput::QU8, 1, 0, 255},   {QDwConvOutput::QU8, 128, 0, 255},
      {QDwConvOutput::QU8, 255, 0, 255},  {QDwConvOutput::QU8, 128, 128, 255},  // ReLU: qmin = zp
      {QDwConvOutput::QU8, 20, 0, 127},   {QDwConvOutput::QS8, -128, -128, 127}, {QDwConvOutput::QS8, 0, -128, 127},
      {QDwConvOutput::QS8, 1, -128, 127}, {QDwConvOutput::QS8, 127, -128, 127},  {QDwConvOutput::QS8, -5, -5, 127},
  };
  for (const Case& c : cases) {
    for (size_t channels : {3, 16, 35}) {
      Run(QDwConvTester()
              .channels(channels)
              .taps(9)
              .pixels(3)
              .input_zero_point(100)
              .per_channel_weights(true)
              .output(c.out)
              .output_zero_point(c.zp)
              .qmin(c.qmin)
              .qmax(c.qmax)
              .multiplier_range(1e-5f, 1.0f));  // large multipliers saturate at both ends
      if (HasFatalFailure()) return;
    }
  }
}

// 255 x (-128 - 127): the largest products, every tap, with the widest multipliers.
TEST_P(QDwConvKernelTest, SaturatingInputs) {
  for (size_t channels : {1, 8, 16, 17, 48}) {
    for (size_t taps : {9, 25}) {
      Run(QDwConvTester()
              .channels(channels)
              .taps(taps)
              .input_zero_point(0)
              .weight_zero_point(127)
              .saturating(true)
              .padding_fraction(0)
              .multiplier_range(1e-7f, 1e-3f));
      Run(QDwConvTester().channels(channels).taps(taps).input_zero_point(255).weight_zero_point(-128).saturating(true));
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(QDwConvKernelTest, PaddingOffsetsAndStrides) {
  for (double pad : {0.0, 0.5, 1.0}) {
    for (size_t offset : {0, 7, 4096}) {
      Run(QDwConvTester().channels(21).taps(9).pixels(4).padding_fraction(pad).input_offset(offset).input_zero_point(77));
      Run(QDwConvTester().channels(32).taps(5).pixels(3).output_stride(41).input_offset(offset).input_zero_point(9));
      if (HasFatalFailure()) return;
    }
  }
}

// Tap lists that overlap (stride-1 and stride-2 sharing of a 3x3 kernel: step 3 or 6 of 9) or
// that leave pointers unused (step > taps).
TEST_P(QDwConvKernelTest, SharedAndSparseTapLists) {
  for (size_t step : {1, 3, 6, 9, 12}) {
    for (size_t channels : {5, 16, 37}) {
      Run(QDwConvTester().channels(channels).taps(9).pixels(7).input_stride(step).input_zero_point(33));
      Run(QDwConvTester().channels(channels).taps(9).pixels(4).input_stride(step).input_offset(64));
      if (HasFatalFailure()) return;
    }
  }
}

TEST(QDwConvKernels, ListEndsWithScalarAndDispatchPicksAUsableKernel) {
  ASSERT_FALSE(qdwconv_compiled_kernels().empty());
  EXPECT_EQ(scalar_kernel().isa, Isa::Ref);
  EXPECT_EQ(scalar_kernel().name, "qu8_qs8w_dwconv_fp32__scalar");
  const QDwConvKernel picked = qdwconv_kernel();
  EXPECT_TRUE(isa_usable(picked.isa)) << picked.name;
  // The pick is the best usable one: nothing usable is listed before it.
  for (const QDwConvKernel& k : qdwconv_compiled_kernels()) {
    if (k.name == picked.name) break;
    EXPECT_FALSE(isa_usable(k.isa)) << k.name << " is usable and listed before " << picked.name;
  }
  const Isa saved = max_isa();
  set_max_isa(Isa::Ref);
  EXPECT_EQ(qdwconv_kernel().isa, Isa::Ref);
  set_max_isa(saved);
}

// The packed layout, by hand: 3 channels, 3 taps, zero points 1 and per channel.
TEST(QDwConvKernels, PackWeightsLayout) {
  const std::vector<int8_t> w = {1, 2, 3, 4, 5, 6, -7, -8, -128};  // [c][t]
  const std::vector<int32_t> zw = {1, 0, 127};
  std::vector<int32_t> packed(qdwconv_packed_size(3, 3), 99);
  ASSERT_EQ(packed.size(), 3u * 16u);  // taps x channels padded to 16
  std::vector<int32_t> sum(3);
  qdwconv_pack_weights(3, 3, w.data(), 3, zw.data(), /*per_channel=*/true, packed.data(), sum.data());
  EXPECT_EQ(packed[0], 0);          // w(0, c0) - 1
  EXPECT_EQ(packed[1], 4);          // w(0, c1)
  EXPECT_EQ(packed[2], -7 - 127);   // w(0, c2) - 127
  EXPECT_EQ(packed[3], 0);          // channel 3: padding
  EXPECT_EQ(packed[16], 1);         // w(1, c0) - 1
  EXPECT_EQ(packed[34], -128 - 127);  // w(2, c2) - 127
  EXPECT_EQ(sum[0], 0 + 1 + 2);
  EXPECT_EQ(sum[2], (-7 - 127) + (-8 - 127) + (-128 - 127));
  // Per-tensor: zero_point[0] for every channel.
  const int32_t one = 1;
  qdwconv_pack_weights(3, 3, w.data(), 3, &one, /*per_channel=*/false, packed.data(), sum.data());
  EXPECT_EQ(packed[1], 3);
  EXPECT_EQ(sum[1], 3 + 4 + 5);
}

}  // namespace

// gtest prints a parameter through this rather than as raw bytes.
void PrintTo(const QDwConvKernel& k, std::ostream* os) { *os << k.name; }

namespace {

std::string KernelName(const ::testing::TestParamInfo<QDwConvKernel>& info) {
  return std::string(info.param.name.substr(info.param.name.find("__") + 2));
}

INSTANTIATE_TEST_SUITE_P(Compiled, QDwConvKernelTest, ::testing::ValuesIn(qdwconv_compiled_kernels()), KernelName);

}  // namespace
}  // namespace octet::kernels
