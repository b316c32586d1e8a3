// quantize-scalar.cpp: the __scalar quantize / dequantize / requantize kernels, the specification
// every other variant must equal bit for bit.
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "kernels/quantize_kernels.h"
#include "kernels/quantize_ukernels.h"

namespace octet::kernels {
namespace {

// The quantize rule on one value, in float32 and in this order:
//   r = nearbyint(x * inv_scale)   one rounded multiply, then round half to even
//   t = r + (float)zero_point      the zero point is added after rounding (PyTorch's order)
//   t = min(t, qmax)               written as !(t <= qmax) so that NaN lands on qmax (PyTorch's
//                                  answer for 8-bit activations)
//   t = max(t, qmin)
// The SIMD variants model the clamp with minps(t, qmax) (returns its second operand when either is
// NaN) and then maxps(t, qmin).
inline int32_t quantize_value(float x, float inv_scale, float zero_point, float qmin, float qmax) {
  float t = std::nearbyint(x * inv_scale) + zero_point;
  if (!(t <= qmax)) t = qmax;
  if (t < qmin) t = qmin;
  return static_cast<int32_t>(t);
}

// (q - zero_point) is formed exactly (int64) and rounded to float once; for 8-bit inputs with an
// in-range zero point this is the plain int32 difference.
inline float dequantize_value(int32_t q, int32_t zero_point, float scale) {
  return static_cast<float>(static_cast<int64_t>(q) - zero_point) * scale;
}

template <typename T>
constexpr bool in_type_range(int32_t v) {
  return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
}

template <typename Out>
void quantize(size_t n, const float* x, Out* y, const QuantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(p->qmin <= p->qmax && in_type_range<Out>(p->qmin) && in_type_range<Out>(p->qmax));
  const float zero_point = static_cast<float>(p->zero_point);
  const float qmin = static_cast<float>(p->qmin);
  const float qmax = static_cast<float>(p->qmax);
  for (size_t i = 0; i < n; ++i) {
    y[i] = static_cast<Out>(quantize_value(x[i], p->inv_scale, zero_point, qmin, qmax));
  }
}

template <typename Out>
void quantize_cw(size_t n, const float* x, Out* y, const float* inv_scale, const int32_t* zero_point,
                 int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr && inv_scale != nullptr && zero_point != nullptr));
  assert(qmin <= qmax && in_type_range<Out>(qmin) && in_type_range<Out>(qmax));
  const float qmin_f = static_cast<float>(qmin);
  const float qmax_f = static_cast<float>(qmax);
  for (size_t i = 0; i < n; ++i) {
    y[i] = static_cast<Out>(quantize_value(x[i], inv_scale[i], static_cast<float>(zero_point[i]),
                                           qmin_f, qmax_f));
  }
}

template <typename In>
void dequantize(size_t n, const In* x, float* y, const DequantizeParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  // The SIMD variants subtract 8-bit zero points in int32, exact only for an in-range zero point.
  assert(sizeof(In) == 4 || in_type_range<In>(p->zero_point));
  for (size_t i = 0; i < n; ++i) y[i] = dequantize_value(x[i], p->zero_point, p->scale);
}

// Requantize is quantize with x = (float)acc (round to nearest even, as cvtdq2ps) and
// inv_scale = multiplier.
template <typename Out>
void requantize(size_t n, const int32_t* acc, Out* y, const RequantizeParams* p) {
  assert(n == 0 || (acc != nullptr && y != nullptr));
  assert(p->qmin <= p->qmax && in_type_range<Out>(p->qmin) && in_type_range<Out>(p->qmax));
  const float zero_point = static_cast<float>(p->zero_point);
  const float qmin = static_cast<float>(p->qmin);
  const float qmax = static_cast<float>(p->qmax);
  for (size_t i = 0; i < n; ++i) {
    y[i] = static_cast<Out>(
        quantize_value(static_cast<float>(acc[i]), p->multiplier, zero_point, qmin, qmax));
  }
}

}  // namespace

void f32_qu8_vquantize__scalar(size_t n, const float* x, uint8_t* y, const QuantizeParams* p) {
  quantize(n, x, y, p);
}

void f32_qs8_vquantize__scalar(size_t n, const float* x, int8_t* y, const QuantizeParams* p) {
  quantize(n, x, y, p);
}

void f32_qu8_vquantize_cw__scalar(size_t n, const float* x, uint8_t* y, const float* inv_scale,
                                  const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  quantize_cw(n, x, y, inv_scale, zero_point, qmin, qmax);
}

void f32_qs8_vquantize_cw__scalar(size_t n, const float* x, int8_t* y, const float* inv_scale,
                                  const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  quantize_cw(n, x, y, inv_scale, zero_point, qmin, qmax);
}

void qu8_f32_vdequantize__scalar(size_t n, const uint8_t* x, float* y, const DequantizeParams* p) {
  dequantize(n, x, y, p);
}

void qs8_f32_vdequantize__scalar(size_t n, const int8_t* x, float* y, const DequantizeParams* p) {
  dequantize(n, x, y, p);
}

void qs32_f32_vdequantize__scalar(size_t n, const int32_t* x, float* y, const DequantizeParams* p) {
  dequantize(n, x, y, p);
}

void qs32_qu8_vrequantize__scalar(size_t n, const int32_t* acc, uint8_t* y,
                                  const RequantizeParams* p) {
  requantize(n, acc, y, p);
}

void qs32_qs8_vrequantize__scalar(size_t n, const int32_t* acc, int8_t* y,
                                  const RequantizeParams* p) {
  requantize(n, acc, y, p);
}

}  // namespace octet::kernels
