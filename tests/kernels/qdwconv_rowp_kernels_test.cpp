// qdwconv_rowp_kernels_test.cpp: every compiled row-pair depthwise kernel equals the __scalar indirection kernel (the specification) exactly, over edge grids.
//
// One output row of a 2-D depthwise convolution is computed twice from the same raw int8 weights,
// input rows and qparams: by qu8_qs8w_dwconv_fp32__scalar through an indirection buffer, and by the
// row-pair kernel through qdwconv_rowp_pair_row / qdwconv_rowp_pack_weights. Every output byte must
// match; bytes between output pixels must stay untouched; paired rows sit at the end of
// guard-paged buffers (an over-read faults).
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/qdwconv_kernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

using test::GuardedBuffer;

struct Case {
  size_t channels = 8, kh = 3, kw = 3, stride = 1, pad = 1, in_width = 9, out_width = 0;
  int32_t za = 128, zw = 0;
  bool per_channel = true;
  QDwConvOutput output = QDwConvOutput::QU8;
  int32_t zp = 128, qmin = 0, qmax = 255;
  bool saturating = false;
  int missing_row = -1;  // this kernel row is padding (-1: none)
};

void run_case(const QDwConvRowpKernel& kernel, const Case& k, std::mt19937_64& rng, uint64_t seed) {
  const size_t C = k.channels, KH = k.kh, KW = k.kw, taps = KH * KW;
  const size_t OW = k.out_width != 0 ? k.out_width : (k.in_width + 2 * k.pad - KW) / k.stride + 1;
  const size_t cp = (C + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  auto byte = [&]() { return k.saturating ? uint8_t{255} : static_cast<uint8_t>(rng()); };
  // Raw weights in the operator's tap order (t = kw * KH + kh), zero points, bias, multipliers.
  std::vector<int8_t> w(C * taps);
  for (auto& v : w) v = k.saturating ? int8_t{-128} : static_cast<int8_t>(rng());
  std::vector<int32_t> zw(C);
  for (size_t c = 0; c < C; ++c) zw[c] = k.per_channel ? static_cast<int32_t>(rng() % 256) - 128 : k.zw;
  std::vector<int32_t> c1(qdwconv_packed_size(C, taps)), wsum(C), col_init(C);
  qdwconv_pack_weights(C, taps, w.data(), taps, zw.data(), k.per_channel, c1.data(), wsum.data());
  std::vector<float> mult(C);
  for (size_t c = 0; c < C; ++c) {
    const int32_t bias = static_cast<int32_t>(rng() % 200001) - 100000;
    col_init[c] = static_cast<int32_t>(static_cast<uint32_t>(bias) - static_cast<uint32_t>(k.za) * static_cast<uint32_t>(wsum[c]));
    mult[c] = std::ldexp(1.0f + static_cast<float>(rng() % 1000) / 1000.0f, -static_cast<int>(8 + rng() % 10));
  }
  QDwConvParams params;
  params.output = k.output;
  params.multiplier = mult.data();
  params.zero_point = k.zp;
  params.qmin = k.qmin;
  params.qmax = k.qmax;
  // Input rows (channels-last, width in_width), one may be padding.
  std::vector<std::vector<uint8_t>> in(KH, std::vector<uint8_t>(k.in_width * C));
  for (auto& row : in) {
    for (auto& v : row) v = byte();
  }
  const std::vector<uint8_t> zero(C, static_cast<uint8_t>(k.za));
  // The specification: indirection rows for the scalar kernel.
  std::vector<const uint8_t*> ind(OW * taps);
  for (size_t ow = 0; ow < OW; ++ow) {
    for (size_t kw = 0; kw < KW; ++kw) {
      for (size_t kh = 0; kh < KH; ++kh) {
        const int64_t iw = static_cast<int64_t>(ow * k.stride + kw) - static_cast<int64_t>(k.pad);
        const bool ok = static_cast<int>(kh) != k.missing_row && iw >= 0 && iw < static_cast<int64_t>(k.in_width);
        ind[ow * taps + kw * KH + kh] = ok ? in[kh].data() + static_cast<size_t>(iw) * C : zero.data();
      }
    }
  }
  const size_t out_stride = C + 3;
  std::vector<uint8_t> want(OW * out_stride, 0xA5), got(OW * out_stride, 0xA5);
  qu8_qs8w_dwconv_fp32__scalar(C, OW, taps, ind.data(), taps, 0, zero.data(), c1.data(), col_init.data(), want.data(),
                               out_stride, &params);
  // The row-pair form.
  const size_t pairs = (KW + 1) / 2, columns = (OW - 1) * k.stride + 2 * pairs - 1;
  std::vector<int32_t> wp(qdwconv_rowp_packed_size(C, KH, KW));
  qdwconv_rowp_pack_weights(C, KH, KW, c1.data(), wp.data());
  std::vector<std::unique_ptr<GuardedBuffer<int32_t>>> paired;
  std::vector<const int32_t*> rows(KH);
  for (size_t kh = 0; kh < KH; ++kh) {
    paired.push_back(std::make_unique<GuardedBuffer<int32_t>>(columns * cp));
    const bool missing = static_cast<int>(kh) == k.missing_row;
    qdwconv_rowp_pair_row(C, missing ? nullptr : in[kh].data(), C, k.in_width, k.pad, columns,
                          static_cast<uint8_t>(k.za), paired.back()->data());
    rows[kh] = paired.back()->data();
  }
  kernel.fn(C, OW, KH, pairs, k.stride, rows.data(), wp.data(), col_init.data(), got.data(), out_stride, &params);
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(static_cast<int>(got[i]), static_cast<int>(want[i]))
        << kernel.name << ": pixel " << i / out_stride << " channel " << i % out_stride << " (>= " << C
        << " is a gap byte) C " << C << " KH " << KH << " KW " << KW << " stride " << k.stride << " pad " << k.pad
        << " in_width " << k.in_width << " za " << k.za << " zw " << k.zw << " per_channel " << k.per_channel
        << " out " << (k.output == QDwConvOutput::QS8 ? "qs8" : "qu8") << " [" << k.qmin << ", " << k.qmax << "] zp "
        << k.zp << " seed " << seed;
  }
}

class QDwConvRowpTest : public ::testing::TestWithParam<QDwConvRowpKernel> {
 protected:
  void SetUp() override {
    if (!isa_usable(GetParam().isa)) GTEST_SKIP() << GetParam().name << ": " << isa_rejection_reason(GetParam().isa);
    seed_ = octet::test::test_seed(20261129);
    rng_.seed(seed_);
  }
  void Run(const Case& c) { run_case(GetParam(), c, rng_, seed_); }
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
};

// Channel counts over every 8- and 16-lane block and tail, the MobileNet widths, every kernel
// shape up to 3 x 5, strides 1..3 and paddings 0..2 (widths give 1..9 output pixels: the 4-pixel
// blocks and their tails).
TEST_P(QDwConvRowpTest, ShapesStridesPaddings) {
  std::vector<size_t> channels;
  for (size_t c = 1; c <= 49; ++c) channels.push_back(c);
  for (size_t c : {64, 96, 144, 200}) channels.push_back(c);
  for (size_t C : channels) {
    for (size_t kh : {1, 2, 3}) {
      for (size_t kw : {1, 2, 3, 4, 5}) {
        Case c;
        c.channels = C;
        c.kh = kh;
        c.kw = kw;
        c.stride = 1 + C % 3;
        c.pad = C % 3 < kw ? C % 3 : 0;
        c.in_width = kw + C % 9;
        Run(c);
      }
    }
  }
  for (size_t stride : {1, 2, 3}) {
    for (size_t pad : {0, 1, 2}) {
      for (size_t width = 3; width <= 14; ++width) {
        for (size_t C : {5, 16, 40}) {
          Case c;
          c.channels = C;
          c.stride = stride;
          c.pad = pad;
          c.in_width = width;
          Run(c);
        }
      }
    }
  }
}

TEST_P(QDwConvRowpTest, ZeroPointsPaddingRowsAndSaturation) {
  for (int32_t za : {0, 1, 128, 255}) {
    for (int32_t zw : {-128, 0, 1, 127}) {
      for (bool per_channel : {false, true}) {
        for (int missing : {-1, 0, 2}) {
          for (bool sat : {false, true}) {
            Case c;
            c.channels = 37;
            c.za = za;
            c.zw = zw;
            c.per_channel = per_channel;
            c.missing_row = missing;
            c.saturating = sat;
            c.in_width = 10;
            c.kw = 5;
            c.kh = 3;
            c.pad = 2;
            Run(c);
          }
        }
      }
    }
  }
}

TEST_P(QDwConvRowpTest, OutputRangesAndReLU) {
  struct Range {
    QDwConvOutput out;
    int32_t zp, qmin, qmax;
  };
  for (const Range& r : {Range{QDwConvOutput::QU8, 0, 0, 255}, Range{QDwConvOutput::QU8, 200, 200, 255},
                         Range{QDwConvOutput::QU8, 128, 10, 240}, Range{QDwConvOutput::QS8, 0, -128, 127},
                         Range{QDwConvOutput::QS8, -128, -128, 127}, Range{QDwConvOutput::QS8, 5, 5, 127},
                         Range{QDwConvOutput::QS8, 127, -128, 127}}) {
    for (size_t C : {3, 16, 35, 144}) {
      for (bool sat : {false, true}) {
        Case c;
        c.channels = C;
        c.output = r.out;
        c.zp = r.zp;
        c.qmin = r.qmin;
        c.qmax = r.qmax;
        c.saturating = sat;
        c.in_width = 11;
        Run(c);
      }
    }
  }
}

std::string RowpName(const ::testing::TestParamInfo<QDwConvRowpKernel>& info) {
  std::string n(info.param.name);
  for (char& ch : n) {
    if (ch == '_') ch = 'x';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Compiled, QDwConvRowpTest, ::testing::ValuesIn(qdwconv_rowp_compiled_kernels()), RowpName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(QDwConvRowpTest);

TEST(QDwConvRowpKernels, DispatchFollowsTheCap) {
  const Isa saved = max_isa();
  set_max_isa(Isa::Ref);
  EXPECT_EQ(qdwconv_rowp_kernel().fn, nullptr) << "the ref cap must take the indirection kernels";
  set_max_isa(saved);
  const QDwConvRowpKernel k = qdwconv_rowp_kernel();
  if (k.fn != nullptr) {
    EXPECT_TRUE(isa_usable(k.isa)) << k.name;
  }
}

TEST(QDwConvRowpKernels, PairRowLayout) {
  // Two pixels of 3 channels, one column of padding each side, za 9: pairs of neighbours.
  const uint8_t in[6] = {1, 2, 3, 4, 5, 6};
  std::vector<int32_t> out(4 * 16, -1);
  qdwconv_rowp_pair_row(3, in, 3, 2, 1, 4, 9, out.data());
  const int32_t want[4][3] = {{9 | 1 << 16, 9 | 2 << 16, 9 | 3 << 16},
                              {1 | 4 << 16, 2 | 5 << 16, 3 | 6 << 16},
                              {4 | 9 << 16, 5 | 9 << 16, 6 | 9 << 16},
                              {9 | 9 << 16, 9 | 9 << 16, 9 | 9 << 16}};
  for (int j = 0; j < 4; ++j) {
    for (int c = 0; c < 16; ++c) EXPECT_EQ(out[static_cast<size_t>(j * 16 + c)], c < 3 ? want[j][c] : 0) << j << " " << c;
  }
}

}  // namespace
}  // namespace octet::kernels
