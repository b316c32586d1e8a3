// qdwconv_rowq_kernels_test.cpp: every compiled row-quad depthwise kernel equals the __scalar indirection kernel (the specification) exactly, over edge grids.
//
// One output row of a 2-D depthwise convolution with 3 kernel rows is computed twice from the same raw
// int8 weights, input rows and qparams: by qu8_qs8w_dwconv_fp32__scalar through an indirection buffer,
// and by the row-quad kernel on the input rows themselves (weights by qdwconv_rowq_pack_weights,
// col_init and multipliers by qdwconv_rowq_block_order). Every output byte must match; bytes between
// output pixels must stay untouched; every input row and array ends at a guard page (an over-read
// faults). Weights are drawn so that w - zw fits int8 (the kernels' condition).
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/fp_environment.h"
#include "common/test_util.h"
#include "kernels/qdwconv_kernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

using test::GuardedBuffer;

struct Case {
  size_t channels = 8, kw = 3, stride = 1, pad = 1, in_width = 9;
  int32_t za = 128;
  int32_t zw_lo = 0, zw_hi = 0;  // per-channel weight zero points, random in [lo, hi]
  QDwConvOutput output = QDwConvOutput::QU8;
  int32_t zp = 128, qmin = 0, qmax = 255;
  bool saturating = false;  // activations 255, w - zw = -128 everywhere
  int missing_row = -1;     // this kernel row is padding (-1: none)
};

std::string describe(const QDwConvRowqKernel& kernel, const Case& k, uint64_t seed) {
  std::ostringstream os;
  os << kernel.name << " C " << k.channels << " KW " << k.kw << " stride " << k.stride << " pad " << k.pad
     << " in_width " << k.in_width << " za " << k.za << " zw [" << k.zw_lo << ", " << k.zw_hi << "] out "
     << (k.output == QDwConvOutput::QS8 ? "qs8" : "qu8") << " [" << k.qmin << ", " << k.qmax << "] zp " << k.zp
     << " saturating " << k.saturating << " missing row " << k.missing_row << " seed " << seed
     << " (rerun with OCTET_TEST_SEED=" << seed << ")";
  return os.str();
}

void run_case(const QDwConvRowqKernel& kernel, const Case& k, std::mt19937_64& rng, uint64_t seed) {
  constexpr size_t KH = 3;
  const size_t C = k.channels, KW = k.kw, taps = KH * KW;
  const size_t OW = (k.in_width + 2 * k.pad - KW) / k.stride + 1;
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  // Raw weights in the operator's tap order (t = kw * KH + kh) with w - zw inside int8.
  std::vector<int32_t> zw(C);
  for (auto& z : zw) z = static_cast<int32_t>(uniform(k.zw_lo, k.zw_hi));
  std::vector<int8_t> w(C * taps);
  for (size_t c = 0; c < C; ++c) {
    for (size_t t = 0; t < taps; ++t) {
      const int64_t lo = std::max<int64_t>(-128, -128 + zw[c]), hi = std::min<int64_t>(127, 127 + zw[c]);
      w[c * taps + t] = static_cast<int8_t>(k.saturating ? lo : uniform(lo, hi));
    }
  }
  std::vector<int32_t> c1(qdwconv_packed_size(C, taps)), wsum(C), col_init(C);
  qdwconv_pack_weights(C, taps, w.data(), taps, zw.data(), /*per_channel=*/true, c1.data(), wsum.data());
  ASSERT_TRUE(qdwconv_rowq_weights_fit(C, taps, c1.data()));
  std::vector<float> mult(C);
  for (size_t c = 0; c < C; ++c) {
    const auto bias = static_cast<int32_t>(uniform(-100000, 100000));
    col_init[c] = static_cast<int32_t>(static_cast<uint32_t>(bias) - static_cast<uint32_t>(k.za) * static_cast<uint32_t>(wsum[c]));
    mult[c] = std::ldexp(1.0f + static_cast<float>(uniform(0, 999)) / 1000.0f, -static_cast<int>(uniform(6, 15)));
  }
  QDwConvParams params;
  params.output = k.output;
  params.multiplier = mult.data();
  params.zero_point = k.zp;
  params.qmin = k.qmin;
  params.qmax = k.qmax;
  // Input rows at the end of guarded buffers.
  std::vector<std::unique_ptr<GuardedBuffer<uint8_t>>> in;
  for (size_t kh = 0; kh < KH; ++kh) {
    in.push_back(std::make_unique<GuardedBuffer<uint8_t>>(k.in_width * C));
    for (size_t i = 0; i < k.in_width * C; ++i) (*in.back())[i] = k.saturating ? uint8_t{255} : static_cast<uint8_t>(uniform(0, 255));
  }
  const std::vector<uint8_t> zero(C, static_cast<uint8_t>(k.za));
  // The specification: indirection rows for the scalar kernel.
  std::vector<const uint8_t*> ind(OW * taps);
  for (size_t ow = 0; ow < OW; ++ow) {
    for (size_t kw = 0; kw < KW; ++kw) {
      for (size_t kh = 0; kh < KH; ++kh) {
        const int64_t iw = static_cast<int64_t>(ow * k.stride + kw) - static_cast<int64_t>(k.pad);
        const bool ok = static_cast<int>(kh) != k.missing_row && iw >= 0 && iw < static_cast<int64_t>(k.in_width);
        ind[ow * taps + kw * KH + kh] = ok ? in[kh]->data() + static_cast<size_t>(iw) * C : zero.data();
      }
    }
  }
  const size_t out_stride = C + 3;
  std::vector<uint8_t> want(OW * out_stride, 0xA5), got(OW * out_stride, 0xA5);
  qu8_qs8w_dwconv_fp32__scalar(C, OW, taps, ind.data(), taps, 0, zero.data(), c1.data(), col_init.data(), want.data(),
                               out_stride, &params);
  // The row-quad form, every array guarded.
  const size_t padded = qdwconv_rowq_padded_channels(C);
  GuardedBuffer<int8_t> wq(qdwconv_rowq_packed_size(C));
  qdwconv_rowq_pack_weights(C, KW, c1.data(), wq.data());
  GuardedBuffer<int32_t> init(padded);
  GuardedBuffer<float> mult_b(padded);
  qdwconv_rowq_block_order(C, reinterpret_cast<const uint32_t*>(col_init.data()), reinterpret_cast<uint32_t*>(init.data()));
  qdwconv_rowq_block_order(C, reinterpret_cast<const uint32_t*>(mult.data()), reinterpret_cast<uint32_t*>(mult_b.data()));
  const uint8_t* rows[KH];
  for (size_t kh = 0; kh < KH; ++kh) rows[kh] = static_cast<int>(kh) == k.missing_row ? nullptr : in[kh]->data();
  kernel.fn(C, OW, k.stride, rows, k.in_width, k.pad, static_cast<uint8_t>(k.za), wq.data(), init.data(),
            mult_b.data(), got.data(), out_stride, &params);
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(static_cast<int>(got[i]), static_cast<int>(want[i]))
        << "pixel " << i / out_stride << " channel " << i % out_stride << " (>= " << C << " is a gap byte): "
        << describe(kernel, k, seed);
  }
}

class QDwConvRowqTest : public ::testing::TestWithParam<QDwConvRowqKernel> {
 protected:
  void SetUp() override {
    if (!isa_usable(GetParam().isa)) GTEST_SKIP() << GetParam().name << ": " << isa_rejection_reason(GetParam().isa);
    seed_ = octet::test::test_seed(20261130);
    rng_.seed(seed_);
  }
  void Run(const Case& c) { run_case(GetParam(), c, rng_, seed_); }
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
};

// Channel counts over every 16-channel lane, the 32- and 64-channel blocks and their tails, the
// MobileNet widths; kernel widths 1..4; strides 1, 2 (pairs kept across pixels) and 3, 4 (made afresh);
// paddings 0..3 (padding wider than the kernel's reach on the right); widths giving 1..16 pixels.
TEST_P(QDwConvRowqTest, ShapesStridesPaddings) {
  std::vector<size_t> channels;
  for (size_t c = 1; c <= 70; ++c) channels.push_back(c);
  for (size_t c : {95, 96, 97, 127, 128, 129, 144, 160, 161, 200, 960}) channels.push_back(c);
  for (size_t C : channels) {
    for (size_t kw : {1, 2, 3, 4}) {
      Case c;
      c.channels = C;
      c.kw = kw;
      c.stride = 1 + C % 4;
      c.pad = C % 4 < kw ? C % 4 : 0;
      c.in_width = kw + C % 11;
      Run(c);
      if (HasFatalFailure()) return;
    }
  }
  for (size_t stride : {1, 2, 3, 4}) {
    for (size_t pad : {0, 1, 2, 3}) {
      for (size_t width = 3; width <= 16; ++width) {
        for (size_t C : {5, 32, 80}) {
          Case c;
          c.channels = C;
          c.stride = stride;
          c.pad = pad;
          c.in_width = width;
          Run(c);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// Zero points at both ends (weights stay inside int8 around them), padding rows, and the largest
// products (255 x -128 on every tap).
TEST_P(QDwConvRowqTest, ZeroPointsPaddingRowsAndSaturation) {
  struct Zw {
    int32_t lo, hi;
  };
  for (int32_t za : {0, 1, 128, 255}) {
    for (const Zw& zw : {Zw{0, 0}, Zw{-3, 4}, Zw{127, 127}, Zw{-128, -128}}) {
      for (int missing : {-1, 0, 2}) {
        for (bool sat : {false, true}) {
          Case c;
          c.channels = 77;
          c.za = za;
          c.zw_lo = zw.lo;
          c.zw_hi = zw.hi;
          c.missing_row = missing;
          c.saturating = sat;
          c.in_width = 10;
          c.kw = 4;
          c.pad = 2;
          Run(c);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// Both output types, ReLU (qmin = zp) and narrow clamps, zero points at the ends of the range; then
// every rounding mode and FTZ/DAZ (the output stage rounds in the current mode, as the scalar one).
TEST_P(QDwConvRowqTest, OutputRangesReLUAndRounding) {
  struct Range {
    QDwConvOutput out;
    int32_t zp, qmin, qmax;
  };
  const Range ranges[] = {Range{QDwConvOutput::QU8, 0, 0, 255},     Range{QDwConvOutput::QU8, 200, 200, 255},
                          Range{QDwConvOutput::QU8, 128, 10, 240},  Range{QDwConvOutput::QU8, 255, 0, 255},
                          Range{QDwConvOutput::QS8, 0, -128, 127},  Range{QDwConvOutput::QS8, -128, -128, 127},
                          Range{QDwConvOutput::QS8, 5, 5, 127},     Range{QDwConvOutput::QS8, 127, -128, 127}};
  for (const Range& r : ranges) {
    for (size_t C : {3, 16, 64, 144}) {
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
        if (HasFatalFailure()) return;
      }
    }
  }
  for (const octet::test::FpEnvironment& env : octet::test::fp_environments()) {
    SCOPED_TRACE(env.name);
    octet::test::ScopedFpEnvironment scoped(env);
    for (const Range& r : {ranges[0], ranges[4]}) {
      Case c;
      c.channels = 70;
      c.output = r.out;
      c.zp = r.zp;
      c.qmin = r.qmin;
      c.qmax = r.qmax;
      c.in_width = 13;
      Run(c);
      if (HasFatalFailure()) return;
    }
  }
}

std::string RowqName(const ::testing::TestParamInfo<QDwConvRowqKernel>& info) {
  std::string n(info.param.name);
  for (char& ch : n) {
    if (ch == '_') ch = 'x';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Compiled, QDwConvRowqTest, ::testing::ValuesIn(qdwconv_rowq_compiled_kernels()), RowqName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(QDwConvRowqTest);

TEST(QDwConvRowqKernels, DispatchFollowsTheCap) {
  const Isa saved = max_isa();
  for (Isa cap : {Isa::Ref, Isa::Avx2, Isa::Avx512}) {
    set_max_isa(cap);
    EXPECT_EQ(qdwconv_rowq_kernel().fn, nullptr) << "below AVX-512 VNNI there is no row-quad kernel (" << isa_name(cap)
                                                 << ")";
  }
  set_max_isa(saved);
  const QDwConvRowqKernel k = qdwconv_rowq_kernel();
  if (k.fn != nullptr) {
    EXPECT_TRUE(isa_usable(k.isa)) << k.name;
  }
}

TEST(QDwConvRowqKernels, WeightsFitInt8) {
  // c1 lanes are w - zw: 127 and -128 fit, 128 and -129 do not; lanes past the channels are ignored.
  std::vector<int32_t> c1(2 * 16, 999);
  c1[0] = 127, c1[1] = -128, c1[16] = 0, c1[17] = 5;
  EXPECT_TRUE(qdwconv_rowq_weights_fit(2, 2, c1.data()));
  c1[17] = 128;
  EXPECT_FALSE(qdwconv_rowq_weights_fit(2, 2, c1.data()));
  c1[17] = -129;
  EXPECT_FALSE(qdwconv_rowq_weights_fit(2, 2, c1.data()));
}

TEST(QDwConvRowqKernels, BlockOrder) {
  // 40 channels: one 64-wide block (24 lanes of padding). Channel c sits at dword
  // ((c % 16 / 4) * 4 + c / 16) * 4 + c % 4; 100 channels: a 64 block, then a 32 block (c' = c - 64:
  // ((c' % 16 / 4) * 2 + c' / 16) * 4 + c' % 4 after the first 64).
  for (size_t channels : {size_t{40}, size_t{100}}) {
    const size_t padded = qdwconv_rowq_padded_channels(channels);
    EXPECT_EQ(padded, channels == 40 ? 64u : 128u);
    std::vector<uint32_t> in(channels), out(padded, 0xFFFFFFFFu);
    for (size_t c = 0; c < channels; ++c) in[c] = static_cast<uint32_t>(c + 1);
    qdwconv_rowq_block_order(channels, in.data(), out.data());
    std::vector<uint32_t> want(padded, 0);
    for (size_t c = 0; c < channels; ++c) {
      const size_t b0 = c / 64 * 64, cb = c - b0, lanes = channels - b0 > 32 ? 4 : 2;
      want[b0 + ((cb % 16 / 4) * lanes + cb / 16) * 4 + cb % 4] = static_cast<uint32_t>(c + 1);
    }
    EXPECT_EQ(out, want) << channels << " channels";
  }
  EXPECT_EQ(qdwconv_rowq_padded_channels(32), 32u);
  EXPECT_EQ(qdwconv_rowq_padded_channels(33), 64u);
  EXPECT_EQ(qdwconv_rowq_padded_channels(960), 960u);
  EXPECT_EQ(qdwconv_rowq_padded_channels(144), 160u);
}

}  // namespace
}  // namespace octet::kernels
