// f16gemm-avx2.cpp: AVX2 + FMA + F16C float32 x float16-weight GEMM tiles (6x16, and 1x64 for one row).
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/f16gemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX-512 file has its own of the same names, compiled
// with other flags (ODR safety across ISA files).
namespace {

// A vmaskmovps mask with lanes [0, n) set, n in 0..8.
inline __m256i lanes8(size_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), idx);
}

// The 8 weights of vector v (0 or 1) of panel row k, widened to float32 (exact).
inline __m256 load_w(const uint16_t* panel, size_t k, int v) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(panel + k * kF16GemmPanelCols + 8 * v)));
}

// MR rows x NP panels (2 ymm each) of C. FULL: all NP * 16 columns are stored; otherwise the
// columns past nc are masked (never read or written in C or the bias).
template <int MR, int NP, bool FULL>
void tile(size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b, size_t b_panel_stride, float* c,
          size_t c_stride, const F32F16GemmParams* p) {
  constexpr int NV = 2 * NP;
  __m256i mask[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    const size_t first = 8 * static_cast<size_t>(v);
    mask[v] = lanes8(FULL ? 8 : (nc <= first ? 0 : (nc - first < 8 ? nc - first : 8)));
  }
  __m256 acc[MR][NV];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      if (!p->accumulate) {
        acc[i][v] = _mm256_setzero_ps();
      } else if (FULL) {
        acc[i][v] = _mm256_loadu_ps(c + i * c_stride + 8 * v);
      } else {
        acc[i][v] = _mm256_maskload_ps(c + i * c_stride + 8 * v, mask[v]);
      }
    }
  }
  for (size_t k = 0; k < kc; ++k) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      const __m256 w = load_w(b + static_cast<size_t>(v / 2) * b_panel_stride, k, v % 2);
#pragma GCC unroll 14
      for (int i = 0; i < MR; ++i) {
        // fma(a[i][k], w, acc): one rounding, the chain of the specification.
        acc[i][v] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + i * a_stride + k), w, acc[i][v]);
      }
    }
  }
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    __m256 bias = zero;
    if (p->bias != nullptr) bias = FULL ? _mm256_loadu_ps(p->bias + 8 * v) : _mm256_maskload_ps(p->bias + 8 * v, mask[v]);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      __m256 y = acc[i][v];
      if (p->bias != nullptr) y = _mm256_add_ps(y, bias);
      if (p->relu) y = _mm256_max_ps(zero, y);  // vmaxps returns its second operand on NaN: NaN kept
      if (FULL) {
        _mm256_storeu_ps(c + i * c_stride + 8 * v, y);
      } else {
        _mm256_maskstore_ps(c + i * c_stride + 8 * v, mask[v], y);
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
void rows_6x16(size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b, size_t b_panel_stride,
               float* c, size_t c_stride, const F32F16GemmParams* p) {
  tile_nc<MR, 1>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, p);
}

}  // namespace

// 12 accumulators, 2 weight vectors and one broadcast: 15 of the 16 ymm registers.
void f32_f16_gemm_6x16__avx2(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b,
                             size_t b_panel_stride, float* c, size_t c_stride, const F32F16GemmParams* params) {
  switch (mr) {
    case 1: return rows_6x16<1>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 2: return rows_6x16<2>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 3: return rows_6x16<3>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 4: return rows_6x16<4>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 5: return rows_6x16<5>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    default: return rows_6x16<6>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
  }
}

// One row, up to 4 panels: 8 independent chains hide the FMA latency a single row would expose.
void f32_f16_gemm_1x64__avx2(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b,
                             size_t b_panel_stride, float* c, size_t c_stride, const F32F16GemmParams* params) {
  (void)mr;  // always 1
  switch ((nc + kF16GemmPanelCols - 1) / kF16GemmPanelCols) {
    case 1: return tile_nc<1, 1>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 2: return tile_nc<1, 2>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    case 3: return tile_nc<1, 3>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
    default: return tile_nc<1, 4>(nc, kc, a, a_stride, b, b_panel_stride, c, c_stride, params);
  }
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
