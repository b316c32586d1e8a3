// qelementwise_bench.cpp: throughput of every compiled 8-bit add / mul / lookup / clamp kernel, one row
// per (kernel, n), with GB/s of bytes read and written; compare a row with its __scalar row for the speedup.
//
// Rows expand from src/kernels/qelementwise_kernels.inc. Each kernel is reached through the dispatch
// table of its level (qelementwise_kernels_for), so a level this build lacks simply has no rows, and a
// level this CPU cannot run shows as skipped with the reason.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kernels/qelementwise_kernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// L1-resident, L2-resident, and past L2.
const std::vector<int64_t> kBatchSizes = {4096, 65536, 1 << 20};

template <typename T>
std::vector<T> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<T> x(n);
  for (T& v : x) v = static_cast<T>(static_cast<uint8_t>(rng()));
  return x;
}

void report(benchmark::State& state, size_t n, size_t bytes_per_element) {
  const auto elements = static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n);
  state.SetItemsProcessed(elements);
  state.SetBytesProcessed(elements * static_cast<int64_t>(bytes_per_element));
}

// Typical activation qparams: scales near 8 / 255, zero points mid-range.
template <typename T>
int32_t mid() {
  return std::is_unsigned_v<T> ? 128 : 0;
}
template <typename T>
int32_t lo() {
  return std::is_unsigned_v<T> ? 0 : -128;
}
template <typename T>
int32_t hi() {
  return std::is_unsigned_v<T> ? 255 : 127;
}

template <typename T>
QAddParams params(const QAddParams*) {
  return make_qadd_params(0.031f, mid<T>() + 3, 0.027f, mid<T>() - 5, 0.05f, mid<T>(), lo<T>(), hi<T>());
}
template <typename T>
QMulParams params(const QMulParams*) {
  return make_qmul_params(0.031f, mid<T>() + 3, 0.027f, mid<T>() - 5, 0.2f, mid<T>(), lo<T>(), hi<T>());
}

// Binary kernels; the `c` ones read one element of b.
template <typename T, typename Params>
void run(benchmark::State& state, void (*fn)(size_t, const T*, const T*, T*, const Params*), bool scalar_b) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<T> a = random_bytes<T>(n, 1), b = random_bytes<T>(scalar_b ? 1 : n, 2);
  std::vector<T> y(n);
  const Params p = params<T>(static_cast<const Params*>(nullptr));
  for (auto _ : state) {
    fn(n, a.data(), b.data(), y.data(), &p);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, scalar_b ? 2 : 3);
}

void run(benchmark::State& state, x8_lut_fn fn, bool) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<uint8_t> x = random_bytes<uint8_t>(n, 1), table = random_bytes<uint8_t>(256, 3);
  std::vector<uint8_t> y(n);
  for (auto _ : state) {
    fn(n, x.data(), y.data(), table.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}

template <typename T>
void run(benchmark::State& state, void (*fn)(size_t, const T*, T*, const QClampParams*), bool) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<T> x = random_bytes<T>(n, 1);
  std::vector<T> y(n);
  const QClampParams p{mid<T>(), mid<T>() + 60};  // relu6-like
  for (auto _ : state) {
    fn(n, x.data(), y.data(), &p);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}

template <typename Fn>
void register_kernel(const char* name, Isa level, Fn QElementwiseKernels::*member) {
  const QElementwiseKernels* table = qelementwise_kernels_for(level);
  if (table == nullptr) return;  // not compiled into this build
  const Fn fn = table->*member;
  const bool scalar_b = std::string_view(name).find("c__") != std::string_view::npos;
  const std::string reason = isa_rejection_reason(level);
  auto* b = benchmark::RegisterBenchmark(name, [fn, reason, scalar_b](benchmark::State& state) {
    if (!reason.empty()) {
      state.SkipWithError(reason.c_str());
      return;
    }
    run(state, fn, scalar_b);
  });
  b->UseRealTime()->ArgName("n");
  for (int64_t n : kBatchSizes) b->Arg(n);
}

void register_all() {
#define OCTET_QELEMENTWISE_UKERNEL(arch, family, isa, level) \
  register_kernel(#family "__" #isa, Isa::level, &QElementwiseKernels::family);
#include "kernels/qelementwise_kernels.inc"
#undef OCTET_QELEMENTWISE_UKERNEL
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
