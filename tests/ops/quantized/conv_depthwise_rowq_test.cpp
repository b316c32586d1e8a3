// conv_depthwise_rowq_test.cpp: depthwise layers of the shapes the row-quad kernels take (3 kernel rows, width <= 4, int8 weights) equal the int64 direct-convolution reference exactly, on every ISA cap and for 1-3 threads.
//
// Under the AVX-512 VNNI cap these run on qu8_qs8w_dwconv_rowq_fp32 (ops/quantized/conv_depthwise.cpp);
// under the others, and where the weights do not fit int8 (nonzero zero points against full-range
// weights), on the indirection or row-pair kernels: every case must give the same integers anyway.
// Covered: channel counts around the 32- and 64-channel blocks, strides 1 and 2 (byte pairs kept
// across pixels) and 3 (made afresh), padding on every side (also wider than the kernel's reach),
// kernel widths 1..4, height dilation, 3-D kernels whose 3 rows span depth, channel multipliers,
// qint8 inputs, ReLU, saturating values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_util.h"
#include "ops/quantized/conv_test_util.h"

namespace octet {
namespace {

using test::qconv::check_threads;
using test::qconv::ConvProblem;
using test::qconv::Fill;

ConvProblem depthwise(int64_t c, Shape in, Shape k) {
  ConvProblem p = test::qconv::problem2d(c, c, std::move(in), std::move(k), /*transposed=*/false);
  p.groups = c;
  return p;
}

class QConvDepthwiseRowqTest : public test::qconv::IsaFixture<0x4e0c> {};

TEST_P(QConvDepthwiseRowqTest, ChannelsAndStrides) {
  for (int64_t c : {1, 16, 31, 32, 33, 40, 64, 65, 96, 100, 144}) {
    for (int64_t s : {1, 2, 3}) {
      ConvProblem p = depthwise(c, {9, 11}, {3, 3});
      p.stride = {s, s};
      p.padding = {1, 1};
      p.a_zp = 128;
      p.per_channel = true;
      p.w_zps = {0};
      p.batch = 2;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(QConvDepthwiseRowqTest, KernelShapesAndPadding) {
  struct Case {
    int64_t kw, ph, pw, dh;
  };
  for (const Case& k : {Case{1, 1, 0, 1}, Case{2, 1, 1, 1}, Case{4, 0, 2, 1}, Case{3, 2, 3, 1}, Case{3, 2, 1, 2},
                        Case{4, 1, 4, 1}}) {
    ConvProblem p = depthwise(48, {8, 10}, {3, k.kw});
    p.padding = {k.ph, k.pw};
    p.dilation = {k.dh, 1};
    p.a_zp = 3;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
  // 3-D: the three kernel rows span depth (3 x 1 x 3) and height (1 x 3 x 2).
  for (const Shape& kernel : {Shape{3, 1, 3}, Shape{1, 3, 2}}) {
    ConvProblem q;
    q.spatial = 3;
    q.in_channels = 20;
    q.out_channels = 20;
    q.groups = 20;
    q.in = {4, 5, 9};
    q.kernel = kernel;
    q.stride = {1, 1, 2};
    q.padding = {1, 1, 1};
    q.dilation = {1, 1, 1};
    q.output_padding = {0, 0, 0};
    q.a_zp = 77;
    check_threads(q, gen_);
    if (HasFatalFailure()) return;
  }
}

TEST_P(QConvDepthwiseRowqTest, ValuesTypesAndMultipliers) {
  for (Fill fill : {Fill::Saturating, Fill::Extreme}) {
    for (int64_t za : {0, 255}) {
      ConvProblem p = depthwise(40, {5, 14}, {3, 3});
      p.fill = fill;
      p.padding = {1, 1};
      p.a_zp = za;
      p.out_factor = 0.3;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
      p.w_zps = {127};  // w - zw outside int8: the indirection kernel instead, the same answer
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
  ConvProblem p = depthwise(36, {7, 12}, {3, 3});
  p.act = kQInt8;
  p.a_zp = -9;
  p.relu = true;
  p.out_zp = 4;
  p.padding = {1, 1};
  check_threads(p, gen_);
  if (HasFatalFailure()) return;
  p = depthwise(12, {7, 12}, {3, 3});
  p.out_channels = 36;  // channel multiplier 3
  p.stride = {2, 2};
  p.padding = {1, 1};
  p.a_zp = 200;
  check_threads(p, gen_);
  if (HasFatalFailure()) return;
  // Enough rows for 2 and 3 threads.
  p = depthwise(32, {60, 56}, {3, 3});
  p.padding = {1, 1};
  p.a_zp = 90;
  check_threads(p, gen_);
}

std::string LevelName(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(Isa, QConvDepthwiseRowqTest,
                         ::testing::Values(Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx), LevelName);

}  // namespace
}  // namespace octet
