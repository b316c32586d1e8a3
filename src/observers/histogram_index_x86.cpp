// histogram_index_x86.cpp: AVX2 and AVX-512 variants of the histogram bin-index rules, each equal
// to the scalar rule of histogram_index.cpp bit for bit (the same IEEE operations per lane: sub,
// mul, div and min round exactly as the scalar ones; conversions truncate).
//
// These functions carry their ISA as a target attribute instead of file-wide flags, and run only
// when histogram_index_kernel() / grid_index_kernel() found the ISA usable.
#include "observers/histogram_index.h"

#if defined(OCTET_ARCH_X86)

// GCC 12 flags the AVX-512 intrinsics' own _mm512_undefined_*() placeholders as maybe-uninitialized
// (GCC bug 105593), where they are inlined; silenced for this file, as in src/kernels/x86/*-avx512.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cmath>

namespace octet::quantization::detail {

namespace {

// histc's bin is trunc(t) for t = fl(a / span) (a = (x - lo) * bins >= 0). q = fl(a * fl(1 / span))
// is within 1.5 * 2^-23 * q of a / span and t within 2^-24 of it, so |q - t| < q * 2^-22: when
// no integer lies within q * 2^-21 of q, trunc(q) = trunc(t) and the division can be skipped.
// Lanes that fail the test (values within a few float steps of a bin edge) take the division. The
// reciprocal must be a normal float for that bound.
constexpr float kMargin = 0x1p-21f;

bool reciprocal_usable(float span, float recip) {
  return span > 0.0f && std::isnormal(recip) && std::isnormal(span);
}

}  // namespace

__attribute__((target("avx2"))) void histc_index_avx2(const float* x, int64_t n, const HistcIndexParams& p,
                                                      int32_t* idx) {
  const float span_s = p.hi - p.lo, recip_s = 1.0f / span_s;
  if (!reciprocal_usable(span_s, recip_s)) return histc_index_scalar(x, n, p, idx);
  const __m256 lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi), span = _mm256_set1_ps(span_s);
  const __m256 recip = _mm256_set1_ps(recip_s), margin = _mm256_set1_ps(kMargin), one = _mm256_set1_ps(1.0f);
  const __m256 bins = _mm256_set1_ps(p.bins), last = _mm256_set1_ps(p.last);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 in = _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ));
    const __m256 a = _mm256_mul_ps(_mm256_sub_ps(v, lo), bins);
    // t = a / span through the reciprocal: its floor is exact unless an integer lies within
    // t * 2^-21 of it (see reciprocal_usable); such vectors take the division.
    __m256 t = _mm256_mul_ps(a, recip);
    const __m256 ft = _mm256_cvtepi32_ps(_mm256_cvttps_epi32(_mm256_and_ps(t, in)));
    const __m256 d = _mm256_mul_ps(t, margin);
    const __m256 unsafe = _mm256_and_ps(
        in, _mm256_or_ps(_mm256_cmp_ps(_mm256_sub_ps(t, ft), d, _CMP_LT_OQ),
                         _mm256_cmp_ps(_mm256_sub_ps(_mm256_add_ps(ft, one), t), d, _CMP_LE_OQ)));
    if (_mm256_movemask_ps(unsafe) != 0) t = _mm256_div_ps(a, span);
    const __m256 c = _mm256_blendv_ps(bins, _mm256_min_ps(t, last), in);  // minps: t < last ? t : last
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + i), _mm256_cvttps_epi32(c));
  }
  histc_index_scalar(x + i, n - i, p, idx + i);
}

__attribute__((target("avx512f"))) void histc_index_avx512(const float* x, int64_t n, const HistcIndexParams& p,
                                                           int32_t* idx) {
  const float span_s = p.hi - p.lo, recip_s = 1.0f / span_s;
  if (!reciprocal_usable(span_s, recip_s)) return histc_index_scalar(x, n, p, idx);
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi), span = _mm512_set1_ps(span_s);
  const __m512 recip = _mm512_set1_ps(recip_s), margin = _mm512_set1_ps(kMargin), one = _mm512_set1_ps(1.0f);
  const __m512 bins = _mm512_set1_ps(p.bins), last = _mm512_set1_ps(p.last);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __mmask16 in = _mm512_cmp_ps_mask(v, lo, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, hi, _CMP_LE_OQ);
    const __m512 a = _mm512_mul_ps(_mm512_sub_ps(v, lo), bins);
    __m512 t = _mm512_mul_ps(a, recip);
    const __m512 ft = _mm512_cvtepi32_ps(_mm512_cvttps_epi32(_mm512_maskz_mov_ps(in, t)));
    const __m512 d = _mm512_mul_ps(t, margin);
    const __mmask16 unsafe =
        in & (_mm512_cmp_ps_mask(_mm512_sub_ps(t, ft), d, _CMP_LT_OQ) |
              _mm512_cmp_ps_mask(_mm512_sub_ps(_mm512_add_ps(ft, one), t), d, _CMP_LE_OQ));
    if (unsafe != 0) t = _mm512_mask_div_ps(t, unsafe, a, span);
    const __m512 c = _mm512_mask_blend_ps(in, bins, _mm512_min_ps(t, last));
    _mm512_storeu_si512(idx + i, _mm512_cvttps_epi32(c));
  }
  histc_index_scalar(x + i, n - i, p, idx + i);
}

__attribute__((target("avx2"))) void grid_index_avx2(const float* x, int64_t n, const GridIndexParams& p,
                                                     int32_t* idx) {
  const __m256 s1 = _mm256_set1_ps(p.s1), s2 = _mm256_set1_ps(p.s2), zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(p.abs_values ? 0x7fffffff : -1));
  const __m256i offset = _mm256_set1_epi32(p.offset), bins = _mm256_set1_epi32(p.bins);
  const __m256i minus_one = _mm256_set1_epi32(-1);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_and_ps(_mm256_loadu_ps(x + i), abs_mask);
    const __m256 finite = _mm256_cmp_ps(_mm256_sub_ps(v, v), zero, _CMP_EQ_OQ);  // v - v is NaN for NaN, inf
    const __m256 y = _mm256_and_ps(_mm256_mul_ps(_mm256_mul_ps(v, s1), s2), finite);
    __m256i t = _mm256_cvttps_epi32(y);
    // floor: minus one where the truncation went up (a negative non-integer) ...
    t = _mm256_add_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(_mm256_cvtepi32_ps(t), y, _CMP_GT_OQ)));
    // ... and where a negative value underflowed to -0 (t is 0 there).
    const __m256 under = _mm256_and_ps(_mm256_cmp_ps(y, zero, _CMP_EQ_OQ), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    t = _mm256_add_epi32(t, _mm256_castps_si256(under));
    const __m256i j = _mm256_sub_epi32(t, offset);
    __m256i ok = _mm256_and_si256(_mm256_cmpgt_epi32(bins, j), _mm256_cmpgt_epi32(j, minus_one));
    ok = _mm256_and_si256(ok, _mm256_castps_si256(finite));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + i), _mm256_blendv_epi8(bins, j, ok));
  }
  grid_index_scalar(x + i, n - i, p, idx + i);
}

__attribute__((target("avx512f"))) void grid_index_avx512(const float* x, int64_t n, const GridIndexParams& p,
                                                          int32_t* idx) {
  const __m512 s1 = _mm512_set1_ps(p.s1), s2 = _mm512_set1_ps(p.s2), zero = _mm512_setzero_ps();
  const __m512i abs_mask = _mm512_set1_epi32(p.abs_values ? 0x7fffffff : -1);
  const __m512i offset = _mm512_set1_epi32(p.offset), bins = _mm512_set1_epi32(p.bins);
  const __m512i one = _mm512_set1_epi32(1), minus_one = _mm512_set1_epi32(-1);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_castsi512_ps(_mm512_and_si512(_mm512_loadu_si512(x + i), abs_mask));
    const __mmask16 finite = _mm512_cmp_ps_mask(_mm512_sub_ps(v, v), zero, _CMP_EQ_OQ);
    const __m512 y = _mm512_maskz_mul_ps(finite, _mm512_mul_ps(v, s1), s2);
    __m512i t = _mm512_cvttps_epi32(y);
    t = _mm512_mask_sub_epi32(t, _mm512_cmp_ps_mask(_mm512_cvtepi32_ps(t), y, _CMP_GT_OQ), t, one);
    const __mmask16 under = _mm512_cmp_ps_mask(y, zero, _CMP_EQ_OQ) & _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
    t = _mm512_mask_mov_epi32(t, under, minus_one);
    const __m512i j = _mm512_sub_epi32(t, offset);
    const __mmask16 ok = finite & _mm512_cmp_epu32_mask(j, bins, _MM_CMPINT_LT);
    _mm512_storeu_si512(idx + i, _mm512_mask_blend_epi32(ok, bins, j));
  }
  grid_index_scalar(x + i, n - i, p, idx + i);
}

}  // namespace octet::quantization::detail

#endif  // OCTET_ARCH_X86
