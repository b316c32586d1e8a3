// f32-velementwise-avx2.cpp: AVX2 + FMA float32 elementwise kernels (the shared bodies are in f32-velementwise-x86.inc).
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/f32_elementwise_kernels.h"
#include "kernels/f32_elementwise_ukernels.h"

namespace octet::kernels {
// Everything stays in this anonymous namespace: the AVX-512 file instantiates the same templates
// with other flags, and one shared inline definition would let the linker run AVX-512 code on AVX2
// CPUs. For the same reason nothing here calls inline library functions (std::min, std::fabs, ...).
namespace {

// Lanes [0, n) set, for n in 1..7: a window into {-1 x 8, 0 x 8}.
alignas(64) constexpr int32_t kTailMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct V {
  using F = __m256;
  using M = __m256;  // all-ones / all-zeros lanes
  static constexpr size_t kLanes = 8;

  static __m256i tail_mask(size_t n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kTailMaskTable[8 - n]));
  }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  // vmaskmovps neither reads nor faults on the masked-off lanes.
  static F load_tail(const float* p, size_t n) { return _mm256_maskload_ps(p, tail_mask(n)); }
  static void store_tail(float* p, size_t n, F v) { _mm256_maskstore_ps(p, tail_mask(n), v); }
  static F keep_tail(F v, size_t n, F fill) { return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(tail_mask(n))); }

  static F set1(float v) { return _mm256_set1_ps(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  // A true division: vrcpps has 12 bits, and a ymm division is cheap enough next to two Newton steps.
  static F recip(F a) { return _mm256_div_ps(_mm256_set1_ps(1.0f), a); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static F fmsub(F a, F b, F c) { return _mm256_fmsub_ps(a, b, c); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static F neg(F a) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), a); }
  static F sign(F a) { return _mm256_and_ps(_mm256_set1_ps(-0.0f), a); }
  static F or_(F a, F b) { return _mm256_or_ps(a, b); }
  static F round(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M isnan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static M mask_or(M a, M b) { return _mm256_or_ps(a, b); }
  static bool any(M m) { return _mm256_movemask_ps(m) != 0; }
  static F select(M m, F t, F f) { return _mm256_blendv_ps(f, t, m); }

  // p * 2^n as p * 2^(n/2) * 2^(n - n/2): each half stays a normal exponent for n in [-152, 130].
  static F scale_pow2(F p, F n) {
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const F s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const F s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  }

  static float reduce_max(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  static float reduce_add(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

#include "kernels/x86/f32-velementwise-x86.inc"

}  // namespace

#define OCTET_F32_DEFINE_vbinary(op, isa)                                    \
  void f32_##op##__##isa(size_t n, const float* a, const float* b, float* y) { \
    run_vbinary<V, Op_##op<V>>(n, a, b, y);                                  \
  }
#define OCTET_F32_DEFINE_vbinaryc(op, isa)                                  \
  void f32_##op##__##isa(size_t n, const float* a, float b, float* y) {      \
    run_vbinaryc<V, Op_##op<V>>(n, a, b, y);                                \
  }
#define OCTET_F32_DEFINE_vunary(op, isa)                                                      \
  void f32_##op##__##isa(size_t n, const float* x, float* y, const F32UnaryParams* params) { \
    run_vunary<V, Op_##op<V>>(n, x, y, params);                                               \
  }
#define OCTET_F32_DEFINE_rmax(op, isa) \
  float f32_##op##__##isa(size_t n, const float* x) { return run_rmax<V>(n, x); }
#define OCTET_F32_DEFINE_rminmax(op, isa) \
  F32MinMax f32_##op##__##isa(size_t n, const float* x) { return run_rminmax<V>(n, x); }
#define OCTET_F32_DEFINE_raddstoreexpminusmax(op, isa)                       \
  float f32_##op##__##isa(size_t n, const float* x, float max, float* y) {  \
    return run_raddstoreexpminusmax<V>(n, x, max, y);                       \
  }
#define OCTET_F32_DEFINE(op, kind, isa) OCTET_F32_DEFINE_##kind(op, isa)
OCTET_F32_ELEMENTWISE_FAMILIES(OCTET_F32_DEFINE, avx2)

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
