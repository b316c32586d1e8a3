// qembedding-avx2.cpp: AVX2 rowwise embedding-bag kernels: 32 output floats in registers per pass over the bag; bit-exact with qembedding-scalar.cpp (no FMA).
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qembedding_kernels.h"

namespace octet::kernels {
// Nothing here calls inline library functions (see qpool-avx2.cpp).
namespace {

struct RowParams {
  float scale, bias;
};

// F16C's vcvtph2ps converts exactly, as the scalar half_to_float does.
template <bool kFourBit>
inline RowParams row_params(const uint8_t* row, size_t dim) {
  RowParams p;
  if (kFourBit) {
    uint16_t s, b;
    const size_t data = (dim + 1) / 2;
    std::memcpy(&s, row + data, sizeof s);
    std::memcpy(&b, row + data + sizeof s, sizeof b);
    p.scale = _cvtsh_ss(s);
    p.bias = _cvtsh_ss(b);
  } else {
    std::memcpy(&p.scale, row + dim, sizeof(float));
    std::memcpy(&p.bias, row + dim + sizeof(float), sizeof(float));
  }
  return p;
}

// Elements [d, d + 8) of a row as floats (8-bit: 8 bytes; 4-bit: 4 bytes, d even).
template <bool kFourBit>
inline __m256 load8(const uint8_t* row, size_t d) {
  __m128i b;
  if (kFourBit) {
    int32_t packed;
    std::memcpy(&packed, row + d / 2, sizeof packed);
    const __m128i v = _mm_cvtsi32_si128(packed);
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(v, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
    b = _mm_unpacklo_epi8(lo, hi);  // element 2i = low nibble of byte i, 2i + 1 = high nibble
  } else {
    b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + d));
  }
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
}

// Elements [d, d + 32) of a row (8-bit: 32 bytes; 4-bit: 16 bytes, d even), as 4 x 8 floats.
template <bool kFourBit>
inline void load32(const uint8_t* row, size_t d, __m256 q[4]) {
  __m128i lo16, hi16;  // bytes of elements d..d+15 and d+16..d+31
  if (kFourBit) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + d / 2));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(v, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
    lo16 = _mm_unpacklo_epi8(lo, hi);
    hi16 = _mm_unpackhi_epi8(lo, hi);
  } else {
    lo16 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + d));
    hi16 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + d + 16));
  }
  q[0] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo16));
  q[1] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo16, 8)));
  q[2] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi16));
  q[3] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi16, 8)));
}

template <bool kFourBit>
inline float element(const uint8_t* row, size_t d) {
  const uint32_t q = kFourBit ? (row[d / 2] >> ((d % 2) * 4)) & 0x0Fu : row[d];
  return static_cast<float>(q);
}

// One step of the sum: acc = (acc + b) + s * q, each operation rounded (no FMA), as the scalar kernel.
inline __m256 sum_step(__m256 acc, __m256 s, __m256 b, __m256 q) {
  return _mm256_add_ps(_mm256_add_ps(acc, b), _mm256_mul_ps(s, q));
}

// The output is walked in chunks (32 floats, then 8, then single elements); each chunk passes over
// the whole bag with its sums in registers. Every element sees the same operations in the same
// order as in the scalar kernel, whatever chunk it falls in.
template <bool kFourBit>
void bag_sum(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes, const int64_t* indices,
             const float* per_sample_weights, float out_scale, float* out) {
  auto params = [&](size_t i, const uint8_t** row) {
    *row = weight + static_cast<size_t>(indices[i]) * row_bytes;
    RowParams p = row_params<kFourBit>(*row, dim);
    if (per_sample_weights != nullptr) {
      p.scale *= per_sample_weights[i];
      p.bias *= per_sample_weights[i];
    }
    return p;
  };
  const __m256 vscale_out = _mm256_set1_ps(out_scale);
  const bool empty = count == 0;
  size_t d = 0;
  for (; d + 32 <= dim; d += 32) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* row;
      const RowParams p = params(i, &row);
      const __m256 s = _mm256_set1_ps(p.scale), b = _mm256_set1_ps(p.bias);
      __m256 q[4];
      load32<kFourBit>(row, d, q);
      for (int k = 0; k < 4; ++k) acc[k] = sum_step(acc[k], s, b, q[k]);
    }
    for (int k = 0; k < 4; ++k) {
      _mm256_storeu_ps(out + d + 8 * k, empty ? acc[k] : _mm256_mul_ps(acc[k], vscale_out));
    }
  }
  for (; d + 8 <= dim; d += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* row;
      const RowParams p = params(i, &row);
      acc = sum_step(acc, _mm256_set1_ps(p.scale), _mm256_set1_ps(p.bias), load8<kFourBit>(row, d));
    }
    _mm256_storeu_ps(out + d, empty ? acc : _mm256_mul_ps(acc, vscale_out));
  }
  for (; d < dim; ++d) {
    float acc = 0.0f;
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* row;
      const RowParams p = params(i, &row);
      acc = (acc + p.bias) + p.scale * element<kFourBit>(row, d);
    }
    out[d] = empty ? acc : acc * out_scale;
  }
}

// maxps(v, acc) returns v when v > acc and acc otherwise (NaN included), the scalar rule exactly.
template <bool kFourBit>
void bag_max(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes, const int64_t* indices,
             float* out) {
  size_t d = 0;
  for (; d + 32 <= dim; d += 32) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* row = weight + static_cast<size_t>(indices[i]) * row_bytes;
      const RowParams p = row_params<kFourBit>(row, dim);
      const __m256 s = _mm256_set1_ps(p.scale), b = _mm256_set1_ps(p.bias);
      __m256 q[4];
      load32<kFourBit>(row, d, q);
      for (int k = 0; k < 4; ++k) {
        const __m256 v = _mm256_add_ps(b, _mm256_mul_ps(s, q[k]));
        acc[k] = i == 0 ? v : _mm256_max_ps(v, acc[k]);
      }
    }
    for (int k = 0; k < 4; ++k) _mm256_storeu_ps(out + d + 8 * k, acc[k]);
  }
  for (; d + 8 <= dim; d += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* row = weight + static_cast<size_t>(indices[i]) * row_bytes;
      const RowParams p = row_params<kFourBit>(row, dim);
      const __m256 v = _mm256_add_ps(_mm256_set1_ps(p.bias), _mm256_mul_ps(_mm256_set1_ps(p.scale), load8<kFourBit>(row, d)));
      acc = i == 0 ? v : _mm256_max_ps(v, acc);
    }
    _mm256_storeu_ps(out + d, acc);
  }
  for (; d < dim; ++d) {
    float acc = 0.0f;
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* row = weight + static_cast<size_t>(indices[i]) * row_bytes;
      const RowParams p = row_params<kFourBit>(row, dim);
      const float v = p.bias + p.scale * element<kFourBit>(row, d);
      acc = (i == 0 || v > acc) ? v : acc;
    }
    out[d] = acc;
  }
}

}  // namespace

void qu8_f32_embeddingbag_sum_rowwise__avx2(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                            const int64_t* indices, const float* per_sample_weights,
                                            float out_scale, float* out) {
  bag_sum<false>(dim, count, weight, row_bytes, indices, per_sample_weights, out_scale, out);
}
void qu4_f32_embeddingbag_sum_rowwise__avx2(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                            const int64_t* indices, const float* per_sample_weights,
                                            float out_scale, float* out) {
  bag_sum<true>(dim, count, weight, row_bytes, indices, per_sample_weights, out_scale, out);
}
void qu8_f32_embeddingbag_max_rowwise__avx2(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                            const int64_t* indices, float* out) {
  bag_max<false>(dim, count, weight, row_bytes, indices, out);
}
void qu4_f32_embeddingbag_max_rowwise__avx2(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                            const int64_t* indices, float* out) {
  bag_max<true>(dim, count, weight, row_bytes, indices, out);
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
