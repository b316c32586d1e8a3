// conv_transpose_test.cpp: quantized conv_transpose1d/2d/3d equal an inline int64 scatter reference exactly, on every ISA cap and for 1-3 threads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_util.h"
#include "ops/quantized/conv_test_util.h"

namespace octet {
namespace {

using test::qconv::ConvData;
using test::qconv::ConvProblem;
using test::qconv::Fill;

using test::qconv::check_threads;

ConvProblem transposed2d(int64_t cin, int64_t cout, Shape in, Shape k) {
  return test::qconv::problem2d(cin, cout, std::move(in), std::move(k), /*transposed=*/true);
}

class QConvTransposeTest : public test::qconv::IsaFixture<0x7c0f> {};

TEST_P(QConvTransposeTest, StridePaddingOutputPaddingDilation) {
  for (int64_t s : {1, 2, 3}) {
    for (int64_t pad : {0, 1, 2}) {
      for (int64_t dil : {1, 2}) {
        ConvProblem p = transposed2d(5, 6, {5, 4}, {3, 3});
        p.stride = {s, s};
        p.padding = {pad, pad};
        p.dilation = {dil, dil};
        p.output_padding = {s > 1 ? s - 1 : 0, 0};
        p.a_zp = 7;
        p.batch = 2;
        check_threads(p, gen_);
        if (HasFatalFailure()) return;
      }
    }
  }
  ConvProblem p = transposed2d(4, 3, {6, 5}, {4, 2});  // DCGAN-like 4x4 stride 2 in one dim
  p.stride = {2, 3};
  p.padding = {1, 0};
  p.output_padding = {1, 2};
  check_threads(p, gen_);
}

TEST_P(QConvTransposeTest, ZeroPointsAndPerChannel) {
  for (int64_t za : {0, 1, 128, 255}) {
    for (int64_t zw : {0, 1, -128, 127}) {
      ConvProblem p = transposed2d(3, 5, {4, 5}, {3, 3});
      p.stride = {2, 2};
      p.padding = {1, 1};
      p.a_zp = za;
      p.w_zps = {zw};
      p.out_zp = 255 - za;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
    ConvProblem p = transposed2d(4, 6, {4, 4}, {3, 3});
    p.a_zp = za;
    p.per_channel = true;  // along axis 1
    p.w_zps = {3, 0, -7};
    p.stride = {2, 2};
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

TEST_P(QConvTransposeTest, GroupsAndPerChannelAcrossGroups) {
  ConvProblem p = transposed2d(6, 9, {4, 5}, {3, 3});
  p.groups = 3;
  p.stride = {2, 1};
  p.padding = {1, 1};
  p.a_zp = 30;
  p.per_channel = true;  // 3 scales along axis 1, shared by the groups' output channels
  p.w_zps = {1, -1, 0};
  check_threads(p, gen_);
  p.groups = 6;  // depthwise-transposed, multiplier 3 ... (C_in = groups)
  p.out_channels = 18;
  check_threads(p, gen_);
}

TEST_P(QConvTransposeTest, SaturatingQInt8AndNoBias) {
  for (Fill fill : {Fill::Saturating, Fill::Extreme}) {
    ConvProblem p = transposed2d(16, 8, {4, 4}, {3, 3});
    p.fill = fill;
    p.stride = {2, 2};
    p.w_zps = {127};
    p.out_factor = 0.3;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
  for (int64_t za : {-128, 0, 127}) {
    ConvProblem p = transposed2d(5, 4, {3, 4}, {2, 2});
    p.act = kQInt8;
    p.a_zp = za;
    p.out_zp = za / 3;
    p.stride = {2, 2};
    p.bias = false;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

// 192 x 192 outputs: the gather runs on several threads.
TEST_P(QConvTransposeTest, LargeOutput) {
  ConvProblem p = transposed2d(2, 3, {64, 64}, {3, 3});
  p.stride = {3, 3};
  p.a_zp = 90;
  check_threads(p, gen_);
}

TEST_P(QConvTransposeTest, OneAndThreeDims) {
  ConvProblem p;
  p.transposed = true;
  p.spatial = 1;
  p.in_channels = 4;
  p.out_channels = 6;
  p.in = {9};
  p.kernel = {4};
  p.stride = {3};
  p.padding = {1};
  p.dilation = {2};
  p.output_padding = {2};
  p.a_zp = 60;
  p.batch = 3;
  check_threads(p, gen_);
  p.unbatched = true;
  p.batch = 1;
  check_threads(p, gen_);

  ConvProblem q;
  q.transposed = true;
  q.spatial = 3;
  q.in_channels = 4;
  q.out_channels = 6;
  q.in = {3, 4, 3};
  q.kernel = {2, 3, 2};
  q.stride = {2, 1, 2};
  q.padding = {0, 1, 1};
  q.dilation = {1, 1, 2};
  q.output_padding = {1, 0, 1};
  q.a_zp = 200;
  q.groups = 2;
  q.per_channel = true;
  q.w_zps = {2, 0, -2};
  check_threads(q, gen_);
}

std::string LevelName(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(Isa, QConvTransposeTest,
                         ::testing::Values(Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx), LevelName);

}  // namespace
}  // namespace octet
