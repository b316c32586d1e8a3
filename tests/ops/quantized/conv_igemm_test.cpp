// conv_igemm_test.cpp: the igemm path of the quantized convolutions (ops/quantized/conv_igemm.cpp) equals the int64 direct-convolution reference exactly, on every ISA cap and for 1-3 threads.
//
// The path takes dense (one group, no width dilation) non-1x1 layers and reads the input in place,
// one pointer per kernel row. What it must get right, and the cases that check it:
//   - segments whose KW * C bytes are not a multiple of 4 read the next pixel's bytes against zero
//     weights: C = 3 with KW = 7 (the ResNet stem, kc 24) and C = 5 with KW = 3 (kc 16), with weight
//     zero points (the zero-point term counts the real columns only) and the 7-bit AVX2 kernel;
//   - the last segment of the input would read past its end: gathered instead (no padding, the last
//     output pixel's kernel row ends at the last input byte);
//   - border pixels (padding on every side, larger than the kernel's reach on one side), strides
//     larger than the kernel, whole kernel rows in the padding;
//   - qint8 inputs (copied flipped), batches, 1-D and 3-D layers (KD * KH segments);
//   - chunks run by separate threads (enough rows) and chunks run in order with the driver splitting.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/quantize_tester.h"  // GuardedBuffer
#include "ops/quantized/conv_test_util.h"
#include "ops/quantized/qgemm_driver.h"

namespace octet {
namespace {

using test::qconv::check_threads;
using test::qconv::ConvProblem;
using test::qconv::Fill;

ConvProblem conv2d(int64_t cin, int64_t cout, Shape in, Shape k) {
  return test::qconv::problem2d(cin, cout, std::move(in), std::move(k), /*transposed=*/false);
}

class QConvIGemmTest : public test::qconv::IsaFixture<0x16e33> {};

// Kernel rows that are not a multiple of 4 bytes: the pad columns read input bytes that must add
// nothing, whatever the zero points and the activation range.
TEST_P(QConvIGemmTest, PaddedSegments) {
  struct Case {
    int64_t cin, k, s, pad;
  };
  for (const Case& c : {Case{3, 7, 2, 3}, Case{5, 3, 1, 1}, Case{3, 7, 1, 0}, Case{7, 3, 2, 0}}) {
    for (Fill fill : {Fill::Random, Fill::Low7}) {
      for (int64_t za : {0, 77, 255}) {
        ConvProblem p = conv2d(c.cin, 9, {15, 13}, {c.k, c.k});
        p.stride = {c.s, c.s};
        p.padding = {c.pad, c.pad};
        p.fill = fill;
        p.a_zp = fill == Fill::Low7 ? za / 2 : za;
        p.per_channel = true;
        p.w_zps = {0, 3, -128, 127};
        p.batch = 2;
        check_threads(p, gen_);
        if (HasFatalFailure()) return;
      }
    }
  }
}

// The last input bytes: without padding, the bottom-right output pixel's last kernel row ends at the
// input's last byte, so its segment (kc > KW * C) is gathered; with the 7-bit data too.
TEST_P(QConvIGemmTest, InputEnd) {
  for (int64_t cin : {5, 6, 7, 8}) {
    for (int64_t batch : {1, 3}) {
      ConvProblem p = conv2d(cin, 4, {6, 5}, {3, 3});
      p.batch = batch;
      p.a_zp = 11;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
      p.fill = Fill::Low7;
      p.w_zps = {-5};
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
}

// The same with the input's last byte right before a PROT_NONE page (a channels-last input wrapped
// with from_blob, read in place): a kernel row whose kc bytes ran past the input would fault.
TEST_P(QConvIGemmTest, InputEndAtGuardPage) {
  for (int64_t cin : {3, 5, 7}) {
    ConvProblem p = conv2d(cin, 6, {9, 8}, {cin == 3 ? 7 : 3, cin == 3 ? 7 : 3});
    p.a_zp = 9;
    p.batch = 2;
    const test::qconv::ConvData d = test::qconv::make_conv(p, gen_);
    const Shape nhwc{p.batch, p.in[0], p.in[1], cin};
    const Tensor x_nhwc = d.x.int_repr().permute({0, 2, 3, 1}).contiguous();
    kernels::test::GuardedBuffer<uint8_t> guarded(static_cast<size_t>(x_nhwc.numel()));
    std::memcpy(guarded.data(), x_nhwc.raw_data(), static_cast<size_t>(x_nhwc.numel()));
    const Tensor x = Tensor(std::make_shared<Storage>(guarded.data(), guarded.size(), nullptr), 0, nhwc,
                            contiguous_strides(nhwc), kQUInt8,
                            Quantizer::per_tensor(kQUInt8, d.x.q_scale(), d.x.q_zero_point()))
                         .permute({0, 3, 1, 2});
    ASSERT_EQ(x.raw_data(), static_cast<void*>(guarded.data()));
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      test::qconv::expect_exact(test::qconv::run_conv(p, d, x), p, d);
      if (HasFatalFailure()) return;
    }
  }
}

// Padding on every border, unequal per dim, wider than the kernel's reach on one side; strides larger
// than the kernel (input columns skipped); kernel rows wholly in the padding.
TEST_P(QConvIGemmTest, BordersAndStrides) {
  struct Case {
    int64_t kh, kw, sh, sw, ph, pw;
  };
  for (const Case& c : {Case{3, 3, 1, 1, 2, 1}, Case{2, 2, 3, 3, 1, 1}, Case{5, 3, 2, 1, 4, 0}, Case{1, 4, 1, 2, 0, 3},
                        Case{3, 1, 2, 2, 2, 0}}) {
    ConvProblem p = conv2d(8, 11, {9, 10}, {c.kh, c.kw});
    p.stride = {c.sh, c.sw};
    p.padding = {c.ph, c.pw};
    p.a_zp = 200;
    p.out_zp = 9;
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
  // Height dilation keeps the path (a kernel row is still contiguous); width dilation does not.
  ConvProblem p = conv2d(4, 6, {11, 11}, {3, 3});
  p.dilation = {2, 1};
  p.padding = {2, 1};
  check_threads(p, gen_);
}

// Extreme values through the segments (255 x -128 everywhere, and min/max mixes), ReLU, qint8.
TEST_P(QConvIGemmTest, ValuesAndTypes) {
  for (Fill fill : {Fill::Saturating, Fill::Extreme}) {
    for (int64_t za : {0, 255}) {
      ConvProblem p = conv2d(12, 8, {7, 6}, {3, 3});
      p.fill = fill;
      p.padding = {1, 1};
      p.a_zp = za;
      p.w_zps = {127};
      p.out_factor = 0.3;
      check_threads(p, gen_);
      if (HasFatalFailure()) return;
    }
  }
  for (int64_t za : {-128, 0, 127}) {
    ConvProblem p = conv2d(3, 10, {9, 9}, {7, 7});
    p.act = kQInt8;
    p.a_zp = za;
    p.out_zp = -7;
    p.stride = {2, 2};
    p.padding = {3, 3};
    p.relu = true;
    p.per_channel = true;
    p.w_zps = {0, -1};
    check_threads(p, gen_);
    if (HasFatalFailure()) return;
  }
}

// 1-D (one segment per pixel) and 3-D (KD * KH segments), with the depth padding.
TEST_P(QConvIGemmTest, Conv1dAndConv3d) {
  ConvProblem p;
  p.spatial = 1;
  p.in_channels = 3;
  p.out_channels = 7;
  p.in = {29};
  p.kernel = {5};
  p.stride = {2};
  p.padding = {2};
  p.dilation = {1};
  p.output_padding = {0};
  p.a_zp = 40;
  p.batch = 2;
  check_threads(p, gen_);

  ConvProblem q;
  q.spatial = 3;
  q.in_channels = 4;
  q.out_channels = 6;
  q.in = {5, 6, 7};
  q.kernel = {3, 2, 3};
  q.stride = {2, 1, 2};
  q.padding = {1, 1, 1};
  q.dilation = {1, 2, 1};
  q.output_padding = {0, 0, 0};
  q.a_zp = 130;
  q.per_channel = true;
  q.w_zps = {1, 0};
  check_threads(q, gen_);
}

// More kernel rows than the indirection keeps (64): the im2col path instead, same answer.
TEST_P(QConvIGemmTest, TallKernel) {
  ConvProblem p = conv2d(2, 3, {67, 4}, {65, 2});
  p.padding = {1, 0};
  p.a_zp = 6;
  check_threads(p, gen_);
}

// Enough rows for several chunks: a 7x7 stem runs them on separate threads (6 chunks), a 3x3 layer in
// order with the driver splitting each (3 chunks for 2 or 3 threads).
TEST_P(QConvIGemmTest, Chunks) {
  ConvProblem p = conv2d(3, 8, {110, 108}, {7, 7});
  p.padding = {3, 3};
  p.a_zp = 60;
  p.per_channel = true;
  p.w_zps = {0, 2};
  check_threads(p, gen_);
  if (HasFatalFailure()) return;
  p = conv2d(4, 4, {112, 110}, {3, 3});
  p.padding = {1, 1};
  p.a_zp = 250;
  check_threads(p, gen_);
}

// The driver entry the path runs on, directly: qgemm_indirect with pad columns (k_real < K) and weight
// zero points equals qgemm on the rows without the pads, under every usable cap; bad arguments are
// errors that say what was expected.
TEST(QGemmIndirect, EqualsQGemmWithoutPadColumns) {
  const test::qconv::SavedSettings saved;
  Generator g(test::test_seed(0x1d1));
  constexpr int64_t M = 23, N = 37, KS = 3, RUN = 9, KC = 12;  // segments of 9 real bytes and 3 pads
  std::vector<uint8_t> x(static_cast<size_t>(M * KS * KC));
  for (auto& v : x) v = static_cast<uint8_t>(g.randint(0, 256));
  std::vector<int8_t> w_real(static_cast<size_t>(N * KS * RUN)), w_pad(static_cast<size_t>(N * KS * KC), 0);
  std::vector<uint8_t> x_real(static_cast<size_t>(M * KS * RUN));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t k = 0; k < KS * RUN; ++k) {
      const auto v = static_cast<int8_t>(g.randint(-128, 128));
      w_real[static_cast<size_t>(n * KS * RUN + k)] = v;
      w_pad[static_cast<size_t>(n * KS * KC + k / RUN * KC + k % RUN)] = v;
    }
  }
  std::vector<const uint8_t*> rows(static_cast<size_t>(M * KS));
  std::vector<int32_t> sums(static_cast<size_t>(M), 0);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t s = 0; s < KS; ++s) {
      const uint8_t* seg = x.data() + (i * KS + s) * KC;
      rows[static_cast<size_t>(i * KS + s)] = seg;
      for (int64_t k = 0; k < RUN; ++k) {
        x_real[static_cast<size_t>(i * KS * RUN + s * RUN + k)] = seg[k];
        sums[static_cast<size_t>(i)] += seg[k];
      }
    }
  }
  std::vector<int32_t> zw(static_cast<size_t>(N)), bias(static_cast<size_t>(N));
  std::vector<float> mult(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    zw[static_cast<size_t>(n)] = static_cast<int32_t>(g.randint(-5, 6));
    bias[static_cast<size_t>(n)] = static_cast<int32_t>(g.randint(-5000, 5000));
    mult[static_cast<size_t>(n)] = 1.0f / static_cast<float>(3000 + 7 * n);
  }
  const ops::QGemmPackedWeights packed_real(N, KS * RUN, w_real.data(), KS * RUN, zw);
  const ops::QGemmPackedWeights packed_pad(N, KS * KC, w_pad.data(), KS * KC, zw, /*k_real=*/KS * RUN);
  for (Isa cap : {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni}) {
    if (!isa_usable(cap)) continue;
    set_max_isa(cap);
    for (int threads : {1, 3}) {
      std::vector<uint8_t> want(static_cast<size_t>(M * N)), got(static_cast<size_t>(M * N));
      ops::QGemmOutputSpec out;
      out.stage = kernels::QGemmOutput::QU8;
      out.c_stride = N;
      out.multiplier = mult.data();
      out.zero_point = 120;
      ops::QGemmActivations a;
      a.data = x_real.data();
      a.stride = KS * RUN;
      a.zero_point = 77;
      out.c = want.data();
      ops::qgemm(M, a, packed_real, bias.data(), out, threads);
      ops::QGemmIndirectActivations ia;
      ia.rows = rows.data();
      ia.ks = KS;
      ia.kc = KC;
      ia.zero_point = 77;
      ia.row_sums = sums.data();
      out.c = got.data();
      ops::qgemm_indirect(M, ia, packed_pad, bias.data(), out, threads);
      ASSERT_EQ(got, want) << isa_name(cap) << ", " << threads << " threads";
    }
  }
  // Bad arguments.
  ops::QGemmIndirectActivations ia;
  ia.rows = rows.data();
  ia.ks = KS;
  ia.kc = 8;
  ia.row_sums = sums.data();
  std::vector<uint8_t> c(static_cast<size_t>(M * N));
  ops::QGemmOutputSpec out;
  out.stage = kernels::QGemmOutput::QU8;
  out.c = c.data();
  out.c_stride = N;
  out.multiplier = mult.data();
  EXPECT_OCTET_ERROR(ops::qgemm_indirect(M, ia, packed_pad, nullptr, out), "expected ks * kc == round_up(K, 4)");
  ia.kc = 6;
  ia.ks = 6;
  EXPECT_OCTET_ERROR(ops::qgemm_indirect(M, ia, packed_pad, nullptr, out), "kc a multiple of 4");
  ia.ks = KS;
  ia.kc = KC;
  ia.row_sums = nullptr;
  EXPECT_OCTET_ERROR(ops::qgemm_indirect(M, ia, packed_pad, nullptr, out), "row sums are required");
  EXPECT_OCTET_ERROR(ops::QGemmPackedWeights(N, 8, w_pad.data(), 8, zw, /*k_real=*/9), "must not exceed k (8)");
}

std::string LevelName(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(Isa, QConvIGemmTest,
                         ::testing::Values(Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx), LevelName);

}  // namespace
}  // namespace octet
