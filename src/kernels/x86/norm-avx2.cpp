// norm-avx2.cpp: AVX2 + FMA normalisation microkernels (statistics in double, affine apply in float).
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/norm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace, and nothing here calls inline library functions: the
// AVX-512 file has same-shaped helpers built with other flags, and one shared inline definition
// would let the linker run AVX-512 code on an AVX2-only CPU.
namespace {

// Lanes [0, n) set, for n in 1..7: a window into {-1 x 8, 0 x 8}.
alignas(64) constexpr int32_t kTailMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                    0,  0,  0,  0,  0,  0,  0,  0};

inline __m256i tail_mask(size_t n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kTailMaskTable[8 - n]));
}

inline double hsum(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

template <bool kHasW, bool kHasB>
void normaffine(size_t n, const float* x, float mean, float rstd, const float* w, const float* b,
                float* y) {
  const __m256 vmean = _mm256_set1_ps(mean), vrstd = _mm256_set1_ps(rstd);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmean), vrstd);
    if constexpr (kHasW && kHasB) {
      v = _mm256_fmadd_ps(v, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i));
    } else if constexpr (kHasW) {
      v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
    } else if constexpr (kHasB) {
      v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
    }
    _mm256_storeu_ps(y + i, v);
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), vmean), vrstd);
    if constexpr (kHasW && kHasB) {
      v = _mm256_fmadd_ps(v, _mm256_maskload_ps(w + i, m), _mm256_maskload_ps(b + i, m));
    } else if constexpr (kHasW) {
      v = _mm256_mul_ps(v, _mm256_maskload_ps(w + i, m));
    } else if constexpr (kHasB) {
      v = _mm256_add_ps(v, _mm256_maskload_ps(b + i, m));
    }
    _mm256_maskstore_ps(y + i, m, v);
  }
}

}  // namespace

void f32_vscaleshift__avx2(size_t n, const float* x, float scale, float shift, float* y) {
  const __m256 vs = _mm256_set1_ps(scale), vb = _mm256_set1_ps(shift);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 a = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), vs, vb);
    const __m256 b = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), vs, vb);
    const __m256 c = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), vs, vb);
    const __m256 d = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), vs, vb);
    _mm256_storeu_ps(y + i, a);
    _mm256_storeu_ps(y + i + 8, b);
    _mm256_storeu_ps(y + i + 16, c);
    _mm256_storeu_ps(y + i + 24, d);
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), vs, vb));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, m, _mm256_fmadd_ps(_mm256_maskload_ps(x + i, m), vs, vb));
  }
}

void f32_vnormaffine__avx2(size_t n, const float* x, float mean, float rstd, const float* w,
                           const float* b, float* y) {
  if (w != nullptr && b != nullptr) return normaffine<true, true>(n, x, mean, rstd, w, b, y);
  if (w != nullptr) return normaffine<true, false>(n, x, mean, rstd, w, b, y);
  if (b != nullptr) return normaffine<false, true>(n, x, mean, rstd, w, b, y);
  normaffine<false, false>(n, x, mean, rstd, w, b, y);
}

// Each 8-float load widens to two 4-double halves; two independent accumulator pairs hide the
// add latency.
void f32_rmoments__avx2(size_t n, const float* x, double* mean, double* m2) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(),
          s3 = _mm256_setzero_pd();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
    s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm256_castps256_ps128(b)));
    s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1)));
  }
  double sum = hsum(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  for (; i < n; ++i) sum += static_cast<double>(x[i]);
  const double mu = sum / static_cast<double>(n);

  const __m256d vmu = _mm256_set1_pd(mu);
  s0 = s1 = s2 = s3 = _mm256_setzero_pd();
  i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    const __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(a)), vmu);
    const __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)), vmu);
    const __m256d d2 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(b)), vmu);
    const __m256d d3 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(b, 1)), vmu);
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
    s2 = _mm256_fmadd_pd(d2, d2, s2);
    s3 = _mm256_fmadd_pd(d3, d3, s3);
  }
  double sq = hsum(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mu;
    sq += d * d;
  }
  *mean = mu;
  *m2 = sq;
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
