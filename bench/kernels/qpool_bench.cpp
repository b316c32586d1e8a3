// qpool_bench.cpp: throughput (GB/s of input read) of every compiled 8-bit pooling and rowwise embedding-bag kernel; compare a row with its __scalar row for the speedup.
//
// Rows expand from src/kernels/qpool_kernels.inc and qembedding_kernels.inc. Problems come from real
// layers: ResNet-18's 3x3/2 max pool (channels-last: 64 channels, 9 taps; NCHW: rows of 56 outputs
// at stride 2), 2x2 average pools, the 7x7 global average of 512 channels, and DLRM-style bags
// (dim 64 and 128, 20 rows a bag). A level this CPU cannot run shows as skipped with the reason.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/qembedding_kernels.h"
#include "kernels/qpool_kernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// A pooling problem: n outputs, taps input vectors, element stride.
struct PoolShape {
  const char* name;
  size_t n, taps, stride;
};
const std::vector<PoolShape> kPoolShapes = {
    {"nhwc_c64_3x3", 64, 9, 1},     // ResNet-18 max pool, channels-last
    {"nhwc_c512_2x2", 512, 4, 1},   // a 2x2 pool over 512 channels
    {"nhwc_c512_7x7", 512, 49, 1},  // global average pool, ResNet-18 head
    {"nchw_w56_3x3s2", 56, 9, 2},   // ResNet-18 max pool, one NCHW output row
    {"nchw_w112_2x2s2", 112, 4, 2}, // a 2x2/2 pool of a 224-wide row
    {"nchw_w54_3x3s1", 54, 9, 1},   // a 3x3/1 pool of a 56-wide row
};

template <typename T>
struct PoolData {
  std::vector<std::vector<T>> bufs;
  std::vector<const T*> ptrs;
  std::vector<T> out;
  explicit PoolData(const PoolShape& s) {
    std::mt19937 rng(11);
    for (size_t t = 0; t < s.taps; ++t) {
      bufs.emplace_back((s.n - 1) * s.stride + 1);
      for (T& v : bufs.back()) v = static_cast<T>(rng());
    }
    for (const auto& b : bufs) ptrs.push_back(b.data());
    out.resize(s.n);
  }
};

void report_bytes(benchmark::State& state, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}

bool skip_unusable(benchmark::State& state, Isa level) {
  if (isa_usable(level)) return false;
  state.SkipWithError(isa_rejection_reason(level).c_str());
  return true;
}

// Bytes the kernel must read: one element per output per tap.
template <typename T>
void bench_max(benchmark::State& state, void (*fn)(size_t, size_t, const T* const*, size_t, T*), Isa level,
               const PoolShape& s) {
  if (skip_unusable(state, level)) return;
  PoolData<T> d(s);
  for (auto _ : state) {
    fn(s.n, s.taps, d.ptrs.data(), s.stride, d.out.data());
    benchmark::ClobberMemory();
  }
  report_bytes(state, s.n * s.taps);
}

template <typename T>
void bench_avg(benchmark::State& state, void (*fn)(size_t, size_t, const T* const*, size_t, T*, const QAvgPoolParams*),
               Isa level, const PoolShape& s) {
  if (skip_unusable(state, level)) return;
  PoolData<T> d(s);
  const QAvgPoolParams p{-3 * static_cast<int32_t>(s.taps), 1.0f / static_cast<float>(s.taps), 3,
                         std::is_same_v<T, uint8_t> ? 0 : -128, std::is_same_v<T, uint8_t> ? 255 : 127};
  for (auto _ : state) {
    fn(s.n, s.taps, d.ptrs.data(), s.stride, d.out.data(), &p);
    benchmark::ClobberMemory();
  }
  report_bytes(state, s.n * s.taps);
}

template <typename T>
void bench_rsum(benchmark::State& state, int32_t (*fn)(size_t, const T*), Isa level, size_t n) {
  if (skip_unusable(state, level)) return;
  std::vector<T> x(n);
  std::mt19937 rng(5);
  for (T& v : x) v = static_cast<T>(rng());
  for (auto _ : state) benchmark::DoNotOptimize(fn(n, x.data()));
  report_bytes(state, n);
}

// --- embedding bags ---------------------------------------------------------------------------------

struct BagShape {
  const char* name;
  size_t dim, count;
  bool four_bit, weighted;
};
const std::vector<BagShape> kBagShapes = {{"d64_l20", 64, 20, false, false}, {"d128_l20_psw", 128, 20, false, true},
                                          {"d64_l20", 64, 20, true, false}, {"d128_l20", 128, 20, true, false}};

struct BagData {
  std::vector<uint8_t> rows;
  size_t row_bytes;
  std::vector<int64_t> idx;
  std::vector<float> psw, out;
  BagData(const BagShape& s, size_t n_rows) {
    std::mt19937 rng(3);
    row_bytes = s.four_bit ? s.dim / 2 + 4 : s.dim + 8;
    rows.resize(n_rows * row_bytes);
    for (uint8_t& b : rows) b = static_cast<uint8_t>(rng());
    for (size_t r = 0; r < n_rows; ++r) {  // finite scale and bias in every row
      uint8_t* tail = rows.data() + r * row_bytes + (s.four_bit ? s.dim / 2 : s.dim);
      if (s.four_bit) {
        const uint16_t h[2] = {0x2E66, 0xBC00};  // 0.1, -1.0
        std::memcpy(tail, h, 4);
      } else {
        const float f[2] = {0.01f, -1.0f};
        std::memcpy(tail, f, 8);
      }
    }
    for (size_t i = 0; i < s.count; ++i) idx.push_back(static_cast<int64_t>(rng() % n_rows));
    psw.assign(s.count, 0.5f);
    out.resize(s.dim);
  }
};

// Rows drawn from a table larger than L2 (the realistic case: every row a cache miss).
constexpr size_t kTableRows = 100000;

template <typename Fn>
void bench_bag(benchmark::State& state, Fn fn, Isa level, const BagShape& s) {
  if (skip_unusable(state, level)) return;
  BagData d(s, kTableRows);
  std::mt19937 rng(9);
  for (auto _ : state) {
    if constexpr (std::is_same_v<Fn, qu8_f32_embeddingbag_max_rowwise_fn>) {
      fn(s.dim, s.count, d.rows.data(), d.row_bytes, d.idx.data(), d.out.data());
    } else {
      fn(s.dim, s.count, d.rows.data(), d.row_bytes, d.idx.data(), s.weighted ? d.psw.data() : nullptr, 1.0f,
         d.out.data());
    }
    benchmark::ClobberMemory();
    d.idx[rng() % s.count] = static_cast<int64_t>(rng() % kTableRows);  // keep the bag moving
  }
  report_bytes(state, s.count * d.row_bytes);
}

template <typename Fn>
void register_pool(const char* family, const char* isa, Fn fn, Isa level) {
  for (const PoolShape& s : kPoolShapes) {
    std::string name(family);
    name.append("__").append(isa).append("/").append(s.name);
    benchmark::RegisterBenchmark(name.c_str(), [fn, level, s](benchmark::State& st) {
      if constexpr (std::is_same_v<Fn, qu8_maxpool_fn> || std::is_same_v<Fn, qs8_maxpool_fn>) {
        bench_max(st, fn, level, s);
      } else {
        bench_avg(st, fn, level, s);
      }
    });
  }
}

void register_all() {
#define OCTET_QPOOL_UKERNEL(arch, family, isa, level) OCTET_IF_ARCH_##arch(register_##family(#family, #isa, &family##__##isa, Isa::level);)
  // Per family: pooling shapes, or row lengths for the sums.
  auto register_qu8_maxpool = [](const char* f, const char* i, qu8_maxpool_fn fn, Isa l) { register_pool(f, i, fn, l); };
  auto register_qs8_maxpool = [](const char* f, const char* i, qs8_maxpool_fn fn, Isa l) { register_pool(f, i, fn, l); };
  auto register_qu8_avgpool_minmax_fp32 = [](const char* f, const char* i, qu8_avgpool_minmax_fp32_fn fn, Isa l) {
    register_pool(f, i, fn, l);
  };
  auto register_qs8_avgpool_minmax_fp32 = [](const char* f, const char* i, qs8_avgpool_minmax_fp32_fn fn, Isa l) {
    register_pool(f, i, fn, l);
  };
  auto register_rsum = [](const char* f, const char* i, auto fn, Isa l) {
    for (size_t n : {49, 3136, 65536}) {
      std::string name(f);
      name.append("__").append(i).append("/n:").append(std::to_string(n));
      benchmark::RegisterBenchmark(name.c_str(), [fn, l, n](benchmark::State& st) { bench_rsum(st, fn, l, n); });
    }
  };
  auto register_qu8_s32_rsum = register_rsum;
  auto register_qs8_s32_rsum = register_rsum;
#include "kernels/qpool_kernels.inc"
#undef OCTET_QPOOL_UKERNEL

  auto register_bags = [](const char* f, const char* i, auto fn, Isa l, bool four, bool max) {
    for (const BagShape& s : kBagShapes) {
      if (s.four_bit != four || (max && s.weighted)) continue;
      std::string name(f);
      name.append("__").append(i).append("/").append(s.name);
      benchmark::RegisterBenchmark(name.c_str(), [fn, l, s](benchmark::State& st) { bench_bag(st, fn, l, s); });
    }
  };
  auto register_qu8_f32_embeddingbag_sum_rowwise = [&](const char* f, const char* i, auto fn, Isa l) {
    register_bags(f, i, fn, l, false, false);
  };
  auto register_qu4_f32_embeddingbag_sum_rowwise = [&](const char* f, const char* i, auto fn, Isa l) {
    register_bags(f, i, fn, l, true, false);
  };
  auto register_qu8_f32_embeddingbag_max_rowwise = [&](const char* f, const char* i, auto fn, Isa l) {
    register_bags(f, i, fn, l, false, true);
  };
  auto register_qu4_f32_embeddingbag_max_rowwise = [&](const char* f, const char* i, auto fn, Isa l) {
    register_bags(f, i, fn, l, true, true);
  };
#define OCTET_QEMBEDDING_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(register_##family(#family, #isa, &family##__##isa, Isa::level);)
#include "kernels/qembedding_kernels.inc"
#undef OCTET_QEMBEDDING_UKERNEL
}

}  // namespace
}  // namespace octet::kernels

int main(int argc, char** argv) {
  octet::kernels::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
