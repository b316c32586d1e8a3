// pool-avx2.cpp: AVX2 pooling microkernels: eight windows per vector, taps loaded contiguously (stride 1), deinterleaved (stride 2) or gathered.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/pool_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace, and nothing here calls inline library functions: the
// AVX-512 file has same-shaped helpers built with other flags (see quantize-avx2.cpp).
namespace {

// Taps of 8 consecutive windows starting at p: p[0], p[s], ..., p[7 * s].
// Stride 2 loads 16 floats and keeps the even ones, so it reads p[15], one past p[14]: callers use
// it only when a later window still needs that element.
inline __m256 load_stride2(const float* p) {
  const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
  // [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6]
  const __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}

// NaN-sticky max: vmaxps returns its second operand when either is NaN, which keeps a NaN
// accumulator; a NaN tap is then blended in explicitly.
inline __m256 max_nan(__m256 acc, __m256 v) {
  const __m256 m = _mm256_max_ps(v, acc);
  return _mm256_blendv_ps(m, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

struct MaxOp {
  static __m256 apply(__m256 acc, __m256 v) { return max_nan(acc, v); }
  static float apply(float acc, float v) { return (v > acc || v != v) ? v : acc; }
};
struct SumOp {
  static __m256 apply(__m256 acc, __m256 v) { return _mm256_add_ps(acc, v); }
  static float apply(float acc, float v) { return acc + v; }
};

// Vector blocks of 8 windows while the loads stay inside the elements the call names, then scalar.
template <typename Op>
void pool_taps(size_t n, size_t taps, const float* in, size_t stride, size_t dilation, float* acc) {
  size_t j = 0;
  if (stride == 1) {
    for (; j + 8 <= n; j += 8) {
      __m256 a = _mm256_loadu_ps(acc + j);
      for (size_t t = 0; t < taps; ++t) a = Op::apply(a, _mm256_loadu_ps(in + j + t * dilation));
      _mm256_storeu_ps(acc + j, a);
    }
  } else if (stride == 2) {
    // Block j..j+7 reads up to in[2 * (j + 7) + 1 + off] < in[2 * (j + 8) + off], an element of
    // window j + 8: safe while j + 8 < n.
    for (; j + 8 < n; j += 8) {
      __m256 a = _mm256_loadu_ps(acc + j);
      for (size_t t = 0; t < taps; ++t) a = Op::apply(a, load_stride2(in + 2 * j + t * dilation));
      _mm256_storeu_ps(acc + j, a);
    }
  } else if (stride * 8 <= static_cast<size_t>(INT32_MAX)) {
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                           _mm256_set1_epi32(static_cast<int32_t>(stride)));
    for (; j + 8 <= n; j += 8) {
      __m256 a = _mm256_loadu_ps(acc + j);
      for (size_t t = 0; t < taps; ++t) {
        a = Op::apply(a, _mm256_i32gather_ps(in + j * stride + t * dilation, idx, 4));
      }
      _mm256_storeu_ps(acc + j, a);
    }
  }
  for (; j < n; ++j) {
    const float* p = in + j * stride;
    float a = acc[j];
    for (size_t t = 0; t < taps; ++t) a = Op::apply(a, p[t * dilation]);
    acc[j] = a;
  }
}

}  // namespace

void f32_maxpool_taps__avx2(size_t n, size_t taps, const float* in, size_t stride, size_t dilation,
                            float* acc) {
  pool_taps<MaxOp>(n, taps, in, stride, dilation, acc);
}

void f32_sumpool_taps__avx2(size_t n, size_t taps, const float* in, size_t stride, size_t dilation,
                            float* acc) {
  pool_taps<SumOp>(n, taps, in, stride, dilation, acc);
}

float f32_rsum__avx2(size_t n, const float* x) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(),
         s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + i + 24));
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
  const __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  float sum = _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
  for (; i < n; ++i) sum += x[i];
  return sum;
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
