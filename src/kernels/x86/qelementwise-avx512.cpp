// qelementwise-avx512.cpp: AVX-512 8-bit add / mul / clamp / lookup kernels, bit-exact with qelementwise-scalar.cpp.
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

#include "kernels/qelementwise_kernels.h"
#include "kernels/qelementwise_ukernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX2 file has helpers of the same shape, and one
// shared inline definition would let the linker pick this file's AVX-512 code for AVX2-only CPUs.
// For the same reason nothing here calls inline library functions (std::min, std::nearbyint, ...).
namespace {

// Lanes [0, n) set. Masked loads never fault on the lanes left out; masked stores leave them alone.
inline __mmask16 mask16(size_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}
inline __mmask32 mask32(size_t n) { return n >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((uint32_t{1} << n) - 1u); }
inline __mmask64 mask64(size_t n) { return n >= 64 ? ~__mmask64{0} : static_cast<__mmask64>((uint64_t{1} << n) - 1u); }

// Sixteen bytes (or the first n of them) widened to int32 lanes.
inline __m512i widen16(__m128i v, std::true_type /*unsigned*/) { return _mm512_cvtepu8_epi32(v); }
inline __m512i widen16(__m128i v, std::false_type /*signed*/) { return _mm512_cvtepi8_epi32(v); }
template <typename T>
inline __m512i load_widen16(const T* p, __mmask16 m) {
  return widen16(_mm_maskz_loadu_epi8(m, p), std::is_unsigned<T>{});
}
// Thirty-two bytes (or the first n) widened to int16 lanes.
inline __m512i widen32(__m256i v, std::true_type /*unsigned*/) { return _mm512_cvtepu8_epi16(v); }
inline __m512i widen32(__m256i v, std::false_type /*signed*/) { return _mm512_cvtepi8_epi16(v); }
template <typename T>
inline __m512i load_widen32(const T* p, __mmask32 m) {
  return widen32(_mm256_maskz_loadu_epi8(m, p), std::is_unsigned<T>{});
}

// The quantize rule after the multiply (see qelementwise-avx2.cpp): clamp to [qmin - zp, qmax - zp]
// with NaN on the high bound, round in the MXCSR mode, add the zero point in int32.
inline __m512i round_clamp16(__m512 v, __m512 lo, __m512 hi, __m512i zero_point) {
  v = _mm512_min_ps(v, hi);
  v = _mm512_max_ps(v, lo);
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point);
}

// Four vectors of in-range int32 lanes to 64 bytes in element order (the packs only narrow).
template <typename T>
inline __m512i pack64(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab = _mm512_packs_epi32(a, b);  // per 128-bit lane k: a[4k..4k+3] b[4k..4k+3]
  const __m512i cd = _mm512_packs_epi32(c, d);
  const __m512i abcd = std::is_unsigned_v<T> ? _mm512_packus_epi16(ab, cd) : _mm512_packs_epi16(ab, cd);
  // dword 4k+j holds 4 bytes of source j (a, b, c, d) from lane k: gather a's, then b's, ...
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_epi32(order, abcd);
}

template <typename T>
constexpr bool in_type_range(int32_t v) {
  return std::is_unsigned_v<T> ? (v >= 0 && v <= 255) : (v >= -128 && v <= 127);
}

// --- add ----------------------------------------------------------------------------------------------

struct AddConstants {
  __m512 a_scale, a_bias, b_scale, b_bias, inv_output_scale, lo, hi;
  __m512i zero_point;

  explicit AddConstants(const QAddParams* p)
      : a_scale(_mm512_set1_ps(p->a_scale)),
        a_bias(_mm512_set1_ps(p->a_bias)),
        b_scale(_mm512_set1_ps(p->b_scale)),
        b_bias(_mm512_set1_ps(p->b_bias)),
        inv_output_scale(_mm512_set1_ps(p->inv_output_scale)),
        lo(_mm512_set1_ps(static_cast<float>(p->qmin - p->output_zero_point))),
        hi(_mm512_set1_ps(static_cast<float>(p->qmax - p->output_zero_point))),
        zero_point(_mm512_set1_epi32(p->output_zero_point)) {}
};

// Sixteen outputs (int32 lanes) of the first n elements (n <= 16; lanes past n are garbage).
template <typename T, bool kScalarB>
inline __m512i add16(const T* a, const T* b, __m512 z_scalar, const AddConstants& k, __mmask16 m) {
  const __m512 x = _mm512_fmadd_ps(k.a_scale, _mm512_cvtepi32_ps(load_widen16(a, m)), k.a_bias);
  __m512 z = z_scalar;
  if constexpr (!kScalarB) z = _mm512_fmadd_ps(k.b_scale, _mm512_cvtepi32_ps(load_widen16(b, m)), k.b_bias);
  return round_clamp16(_mm512_mul_ps(_mm512_add_ps(x, z), k.inv_output_scale), k.lo, k.hi, k.zero_point);
}

template <typename T, bool kScalarB>
void vadd(size_t n, const T* a, const T* b, T* y, const QAddParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  assert(p->qmin <= p->qmax && in_type_range<T>(p->qmin) && in_type_range<T>(p->qmax));
  assert(in_type_range<T>(p->output_zero_point));
  if (n == 0) return;
  const AddConstants k(p);
  // The scalar b term, with the vector kernel's own fma: the same bits as its lanes would hold.
  const __m512 z_scalar = kScalarB ? _mm512_fmadd_ps(k.b_scale, _mm512_set1_ps(static_cast<float>(b[0])), k.b_bias)
                                   : _mm512_setzero_ps();
  const __mmask16 all = mask16(16);
  const size_t bstep = kScalarB ? 0 : 1;
  for (; n >= 64; n -= 64) {
    const __m512i q0 = add16<T, kScalarB>(a, b, z_scalar, k, all);
    const __m512i q1 = add16<T, kScalarB>(a + 16, b + 16 * bstep, z_scalar, k, all);
    const __m512i q2 = add16<T, kScalarB>(a + 32, b + 32 * bstep, z_scalar, k, all);
    const __m512i q3 = add16<T, kScalarB>(a + 48, b + 48 * bstep, z_scalar, k, all);
    _mm512_storeu_si512(y, pack64<T>(q0, q1, q2, q3));
    a += 64;
    b += 64 * bstep;
    y += 64;
  }
  while (n != 0) {
    const size_t len = n < 16 ? n : 16;
    const __mmask16 m = mask16(len);
    // In-range values: the truncating vpmovdb narrows exactly.
    _mm_mask_storeu_epi8(y, m, _mm512_cvtepi32_epi8(add16<T, kScalarB>(a, b, z_scalar, k, m)));
    a += len;
    b += len * bstep;
    y += len;
    n -= len;
  }
}

// --- mul ----------------------------------------------------------------------------------------------

struct MulConstants {
  __m512i a_zero_point, b_zero_point;  // int16 lanes
  __m512 multiplier, lo, hi;
  __m512i zero_point;

  explicit MulConstants(const QMulParams* p)
      : a_zero_point(_mm512_set1_epi16(static_cast<int16_t>(p->a_zero_point))),
        b_zero_point(_mm512_set1_epi16(static_cast<int16_t>(p->b_zero_point))),
        multiplier(_mm512_set1_ps(p->multiplier)),
        lo(_mm512_set1_ps(static_cast<float>(p->qmin - p->output_zero_point))),
        hi(_mm512_set1_ps(static_cast<float>(p->qmax - p->output_zero_point))),
        zero_point(_mm512_set1_epi32(p->output_zero_point)) {}
};

// Thirty-two outputs (int16 lanes, in order) of the first n elements. mullo/mulhi give each exact
// 32-bit product in two halves; unpacking interleaves them into int32 lanes (per 128-bit lane:
// elements 0-3 from lo, 4-7 from hi) and packs_epi32 restores the order.
template <typename T, bool kScalarB>
inline __m512i mul32(const T* a, const T* b, __m512i b_scalar, const MulConstants& k, __mmask32 m) {
  const __m512i az = _mm512_sub_epi16(load_widen32(a, m), k.a_zero_point);
  __m512i bz = b_scalar;
  if constexpr (!kScalarB) bz = _mm512_sub_epi16(load_widen32(b, m), k.b_zero_point);
  const __m512i plo = _mm512_mullo_epi16(az, bz);
  const __m512i phi = _mm512_mulhi_epi16(az, bz);
  const __m512i acc0 = _mm512_unpacklo_epi16(plo, phi);
  const __m512i acc1 = _mm512_unpackhi_epi16(plo, phi);
  const __m512i q0 = round_clamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(acc0), k.multiplier), k.lo, k.hi, k.zero_point);
  const __m512i q1 = round_clamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(acc1), k.multiplier), k.lo, k.hi, k.zero_point);
  return _mm512_packs_epi32(q0, q1);
}

template <typename T, bool kScalarB>
void vmul(size_t n, const T* a, const T* b, T* y, const QMulParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  assert(in_type_range<T>(p->a_zero_point) && in_type_range<T>(p->b_zero_point));
  assert(p->qmin <= p->qmax && in_type_range<T>(p->qmin) && in_type_range<T>(p->qmax));
  assert(in_type_range<T>(p->output_zero_point));
  if (n == 0) return;
  const MulConstants k(p);
  const __m512i b_scalar =
      kScalarB ? _mm512_set1_epi16(static_cast<int16_t>(b[0] - p->b_zero_point)) : _mm512_setzero_si512();
  const size_t bstep = kScalarB ? 0 : 1;
  const __mmask32 all = mask32(32);
  for (; n >= 64; n -= 64) {
    const __m512i w0 = mul32<T, kScalarB>(a, b, b_scalar, k, all);
    const __m512i w1 = mul32<T, kScalarB>(a + 32, b + 32 * bstep, b_scalar, k, all);
    const __m512i bytes = std::is_unsigned_v<T> ? _mm512_packus_epi16(w0, w1) : _mm512_packs_epi16(w0, w1);
    // qword 2k holds w0's lane k, 2k+1 w1's lane k: gather w0's four, then w1's.
    _mm512_storeu_si512(y, _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), bytes));
    a += 64;
    b += 64 * bstep;
    y += 64;
  }
  while (n != 0) {
    const size_t len = n < 32 ? n : 32;
    const __mmask32 m = mask32(len);
    // In-range int16 values: the truncating vpmovwb narrows exactly.
    _mm256_mask_storeu_epi8(y, m, _mm512_cvtepi16_epi8(mul32<T, kScalarB>(a, b, b_scalar, k, m)));
    a += len;
    b += len * bstep;
    y += len;
    n -= len;
  }
}

// --- lookup -------------------------------------------------------------------------------------------

// The vpshufb row scheme of qelementwise-avx2.cpp (LutRows), 64 bytes at a time.
struct LutRows {
  __m512i d[16];

  explicit LutRows(const uint8_t* table) {
    __m512i t[16];
    for (int k = 0; k < 16; ++k) {
      t[k] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * k)));
    }
    d[0] = t[0];
    for (int j = 1; j < 8; ++j) d[j] = _mm512_xor_si512(t[j], t[j - 1]);
    d[8] = _mm512_xor_si512(_mm512_xor_si512(t[8], t[7]), t[0]);
    for (int m = 1; m < 8; ++m) {
      d[8 + m] = _mm512_xor_si512(_mm512_xor_si512(t[8 + m], t[7 + m]), _mm512_xor_si512(t[m], t[m - 1]));
    }
  }

  __m512i lookup(__m512i x) const {
    const __m512i sixteen = _mm512_set1_epi8(16);
    __m512i v = x;
    __m512i y = _mm512_shuffle_epi8(d[0], v);
    for (int j = 1; j < 8; ++j) {
      v = _mm512_sub_epi8(v, sixteen);
      y = _mm512_xor_si512(y, _mm512_shuffle_epi8(d[j], v));
    }
    __m512i w = _mm512_xor_si512(x, _mm512_set1_epi8(static_cast<char>(0x80)));
    y = _mm512_xor_si512(y, _mm512_shuffle_epi8(d[8], w));
    for (int m = 1; m < 8; ++m) {
      w = _mm512_subs_epi8(w, sixteen);
      y = _mm512_xor_si512(y, _mm512_shuffle_epi8(d[8 + m], w));
    }
    return y;
  }
};

// y = f(x) over 64-byte blocks, the tail with masked loads and stores.
template <typename T, typename F>
void map_bytes(size_t n, const T* x, T* y, F f) {
  for (; n >= 64; n -= 64) {
    _mm512_storeu_si512(y, f(_mm512_loadu_si512(x)));
    x += 64;
    y += 64;
  }
  if (n != 0) {
    const __mmask64 m = mask64(n);
    _mm512_mask_storeu_epi8(y, m, f(_mm512_maskz_loadu_epi8(m, x)));
  }
}

// --- clamp --------------------------------------------------------------------------------------------

// max first, then min: min > max gives max in every lane, as the scalar kernel.
inline __m512i clamp64(__m512i x, __m512i lo, __m512i hi, std::true_type /*unsigned*/) {
  return _mm512_min_epu8(_mm512_max_epu8(x, lo), hi);
}
inline __m512i clamp64(__m512i x, __m512i lo, __m512i hi, std::false_type /*signed*/) {
  return _mm512_min_epi8(_mm512_max_epi8(x, lo), hi);
}

template <typename T>
void vclamp(size_t n, const T* x, T* y, const QClampParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<T>(p->min) && in_type_range<T>(p->max));
  const __m512i lo = _mm512_set1_epi8(static_cast<char>(p->min));
  const __m512i hi = _mm512_set1_epi8(static_cast<char>(p->max));
  map_bytes(n, x, y, [&](__m512i v) { return clamp64(v, lo, hi, std::is_unsigned<T>{}); });
}

}  // namespace

void qu8_vadd__avx512(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p) {
  vadd<uint8_t, false>(n, a, b, y, p);
}
void qs8_vadd__avx512(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p) {
  vadd<int8_t, false>(n, a, b, y, p);
}
void qu8_vaddc__avx512(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p) {
  vadd<uint8_t, true>(n, a, b, y, p);
}
void qs8_vaddc__avx512(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p) {
  vadd<int8_t, true>(n, a, b, y, p);
}
void qu8_vmul__avx512(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p) {
  vmul<uint8_t, false>(n, a, b, y, p);
}
void qs8_vmul__avx512(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p) {
  vmul<int8_t, false>(n, a, b, y, p);
}
void qu8_vmulc__avx512(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p) {
  vmul<uint8_t, true>(n, a, b, y, p);
}
void qs8_vmulc__avx512(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p) {
  vmul<int8_t, true>(n, a, b, y, p);
}

void x8_lut__avx512(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  assert(n == 0 || (x != nullptr && y != nullptr && table != nullptr));
  if (n == 0) return;
  const LutRows rows(table);
  map_bytes(n, x, y, [&](__m512i v) { return rows.lookup(v); });
}

void qu8_vclamp__avx512(size_t n, const uint8_t* x, uint8_t* y, const QClampParams* p) { vclamp(n, x, y, p); }
void qs8_vclamp__avx512(size_t n, const int8_t* x, int8_t* y, const QClampParams* p) { vclamp(n, x, y, p); }

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
