// quantize-avx512.cpp: AVX-512 quantize / dequantize / requantize kernels, bit-exact with quantize-scalar.cpp.
#if defined(OCTET_ARCH_X86)

// GCC 12 flags the intrinsics' own _mm512_undefined_*() placeholders as maybe-uninitialized (GCC
// bug 105593); the warning points into the header, so it is silenced for the header only.
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
#include <type_traits>

#include "kernels/quantize_kernels.h"
#include "kernels/quantize_ukernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX2 file has helpers of the same shape, and one
// shared inline definition would let the linker pick this file's AVX-512 code for AVX2-only CPUs.
// For the same reason nothing here calls inline library functions (std::min, std::nearbyint, ...).
namespace {

// Lanes [0, n) set, for n in 1..15. Masked loads never fault on the lanes left out.
inline __mmask16 tail_mask(size_t n) {
  assert(n > 0 && n < 16);
  return static_cast<__mmask16>((1u << n) - 1u);
}

// --- quantize ------------------------------------------------------------------------------------

// Sixteen lanes of the scalar rule (quantize_value in ref/quantize-scalar.cpp), step for step:
// round in the current (MXCSR) mode without the inexact exception, which is what nearbyint does,
// add the zero point in float, clamp. minps(t, qmax) returns its SECOND operand when either is NaN,
// so NaN lands on qmax exactly as the scalar !(t <= qmax) does; after it no lane is NaN. Used by
// the channelwise kernels, whose zero points may be any int32.
inline __m512i quantize16(__m512 x, __m512 inv_scale, __m512 zero_point, __m512 qmin, __m512 qmax) {
  const __m512 r = _mm512_roundscale_ps(_mm512_mul_ps(x, inv_scale),
                                        _MM_FROUND_CUR_DIRECTION | _MM_FROUND_NO_EXC);
  __m512 t = _mm512_add_ps(r, zero_point);
  t = _mm512_min_ps(t, qmax);
  t = _mm512_max_ps(t, qmin);
  return _mm512_cvttps_epi32(t);  // t is integral and inside [qmin, qmax]: no rounding, no overflow
}

// The per-tensor form (quantize and requantize): the same answers in fewer instructions. The
// product is clamped to [qmin - zp, qmax - zp] (exact: small integers), NaN landing on the high bound
// (minps returns its second operand), then rounded by cvtps2dq and shifted by the zero point in
// int32. It equals the rule above for every input: rounding is monotone and fixes integers, so
// clamping before rounding clamps the rounded value, and inside the range r + zp is exact in float.
// Both round in the MXCSR mode, as nearbyint does. Needs an in-range zero point (exact bounds).
inline __m512i quantize16_shifted(__m512 x, __m512 inv_scale, __m512 lo, __m512 hi, __m512i zero_point) {
  __m512 v = _mm512_mul_ps(x, inv_scale);
  v = _mm512_min_ps(v, hi);
  v = _mm512_max_ps(v, lo);
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point);
}

// The lanes are already inside the output type's range, so the saturating packs only narrow.
template <typename Out>
inline __m512i pack64(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab = _mm512_packs_epi32(a, b);  // per 128-bit lane k: a[4k..4k+3] b[4k..4k+3]
  const __m512i cd = _mm512_packs_epi32(c, d);
  const __m512i abcd = std::is_unsigned_v<Out> ? _mm512_packus_epi16(ab, cd)
                                               : _mm512_packs_epi16(ab, cd);
  // dword 4k+j holds 4 bytes of source j (a, b, c, d) from lane k: gather a's, then b's, ...
  const __m512i order =
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_epi32(order, abcd);
}

// Values are in range, so the truncating vpmovdb narrows exactly.
inline __m128i narrow16(__m512i a) { return _mm512_cvtepi32_epi8(a); }

// Quantize takes floats; requantize takes int32 accumulators converted like cvtdq2ps (to nearest even).
inline __m512 load16(const float* x) { return _mm512_loadu_ps(x); }
inline __m512 load16(const int32_t* x) { return _mm512_cvtepi32_ps(_mm512_loadu_si512(x)); }
inline __m512 load16_masked(const float* x, __mmask16 m) { return _mm512_maskz_loadu_ps(m, x); }
inline __m512 load16_masked(const int32_t* x, __mmask16 m) {
  return _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, x));
}

template <typename Out>
constexpr bool in_type_range(int32_t v) {
  return std::is_unsigned_v<Out> ? (v >= 0 && v <= 255) : (v >= -128 && v <= 127);
}

template <typename In, typename Out>
void quantize_per_tensor(size_t n, const In* x, Out* y, float inv_scale, int32_t zero_point,
                         int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(qmin <= qmax && in_type_range<Out>(qmin) && in_type_range<Out>(qmax));
  assert(in_type_range<Out>(zero_point));
  const __m512 vinv = _mm512_set1_ps(inv_scale);
  const __m512i vzp = _mm512_set1_epi32(zero_point);
  const __m512 vlo = _mm512_set1_ps(static_cast<float>(qmin - zero_point));
  const __m512 vhi = _mm512_set1_ps(static_cast<float>(qmax - zero_point));
  for (; n >= 64; n -= 64) {
    const __m512i a = quantize16_shifted(load16(x), vinv, vlo, vhi, vzp);
    const __m512i b = quantize16_shifted(load16(x + 16), vinv, vlo, vhi, vzp);
    const __m512i c = quantize16_shifted(load16(x + 32), vinv, vlo, vhi, vzp);
    const __m512i d = quantize16_shifted(load16(x + 48), vinv, vlo, vhi, vzp);
    _mm512_storeu_si512(y, pack64<Out>(a, b, c, d));
    x += 64;
    y += 64;
  }
  for (; n >= 16; n -= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y),
                     narrow16(quantize16_shifted(load16(x), vinv, vlo, vhi, vzp)));
    x += 16;
    y += 16;
  }
  if (n != 0) {
    const __mmask16 m = tail_mask(n);
    _mm_mask_storeu_epi8(y, m, narrow16(quantize16_shifted(load16_masked(x, m), vinv, vlo, vhi, vzp)));
  }
}

// Channelwise: element i has its own inv_scale and zero point (converted to float like the scalar).
inline __m512i quantize16_cw(const float* x, const float* inv_scale, const int32_t* zero_point,
                             __m512 qmin, __m512 qmax) {
  const __m512 vzp = _mm512_cvtepi32_ps(_mm512_loadu_si512(zero_point));
  return quantize16(_mm512_loadu_ps(x), _mm512_loadu_ps(inv_scale), vzp, qmin, qmax);
}

template <typename Out>
void quantize_cw(size_t n, const float* x, Out* y, const float* inv_scale,
                 const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr && inv_scale != nullptr && zero_point != nullptr));
  assert(qmin <= qmax && in_type_range<Out>(qmin) && in_type_range<Out>(qmax));
  const __m512 vqmin = _mm512_set1_ps(static_cast<float>(qmin));
  const __m512 vqmax = _mm512_set1_ps(static_cast<float>(qmax));
  for (; n >= 64; n -= 64) {
    const __m512i a = quantize16_cw(x, inv_scale, zero_point, vqmin, vqmax);
    const __m512i b = quantize16_cw(x + 16, inv_scale + 16, zero_point + 16, vqmin, vqmax);
    const __m512i c = quantize16_cw(x + 32, inv_scale + 32, zero_point + 32, vqmin, vqmax);
    const __m512i d = quantize16_cw(x + 48, inv_scale + 48, zero_point + 48, vqmin, vqmax);
    _mm512_storeu_si512(y, pack64<Out>(a, b, c, d));
    x += 64;
    inv_scale += 64;
    zero_point += 64;
    y += 64;
  }
  for (; n >= 16; n -= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y),
                     narrow16(quantize16_cw(x, inv_scale, zero_point, vqmin, vqmax)));
    x += 16;
    inv_scale += 16;
    zero_point += 16;
    y += 16;
  }
  if (n != 0) {
    const __mmask16 m = tail_mask(n);
    const __m512 vzp = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, zero_point));
    const __m512i q = quantize16(_mm512_maskz_loadu_ps(m, x), _mm512_maskz_loadu_ps(m, inv_scale),
                                 vzp, vqmin, vqmax);
    _mm_mask_storeu_epi8(y, m, narrow16(q));
  }
}

// --- dequantize ----------------------------------------------------------------------------------

inline __m512i widen16(const uint8_t* x) {
  return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
}
inline __m512i widen16(const int8_t* x) {
  return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
}
inline __m512i widen16(const int32_t* x) { return _mm512_loadu_si512(x); }
inline __m512i widen16_masked(const uint8_t* x, __mmask16 m) {
  return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, x));
}
inline __m512i widen16_masked(const int8_t* x, __mmask16 m) {
  return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, x));
}
inline __m512i widen16_masked(const int32_t* x, __mmask16 m) {
  return _mm512_maskz_loadu_epi32(m, x);
}

// (q - zero_point) in int32, exact whenever it cannot overflow: 8-bit inputs with an in-range zero
// point, or int32 inputs with zero point 0.
inline __m512 dequantize16(__m512i q, __m512i zero_point, __m512 scale) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q, zero_point)), scale);
}

template <typename In>
void dequantize_int32_difference(size_t n, const In* x, float* y, float scale, int32_t zero_point) {
  const __m512i vzp = _mm512_set1_epi32(zero_point);
  const __m512 vscale = _mm512_set1_ps(scale);
  for (; n >= 64; n -= 64) {
    const __m512 a = dequantize16(widen16(x), vzp, vscale);
    const __m512 b = dequantize16(widen16(x + 16), vzp, vscale);
    const __m512 c = dequantize16(widen16(x + 32), vzp, vscale);
    const __m512 d = dequantize16(widen16(x + 48), vzp, vscale);
    _mm512_storeu_ps(y, a);
    _mm512_storeu_ps(y + 16, b);
    _mm512_storeu_ps(y + 32, c);
    _mm512_storeu_ps(y + 48, d);
    x += 64;
    y += 64;
  }
  for (; n >= 16; n -= 16) {
    _mm512_storeu_ps(y, dequantize16(widen16(x), vzp, vscale));
    x += 16;
    y += 16;
  }
  if (n != 0) {
    const __mmask16 m = tail_mask(n);
    _mm512_mask_storeu_ps(y, m, dequantize16(widen16_masked(x, m), vzp, vscale));
  }
}

// int32 inputs with a nonzero zero point: q - zero_point may not fit int32, so it is formed in
// int64 (exact, and +0 when zero, as in the scalar) and rounded to float once by vcvtqq2ps.
inline __m512 dequantize16_exact(__m512i q, __m512i zero_point, __m512 scale) {
  const __m512i lo = _mm512_sub_epi64(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(q)), zero_point);
  const __m512i hi =
      _mm512_sub_epi64(_mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(q, 1)), zero_point);
  const __m512 d =
      _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtepi64_ps(lo)), _mm512_cvtepi64_ps(hi), 1);
  return _mm512_mul_ps(d, scale);
}

void dequantize_int32_exact(size_t n, const int32_t* x, float* y, float scale, int32_t zero_point) {
  const __m512i vzp = _mm512_set1_epi64(zero_point);
  const __m512 vscale = _mm512_set1_ps(scale);
  for (; n >= 32; n -= 32) {
    const __m512 a = dequantize16_exact(widen16(x), vzp, vscale);
    const __m512 b = dequantize16_exact(widen16(x + 16), vzp, vscale);
    _mm512_storeu_ps(y, a);
    _mm512_storeu_ps(y + 16, b);
    x += 32;
    y += 32;
  }
  for (; n >= 16; n -= 16) {
    _mm512_storeu_ps(y, dequantize16_exact(widen16(x), vzp, vscale));
    x += 16;
    y += 16;
  }
  if (n != 0) {
    const __mmask16 m = tail_mask(n);
    _mm512_mask_storeu_ps(y, m, dequantize16_exact(widen16_masked(x, m), vzp, vscale));
  }
}

}  // namespace

void f32_qu8_vquantize__avx512(size_t n, const float* x, uint8_t* y, const QuantizeParams* p) {
  quantize_per_tensor(n, x, y, p->inv_scale, p->zero_point, p->qmin, p->qmax);
}

void f32_qs8_vquantize__avx512(size_t n, const float* x, int8_t* y, const QuantizeParams* p) {
  quantize_per_tensor(n, x, y, p->inv_scale, p->zero_point, p->qmin, p->qmax);
}

void f32_qu8_vquantize_cw__avx512(size_t n, const float* x, uint8_t* y, const float* inv_scale,
                                  const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  quantize_cw(n, x, y, inv_scale, zero_point, qmin, qmax);
}

void f32_qs8_vquantize_cw__avx512(size_t n, const float* x, int8_t* y, const float* inv_scale,
                                  const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  quantize_cw(n, x, y, inv_scale, zero_point, qmin, qmax);
}

void qu8_f32_vdequantize__avx512(size_t n, const uint8_t* x, float* y, const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<uint8_t>(p->zero_point));
  dequantize_int32_difference(n, x, y, p->scale, p->zero_point);
}

void qs8_f32_vdequantize__avx512(size_t n, const int8_t* x, float* y, const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<int8_t>(p->zero_point));
  dequantize_int32_difference(n, x, y, p->scale, p->zero_point);
}

void qs32_f32_vdequantize__avx512(size_t n, const int32_t* x, float* y,
                                  const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  if (p->zero_point == 0) {
    dequantize_int32_difference(n, x, y, p->scale, 0);
  } else {
    dequantize_int32_exact(n, x, y, p->scale, p->zero_point);
  }
}

void qs32_qu8_vrequantize__avx512(size_t n, const int32_t* acc, uint8_t* y,
                                  const RequantizeParams* p) {
  quantize_per_tensor(n, acc, y, p->multiplier, p->zero_point, p->qmin, p->qmax);
}

void qs32_qs8_vrequantize__avx512(size_t n, const int32_t* acc, int8_t* y,
                                  const RequantizeParams* p) {
  quantize_per_tensor(n, acc, y, p->multiplier, p->zero_point, p->qmin, p->qmax);
}

}  // namespace octet::kernels

#endif  // defined(OCTET_ARCH_X86)
