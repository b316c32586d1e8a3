// histogram_index.h: the bin-index step of the histogram observers: a block of floats to bin
// indices, a scalar reference and AVX2 / AVX-512 variants that equal it bit for bit.
//
// Both rules write idx[i] in [0, bins], where `bins` marks a value that is skipped. The counting
// that follows (scattered increments) stays scalar in the callers.
#pragma once

#include <cstdint>

namespace octet::quantization::detail {

// torch.histc's rule (float32, in this order, no FMA):
//   in  = lo <= x <= hi (false for NaN)
//   t   = ((x - lo) * bins) / (hi - lo)
//   idx = in ? (int)min(t, bins - 1) : bins
struct HistcIndexParams {
  float lo, hi;
  float bins;  // (float)bins
  float last;  // (float)(bins - 1)
};

// The power-of-two grid's rule (histogram_grid.h): v = x (or |x|); y = (v * s1) * s2 = v / 2^k;
//   idx = floor(y) - offset, with a negative v whose y underflowed to 0 in bin -1 - offset;
//   bins for NaN, +-inf or an index outside [0, bins).
struct GridIndexParams {
  float s1, s2;
  int32_t offset;
  int32_t bins;
  bool abs_values;
};

using HistcIndexFn = void (*)(const float* x, int64_t n, const HistcIndexParams& p, int32_t* idx);
using GridIndexFn = void (*)(const float* x, int64_t n, const GridIndexParams& p, int32_t* idx);

void histc_index_scalar(const float* x, int64_t n, const HistcIndexParams& p, int32_t* idx);
void grid_index_scalar(const float* x, int64_t n, const GridIndexParams& p, int32_t* idx);
#if defined(OCTET_ARCH_X86)
void histc_index_avx2(const float* x, int64_t n, const HistcIndexParams& p, int32_t* idx);
void histc_index_avx512(const float* x, int64_t n, const HistcIndexParams& p, int32_t* idx);
void grid_index_avx2(const float* x, int64_t n, const GridIndexParams& p, int32_t* idx);
void grid_index_avx512(const float* x, int64_t n, const GridIndexParams& p, int32_t* idx);
#endif

// The best variant the CPU and OCTET_MAX_ISA allow (looked up on each call: cheap, and tests
// change the cap).
HistcIndexFn histc_index_kernel();
GridIndexFn grid_index_kernel();

// Adds the bin counts of x[0..n) under a rule to totals[bins] and returns how many values the rule
// skipped: blocks of 256 indices, then increments into four interleaved uint32 tables (runs of one
// bin do not wait on one counter). Inputs of millions of values are split over get_num_threads()
// threads with private tables (integer counts make the result independent of the split); smaller
// ones stay on the calling thread, where a parallel region costs more than it saves, and far more on
// a loaded machine where a descheduled thread stalls the region.
int64_t count_bins(HistcIndexFn index, const HistcIndexParams& p, const float* x, int64_t n, int64_t bins,
                   int64_t* totals);
int64_t count_bins(GridIndexFn index, const GridIndexParams& p, const float* x, int64_t n, int64_t bins,
                   int64_t* totals);

}  // namespace octet::quantization::detail
