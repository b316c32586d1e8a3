// qgemm_bench.cpp: throughput of every compiled 8-bit GEMM microkernel on model shapes, one row per
// (kernel, shape); compare a row with the __scalar row or another ISA's for the speedup.
//
// Rows expand from src/kernels/qgemm_kernels.inc (through qgemm_compiled_kernels()); a kernel this
// CPU cannot run shows as skipped with the reason. Each row runs a whole GEMM single-threaded, as the
// operator's driver does: weights packed once beforehand (c4 panels for the kernel's NR), activations
// packed once (the qu7 kernels get bytes <= 127), then per iteration every tile, visiting blocks of
// panels that fit in L2 and, inside a block, every sliver of MR rows against every panel; QU8 output
// with per-channel multipliers. Counters: M, N, K and GOP/s = 2*M*N*K / time.
//
// "tile/..." rows run one MR x NR tile over K = 512 (everything in L1): the kernel's own peak.
// igemm rows (qigemm_kernels.inc) run the convolutions that take that path, rows through pointers.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../shapes/gemm_shapes.h"
#include "kernels/qgemm_kernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// Panels per block: the block is re-read by every row sliver, so it should stay in L2 (as the driver).
constexpr int64_t kWeightBlockBytes = 512 * 1024;

struct Problem {
  int64_t m, n, k, kp;
  std::vector<uint8_t> a;       // m rows of kp bytes (zero pad)
  std::vector<int8_t> packed;   // c4 panels for the kernel's nr
  std::vector<int32_t> col_init;
  std::vector<float> multiplier;
  std::vector<uint8_t> c;

  Problem(const QGemmKernel& kern, int64_t m_, int64_t n_, int64_t k_) : m(m_), n(n_), k(k_), kp((k_ + 3) / 4 * 4) {
    std::mt19937 rng(42);
    const int amax = kern.act_bits == 7 ? 127 : 255;
    a.assign(static_cast<size_t>(m * kp), 0);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t kk = 0; kk < k; ++kk) a[static_cast<size_t>(i * kp + kk)] = static_cast<uint8_t>(rng() % (amax + 1));
    }
    std::vector<int8_t> w(static_cast<size_t>(n * k));
    for (int8_t& v : w) v = static_cast<int8_t>(rng());
    packed.resize(qgemm_packed_size(static_cast<size_t>(n), static_cast<size_t>(k), kern.nr));
    qgemm_pack_weights(static_cast<size_t>(n), static_cast<size_t>(k), kern.nr, w.data(), static_cast<size_t>(k),
                       packed.data());
    col_init.resize(static_cast<size_t>(n));
    multiplier.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      col_init[static_cast<size_t>(j)] = static_cast<int32_t>(rng() % 20001) - 10000;
      multiplier[static_cast<size_t>(j)] = 1.0f / static_cast<float>(64 * (k + 1));
    }
    c.resize(static_cast<size_t>(m * n));
  }
};

// One whole GEMM, tile by tile.
void run_gemm(const QGemmKernel& kern, Problem& pb) {
  const auto mr = static_cast<int64_t>(kern.mr), nr = static_cast<int64_t>(kern.nr);
  const int64_t panel_bytes = std::max<int64_t>(nr * pb.kp, 1);
  const int64_t block = std::max<int64_t>(1, kWeightBlockBytes / panel_bytes) * nr;
  QGemmParams p;
  p.output = QGemmOutput::QU8;
  p.zero_point = 128;
  p.qmin = 0;
  p.qmax = 255;
  for (int64_t j0 = 0; j0 < pb.n; j0 += block) {
    const int64_t j1 = std::min(pb.n, j0 + block);
    for (int64_t i = 0; i < pb.m; i += mr) {
      const auto rows = static_cast<size_t>(std::min(mr, pb.m - i));
      for (int64_t j = j0; j < j1; j += nr) {
        p.col_init = pb.col_init.data() + j;
        p.multiplier = pb.multiplier.data() + j;
        kern.fn(rows, static_cast<size_t>(std::min(nr, j1 - j)), static_cast<size_t>(pb.kp),
                pb.a.data() + i * pb.kp, static_cast<size_t>(pb.kp), pb.packed.data() + j * pb.kp,
                pb.c.data() + i * pb.n + j, static_cast<size_t>(pb.n), &p);
      }
    }
  }
}

void report(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  state.counters["M"] = static_cast<double>(m);
  state.counters["N"] = static_cast<double>(n);
  state.counters["K"] = static_cast<double>(k);
  state.counters["GOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m * n * k) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

void bench_shape(benchmark::State& state, QGemmKernel kern, int64_t m, int64_t n, int64_t k) {
  if (!isa_usable(kern.isa)) {
    state.SkipWithError(isa_rejection_reason(kern.isa).c_str());
    return;
  }
  Problem pb(kern, m, n, k);
  for (auto _ : state) {
    run_gemm(kern, pb);
    benchmark::DoNotOptimize(pb.c.data());
    benchmark::ClobberMemory();
  }
  report(state, m, n, k);
}

void bench_tile(benchmark::State& state, QGemmKernel kern) {
  if (!isa_usable(kern.isa)) {
    state.SkipWithError(isa_rejection_reason(kern.isa).c_str());
    return;
  }
  const auto m = static_cast<int64_t>(kern.mr), n = static_cast<int64_t>(kern.nr);
  constexpr int64_t k = 512;
  Problem pb(kern, m, n, k);
  for (auto _ : state) {
    run_gemm(kern, pb);
    benchmark::DoNotOptimize(pb.c.data());
    benchmark::ClobberMemory();
  }
  report(state, m, n, k);
}

// igemm kernels on the convolutions that run on them (ops/quantized/conv_igemm.cpp): M output pixels,
// N output channels, ks segments (kernel rows) of kc bytes each (KW * C_in rounded up to 4). The
// segment pointers address one contiguous buffer (row i's segments back to back), as for interior
// pixels; compare with the GEMM rows of the same layer for what the indirection costs.
struct IGemmShape {
  const char* layer;
  int64_t m, n, ks, kc;
};
constexpr IGemmShape kIGemmShapes[] = {
    {"resnet18/conv1_7x7s2", 12544, 64, 7, 24}, {"resnet18/layer1_3x3", 3136, 64, 3, 192},
    {"resnet18/layer2_3x3", 784, 128, 3, 384},  {"resnet18/layer3_3x3", 196, 256, 3, 768},
    {"resnet18/layer4_3x3", 49, 512, 3, 1536},  {"mobilenetv2/conv0_3x3s2", 12544, 32, 3, 12},
};

void bench_igemm(benchmark::State& state, QIGemmKernel ikern, IGemmShape s) {
  if (!isa_usable(ikern.isa)) {
    state.SkipWithError(isa_rejection_reason(ikern.isa).c_str());
    return;
  }
  const QGemmKernel as_gemm{nullptr, ikern.mr, ikern.nr, ikern.act_bits, ikern.isa, ikern.name};
  const int64_t k = s.ks * s.kc;
  Problem pb(as_gemm, s.m, s.n, k);
  std::vector<const uint8_t*> rows(static_cast<size_t>(s.m * s.ks));
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t seg = 0; seg < s.ks; ++seg) rows[static_cast<size_t>(i * s.ks + seg)] = pb.a.data() + i * k + seg * s.kc;
  }
  const auto mr = static_cast<int64_t>(ikern.mr), nr = static_cast<int64_t>(ikern.nr);
  const int64_t block = std::max<int64_t>(1, kWeightBlockBytes / std::max<int64_t>(nr * k, 1)) * nr;
  QGemmParams p;
  p.output = QGemmOutput::QU8;
  p.zero_point = 128;
  for (auto _ : state) {
    for (int64_t j0 = 0; j0 < s.n; j0 += block) {
      const int64_t j1 = std::min(s.n, j0 + block);
      for (int64_t i = 0; i < s.m; i += mr) {
        for (int64_t j = j0; j < j1; j += nr) {
          p.col_init = pb.col_init.data() + j;
          p.multiplier = pb.multiplier.data() + j;
          ikern.fn(static_cast<size_t>(std::min(mr, s.m - i)), static_cast<size_t>(std::min(nr, j1 - j)),
                   static_cast<size_t>(s.kc), static_cast<size_t>(s.ks), rows.data() + i * s.ks,
                   pb.packed.data() + j * k, pb.c.data() + i * s.n + j, static_cast<size_t>(s.n), &p);
        }
      }
    }
    benchmark::DoNotOptimize(pb.c.data());
    benchmark::ClobberMemory();
  }
  report(state, s.m, s.n, k);
}

// Activation packing (qgemm_pack_activations' variants) for the same shapes: M rows of K bytes,
// with row sums; compare with the GEMM rows of the shape to see what packing adds.
using PackFn = uint8_t (*)(size_t, size_t, const uint8_t*, size_t, uint8_t, uint8_t*, size_t, int32_t*);

void bench_pack(benchmark::State& state, PackFn fn, Isa isa, int64_t m, int64_t k) {
  if (!isa_usable(isa)) {
    state.SkipWithError(isa_rejection_reason(isa).c_str());
    return;
  }
  const int64_t kp = (k + 3) / 4 * 4;
  std::mt19937 rng(7);
  std::vector<uint8_t> a(static_cast<size_t>(m * k)), packed(static_cast<size_t>(m * kp));
  for (uint8_t& v : a) v = static_cast<uint8_t>(rng());
  std::vector<int32_t> sums(static_cast<size_t>(m));
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn(static_cast<size_t>(m), static_cast<size_t>(k), a.data(), static_cast<size_t>(k), 0x80,
                                packed.data(), static_cast<size_t>(kp), sums.data()));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * m * k);
  state.counters["M"] = static_cast<double>(m);
  state.counters["K"] = static_cast<double>(k);
}

void register_pack(const char* name, PackFn fn, Isa isa) {
  for (const octet::bench::GemmShape& s : octet::bench::kGemmShapes) {
    std::string row = std::string(name);
    row.append("/").append(s.model).append("/").append(s.layer).append("/M:").append(std::to_string(s.m));
    benchmark::RegisterBenchmark(row.c_str(), bench_pack, fn, isa, s.m, s.k)->Unit(benchmark::kMicrosecond);
  }
}

// Registered at start-up: kernel x shape.
const bool kRegistered = [] {
  for (const QGemmKernel& kern : qgemm_compiled_kernels()) {
    const std::string kname(kern.name);
    benchmark::RegisterBenchmark(std::string(kname).append("/tile").c_str(), bench_tile, kern);
    for (const octet::bench::GemmShape& s : octet::bench::kGemmShapes) {
      std::string name = kname;
      name.append("/").append(s.model).append("/").append(s.layer).append("/M:").append(std::to_string(s.m));
      benchmark::RegisterBenchmark(name.c_str(), bench_shape, kern, s.m, s.n, s.k)->Unit(benchmark::kMicrosecond);
    }
  }
  for (const QIGemmKernel& ikern : qigemm_compiled_kernels()) {
    for (const IGemmShape& s : kIGemmShapes) {
      std::string name(ikern.name);
      name.append("/").append(s.layer).append("/M:").append(std::to_string(s.m));
      benchmark::RegisterBenchmark(name.c_str(), bench_igemm, ikern, s)->Unit(benchmark::kMicrosecond);
    }
  }
  register_pack("qgemm_pack_activations__scalar", &qgemm_pack_activations__scalar, Isa::Ref);
#if defined(OCTET_ARCH_X86)
  register_pack("qgemm_pack_activations__avx2", &qgemm_pack_activations__avx2, Isa::Avx2);
#endif
  return true;
}();

}  // namespace
}  // namespace octet::kernels

BENCHMARK_MAIN();
