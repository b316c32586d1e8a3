// norm-avx512.cpp: AVX-512 normalisation microkernels (statistics in double, affine apply in float).
#if defined(OCTET_ARCH_X86)

// GCC 12 flags the intrinsics' own _mm512_undefined_*() placeholders as (maybe-)uninitialized (GCC
// bug 105593); the warning points into the header, so it is silenced for the header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstddef>
#include <cstdint>

#include "kernels/norm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace, and nothing here calls inline library functions: the
// AVX2 file has same-shaped helpers, and one shared inline definition built with AVX-512 flags could
// be linked into the AVX2 path.
namespace {

inline __mmask16 tail_mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

template <bool kHasW, bool kHasB>
void normaffine(size_t n, const float* x, float mean, float rstd, const float* w, const float* b,
                float* y) {
  const __m512 vmean = _mm512_set1_ps(mean), vrstd = _mm512_set1_ps(rstd);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
    __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmean), vrstd);
    if constexpr (kHasW && kHasB) {
      v = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, b + i));
    } else if constexpr (kHasW) {
      v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, w + i));
    } else if constexpr (kHasB) {
      v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, b + i));
    }
    _mm512_mask_storeu_ps(y + i, m, v);
  }
}

}  // namespace

void f32_vscaleshift__avx512(size_t n, const float* x, float scale, float shift, float* y) {
  const __m512 vs = _mm512_set1_ps(scale), vb = _mm512_set1_ps(shift);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512 a = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), vs, vb);
    const __m512 b = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), vs, vb);
    const __m512 c = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32), vs, vb);
    const __m512 d = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48), vs, vb);
    _mm512_storeu_ps(y + i, a);
    _mm512_storeu_ps(y + i + 16, b);
    _mm512_storeu_ps(y + i + 32, c);
    _mm512_storeu_ps(y + i + 48, d);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), vs, vb));
  }
}

void f32_vnormaffine__avx512(size_t n, const float* x, float mean, float rstd, const float* w,
                             const float* b, float* y) {
  if (w != nullptr && b != nullptr) return normaffine<true, true>(n, x, mean, rstd, w, b, y);
  if (w != nullptr) return normaffine<true, false>(n, x, mean, rstd, w, b, y);
  if (b != nullptr) return normaffine<false, true>(n, x, mean, rstd, w, b, y);
  normaffine<false, false>(n, x, mean, rstd, w, b, y);
}

// Each 16-float load widens to two 8-double halves; masked-off tail lanes load as 0.0f and add
// nothing to the sum, and in the second pass their deviation is forced to 0.
void f32_rmoments__avx512(size_t n, const float* x, double* mean, double* m2) {
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), s2 = _mm512_setzero_pd(),
          s3 = _mm512_setzero_pd();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(a)));
    s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1))));
    s2 = _mm512_add_pd(s2, _mm512_cvtps_pd(_mm512_castps512_ps256(b)));
    s3 = _mm512_add_pd(s3, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(b), 1))));
  }
  for (; i < n; i += 8) {
    const __mmask8 m = n - i >= 8 ? static_cast<__mmask8>(0xFF) : static_cast<__mmask8>((1u << (n - i)) - 1u);
    s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i)));
  }
  const double sum = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
  const double mu = sum / static_cast<double>(n);

  const __m512d vmu = _mm512_set1_pd(mu);
  s0 = s1 = s2 = s3 = _mm512_setzero_pd();
  i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    const __m512d d0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(a)), vmu);
    const __m512d d1 = _mm512_sub_pd(
        _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1))), vmu);
    const __m512d d2 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(b)), vmu);
    const __m512d d3 = _mm512_sub_pd(
        _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(b), 1))), vmu);
    s0 = _mm512_fmadd_pd(d0, d0, s0);
    s1 = _mm512_fmadd_pd(d1, d1, s1);
    s2 = _mm512_fmadd_pd(d2, d2, s2);
    s3 = _mm512_fmadd_pd(d3, d3, s3);
  }
  for (; i < n; i += 8) {
    const __mmask8 m = n - i >= 8 ? static_cast<__mmask8>(0xFF) : static_cast<__mmask8>((1u << (n - i)) - 1u);
    const __m512d d = _mm512_maskz_sub_pd(m, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i)), vmu);
    s0 = _mm512_fmadd_pd(d, d, s0);
  }
  *mean = mu;
  *m2 = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
