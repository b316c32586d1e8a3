// observer_util.h: small helpers the min/max observers share (scalar tensors, options checks).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "octet/error.h"
#include "octet/tensor.h"

namespace octet::quantization::detail {

inline Tensor float_scalar(float v) {
  Tensor t = zeros({}, kFloat32);
  *t.data_ptr<float>() = v;
  return t;
}

inline Tensor int64_scalar(int64_t v) {
  Tensor t = zeros({}, kInt64);
  *t.data_ptr<int64_t>() = v;
  return t;
}

// A moving-average constant must lie in (0, 1] (PyTorch does not check; 0 would never move, > 1
// would overshoot); with is_dynamic PyTorch requires exactly 1.
inline void check_averaging_constant(double c, bool is_dynamic, const char* observer_name) {
  OCTET_CHECK(std::isfinite(c) && c > 0.0 && c <= 1.0, observer_name, "averaging_constant must be in (0, 1], got ",
              c);
  OCTET_CHECK(!is_dynamic || c == 1.0, observer_name,
              "dynamic quantization (is_dynamic) needs averaging_constant 1 (the last batch's range), got ", c);
}

// The weighted mean of two moving averages, (n * a + m * b) / (n + m) in double, rounded once to
// float32 (commutative; equal inputs give the input back).
inline float weighted_mean(float a, int64_t n, float b, int64_t m) {
  const double num = static_cast<double>(n) * a + static_cast<double>(m) * b;
  return static_cast<float>(num / static_cast<double>(n + m));
}

// A 0-d int64 counter's value.
inline int64_t count_of(const Tensor& t) { return *t.data_ptr<int64_t>(); }

}  // namespace octet::quantization::detail
