// qpool-scalar.cpp: the __scalar 8-bit pooling kernels, the specification every other variant equals bit for bit.
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "kernels/qpool_kernels.h"

namespace octet::kernels {
namespace {

template <typename T>
void maxpool(size_t n, size_t taps, const T* const* x, size_t stride, T* y) {
  assert(n == 0 || y != nullptr);
  assert(taps == 0 || x != nullptr);
  assert(stride >= 1);
  for (size_t j = 0; j < n; ++j) {
    T m = std::numeric_limits<T>::lowest();
    for (size_t t = 0; t < taps; ++t) {
      const T v = x[t][j * stride];
      if (v > m) m = v;
    }
    y[j] = m;
  }
}

// Octet's requantization contract on one sum, in float32 and in this order:
//   r = nearbyint((float)acc * multiplier)   one rounded multiply, then round half to even
//   clamp r to [qmin - zero_point, qmax - zero_point], then add the zero point (exact integers)
// which equals clamp(r + zero_point, qmin, qmax) for every r (octet::requantize_value).
inline int32_t requantize(int64_t acc, const QAvgPoolParams* p) {
  const float lo = static_cast<float>(p->qmin - p->zero_point);
  const float hi = static_cast<float>(p->qmax - p->zero_point);
  float r = std::nearbyint(static_cast<float>(static_cast<int32_t>(acc)) * p->multiplier);
  if (!(r <= hi)) r = hi;  // NaN cannot occur (finite multiplier, finite acc); written NaN-safe anyway
  if (r < lo) r = lo;
  return static_cast<int32_t>(r) + p->zero_point;
}

template <typename T>
void avgpool(size_t n, size_t taps, const T* const* x, size_t stride, T* y, const QAvgPoolParams* p) {
  assert(n == 0 || y != nullptr);
  assert(taps == 0 || x != nullptr);
  assert(stride >= 1 && taps <= kQPoolMaxTaps);
  assert(p->qmin <= p->qmax && p->qmin >= std::numeric_limits<T>::min() && p->qmax <= std::numeric_limits<T>::max());
  assert(p->zero_point >= std::numeric_limits<T>::min() && p->zero_point <= std::numeric_limits<T>::max());
  for (size_t j = 0; j < n; ++j) {
    int64_t acc = p->bias;  // int64: the partial sums of a signed window may leave int32 on the way
    for (size_t t = 0; t < taps; ++t) acc += x[t][j * stride];
    assert(acc >= std::numeric_limits<int32_t>::min() && acc <= std::numeric_limits<int32_t>::max());
    y[j] = static_cast<T>(requantize(acc, p));
  }
}

template <typename T>
int32_t rsum(size_t n, const T* x) {
  assert(n <= kQPoolMaxTaps);
  int32_t s = 0;  // |s| <= 255 * 2^23 < 2^31
  for (size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

}  // namespace

void qu8_maxpool__scalar(size_t n, size_t taps, const uint8_t* const* x, size_t stride, uint8_t* y) {
  maxpool(n, taps, x, stride, y);
}
void qs8_maxpool__scalar(size_t n, size_t taps, const int8_t* const* x, size_t stride, int8_t* y) {
  maxpool(n, taps, x, stride, y);
}
void qu8_avgpool_minmax_fp32__scalar(size_t n, size_t taps, const uint8_t* const* x, size_t stride, uint8_t* y,
                                     const QAvgPoolParams* params) {
  avgpool(n, taps, x, stride, y, params);
}
void qs8_avgpool_minmax_fp32__scalar(size_t n, size_t taps, const int8_t* const* x, size_t stride, int8_t* y,
                                     const QAvgPoolParams* params) {
  avgpool(n, taps, x, stride, y, params);
}
int32_t qu8_s32_rsum__scalar(size_t n, const uint8_t* x) { return rsum(n, x); }
int32_t qs8_s32_rsum__scalar(size_t n, const int8_t* x) { return rsum(n, x); }

}  // namespace octet::kernels
