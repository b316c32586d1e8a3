// conv_test.cpp: quantized conv1d/2d/3d (+relu) equal an inline int64 direct-convolution reference exactly, on every ISA cap and for 1-3 threads.
//
// Each TEST_P runs one ISA level (skipped when the machine or the cap cannot run it). Every case
// is prepacked once, before the level changes, so the packed weights are repacked lazily for other
// panel widths too. Shapes are odd on purpose: K = taps * C_in / groups rarely a multiple of 4,
// spatial sizes that leave partial strides, channel counts around the kernels' vector widths.
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

ConvProblem conv2d(int64_t cin, int64_t cout, Shape in, Shape k) {
  return test::qconv::problem2d(cin, cout, std::move(in), std::move(k), /*transposed=*/false);
}

class QConvTest : public test::qconv::IsaFixture<0x51c0> {};

TEST_P(QConvTest, Conv2dStridePaddingDilation) {
  for (int64_t s : {1, 2, 3}) {
    for (int64_t pad : {0, 1, 2}) {
      for (int64_t dil : {1, 2}) {
        ConvProblem p = conv2d(5, 7, {11, 9}, {3, 3});
        p.stride = {s, s};
        p.padding = {pad, pad};
        p.dilation = {dil, dil};
        p.a_zp = 3;
        p.batch = 2;
        check_threads(p, gen_);
        if (HasFatalFailure()) return;
      }
    }
  }
  // Unequal per-dim geometry, a 2x5 kernel.
  ConvProblem p = conv2d(6, 10, {12, 13}, {2, 5});
  p.stride = {2, 1};
  p.padding = {1, 2};
  p.dilation = {1, 2};
  p.a_zp = 128;
  check_threads(p, gen_);
}

TEST_P(QConvTest, ZeroPoints) {
  for (int64_t za : {0, 1, 128, 255}) {
    for (int64_t zw : {0, 1, -128, 127}) {
      ConvProblem p = conv2d(3, 5, {8, 7}, {3, 3});  // K = 27
      p.padding = {1, 1};
      p.a_zp = za;
      p.w_zps = {zw};
      p.out_zp = (za * 7) % 256;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
    // Per-channel weights with nonzero zero points.
    ConvProblem p = conv2d(4, 9, {6, 6}, {3, 3});
    p.padding = {1, 1};
    p.a_zp = za;
    p.per_channel = true;
    p.w_zps = {0, -3, 127, -128, 5};
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

TEST_P(QConvTest, Groups) {
  for (int64_t groups : {2, 3}) {
    ConvProblem p = conv2d(6, 12, {9, 8}, {3, 3});
    p.groups = groups;
    p.padding = {1, 1};
    p.stride = {2, 2};
    p.a_zp = 17;
    p.per_channel = true;
    p.w_zps = {1, 0, -2};
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

TEST_P(QConvTest, Depthwise) {
  for (int64_t c : {1, 7, 19, 32, 40}) {
    for (int64_t s : {1, 2}) {
      ConvProblem p = conv2d(c, c, {10, 9}, {3, 3});
      p.groups = c;
      p.stride = {s, s};
      p.padding = {1, 1};
      p.a_zp = 128;
      p.per_channel = true;
      p.w_zps = {0, 1, -1, 127};
      p.batch = 2;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
  // 5x5, dilation, no padding; channel multiplier 2 and 3; one input channel (Cin = groups = 1).
  ConvProblem p = conv2d(17, 17, {12, 12}, {5, 5});
  p.groups = 17;
  p.dilation = {2, 1};
  check_threads(p, gen_);
  p = conv2d(9, 18, {7, 8}, {3, 3});
  p.groups = 9;
  p.padding = {1, 1};
  p.a_zp = 200;
  check_threads(p, gen_);
  p = conv2d(5, 15, {6, 6}, {3, 3});
  p.groups = 5;
  p.stride = {2, 2};
  p.padding = {2, 0};
  check_threads(p, gen_);
  p = conv2d(1, 8, {9, 9}, {3, 3});
  p.a_zp = 9;
  check_threads(p, gen_);
}

// Rows of at least 16 output pixels at stride 1: under the AVX2 cap these take the row-pair kernel
// (kernels/qdwconv_kernels.h), so its pairing, padding columns, cache of paired rows, odd and even
// kernel widths, height dilation, channel multipliers, qint8 and saturating values are all checked.
TEST_P(QConvTest, DepthwiseWideRows) {
  for (int64_t c : {1, 7, 19, 32, 40, 144}) {
    ConvProblem p = conv2d(c, c, {5, 18}, {3, 3});
    p.groups = c;
    p.padding = {1, 1};
    p.a_zp = 128;
    p.per_channel = true;
    p.w_zps = {0, 1, -1, 127};
    p.batch = 2;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
  struct Shape2 {
    int64_t kh, kw, ph, pw, dh;
  };
  for (const Shape2& k : {Shape2{5, 5, 2, 2, 1}, Shape2{2, 4, 0, 3, 1}, Shape2{1, 1, 0, 0, 1}, Shape2{3, 2, 1, 1, 2},
                          Shape2{1, 7, 0, 3, 1}}) {
    ConvProblem p = conv2d(9, 18, {7, 20}, {k.kh, k.kw});
    p.groups = 9;  // channel multiplier 2
    p.padding = {k.ph, k.pw};
    p.dilation = {k.dh, 1};
    p.a_zp = 200;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
  for (Fill fill : {Fill::Saturating, Fill::Extreme}) {
    for (int64_t za : {0, 255}) {
      ConvProblem p = conv2d(16, 16, {4, 17}, {3, 3});
      p.groups = 16;
      p.fill = fill;
      p.padding = {1, 1};
      p.a_zp = za;
      p.w_zps = {127};
      p.out_factor = 0.3;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
  ConvProblem p = conv2d(24, 24, {6, 19}, {3, 3});
  p.groups = 24;
  p.padding = {1, 1};
  p.act = kQInt8;
  p.a_zp = -5;
  p.relu = true;
  check_threads(p, gen_);
}

TEST_P(QConvTest, Pointwise) {
  ConvProblem p = conv2d(13, 11, {7, 9}, {1, 1});  // the input rows are the GEMM's A
  p.a_zp = 77;
  p.batch = 3;
  check_threads(p, gen_);
  p.groups = 1;
  p.stride = {2, 2};  // strided: through im2col
  check_threads(p, gen_);
  p = conv2d(12, 8, {5, 5}, {1, 1});
  p.groups = 4;
  p.per_channel = true;
  p.w_zps = {3, -4};
  check_threads(p, gen_);
  p = conv2d(8, 16, {4, 4}, {1, 1});
  p.padding = {1, 1};  // padded 1x1: the border is all zero point
  p.a_zp = 250;
  check_threads(p, gen_);
  // K % 4 == 0 quint8: the input rows go to the GEMM as they are (no packing copy), with full-range
  // bytes and with bytes <= 127 (the 7-bit kernel), per-tensor and per-channel zero points (row
  // sums scanned in place), one and two groups; qint8 still packs (flipped) rows.
  for (Fill fill : {Fill::Random, Fill::Low7}) {
    for (int64_t groups : {1, 2}) {
      p = conv2d(16, 24, {5, 7}, {1, 1});
      p.fill = fill;
      p.groups = groups;
      p.a_zp = fill == Fill::Low7 ? 100 : 200;
      p.batch = 2;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
      p.per_channel = true;
      p.w_zps = {0, 5, -7};
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
      p.act = kQInt8;
      p.a_zp = fill == Fill::Low7 ? -100 : 17;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
}

// im2col rows written in the driver's packed format: K % 4 == 1, 2, 3 and 0 (the zero pad), bytes
// <= 127 with a zero point <= 127 (the 7-bit kernel takes the whole input) and full range, qint8.
TEST_P(QConvTest, Im2colPackedRows) {
  for (int64_t cin : {3, 1, 2, 4}) {
    for (Fill fill : {Fill::Low7, Fill::Random}) {
      ConvProblem p = conv2d(cin, 10, {9, 8}, {3, 3});
      p.stride = {2, 1};
      p.padding = {1, 1};
      p.fill = fill;
      p.a_zp = 90;
      p.per_channel = true;
      p.w_zps = {0, 2};
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
      p.act = kQInt8;
      p.a_zp = fill == Fill::Low7 ? -110 : 3;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(QConvTest, SaturatingAndExtremeValues) {
  for (Fill fill : {Fill::Saturating, Fill::Extreme}) {
    for (int64_t za : {0, 255}) {
      ConvProblem p = conv2d(16, 8, {6, 6}, {3, 3});
      p.fill = fill;
      p.padding = {1, 1};
      p.a_zp = za;
      p.w_zps = {127};
      p.out_factor = 0.3;  // many outputs clamp at both ends
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
      p.groups = 16;
      p.out_channels = 16;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(QConvTest, ReluAndOutputZeroPoints) {
  for (int64_t zo : {0, 1, 128, 255}) {
    ConvProblem p = conv2d(5, 6, {7, 7}, {3, 3});
    p.relu = true;
    p.out_zp = zo;
    p.a_zp = 100;
    p.padding = {1, 1};
    check_threads(p, gen_);
    p.groups = 5;
    p.out_channels = 10;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

TEST_P(QConvTest, QInt8Activations) {
  for (int64_t za : {-128, 0, 1, 127}) {
    ConvProblem p = conv2d(5, 6, {7, 6}, {3, 3});
    p.act = kQInt8;
    p.a_zp = za;
    p.out_zp = -za / 2;
    p.padding = {1, 1};
    check_threads(p, gen_);
    p.relu = true;
    p.groups = 5;
    p.out_channels = 5;
    check_threads(p, gen_);
    p.kernel = {1, 1};
    p.padding = {0, 0};
    p.groups = 1;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

TEST_P(QConvTest, Conv1dAndConv3d) {
  ConvProblem p;
  p.spatial = 1;
  p.in_channels = 6;
  p.out_channels = 5;
  p.in = {23};
  p.kernel = {5};
  p.stride = {3};
  p.padding = {2};
  p.dilation = {2};
  p.output_padding = {0};
  p.a_zp = 40;
  p.batch = 2;
  check_threads(p, gen_);
  p.relu = true;
  p.groups = 6;
  p.out_channels = 12;
  check_threads(p, gen_);

  ConvProblem q;
  q.spatial = 3;
  q.in_channels = 4;
  q.out_channels = 6;
  q.in = {5, 6, 7};
  q.kernel = {2, 3, 3};
  q.stride = {1, 2, 2};
  q.padding = {1, 1, 0};
  q.dilation = {2, 1, 1};
  q.output_padding = {0, 0, 0};
  q.a_zp = 130;
  q.per_channel = true;
  q.w_zps = {1, 0};
  check_threads(q, gen_);
  q.groups = 2;
  q.relu = true;
  check_threads(q, gen_);
  q.groups = 4;
  q.out_channels = 4;  // depthwise 3-D
  q.kernel = {3, 3, 3};
  q.padding = {1, 1, 1};
  q.dilation = {1, 1, 1};
  check_threads(q, gen_);
}

TEST_P(QConvTest, BatchesUnbatchedAndNoBias) {
  ConvProblem p = conv2d(7, 5, {6, 5}, {3, 3});
  p.batch = 1;
  p.unbatched = true;
  p.padding = {1, 1};
  check_threads(p, gen_);
  p.unbatched = false;
  p.batch = 4;
  p.bias = false;
  check_threads(p, gen_);
  p.groups = 7;
  p.out_channels = 7;
  p.unbatched = true;
  p.batch = 1;
  check_threads(p, gen_);
}

// A larger layer, so that the threaded paths (im2col chunks per thread, the driver's own split)
// have work to share.
TEST_P(QConvTest, LargerLayers) {
  ConvProblem p = conv2d(32, 40, {30, 28}, {3, 3});
  p.padding = {1, 1};
  p.a_zp = 5;
  p.per_channel = true;
  p.w_zps = {0, 2};
  check_threads(p, gen_);
  p = conv2d(48, 48, {40, 40}, {3, 3});
  p.groups = 48;
  p.padding = {1, 1};
  p.stride = {2, 2};
  check_threads(p, gen_);
  p = conv2d(24, 64, {20, 20}, {1, 1});
  p.batch = 2;
  check_threads(p, gen_);
  // Enough im2col chunks (7 of 1365 rows) that each thread takes whole chunks (im2col + GEMM).
  p = conv2d(16, 8, {96, 96}, {3, 3});
  p.padding = {1, 1};
  p.a_zp = 77;
  p.per_channel = true;
  p.w_zps = {0, -1};
  check_threads(p, gen_);
  // A depthwise layer with work for 2 threads.
  p = conv2d(32, 32, {96, 96}, {3, 3});
  p.groups = 32;
  p.padding = {1, 1};
  p.a_zp = 3;
  check_threads(p, gen_);
}

std::string LevelName(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(Isa, QConvTest, ::testing::Values(Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx),
                         LevelName);

}  // namespace
}  // namespace octet
