// histogram_index.cpp: the scalar bin-index rules (the specification) and the ISA dispatch.
#include "observers/histogram_index.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <omp.h>

#include "octet/cpu_features.h"
#include "octet/engine.h"

namespace octet::quantization::detail {

void histc_index_scalar(const float* x, int64_t n, const HistcIndexParams& p, int32_t* idx) {
  const float span = p.hi - p.lo;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!(v >= p.lo && v <= p.hi)) {
      idx[i] = static_cast<int32_t>(p.bins);
      continue;
    }
    const float t = ((v - p.lo) * p.bins) / span;
    idx[i] = static_cast<int32_t>(t < p.last ? t : p.last);
  }
}

void grid_index_scalar(const float* x, int64_t n, const GridIndexParams& p, int32_t* idx) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = p.abs_values ? std::fabs(x[i]) : x[i];
    if (!std::isfinite(v)) {
      idx[i] = p.bins;
      continue;
    }
    const float y = (v * p.s1) * p.s2;
    auto t = static_cast<int32_t>(y);  // |y| < 2^30 inside the window
    if (static_cast<float>(t) > y) --t;  // floor of a negative non-integer
    if (y == 0.0f && v < 0.0f) t = -1;   // a negative value that underflowed to -0
    const int32_t j = t - p.offset;
    idx[i] = j >= 0 && j < p.bins ? j : p.bins;
  }
}

namespace {

constexpr int64_t kBlock = 256;
constexpr int64_t kChunk = int64_t{1} << 30;         // uint32 counters cannot overflow within one chunk
constexpr int64_t kPerThread = int64_t{1} << 20;     // the least work worth a thread (~1 ms)

template <typename Fn, typename Params>
int64_t count_serial(Fn index, const Params& p, const float* x, int64_t n, int64_t bins, int64_t* totals) {
  int64_t skipped = 0;
  const int64_t stride = bins + 1;  // slot `bins` takes the skipped values
  std::vector<uint32_t> tables(static_cast<size_t>(4 * stride));
  alignas(64) int32_t idx[kBlock];
  for (int64_t chunk = 0; chunk < n; chunk += kChunk) {
    const int64_t chunk_end = std::min(n, chunk + kChunk);
    for (int64_t b = chunk; b < chunk_end; b += kBlock) {
      const int64_t m = std::min(kBlock, chunk_end - b);
      index(x + b, m, p, idx);
      int64_t i = 0;
      for (; i + 4 <= m; i += 4) {
        ++tables[static_cast<size_t>(idx[i])];
        ++tables[static_cast<size_t>(stride + idx[i + 1])];
        ++tables[static_cast<size_t>(2 * stride + idx[i + 2])];
        ++tables[static_cast<size_t>(3 * stride + idx[i + 3])];
      }
      for (; i < m; ++i) ++tables[static_cast<size_t>(idx[i])];
    }
    for (int64_t k = 0; k < bins; ++k) {
      const auto s = static_cast<size_t>(k);
      totals[k] += static_cast<int64_t>(tables[s]) + tables[s + stride] + tables[s + 2 * stride] + tables[s + 3 * stride];
    }
    const auto d = static_cast<size_t>(bins);
    skipped += static_cast<int64_t>(tables[d]) + tables[d + stride] + tables[d + 2 * stride] + tables[d + 3 * stride];
    std::fill(tables.begin(), tables.end(), 0u);
  }
  return skipped;
}

template <typename Fn, typename Params>
int64_t count_parallel(Fn index, const Params& p, const float* x, int64_t n, int64_t bins, int64_t* totals) {
  const int64_t threads = std::min<int64_t>(get_num_threads(), n / kPerThread);
  if (threads <= 1 || omp_in_parallel()) return count_serial(index, p, x, n, bins, totals);
  std::vector<int64_t> partial(static_cast<size_t>(threads * bins), 0);
  std::vector<int64_t> skipped(static_cast<size_t>(threads), 0);
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(threads))
  for (int64_t t = 0; t < threads; ++t) {
    const int64_t begin = n * t / threads, end = n * (t + 1) / threads;
    skipped[static_cast<size_t>(t)] = count_serial(index, p, x + begin, end - begin, bins, partial.data() + t * bins);
  }
  int64_t total_skipped = 0;
  for (int64_t t = 0; t < threads; ++t) {
    for (int64_t k = 0; k < bins; ++k) totals[k] += partial[static_cast<size_t>(t * bins + k)];
    total_skipped += skipped[static_cast<size_t>(t)];
  }
  return total_skipped;
}

}  // namespace

int64_t count_bins(HistcIndexFn index, const HistcIndexParams& p, const float* x, int64_t n, int64_t bins,
                   int64_t* totals) {
  return count_parallel(index, p, x, n, bins, totals);
}

int64_t count_bins(GridIndexFn index, const GridIndexParams& p, const float* x, int64_t n, int64_t bins,
                   int64_t* totals) {
  return count_parallel(index, p, x, n, bins, totals);
}

HistcIndexFn histc_index_kernel() {
#if defined(OCTET_ARCH_X86)
  if (isa_usable(Isa::Avx512)) return histc_index_avx512;
  if (isa_usable(Isa::Avx2)) return histc_index_avx2;
#endif
  return histc_index_scalar;
}

GridIndexFn grid_index_kernel() {
#if defined(OCTET_ARCH_X86)
  if (isa_usable(Isa::Avx512)) return grid_index_avx512;
  if (isa_usable(Isa::Avx2)) return grid_index_avx2;
#endif
  return grid_index_scalar;
}

}  // namespace octet::quantization::detail
