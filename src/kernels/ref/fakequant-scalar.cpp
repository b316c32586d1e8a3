// fakequant-scalar.cpp: the __scalar fake-quantize kernels, the specification every other variant
// must equal bit for bit.
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/fakequant_kernels.h"
#include "kernels/fakequant_ukernels.h"

namespace octet::kernels {
namespace {

// ATen's fake_quantize_tensor_cachemask body for one value, statement for statement:
//   qval_f = z_point + std::nearbyint(x * inv_scale)       int64 + float: a float32 add
//   qval   = (int64_t)std::fmin(std::fmax(qval_f, quant_min), quant_max)   promoted to double;
//                                                           fmax(NaN, qmin) is qmin
//   out    = (qval - z_point) * sc                          int64 difference, converted, times sc
//   mask   = quant_min <= qval_f && qval_f <= quant_max     compared in float32
// The clamp runs in double, so any int32 range is exact here (the SIMD variants need the bounds to
// be float32 values).
inline float fake_quantize_value(float x, float scale, float inv_scale, int32_t zero_point, int32_t qmin,
                                 int32_t qmax, uint8_t* mask) {
  const float t = static_cast<float>(zero_point) + std::nearbyint(x * inv_scale);
  const double c = std::fmin(std::fmax(static_cast<double>(t), static_cast<double>(qmin)), static_cast<double>(qmax));
  const auto q = static_cast<int64_t>(c);
  if (mask != nullptr) *mask = static_cast<uint8_t>(static_cast<float>(qmin) <= t && t <= static_cast<float>(qmax));
  return static_cast<float>(q - zero_point) * scale;
}

}  // namespace

void f32_vfakequant__scalar(size_t n, const float* x, float* y, uint8_t* mask, const FakeQuantParams* p) {
  assert(n == 0 || (x != nullptr && y != nullptr));
  assert(p->qmin <= p->zero_point && p->zero_point <= p->qmax);
  for (size_t i = 0; i < n; ++i) {
    y[i] = fake_quantize_value(x[i], p->scale, p->inv_scale, p->zero_point, p->qmin, p->qmax,
                               mask != nullptr ? mask + i : nullptr);
  }
}

void f32_vfakequant_cw__scalar(size_t n, const float* x, float* y, uint8_t* mask, const float* scale,
                               const float* inv_scale, const int32_t* zero_point, int32_t qmin, int32_t qmax) {
  assert(n == 0 || (x != nullptr && y != nullptr && scale != nullptr && inv_scale != nullptr && zero_point != nullptr));
  assert(qmin <= qmax);
  for (size_t i = 0; i < n; ++i) {
    assert(qmin <= zero_point[i] && zero_point[i] <= qmax);
    y[i] = fake_quantize_value(x[i], scale[i], inv_scale[i], zero_point[i], qmin, qmax,
                               mask != nullptr ? mask + i : nullptr);
  }
}

}  // namespace octet::kernels
