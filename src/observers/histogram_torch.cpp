// histogram_torch.cpp: the ATen arithmetic HistogramObserver runs (sum, cumsum, linspace, histc,
// the histogram re-binning), reproduced bit for bit on raw arrays.
#include "observers/histogram_torch.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "observers/histogram_index.h"

namespace octet::quantization::detail {

namespace {

// --- torch.sum: ATen's cascade_sum (aten/src/ATen/native/cpu/SumKernel.cpp) ------------------------

// L float lanes summed independently: one Vectorized<float> of the AVX2 kernel (L = 8) or one
// scalar (L = 1).
template <int L>
struct Lanes {
  std::array<float, L> v{};
  void add(const float* p) {
    for (int l = 0; l < L; ++l) v[l] += p[l];
  }
  void add(const Lanes& o) {
    for (int l = 0; l < L; ++l) v[l] += o.v[l];
  }
};

// ATen's utils::CeilLog2.
int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  int64_t bits = 0;
  for (uint64_t y = static_cast<uint64_t>(x) - 1; y != 0; y >>= 1) ++bits;
  return bits;
}

// multi_row_sum with 4 rows: `size` groups of 4 consecutive items (item = L floats), each of the 4
// columns summed in a cascade of 4 levels of level_step items, so that partial sums of similar
// size are added together.
template <int L>
std::array<Lanes<L>, 4> multi_row_sum(const float* base, int64_t size) {
  constexpr int64_t kLevels = 4;
  const int64_t level_power = std::max<int64_t>(4, ceil_log2(size) / kLevels);
  const int64_t level_step = int64_t{1} << level_power;
  const int64_t level_mask = level_step - 1;
  std::array<std::array<Lanes<L>, 4>, kLevels> acc{};
  int64_t i = 0;
  while (i + level_step <= size) {
    for (int64_t j = 0; j < level_step; ++j, ++i) {
      for (int k = 0; k < 4; ++k) acc[0][k].add(base + (i * 4 + k) * L);
    }
    for (int64_t j = 1; j < kLevels; ++j) {
      for (int k = 0; k < 4; ++k) {
        acc[j][k].add(acc[j - 1][k]);
        acc[j - 1][k] = Lanes<L>{};
      }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < size; ++i) {
    for (int k = 0; k < 4; ++k) acc[0][k].add(base + (i * 4 + k) * L);
  }
  for (int64_t j = 1; j < kLevels; ++j) {
    for (int k = 0; k < 4; ++k) acc[0][k].add(acc[j][k]);
  }
  return acc[0];
}

// row_sum: `size` items as a (-1, 4) array, the columns cascaded, the leftover items added to
// column 0, then the columns added in order.
template <int L>
Lanes<L> row_sum(const float* base, int64_t size) {
  const int64_t size_ilp = size / 4;
  std::array<Lanes<L>, 4> partial = multi_row_sum<L>(base, size_ilp);
  for (int64_t i = size_ilp * 4; i < size; ++i) partial[0].add(base + i * L);
  for (int k = 1; k < 4; ++k) partial[0].add(partial[k]);
  return partial[0];
}

// --- torch.histc -----------------------------------------------------------------------------------

// ATen's c10::div_floor_floating (Python's floor division of floats).
float div_floor(float a, float b) {
  if (b == 0.0f) return a / b;
  const float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) div -= 1.0f;
  if (div == 0.0f) return std::copysign(0.0f, a / b);
  float floordiv = std::floor(div);
  if (div - floordiv > 0.5f) floordiv += 1.0f;
  return floordiv;
}

// torch.clamp(x, lo, hi) on float32 (NaN propagates).
float clamp_f(float x, float lo, float hi) {
  const float a = x < lo ? lo : x;
  return hi < a ? hi : a;
}

// ATen's cus_upper_bound (Bucketization.cpp): the first index in [0, n) whose value is > v.
int64_t upper_bound_index(const float* bd, int64_t n, float v) {
  int64_t start = 0, end = n;
  while (start < end) {
    const int64_t mid = start + ((end - start) >> 1);
    if (!(bd[mid] > v)) {
      start = mid + 1;
    } else {
      end = mid;
    }
  }
  return start;
}

}  // namespace

float aten_sum(const float* v, int64_t n) {
  constexpr int64_t kVec = 8;
  if (n < kVec) return row_sum<1>(v, n).v[0];
  const int64_t vec_size = n / kVec;
  const Lanes<kVec> acc = row_sum<kVec>(v, vec_size);
  float total = 0.0f;
  for (int64_t k = vec_size * kVec; k < n; ++k) total += v[k];
  for (int64_t l = 0; l < kVec; ++l) total += acc.v[l];
  return total;
}

void aten_cumsum(const float* v, int64_t n, float* out) {
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    acc += static_cast<double>(v[i]);
    out[i] = static_cast<float>(acc);
  }
}

void aten_linspace(float start, float end, int64_t steps, float* out) {
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int64_t halfway = steps / 2;
  for (int64_t i = 0; i < steps; ++i) {
    out[i] = i < halfway ? std::fma(step, static_cast<float>(i), start)
                         : std::fma(-step, static_cast<float>(steps - i - 1), end);
  }
}

HistcRange histc_range(float lo, float hi, float data_lo, float data_hi) {
  double left = lo;
  double right = hi;
  if (left == right) {
    left = data_lo;
    right = data_hi;
  }
  if (left == right) {
    // Histogram.cpp's bins_edges_correction for float32 input.
    const float v = static_cast<float>(left);
    left = std::min(static_cast<double>(std::nextafter(v, -std::numeric_limits<float>::infinity())), left - 1.0);
    right = std::max(static_cast<double>(std::nextafter(v, std::numeric_limits<float>::infinity())), right + 1.0);
  }
  HistcRange r;
  r.lo = static_cast<float>(left);
  r.hi = static_cast<float>(right);
  r.ok = std::isfinite(left) && std::isfinite(right) && std::isfinite(r.lo) && std::isfinite(r.hi) && r.lo < r.hi;
  return r;
}

bool histc_range_representable(float lo, float hi, int64_t bins) {
  const float span = hi - lo;
  return std::isfinite(span) && std::isfinite(span * static_cast<float>(bins));
}

int64_t histc_bin(float x, int64_t bins, const HistcRange& r) {
  if (!(x >= r.lo && x <= r.hi)) return -1;
  const auto pos = static_cast<int64_t>(((x - r.lo) * static_cast<float>(bins)) / (r.hi - r.lo));
  return pos == bins ? bins - 1 : pos;
}

int64_t histc(const float* x, int64_t n, int64_t bins, const HistcRange& r, float* out) {
  std::vector<int64_t> totals(static_cast<size_t>(bins), 0);
  const HistcIndexParams params{r.lo, r.hi, static_cast<float>(bins), static_cast<float>(bins - 1)};
  const int64_t skipped = count_bins(histc_index_kernel(), params, x, n, bins, totals.data());
  for (int64_t k = 0; k < bins; ++k) out[k] = static_cast<float>(totals[static_cast<size_t>(k)]);
  return skipped;
}

void rebin_histogram(const float* hist, int64_t bins, int64_t upsample, float omin, float omax, float umin,
                     float umax, float* out) {
  std::fill(out, out + bins, 0.0f);
  if (omin == omax) {
    // torch.histc(orig_min, bins, min=update_min, max=update_max) * sum(orig_hist).
    const float total = aten_sum(hist, bins);
    const int64_t b = histc_bin(omin, bins, histc_range(umin, umax, omin, omin));
    for (int64_t k = 0; k < bins; ++k) out[k] = (k == b ? 1.0f : 0.0f) * total;
    return;
  }
  const int64_t fine = bins * upsample;
  std::vector<float> mids(static_cast<size_t>(fine + 1));
  aten_linspace(omin, omax, fine + 1, mids.data());
  const float bin_size = (omax - omin) / static_cast<float>(fine);
  const float half = 0.5f * bin_size;
  for (int64_t k = 0; k < fine; ++k) mids[static_cast<size_t>(k)] += half;
  std::vector<float> bounds(static_cast<size_t>(bins + 1));
  aten_linspace(umin, umax, bins + 1, bounds.data());
  // torch.bucketize(mids, bounds, right=True) - 1: the number of bounds <= mid, minus one. Both
  // sequences are non-decreasing (linspace is monotone), so one merge walk finds every bucket; the
  // binary search of ATen stays as the fallback should rounding ever break the order.
  const bool sorted = std::is_sorted(bounds.begin(), bounds.end()) && std::is_sorted(mids.begin(), mids.end() - 1);
  const float fup = static_cast<float>(upsample);
  int64_t p = 0;
  for (int64_t k = 0; k < fine; ++k) {
    const float mid = mids[static_cast<size_t>(k)];
    int64_t ub;
    if (sorted) {
      while (p <= bins && !(bounds[static_cast<size_t>(p)] > mid)) ++p;
      ub = p;
    } else {
      ub = upper_bound_index(bounds.data(), bins + 1, mid);
    }
    const int64_t b = std::clamp<int64_t>(ub - 1, 0, bins - 1);
    out[b] += hist[k / upsample] / fup;
  }
}

double histogram_quantization_error(const float* hist, int64_t bins, float min_val, float max_val,
                                    double dst_nbins, int64_t start_bin, int64_t end_bin) {
  // Python floats (double) for the widths, as _compute_quantization_error computes them.
  const double bin_width = (static_cast<double>(max_val) - static_cast<double>(min_val)) / static_cast<double>(bins);
  const double dst_bin_width = bin_width * static_cast<double>(end_bin - start_bin + 1) / dst_nbins;
  if (dst_bin_width == 0.0) return 0.0;
  // The tensor arithmetic is float32, with each Python float operand rounded to float32 first.
  const auto bw = static_cast<float>(bin_width);
  const auto dbw = static_cast<float>(dst_bin_width);
  const auto half = static_cast<float>(dst_bin_width / 2);
  const auto neg_half = static_cast<float>(-dst_bin_width / 2);
  const auto last = static_cast<float>(dst_nbins - 1);
  const float half3 = (half * half) * half;
  const float neg_half3 = (neg_half * neg_half) * neg_half;
  // _get_norm(tensor(-dbw/2), tensor(dbw/2), density)'s 0-d factor: a whole destination bin.
  const float full_bin = (half3 - neg_half3) / 3.0f;
  std::vector<float> norm(static_cast<size_t>(bins));
  for (int64_t j = 0; j < bins; ++j) {
    const float src_begin = static_cast<float>(j - start_bin) * bw;
    const float src_end = src_begin + bw;
    const float dst_of_begin = clamp_f(div_floor(src_begin, dbw), 0.0f, last);
    const float dst_of_begin_center = (dst_of_begin + 0.5f) * dbw;
    const float dst_of_end = clamp_f(div_floor(src_end, dbw), 0.0f, last);
    const float density = hist[j] / bw;
    // The part of the source bin in its first destination bin, ...
    const float delta_begin = src_begin - dst_of_begin_center;
    float n = 0.0f + density * ((half3 - (delta_begin * delta_begin) * delta_begin) / 3.0f);
    // ... the whole destination bins in between (-1 of them when both ends share one bin, as in
    // PyTorch), ...
    n = n + ((dst_of_end - dst_of_begin) - 1.0f) * (density * full_bin);
    // ... and the part in its last destination bin.
    const float dst_of_end_center = dst_of_end * dbw + half;
    const float delta_end = src_end - dst_of_end_center;
    n = n + density * ((((delta_end * delta_end) * delta_end) - neg_half3) / 3.0f);
    norm[static_cast<size_t>(j)] = n;
  }
  return static_cast<double>(aten_sum(norm.data(), bins));
}

std::pair<float, float> histogram_param_search(const float* hist, int64_t bins, float min_val, float max_val,
                                               double dst_nbins) {
  const float bin_width = (max_val - min_val) / static_cast<float>(bins);
  const double total = static_cast<double>(aten_sum(hist, bins));
  std::vector<float> csum(static_cast<size_t>(bins));
  aten_cumsum(hist, bins, csum.data());
  constexpr double kStep = 1e-5;
  double alpha = 0.0;
  double beta = 1.0;
  int64_t start_bin = 0;
  int64_t end_bin = bins - 1;
  double norm_min = std::numeric_limits<double>::infinity();
  while (alpha < beta) {
    const double next_alpha = alpha + kStep;
    const double next_beta = beta - kStep;
    // cSum[l] < next_alpha * total compares in float32: the Python float is rounded first.
    const auto lo_target = static_cast<float>(next_alpha * total);
    const auto hi_target = static_cast<float>(next_beta * total);
    int64_t l = start_bin;
    int64_t r = end_bin;
    while (l < end_bin && csum[static_cast<size_t>(l)] < lo_target) ++l;
    while (r > start_bin && csum[static_cast<size_t>(r)] > hi_target) --r;
    int64_t next_start = start_bin;
    int64_t next_end = end_bin;
    if ((l - start_bin) > (end_bin - r)) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start_bin && next_end == end_bin) continue;
    const double norm = histogram_quantization_error(hist, bins, min_val, max_val, dst_nbins, next_start, next_end);
    if (norm > norm_min) break;
    norm_min = norm;
    start_bin = next_start;
    end_bin = next_end;
  }
  const float new_min = min_val + bin_width * static_cast<float>(start_bin);
  const float new_max = min_val + bin_width * static_cast<float>(end_bin + 1);
  return {new_min, new_max};
}

}  // namespace octet::quantization::detail
