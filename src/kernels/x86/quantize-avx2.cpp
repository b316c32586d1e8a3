// quantize-avx2.cpp: AVX2 quantize / dequantize / requantize kernels, bit-exact with quantize-scalar.cpp.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/quantize_kernels.h"
#include "kernels/quantize_ukernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX-512 file has helpers of the same shape built with
// other flags, and one shared inline definition would let the linker run AVX-512 code on AVX2 CPUs.
// For the same reason nothing here calls inline library functions (std::min, std::nearbyint, ...).
namespace {

// Lanes [0, n) set, for n in 1..7: a window into {-1 x 8, 0 x 8}.
alignas(64) constexpr int32_t kTailMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                    0,  0,  0,  0,  0,  0,  0,  0};

inline __m256i tail_mask(size_t n) {
  assert(n > 0 && n < 8);
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kTailMaskTable[8 - n]));
}

// Reads exactly n < 8 bytes into the low bytes of a vector (no over-read past the end of x).
inline __m128i load_tail_bytes(const void* x, size_t n) {
  const uint8_t* in = static_cast<const uint8_t*>(x);
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
inline void store_tail_bytes(void* y, size_t n, __m128i v) {
  uint8_t* out = static_cast<uint8_t*>(y);
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

// --- quantize ------------------------------------------------------------------------------------

// Eight lanes of the scalar rule (quantize_value in ref/quantize-scalar.cpp), step for step:
// round in the current (MXCSR) mode without the inexact exception, which is what nearbyint does,
// add the zero point in float, clamp. minps(t, qmax) returns its SECOND operand when either is NaN,
// so NaN lands on qmax exactly as the scalar !(t <= qmax) does; after it no lane is NaN. Used by
// the channelwise kernels, whose zero points may be any int32.
inline __m256i quantize8(__m256 x, __m256 inv_scale, __m256 zero_point, __m256 qmin, __m256 qmax) {
  const __m256 r =
      _mm256_round_ps(_mm256_mul_ps(x, inv_scale), _MM_FROUND_CUR_DIRECTION | _MM_FROUND_NO_EXC);
  __m256 t = _mm256_add_ps(r, zero_point);
  t = _mm256_min_ps(t, qmax);
  t = _mm256_max_ps(t, qmin);
  return _mm256_cvttps_epi32(t);  // t is integral and inside [qmin, qmax]: no rounding, no overflow
}

// The per-tensor form (quantize and requantize): the same answers in fewer instructions. The
// product is clamped to [qmin - zp, qmax - zp] (exact: small integers), NaN landing on the high bound
// (minps returns its second operand), then rounded by cvtps2dq and shifted by the zero point in
// int32. It equals the rule above for every input: rounding is monotone and fixes integers, so
// clamping before rounding clamps the rounded value, and inside the range r + zp is exact in float.
// Both round in the MXCSR mode, as nearbyint does. Needs an in-range zero point (exact bounds).
inline __m256i quantize8_shifted(__m256 x, __m256 inv_scale, __m256 lo, __m256 hi, __m256i zero_point) {
  __m256 v = _mm256_mul_ps(x, inv_scale);
  v = _mm256_min_ps(v, hi);
  v = _mm256_max_ps(v, lo);
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), zero_point);
}

// The lanes are already inside the output type's range, so the saturating packs only narrow.
template <typename Out>
inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b);  // a0-3 b0-3 | a4-7 b4-7 (int16)
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i abcd = std::is_unsigned_v<Out> ? _mm256_packus_epi16(ab, cd)
                                               : _mm256_packs_epi16(ab, cd);
  // dwords now hold a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7: restore element order.
  return _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

template <typename Out>
inline __m128i pack8(__m256i a) {  // 8 bytes in the low half
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  return std::is_unsigned_v<Out> ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
}

// Quantize takes floats; requantize takes int32 accumulators converted like cvtdq2ps (to nearest even).
inline __m256 load8(const float* x) { return _mm256_loadu_ps(x); }
inline __m256 load8(const int32_t* x) {
  return _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)));
}
inline __m256 load8_masked(const float* x, __m256i mask) { return _mm256_maskload_ps(x, mask); }
inline __m256 load8_masked(const int32_t* x, __m256i mask) {
  return _mm256_cvtepi32_ps(_mm256_maskload_epi32(reinterpret_cast<const int*>(x), mask));
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
  const __m256 vinv = _mm256_set1_ps(inv_scale);
  const __m256i vzp = _mm256_set1_epi32(zero_point);
  const __m256 vlo = _mm256_set1_ps(static_cast<float>(qmin - zero_point));
  const __m256 vhi = _mm256_set1_ps(static_cast<float>(qmax - zero_point));
  for (; n >= 32; n -= 32) {
    const __m256i a = quantize8_shifted(load8(x), vinv, vlo, vhi, vzp);
    const __m256i b = quantize8_shifted(load8(x + 8), vinv, vlo, vhi, vzp);
    const __m256i c = quantize8_shifted(load8(x + 16), vinv, vlo, vhi, vzp);
    const __m256i d = quantize8_shifted(load8(x + 24), vinv, vlo, vhi, vzp);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), pack32<Out>(a, b, c, d));
    x += 32;
    y += 32;
  }
  for (; n >= 8; n -= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y),
                     pack8<Out>(quantize8_shifted(load8(x), vinv, vlo, vhi, vzp)));
    x += 8;
    y += 8;
  }
  if (n != 0) {
    const __m256i q = quantize8_shifted(load8_masked(x, tail_mask(n)), vinv, vlo, vhi, vzp);
    store_tail_bytes(y, n, pack8<Out>(q));
  }
}

// Channelwise: element i has its own inv_scale and zero point (converted to float like the scalar).
inline __m256i quantize8_cw(const float* x, const float* inv_scale, const int32_t* zero_point,
                            __m256 qmin, __m256 qmax) {
  const __m256 vzp =
      _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(zero_point)));
  return quantize8(_mm256_loadu_ps(x), _mm256_loadu_ps(inv_scale), vzp, qmin, qmax);
}

template <typename Out>
void quantize_cw(size_t n, const float* x, Out* y, const float* inv_scale,
                 const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr && inv_scale != nullptr && zero_point != nullptr));
  assert(qmin <= qmax && in_type_range<Out>(qmin) && in_type_range<Out>(qmax));
  const __m256 vqmin = _mm256_set1_ps(static_cast<float>(qmin));
  const __m256 vqmax = _mm256_set1_ps(static_cast<float>(qmax));
  for (; n >= 32; n -= 32) {
    const __m256i a = quantize8_cw(x, inv_scale, zero_point, vqmin, vqmax);
    const __m256i b = quantize8_cw(x + 8, inv_scale + 8, zero_point + 8, vqmin, vqmax);
    const __m256i c = quantize8_cw(x + 16, inv_scale + 16, zero_point + 16, vqmin, vqmax);
    const __m256i d = quantize8_cw(x + 24, inv_scale + 24, zero_point + 24, vqmin, vqmax);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), pack32<Out>(a, b, c, d));
    x += 32;
    inv_scale += 32;
    zero_point += 32;
    y += 32;
  }
  for (; n >= 8; n -= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y),
                     pack8<Out>(quantize8_cw(x, inv_scale, zero_point, vqmin, vqmax)));
    x += 8;
    inv_scale += 8;
    zero_point += 8;
    y += 8;
  }
  if (n != 0) {
    const __m256i mask = tail_mask(n);
    const __m256 vzp = _mm256_cvtepi32_ps(
        _mm256_maskload_epi32(reinterpret_cast<const int*>(zero_point), mask));
    const __m256i q = quantize8(_mm256_maskload_ps(x, mask), _mm256_maskload_ps(inv_scale, mask),
                                vzp, vqmin, vqmax);
    store_tail_bytes(y, n, pack8<Out>(q));
  }
}

// --- dequantize ----------------------------------------------------------------------------------

inline __m256i widen8(const uint8_t* x) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x)));
}
inline __m256i widen8(const int8_t* x) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x)));
}
inline __m256i widen8(const int32_t* x) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
}
inline __m256i widen8_tail(const uint8_t* x, size_t n) {
  return _mm256_cvtepu8_epi32(load_tail_bytes(x, n));
}
inline __m256i widen8_tail(const int8_t* x, size_t n) {
  return _mm256_cvtepi8_epi32(load_tail_bytes(x, n));
}
inline __m256i widen8_tail(const int32_t* x, size_t n) {
  return _mm256_maskload_epi32(reinterpret_cast<const int*>(x), tail_mask(n));
}

// (q - zero_point) in int32, exact whenever it cannot overflow: 8-bit inputs with an in-range zero
// point, or int32 inputs with zero point 0.
inline __m256 dequantize8(__m256i q, __m256i zero_point, __m256 scale) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, zero_point)), scale);
}

template <typename In>
void dequantize_int32_difference(size_t n, const In* x, float* y, float scale, int32_t zero_point) {
  const __m256i vzp = _mm256_set1_epi32(zero_point);
  const __m256 vscale = _mm256_set1_ps(scale);
  for (; n >= 32; n -= 32) {
    const __m256 a = dequantize8(widen8(x), vzp, vscale);
    const __m256 b = dequantize8(widen8(x + 8), vzp, vscale);
    const __m256 c = dequantize8(widen8(x + 16), vzp, vscale);
    const __m256 d = dequantize8(widen8(x + 24), vzp, vscale);
    _mm256_storeu_ps(y, a);
    _mm256_storeu_ps(y + 8, b);
    _mm256_storeu_ps(y + 16, c);
    _mm256_storeu_ps(y + 24, d);
    x += 32;
    y += 32;
  }
  for (; n >= 8; n -= 8) {
    _mm256_storeu_ps(y, dequantize8(widen8(x), vzp, vscale));
    x += 8;
    y += 8;
  }
  if (n != 0) _mm256_maskstore_ps(y, tail_mask(n), dequantize8(widen8_tail(x, n), vzp, vscale));
}

// int32 inputs with a nonzero zero point: q - zero_point may not fit int32, but it is exact in
// double, and double -> float rounds it once, as the scalar int64 -> float conversion does. Only the
// sign of a zero difference can differ: rounding downward, q - q is -0 in double but +0 as an
// integer, so lanes with q == zero_point are forced to +0.
inline __m256 dequantize8_exact(__m256i q, __m256i zero_point, __m256d zero_point_pd,
                                __m256 scale) {
  const __m256d lo =
      _mm256_sub_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(q)), zero_point_pd);
  const __m256d hi =
      _mm256_sub_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(q, 1)), zero_point_pd);
  __m256 d =
      _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
  d = _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(q, zero_point)), d);
  return _mm256_mul_ps(d, scale);
}

void dequantize_int32_exact(size_t n, const int32_t* x, float* y, float scale, int32_t zero_point) {
  const __m256i vzp = _mm256_set1_epi32(zero_point);
  const __m256d vzp_pd = _mm256_set1_pd(static_cast<double>(zero_point));
  const __m256 vscale = _mm256_set1_ps(scale);
  for (; n >= 16; n -= 16) {
    const __m256 a = dequantize8_exact(widen8(x), vzp, vzp_pd, vscale);
    const __m256 b = dequantize8_exact(widen8(x + 8), vzp, vzp_pd, vscale);
    _mm256_storeu_ps(y, a);
    _mm256_storeu_ps(y + 8, b);
    x += 16;
    y += 16;
  }
  for (; n >= 8; n -= 8) {
    _mm256_storeu_ps(y, dequantize8_exact(widen8(x), vzp, vzp_pd, vscale));
    x += 8;
    y += 8;
  }
  if (n != 0) {
    _mm256_maskstore_ps(y, tail_mask(n), dequantize8_exact(widen8_tail(x, n), vzp, vzp_pd, vscale));
  }
}

}  // namespace

void f32_qu8_vquantize__avx2(size_t n, const float* x, uint8_t* y, const QuantizeParams* p) {
  quantize_per_tensor(n, x, y, p->inv_scale, p->zero_point, p->qmin, p->qmax);
}

void f32_qs8_vquantize__avx2(size_t n, const float* x, int8_t* y, const QuantizeParams* p) {
  quantize_per_tensor(n, x, y, p->inv_scale, p->zero_point, p->qmin, p->qmax);
}

void f32_qu8_vquantize_cw__avx2(size_t n, const float* x, uint8_t* y, const float* inv_scale,
                                const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  quantize_cw(n, x, y, inv_scale, zero_point, qmin, qmax);
}

void f32_qs8_vquantize_cw__avx2(size_t n, const float* x, int8_t* y, const float* inv_scale,
                                const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  quantize_cw(n, x, y, inv_scale, zero_point, qmin, qmax);
}

void qu8_f32_vdequantize__avx2(size_t n, const uint8_t* x, float* y, const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<uint8_t>(p->zero_point));
  dequantize_int32_difference(n, x, y, p->scale, p->zero_point);
}

void qs8_f32_vdequantize__avx2(size_t n, const int8_t* x, float* y, const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<int8_t>(p->zero_point));
  dequantize_int32_difference(n, x, y, p->scale, p->zero_point);
}

void qs32_f32_vdequantize__avx2(size_t n, const int32_t* x, float* y, const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  if (p->zero_point == 0) {
    dequantize_int32_difference(n, x, y, p->scale, 0);
  } else {
    dequantize_int32_exact(n, x, y, p->scale, p->zero_point);
  }
}

void qs32_qu8_vrequantize__avx2(size_t n, const int32_t* acc, uint8_t* y,
                                const RequantizeParams* p) {
  quantize_per_tensor(n, acc, y, p->multiplier, p->zero_point, p->qmin, p->qmax);
}

void qs32_qs8_vrequantize__avx2(size_t n, const int32_t* acc, int8_t* y,
                                const RequantizeParams* p) {
  quantize_per_tensor(n, acc, y, p->multiplier, p->zero_point, p->qmin, p->qmax);
}

}  // namespace octet::kernels

#endif  // defined(OCTET_ARCH_X86)
