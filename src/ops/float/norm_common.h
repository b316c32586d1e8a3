// norm_common.h: argument checks and parameter access shared by the normalisation ops (internal).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "octet/error.h"
#include "octet/tensor.h"

namespace octet::functional::detail {

inline void check_float_input(const Tensor& input, const char* where) {
  OCTET_CHECK(input.defined(), where, "input is an undefined tensor");
  OCTET_CHECK(input.dtype() == kFloat32, where, "expected a float32 input, got ", input.dtype());
}

// A parameter tensor: absent, or float32 and either a vector of `count` elements (when `shape` is
// empty: per-channel weights, biases, running statistics) or exactly of `shape` (layer_norm's
// elementwise affine). Returns its values contiguous, or an empty vector when absent.
inline std::vector<float> param_values(const Tensor& t, const char* where, const char* name,
                                       int64_t count, const Shape& shape = {}) {
  if (!t.defined()) return {};
  OCTET_CHECK(t.dtype() == kFloat32, where, name, " must be float32, got ", t.dtype());
  if (shape.empty()) {
    OCTET_CHECK(t.dim() == 1 && t.numel() == count, where, name, " should be a vector of ", count,
                " elements, got shape ", shape_to_string(t.shape()));
  } else {
    OCTET_CHECK(t.shape() == shape, where, "expected ", name, " of shape ", shape_to_string(shape),
                " (normalized_shape), got ", shape_to_string(t.shape()));
  }
  const Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + count);
}

// Writes values into a 1-D float32 tensor in place, through its stride (running statistics may be
// views of a larger buffer).
inline void write_vector(const Tensor& t, const std::vector<double>& values) {
  float* p = t.data_ptr<float>();
  const int64_t s = t.stride(0);
  for (size_t i = 0; i < values.size(); ++i) p[static_cast<int64_t>(i) * s] = static_cast<float>(values[i]);
}

inline std::vector<double> read_vector(const Tensor& t) {
  const float* p = t.data_ptr<float>();
  const int64_t s = t.stride(0);
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(p[static_cast<int64_t>(i) * s]);
  return v;
}

// 1 / sqrt(var + eps) in double, then rounded once.
inline double inv_std(double var, double eps) { return 1.0 / std::sqrt(var + eps); }

}  // namespace octet::functional::detail
