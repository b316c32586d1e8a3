// qelementwise-avx2.cpp: AVX2 8-bit add / mul / clamp / lookup kernels, bit-exact with qelementwise-scalar.cpp.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/qelementwise_kernels.h"
#include "kernels/qelementwise_ukernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX-512 file has helpers of the same shape built with
// other flags, and one shared inline definition would let the linker run AVX-512 code on AVX2 CPUs.
// For the same reason nothing here calls inline library functions (std::min, std::nearbyint, ...).
namespace {

// --- shared steps ------------------------------------------------------------------------------------

// Eight bytes widened to int32 lanes.
inline __m256i widen8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
inline __m256i widen8(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
// Sixteen bytes widened to int16 lanes.
inline __m256i widen16(const uint8_t* p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256i widen16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The quantize rule after the multiply, in the per-tensor form of quantize-avx2.cpp: clamp v to
// [qmin - zp, qmax - zp] (NaN lands on the high bound: minps returns its second operand), round with
// cvtps2dq in the MXCSR mode (as nearbyint), add the zero point in int32. It equals the scalar
// nearbyint(v) + zp then clamp, because rounding is monotone and fixes the integer bounds.
inline __m256i round_clamp8(__m256 v, __m256 lo, __m256 hi, __m256i zero_point) {
  v = _mm256_min_ps(v, hi);
  v = _mm256_max_ps(v, lo);
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), zero_point);
}

// Four vectors of in-range int32 lanes to 32 bytes in element order (the packs only narrow).
template <typename T>
inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b);  // a0-3 b0-3 | a4-7 b4-7 (int16)
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i abcd = std::is_unsigned_v<T> ? _mm256_packus_epi16(ab, cd) : _mm256_packs_epi16(ab, cd);
  // dwords now hold a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7: restore element order.
  return _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Two vectors of sixteen in-order int16 lanes to 32 bytes in element order.
template <typename T>
inline __m256i pack16x2(__m256i a, __m256i b) {
  const __m256i ab = std::is_unsigned_v<T> ? _mm256_packus_epi16(a, b) : _mm256_packs_epi16(a, b);
  return _mm256_permute4x64_epi64(ab, 0xD8);  // a0-7 b0-7 | a8-15 b8-15 -> a0-15 b0-15
}

inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store32(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

// The last n < 32 elements go through 32-byte stack buffers: no read or write past the caller's
// arrays, and the lanes past n compute garbage nobody sees.
template <typename T, typename Body>
inline void tail2(size_t n, const T* a, const T* b, T* y, bool b_is_scalar, Body body) {
  assert(n < 32);
  alignas(32) T ta[32] = {}, tb[32] = {}, ty[32];
  std::memcpy(ta, a, n * sizeof(T));
  if (b_is_scalar) {
    tb[0] = b[0];
  } else {
    std::memcpy(tb, b, n * sizeof(T));
  }
  body(ta, tb, ty);
  std::memcpy(y, ty, n * sizeof(T));
}

template <typename T>
constexpr bool in_type_range(int32_t v) {
  return std::is_unsigned_v<T> ? (v >= 0 && v <= 255) : (v >= -128 && v <= 127);
}

// --- add ----------------------------------------------------------------------------------------------

struct AddConstants {
  __m256 a_scale, a_bias, b_scale, b_bias, inv_output_scale, lo, hi;
  __m256i zero_point;

  explicit AddConstants(const QAddParams* p)
      : a_scale(_mm256_set1_ps(p->a_scale)),
        a_bias(_mm256_set1_ps(p->a_bias)),
        b_scale(_mm256_set1_ps(p->b_scale)),
        b_bias(_mm256_set1_ps(p->b_bias)),
        inv_output_scale(_mm256_set1_ps(p->inv_output_scale)),
        lo(_mm256_set1_ps(static_cast<float>(p->qmin - p->output_zero_point))),
        hi(_mm256_set1_ps(static_cast<float>(p->qmax - p->output_zero_point))),
        zero_point(_mm256_set1_epi32(p->output_zero_point)) {}
};

// Eight outputs from eight a's and the b terms z: x = fma(a_scale, a, a_bias), then (x + z) * inv.
template <typename T>
inline __m256i add8(const T* a, __m256 z, const AddConstants& k) {
  const __m256 x = _mm256_fmadd_ps(k.a_scale, _mm256_cvtepi32_ps(widen8(a)), k.a_bias);
  return round_clamp8(_mm256_mul_ps(_mm256_add_ps(x, z), k.inv_output_scale), k.lo, k.hi, k.zero_point);
}

template <typename T>
inline __m256 b_term8(const T* b, const AddConstants& k) {
  return _mm256_fmadd_ps(k.b_scale, _mm256_cvtepi32_ps(widen8(b)), k.b_bias);
}

// 32 outputs; kScalarB: every b term is z_scalar.
template <typename T, bool kScalarB>
inline __m256i add32(const T* a, const T* b, __m256 z_scalar, const AddConstants& k) {
  const auto z = [&](size_t off) { return kScalarB ? z_scalar : b_term8(b + off, k); };
  return pack32<T>(add8(a, z(0), k), add8(a + 8, z(8), k), add8(a + 16, z(16), k), add8(a + 24, z(24), k));
}

template <typename T, bool kScalarB>
void vadd(size_t n, const T* a, const T* b, T* y, const QAddParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  assert(p->qmin <= p->qmax && in_type_range<T>(p->qmin) && in_type_range<T>(p->qmax));
  assert(in_type_range<T>(p->output_zero_point));
  if (n == 0) return;
  const AddConstants k(p);
  // The scalar b term, with the vector kernel's own fma: the same bits as its lanes would hold.
  const __m256 z_scalar = kScalarB ? _mm256_fmadd_ps(k.b_scale, _mm256_set1_ps(static_cast<float>(b[0])), k.b_bias)
                                   : _mm256_setzero_ps();
  for (; n >= 32; n -= 32) {
    store32(y, add32<T, kScalarB>(a, b, z_scalar, k));
    a += 32;
    if (!kScalarB) b += 32;
    y += 32;
  }
  if (n != 0) {
    tail2(n, a, b, y, kScalarB, [&](const T* ta, const T* tb, T* ty) {
      store32(ty, add32<T, kScalarB>(ta, tb, z_scalar, k));
    });
  }
}

// --- mul ----------------------------------------------------------------------------------------------

struct MulConstants {
  __m256i a_zero_point, b_zero_point;  // int16 lanes
  __m256 multiplier, lo, hi;
  __m256i zero_point;

  explicit MulConstants(const QMulParams* p)
      : a_zero_point(_mm256_set1_epi16(static_cast<int16_t>(p->a_zero_point))),
        b_zero_point(_mm256_set1_epi16(static_cast<int16_t>(p->b_zero_point))),
        multiplier(_mm256_set1_ps(p->multiplier)),
        lo(_mm256_set1_ps(static_cast<float>(p->qmin - p->output_zero_point))),
        hi(_mm256_set1_ps(static_cast<float>(p->qmax - p->output_zero_point))),
        zero_point(_mm256_set1_epi32(p->output_zero_point)) {}
};

// Sixteen outputs (int16 lanes, in order) from the zero-point-free operands (int16, |v| <= 255).
// mullo/mulhi give each exact 32-bit product in two halves; unpacking interleaves them into int32
// lanes 0-3, 8-11 (lo) and 4-7, 12-15 (hi), and packs_epi32 puts them back in order.
inline __m256i mul16(__m256i a, __m256i b, const MulConstants& k) {
  const __m256i plo = _mm256_mullo_epi16(a, b);
  const __m256i phi = _mm256_mulhi_epi16(a, b);
  const __m256i acc0 = _mm256_unpacklo_epi16(plo, phi);
  const __m256i acc1 = _mm256_unpackhi_epi16(plo, phi);
  const __m256i q0 = round_clamp8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc0), k.multiplier), k.lo, k.hi, k.zero_point);
  const __m256i q1 = round_clamp8(_mm256_mul_ps(_mm256_cvtepi32_ps(acc1), k.multiplier), k.lo, k.hi, k.zero_point);
  return _mm256_packs_epi32(q0, q1);
}

template <typename T, bool kScalarB>
inline __m256i mul32(const T* a, const T* b, __m256i b_scalar, const MulConstants& k) {
  const auto bz = [&](size_t off) {
    return kScalarB ? b_scalar : _mm256_sub_epi16(widen16(b + off), k.b_zero_point);
  };
  const __m256i w0 = mul16(_mm256_sub_epi16(widen16(a), k.a_zero_point), bz(0), k);
  const __m256i w1 = mul16(_mm256_sub_epi16(widen16(a + 16), k.a_zero_point), bz(16), k);
  return pack16x2<T>(w0, w1);
}

template <typename T, bool kScalarB>
void vmul(size_t n, const T* a, const T* b, T* y, const QMulParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  assert(in_type_range<T>(p->a_zero_point) && in_type_range<T>(p->b_zero_point));
  assert(p->qmin <= p->qmax && in_type_range<T>(p->qmin) && in_type_range<T>(p->qmax));
  assert(in_type_range<T>(p->output_zero_point));
  if (n == 0) return;
  const MulConstants k(p);
  const __m256i b_scalar =
      kScalarB ? _mm256_set1_epi16(static_cast<int16_t>(b[0] - p->b_zero_point)) : _mm256_setzero_si256();
  for (; n >= 32; n -= 32) {
    store32(y, mul32<T, kScalarB>(a, b, b_scalar, k));
    a += 32;
    if (!kScalarB) b += 32;
    y += 32;
  }
  if (n != 0) {
    tail2(n, a, b, y, kScalarB, [&](const T* ta, const T* tb, T* ty) {
      store32(ty, mul32<T, kScalarB>(ta, tb, b_scalar, k));
    });
  }
}

// --- lookup -------------------------------------------------------------------------------------------

// A 256-byte table as sixteen 16-byte rows T_k = table[16k .. 16k+15], looked up with vpshufb, which
// reads one row by the index's low nibble and gives 0 when the index byte has its high bit set.
// Index x steps down by 16 per row; a row contributes while the stepped index is a valid (0..127)
// byte, so several rows contribute and the rows are stored XORed to cancel the extras:
//   rows 0-7 see v_j = x - 16j (wrapping): for x < 128, rows j <= x/16 contribute; for x >= 128,
//     rows j > (x - 128)/16 do.
//   rows 8-15 see w_m = subs(x ^ 0x80, 16m) (saturating): only x >= 128 contributes, rows m <= (x - 128)/16.
// With D_0 = T_0, D_j = T_j ^ T_(j-1) (j = 1..7), D_8 = T_8 ^ T_7 ^ T_0 and
// D_(8+m) = T_(8+m) ^ T_(7+m) ^ T_m ^ T_(m-1) (m = 1..7), the XOR of the contributions telescopes to
// T_(x/16)[x % 16] for every x.
struct LutRows {
  __m256i d[16];

  explicit LutRows(const uint8_t* table) {
    __m256i t[16];
    for (int k = 0; k < 16; ++k) {
      t[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * k)));
    }
    d[0] = t[0];
    for (int j = 1; j < 8; ++j) d[j] = _mm256_xor_si256(t[j], t[j - 1]);
    d[8] = _mm256_xor_si256(_mm256_xor_si256(t[8], t[7]), t[0]);
    for (int m = 1; m < 8; ++m) {
      d[8 + m] = _mm256_xor_si256(_mm256_xor_si256(t[8 + m], t[7 + m]), _mm256_xor_si256(t[m], t[m - 1]));
    }
  }

  __m256i lookup(__m256i x) const {
    const __m256i sixteen = _mm256_set1_epi8(16);
    __m256i v = x;
    __m256i y = _mm256_shuffle_epi8(d[0], v);
    for (int j = 1; j < 8; ++j) {
      v = _mm256_sub_epi8(v, sixteen);
      y = _mm256_xor_si256(y, _mm256_shuffle_epi8(d[j], v));
    }
    __m256i w = _mm256_xor_si256(x, _mm256_set1_epi8(static_cast<char>(0x80)));
    y = _mm256_xor_si256(y, _mm256_shuffle_epi8(d[8], w));
    for (int m = 1; m < 8; ++m) {
      w = _mm256_subs_epi8(w, sixteen);
      y = _mm256_xor_si256(y, _mm256_shuffle_epi8(d[8 + m], w));
    }
    return y;
  }
};

// --- clamp --------------------------------------------------------------------------------------------

// max first, then min: min > max gives max in every lane, as the scalar kernel.
inline __m256i clamp32(__m256i x, __m256i lo, __m256i hi, std::true_type /*unsigned*/) {
  return _mm256_min_epu8(_mm256_max_epu8(x, lo), hi);
}
inline __m256i clamp32(__m256i x, __m256i lo, __m256i hi, std::false_type /*signed*/) {
  return _mm256_min_epi8(_mm256_max_epi8(x, lo), hi);
}

// y = f(x) over 32-byte blocks, the tail through a stack buffer.
template <typename T, typename F>
void map_bytes(size_t n, const T* x, T* y, F f) {
  for (; n >= 32; n -= 32) {
    store32(y, f(load32(x)));
    x += 32;
    y += 32;
  }
  if (n != 0) {
    alignas(32) T tx[32] = {}, ty[32];
    std::memcpy(tx, x, n);
    store32(ty, f(load32(tx)));
    std::memcpy(y, ty, n);
  }
}

template <typename T>
void vclamp(size_t n, const T* x, T* y, const QClampParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<T>(p->min) && in_type_range<T>(p->max));
  const __m256i lo = _mm256_set1_epi8(static_cast<char>(p->min));
  const __m256i hi = _mm256_set1_epi8(static_cast<char>(p->max));
  map_bytes(n, x, y, [&](__m256i v) { return clamp32(v, lo, hi, std::is_unsigned<T>{}); });
}

}  // namespace

void qu8_vadd__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p) {
  vadd<uint8_t, false>(n, a, b, y, p);
}
void qs8_vadd__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p) {
  vadd<int8_t, false>(n, a, b, y, p);
}
void qu8_vaddc__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p) {
  vadd<uint8_t, true>(n, a, b, y, p);
}
void qs8_vaddc__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p) {
  vadd<int8_t, true>(n, a, b, y, p);
}
void qu8_vmul__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p) {
  vmul<uint8_t, false>(n, a, b, y, p);
}
void qs8_vmul__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p) {
  vmul<int8_t, false>(n, a, b, y, p);
}
void qu8_vmulc__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p) {
  vmul<uint8_t, true>(n, a, b, y, p);
}
void qs8_vmulc__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p) {
  vmul<int8_t, true>(n, a, b, y, p);
}

void x8_lut__avx2(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  assert(n == 0 || (x != nullptr && y != nullptr && table != nullptr));
  if (n == 0) return;
  const LutRows rows(table);
  map_bytes(n, x, y, [&](__m256i v) { return rows.lookup(v); });
}

void qu8_vclamp__avx2(size_t n, const uint8_t* x, uint8_t* y, const QClampParams* p) { vclamp(n, x, y, p); }
void qs8_vclamp__avx2(size_t n, const int8_t* x, int8_t* y, const QClampParams* p) { vclamp(n, x, y, p); }

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
