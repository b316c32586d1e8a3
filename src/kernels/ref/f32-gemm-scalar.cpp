// f32-gemm-scalar.cpp: portable float32 GEMM / GEMV / depthwise / packing kernels, the specification of their families.
#include <cassert>
#include <cstddef>

#include "kernels/f32_gemm_kernels.h"

namespace octet::kernels {
namespace {

constexpr size_t kMR = 4;
constexpr size_t kNR = 8;

// The clamp of F32GemmParams: the upper bound first, then the lower; a NaN fails both comparisons
// and stays NaN (the vector variants order their min/max operands to do the same).
inline float finish(float v, const F32GemmParams* p) {
  if (!p->clamp) return v;
  v = v > p->max ? p->max : v;
  v = v < p->min ? p->min : v;
  return v;
}

}  // namespace

void f32_gemm_minmax_4x8__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                 const float* b, size_t b_stride, float* c, size_t c_stride,
                                 const F32GemmParams* p) {
  assert(mr >= 1 && mr <= kMR && nc >= 1 && nc <= kNR);
  float acc[kMR][kNR] = {};
  for (size_t k = 0; k < kc; ++k) {
    for (size_t i = 0; i < mr; ++i) {
      const float ai = a[i * a_stride + k];
      for (size_t j = 0; j < nc; ++j) acc[i][j] += ai * b[k * b_stride + j];
    }
  }
  for (size_t i = 0; i < mr; ++i) {
    for (size_t j = 0; j < nc; ++j) {
      float v = acc[i][j];
      if (p->accumulate) {
        v += c[i * c_stride + j];
      } else {
        if (p->row_bias != nullptr) v += p->row_bias[i];
        if (p->col_bias != nullptr) v += p->col_bias[j];
      }
      c[i * c_stride + j] = finish(v, p);
    }
  }
}

void f32_gemv_minmax__scalar(size_t mx, size_t nw, size_t k, const float* x, size_t x_stride,
                             const float* w, size_t w_stride, float* y, size_t y_stride,
                             const F32GemmParams* p) {
  assert(mx >= 1 && mx <= 4);
  for (size_t m = 0; m < mx; ++m) {
    for (size_t n = 0; n < nw; ++n) {
      float acc = 0.0f;
      for (size_t i = 0; i < k; ++i) acc += x[m * x_stride + i] * w[n * w_stride + i];
      float& out = y[m * y_stride + n];
      if (p->accumulate) {
        acc += out;
      } else if (p->col_bias != nullptr) {
        acc += p->col_bias[n];
      }
      out = finish(acc, p);
    }
  }
}

void f32_dwconv_minmax__scalar(size_t rows, size_t width, size_t taps, const float* in, size_t in_row_step,
                               const int64_t* tap_offsets, const float* weights, float bias, float* out,
                               size_t out_stride, const F32GemmParams* p) {
  for (size_t r = 0; r < rows; ++r) {
    const float* row = in + r * in_row_step;
    for (size_t x = 0; x < width; ++x) {
      float acc = bias;
      for (size_t t = 0; t < taps; ++t) acc += weights[t] * row[tap_offsets[t] + static_cast<int64_t>(x)];
      out[r * out_stride + x] = finish(acc, p);
    }
  }
}

void f32_packb__scalar(size_t kc, size_t nr, const float* const* rows, size_t nruns, const F32PackRun* runs,
                       float* panel) {
  for (size_t k = 0; k < kc; ++k) {
    for (size_t r = 0; r < nruns; ++r) {
      const float* src = rows[k] + runs[r].src;
      float* dst = panel + k * nr + runs[r].dst;
      for (size_t i = 0; i < runs[r].len; ++i) dst[i] = src[i];
    }
  }
}

void f32_padsplit__scalar(size_t rows, size_t width, const float* src, size_t src_stride, size_t lo, size_t stride,
                          size_t phase_len, float* dst, size_t phase_stride, size_t dst_stride) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t q = 0; q < stride; ++q) {
      for (size_t i = 0; i < phase_len; ++i) {
        const size_t j = i * stride + q;  // padded column
        dst[r * dst_stride + q * phase_stride + i] = j >= lo && j - lo < width ? src[r * src_stride + j - lo] : 0.0f;
      }
    }
  }
}

}  // namespace octet::kernels
