// qdwconv-avx2.cpp: the AVX2 8-bit depthwise-convolution kernel, bit-exact with qdwconv-scalar.cpp.
//
// Per tap and 8 channels: the bytes widened to int32 lanes (vpmovzxbd, zero high halves), one
// vpmaddwd against the packed int32 weights (a * w + 0 * sign, exact), one vpaddd. 16 channels per
// step of two pixels in four accumulators; tails of 8 and of 1..7 channels load exactly the bytes
// that exist.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qdwconv_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace (no shared inline definitions across ISA files, which the
// linker could merge into code for the wrong ISA); nothing here calls inline library functions.
namespace {

// Lanes [0, n) set, for n in 0..8: a window into {-1 x 8, 0 x 8}.
alignas(64) constexpr int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i lane_mask(size_t n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kMaskTable[8 - n]));
}

// Reads exactly n < 8 bytes into the low bytes of a vector (no over-read past the end of the row).
inline __m128i load_tail_bytes(const uint8_t* in, size_t n) {
  uint64_t bits = 0;
  unsigned shift = 0;
  if (n & 4) {
    uint32_t w;
    std::memcpy(&w, in, 4);
    bits = w;
    in += 4;
    shift = 32;
  }
  if (n & 2) {
    uint16_t h;
    std::memcpy(&h, in, 2);
    bits |= static_cast<uint64_t>(h) << shift;
    in += 2;
    shift += 16;
  }
  if (n & 1) bits |= static_cast<uint64_t>(*in) << shift;
  return _mm_cvtsi64_si128(static_cast<long long>(bits));
}

// Writes the low n < 8 bytes of v.
inline void store_tail_bytes(uint8_t* out, size_t n, __m128i v) {
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

// The row of tap t, moved by input_offset unless it is the zero-point row.
// Without an offset (the operator's case) the pointer is the row: no compare per tap.
template <bool kOffset>
inline const uint8_t* tap_row(const uint8_t* const* rows, size_t t, size_t input_offset, const uint8_t* zero) {
  if (!kOffset) return rows[t];
  const uint8_t* r = rows[t];
  return r == zero ? zero : r + input_offset;
}

// Eight lanes of the scalar rule: the product is clamped to [qmin - zp, qmax - zp] (small integers,
// exact), rounded by cvtps2dq in the MXCSR mode (nearbyint's), then shifted by the zero point in
// int32. Rounding is monotone and fixes integers, so clamping before rounding equals clamping after,
// and inside the range r + zp is exact in float: the scalar answer for every acc.
struct Requant {
  __m256 lo, hi;
  __m256i zp;
  inline __m256i apply(__m256i acc, __m256 multiplier) const {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), multiplier);
    v = _mm256_min_ps(v, hi);
    v = _mm256_max_ps(v, lo);
    return _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);
  }
};

// 16 int32 lanes (already inside the output range) to 16 bytes in channel order.
template <bool kSigned>
inline __m128i pack16(__m256i q0, __m256i q1) {
  __m256i w = _mm256_packs_epi32(q0, q1);    // q0[0..3] q1[0..3] | q0[4..7] q1[4..7]
  w = _mm256_permute4x64_epi64(w, 0xD8);     // q0[0..7] | q1[0..7]
  const __m128i a = _mm256_castsi256_si128(w), b = _mm256_extracti128_si256(w, 1);
  return kSigned ? _mm_packs_epi16(a, b) : _mm_packus_epi16(a, b);
}

template <bool kSigned>
inline __m128i pack8(__m256i q) {  // 8 bytes in the low half
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  return kSigned ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
}

// 8 bytes of a row widened to int32 lanes; the tail form reads exactly n < 8 bytes.
inline __m256i widen8(const uint8_t* r) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r)));
}
inline __m256i widen_tail(const uint8_t* r, size_t n) { return _mm256_cvtepu8_epi32(load_tail_bytes(r, n)); }

inline __m256i madd(__m256i acc, __m256i a, const int32_t* w) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
}

// Channels [c, c + n) for n <= 8 (the tail): exact-size loads of bytes, masked loads of col_init and
// multiplier (they hold `channels` values), padded weights read in full.
template <bool kSigned, bool kOffset>
inline void tail8(size_t c, size_t n, size_t cp, size_t taps, const uint8_t* const* rows, size_t input_offset,
                  const uint8_t* zero, const int32_t* weights, const int32_t* col_init, const float* multiplier,
                  const Requant& rq, uint8_t* out) {
  const __m256i mask = lane_mask(n);
  __m256i acc = _mm256_maskload_epi32(col_init + c, mask);
  for (size_t t = 0; t < taps; ++t) {
    const uint8_t* r = tap_row<kOffset>(rows, t, input_offset, zero) + c;
    acc = madd(acc, n == 8 ? widen8(r) : widen_tail(r, n), weights + t * cp + c);
  }
  const __m256 m = _mm256_maskload_ps(multiplier + c, mask);
  const __m128i b = pack8<kSigned>(rq.apply(acc, m));
  if (n == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + c), b);
  } else {
    store_tail_bytes(out + c, n, b);
  }
}

// Channels [c, c + 16) of one pixel (two accumulator chains) or of two pixels at once (four chains,
// each weight vector loaded once for both): vpmaddwd + vpaddd is a dependent pair per tap, and two
// chains leave the 32-channel layers of MobileNet waiting on it.
template <bool kSigned, bool kOffset, int kPixels>
inline void block16(size_t c, size_t cp, size_t taps, const uint8_t* const* const* rows, size_t input_offset,
                    const uint8_t* zero, const int32_t* weights, const int32_t* col_init, const float* multiplier,
                    const Requant& rq, uint8_t* const* out) {
  __m256i acc[kPixels][2];
  for (int i = 0; i < kPixels; ++i) {
    acc[i][0] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_init + c));
    acc[i][1] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_init + c + 8));
  }
  const int32_t* w = weights + c;
  for (size_t t = 0; t < taps; ++t, w += cp) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 8));
    for (int i = 0; i < kPixels; ++i) {
      const uint8_t* r = tap_row<kOffset>(rows[i], t, input_offset, zero) + c;
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(widen8(r), w0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(widen8(r + 8), w1));
    }
  }
  const __m256 m0 = _mm256_loadu_ps(multiplier + c), m1 = _mm256_loadu_ps(multiplier + c + 8);
  for (int i = 0; i < kPixels; ++i) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out[i] + c),
                     pack16<kSigned>(rq.apply(acc[i][0], m0), rq.apply(acc[i][1], m1)));
  }
}

template <bool kSigned, bool kOffset>
void dwconv(size_t channels, size_t pixels, size_t taps, const uint8_t* const* input, size_t input_stride,
            size_t input_offset, const uint8_t* zero, const int32_t* weights, const int32_t* col_init, void* output,
            size_t output_stride, const QDwConvParams* p) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  Requant rq;
  rq.lo = _mm256_set1_ps(static_cast<float>(p->qmin - p->zero_point));
  rq.hi = _mm256_set1_ps(static_cast<float>(p->qmax - p->zero_point));
  rq.zp = _mm256_set1_epi32(p->zero_point);
  for (size_t px = 0; px < pixels; px += 2) {
    const int count = px + 2 <= pixels ? 2 : 1;
    const uint8_t* const* rows[2] = {input + px * input_stride, input + (px + count - 1) * input_stride};
    uint8_t* out[2] = {static_cast<uint8_t*>(output) + px * output_stride,
                       static_cast<uint8_t*>(output) + (px + count - 1) * output_stride};
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      if (count == 2) {
        block16<kSigned, kOffset, 2>(c, cp, taps, rows, input_offset, zero, weights, col_init, p->multiplier, rq, out);
      } else {
        block16<kSigned, kOffset, 1>(c, cp, taps, rows, input_offset, zero, weights, col_init, p->multiplier, rq, out);
      }
    }
    for (int i = 0; i < count; ++i) {
      for (size_t ct = c; ct < channels; ct += 8) {
        const size_t n = channels - ct < 8 ? channels - ct : 8;
        tail8<kSigned, kOffset>(ct, n, cp, taps, rows[i], input_offset, zero, weights, col_init, p->multiplier, rq,
                                out[i]);
      }
    }
  }
}

}  // namespace

void qu8_qs8w_dwconv_fp32__avx2(size_t channels, size_t pixels, size_t taps, const uint8_t* const* input,
                                size_t input_stride, size_t input_offset, const uint8_t* zero, const int32_t* weights,
                                const int32_t* col_init, void* output, size_t output_stride,
                                const QDwConvParams* p) {
  assert(channels >= 1 && pixels >= 1 && taps >= 1);
  // One instantiation per output signedness and per need of the offset.
  const bool off = input_offset != 0;
  auto* fn = p->output == QDwConvOutput::QS8 ? (off ? &dwconv<true, true> : &dwconv<true, false>)
                                             : (off ? &dwconv<false, true> : &dwconv<false, false>);
  fn(channels, pixels, taps, input, input_stride, input_offset, zero, weights, col_init, output, output_stride, p);
}

}  // namespace octet::kernels

#endif  // defined(OCTET_ARCH_X86)
