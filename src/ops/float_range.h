// float_range.h: the min, max and finiteness of a float array in one vectorized pass (dynamic quantization's range scan).
#pragma once

#include <cstdint>

namespace octet::ops {

// The range of a float array; finite is false when any element is NaN or +-inf.
struct FloatRange {
  float lo = 0, hi = 0;
  bool finite = true;
};

// The min and max of n > 0 floats and whether all are finite, in one pass (float_range.cpp).
FloatRange float_range(const float* d, int64_t n);

}  // namespace octet::ops
