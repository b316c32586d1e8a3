// float_range.cpp: one-pass min / max / finiteness scan over a float array.
#include "ops/float_range.h"

#include <algorithm>

namespace octet::ops {

// The min and max of n > 0 floats and whether all are finite, in one vectorized pass: omp simd
// reductions (minps/maxps lanes) over four quarters of the array at once, so four dependency chains
// overlap. `v < lo ? v : lo` is minps' own rule. nan_seen sums v - v: 0 for finite v, NaN for NaN
// or +-inf, and a NaN survives any order of summation.
FloatRange float_range(const float* d, int64_t n) {
  const int64_t q = n / 4;
  const float* d1 = d + q;
  const float* d2 = d + 2 * q;
  const float* d3 = d + 3 * q;
  float lo0 = d[0], lo1 = d[0], lo2 = d[0], lo3 = d[0];
  float hi0 = d[0], hi1 = d[0], hi2 = d[0], hi3 = d[0];
  float ns0 = 0, ns1 = 0, ns2 = 0, ns3 = 0;
#pragma omp simd reduction(min : lo0, lo1, lo2, lo3) reduction(max : hi0, hi1, hi2, hi3) \
    reduction(+ : ns0, ns1, ns2, ns3)
  for (int64_t i = 0; i < q; ++i) {
    const float v0 = d[i], v1 = d1[i], v2 = d2[i], v3 = d3[i];
    lo0 = v0 < lo0 ? v0 : lo0;
    lo1 = v1 < lo1 ? v1 : lo1;
    lo2 = v2 < lo2 ? v2 : lo2;
    lo3 = v3 < lo3 ? v3 : lo3;
    hi0 = v0 > hi0 ? v0 : hi0;
    hi1 = v1 > hi1 ? v1 : hi1;
    hi2 = v2 > hi2 ? v2 : hi2;
    hi3 = v3 > hi3 ? v3 : hi3;
    ns0 += v0 - v0;
    ns1 += v1 - v1;
    ns2 += v2 - v2;
    ns3 += v3 - v3;
  }
  float lo = std::min(std::min(lo0, lo1), std::min(lo2, lo3));
  float hi = std::max(std::max(hi0, hi1), std::max(hi2, hi3));
  float nan_seen = (ns0 + ns1) + (ns2 + ns3);
  for (int64_t i = 4 * q; i < n; ++i) {
    lo = d[i] < lo ? d[i] : lo;
    hi = d[i] > hi ? d[i] : hi;
    nan_seen += d[i] - d[i];
  }
  return FloatRange{lo, hi, nan_seen == 0.0f};
}

}  // namespace octet::ops
