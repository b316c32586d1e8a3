// norm-scalar.cpp: portable normalisation microkernels, the reference the ISA variants are tested against.
#include <cstddef>

#include "kernels/norm_kernels.h"

namespace octet::kernels {

void f32_vscaleshift__scalar(size_t n, const float* x, float scale, float shift, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

void f32_vnormaffine__scalar(size_t n, const float* x, float mean, float rstd, const float* w,
                             const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) {
    float v = (x[i] - mean) * rstd;
    if (w != nullptr) v *= w[i];
    if (b != nullptr) v += b[i];
    y[i] = v;
  }
}

// Two passes rather than Welford: the second pass subtracts an exact-in-double mean, so the sum of
// squares does not cancel catastrophically when |mean| >> std.
void f32_rmoments__scalar(size_t n, const float* x, double* mean, double* m2) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  const double mu = sum / static_cast<double>(n);
  double sq = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mu;
    sq += d * d;
  }
  *mean = mu;
  *m2 = sq;
}

}  // namespace octet::kernels
