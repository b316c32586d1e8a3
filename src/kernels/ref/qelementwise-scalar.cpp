// qelementwise-scalar.cpp: the __scalar 8-bit add / mul / clamp / lookup kernels, the specification
// every other variant must equal bit for bit (formulas in qelementwise_kernels.h).
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "kernels/qelementwise_kernels.h"
#include "kernels/qelementwise_ukernels.h"

namespace octet::kernels {
namespace {

template <typename T>
constexpr bool in_type_range(int32_t v) {
  return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
}

// fma(scale, (float)q, bias) for an 8-bit q, computed exactly in double and rounded once: scale * q
// has at most 24 + 8 significant bits, and bias (scale * -zero_point rounded to float) is a multiple
// of scale's last bit, so the double sum is exact. Equal to the x86 kernels' vfmadd in every
// rounding mode (the one rounding is the conversion to float, in the current mode).
inline float dequantize_fma(float scale, int32_t q, float bias) {
  return static_cast<float>(static_cast<double>(scale) * q + static_cast<double>(bias));
}

// The quantize rule after the multiply: r = nearbyint(v) + zero_point in float32, then the clamp
// written as !(t <= qmax) so that NaN lands on qmax (the SIMD variants use minps(t, qmax), which
// returns its second operand when either is NaN), then max with qmin.
inline int32_t round_and_clamp(float v, float zero_point, float qmin, float qmax) {
  float t = std::nearbyint(v) + zero_point;
  if (!(t <= qmax)) t = qmax;
  if (t < qmin) t = qmin;
  return static_cast<int32_t>(t);
}

template <typename T>
void check_output_params(int32_t zero_point, int32_t qmin, int32_t qmax) {
  (void)zero_point, (void)qmin, (void)qmax;
  assert(qmin <= qmax && in_type_range<T>(qmin) && in_type_range<T>(qmax));
  assert(in_type_range<T>(zero_point));
}

template <typename T>
void vadd(size_t n, const T* a, const T* b, T* y, const QAddParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  check_output_params<T>(p->output_zero_point, p->qmin, p->qmax);
  const float zp = static_cast<float>(p->output_zero_point);
  const float qmin = static_cast<float>(p->qmin), qmax = static_cast<float>(p->qmax);
  for (size_t i = 0; i < n; ++i) {
    const float x = dequantize_fma(p->a_scale, a[i], p->a_bias);
    const float z = dequantize_fma(p->b_scale, b[i], p->b_bias);
    y[i] = static_cast<T>(round_and_clamp((x + z) * p->inv_output_scale, zp, qmin, qmax));
  }
}

template <typename T>
void vaddc(size_t n, const T* a, const T* b, T* y, const QAddParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  check_output_params<T>(p->output_zero_point, p->qmin, p->qmax);
  const float zp = static_cast<float>(p->output_zero_point);
  const float qmin = static_cast<float>(p->qmin), qmax = static_cast<float>(p->qmax);
  const float z = n == 0 ? 0.0f : dequantize_fma(p->b_scale, b[0], p->b_bias);
  for (size_t i = 0; i < n; ++i) {
    const float x = dequantize_fma(p->a_scale, a[i], p->a_bias);
    y[i] = static_cast<T>(round_and_clamp((x + z) * p->inv_output_scale, zp, qmin, qmax));
  }
}

template <typename T>
void vmul(size_t n, const T* a, const T* b, T* y, const QMulParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  assert(in_type_range<T>(p->a_zero_point) && in_type_range<T>(p->b_zero_point));
  check_output_params<T>(p->output_zero_point, p->qmin, p->qmax);
  const float zp = static_cast<float>(p->output_zero_point);
  const float qmin = static_cast<float>(p->qmin), qmax = static_cast<float>(p->qmax);
  for (size_t i = 0; i < n; ++i) {
    const int32_t acc = (a[i] - p->a_zero_point) * (b[i] - p->b_zero_point);  // |acc| <= 65025: exact
    y[i] = static_cast<T>(round_and_clamp(static_cast<float>(acc) * p->multiplier, zp, qmin, qmax));
  }
}

template <typename T>
void vmulc(size_t n, const T* a, const T* b, T* y, const QMulParams* p) {
  assert(n == 0 || (a != nullptr && b != nullptr && y != nullptr));
  assert(in_type_range<T>(p->a_zero_point) && in_type_range<T>(p->b_zero_point));
  check_output_params<T>(p->output_zero_point, p->qmin, p->qmax);
  const float zp = static_cast<float>(p->output_zero_point);
  const float qmin = static_cast<float>(p->qmin), qmax = static_cast<float>(p->qmax);
  const int32_t bz = n == 0 ? 0 : b[0] - p->b_zero_point;
  for (size_t i = 0; i < n; ++i) {
    const int32_t acc = (a[i] - p->a_zero_point) * bz;
    y[i] = static_cast<T>(round_and_clamp(static_cast<float>(acc) * p->multiplier, zp, qmin, qmax));
  }
}

template <typename T>
void vclamp(size_t n, const T* x, T* y, const QClampParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(in_type_range<T>(p->min) && in_type_range<T>(p->max));
  for (size_t i = 0; i < n; ++i) {
    int32_t v = x[i];
    if (v < p->min) v = p->min;
    if (v > p->max) v = p->max;  // after the max: min > max gives max, as torch.clamp
    y[i] = static_cast<T>(v);
  }
}

}  // namespace

void qu8_vadd__scalar(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p) {
  vadd(n, a, b, y, p);
}
void qs8_vadd__scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p) {
  vadd(n, a, b, y, p);
}
void qu8_vaddc__scalar(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p) {
  vaddc(n, a, b, y, p);
}
void qs8_vaddc__scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p) {
  vaddc(n, a, b, y, p);
}
void qu8_vmul__scalar(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p) {
  vmul(n, a, b, y, p);
}
void qs8_vmul__scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p) {
  vmul(n, a, b, y, p);
}
void qu8_vmulc__scalar(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p) {
  vmulc(n, a, b, y, p);
}
void qs8_vmulc__scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p) {
  vmulc(n, a, b, y, p);
}

void x8_lut__scalar(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  assert(n == 0 || (x != nullptr && y != nullptr && table != nullptr));
  for (size_t i = 0; i < n; ++i) y[i] = table[x[i]];
}

void qu8_vclamp__scalar(size_t n, const uint8_t* x, uint8_t* y, const QClampParams* p) { vclamp(n, x, y, p); }
void qs8_vclamp__scalar(size_t n, const int8_t* x, int8_t* y, const QClampParams* p) { vclamp(n, x, y, p); }

}  // namespace octet::kernels
