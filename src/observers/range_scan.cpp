// range_scan.cpp: dense-span detection and the per-channel min/max scan (vectorized fast path over
// memory order, general strided walk with non-finite counting).
#include "observers/range_scan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "ops/float_range.h"

namespace octet::quantization::detail {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Runs at least this long go through float_range one (outer, channel) run at a time; shorter ones
// are handled a whole [C * inner] row at a time, where the loop vectorizes over channels.
constexpr int64_t kLongRun = 16;

// The fast path: dense memory, seen as [outer, C, inner]. False (lo/hi untouched) when a value is
// NaN or +-inf, for the caller to rescan with counting.
bool channel_minmax_dense(const float* base, int64_t outer, int64_t channels, int64_t inner, float* lo, float* hi) {
  std::vector<float> acc_lo(static_cast<std::size_t>(channels), kInf);
  std::vector<float> acc_hi(static_cast<std::size_t>(channels), -kInf);
  if (inner >= kLongRun) {
    for (int64_t o = 0; o < outer; ++o) {
      const float* row = base + o * channels * inner;
      for (int64_t c = 0; c < channels; ++c) {
        const ops::FloatRange r = ops::float_range(row + c * inner, inner);
        if (!r.finite) return false;
        acc_lo[c] = std::min(acc_lo[c], r.lo);
        acc_hi[c] = std::max(acc_hi[c], r.hi);
      }
    }
  } else {
    // Element-wise min/max of the rows, then each channel's `inner` entries reduced. `v - v` is 0
    // for finite v and NaN for NaN or +-inf, and a NaN survives the sum.
    const int64_t width = channels * inner;
    std::vector<float> row_lo(static_cast<std::size_t>(width), kInf);
    std::vector<float> row_hi(static_cast<std::size_t>(width), -kInf);
    float* rl = row_lo.data();
    float* rh = row_hi.data();
    float nan_seen = 0.0f;
    for (int64_t o = 0; o < outer; ++o) {
      const float* row = base + o * width;
#pragma omp simd reduction(+ : nan_seen)
      for (int64_t j = 0; j < width; ++j) {
        const float v = row[j];
        rl[j] = v < rl[j] ? v : rl[j];
        rh[j] = v > rh[j] ? v : rh[j];
        nan_seen += v - v;
      }
    }
    if (nan_seen != 0.0f) return false;
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t i = 0; i < inner; ++i) {
        acc_lo[c] = std::min(acc_lo[c], rl[c * inner + i]);
        acc_hi[c] = std::max(acc_hi[c], rh[c * inner + i]);
      }
    }
  }
  for (int64_t c = 0; c < channels; ++c) {
    lo[c] = std::min(lo[c], acc_lo[c]);
    hi[c] = std::max(hi[c], acc_hi[c]);
  }
  return true;
}

// Calls row(p, c) for every row of the last dim (p: its first element; c: its channel, or -1 when
// the channel axis is the last dim), walking the other dims with an odometer.
template <typename Row>
void for_each_row(const Tensor& t, int64_t axis, Row&& row) {
  const float* base = t.data_ptr<float>();
  const int64_t last = t.dim() - 1;
  const int64_t outer = t.numel() / t.size(last);
  std::vector<int64_t> idx(static_cast<std::size_t>(last), 0);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t offset = 0;
    for (int64_t d = 0; d < last; ++d) offset += idx[d] * t.stride(d);
    row(base + offset, axis == last ? int64_t{-1} : idx[axis]);
    for (int64_t d = last - 1; d >= 0; --d) {  // odometer over all dims but the last
      if (++idx[d] < t.size(d)) break;
      idx[d] = 0;
    }
  }
}

// Any strides, all values assumed finite: vectorizable loops over each row of the last dim (a
// reduction into the row's channel, or element-wise into the channels when the last dim is the
// channel axis). False (lo/hi untouched) when a value is NaN or +-inf.
bool channel_minmax_strided(const Tensor& t, int64_t axis, float* lo, float* hi) {
  const int64_t channels = t.size(axis);
  const int64_t n = t.size(t.dim() - 1);
  const int64_t s = t.stride(t.dim() - 1);
  std::vector<float> acc_lo(static_cast<std::size_t>(channels), kInf);
  std::vector<float> acc_hi(static_cast<std::size_t>(channels), -kInf);
  float* al = acc_lo.data();
  float* ah = acc_hi.data();
  float nan_seen = 0.0f;
  for_each_row(t, axis, [&](const float* p, int64_t c) {
    if (c >= 0) {
      float l = al[c], h = ah[c], ns = 0.0f;
#pragma omp simd reduction(min : l) reduction(max : h) reduction(+ : ns)
      for (int64_t j = 0; j < n; ++j) {
        const float v = p[j * s];
        l = v < l ? v : l;
        h = v > h ? v : h;
        ns += v - v;
      }
      al[c] = l;
      ah[c] = h;
      nan_seen += ns;
    } else {
      float ns = 0.0f;
#pragma omp simd reduction(+ : ns)
      for (int64_t j = 0; j < n; ++j) {
        const float v = p[j * s];
        al[j] = v < al[j] ? v : al[j];
        ah[j] = v > ah[j] ? v : ah[j];
        ns += v - v;
      }
      nan_seen += ns;
    }
  });
  if (nan_seen != 0.0f) return false;
  for (int64_t c = 0; c < channels; ++c) {
    lo[c] = std::min(lo[c], al[c]);
    hi[c] = std::max(hi[c], ah[c]);
  }
  return true;
}

// Any strides, with NaN and +-inf: element by element, counting and skipping them.
void channel_minmax_counting(const Tensor& t, int64_t axis, float* lo, float* hi, NonFiniteCounts& counts) {
  const int64_t n = t.size(t.dim() - 1);
  const int64_t s = t.stride(t.dim() - 1);
  auto visit = [&](float v, int64_t c) {
    if (std::isnan(v)) {
      ++counts.nan;
    } else if (std::isinf(v)) {
      ++(v > 0 ? counts.pos_inf : counts.neg_inf);
    } else {
      lo[c] = std::min(lo[c], v);
      hi[c] = std::max(hi[c], v);
    }
  };
  for_each_row(t, axis, [&](const float* p, int64_t c) {
    for (int64_t j = 0; j < n; ++j) visit(p[j * s], c >= 0 ? c : j);
  });
}

}  // namespace

const float* dense_span(const Tensor& t) {
  if (t.is_contiguous()) return t.data_ptr<float>();
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of the dims that matter
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) != 1) dims.emplace_back(t.stride(d), t.size(d));
  }
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return nullptr;
    expected *= size;
  }
  return t.data_ptr<float>();
}

void channel_minmax(const Tensor& t, int64_t axis, float* lo, float* hi, NonFiniteCounts& counts) {
  const int64_t numel = t.numel();
  if (numel == 0) return;
  const int64_t channels = t.size(axis);
  if (const float* base = dense_span(t)) {
    // Dense: the dims below the channel in memory order multiply to its stride (size-1 channel
    // dims may carry any stride, but then the whole tensor is that one channel's run).
    const int64_t inner = channels == 1 ? numel : t.stride(axis);
    const int64_t outer = numel / (channels * inner);
    if (outer * channels * inner == numel) {
      if (channel_minmax_dense(base, outer, channels, inner, lo, hi)) return;
      channel_minmax_counting(t, axis, lo, hi, counts);  // a non-finite value was seen
      return;
    }
  }
  if (channel_minmax_strided(t, axis, lo, hi)) return;
  channel_minmax_counting(t, axis, lo, hi, counts);
}

}  // namespace octet::quantization::detail
