// qgemm-scan-avx2.cpp: the AVX2 scan of activations already in the GEMM's packed format (largest flipped byte, row sums), equal to the scalar one.
//
// 32 bytes per step: vpxor with the flip and vpmaxub for the maximum, vpsadbw against zero for the
// sum (exact 64-bit partial sums, kept mod 2^32 like the scalar sum). Rows of a few bytes (the
// 1x1 convolutions of narrow layers) finish with a byte loop; nothing is read past a row's k bytes.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {

uint8_t qgemm_scan_activations__avx2(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                                     int32_t* row_sum) {
  const __m256i vflip = _mm256_set1_epi8(static_cast<char>(flip));
  const __m256i zero = _mm256_setzero_si256();
  __m256i vmax = zero;
  uint8_t tail_max = 0;
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* row = a + i * a_stride;
    __m256i vsum = zero;
    size_t kk = 0;
    // Two independent steps per iteration: one vpmaxub chain per 32 bytes is latency-bound on a
    // long single row (a whole input tensor scanned as one row).
    __m256i vmax2 = zero;
    for (; kk + 64 <= k; kk += 64) {
      const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + kk));
      const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + kk + 32));
      vsum = _mm256_add_epi64(vsum, _mm256_add_epi64(_mm256_sad_epu8(v0, zero), _mm256_sad_epu8(v1, zero)));
      vmax = _mm256_max_epu8(vmax, _mm256_xor_si256(v0, vflip));
      vmax2 = _mm256_max_epu8(vmax2, _mm256_xor_si256(v1, vflip));
    }
    for (; kk + 32 <= k; kk += 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + kk));
      vsum = _mm256_add_epi64(vsum, _mm256_sad_epu8(v, zero));
      vmax = _mm256_max_epu8(vmax, _mm256_xor_si256(v, vflip));
    }
    vmax = _mm256_max_epu8(vmax, vmax2);
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(vsum), _mm256_extracti128_si256(vsum, 1));
    uint64_t sum = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_add_epi64(s, _mm_unpackhi_epi64(s, s))));
    for (; kk < k; ++kk) {
      sum += row[kk];
      const auto v = static_cast<uint8_t>(row[kk] ^ flip);
      tail_max = v > tail_max ? v : tail_max;
    }
    if (row_sum != nullptr) row_sum[i] = static_cast<int32_t>(static_cast<uint32_t>(sum));
  }
  __m128i m16 = _mm_max_epu8(_mm256_castsi256_si128(vmax), _mm256_extracti128_si256(vmax, 1));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 8));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 4));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 2));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 1));
  const auto vec_max = static_cast<uint8_t>(_mm_cvtsi128_si32(m16));
  return vec_max > tail_max ? vec_max : tail_max;
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
