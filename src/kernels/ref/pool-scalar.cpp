// pool-scalar.cpp: portable pooling microkernels, the reference the ISA variants are tested against.
#include <cstddef>

#include "kernels/pool_kernels.h"

namespace octet::kernels {

// PyTorch's comparison: a NaN tap replaces the maximum, and nothing replaces a NaN maximum
// (NaN > m and m > NaN are both false), so NaN is sticky.
void f32_maxpool_taps__scalar(size_t n, size_t taps, const float* in, size_t stride, size_t dilation,
                              float* acc) {
  for (size_t j = 0; j < n; ++j) {
    const float* p = in + j * stride;
    float m = acc[j];
    for (size_t t = 0; t < taps; ++t) {
      const float v = p[t * dilation];
      if (v > m || v != v) m = v;
    }
    acc[j] = m;
  }
}

void f32_sumpool_taps__scalar(size_t n, size_t taps, const float* in, size_t stride, size_t dilation,
                              float* acc) {
  for (size_t j = 0; j < n; ++j) {
    const float* p = in + j * stride;
    float s = acc[j];
    for (size_t t = 0; t < taps; ++t) s += p[t * dilation];
    acc[j] = s;
  }
}

// Eight interleaved partial sums: the same error growth as the vector variants (sqrt-ish rather
// than linear in n), and the loop vectorises.
float f32_rsum__scalar(size_t n, const float* x) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) part[k] += x[i + k];
  }
  for (; i < n; ++i) part[0] += x[i];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

}  // namespace octet::kernels
