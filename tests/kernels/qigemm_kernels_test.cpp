// qigemm_kernels_test.cpp: every compiled 8-bit igemm microkernel equals the int64 reference and the
// __scalar igemm kernel bit for bit, rows gathered through pointers, over edge grids built from its tile.
//
// The tester (tests/kernels/qgemm_tester.h) copies each row's segments to shuffled places of a
// guarded arena, with junk between them, so a kernel that reads past a segment's kc bytes or mixes up
// pointers gives a wrong sum, and one that reads past the last segment faults.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/fp_environment.h"
#include "common/test_util.h"
#include "kernels/qgemm_kernels.h"
#include "kernels/qgemm_tester.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

using ::octet::test::for_each_fp_environment;

using test::Fill;
using test::Multipliers;
using test::QGemmTester;

const QIGemmKernel& scalar_kernel() {
  static const QIGemmKernel k{&qu8_qs8w_igemm_4x4c4__scalar, 4, 4, 8, Isa::Ref, "qu8_qs8w_igemm_4x4c4__scalar"};
  return k;
}

uint8_t act_max(const QIGemmKernel& k) { return k.act_bits == 7 ? 127 : 255; }

// A full tile of ks segments of kc bytes, random zero points.
QGemmTester tile(const QIGemmKernel& kern, size_t ks, size_t kc, uint64_t seed) {
  return QGemmTester().m(kern.mr).n(kern.nr).k(ks * kc).segments(ks).act_max(act_max(kern))
      .a_zero_point(act_max(kern) / 2 + 1).w_zero_points(-128, 127).seed(seed);
}

// Segment counts and lengths: one segment (a plain GEMM through a pointer), the kernel rows of 3x3
// and 7x7 convolutions, one k-group per segment, the 2-group unroll and its remainder, long segments.
void check_segments(const QIGemmKernel& kern, uint64_t seed) {
  for (size_t ks : {1, 2, 3, 7, 9}) {
    for (size_t kc : {4, 8, 12, 20, 24, 64, 192, 260}) {
      for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8}) {
        if (!tile(kern, ks, kc, seed + ks * 1000 + kc).output(out).Test(kern, scalar_kernel())) return;
      }
    }
  }
  // K not a multiple of 4 inside the last segment is the caller's business (zero pad), as in a GEMM.
  if (!tile(kern, 3, 8, seed).k(22).Test(kern, scalar_kernel())) return;
}

// Every partial tile, with repeated (shared) segment pointers.
void check_subtiles(const QIGemmKernel& kern, uint64_t seed) {
  for (size_t m = 1; m <= kern.mr; ++m) {
    for (size_t n = 1; n <= kern.nr; ++n) {
      for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8, QGemmOutput::QS8, QGemmOutput::F32}) {
        QGemmTester t = tile(kern, 3, 12, seed + m * 1000 + n * 10).m(m).n(n).output(out).shared_segments(m > 1);
        if (out == QGemmOutput::QS8) t.qmin(-128).qmax(127).out_zero_point(-3);
        if (!t.Test(kern, scalar_kernel())) return;
      }
    }
  }
}

// Several tiles both ways, an odd output stride.
void check_tiles(const QIGemmKernel& kern, uint64_t seed) {
  for (size_t m : {kern.mr + 1, 2 * kern.mr - 1, 3 * kern.mr}) {
    for (size_t n : {kern.nr + 1, 2 * kern.nr - 1, 3 * kern.nr}) {
      for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8, QGemmOutput::F32}) {
        if (!tile(kern, 7, 24, seed + m * 100 + n).m(m).n(n).c_stride(n + 7).shared_segments(true).output(out)
                 .Test(kern, scalar_kernel())) {
          return;
        }
      }
    }
  }
}

// Zero points {qmin, 0, 1, mid, qmax} per tensor, then per channel (the a_sum path).
void check_zero_points(const QIGemmKernel& kern, uint64_t seed) {
  const int32_t amax = act_max(kern);
  for (int32_t za : {0, 1, amax / 2 + 1, amax}) {
    for (int32_t zw : {-128, 0, 1, 64, 127}) {
      if (!tile(kern, 3, 8, seed + static_cast<uint64_t>(za * 300 + zw)).a_zero_point(za).w_zero_point(zw)
               .output(QGemmOutput::S32).Test(kern, scalar_kernel())) {
        return;
      }
    }
    if (!tile(kern, 3, 12, seed + static_cast<uint64_t>(za)).a_zero_point(za).w_zero_points(-128, 127)
             .output(QGemmOutput::QU8).Test(kern, scalar_kernel())) {
      return;
    }
  }
}

// The largest products over long sums: activations at their maximum against -128, 127, alternating.
void check_saturating(const QIGemmKernel& kern, uint64_t seed) {
  for (Fill wf : {Fill::Min, Fill::Max, Fill::Alternating}) {
    for (Fill af : {Fill::Max, Fill::Alternating}) {
      for (size_t ks : {1, 9}) {
        if (!tile(kern, ks, 576, seed + ks).a_fill(af).w_fill(wf).a_zero_point(act_max(kern)).w_zero_point(-128)
                 .output(QGemmOutput::S32).Test(kern, scalar_kernel())) {
          return;
        }
      }
    }
  }
}

// Byte output stages (ReLU, narrow clamps, zero points at both ends), every multiplier kind, and
// accumulators that wrap around 2^31.
void check_outputs(const QIGemmKernel& kern, uint64_t seed) {
  struct QCase {
    QGemmOutput out;
    int32_t zp, qmin, qmax;
  };
  const QCase qcases[] = {
      {QGemmOutput::QU8, 128, 0, 255}, {QGemmOutput::QU8, 0, 0, 255},      {QGemmOutput::QU8, 255, 0, 255},
      {QGemmOutput::QU8, 77, 77, 255}, {QGemmOutput::QU8, 100, 90, 140},   {QGemmOutput::QS8, 0, -128, 127},
      {QGemmOutput::QS8, -128, -128, 127}, {QGemmOutput::QS8, 127, -128, 127}, {QGemmOutput::QS8, -20, -20, 127},
  };
  for (const QCase& q : qcases) {
    for (Multipliers mult : {Multipliers::Spread, Multipliers::PowerOfTwo, Multipliers::Saturate, Multipliers::Tiny,
                             Multipliers::One}) {
      if (!tile(kern, 3, 8, seed + static_cast<uint64_t>(q.zp)).m(kern.mr + 1).n(kern.nr + 3).output(q.out)
               .out_zero_point(q.zp).qmin(q.qmin).qmax(q.qmax).multipliers(mult).Test(kern, scalar_kernel())) {
        return;
      }
    }
  }
  for (uint32_t offset : {0x7FFFFFF0u, 0x80000010u}) {
    if (!tile(kern, 4, 64, seed + offset).a_fill(Fill::Max).w_fill(Fill::Max).col_init_offset(offset)
             .bias_range(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max())
             .output(QGemmOutput::QU8).multipliers(Multipliers::One).Test(kern, scalar_kernel())) {
      return;
    }
  }
}

// The output stage follows the MXCSR rounding mode and FTZ/DAZ as the scalar code does.
void check_rounding_modes(const QIGemmKernel& kern, uint64_t seed) {
  for_each_fp_environment([&] {
    for (Multipliers mult : {Multipliers::PowerOfTwo, Multipliers::Tiny, Multipliers::One}) {
      for (QGemmOutput out : {QGemmOutput::QU8, QGemmOutput::QS8}) {
        QGemmTester t = tile(kern, 2, 20, seed).m(kern.mr + 2).n(kern.nr + 1).output(out).multipliers(mult);
        if (out == QGemmOutput::QS8) t.qmin(-128).qmax(127).out_zero_point(0);
        if (mult == Multipliers::One) t.col_init_offset(1u << 25);
        if (!t.Test(kern, scalar_kernel())) return;
      }
    }
  });
}

#define OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, check, fallback_seed)         \
  TEST(QIGemm_##name##__##isa, check) {                                                     \
    OCTET_SKIP_UNLESS_USABLE(level);                                                        \
    const QIGemmKernel kern{&name##__##isa, mr, nr, act_bits, Isa::level, #name "__" #isa}; \
    check_##check(kern, ::octet::test::test_seed(fallback_seed));                           \
  }

#define OCTET_QIGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits)          \
  OCTET_IF_ARCH_##arch(                                                          \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, segments, 111)       \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, subtiles, 222)       \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, tiles, 333)          \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, zero_points, 444)    \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, saturating, 555)     \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, outputs, 666)        \
      OCTET_QIGEMM_TEST(name, isa, level, mr, nr, act_bits, rounding_modes, 777))
#include "kernels/qigemm_kernels.inc"
#undef OCTET_QIGEMM_UKERNEL

// Every igemm kernel has the tile and panel width of a GEMM kernel of its level (they share packed
// weights), and the pick follows the GEMM pick's panel width under every cap.
TEST(QIGemmDispatch, MatchesTheGemmPick) {
  for (const QIGemmKernel& ik : qigemm_compiled_kernels()) {
    bool twin = false;
    for (const QGemmKernel& gk : qgemm_compiled_kernels()) {
      twin = twin || (gk.mr == ik.mr && gk.nr == ik.nr && gk.act_bits == ik.act_bits && gk.isa == ik.isa);
    }
    EXPECT_TRUE(twin) << ik.name << " has no GEMM kernel of the same tile";
  }
  const Isa saved = max_isa();
  for (Isa cap : {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx}) {
    if (!isa_usable(cap)) continue;
    set_max_isa(cap);
    const QGemmKernels g = qgemm_kernels();
    const QIGemmKernels i = qigemm_kernels();
    EXPECT_EQ(i.exact.nr, g.exact.nr) << isa_name(cap);
    EXPECT_EQ(i.exact.act_bits, 8) << isa_name(cap);
    EXPECT_EQ(i.fast7.fn != nullptr, g.fast7.fn != nullptr) << isa_name(cap);
    if (i.fast7.fn != nullptr) {
      EXPECT_EQ(i.fast7.mr, g.fast7.mr) << isa_name(cap);
    }
  }
  set_max_isa(saved);
}

// The scalar igemm kernel equals the scalar GEMM kernel on the same rows laid out contiguously.
TEST(QIGemmScalar, EqualsGemmOnContiguousRows) {
  const uint8_t a[2][8] = {{1, 2, 3, 4, 250, 251, 252, 253}, {9, 8, 7, 6, 5, 4, 3, 2}};
  const int8_t w_rows[3][8] = {{1, -1, 2, -2, 3, -3, 4, -4}, {-128, 127, -128, 127, 0, 0, 1, 1}, {5, 5, 5, 5, 5, 5, 5, 5}};
  std::vector<int8_t> packed(qgemm_packed_size(3, 8, 4));
  qgemm_pack_weights(3, 8, 4, &w_rows[0][0], 8, packed.data());
  const int32_t col_init[3] = {10, -20, 30};
  QGemmParams p;
  p.col_init = col_init;
  int32_t direct[2][3] = {}, indirect[2][3] = {};
  qu8_qs8w_gemm_4x4c4__scalar(2, 3, 8, &a[0][0], 8, packed.data(), direct, sizeof direct[0], &p);
  // Row i's two segments of 4 bytes, the second segment of row 1 listed first in memory order.
  const uint8_t* rows[4] = {&a[0][0], &a[0][4], &a[1][0], &a[1][4]};
  qu8_qs8w_igemm_4x4c4__scalar(2, 3, 4, 2, rows, packed.data(), indirect, sizeof indirect[0], &p);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) EXPECT_EQ(indirect[i][j], direct[i][j]) << i << ", " << j;
  }
  // By hand, row 0 column 0: 1 - 2 + 6 - 8 + 750 - 753 + 1008 - 1012 + 10 = 0.
  EXPECT_EQ(direct[0][0], 0);
}

}  // namespace
}  // namespace octet::kernels
