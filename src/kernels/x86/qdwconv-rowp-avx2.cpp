// qdwconv-rowp-avx2.cpp: the AVX2 row-pair 8-bit depthwise-convolution kernel (two taps per vpmaddwd on paired rows), bit-exact with qdwconv-scalar.cpp.
//
// Per kernel row r, tap pair q and 8 channels: one weight vector, then for each of 4 output pixels
// one vpmaddwd with the paired input as its memory operand (two taps x 8 channels, exact int32)
// and one vpaddd: 9 instructions for 64 products, no shuffle. Channels go by 8 (one accumulator
// per pixel), pixels by 4 (independent chains that share the weight load), then one pixel at a
// time. The requantization is the indirection kernel's (qdwconv-avx2.cpp): clamp in float,
// cvtps2dq in the current rounding mode, zero point in int32; bytes are stored for c < channels only.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qdwconv_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace (no shared inline definitions across ISA files).
namespace {

alignas(64) constexpr int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i lane_mask(size_t n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kMaskTable[8 - n]));
}

inline __m256i load(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Writes the low n <= 8 bytes of v.
inline void store_bytes(uint8_t* out, size_t n, __m128i v) {
  if (n == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), v);
    return;
  }
  uint64_t bits = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  if (n & 4) {
    const uint32_t w = static_cast<uint32_t>(bits);
    std::memcpy(out, &w, 4);
    out += 4;
    bits >>= 32;
  }
  if (n & 2) {
    const uint16_t h = static_cast<uint16_t>(bits);
    std::memcpy(out, &h, 2);
    out += 2;
    bits >>= 16;
  }
  if (n & 1) *out = static_cast<uint8_t>(bits);
}

// The scalar rule on 8 lanes (see qdwconv-avx2.cpp): clamp to [qmin - zp, qmax - zp] in float,
// round in the MXCSR mode, add the zero point in int32, narrow with saturation (values are in range).
struct Requant {
  __m256 lo, hi;
  __m256i zp;
  template <bool kSigned>
  inline __m128i bytes(__m256i acc, __m256 multiplier) const {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), multiplier);
    v = _mm256_min_ps(v, hi);
    v = _mm256_max_ps(v, lo);
    const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    return kSigned ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
  }
};

// The 3 x 3 layers (3 rows, 2 pairs; MobileNet's every depthwise layer): the six weight vectors
// stay in registers across the row's pixels and every loop is unrolled.
template <bool kSigned, size_t kRows, size_t kPairs>
void rowp_fixed(size_t channels, size_t out_width, size_t stride, const int32_t* const* input, const int32_t* weights,
                const int32_t* col_init, void* output, size_t output_stride, const QDwConvParams* p) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const size_t px_step = stride * cp;
  Requant rq;
  rq.lo = _mm256_set1_ps(static_cast<float>(p->qmin - p->zero_point));
  rq.hi = _mm256_set1_ps(static_cast<float>(p->qmax - p->zero_point));
  rq.zp = _mm256_set1_epi32(p->zero_point);
  auto* out = static_cast<uint8_t*>(output);
  for (size_t c = 0; c < channels; c += 8) {
    const size_t n = channels - c < 8 ? channels - c : 8;
    const __m256i mask = lane_mask(n);
    const __m256i init = _mm256_maskload_epi32(col_init + c, mask);
    const __m256 mult = _mm256_maskload_ps(p->multiplier + c, mask);
    __m256i wv[kRows][kPairs];
    const int32_t* x[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      x[r] = input[r] + c;
      for (size_t q = 0; q < kPairs; ++q) wv[r][q] = load(weights + (r * kPairs + q) * cp + c);
    }
    uint8_t* o = out + c;
    size_t px = 0;
    for (; px + 4 <= out_width; px += 4, o += 4 * output_stride) {
      __m256i a0 = init, a1 = init, a2 = init, a3 = init;
      for (size_t r = 0; r < kRows; ++r) {
        const int32_t* xr = x[r] + px * px_step;
        for (size_t q = 0; q < kPairs; ++q) {
          const int32_t* xq = xr + 2 * q * cp;
          a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(load(xq), wv[r][q]));
          a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(load(xq + px_step), wv[r][q]));
          a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(load(xq + 2 * px_step), wv[r][q]));
          a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(load(xq + 3 * px_step), wv[r][q]));
        }
      }
      store_bytes(o, n, rq.bytes<kSigned>(a0, mult));
      store_bytes(o + output_stride, n, rq.bytes<kSigned>(a1, mult));
      store_bytes(o + 2 * output_stride, n, rq.bytes<kSigned>(a2, mult));
      store_bytes(o + 3 * output_stride, n, rq.bytes<kSigned>(a3, mult));
    }
    for (; px < out_width; ++px, o += output_stride) {
      __m256i a0 = init;
      for (size_t r = 0; r < kRows; ++r) {
        for (size_t q = 0; q < kPairs; ++q) {
          a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(load(x[r] + px * px_step + 2 * q * cp), wv[r][q]));
        }
      }
      store_bytes(o, n, rq.bytes<kSigned>(a0, mult));
    }
  }
}

template <bool kSigned>
void rowp(size_t channels, size_t out_width, size_t rows, size_t pairs, size_t stride, const int32_t* const* input,
          const int32_t* weights, const int32_t* col_init, void* output, size_t output_stride, const QDwConvParams* p) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const size_t px_step = stride * cp;  // int32 lanes between neighbouring output pixels' inputs
  Requant rq;
  rq.lo = _mm256_set1_ps(static_cast<float>(p->qmin - p->zero_point));
  rq.hi = _mm256_set1_ps(static_cast<float>(p->qmax - p->zero_point));
  rq.zp = _mm256_set1_epi32(p->zero_point);
  auto* out = static_cast<uint8_t*>(output);
  for (size_t c = 0; c < channels; c += 8) {
    const size_t n = channels - c < 8 ? channels - c : 8;
    const __m256i mask = lane_mask(n);
    const __m256i init = _mm256_maskload_epi32(col_init + c, mask);
    const __m256 mult = _mm256_maskload_ps(p->multiplier + c, mask);
    size_t px = 0;
    for (; px + 4 <= out_width; px += 4) {
      __m256i a0 = init, a1 = init, a2 = init, a3 = init;
      const int32_t* w = weights + c;
      for (size_t r = 0; r < rows; ++r) {
        const int32_t* x = input[r] + px * px_step + c;
        for (size_t q = 0; q < pairs; ++q, w += cp, x += 2 * cp) {
          const __m256i wv = load(w);
          a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(load(x), wv));
          a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(load(x + px_step), wv));
          a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(load(x + 2 * px_step), wv));
          a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(load(x + 3 * px_step), wv));
        }
      }
      uint8_t* o = out + px * output_stride + c;
      store_bytes(o, n, rq.bytes<kSigned>(a0, mult));
      store_bytes(o + output_stride, n, rq.bytes<kSigned>(a1, mult));
      store_bytes(o + 2 * output_stride, n, rq.bytes<kSigned>(a2, mult));
      store_bytes(o + 3 * output_stride, n, rq.bytes<kSigned>(a3, mult));
    }
    for (; px < out_width; ++px) {
      __m256i a0 = init;
      const int32_t* w = weights + c;
      for (size_t r = 0; r < rows; ++r) {
        const int32_t* x = input[r] + px * px_step + c;
        for (size_t q = 0; q < pairs; ++q, w += cp, x += 2 * cp) {
          a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(load(x), load(w)));
        }
      }
      store_bytes(out + px * output_stride + c, n, rq.bytes<kSigned>(a0, mult));
    }
  }
}

}  // namespace

// Pairs 16 channels of two pixels per step: vpunpck{l,h}bw interleaves the bytes (a0 b0 a1 b1 ..)
// and vpmovzxbw widens them to words, i.e. dwords a | b << 16: four shuffles per 16 lanes, once
// per input row. A padding pixel is the zero point broadcast; tails of < 16 channels go by bytes.
void qdwconv_rowp_pair_row__avx2(size_t channels, const uint8_t* in, size_t in_stride, size_t width, size_t pad_left,
                                 size_t columns, uint8_t za, int32_t* out) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const __m128i zv = _mm_set1_epi8(static_cast<char>(za));
  for (size_t j = 0; j < columns; ++j) {
    const uint8_t* a = in != nullptr && j >= pad_left && j - pad_left < width ? in + (j - pad_left) * in_stride : nullptr;
    const uint8_t* b =
        in != nullptr && j + 1 >= pad_left && j + 1 - pad_left < width ? in + (j + 1 - pad_left) * in_stride : nullptr;
    int32_t* dst = out + j * cp;
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      const __m128i va = a != nullptr ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + c)) : zv;
      const __m128i vb = b != nullptr ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + c)) : zv;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + c), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(va, vb)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + c + 8), _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(va, vb)));
    }
    for (; c < channels; ++c) {
      const uint32_t lo = a != nullptr ? a[c] : za, hi = b != nullptr ? b[c] : za;
      dst[c] = static_cast<int32_t>(lo | hi << 16);
    }
    for (; c < cp; ++c) dst[c] = 0;
  }
}

void qu8_qs8w_dwconv_rowp_fp32__avx2(size_t channels, size_t out_width, size_t rows, size_t pairs, size_t stride,
                                     const int32_t* const* input, const int32_t* weights, const int32_t* col_init,
                                     void* output, size_t output_stride, const QDwConvParams* p) {
  assert(channels >= 1 && out_width >= 1 && rows >= 1 && pairs >= 1 && stride >= 1);
  if (rows == 3 && pairs == 2) {
    if (p->output == QDwConvOutput::QS8) {
      rowp_fixed<true, 3, 2>(channels, out_width, stride, input, weights, col_init, output, output_stride, p);
    } else {
      rowp_fixed<false, 3, 2>(channels, out_width, stride, input, weights, col_init, output, output_stride, p);
    }
    return;
  }
  if (p->output == QDwConvOutput::QS8) {
    rowp<true>(channels, out_width, rows, pairs, stride, input, weights, col_init, output, output_stride, p);
  } else {
    rowp<false>(channels, out_width, rows, pairs, stride, input, weights, col_init, output, output_stride, p);
  }
}

}  // namespace octet::kernels

#endif  // defined(OCTET_ARCH_X86)
