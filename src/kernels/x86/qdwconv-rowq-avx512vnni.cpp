// qdwconv-rowq-avx512vnni.cpp: the AVX-512 VNNI row-quad 8-bit depthwise-convolution kernel (a kernel row of four taps per vpdpbusd), bit-exact with qdwconv-scalar.cpp.
//
// For each block of 64 channels (a zmm; the last block of <= 32 channels a ymm) and each output
// pixel, per kernel row r: the quads of the pixel's four input columns, Q = unpack{lo,hi}_epi16 of the
// byte pairs P(j) = unpack{lo,hi}_epi8(X(j), X(j + 1)) at j = ow * stride and j + 2, then four
// vpdpbusd (one per quarter of the block) against the row's int8 weights read as the memory operand.
// Neighbouring pixels share byte pairs: at stride 1 a pixel makes one new pair per row (two loads
// already made, one new), at stride 2 one new pair from two new pixels. Per 64 channels and output
// pixel: 12 vpdpbusd and 18 shuffles for 576 products (the indirection kernel: 36 + 36).
//
// Output stage: the indirection kernels' rule in the shifted form of the GEMM epilogue
// (qgemm-epilogue-avx512.inc): v = min((float)acc * M, qmax - zp) (vmulps, no FMA), cvtps2dq in the
// current rounding mode, then int16 lanes: + zp saturating, max qmin; then one byte pack. The byte
// and word packs undo the unpacks' channel order, so the bytes come out in channel order. Equal to
// clamp(nearbyint((float)acc * M) + zp, qmin, qmax) for every acc: rounding is monotone and fixes the
// integers qmin - zp and qmax - zp.
#if defined(OCTET_ARCH_X86)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "kernels/qdwconv_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace (no shared inline definitions across ISA files).
namespace {

// The operations of one block width: a 512-bit vector of 64 channels or a 256-bit one of 32.
struct Zmm {
  using V = __m512i;
  using F = __m512;
  using Mask = __mmask64;
  static constexpr size_t kWidth = 64;
  static Mask mask(size_t n) { return n >= 64 ? ~Mask(0) : (Mask(1) << n) - 1; }
  static V load_bytes(const uint8_t* p, Mask m) { return _mm512_maskz_loadu_epi8(m, p); }
  static V set_bytes(uint8_t b, Mask m) { return _mm512_maskz_set1_epi8(m, static_cast<char>(b)); }
  static V load(const void* p) { return _mm512_loadu_si512(p); }
  static F loadf(const float* p) { return _mm512_loadu_ps(p); }
  static V unpacklo8(V a, V b) { return _mm512_unpacklo_epi8(a, b); }
  static V unpackhi8(V a, V b) { return _mm512_unpackhi_epi8(a, b); }
  static V unpacklo16(V a, V b) { return _mm512_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm512_unpackhi_epi16(a, b); }
  // acc + the four u8 x s8 products of each lane. Inline asm for GCC, which otherwise copies
  // loop-carried accumulators through scratch registers around the intrinsic (see
  // qdwconv-avx512vnni.cpp's dpwssd).
  static V dpbusd(V acc, V a, const int8_t* w) {
#if defined(__GNUC__) && !defined(__clang__)
    asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "m"(*reinterpret_cast<const __m512i*>(w)));
    return acc;
#else
    return _mm512_dpbusd_epi32(acc, a, _mm512_loadu_si512(w));
#endif
  }
  static V requant(V acc, F mult, F hi) {
    return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult), hi));
  }
  static V set16(int32_t v) { return _mm512_set1_epi16(static_cast<int16_t>(v)); }
  static F setf(float v) { return _mm512_set1_ps(v); }
  static V packs32(V a, V b) { return _mm512_packs_epi32(a, b); }
  static V adds16(V a, V b) { return _mm512_adds_epi16(a, b); }
  static V max16(V a, V b) { return _mm512_max_epi16(a, b); }
  static V packs16(V a, V b) { return _mm512_packs_epi16(a, b); }
  static V packus16(V a, V b) { return _mm512_packus_epi16(a, b); }
  static void store(uint8_t* out, V v, Mask m) {
    if (m == ~Mask(0)) {
      _mm512_storeu_si512(out, v);
    } else {
      _mm512_mask_storeu_epi8(out, m, v);
    }
  }
};

struct Ymm {
  using V = __m256i;
  using F = __m256;
  using Mask = __mmask32;
  static constexpr size_t kWidth = 32;
  static Mask mask(size_t n) { return n >= 32 ? ~Mask(0) : static_cast<Mask>((1u << n) - 1u); }
  static V load_bytes(const uint8_t* p, Mask m) { return _mm256_maskz_loadu_epi8(m, p); }
  static V set_bytes(uint8_t b, Mask m) { return _mm256_maskz_set1_epi8(m, static_cast<char>(b)); }
  static V load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static F loadf(const float* p) { return _mm256_loadu_ps(p); }
  static V unpacklo8(V a, V b) { return _mm256_unpacklo_epi8(a, b); }
  static V unpackhi8(V a, V b) { return _mm256_unpackhi_epi8(a, b); }
  static V unpacklo16(V a, V b) { return _mm256_unpacklo_epi16(a, b); }
  static V unpackhi16(V a, V b) { return _mm256_unpackhi_epi16(a, b); }
  static V dpbusd(V acc, V a, const int8_t* w) {
#if defined(__GNUC__) && !defined(__clang__)
    asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "m"(*reinterpret_cast<const __m256i*>(w)));
    return acc;
#else
    return _mm256_dpbusd_epi32(acc, a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
#endif
  }
  static V requant(V acc, F mult, F hi) {
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc), mult), hi));
  }
  static V set16(int32_t v) { return _mm256_set1_epi16(static_cast<int16_t>(v)); }
  static F setf(float v) { return _mm256_set1_ps(v); }
  static V packs32(V a, V b) { return _mm256_packs_epi32(a, b); }
  static V adds16(V a, V b) { return _mm256_adds_epi16(a, b); }
  static V max16(V a, V b) { return _mm256_max_epi16(a, b); }
  static V packs16(V a, V b) { return _mm256_packs_epi16(a, b); }
  static V packus16(V a, V b) { return _mm256_packus_epi16(a, b); }
  static void store(uint8_t* out, V v, Mask m) {
    if (m == ~Mask(0)) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), v);
    } else {
      _mm256_mask_storeu_epi8(out, m, v);
    }
  }
};

// One block of channels [c0, c0 + n) (n <= T::kWidth) of one output row. kStride 1 or 2 keeps byte
// pairs across pixels; 0: any stride, every pair made afresh.
template <class T, bool kSigned, size_t kStride>
void block(size_t c0, size_t n, size_t channels, size_t out_width, size_t stride, const uint8_t* const* rows,
           size_t width, size_t pad_left, uint8_t za, const int8_t* weights, size_t w_row, const int32_t* col_init,
           const float* multiplier, uint8_t* out, size_t output_stride, const QDwConvParams* p) {
  using V = typename T::V;
  using F = typename T::F;
  constexpr size_t W = T::kWidth;
  const typename T::Mask m = T::mask(n);
  const V zv = T::set_bytes(za, m);
  // Padded column j of row r: the input pixel's block, or the zero point in the padding.
  auto column = [&](size_t r, size_t j) -> V {
    const size_t i = j - pad_left;  // wraps for j < pad_left
    if (rows[r] == nullptr || j < pad_left || i >= width) return zv;
    return T::load_bytes(rows[r] + i * channels + c0, m);
  };
  struct Pair {
    V lo, hi;
  };
  auto pair = [](V a, V b) { return Pair{T::unpacklo8(a, b), T::unpackhi8(a, b)}; };
  V init[4];
  F mult[4];
  for (size_t k = 0; k < 4; ++k) {
    init[k] = T::load(col_init + c0 + k * W / 4);
    mult[k] = T::loadf(multiplier + c0 + k * W / 4);
  }
  const F hi = T::setf(static_cast<float>(p->qmax - p->zero_point));
  const V zp16 = T::set16(p->zero_point), qmin16 = T::set16(p->qmin);
  const bool clamp_low = p->qmin > (kSigned ? -128 : 0);
  const int8_t* w = weights + 4 * c0;  // row r's vector k at w + r * w_row + k * W
  // Per row, kept for the next pixel (j = ow * stride): stride 1: P(j), P(j + 1), X(j + 2), X(j + 3);
  // stride 2: P(j).
  Pair p0[3], p1[3];
  V x2[3], x3[3];
  if constexpr (kStride == 1) {
    for (size_t r = 0; r < 3; ++r) {
      const V a = column(r, 0), b = column(r, 1);
      x2[r] = column(r, 2);
      x3[r] = column(r, 3);
      p0[r] = pair(a, b);
      p1[r] = pair(b, x2[r]);
    }
  } else if constexpr (kStride == 2) {
    for (size_t r = 0; r < 3; ++r) p0[r] = pair(column(r, 0), column(r, 1));
  }
  for (size_t ow = 0; ow < out_width; ++ow) {
    V acc[4] = {init[0], init[1], init[2], init[3]};
    const size_t j = ow * stride;
#pragma GCC unroll 3
    for (size_t r = 0; r < 3; ++r) {
      Pair a, b;  // P(j), P(j + 2)
      if constexpr (kStride == 1) {
        a = p0[r];
        b = pair(x2[r], x3[r]);
        p0[r] = p1[r];
        p1[r] = b;
        x2[r] = x3[r];
        x3[r] = column(r, j + 4);
      } else if constexpr (kStride == 2) {
        a = p0[r];
        b = pair(column(r, j + 2), column(r, j + 3));
        p0[r] = b;
      } else {
        a = pair(column(r, j), column(r, j + 1));
        b = pair(column(r, j + 2), column(r, j + 3));
      }
      const int8_t* wr = w + r * w_row;
      acc[0] = T::dpbusd(acc[0], T::unpacklo16(a.lo, b.lo), wr);
      acc[1] = T::dpbusd(acc[1], T::unpackhi16(a.lo, b.lo), wr + W);
      acc[2] = T::dpbusd(acc[2], T::unpacklo16(a.hi, b.hi), wr + 2 * W);
      acc[3] = T::dpbusd(acc[3], T::unpackhi16(a.hi, b.hi), wr + 3 * W);
    }
    V t01 = T::adds16(T::packs32(T::requant(acc[0], mult[0], hi), T::requant(acc[1], mult[1], hi)), zp16);
    V t23 = T::adds16(T::packs32(T::requant(acc[2], mult[2], hi), T::requant(acc[3], mult[3], hi)), zp16);
    if (clamp_low) {
      t01 = T::max16(t01, qmin16);
      t23 = T::max16(t23, qmin16);
    }
    T::store(out + ow * output_stride + c0, kSigned ? T::packs16(t01, t23) : T::packus16(t01, t23), m);
  }
}

template <bool kSigned, size_t kStride>
void rowq(size_t channels, size_t out_width, size_t stride, const uint8_t* const* rows, size_t width, size_t pad_left,
          uint8_t za, const int8_t* weights, const int32_t* col_init, const float* multiplier, void* output,
          size_t output_stride, const QDwConvParams* p) {
  const size_t w_row = 4 * qdwconv_rowq_padded_channels(channels);
  auto* out = static_cast<uint8_t*>(output);
  for (size_t c0 = 0; c0 < channels; c0 += 64) {
    const size_t n = channels - c0;
    if (n > 32) {
      block<Zmm, kSigned, kStride>(c0, n < 64 ? n : 64, channels, out_width, stride, rows, width, pad_left, za,
                                   weights, w_row, col_init, multiplier, out, output_stride, p);
    } else {
      block<Ymm, kSigned, kStride>(c0, n, channels, out_width, stride, rows, width, pad_left, za, weights, w_row,
                                   col_init, multiplier, out, output_stride, p);
    }
  }
}

template <bool kSigned>
void rowq_stride(size_t channels, size_t out_width, size_t stride, const uint8_t* const* rows, size_t width,
                 size_t pad_left, uint8_t za, const int8_t* weights, const int32_t* col_init, const float* multiplier,
                 void* output, size_t output_stride, const QDwConvParams* p) {
  auto* fn = stride == 1 ? &rowq<kSigned, 1> : stride == 2 ? &rowq<kSigned, 2> : &rowq<kSigned, 0>;
  fn(channels, out_width, stride, rows, width, pad_left, za, weights, col_init, multiplier, output, output_stride, p);
}

}  // namespace

void qu8_qs8w_dwconv_rowq_fp32__avx512vnni(size_t channels, size_t out_width, size_t stride, const uint8_t* const* rows,
                                           size_t width, size_t pad_left, uint8_t za, const int8_t* weights,
                                           const int32_t* col_init, const float* multiplier, void* output,
                                           size_t output_stride, const QDwConvParams* p) {
  assert(channels >= 1 && out_width >= 1 && stride >= 1);
  if (p->output == QDwConvOutput::QS8) {
    rowq_stride<true>(channels, out_width, stride, rows, width, pad_left, za, weights, col_init, multiplier, output,
                      output_stride, p);
  } else {
    rowq_stride<false>(channels, out_width, stride, rows, width, pad_left, za, weights, col_init, multiplier, output,
                       output_stride, p);
  }
}

}  // namespace octet::kernels

#endif  // defined(OCTET_ARCH_X86)
