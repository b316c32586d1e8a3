// fakequant-avx512.cpp: AVX-512 fake-quantize kernels, bit-exact with fakequant-scalar.cpp.
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

#include "kernels/fakequant_kernels.h"
#include "kernels/fakequant_ukernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX2 file has helpers of the same shape, and one
// shared inline definition would let the linker pick this file's AVX-512 code for AVX2-only CPUs.
namespace {

// Lanes [0, n) set, for n in 1..15. Masked loads never fault on the lanes left out.
inline __mmask16 tail_mask(size_t n) {
  assert(n > 0 && n < 16);
  return static_cast<__mmask16>((1u << n) - 1u);
}

struct Params16 {
  __m512 scale, inv_scale, zero_point_f;
  __m512i zero_point;
};

// Sixteen lanes of the scalar rule, step for step (see fakequant8 in fakequant-avx2.cpp for why
// each instruction equals its scalar statement): vmaxps returns its second operand when either is
// NaN, so NaN lands on qmin; the ordered compares give mask 0 for NaN.
inline __m512 fakequant16(__m512 x, const Params16& p, __m512 qmin, __m512 qmax, __mmask16* in_range) {
  const __m512 r = _mm512_roundscale_ps(_mm512_mul_ps(x, p.inv_scale), _MM_FROUND_CUR_DIRECTION | _MM_FROUND_NO_EXC);
  const __m512 t = _mm512_add_ps(r, p.zero_point_f);
  *in_range = _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(t, qmin, _CMP_GE_OQ), t, qmax, _CMP_LE_OQ);
  const __m512 c = _mm512_min_ps(_mm512_max_ps(t, qmin), qmax);
  const __m512i d = _mm512_sub_epi32(_mm512_cvttps_epi32(c), p.zero_point);
  return _mm512_mul_ps(_mm512_cvtepi32_ps(d), p.scale);
}

inline __m128i mask_bytes16(__mmask16 m) { return _mm_maskz_mov_epi8(m, _mm_set1_epi8(1)); }

// The loop shared by both families: `params(offset, lanes)` gives the parameters of the lanes set
// in `lanes` of elements [offset, offset + 16).
template <typename ParamsAt>
inline void fakequant_loop(size_t n, const float* x, float* y, uint8_t* mask, int32_t qmin, int32_t qmax,
                           ParamsAt params) {
  const __m512 vqmin = _mm512_set1_ps(static_cast<float>(qmin));
  const __m512 vqmax = _mm512_set1_ps(static_cast<float>(qmax));
  const __mmask16 all = static_cast<__mmask16>(0xFFFF);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __mmask16 ma, mb;
    const __m512 a = fakequant16(_mm512_loadu_ps(x + i), params(i, all), vqmin, vqmax, &ma);
    const __m512 b = fakequant16(_mm512_loadu_ps(x + i + 16), params(i + 16, all), vqmin, vqmax, &mb);
    _mm512_storeu_ps(y + i, a);
    _mm512_storeu_ps(y + i + 16, b);
    if (mask != nullptr) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i), mask_bytes16(ma));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i + 16), mask_bytes16(mb));
    }
  }
  for (; i + 16 <= n; i += 16) {
    __mmask16 m;
    _mm512_storeu_ps(y + i, fakequant16(_mm512_loadu_ps(x + i), params(i, all), vqmin, vqmax, &m));
    if (mask != nullptr) _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i), mask_bytes16(m));
  }
  if (i < n) {
    const __mmask16 lanes = tail_mask(n - i);
    __mmask16 m;
    const __m512 v = fakequant16(_mm512_maskz_loadu_ps(lanes, x + i), params(i, lanes), vqmin, vqmax, &m);
    _mm512_mask_storeu_ps(y + i, lanes, v);
    if (mask != nullptr) _mm_mask_storeu_epi8(mask + i, lanes, mask_bytes16(m));
  }
}

}  // namespace

void f32_vfakequant__avx512(size_t n, const float* x, float* y, uint8_t* mask, const FakeQuantParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(p->qmin <= p->zero_point && p->zero_point <= p->qmax && fakequant_simd_ok(p->qmin, p->qmax));
  const Params16 params{_mm512_set1_ps(p->scale), _mm512_set1_ps(p->inv_scale),
                        _mm512_set1_ps(static_cast<float>(p->zero_point)), _mm512_set1_epi32(p->zero_point)};
  fakequant_loop(n, x, y, mask, p->qmin, p->qmax, [&](size_t, __mmask16) { return params; });
}

void f32_vfakequant_cw__avx512(size_t n, const float* x, float* y, uint8_t* mask, const float* scale,
                               const float* inv_scale, const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr && scale != nullptr && inv_scale != nullptr && zero_point != nullptr));
  assert(qmin <= qmax && fakequant_simd_ok(qmin, qmax));
  // Lanes past the end load 0 for every parameter; their results are never stored.
  fakequant_loop(n, x, y, mask, qmin, qmax, [&](size_t i, __mmask16 lanes) {
    const __m512i zp = _mm512_maskz_loadu_epi32(lanes, zero_point + i);
    return Params16{_mm512_maskz_loadu_ps(lanes, scale + i), _mm512_maskz_loadu_ps(lanes, inv_scale + i),
                    _mm512_cvtepi32_ps(zp), zp};
  });
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
