// qdwconv-avx512vnni.cpp: the AVX-512 VNNI 8-bit depthwise-convolution kernel, bit-exact with qdwconv-scalar.cpp.
//
// Per tap and 16 channels: the bytes widened to int32 lanes (vpmovzxbd, zero high halves) and one
// vpdpwssd against the packed int32 weights (int16 pairs multiplied and added into int32, exact:
// a * w + 0 * sign, no saturation in the non-"s" form). One shuffle-port and one multiply-port
// instruction per 16 products. Two pixels by 32 channels per step in four accumulators; the tail uses masked loads
// and stores, which neither fault nor write outside the mask.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "kernels/qdwconv_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace (no shared inline definitions across ISA files).
namespace {

// Without an offset (the operator's case) the pointer is the row: no compare per tap.
template <bool kOffset>
inline const uint8_t* tap_row(const uint8_t* const* rows, size_t t, size_t input_offset, const uint8_t* zero) {
  if (!kOffset) return rows[t];
  const uint8_t* r = rows[t];
  return r == zero ? zero : r + input_offset;
}

// acc + the int16-pair products of a and b (vpdpwssd). GCC 12 allocates the intrinsic's accumulator
// badly in these loops: with the requantization after the loop it copied every accumulator into a
// scratch register and back on each tap (four vmovdqa per four vpdpwssd); the same instruction
// through inline asm (accumulator in and out of one register) keeps the loop at its 8 vector uops.
inline __m512i dpwssd(__m512i acc, __m512i a, __m512i b) {
#if defined(__GNUC__) && !defined(__clang__)
  asm("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
  return acc;
#else
  return _mm512_dpwssd_epi32(acc, a, b);
#endif
}

// The zero-masked forms with an all-ones mask are the plain instructions; GCC 12's unmasked
// intrinsics pass an "undefined" source that trips -Wmaybe-uninitialized under -Werror.
constexpr __mmask16 kAll = 0xFFFF;

// 16 bytes of a row widened to int32 lanes (the masked form reads only the lanes in the mask).
inline __m512i widen16(const uint8_t* r) {
  return _mm512_maskz_cvtepu8_epi32(kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(r)));
}
inline __m512i widen16(const uint8_t* r, __mmask16 mask) {
  return _mm512_maskz_cvtepu8_epi32(kAll, _mm_maskz_loadu_epi8(mask, r));
}

// The scalar rule on 16 lanes, in the shifted form of the AVX2 kernel (clamp the product to
// [qmin - zp, qmax - zp], round in the MXCSR mode, add zp in int32): equal for every acc.
struct Requant {
  __m512 lo, hi;
  __m512i zp;
  inline __m512i apply(__m512i acc, __m512 multiplier) const {
    __m512 v = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAll, acc), multiplier);
    v = _mm512_maskz_min_ps(kAll, v, hi);
    v = _mm512_maskz_max_ps(kAll, v, lo);
    return _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAll, v), zp);
  }
};

// Lanes are inside the output range, so the saturating narrowings only narrow.
template <bool kSigned>
inline __m128i narrow(__m512i q) {
  return kSigned ? _mm512_maskz_cvtsepi32_epi8(kAll, q) : _mm512_maskz_cvtusepi32_epi8(kAll, q);
}

// Channels [c, c + 16) under `mask` (all set except in the tail).
template <bool kSigned, bool kOffset>
inline void block16(size_t c, __mmask16 mask, size_t cp, size_t taps, const uint8_t* const* rows, size_t input_offset,
                    const uint8_t* zero, const int32_t* weights, const int32_t* col_init, const float* multiplier,
                    const Requant& rq, uint8_t* out) {
  __m512i acc = _mm512_maskz_loadu_epi32(mask, col_init + c);
  for (size_t t = 0; t < taps; ++t) {
    const uint8_t* r = tap_row<kOffset>(rows, t, input_offset, zero) + c;
    acc = dpwssd(acc, widen16(r, mask), _mm512_loadu_si512(weights + t * cp + c));
  }
  const __m512 m = _mm512_maskz_loadu_ps(mask, multiplier + c);
  _mm_mask_storeu_epi8(out + c, mask, narrow<kSigned>(rq.apply(acc, m)));
}

// Channels [c, c + 32) of two pixels at once: four independent accumulator chains (vpdpwssd has a
// latency of several cycles; with two chains the 32-channel layers of MobileNet wait on it), and
// each weight vector loaded once for both pixels.
template <bool kSigned, bool kOffset>
inline void block32x2(size_t c, size_t cp, size_t taps, const uint8_t* const* rows0, const uint8_t* const* rows1,
                      size_t input_offset, const uint8_t* zero, const int32_t* weights, const int32_t* col_init,
                      const float* multiplier, const Requant& rq, uint8_t* out0, uint8_t* out1) {
  __m512i acc00 = _mm512_loadu_si512(col_init + c);
  __m512i acc01 = _mm512_loadu_si512(col_init + c + 16);
  __m512i acc10 = acc00, acc11 = acc01;
  const int32_t* w = weights + c;
  for (size_t t = 0; t < taps; ++t, w += cp) {
    const uint8_t* r0 = tap_row<kOffset>(rows0, t, input_offset, zero) + c;
    const uint8_t* r1 = tap_row<kOffset>(rows1, t, input_offset, zero) + c;
    const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 16);
    acc00 = dpwssd(acc00, widen16(r0), w0);
    acc01 = dpwssd(acc01, widen16(r0 + 16), w1);
    acc10 = dpwssd(acc10, widen16(r1), w0);
    acc11 = dpwssd(acc11, widen16(r1 + 16), w1);
  }
  const __m512 m0 = _mm512_loadu_ps(multiplier + c), m1 = _mm512_loadu_ps(multiplier + c + 16);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out0 + c), narrow<kSigned>(rq.apply(acc00, m0)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out0 + c + 16), narrow<kSigned>(rq.apply(acc01, m1)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out1 + c), narrow<kSigned>(rq.apply(acc10, m0)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out1 + c + 16), narrow<kSigned>(rq.apply(acc11, m1)));
}

// Channels [c, c + 32) of one pixel.
template <bool kSigned, bool kOffset>
inline void block32(size_t c, size_t cp, size_t taps, const uint8_t* const* rows, size_t input_offset,
                    const uint8_t* zero, const int32_t* weights, const int32_t* col_init, const float* multiplier,
                    const Requant& rq, uint8_t* out) {
  __m512i acc0 = _mm512_loadu_si512(col_init + c);
  __m512i acc1 = _mm512_loadu_si512(col_init + c + 16);
  const int32_t* w = weights + c;
  for (size_t t = 0; t < taps; ++t, w += cp) {
    const uint8_t* r = tap_row<kOffset>(rows, t, input_offset, zero) + c;
    acc0 = dpwssd(acc0, widen16(r), _mm512_loadu_si512(w));
    acc1 = dpwssd(acc1, widen16(r + 16), _mm512_loadu_si512(w + 16));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c), narrow<kSigned>(rq.apply(acc0, _mm512_loadu_ps(multiplier + c))));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c + 16),
                   narrow<kSigned>(rq.apply(acc1, _mm512_loadu_ps(multiplier + c + 16))));
}

template <bool kSigned, bool kOffset>
void dwconv(size_t channels, size_t pixels, size_t taps, const uint8_t* const* input, size_t input_stride,
            size_t input_offset, const uint8_t* zero, const int32_t* weights, const int32_t* col_init, void* output,
            size_t output_stride, const QDwConvParams* p) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  Requant rq;
  rq.lo = _mm512_set1_ps(static_cast<float>(p->qmin - p->zero_point));
  rq.hi = _mm512_set1_ps(static_cast<float>(p->qmax - p->zero_point));
  rq.zp = _mm512_set1_epi32(p->zero_point);
  auto tail = [&](size_t c, const uint8_t* const* rows, uint8_t* out) {
    for (; c < channels; c += 16) {
      const size_t n = channels - c < 16 ? channels - c : 16;
      const auto mask = static_cast<__mmask16>((1u << n) - 1u);
      block16<kSigned, kOffset>(c, mask, cp, taps, rows, input_offset, zero, weights, col_init, p->multiplier, rq,
                                out);
    }
  };
  size_t px = 0;
  for (; px + 2 <= pixels; px += 2) {
    const uint8_t* const* rows0 = input + px * input_stride;
    const uint8_t* const* rows1 = rows0 + input_stride;
    uint8_t* out0 = static_cast<uint8_t*>(output) + px * output_stride;
    uint8_t* out1 = out0 + output_stride;
    size_t c = 0;
    for (; c + 32 <= channels; c += 32) {
      block32x2<kSigned, kOffset>(c, cp, taps, rows0, rows1, input_offset, zero, weights, col_init, p->multiplier, rq,
                                  out0, out1);
    }
    tail(c, rows0, out0);
    tail(c, rows1, out1);
  }
  if (px < pixels) {
    const uint8_t* const* rows = input + px * input_stride;
    uint8_t* out = static_cast<uint8_t*>(output) + px * output_stride;
    size_t c = 0;
    for (; c + 32 <= channels; c += 32) {
      block32<kSigned, kOffset>(c, cp, taps, rows, input_offset, zero, weights, col_init, p->multiplier, rq, out);
    }
    tail(c, rows, out);
  }
}

}  // namespace

void qu8_qs8w_dwconv_fp32__avx512vnni(size_t channels, size_t pixels, size_t taps, const uint8_t* const* input,
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
