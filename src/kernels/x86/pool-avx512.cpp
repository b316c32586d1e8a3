// pool-avx512.cpp: AVX-512 pooling microkernels: sixteen windows per vector, taps loaded contiguously (stride 1), deinterleaved (stride 2) or gathered.
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

#include "kernels/pool_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace, and nothing here calls inline library functions: the
// AVX2 file has same-shaped helpers built with other flags (see quantize-avx2.cpp).
namespace {

inline __mmask16 tail_mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// Taps of 16 consecutive windows at stride 2: loads 32 floats and keeps the even ones, so it reads
// p[31], one past p[30]: callers use it only when a later window still needs that element.
inline __m512 load_stride2(const float* p) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}

// NaN-sticky max: vmaxps returns its second operand when either is NaN, which keeps a NaN
// accumulator; a NaN tap is then moved in under a mask.
inline __m512 max_nan(__m512 acc, __m512 v) {
  const __m512 m = _mm512_max_ps(v, acc);
  return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
}

struct MaxOp {
  static __m512 apply(__m512 acc, __m512 v) { return max_nan(acc, v); }
  static float apply(float acc, float v) { return (v > acc || v != v) ? v : acc; }
};
struct SumOp {
  static __m512 apply(__m512 acc, __m512 v) { return _mm512_add_ps(acc, v); }
  static float apply(float acc, float v) { return acc + v; }
};

template <typename Op>
void pool_taps(size_t n, size_t taps, const float* in, size_t stride, size_t dilation, float* acc) {
  size_t j = 0;
  if (stride == 1) {
    // Masked loads read only the lanes they keep, so the tail needs no scalar loop.
    for (; j < n; j += 16) {
      const __mmask16 m = n - j >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - j);
      __m512 a = _mm512_maskz_loadu_ps(m, acc + j);
      for (size_t t = 0; t < taps; ++t) a = Op::apply(a, _mm512_maskz_loadu_ps(m, in + j + t * dilation));
      _mm512_mask_storeu_ps(acc + j, m, a);
    }
    return;
  }
  if (stride == 2) {
    // Block j..j+15 reads up to in[2 * (j + 15) + 1 + off] < in[2 * (j + 16) + off], an element
    // of window j + 16: safe while j + 16 < n.
    for (; j + 16 < n; j += 16) {
      __m512 a = _mm512_loadu_ps(acc + j);
      for (size_t t = 0; t < taps; ++t) a = Op::apply(a, load_stride2(in + 2 * j + t * dilation));
      _mm512_storeu_ps(acc + j, a);
    }
    // The last (or only) block of w <= 16 windows: masked loads read exactly the 2w - 1 elements
    // its windows use, so short rows (a 28-wide map pooled to 14) stay vectorized too.
    if (j < n) {
      const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      const size_t w = n - j, c = 2 * w - 1;
      const __mmask16 m = w >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(w);
      const __mmask16 mlo = c >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(c);
      const __mmask16 mhi = c > 16 ? tail_mask(c - 16) : static_cast<__mmask16>(0);
      __m512 a = _mm512_maskz_loadu_ps(m, acc + j);
      for (size_t t = 0; t < taps; ++t) {
        const float* p = in + 2 * j + t * dilation;
        a = Op::apply(a, _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(mlo, p), even, _mm512_maskz_loadu_ps(mhi, p + 16)));
      }
      _mm512_mask_storeu_ps(acc + j, m, a);  // lanes past w held zeros and are not stored
    }
    return;
  } else if (stride * 16 <= static_cast<size_t>(INT32_MAX)) {
    const __m512i idx = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(static_cast<int32_t>(stride)));
    for (; j < n; j += 16) {
      const __mmask16 m = n - j >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - j);
      __m512 a = _mm512_maskz_loadu_ps(m, acc + j);
      for (size_t t = 0; t < taps; ++t) {
        a = Op::apply(a, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx,
                                                  in + j * stride + t * dilation, 4));
      }
      _mm512_mask_storeu_ps(acc + j, m, a);
    }
    return;
  }
  for (; j < n; ++j) {
    const float* p = in + j * stride;
    float a = acc[j];
    for (size_t t = 0; t < taps; ++t) a = Op::apply(a, p[t * dilation]);
    acc[j] = a;
  }
}

}  // namespace

void f32_maxpool_taps__avx512(size_t n, size_t taps, const float* in, size_t stride, size_t dilation,
                              float* acc) {
  pool_taps<MaxOp>(n, taps, in, stride, dilation, acc);
}

void f32_sumpool_taps__avx512(size_t n, size_t taps, const float* in, size_t stride, size_t dilation,
                              float* acc) {
  pool_taps<SumOp>(n, taps, in, stride, dilation, acc);
}

float f32_rsum__avx512(size_t n, const float* x) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
         s3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + i + 48));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
    s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m, x + i));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
