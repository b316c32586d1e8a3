// f32-velementwise-avx512.cpp: AVX-512 float32 elementwise kernels (the shared bodies are in f32-velementwise-x86.inc).
#if defined(OCTET_ARCH_X86)

// GCC 12 flags the intrinsics' own _mm512_undefined_*() placeholders as (maybe-)uninitialized (GCC
// bug 105593); the warning points into the header, so it is silenced for the header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/f32_elementwise_kernels.h"
#include "kernels/f32_elementwise_ukernels.h"

namespace octet::kernels {
// Everything stays in this anonymous namespace: the AVX2 file instantiates the same templates with
// other flags (see the note there). Nothing here calls inline library functions.
namespace {

struct V {
  using F = __m512;
  using M = __mmask16;
  static constexpr size_t kLanes = 16;

  static __mmask16 tail_mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  // Masked-off lanes are neither read nor written (and cannot fault).
  static F load_tail(const float* p, size_t n) { return _mm512_maskz_loadu_ps(tail_mask(n), p); }
  static void store_tail(float* p, size_t n, F v) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
  static F keep_tail(F v, size_t n, F fill) { return _mm512_mask_blend_ps(tail_mask(n), fill, v); }

  static F set1(float v) { return _mm512_set1_ps(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  // vrcp14ps (relative error < 2^-14) and one Newton step r + r (1 - a r): ~2^-28 before rounding,
  // for a fraction of a zmm division's throughput.
  static F recip(F a) {
    const F r = _mm512_rcp14_ps(a);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(a, r, _mm512_set1_ps(1.0f)), r);
  }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  static F fmsub(F a, F b, F c) { return _mm512_fmsub_ps(a, b, c); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F abs(F a) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), a); }
  static F neg(F a) { return _mm512_xor_ps(_mm512_set1_ps(-0.0f), a); }
  static F sign(F a) { return _mm512_and_ps(_mm512_set1_ps(-0.0f), a); }
  static F or_(F a, F b) { return _mm512_or_ps(a, b); }
  static F round(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M isnan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static M mask_or(M a, M b) { return static_cast<M>(a | b); }
  static bool any(M m) { return m != 0; }
  static F select(M m, F t, F f) { return _mm512_mask_blend_ps(m, f, t); }

  // Piecewise polynomials (gelu): 32-entry coefficient tables held in two registers, lanes picked
  // by an integer index with one vpermt2ps.
  using I = __m512i;
  static constexpr bool kHasLookup32 = true;
  static F floor(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static I to_index(F integral) { return _mm512_cvttps_epi32(integral); }
  static F lookup32(F lo, F hi, I index) { return _mm512_permutex2var_ps(lo, index, hi); }

  // vscalefps: p * 2^n with one rounding, overflow to inf and gradual underflow included.
  static F scale_pow2(F p, F n) { return _mm512_scalef_ps(p, n); }

  static float reduce_max(F v) {
    __m256 m = _mm256_max_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  static float reduce_add(F v) {
    __m256 s = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
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
OCTET_F32_ELEMENTWISE_FAMILIES(OCTET_F32_DEFINE, avx512)

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
