// histogram_torch.h: PyTorch's HistogramObserver arithmetic on raw float arrays, op by op, so that
// Octet's histogram, range and search reproduce torch 2.15's bit for bit.
//
// Each function names the PyTorch / ATen call it reproduces and the float precision of every step.
// What the golden test (tests/observers/histogram_golden_test.cpp) established on x86 CPUs:
//
//   - torch.sum of float32 is ATen's cascade sum (SumKernel.cpp) run by the AVX2 kernel (8 lanes)
//     on AVX2 and AVX-512 machines alike: ATen registers no AVX-512 sum kernel;
//   - torch.cumsum of float32 accumulates in double and rounds each prefix to float32;
//   - torch.linspace(start, end, steps) in float32 is start + step * i for i < steps / 2 and
//     end - step * (steps - 1 - i) after, each a fused multiply-add (the compiler contracts them in
//     the AVX2 kernel), with step = (end - start) / (steps - 1) in float32;
//   - torch.histc's bin index is (int)((x - lo) * bins / (hi - lo)) in float32 (a division, not a
//     reciprocal multiply), the value hi in the last bin, values outside [lo, hi] and NaN skipped;
//     its outer edges come from Histogram.cpp's histc_select_outer_bin_edges in double;
//   - a comparison of a float32 tensor with a Python float converts the float to float32 first.
//
// PyTorch's own answer depends on the CPU it runs on: where ATen falls back to its DEFAULT (pre-AVX2)
// kernels, linspace is not fused and the sum is cascaded over other lanes. Octet reproduces the
// answer of PyTorch's x86 AVX2 / AVX-512 kernels on every machine.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace octet::quantization::detail {

// torch.sum(v) for a contiguous float32 vector: the cascade of ATen's cascade_sum with 8-float
// vectors (row_sum over 4 interleaved vector accumulators, 4 levels of 16-row chunks, then the
// lanes and the tail in order). n < 8 uses the scalar row_sum with 4 accumulators.
float aten_sum(const float* v, int64_t n);

// torch.cumsum(v, 0) for float32: a double running sum, each prefix rounded to float32.
void aten_cumsum(const float* v, int64_t n, float* out);

// torch.linspace(start, end, steps) into out[steps], float32 (steps >= 2).
void aten_linspace(float start, float end, int64_t steps, float* out);

// torch.histc's outer edges for min/max arguments lo/hi (float32 values): when lo == hi, the data
// range [data_lo, data_hi] is used instead, and if that is one value v too, the edges become
// min(nextafter(v, -inf), v - 1) and max(nextafter(v, +inf), v + 1) in double; the edges are then
// rounded to float32 (linspace's first and last values). `ok` is false where PyTorch raises (an
// edge is not finite, or lo >= hi after rounding).
struct HistcRange {
  float lo = 0.0f;
  float hi = 0.0f;
  bool ok = false;
};
HistcRange histc_range(float lo, float hi, float data_lo, float data_hi);

// torch.histc(x, bins, lo, hi) counts over the edges `r` (from histc_range): out[bins] receives the
// count of each bin as a float (exact while a bin's count stays below 2^24). Elements outside
// [r.lo, r.hi], NaN and +-inf are skipped; returns how many were.
int64_t histc(const float* x, int64_t n, int64_t bins, const HistcRange& r, float* out);

// The scalar bin of one element (the specification histc's loop implements): -1 when skipped.
int64_t histc_bin(float x, int64_t bins, const HistcRange& r);

// Whether torch.histc's arithmetic stays finite over [lo, hi]: (hi - lo) * bins must not overflow
// float32. Wider ranges make PyTorch compute an undefined bin index.
bool histc_range_representable(float lo, float hi, int64_t bins);

// HistogramObserver._combine_histograms' re-binning of `hist` (bins values over [omin, omax]) into
// [umin, umax] (which contains it): out[bins] receives the transformed histogram (the caller adds
// the update). omin == omax: the whole sum in torch.histc's bin of omin. Otherwise
// _upscale_histogram: every bin split into `upsample` equal parts of hist/upsample, each part moved
// to the bucket (torch.bucketize, right=True) of its midpoint linspace(omin, omax, bins*upsample+1)
// + bin_size/2 among linspace(umin, umax, bins+1), clamped to [0, bins), summed in order (bincount).
void rebin_histogram(const float* hist, int64_t bins, int64_t upsample, float omin, float omax, float umin,
                     float umax, float* out);

// HistogramObserver._compute_quantization_error(start_bin, end_bin): the L2 error of quantizing the
// histogram (bins over [min_val, max_val]) to dst_nbins levels over bins start..end, in PyTorch's
// mixed double (bin widths) and float32 (per-bin terms) arithmetic, summed by aten_sum.
double histogram_quantization_error(const float* hist, int64_t bins, float min_val, float max_val,
                                    double dst_nbins, int64_t start_bin, int64_t end_bin);

// HistogramObserver._non_linear_param_search: the greedy walk of the quantile bounds in steps of
// 1e-5 that stops when the error grows; returns (new_min, new_max) as PyTorch's float32 tensors.
std::pair<float, float> histogram_param_search(const float* hist, int64_t bins, float min_val, float max_val,
                                               double dst_nbins);

}  // namespace octet::quantization::detail
