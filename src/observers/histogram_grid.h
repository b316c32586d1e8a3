// histogram_grid.h: the power-of-two-aligned histogram grid behind Octet's calibration observers
// (entropy, percentile, MSE): exact binning, exact re-binning, and so exact merges.
//
// The bins are [g * 2^k, (g + 1) * 2^k) for integers g, the window holding `bins` of them from
// g = offset. For an observed range [lo, hi] (in |x| mode, [0, max |x|]) the grid is a function of
// that range alone:
//
//   k      = the smallest exponent >= ilogb(max(|lo|, |hi|)) - 29 for which floor(hi / 2^k) -
//            floor(lo / 2^k) < bins (the range fits the window)
//   offset = floor(lo / 2^k)
//
// Since x * 2^-k is exact in floating point, every value's bin is exact (no rounding at edges).
// When the range grows, k can only grow, and a bin of width 2^k lies inside exactly one bin of any
// coarser grid, so re-binning moves whole counts: the histogram after any sequence of batches, or
// after merging observers that saw parts of the data in any order, equals the histogram of all the
// data on the grid of its whole range. The price is resolution: the range covers between half and
// all of the bins. The floor ilogb - 29 keeps every bin index below 2^30 (int32 arithmetic) while
// leaving bins finer than a float32 step of the largest value, so a tiny range around a large
// value still spreads over many bins.
#pragma once

#include <cstdint>

namespace octet::quantization::detail {

struct HistogramGrid {
  int64_t exponent = 0;  // bin width 2^exponent
  int64_t offset = 0;    // the window's first bin is [offset * 2^exponent, (offset + 1) * 2^exponent)
};

// The grid of the finite range [lo, hi] (lo <= hi) with `bins` bins.
HistogramGrid histogram_grid(float lo, float hi, int64_t bins);

// Edge i of the window (i = 0..bins): (offset + i) * 2^exponent, exact in double.
double grid_edge(const HistogramGrid& grid, int64_t i);

// The window bin of one value (|x| when abs_values), or -1 for NaN / +-inf / a value outside the
// window. The specification bin_values implements.
int64_t grid_bin(float x, bool abs_values, const HistogramGrid& grid, int64_t bins);

// Adds the bins of n values (|x| when abs_values) to counts[bins]; non-finite values are skipped.
// Every finite value must lie in the window (the caller widened the grid first).
void bin_values(const float* x, int64_t n, bool abs_values, const HistogramGrid& grid, int64_t bins,
                int64_t* counts);

// Moves counts[bins] from grid `from` into out[bins] (zeroed first) on the grid `to`, which must be
// at least as coarse and cover every non-empty bin of `from`.
void regrid(const int64_t* counts, const HistogramGrid& from, const HistogramGrid& to, int64_t bins,
            int64_t* out);

}  // namespace octet::quantization::detail
