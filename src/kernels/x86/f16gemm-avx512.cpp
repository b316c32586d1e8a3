// f16gemm-avx512.cpp: AVX-512 float32 x float16-weight GEMM tiles (14x32, and 1x128 for one row).
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

#include <cstddef>
#include <cstdint>

#include "kernels/f16gemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX2 file has its own of the same names, compiled
// with other flags (ODR safety across ISA files).
namespace {

// One zmm per panel: the 16 weights of panel row k, widened to float32 (exact).
inline __m512 load_w(const uint16_t* panel, size_t k) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + k * kF16GemmPanelCols)));
}

// MR rows x NP panels of C. FULL: all NP * 16 columns are stored; otherwise the columns past nc
// are masked (never read or written in C or the bias).
template <int MR, int NP, bool FULL>
void tile(size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b, size_t b_panel_stride, float* c,
          size_t c_stride, const F32F16GemmParams* p) {
  __mmask16 mask[NP];
#pragma GCC unroll 8
  for (int v = 0; v < NP; ++v) {
    const size_t first = kF16GemmPanelCols * static_cast<size_t>(v);
    const size_t n = FULL ? 16 : (nc <= first ? 0 : (nc - first < 16 ? nc - first : 16));
    mask[v] = static_cast<__mmask16>((1u << n) - 1u);
  }
  __m512 acc[MR][NP];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
    for (int v = 0; v < NP; ++v) {
      if (!p->accumulate) {
        acc[i][v] = _mm512_setzero_ps();
      } else if (FULL) {
        acc[i][v] = _mm512_loadu_ps(c + i * c_stride + 16 * v);
      } else {
        acc[i][v] = _mm512_maskz_loadu_ps(mask[v], c + i * c_stride + 16 * v);
      }
    }
  }
  for (size_t k = 0; k < kc; ++k) {
    __m512 w[NP];
#pragma GCC unroll 8
    for (int v = 0; v < NP; ++v) w[v] = load_w(b + static_cast<size_t>(v) * b_panel_stride, k);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i * a_stride + k]);
#pragma GCC unroll 8
      for (int v = 0; v < NP; ++v) acc[i][v] = _mm512_fmadd_ps(av, w[v], acc[i][v]);  // fma(a, w, acc)
    }
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int v = 0; v < NP; ++v) {
    __m512 bias = zero;
    if (p->bias != nullptr) bias = FULL ? _mm512_loadu_ps(p->bias + 16 * v) : _mm512_maskz_loadu_ps(mask[v], p->bias + 16 * v);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      __m512 y = acc[i][v];
      if (p->bias != nullptr) y = _mm512_add_ps(y, bias);
      if (p->relu) y = _mm512_max_ps(zero, y);  // vmaxps returns its second operand on NaN: NaN kept
      if (FULL) {
        _mm512_storeu_ps(c + i * c_stride + 16 * v, y);
      } else {
        _mm512_mask_storeu_ps(c + i * c_stride + 16 * v, mask[v], y);
      }
    }
  }
}

template <int MR, int NP>
void tile_nc(size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b, size_t b_panel_stride, float* c,
             size_t c_stride, const F32F16GemmParams* p) {
  if (nc == NP * kF16GemmPanelCols) {
    tile<MR, NP, true>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, p);
  } else {
    tile<MR, NP, false>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, p);
  }
}

template <int MR>
void rows_14x32(size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b, size_t b_panel_stride,
                float* c, size_t c_stride, const F32F16GemmParams* p) {
  if (nc > kF16GemmPanelCols) {
    tile_nc<MR, 2>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, p);
  } else {
    tile_nc<MR, 1>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, p);
  }
}

}  // namespace

// 28 accumulators, 2 weight vectors and one broadcast: 31 of the 32 zmm registers; per k, 28 FMAs
// against 2 conversions and 14 broadcasts keeps the FMA ports the bottleneck.
void f32_f16_gemm_14x32__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b,
                                size_t b_panel_stride, float* c, size_t c_stride, const F32F16GemmParams* params) {
  switch (mr) {
    case 1: return rows_14x32<1>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 2: return rows_14x32<2>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 3: return rows_14x32<3>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 4: return rows_14x32<4>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 5: return rows_14x32<5>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 6: return rows_14x32<6>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 7: return rows_14x32<7>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 8: return rows_14x32<8>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 9: return rows_14x32<9>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 10: return rows_14x32<10>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 11: return rows_14x32<11>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 12: return rows_14x32<12>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 13: return rows_14x32<13>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    default: return rows_14x32<14>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
  }
}

// One row, up to 8 panels: 8 independent chains hide the FMA latency a single row would expose.
void f32_f16_gemm_1x128__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b,
                                size_t b_panel_stride, float* c, size_t c_stride, const F32F16GemmParams* params) {
  (void)mr;  // always 1
  switch ((nc + kF16GemmPanelCols - 1) / kF16GemmPanelCols) {
    case 1: return tile_nc<1, 1>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 2: return tile_nc<1, 2>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 3: return tile_nc<1, 3>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 4: return tile_nc<1, 4>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 5: return tile_nc<1, 5>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 6: return tile_nc<1, 6>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 7: return tile_nc<1, 7>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    default: return tile_nc<1, 8>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
  }
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
