// fakequant-avx2.cpp: AVX2 fake-quantize kernels, bit-exact with fakequant-scalar.cpp.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/fakequant_kernels.h"
#include "kernels/fakequant_ukernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX-512 file has helpers of the same shape built with
// other flags, and one shared inline definition would let the linker run AVX-512 code on AVX2 CPUs.
// For the same reason nothing here calls inline library functions (std::min, std::nearbyint, ...).
namespace {

// Lanes [0, n) set, for n in 1..7: a window into {-1 x 8, 0 x 8}.
alignas(64) constexpr int32_t kTailMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i tail_mask(size_t n) {
  assert(n > 0 && n < 8);
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kTailMaskTable[8 - n]));
}

// Writes the low n < 8 bytes of v.
inline void store_tail_bytes(uint8_t* out, size_t n, __m128i v) {
  uint64_t bits = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  if (n & 4) {
    const auto w = static_cast<uint32_t>(bits);
    std::memcpy(out, &w, 4);
    out += 4;
    bits >>= 32;
  }
  if (n & 2) {
    const auto h = static_cast<uint16_t>(bits);
    std::memcpy(out, &h, 2);
    out += 2;
    bits >>= 16;
  }
  if (n & 1) *out = static_cast<uint8_t>(bits);
}

// The parameters of eight lanes (broadcast for the per-tensor kernel, loaded for the channelwise one).
struct Params8 {
  __m256 scale, inv_scale, zero_point_f;
  __m256i zero_point;
};

// Eight lanes of the scalar rule (fake_quantize_value in ref/fakequant-scalar.cpp), step for step:
//   t = round(x * inv_scale) + zp       roundps in the MXCSR mode without the inexact exception,
//                                        which is what nearbyint does; the float32 add
//   in_range = t >= qmin && t <= qmax    ordered compares: false for NaN
//   c = min(max(t, qmin), qmax)          maxps returns its SECOND operand when either is NaN, so
//                                        NaN lands on qmin as the scalar fmax(NaN, qmin) does
//   y = (float)(int(c) - zp) * scale     c is integral and, the bounds being float32 values
//                                        (|bound| <= 2^24), inside int32: cvttps is exact; the
//                                        difference is an integer (no -0.0 in any rounding mode),
//                                        converted in the MXCSR mode like the scalar cvtsi2ss
inline __m256 fakequant8(__m256 x, const Params8& p, __m256 qmin, __m256 qmax, __m256i* in_range) {
  const __m256 r = _mm256_round_ps(_mm256_mul_ps(x, p.inv_scale), _MM_FROUND_CUR_DIRECTION | _MM_FROUND_NO_EXC);
  const __m256 t = _mm256_add_ps(r, p.zero_point_f);
  *in_range = _mm256_castps_si256(_mm256_and_ps(_mm256_cmp_ps(t, qmin, _CMP_GE_OQ), _mm256_cmp_ps(t, qmax, _CMP_LE_OQ)));
  const __m256 c = _mm256_min_ps(_mm256_max_ps(t, qmin), qmax);
  const __m256i d = _mm256_sub_epi32(_mm256_cvttps_epi32(c), p.zero_point);
  return _mm256_mul_ps(_mm256_cvtepi32_ps(d), p.scale);
}

// Eight -1/0 lanes as eight 0/1 bytes in the low half.
inline __m128i mask_bytes8(__m256i m) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  return _mm_and_si128(_mm_packs_epi16(w, w), _mm_set1_epi8(1));
}

// Sixteen -1/0 lanes (two vectors) as sixteen 0/1 bytes, in element order.
inline __m128i mask_bytes16(__m256i a, __m256i b) {
  const __m128i wa = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  const __m128i wb = _mm_packs_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
  return _mm_and_si128(_mm_packs_epi16(wa, wb), _mm_set1_epi8(1));
}

// The loop shared by both families: `params(offset)` gives the parameters of elements
// [offset, offset + 8), `params_masked(offset, mask)` those of a partial vector.
template <typename ParamsAt, typename ParamsAtMasked>
inline void fakequant_loop(size_t n, const float* x, float* y, uint8_t* mask, int32_t qmin, int32_t qmax,
                           ParamsAt params, ParamsAtMasked params_masked) {
  const __m256 vqmin = _mm256_set1_ps(static_cast<float>(qmin));
  const __m256 vqmax = _mm256_set1_ps(static_cast<float>(qmax));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i ma, mb;
    const __m256 a = fakequant8(_mm256_loadu_ps(x + i), params(i), vqmin, vqmax, &ma);
    const __m256 b = fakequant8(_mm256_loadu_ps(x + i + 8), params(i + 8), vqmin, vqmax, &mb);
    _mm256_storeu_ps(y + i, a);
    _mm256_storeu_ps(y + i + 8, b);
    if (mask != nullptr) _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i), mask_bytes16(ma, mb));
  }
  for (; i + 8 <= n; i += 8) {
    __m256i m;
    _mm256_storeu_ps(y + i, fakequant8(_mm256_loadu_ps(x + i), params(i), vqmin, vqmax, &m));
    if (mask != nullptr) _mm_storel_epi64(reinterpret_cast<__m128i*>(mask + i), mask_bytes8(m));
  }
  if (i < n) {
    const size_t rest = n - i;
    const __m256i lanes = tail_mask(rest);
    __m256i m;
    const __m256 v = fakequant8(_mm256_maskload_ps(x + i, lanes), params_masked(i, lanes), vqmin, vqmax, &m);
    _mm256_maskstore_ps(y + i, lanes, v);
    if (mask != nullptr) store_tail_bytes(mask + i, rest, mask_bytes8(m));
  }
}

}  // namespace

void f32_vfakequant__avx2(size_t n, const float* x, float* y, uint8_t* mask, const FakeQuantParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(p->qmin <= p->zero_point && p->zero_point <= p->qmax && fakequant_simd_ok(p->qmin, p->qmax));
  const Params8 params{_mm256_set1_ps(p->scale), _mm256_set1_ps(p->inv_scale),
                       _mm256_set1_ps(static_cast<float>(p->zero_point)), _mm256_set1_epi32(p->zero_point)};
  fakequant_loop(
      n, x, y, mask, p->qmin, p->qmax, [&](size_t) { return params; }, [&](size_t, __m256i) { return params; });
}

void f32_vfakequant_cw__avx2(size_t n, const float* x, float* y, uint8_t* mask, const float* scale,
                             const float* inv_scale, const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr && scale != nullptr && inv_scale != nullptr && zero_point != nullptr));
  assert(qmin <= qmax && fakequant_simd_ok(qmin, qmax));
  auto params_at = [&](size_t i) {
    const __m256i zp = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(zero_point + i));
    return Params8{_mm256_loadu_ps(scale + i), _mm256_loadu_ps(inv_scale + i), _mm256_cvtepi32_ps(zp), zp};
  };
  // Lanes past the end load 0 for every parameter; their results are never stored.
  auto params_masked = [&](size_t i, __m256i lanes) {
    const __m256i zp = _mm256_maskload_epi32(reinterpret_cast<const int*>(zero_point + i), lanes);
    return Params8{_mm256_maskload_ps(scale + i, lanes), _mm256_maskload_ps(inv_scale + i, lanes),
                   _mm256_cvtepi32_ps(zp), zp};
  };
  fakequant_loop(n, x, y, mask, qmin, qmax, params_at, params_masked);
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
