// histogram_grid.cpp: the power-of-two-aligned histogram grid: choosing it, binning into it,
// re-binning between grids.
#include "observers/histogram_grid.h"

#include <algorithm>
#include <cmath>

#include "observers/histogram_index.h"
#include "octet/error.h"

namespace octet::quantization::detail {

namespace {

// floor(v / 2^k), exact: scaling by a power of two is exact in double over float32's range.
int64_t floor_scaled(float v, int64_t k) {
  return static_cast<int64_t>(std::floor(std::ldexp(static_cast<double>(v), static_cast<int>(-k))));
}

}  // namespace

HistogramGrid histogram_grid(float lo, float hi, int64_t bins) {
  const float m = std::max(std::fabs(lo), std::fabs(hi));
  // ilogb of the largest magnitude (float32's smallest subnormal exponent for an all-zero range).
  const int64_t top = m > 0.0f ? std::ilogb(m) : -149;
  int64_t k = top - 29;
  // Start near the fitting exponent instead of climbing from the floor.
  const double span = static_cast<double>(hi) - static_cast<double>(lo);
  if (span > 0.0) k = std::max<int64_t>(k, static_cast<int64_t>(std::floor(std::log2(span / static_cast<double>(bins)))) - 1);
  while (floor_scaled(hi, k) - floor_scaled(lo, k) >= bins) ++k;
  return {k, floor_scaled(lo, k)};
}

double grid_edge(const HistogramGrid& grid, int64_t i) {
  return std::ldexp(static_cast<double>(grid.offset + i), static_cast<int>(grid.exponent));
}

int64_t grid_bin(float x, bool abs_values, const HistogramGrid& grid, int64_t bins) {
  if (!std::isfinite(x)) return -1;
  const float v = abs_values ? std::fabs(x) : x;
  const int64_t i = floor_scaled(v, grid.exponent) - grid.offset;
  return i >= 0 && i < bins ? i : -1;
}

void bin_values(const float* x, int64_t n, bool abs_values, const HistogramGrid& grid, int64_t bins,
                int64_t* counts) {
  // y = v * 2^-k in float32 as (v * s1) * s2 with both factors normal floats: exact except where
  // it underflows, and there |y| < 1, so only the sign matters (grid_index_scalar handles it).
  int e = static_cast<int>(-grid.exponent);
  float s1 = 1.0f;
  if (e > 100) {
    s1 = std::ldexp(1.0f, 100);
    e -= 100;
  } else if (e < -100) {
    s1 = std::ldexp(1.0f, -100);
    e += 100;
  }
  const float s2 = std::ldexp(1.0f, e);
  const GridIndexParams params{s1, s2, static_cast<int32_t>(grid.offset), static_cast<int32_t>(bins), abs_values};
  count_bins(grid_index_kernel(), params, x, n, bins, counts);
}

void regrid(const int64_t* counts, const HistogramGrid& from, const HistogramGrid& to, int64_t bins,
            int64_t* out) {
  const int64_t shift = to.exponent - from.exponent;
  OCTET_CHECK(shift >= 0, "regrid", "the target grid (2^", to.exponent, ") is finer than the source (2^",
              from.exponent, ")");
  std::fill(out, out + bins, int64_t{0});
  for (int64_t i = 0; i < bins; ++i) {
    if (counts[i] == 0) continue;
    // An arithmetic right shift is floor division by 2^shift, negative indices included.
    const int64_t j = ((from.offset + i) >> shift) - to.offset;
    OCTET_CHECK(j >= 0 && j < bins, "regrid", "bin ", i, " of the source grid falls outside the target window");
    out[j] += counts[i];
  }
}

}  // namespace octet::quantization::detail
