// f32-gemm-avx512.cpp: AVX-512 float32 GEMM (14x32 tile), GEMV, depthwise, packing and padding kernels with explicit FMA.
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

#include "kernels/f32_gemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX2 file has helpers of the same shape, and one
// shared inline definition would let the linker pick this file's AVX-512 code for AVX2-only CPUs.
namespace {

constexpr int kMR = 14;

// Lanes [0, n) set, n in 0..16.
inline __mmask16 lanes(size_t n) { return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u); }

// min(max, v) then max(min, v): vminps/vmaxps return their second operand when either is NaN, so a
// NaN sum passes through both (the rule of F32GemmParams).
inline __m512 clamp16(__m512 v, __m512 lo, __m512 hi) { return _mm512_max_ps(lo, _mm512_min_ps(hi, v)); }

// The 14x32 tile: 28 accumulators, 2 vectors of B and one broadcast of A in flight (31 of the 32
// zmm registers). Per k: 2 loads of B, MR broadcasts of A (load-port µops, no shuffle), 2*MR FMAs,
// so the two FMA ports stay busy as long as A's rows and B's panel sit in L1/L2.
// NV: vectors of 16 columns (1 or 2); the last one is masked to nc.
template <int MR, int NV>
void gemm_tile(size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride, float* c,
               size_t c_stride, const F32GemmParams* p) {
  const __mmask16 m_last = lanes(nc - 16 * (NV - 1));
  const __mmask16 masks[2] = {NV == 1 ? m_last : __mmask16(0xFFFF), m_last};
  __m512 acc[MR][NV];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
#pragma GCC unroll 4
  for (size_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_maskz_loadu_ps(masks[v], b + k * b_stride + 16 * v);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i * a_stride + k]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  __m512 cb[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    cb[v] = p->col_bias != nullptr && !p->accumulate ? _mm512_maskz_loadu_ps(masks[v], p->col_bias + 16 * v)
                                                     : _mm512_setzero_ps();
  }
  const __m512 lo = _mm512_set1_ps(p->min), hi = _mm512_set1_ps(p->max);
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * c_stride;
    const __m512 rb = p->row_bias != nullptr && !p->accumulate ? _mm512_set1_ps(p->row_bias[i]) : _mm512_setzero_ps();
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      __m512 r = acc[i][v];
      if (p->accumulate) {
        r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(masks[v], ci + 16 * v));
      } else {
        r = _mm512_add_ps(_mm512_add_ps(r, rb), cb[v]);
      }
      if (p->clamp) r = clamp16(r, lo, hi);
      _mm512_mask_storeu_ps(ci + 16 * v, masks[v], r);
    }
  }
}

template <int MR>
void gemm_rows(size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride, float* c,
               size_t c_stride, const F32GemmParams* p) {
  if (nc > 16) {
    gemm_tile<MR, 2>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  } else {
    gemm_tile<MR, 1>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  }
}

// GEMV: MX rows of x against NW rows of w at a time, MX*NW accumulators along K, then horizontal sums.
template <int MX, int NW>
void gemv_block(size_t nw, size_t k, const float* x, size_t x_stride, const float* w, size_t w_stride, float* y,
                size_t y_stride, const F32GemmParams* p) {
  __m512 acc[MX][NW];
#pragma GCC unroll 4
  for (int m = 0; m < MX; ++m) {
#pragma GCC unroll 8
    for (int j = 0; j < NW; ++j) acc[m][j] = _mm512_setzero_ps();
  }
  const size_t rows = nw;  // <= NW; rows past it repeat row 0 (read, never stored)
  const float* wr[NW];
#pragma GCC unroll 8
  for (int j = 0; j < NW; ++j) wr[j] = w + (static_cast<size_t>(j) < rows ? j * w_stride : 0);
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    __m512 xv[MX];
#pragma GCC unroll 4
    for (int m = 0; m < MX; ++m) xv[m] = _mm512_loadu_ps(x + m * x_stride + i);
#pragma GCC unroll 8
    for (int j = 0; j < NW; ++j) {
      const __m512 wv = _mm512_loadu_ps(wr[j] + i);
#pragma GCC unroll 4
      for (int m = 0; m < MX; ++m) acc[m][j] = _mm512_fmadd_ps(xv[m], wv, acc[m][j]);
    }
  }
  if (i < k) {
    const __mmask16 mk = lanes(k - i);
    __m512 xv[MX];
#pragma GCC unroll 4
    for (int m = 0; m < MX; ++m) xv[m] = _mm512_maskz_loadu_ps(mk, x + m * x_stride + i);
#pragma GCC unroll 8
    for (int j = 0; j < NW; ++j) {
      const __m512 wv = _mm512_maskz_loadu_ps(mk, wr[j] + i);
#pragma GCC unroll 4
      for (int m = 0; m < MX; ++m) acc[m][j] = _mm512_fmadd_ps(xv[m], wv, acc[m][j]);
    }
  }
  for (int m = 0; m < MX; ++m) {
    float* ym = y + m * y_stride;
    for (size_t j = 0; j < rows; ++j) {
      float v = _mm512_reduce_add_ps(acc[m][j]);
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
  constexpr int NW = MX <= 2 ? 8 : 4;
  F32GemmParams q = *p;
  for (size_t n = 0; n < nw; n += NW) {
    const size_t rows = nw - n < static_cast<size_t>(NW) ? nw - n : NW;
    q.col_bias = p->col_bias != nullptr ? p->col_bias + n : nullptr;
    gemv_block<MX, NW>(rows, k, x, x_stride, w + n * w_stride, w_stride, y + n, y_stride, &q);
  }
}

// Depthwise: NV vectors of 16 outputs of one row at once; the last one holds `last` lanes. TAPS > 0
// fixes the tap count (the weights then live in registers); TAPS == 0 reads it from `taps`.
template <int TAPS, int NV>
inline void dw_block(const float* row, size_t taps, const int64_t* off, const __m512* wv, const float* weights,
                     __m512 bias, size_t last, float* out, const F32GemmParams* p) {
  const __mmask16 ml = lanes(last);
  __m512 acc[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = bias;
  const size_t n = TAPS > 0 ? static_cast<size_t>(TAPS) : taps;
#pragma GCC unroll 9
  for (size_t t = 0; t < n; ++t) {
    __m512 w;
    if constexpr (TAPS > 0) {
      w = wv[t];
    } else {
      w = _mm512_set1_ps(weights[t]);
    }
    const float* r = row + off[t];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512 in = v == NV - 1 ? _mm512_maskz_loadu_ps(ml, r + 16 * v) : _mm512_loadu_ps(r + 16 * v);
      acc[v] = _mm512_fmadd_ps(in, w, acc[v]);
    }
  }
  const __m512 lo = _mm512_set1_ps(p->min), hi = _mm512_set1_ps(p->max);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __m512 r = p->clamp ? clamp16(acc[v], lo, hi) : acc[v];
    if (v == NV - 1) {
      _mm512_mask_storeu_ps(out + 16 * v, ml, r);
    } else {
      _mm512_storeu_ps(out + 16 * v, r);
    }
  }
}

template <int TAPS>
void dw_rows(size_t rows, size_t width, size_t taps, const float* in, size_t in_row_step, const int64_t* off,
             const float* weights, float bias, float* out, size_t out_stride, const F32GemmParams* p) {
  __m512 wv[TAPS > 0 ? TAPS : 1] = {};
  for (int t = 0; t < TAPS; ++t) wv[t] = _mm512_set1_ps(weights[t]);
  const __m512 vb = _mm512_set1_ps(bias);
  const size_t rest = width % 64;
  const size_t nv = (rest + 15) / 16, last = rest - 16 * (nv == 0 ? 0 : nv - 1);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = in + r * in_row_step;
    float* o = out + r * out_stride;
    size_t x = 0;
    for (; x + 64 <= width; x += 64) dw_block<TAPS, 4>(row + x, taps, off, wv, weights, vb, 16, o + x, p);
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

void f32_gemm_minmax_14x32__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                   const float* b, size_t b_stride, float* c, size_t c_stride,
                                   const F32GemmParams* p) {
  assert(mr >= 1 && mr <= static_cast<size_t>(kMR) && nc >= 1 && nc <= 32);
  switch (mr) {
    case 14: return gemm_rows<14>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 13: return gemm_rows<13>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 12: return gemm_rows<12>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 11: return gemm_rows<11>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 10: return gemm_rows<10>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 9: return gemm_rows<9>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 8: return gemm_rows<8>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 7: return gemm_rows<7>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 6: return gemm_rows<6>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 5: return gemm_rows<5>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 4: return gemm_rows<4>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 3: return gemm_rows<3>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    case 2: return gemm_rows<2>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
    default: return gemm_rows<1>(nc, kc, a, a_stride, b, b_stride, c, c_stride, p);
  }
}

void f32_gemv_minmax__avx512(size_t mx, size_t nw, size_t k, const float* x, size_t x_stride, const float* w,
                             size_t w_stride, float* y, size_t y_stride, const F32GemmParams* p) {
  assert(mx >= 1 && mx <= 4);
  switch (mx) {
    case 4: return gemv_rows<4>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
    case 3: return gemv_rows<3>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
    case 2: return gemv_rows<2>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
    default: return gemv_rows<1>(nw, k, x, x_stride, w, w_stride, y, y_stride, p);
  }
}

void f32_dwconv_minmax__avx512(size_t rows, size_t width, size_t taps, const float* in, size_t in_row_step,
                               const int64_t* tap_offsets, const float* weights, float bias, float* out,
                               size_t out_stride, const F32GemmParams* p) {
  if (taps == 9) {
    dw_rows<9>(rows, width, taps, in, in_row_step, tap_offsets, weights, bias, out, out_stride, p);
  } else {
    dw_rows<0>(rows, width, taps, in, in_row_step, tap_offsets, weights, bias, out, out_stride, p);
  }
}

void f32_packb__avx512(size_t kc, size_t nr, const float* const* rows, size_t nruns, const F32PackRun* runs,
                       float* panel) {
  // Runs outermost: each run's length and offsets are fixed across the kc rows, so the row loop is
  // a straight copy of one to two vectors (the common case: a whole 32-column run) per row.
  for (size_t r = 0; r < nruns; ++r) {
    const int64_t src = runs[r].src;
    float* dst = panel + runs[r].dst;
    const size_t len = runs[r].len;
    if (len == 32) {
      for (size_t k = 0; k < kc; ++k) {
        const float* s = rows[k] + src;
        _mm512_storeu_ps(dst + k * nr, _mm512_loadu_ps(s));
        _mm512_storeu_ps(dst + k * nr + 16, _mm512_loadu_ps(s + 16));
      }
    } else if (len > 16) {
      const __mmask16 m = lanes(len - 16);
      for (size_t k = 0; k < kc; ++k) {
        const float* s = rows[k] + src;
        _mm512_storeu_ps(dst + k * nr, _mm512_loadu_ps(s));
        _mm512_mask_storeu_ps(dst + k * nr + 16, m, _mm512_maskz_loadu_ps(m, s + 16));
      }
    } else if (len > 0) {
      const __mmask16 m = lanes(len);
      for (size_t k = 0; k < kc; ++k) {
        _mm512_mask_storeu_ps(dst + k * nr, m, _mm512_maskz_loadu_ps(m, rows[k] + src));
      }
    }
    // Longer runs (a panel wider than 32 columns) copy the rest 16 at a time.
    for (size_t done = 32; done < len; done += 16) {
      const __mmask16 m = lanes(len - done);
      for (size_t k = 0; k < kc; ++k) {
        _mm512_mask_storeu_ps(dst + k * nr + done, m, _mm512_maskz_loadu_ps(m, rows[k] + src + done));
      }
    }
  }
}

void f32_padsplit__avx512(size_t rows, size_t width, const float* src, size_t src_stride, size_t lo, size_t stride,
                          size_t phase_len, float* dst, size_t phase_stride, size_t dst_stride) {
  // Padded column j of a row is src[j - lo] where lo <= j < lo + width, else 0: a window of padded
  // columns is one masked load at src + j0 - lo (masked-out lanes are never touched, even before
  // src). The masks depend on the window only, so they are worked out once for all rows.
  const int64_t begin = static_cast<int64_t>(lo), end = static_cast<int64_t>(lo + width);
  auto valid = [&](int64_t j0) {  // lanes of the 16-column window at j0 that hold input
    const int64_t b = begin - j0 > 0 ? begin - j0 : 0, e = end - j0 < 16 ? end - j0 : 16;
    return e > b ? static_cast<__mmask16>(((1u << e) - 1u) & ~((1u << b) - 1u)) : __mmask16(0);
  };
  constexpr size_t kMaxWindows = 64;  // rows up to 1024 (stride 1) / 2048 (stride 2) columns
  const size_t windows = (phase_len + 15) / 16;
  if ((stride == 1 || stride == 2) && windows <= kMaxWindows) {
    __mmask16 in_a[kMaxWindows], in_b[kMaxWindows], out[kMaxWindows];
    for (size_t w = 0; w < windows; ++w) {
      const int64_t j0 = static_cast<int64_t>(stride * 16 * w);
      in_a[w] = valid(j0);
      in_b[w] = valid(j0 + 16);
      out[w] = lanes(phase_len - 16 * w);
    }
    if (stride == 1) {
      for (size_t r = 0; r < rows; ++r) {
        const float* s = src + r * src_stride - begin;
        float* d = dst + r * dst_stride;
        for (size_t w = 0; w < windows; ++w) {
          _mm512_mask_storeu_ps(d + 16 * w, out[w], _mm512_maskz_loadu_ps(in_a[w], s + 16 * w));
        }
      }
      return;
    }
    // 32 padded columns make 16 entries of each phase: evens to phase 0, odds to phase 1.
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (size_t r = 0; r < rows; ++r) {
      const float* s = src + r * src_stride - begin;
      float* d = dst + r * dst_stride;
      for (size_t w = 0; w < windows; ++w) {
        const __m512 va = _mm512_maskz_loadu_ps(in_a[w], s + 32 * w);
        const __m512 vb = _mm512_maskz_loadu_ps(in_b[w], s + 32 * w + 16);
        _mm512_mask_storeu_ps(d + 16 * w, out[w], _mm512_permutex2var_ps(va, evens, vb));
        _mm512_mask_storeu_ps(d + phase_stride + 16 * w, out[w], _mm512_permutex2var_ps(va, odds, vb));
      }
    }
    return;
  }
  for (size_t r = 0; r < rows; ++r) {
    for (size_t q = 0; q < stride; ++q) {
      float* ph = dst + r * dst_stride + q * phase_stride;
      for (size_t i = 0; i < phase_len; ++i) {
        const size_t j = i * stride + q;
        ph[i] = j >= lo && j - lo < width ? src[r * src_stride + j - lo] : 0.0f;
      }
    }
  }
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
