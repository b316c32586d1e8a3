// quantize_bench.cpp: throughput of every compiled quantize / dequantize / requantize kernel, one row
// per (kernel, n); compare a row with its __scalar row for the speedup.
//
// Rows expand from src/kernels/quantize_kernels.inc. Each kernel is reached through the dispatch
// table of its level (quantize_kernels_for), so a level this build lacks simply has no rows, and a
// level this CPU cannot run shows as skipped with the reason.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/quantize_kernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// L1-resident, L2-resident, and past L2 (4 MiB of floats in).
const std::vector<int64_t> kBatchSizes = {4096, 65536, 1 << 20};

// Activations as a calibrated layer sees them: roughly normal, with qparams from a +-4 sigma range
// so that a few values saturate.
std::vector<float> activations(size_t n) {
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

template <typename T>
std::vector<T> random_ints(size_t n, int64_t lo, int64_t hi) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> x(n);
  for (T& v : x) v = static_cast<T>(dist(rng));
  return x;
}

constexpr float kScale = 8.0f / 255.0f;

void report(benchmark::State& state, size_t n, size_t bytes_per_element) {
  const auto elements = static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n);
  state.SetItemsProcessed(elements);
  state.SetBytesProcessed(elements * static_cast<int64_t>(bytes_per_element));
}

template <typename Out>
void run(benchmark::State& state, void (*fn)(size_t, const float*, Out*, const QuantizeParams*)) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<float> x = activations(n);
  std::vector<Out> y(n);
  const int32_t zp = std::is_unsigned_v<Out> ? 128 : 0;
  const QuantizeParams p{1.0f / kScale, zp, std::is_unsigned_v<Out> ? 0 : -128,
                         std::is_unsigned_v<Out> ? 255 : 127};
  for (auto _ : state) {
    fn(n, x.data(), y.data(), &p);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, sizeof(float) + sizeof(Out));
}

template <typename Out>
void run(benchmark::State& state,
         void (*fn)(size_t, const float*, Out*, const float*, const int32_t*, int32_t, int32_t)) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<float> x = activations(n);
  std::vector<float> inv_scale(n);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> scale(0.5f * kScale, 2.0f * kScale);
  for (float& v : inv_scale) v = 1.0f / scale(rng);
  const std::vector<int32_t> zp =
      std::is_unsigned_v<Out> ? random_ints<int32_t>(n, 100, 156) : random_ints<int32_t>(n, -20, 20);
  std::vector<Out> y(n);
  const int32_t qmin = std::is_unsigned_v<Out> ? 0 : -128, qmax = std::is_unsigned_v<Out> ? 255 : 127;
  for (auto _ : state) {
    fn(n, x.data(), y.data(), inv_scale.data(), zp.data(), qmin, qmax);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, sizeof(float) * 2 + sizeof(int32_t) + sizeof(Out));
}

template <typename In>
void run(benchmark::State& state, void (*fn)(size_t, const In*, float*, const DequantizeParams*)) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<In> x = sizeof(In) == 4 ? random_ints<In>(n, -(1 << 20), 1 << 20)
                                            : random_ints<In>(n, std::numeric_limits<In>::min(),
                                                              std::numeric_limits<In>::max());
  std::vector<float> y(n);
  // qint32 usually has zero point 0 (biases); the second row of qs32 takes the exact int64 path.
  const DequantizeParams p{kScale, static_cast<int32_t>(state.range(1))};
  for (auto _ : state) {
    fn(n, x.data(), y.data(), &p);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, sizeof(In) + sizeof(float));
}

template <typename Out>
void run(benchmark::State& state, void (*fn)(size_t, const int32_t*, Out*, const RequantizeParams*)) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<int32_t> acc = random_ints<int32_t>(n, -(1 << 16), 1 << 16);
  std::vector<Out> y(n);
  const RequantizeParams p{1.0f / 512.0f, std::is_unsigned_v<Out> ? 128 : 0,
                           std::is_unsigned_v<Out> ? 0 : -128, std::is_unsigned_v<Out> ? 255 : 127};
  for (auto _ : state) {
    fn(n, acc.data(), y.data(), &p);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, sizeof(int32_t) + sizeof(Out));
}

// Zero points a dequantize row runs with: 0 only, except qs32 which also measures a nonzero one.
template <typename Fn>
std::vector<int64_t> dequantize_zero_points(Fn) { return {}; }
inline std::vector<int64_t> dequantize_zero_points(qu8_f32_vdequantize_fn) { return {128}; }
inline std::vector<int64_t> dequantize_zero_points(qs8_f32_vdequantize_fn) { return {0}; }
inline std::vector<int64_t> dequantize_zero_points(qs32_f32_vdequantize_fn) { return {0, 1}; }

template <typename Fn>
void register_kernel(const char* name, Isa level, Fn QuantizeKernels::*member) {
  const QuantizeKernels* table = quantize_kernels_for(level);
  if (table == nullptr) return;  // not compiled into this build
  const Fn fn = table->*member;
  const std::string reason = isa_rejection_reason(level);
  auto* b = benchmark::RegisterBenchmark(name, [fn, reason](benchmark::State& state) {
    if (!reason.empty()) {
      state.SkipWithError(reason.c_str());
      return;
    }
    run(state, fn);
  });
  b->UseRealTime();
  const std::vector<int64_t> zps = dequantize_zero_points(fn);
  if (zps.empty()) {
    b->ArgName("n");
    for (int64_t n : kBatchSizes) b->Arg(n);
  } else {
    b->ArgNames({"n", "zp"});
    for (int64_t zp : zps) {
      for (int64_t n : kBatchSizes) b->Args({n, zp});
    }
  }
}

void register_all() {
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, level) \
  register_kernel(#family "__" #isa, Isa::level, &QuantizeKernels::family);
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL
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
