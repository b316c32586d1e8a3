// calibration_methods.h: the range choices of the entropy, percentile and MSE observers as plain
// functions of a calibration histogram, so tests can hold each to an independent implementation.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "octet/quantization/histogram_calibration.h"

namespace octet::quantization::detail {

// --- entropy (TensorRT / NVIDIA ModelOpt: _compute_amax_entropy) ---------------------------------
//
// counts[0..n) is a histogram of |x| (bin j = [j, j + 1) bin widths). With c = counts and c[0]
// replaced by c[1] (ModelOpt's suppression of the spike of exact zeros, e.g. after ReLU), for each
// candidate i = start_bin, start_bin + stride, ..., <= n:
//   P = c[0..i) with everything beyond (c[i..n)) added to its last bin (the clipped outliers);
//   Q = c[0..i) quantized to `target_bins` bins: source bin j goes to target floor(j * target_bins / i);
//       each target's count is spread evenly over its non-empty source bins (empty source bins stay
//       empty: zero-bin suppression);
//   KL(P || Q) = sum p log(p / q) over p > 0, both normalized; no smoothing, as ModelOpt: a bin with
//       p > 0 and q = 0 (only P's last bin can be one) makes the divergence +inf. A candidate whose
//       Q is empty is +inf too (ModelOpt would compute NaN).
// Returns the chosen i: the LAST (largest) candidate of minimal divergence, ModelOpt's tie rule
// (len - 1 - argmin(divergences[::-1])); or 0 when there is no candidate (n < start_bin).
// `divergences`, if given, receives every candidate's KL in order.
int64_t entropy_threshold(const int64_t* counts, int64_t n, int64_t target_bins, int64_t start_bin, int64_t stride,
                          std::vector<double>* divergences = nullptr);

// --- percentile ----------------------------------------------------------------------------------
//
// The value below which `percentile` percent (0..100) of the histogrammed values lie, assuming the
// values spread uniformly inside each bin: with N values and rank t = percentile / 100 * N, the
// first non-empty bin b whose cumulative count reaches t, then edge(b) + width * (t - before) /
// count(b) (linear interpolation inside the bin), clamped to the observed [value_min, value_max]
// (so 0 and 100 give the observed min and max).
float histogram_percentile(const CalibrationHistogram& h, double percentile);

// --- MSE -----------------------------------------------------------------------------------------
//
// The clipping range [lo, hi] with bin edges as candidates that minimizes the expected squared
// quantization error of the histogram, values uniform inside each bin, over `levels` - 1 steps
// (levels = qmax - qmin + 1):
//   E(lo, hi) = N_in * step^2 / 12 + sum over clipped bins of count * E[(x - clamp bound)^2]
// with step = (hi - lo) / (levels - 1) and N_in the values inside [lo, hi] (the classic uniform
// rounding-noise term; the clipping term is exact for uniform-in-bin values). Candidates keep 0 in
// the range (the qparams formula includes it anyway). Computed exactly in bin units with prefix sums
// (integer moments), O(1) per candidate, every candidate pair tried (at most (bins + 1)^2 / 4).
//   affine    (abs_values false): lo in [first data edge, 0], hi in [0, last data edge]
//   symmetric (abs_values true):  [-a, a], a a positive edge of the |x| histogram; step = 2a /
//                                 (levels - 1), as the symmetric qparams formula
// Ties: the widest range wins (smallest lo, then largest hi; largest a). The result is clamped to
// the observed range.
std::pair<float, float> mse_range(const CalibrationHistogram& h, int64_t levels);

// E(lo, hi) of mse_range in squared bin widths for edge indices (global grid indices, lo <= hi), for
// tests; `symmetric` evaluates [-a, a] with a = hi on an |x| histogram.
double mse_error(const CalibrationHistogram& h, int64_t levels, int64_t lo_edge, int64_t hi_edge, bool symmetric);

}  // namespace octet::quantization::detail
