// float_compare.h: max-norm comparisons of float32 tensors for tests that hold outputs to a tolerance.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "octet/tensor.h"

namespace octet::test {

// The largest |t[i]| of a float32 tensor (any layout).
inline float max_abs(const Tensor& t) {
  const Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  float m = 0.0F;
  for (int64_t i = 0; i < c.numel(); ++i) m = std::max(m, std::fabs(p[i]));
  return m;
}

// The largest |a[i] - b[i]| of two float32 tensors of one shape (a shape mismatch fails the test).
inline float max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  const float* pa = ca.data_ptr<float>();
  const float* pb = cb.data_ptr<float>();
  float m = 0.0F;
  for (int64_t i = 0; i < ca.numel(); ++i) m = std::max(m, std::fabs(pa[i] - pb[i]));
  return m;
}

}  // namespace octet::test
