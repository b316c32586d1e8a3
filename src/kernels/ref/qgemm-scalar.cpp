// qgemm-scalar.cpp: the __scalar 8-bit GEMM kernel, the specification every other variant equals bit for bit.
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
namespace {

// Wrapping int32 arithmetic, written on uint32 so that overflow is defined.
inline int32_t wrap_add(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
}
inline int32_t wrap_mul(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) * static_cast<uint32_t>(y));
}

// The requantization rule (NUMERICS.md, "Octet's contract" 2), in float32 and in this order.
inline int32_t requantize_value(int32_t acc, float multiplier, float zero_point, float qmin, float qmax) {
  float t = std::nearbyint(static_cast<float>(acc) * multiplier) + zero_point;
  if (!(t <= qmax)) t = qmax;
  if (t < qmin) t = qmin;
  return static_cast<int32_t>(t);
}

}  // namespace

namespace {

constexpr size_t kMR = 4, kNR = 4;

// The output stage of an mr x nc tile of raw sums acc (the definition in qgemm_kernels.h).
void finish_tile(size_t mr, size_t nc, int32_t (&acc)[kMR][kNR], void* c, size_t c_stride, const QGemmParams* p) {
  for (size_t i = 0; i < mr; ++i) {
    for (size_t j = 0; j < nc; ++j) {
      int32_t v = wrap_add(acc[i][j], p->col_init[j]);
      if (p->a_sum != nullptr) v = wrap_add(v, -wrap_mul(p->w_zero_point[j], p->a_sum[i]));
      acc[i][j] = v;
    }
  }
  const float zp = static_cast<float>(p->zero_point);
  const float qmin = static_cast<float>(p->qmin);
  const float qmax = static_cast<float>(p->qmax);
  for (size_t i = 0; i < mr; ++i) {
    char* row = static_cast<char*>(c) + i * c_stride;
    for (size_t j = 0; j < nc; ++j) {
      switch (p->output) {
        case QGemmOutput::S32:
          reinterpret_cast<int32_t*>(row)[j] = acc[i][j];
          break;
        case QGemmOutput::QU8:
          reinterpret_cast<uint8_t*>(row)[j] =
              static_cast<uint8_t>(requantize_value(acc[i][j], p->multiplier[j], zp, qmin, qmax));
          break;
        case QGemmOutput::QS8:
          reinterpret_cast<int8_t*>(row)[j] =
              static_cast<int8_t>(requantize_value(acc[i][j], p->multiplier[j], zp, qmin, qmax));
          break;
        case QGemmOutput::F32: {
          float v = static_cast<float>(acc[i][j]) * p->scale[j];
          if (p->bias != nullptr) v = v + p->bias[j];
          // fmin(max, v) then fmax(min, v), with the tie of +0 and -0 pinned to v (what vminps /
          // vmaxps with v as the second operand give; glibc's fminf/fmaxf agree). NaN cannot arise:
          // acc, scale and bias are finite.
          v = p->max < v ? p->max : v;
          v = p->min > v ? p->min : v;
          reinterpret_cast<float*>(row)[j] = v;
          break;
        }
      }
    }
  }
}

// acc[i][j] += the kc / 4 k-groups of row i (at rows[i]) times the panel at w, in wrapping int32.
void accumulate(size_t mr, size_t nc, size_t kc, const uint8_t* const* rows, const int8_t* w,
                int32_t (&acc)[kMR][kNR]) {
  for (size_t g = 0; g < kc / 4; ++g) {
    const int8_t* wg = w + g * kNR * 4;
    for (size_t i = 0; i < mr; ++i) {
      const uint8_t* ai = rows[i] + g * 4;
      for (size_t j = 0; j < nc; ++j) {
        for (size_t t = 0; t < 4; ++t) {
          acc[i][j] = wrap_add(acc[i][j], static_cast<int32_t>(ai[t]) * static_cast<int32_t>(wg[j * 4 + t]));
        }
      }
    }
  }
}

}  // namespace

void qu8_qs8w_gemm_4x4c4__scalar(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                                 const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= kMR && nc >= 1 && nc <= kNR && kc % 4 == 0);
  assert(p->col_init != nullptr);
  int32_t acc[kMR][kNR] = {};
  const uint8_t* rows[kMR] = {};
  for (size_t i = 0; i < mr; ++i) rows[i] = a + i * a_stride;
  accumulate(mr, nc, kc, rows, w, acc);
  finish_tile(mr, nc, acc, c, c_stride, p);
}

// The igemm tile: segment s of every row against k-groups [s * kc / 4, (s + 1) * kc / 4) of the panel.
void qu8_qs8w_igemm_4x4c4__scalar(size_t mr, size_t nc, size_t kc, size_t ks, const uint8_t* const* a,
                                  const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= kMR && nc >= 1 && nc <= kNR && kc % 4 == 0 && ks >= 1);
  assert(p->col_init != nullptr);
  int32_t acc[kMR][kNR] = {};
  for (size_t s = 0; s < ks; ++s) {
    const uint8_t* rows[kMR] = {};
    for (size_t i = 0; i < mr; ++i) rows[i] = a[i * ks + s];
    accumulate(mr, nc, kc, rows, w + s * (kc / 4) * kNR * 4, acc);
  }
  finish_tile(mr, nc, acc, c, c_stride, p);
}

}  // namespace octet::kernels
