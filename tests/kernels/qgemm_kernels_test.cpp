// qgemm_kernels_test.cpp: every compiled 8-bit GEMM microkernel equals the int64 reference and the
// __scalar kernel bit for bit, over edge grids built from its tile, in every rounding mode.
#include <gtest/gtest.h>

#include <cfenv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "common/fp_environment.h"
#include "common/test_util.h"
#include "kernels/qgemm_kernels.h"
#include "kernels/qgemm_tester.h"
#include "octet/cpu_features.h"

#if defined(OCTET_ARCH_X86)
#include <xmmintrin.h>
#endif

namespace octet::kernels {
namespace {

using ::octet::test::for_each_fp_environment;

using test::Fill;
using test::Multipliers;
using test::QGemmTester;

constexpr float kInf = std::numeric_limits<float>::infinity();

const QGemmKernel& scalar_kernel() {
  static const QGemmKernel k{&qu8_qs8w_gemm_4x4c4__scalar, 4, 4, 8, Isa::Ref, "qu8_qs8w_gemm_4x4c4__scalar"};
  return k;
}

size_t next_prime(size_t n) {
  for (;; ++n) {
    bool prime = n >= 2;
    for (size_t d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
    if (prime) return n;
  }
}

// The activation range a kernel accepts.
uint8_t act_max(const QGemmKernel& k) { return k.act_bits == 7 ? 127 : 255; }

// A tester for the kernel's full tile with random zero points: the common starting point.
QGemmTester tile(const QGemmKernel& kern, uint64_t seed) {
  return QGemmTester().m(kern.mr).n(kern.nr).k(16).act_max(act_max(kern)).a_zero_point(act_max(kern) / 2 + 1)
      .w_zero_points(-128, 127).seed(seed);
}

// k: every value to 40 (below, at and above every unroll: 1 k-group, the 2-group unrolled loop and
// its remainder; k % 4 != 0 is zero padded), powers of two +-1, and long sums.
std::vector<size_t> k_grid() {
  std::vector<size_t> ks;
  for (size_t k = 0; k <= 40; ++k) ks.push_back(k);
  for (size_t p : {64, 128, 256}) {
    for (size_t k : {p - 1, p, p + 1}) ks.push_back(k);
  }
  for (size_t k : {size_t{768}, size_t{1024}, size_t{4099}}) ks.push_back(k);
  return ks;
}

void check_k(const QGemmKernel& kern, uint64_t seed) {
  for (size_t k : k_grid()) {
    for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8}) {
      if (!tile(kern, seed + k).k(k).output(out).Test(kern, scalar_kernel())) return;
    }
  }
}

// Every partial tile: m = 1..MR rows, n = 1..NR columns.
void check_subtiles(const QGemmKernel& kern, uint64_t seed) {
  for (size_t m = 1; m <= kern.mr; ++m) {
    for (size_t n = 1; n <= kern.nr; ++n) {
      for (size_t k : {size_t{3}, size_t{8}, size_t{36}}) {
        for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8, QGemmOutput::QS8, QGemmOutput::F32}) {
          QGemmTester t = tile(kern, seed + m * 1000 + n * 10 + k).m(m).n(n).k(k).output(out);
          if (out == QGemmOutput::QS8) t.qmin(-128).qmax(127).out_zero_point(-3);
          if (!t.Test(kern, scalar_kernel())) return;
        }
      }
    }
  }
}

// Several tiles in both directions with odd strides (the next prime past the packed row), so every
// tile starts at an unaligned address.
void check_strides(const QGemmKernel& kern, uint64_t seed) {
  for (size_t m : {kern.mr + 1, 2 * kern.mr - 1, 3 * kern.mr}) {
    for (size_t n : {kern.nr + 1, 2 * kern.nr - 1, 3 * kern.nr}) {
      for (size_t k : {size_t{5}, size_t{37}}) {
        const size_t kp = (k + 3) / 4 * 4;
        for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8, QGemmOutput::F32}) {
          if (!tile(kern, seed + m * 100 + n + k).m(m).n(n).k(k).a_stride(next_prime(kp + 1))
                   .c_stride(next_prime(n + 1)).output(out).Test(kern, scalar_kernel())) {
            return;
          }
        }
      }
    }
  }
}

// Zero points {qmin, 0, 1, mid, qmax} for activations (0 is qmin) and weights, per-tensor; then
// per-channel over the full range (the a_sum path with a different zw in every column).
void check_zero_points(const QGemmKernel& kern, uint64_t seed) {
  const int32_t amax = act_max(kern);
  for (int32_t za : {0, 1, amax / 2 + 1, amax}) {
    for (int32_t zw : {-128, 0, 1, 64, 127}) {
      for (size_t k : {size_t{7}, size_t{64}}) {
        if (!tile(kern, seed + static_cast<uint64_t>(za * 300 + zw)).k(k).a_zero_point(za).w_zero_point(zw)
                 .output(QGemmOutput::S32).Test(kern, scalar_kernel())) {
          return;
        }
      }
    }
    if (!tile(kern, seed + static_cast<uint64_t>(za)).k(33).a_zero_point(za).w_zero_points(-128, 127)
             .output(QGemmOutput::QU8).Test(kern, scalar_kernel())) {
      return;
    }
  }
}

// The largest products: every activation at its maximum (255, or 127 for qu7) against weights all
// -128, all 127 and alternating (so that a saturating int16 pair sum would show), over long K, with
// extreme zero points.
void check_saturating(const QGemmKernel& kern, uint64_t seed) {
  for (Fill wf : {Fill::Min, Fill::Max, Fill::Alternating, Fill::Random}) {
    for (Fill af : {Fill::Max, Fill::Alternating}) {
      for (size_t k : {size_t{4}, size_t{8}, size_t{1024}, size_t{4099}}) {
        for (int32_t zw : {0, -128, 127}) {
          if (!tile(kern, seed + k).k(k).a_fill(af).w_fill(wf).a_zero_point(act_max(kern)).w_zero_point(zw)
                   .output(QGemmOutput::S32).Test(kern, scalar_kernel())) {
            return;
          }
        }
      }
    }
  }
}

// All four output stages: ReLU (qmin = zero point), narrow clamps, zero points at both ends, and
// multipliers that spread, tie, saturate, vanish (denormal) or keep the accumulator (M = 1).
void check_outputs(const QGemmKernel& kern, uint64_t seed) {
  struct QCase {
    QGemmOutput out;
    int32_t zp, qmin, qmax;
  };
  const QCase qcases[] = {
      {QGemmOutput::QU8, 128, 0, 255},   {QGemmOutput::QU8, 0, 0, 255},     {QGemmOutput::QU8, 255, 0, 255},
      {QGemmOutput::QU8, 77, 77, 255},   // ReLU
      {QGemmOutput::QU8, 100, 90, 140},  {QGemmOutput::QS8, 0, -128, 127}, {QGemmOutput::QS8, -128, -128, 127},
      {QGemmOutput::QS8, 127, -128, 127}, {QGemmOutput::QS8, -20, -20, 127},  // ReLU
      {QGemmOutput::QS8, 5, -6, 6},
  };
  for (const QCase& q : qcases) {
    for (Multipliers mult : {Multipliers::Spread, Multipliers::PowerOfTwo, Multipliers::Saturate, Multipliers::Tiny,
                             Multipliers::One}) {
      if (!tile(kern, seed + static_cast<uint64_t>(q.zp)).m(kern.mr + 1).n(kern.nr + 3).k(29).output(q.out)
               .out_zero_point(q.zp).qmin(q.qmin).qmax(q.qmax).multipliers(mult).Test(kern, scalar_kernel())) {
        return;
      }
    }
  }
  struct FCase {
    float lo, hi;
    bool bias;
  };
  for (const FCase& f : {FCase{-kInf, kInf, true}, FCase{-kInf, kInf, false}, FCase{0.0f, kInf, true},
                         FCase{-0.0f, 0.0f, false}, FCase{-1.0f, 1.0f, true}, FCase{0.0f, 6.0f, false}}) {
    if (!tile(kern, seed).m(kern.mr + 1).n(kern.nr + 3).k(29).output(QGemmOutput::F32).f32_min(f.lo).f32_max(f.hi)
             .f32_bias(f.bias).Test(kern, scalar_kernel())) {
      return;
    }
  }
  // Accumulators of exactly 0 give +0 or -0 (negative scales): against clamps at +-0, the sign of the
  // result depends on the operand order of min and max, which must be the scalar kernel's.
  for (float lo : {-0.0f, 0.0f}) {
    for (float hi : {-0.0f, 0.0f}) {
      if (!tile(kern, seed).n(kern.nr + 3).k(8).w_fill(Fill::Zero).w_zero_point(0).a_zero_point(0)
               .bias_range(0, 0).output(QGemmOutput::F32).f32_min(lo).f32_max(hi).f32_bias(false)
               .Test(kern, scalar_kernel())) {
        return;
      }
    }
  }
}

// The accumulator is a sum mod 2^32: col_init offsets around 2^31 make it wrap (both ways), and the
// kernel must wrap exactly like the reference rather than saturate.
void check_wrapping(const QGemmKernel& kern, uint64_t seed) {
  for (uint32_t offset : {0x7FFFFFF0u, 0x80000000u, 0x7FFFFFFFu, 0xFFFFFFFFu, 0x80000010u}) {
    for (Fill wf : {Fill::Max, Fill::Min, Fill::Random}) {
      for (QGemmOutput out : {QGemmOutput::S32, QGemmOutput::QU8, QGemmOutput::F32}) {
        if (!tile(kern, seed + offset).k(256).a_fill(Fill::Max).w_fill(wf).col_init_offset(offset)
                 .bias_range(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max())
                 .output(out).multipliers(Multipliers::One).Test(kern, scalar_kernel())) {
          return;
        }
      }
    }
  }
}

// --- floating-point environments ----------------------------------------------------------------

// The output stages round in the current mode (int -> float conversion, the multiply, nearbyint),
// so the vector epilogues must follow MXCSR exactly as the scalar code does.

void check_rounding_modes(const QGemmKernel& kern, uint64_t seed) {
  for_each_fp_environment([&] {
    for (Multipliers mult : {Multipliers::PowerOfTwo, Multipliers::Spread, Multipliers::Tiny, Multipliers::One}) {
      for (QGemmOutput out : {QGemmOutput::QU8, QGemmOutput::QS8, QGemmOutput::F32}) {
        QGemmTester t = tile(kern, seed).m(kern.mr + 2).n(kern.nr + 1).k(40).output(out).multipliers(mult);
        if (out == QGemmOutput::QS8) t.qmin(-128).qmax(127).out_zero_point(0);
        if (mult == Multipliers::One) t.col_init_offset(1u << 25);  // accumulators that float must round
        if (!t.Test(kern, scalar_kernel())) return;
      }
    }
  });
}

// --- every listed kernel -------------------------------------------------------------------------

#define OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, check, fallback_seed)                        \
  TEST(QGemm_##name##__##isa, check) {                                                                    \
    OCTET_SKIP_UNLESS_USABLE(level);                                                                      \
    const QGemmKernel kern{&name##__##isa, mr, nr, act_bits, Isa::level, #name "__" #isa};                \
    check_##check(kern, ::octet::test::test_seed(fallback_seed));                                         \
  }

#define OCTET_QGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits)      \
  OCTET_IF_ARCH_##arch(                                                    \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, k, 101)         \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, subtiles, 202)  \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, strides, 303)   \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, zero_points, 404) \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, saturating, 505) \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, outputs, 606)   \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, wrapping, 707)  \
      OCTET_QGEMM_TEST(name, isa, level, mr, nr, act_bits, rounding_modes, 808))
#include "kernels/qgemm_kernels.inc"
#undef OCTET_QGEMM_UKERNEL

// --- the specification by hand -------------------------------------------------------------------

// One 1x1 tile worked out on paper: a = {1, 2, 3, 4}, w = {1, -1, 2, -2}: sum 1 - 2 + 6 - 8 = -3.
TEST(QGemmScalar, hand_computed_tile) {
  const uint8_t a[4] = {1, 2, 3, 4};
  const int8_t w_rows[4] = {1, -1, 2, -2};
  int8_t packed[16];
  qgemm_pack_weights(1, 4, 4, w_rows, 4, packed);
  const int32_t col_init[1] = {10};
  QGemmParams p;
  p.col_init = col_init;
  int32_t s32 = 0;
  qu8_qs8w_gemm_4x4c4__scalar(1, 1, 4, a, 4, packed, &s32, 4, &p);
  EXPECT_EQ(s32, 7);  // -3 + 10
  // QU8: nearbyint(7 * 0.5) = nearbyint(3.5) = 4 (ties to even), + 100.
  const float half[1] = {0.5f};
  p.output = QGemmOutput::QU8;
  p.multiplier = half;
  p.zero_point = 100;
  uint8_t q = 0;
  qu8_qs8w_gemm_4x4c4__scalar(1, 1, 4, a, 4, packed, &q, 1, &p);
  EXPECT_EQ(q, 104);
  // With zw = 3 and a_sum = 10: 7 - 3 * 10 = -23; -23 * 0.5 = -11.5 -> -12 (even) + 100 = 88.
  const int32_t zw[1] = {3}, a_sum[1] = {10};
  p.w_zero_point = zw;
  p.a_sum = a_sum;
  qu8_qs8w_gemm_4x4c4__scalar(1, 1, 4, a, 4, packed, &q, 1, &p);
  EXPECT_EQ(q, 88);
  // F32: -23 * 0.25 + 1 = -4.75, clamped to [-4, 4] gives -4.
  const float scale[1] = {0.25f}, bias[1] = {1.0f};
  float f = 0.0f;
  p.output = QGemmOutput::F32;
  p.scale = scale;
  p.bias = bias;
  p.min = -4.0f;
  p.max = 4.0f;
  qu8_qs8w_gemm_4x4c4__scalar(1, 1, 4, a, 4, packed, &f, 4, &p);
  EXPECT_EQ(f, -4.0f);
}

// kc == 0: the epilogue alone (a GEMM with K = 0 is its bias).
TEST(QGemmScalar, empty_k_is_col_init) {
  const int32_t col_init[3] = {5, -7, 2147483647};
  QGemmParams p;
  p.col_init = col_init;
  int32_t c[2][3] = {};
  const uint8_t a[1] = {0};
  const int8_t w[1] = {0};
  qu8_qs8w_gemm_4x4c4__scalar(2, 3, 0, a, 0, w, c, sizeof c[0], &p);
  for (const auto& row : c) {
    EXPECT_EQ(row[0], 5);
    EXPECT_EQ(row[1], -7);
    EXPECT_EQ(row[2], 2147483647);
  }
}

}  // namespace
}  // namespace octet::kernels
