// f32-gemm-avx2.cpp: AVX2 + FMA float32 GEMM (6x16 tile), GEMV, depthwise, packing and padding kernels.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "kernels/f32_gemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace (see f32-gemm-avx512.cpp: ODR safety across ISA files).
namespace {

constexpr int kMR = 6;

// A vmaskmovps mask with lanes [0, n) set, n in 0..8.
inline __m256i lanes8(size_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), idx);
}

// min(max, v) then max(min, v), NaN passing through (vminps returns its second operand on NaN).
inline __m256 clamp8(__m256 v, __m256 lo, __m256 hi) { return _mm256_max_ps(lo, _mm256_min_ps(hi, v)); }

// Loads vector v of a row whose first `nc` floats are valid; TAIL: the last vector may be partial.
template <bool TAIL>
inline __m256 load_cols(const float* p, int v, int nv, __m256i mask) {
  if (TAIL && v == nv - 1) return _mm256_maskload_ps(p, mask);
  return _mm256_loadu_ps(p);
}

template <bool TAIL>
inline void store_cols(float* p, int v, int nv, __m256i mask, __m256 x) {
  if (TAIL && v == nv - 1) {
    _mm256_maskstore_ps(p, mask, x);
  } else {
    _mm256_storeu_ps(p, x);
  }
}

// The 6x16 tile: 12 accumulators, 2 vectors of B, one broadcast of A (15 of the 16 ymm registers).
template <int MR, int NV, bool TAIL>
void gemm_tile(size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride, float* c,
               size_t c_stride, const F32GemmParams* p) {
  const __m256i mask = lanes8(nc - 8 * (NV - 1));
  __m256 acc[MR][NV];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
  }
#pragma GCC unroll 4
  for (size_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = load_cols<TAIL>(b + k * b_stride + 8 * v, v, NV, mask);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i * a_stride + k);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  __m256 cb[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    cb[v] = p->col_bias != nullptr && !p->accumulate ? load_cols<TAIL>(p->col_bias + 8 * v, v, NV, mask)
                                                     : _mm256_setzero_ps();
  }
  const __m256 lo = _mm256_set1_ps(p->min), hi = _mm256_set1_ps(p->max);
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * c_stride;
    const __m256 rb = p->row_bias != nullptr && !p->accumulate ? _mm256_set1_ps(p->row_bias[i]) : _mm256_setzero_ps();
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      __m256 r = acc[i][v];
      if (p->accumulate) {
        r = _mm256_add_ps(r, load_cols<TAIL>(ci + 8 * v, v, NV, mask));
      } else {
        r = _mm256_add_ps(_mm256_add_ps(r, rb), cb[v]);
      }
      if (p->clamp) r = clamp8(r, lo, hi);
      store_cols<TAIL>(ci + 8 * v, v, NV, mask, r);
    }
  }
}

template <int MR>
void gemm_rows(size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride, float* c,
               size_t c_stride, const F32GemmParams* p) {
  if (nc == 16) return gemm_tile<MR, 2, false>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  if (nc > 8) return gemm_tile<MR, 2, true>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  if (nc == 8) return gemm_tile<MR, 1, false>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  gemm_tile<MR, 1, true>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
}

// Sum of the 8 lanes.
inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// GEMV: MX rows of x against NW rows of w, MX*NW accumulators along K, then horizontal sums.
template <int MX, int NW>
void gemv_block(size_t rows, size_t k, const float* x, size_t x_stride, const float* w, size_t w_stride, float* y,
                size_t y_stride, const F32GemmParams* p) {
  __m256 acc[MX][NW];
#pragma GCC unroll 4
  for (int m = 0; m < MX; ++m) {
#pragma GCC unroll 4
    for (int j = 0; j < NW; ++j) acc[m][j] = _mm256_setzero_ps();
  }
  const float* wr[NW];
#pragma GCC unroll 4
  for (int j = 0; j < NW; ++j) wr[j] = w + (static_cast<size_t>(j) < rows ? j * w_stride : 0);
  size_t i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256 xv[MX];
#pragma GCC unroll 4
    for (int m = 0; m < MX; ++m) xv[m] = _mm256_loadu_ps(x + m * x_stride + i);
#pragma GCC unroll 4
    for (int j = 0; j < NW; ++j) {
      const __m256 wv = _mm256_loadu_ps(wr[j] + i);
#pragma GCC unroll 4
      for (int m = 0; m < MX; ++m) acc[m][j] = _mm256_fmadd_ps(xv[m], wv, acc[m][j]);
    }
  }
  if (i < k) {
    const __m256i mk = lanes8(k - i);
    __m256 xv[MX];
#pragma GCC unroll 4
    for (int m = 0; m < MX; ++m) xv[m] = _mm256_maskload_ps(x + m * x_stride + i, mk);
#pragma GCC unroll 4
    for (int j = 0; j < NW; ++j) {
      const __m256 wv = _mm256_maskload_ps(wr[j] + i, mk);
#pragma GCC unroll 4
      for (int m = 0; m < MX; ++m) acc[m][j] = _mm256_fmadd_ps(xv[m], wv, acc[m][j]);
    }
  }
  for (int m = 0; m < MX; ++m) {
    float* ym = y + m * y_stride;
    for (size_t j = 0; j < rows; ++j) {
      float v = hsum8(acc[m][j]);
      if (p->accumulate) {
        v += ym[j];
      } else if (p->col_bias != nullptr) {
        v += p->col_bias[j];
      }
      if (p->clamp) {
        v = v > p->max ? p->max : v;
        v = v < p->min ? p->min : v;
      }
      ym[j] = v;
    }
  }
}

template <int MX>
void gemv_rows(size_t nw, size_t k, const float* x, size_t x_stride, const float* w, size_t w_stride, float* y,
               size_t y_stride, const F32GemmParams* p) {
  constexpr int NW = MX <= 2 ? 4 : 2;
  F32GemmParams q = *p;
  for (size_t n = 0; n < nw; n += NW) {
    const size_t rows = nw - n < static_cast<size_t>(NW) ? nw - n : NW;
    q.col_bias = p->col_bias != nullptr ? p->col_bias + n : nullptr;
    gemv_block<MX, NW>(rows, k, x, x_stride, w + n * w_stride, w_stride, y + n, y_stride, &q);
  }
}

// Depthwise: NV vectors of 8 outputs of one row at once; the last one holds `last` lanes. TAPS > 0
// fixes the tap count (the weights then live in registers); TAPS == 0 reads it from `taps`.
template <int TAPS, int NV>
inline void dw_block(const float* row, size_t taps, const int64_t* off, const __m256* wv, const float* weights,
                     __m256 bias, size_t last, float* out, const F32GemmParams* p) {
  const __m256i ml = lanes8(last);
  const bool tail = last < 8;
  __m256 acc[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = bias;
  const size_t n = TAPS > 0 ? static_cast<size_t>(TAPS) : taps;
#pragma GCC unroll 9
  for (size_t t = 0; t < n; ++t) {
    __m256 w;
    if constexpr (TAPS > 0) {
      w = wv[t];
    } else {
      w = _mm256_broadcast_ss(weights + t);
    }
    const float* r = row + off[t];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m256 in = tail && v == NV - 1 ? _mm256_maskload_ps(r + 8 * v, ml) : _mm256_loadu_ps(r + 8 * v);
      acc[v] = _mm256_fmadd_ps(in, w, acc[v]);
    }
  }
  const __m256 lo = _mm256_set1_ps(p->min), hi = _mm256_set1_ps(p->max);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __m256 r = p->clamp ? clamp8(acc[v], lo, hi) : acc[v];
    if (tail && v == NV - 1) {
      _mm256_maskstore_ps(out + 8 * v, ml, r);
    } else {
      _mm256_storeu_ps(out + 8 * v, r);
    }
  }
}

template <int TAPS>
void dw_rows(size_t rows, size_t width, size_t taps, const float* in, size_t in_row_step, const int64_t* off,
             const float* weights, float bias, float* out, size_t out_stride, const F32GemmParams* p) {
  __m256 wv[TAPS > 0 ? TAPS : 1] = {};
  for (int t = 0; t < TAPS; ++t) wv[t] = _mm256_set1_ps(weights[t]);
  const __m256 vb = _mm256_set1_ps(bias);
  const size_t rest = width % 32;
  const size_t nv = (rest + 7) / 8, last = rest - 8 * (nv == 0 ? 0 : nv - 1);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = in + r * in_row_step;
    float* o = out + r * out_stride;
    size_t x = 0;
    for (; x + 32 <= width; x += 32) dw_block<TAPS, 4>(row + x, taps, off, wv, weights, vb, 8, o + x, p);
    switch (nv) {
      case 4: dw_block<TAPS, 4>(row + x, taps, off, wv, weights, vb, last, o + x, p); break;
      case 3: dw_block<TAPS, 3>(row + x, taps, off, wv, weights, vb, last, o + x, p); break;
      case 2: dw_block<TAPS, 2>(row + x, taps, off, wv, weights, vb, last, o + x, p); break;
      case 1: dw_block<TAPS, 1>(row + x, taps, off, wv, weights, vb, last, o + x, p); break;
      default: break;
    }
  }
}

}  // namespace

void f32_gemm_minmax_6x16__avx2(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* b,
                                size_t b_stride, float* c, size_t c_stride, const F32GemmParams* p) {
  assert(mr >= 1 && mr <= static_cast<size_t>(kMR) && nc >= 1 && nc <= 16);
  switch (mr) {
    case 6: return gemm_rows<6>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 5: return gemm_rows<5>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 4: return gemm_rows<4>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 3: return gemm_rows<3>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 2: return gemm_rows<2>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    default: return gemm_rows<1>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  }
}

void f32_gemv_minmax__avx2(size_t mx, size_t nw, size_t k, const float* x, size_t x_stride, const float* w,
                           size_t w_stride, float* y, size_t y_stride, const F32GemmParams* p) {
  assert(mx >= 1 && mx <= 4);
  switch (mx) {
    case 4: return gemv_rows<4>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
    case 3: return gemv_rows<3>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
    case 2: return gemv_rows<2>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
    default: return gemv_rows<1>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
  }
}

void f32_dwconv_minmax__avx2(size_t rows, size_t width, size_t taps, const float* in, size_t in_row_step,
                             const int64_t* tap_offsets, const float* weights, float bias, float* out,
                             size_t out_stride, const F32GemmParams* p) {
  if (taps == 9) {
    dw_rows<9>(rows, width, taps, in, in_row_step, tap_offsets, weights, bias, out, out_stride, p);
  } else {
    dw_rows<0>(rows, width, taps, in, in_row_step, tap_offsets, weights, bias, out, out_stride, p);
  }
}

void f32_packb__avx2(size_t kc, size_t nr, const float* const* rows, size_t nruns, const F32PackRun* runs,
                     float* panel) {
  for (size_t k = 0; k < kc; ++k) {
    float* dst_row = panel + k * nr;
    for (size_t r = 0; r < nruns; ++r) {
      const float* src = rows[k] + runs[r].src;
      float* dst = dst_row + runs[r].dst;
      size_t len = runs[r].len;
      for (; len >= 8; len -= 8, src += 8, dst += 8) _mm256_storeu_ps(dst, _mm256_loadu_ps(src));
      if (len > 0) {
        const __m256i m = lanes8(len);
        _mm256_maskstore_ps(dst, m, _mm256_maskload_ps(src, m));
      }
    }
  }
}

void f32_padsplit__avx2(size_t rows, size_t width, const float* src, size_t src_stride, size_t lo, size_t stride,
                        size_t phase_len, float* dst, size_t phase_stride, size_t dst_stride) {
  for (size_t q = 0; q < stride; ++q) {
    // Phase entries [i0, i1) come from the input (src index i * stride + q - lo); the rest are 0.
    size_t i0 = 0;
    while (i0 < phase_len && i0 * stride + q < lo) ++i0;
    size_t i1 = i0;
    if (i0 < phase_len && i0 * stride + q - lo < width) {
      const size_t avail = (width - (i0 * stride + q - lo) + stride - 1) / stride;
      i1 = i0 + (avail < phase_len - i0 ? avail : phase_len - i0);
    }
    const size_t first = i1 > i0 ? i0 * stride + q - lo : 0;  // src index of entry i0
    for (size_t r = 0; r < rows; ++r) {
      float* ph = dst + r * dst_stride + q * phase_stride;
      const float* row = src + r * src_stride;
      const float* s = row + first;
      for (size_t i = 0; i < i0; ++i) ph[i] = 0.0f;
      size_t i = i0;
      if (stride == 1) {
        for (; i + 8 <= i1; i += 8, s += 8) _mm256_storeu_ps(ph + i, _mm256_loadu_ps(s));
      } else if (stride == 2) {
        // 8 outputs from 16 inputs: the evens of each 128-bit half, then the halves in order.
        for (; i + 8 <= i1 && s + 16 <= row + width; i += 8, s += 16) {
          const __m256 va = _mm256_loadu_ps(s), vb = _mm256_loadu_ps(s + 8);
          const __m256 e = _mm256_shuffle_ps(va, vb, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
          _mm256_storeu_ps(ph + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
        }
      }
      for (; i < i1; ++i, s += stride) ph[i] = *s;
      for (i = i1; i < phase_len; ++i) ph[i] = 0.0f;
    }
  }
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
