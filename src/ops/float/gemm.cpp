// gemm.cpp: the blocked float32 GEMM driver (packing, cache blocking, threading) over the f32_gemm microkernels.
#include "ops/float/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace octet::ops {
namespace {

// Cache blocking. A sliver (MR x KC floats, 14 x 384 x 4 = 21 KB) stays in L1 while the panels of
// a B block (KC x NC, at most ~768 KB) stream from L2; KC also bounds how often C is re-read.
constexpr int64_t kKcMax = 384;
constexpr int64_t kBBlockFloats = 192 * 1024;
constexpr int64_t kMaxInPlaceSlivers = 8;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// K split into equal blocks of at most kKcMax (576 -> 2 x 288 rather than 384 + 192).
int64_t k_block(int64_t K) {
  if (K <= kKcMax) return std::max<int64_t>(K, 1);
  return ceil_div(K, ceil_div(K, kKcMax));
}

struct Plan {
  const kernels::F32GemmKernel* kernel;
  int64_t M, N, K;
  const float* a;
  int64_t lda;
  const GemmB* b;
  const GemmOut* out;
  int64_t kc;      // K block
  int64_t nc_max;  // N block, a multiple of NR
  // All of B packed before the threads split M (K block b at prepacked + b * kc * N rounded up to
  // NR), or null: each call of run() packs its own columns.
  const float* prepacked = nullptr;
};

// One thread's share: rows [m0, m1) x columns [n0, n1) of C.
void run(const Plan& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const int64_t mr = static_cast<int64_t>(p.kernel->mr), nr = static_cast<int64_t>(p.kernel->nr);
  const int64_t rows = m1 - m0;
  const int64_t slivers = ceil_div(rows, mr);
  // Slivers of equal height (128 rows with MR 14: 8 x 13 + 2 x 12, not 9 x 14 + 2): a short last
  // sliver has too few accumulators to hide the FMA latency.
  const int64_t base = rows / slivers, extra = rows % slivers;
  // A row-major B is read in place when few slivers share it: packing costs a pass over B that
  // only pays off when many slivers reuse the packed panels (measured on the 1x1 convolutions of
  // MobileNetV2: up to 1.7x faster in place at 1-2 slivers, equal at 90). Row strides that are a
  // multiple of 1 KB would map a panel's rows onto a few cache sets, so those are always packed.
  int64_t b_rs = 0;
  const float* b_direct = nullptr;
  if (p.prepacked == nullptr && slivers <= kMaxInPlaceSlivers) {
    b_direct = p.b->in_place(&b_rs);
    if (b_direct != nullptr && slivers > 1 && (b_rs * 4) % 1024 == 0) b_direct = nullptr;
  }
  float* own = b_direct != nullptr || p.prepacked != nullptr
                   ? nullptr
                   : thread_scratch(0, static_cast<size_t>(p.kc * std::min(p.nc_max, ceil_div(n1 - n0, nr) * nr)));
  const int64_t K = p.K;
  for (int64_t jc = n0; jc < n1; jc += p.nc_max) {
    const int64_t nc = std::min(p.nc_max, n1 - jc);
    for (int64_t pc = 0; pc < std::max<int64_t>(K, 1); pc += p.kc) {
      const int64_t kc = std::min(p.kc, K - pc);
      const float* packed = own;
      if (p.prepacked != nullptr) {
        packed = p.prepacked + pc * ceil_div(p.N, nr) * nr;
      } else if (kc > 0 && own != nullptr) {
        p.b->pack(pc, kc, jc, nc, nr, own);
      }
      kernels::F32GemmParams params;
      params.accumulate = pc > 0;
      params.clamp = p.out->clamp && pc + p.kc >= K;
      params.min = p.out->min;
      params.max = p.out->max;
      int64_t i0 = m0;
      for (int64_t s = 0; s < slivers; ++s) {
        const int64_t mr_s = base + (s < extra ? 1 : 0);
        params.row_bias = p.out->row_bias != nullptr ? p.out->row_bias + i0 : nullptr;
        const float* a = p.a + i0 * p.lda + pc;
        float* c = p.out->c + i0 * p.out->ldc + jc;
        for (int64_t j = 0; j < nc; j += nr) {
          params.col_bias = p.out->col_bias != nullptr ? p.out->col_bias + jc + j : nullptr;
          const float* b = packed != nullptr ? packed + (j / nr) * kc * nr : b_direct + pc * b_rs + jc + j;
          const int64_t b_stride = packed != nullptr ? nr : b_rs;
          p.kernel->fn(static_cast<size_t>(mr_s), static_cast<size_t>(std::min(nr, nc - j)), static_cast<size_t>(kc),
                       a, static_cast<size_t>(p.lda), b, static_cast<size_t>(b_stride), c + j,
                       static_cast<size_t>(p.out->ldc), &params);
        }
        i0 += mr_s;
      }
    }
  }
}

// Balanced range t of `parts` over [0, n), in units of `unit` (the last range takes the remainder).
void split(int64_t n, int64_t unit, int64_t t, int64_t parts, int64_t* begin, int64_t* end) {
  const int64_t units = ceil_div(n, unit);
  *begin = std::min(n, units * t / parts * unit);
  *end = std::min(n, units * (t + 1) / parts * unit);
}

// Transposes rows x cols (src row stride lds) into dst (row stride ldd): dst[j][i] = src[i][j].
// Blocked 8 x 8 so both sides touch whole cache lines.
void transpose(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst, int64_t ldd) {
  constexpr int64_t B = 8;
  for (int64_t i0 = 0; i0 < rows; i0 += B) {
    const int64_t ib = std::min(B, rows - i0);
    for (int64_t j0 = 0; j0 < cols; j0 += B) {
      const int64_t jb = std::min(B, cols - j0);
      for (int64_t j = 0; j < jb; ++j) {
        float* d = dst + (j0 + j) * ldd + i0;
        const float* s = src + i0 * lds + j0 + j;
        for (int64_t i = 0; i < ib; ++i) d[i] = s[i * lds];
      }
    }
  }
}

}  // namespace

DenseB::DenseB(const float* data, int64_t row_stride, int64_t col_stride)
    : data_(data), row_stride_(row_stride), col_stride_(col_stride), packb_(kernels::f32_kernels().f32_packb) {}

void DenseB::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr, float* dst) const {
  if (col_stride_ == 1) {
    // Row-major: one run per panel, rows in chunks (the row table lives on the stack).
    constexpr int64_t kChunk = 128;
    const float* rows[kChunk];
    kernels::F32PackRun run[1];
    for (int64_t kb = 0; kb < kc; kb += kChunk) {
      const int64_t n = std::min(kChunk, kc - kb);
      for (int64_t k = 0; k < n; ++k) rows[k] = data_ + (k0 + kb + k) * row_stride_;
      // Chunks of rows are written panel by panel at their own row offset.
      for (int64_t q = 0; q * nr < nc; ++q) {
        const int64_t c0 = n0 + q * nr, w = std::min(nr, nc - q * nr);
        run[0] = kernels::F32PackRun{0, static_cast<uint32_t>(w), c0};
        float* panel = dst + q * kc * nr + kb * nr;
        packb_(static_cast<size_t>(n), static_cast<size_t>(nr), rows, 1, run, panel);
        if (w < nr) {
          for (int64_t k = 0; k < n; ++k) {
            for (int64_t j = w; j < nr; ++j) panel[k * nr + j] = 0.0f;
          }
        }
      }
    }
    return;
  }
  for (int64_t q = 0; q * nr < nc; ++q) {
    float* panel = dst + q * kc * nr;
    const int64_t c0 = n0 + q * nr;
    const int64_t w = std::min(nr, nc - q * nr);
    if (row_stride_ == 1) {
      // Column c of B is contiguous in k: a transpose of w rows of length kc.
      transpose(w, kc, data_ + c0 * col_stride_ + k0, col_stride_, panel, nr);
      if (w < nr) {
        for (int64_t k = 0; k < kc; ++k) {
          for (int64_t j = w; j < nr; ++j) panel[k * nr + j] = 0.0f;
        }
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        for (int64_t j = 0; j < nr; ++j) {
          panel[k * nr + j] = j < w ? data_[(k0 + k) * row_stride_ + (c0 + j) * col_stride_] : 0.0f;
        }
      }
    }
  }
}

void gemm(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const GemmB& b, const GemmOut& out,
          int threads, const kernels::F32GemmKernel* kernel) {
  if (M <= 0 || N <= 0) return;
  kernels::F32GemmKernel chosen;
  if (kernel == nullptr) {
    chosen = kernels::f32_kernels().f32_gemm_minmax;
    kernel = &chosen;
  }
  const int64_t mr = static_cast<int64_t>(kernel->mr), nr = static_cast<int64_t>(kernel->nr);
  Plan p{kernel, M, N, K, a, lda, &b, &out, k_block(K), 0};
  p.nc_max = std::max<int64_t>(nr, kBBlockFloats / p.kc / nr * nr);

  const int64_t panels = ceil_div(N, nr), slivers = ceil_div(M, mr);
  threads = static_cast<int>(std::min<int64_t>(threads, std::max(panels, slivers)));
  if (threads <= 1) {
    run(p, 0, M, 0, N);
    return;
  }
  // Work goes out in a few chunks per thread, dynamically: a thread the OS delays (a busy machine)
  // then costs its chunks, not a fixed half of the product.
  if (panels >= 3 * threads || slivers < threads) {
    // Split N: each chunk packs only its own columns.
    const int64_t chunks = std::min<int64_t>(panels, 4 * threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t lo = 0, hi = 0;
      split(N, nr, c, chunks, &lo, &hi);
      run(p, 0, M, lo, hi);
    }
    return;
  }
  // Split M (B is narrow): B is packed once, K block by K block in parallel, then shared.
  const int64_t n_pad = panels * nr, k_blocks = std::max<int64_t>(1, ceil_div(K, p.kc));
  float* shared = thread_scratch(5, static_cast<size_t>(std::max<int64_t>(K, 1) * n_pad));
  p.nc_max = n_pad;
  p.prepacked = shared;
  const int64_t chunks = std::min<int64_t>(slivers, 4 * threads);
#pragma omp parallel num_threads(threads)
  {
#pragma omp for schedule(dynamic, 1)
    for (int64_t kb = 0; kb < k_blocks; ++kb) {
      const int64_t pc = kb * p.kc;
      if (pc < K) b.pack(pc, std::min(p.kc, K - pc), 0, N, nr, shared + pc * n_pad);
    }
#pragma omp for schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t lo = 0, hi = 0;
      split(M, mr, c, chunks, &lo, &hi);
      run(p, lo, hi, 0, N);
    }
  }
}

void gemm_nt(int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx, const float* w, int64_t ldw,
             const float* bias, float* out, int64_t ldo, int threads) {
  if (M <= 0 || N <= 0) return;
  if (M <= 4) {
    // Few rows: dot products along K straight from w's rows; nothing to pack. Threads split N.
    // GEMV streams w once, so it is paced by memory, not FLOPs: a thread per 256 KB of w.
    const auto gemv = kernels::f32_kernels().f32_gemv_minmax;
    threads = std::max(1, static_cast<int>(std::min<int64_t>({threads, ceil_div(N, 64), ceil_div(N * K, 65536)})));
    const int64_t chunks = threads == 1 ? 1 : std::min<int64_t>(ceil_div(N, 16), 4 * threads);
    kernels::F32GemmParams params;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t t = 0; t < chunks; ++t) {
      int64_t lo = 0, hi = 0;
      split(N, 16, t, chunks, &lo, &hi);
      if (lo >= hi) continue;
      kernels::F32GemmParams q = params;
      q.col_bias = bias != nullptr ? bias + lo : nullptr;
      gemv(static_cast<size_t>(M), static_cast<size_t>(hi - lo), static_cast<size_t>(K), x, static_cast<size_t>(ldx),
           w + lo * ldw, static_cast<size_t>(ldw), out + lo, static_cast<size_t>(ldo), &q);
    }
    return;
  }
  // Either orientation needs one transposing pack: w (K x N floats) for out = x * w^T, or x (K x M)
  // plus a transpose of the M x N result for out^T = w * x^T. Take the one that moves less.
  const double cost_direct = static_cast<double>(K) * N;
  const double cost_swapped = static_cast<double>(K) * M + 1.5 * static_cast<double>(M) * N;
  if (cost_direct <= cost_swapped) {
    GemmOut o;
    o.c = out;
    o.ldc = ldo;
    o.col_bias = bias;
    gemm(M, N, K, x, ldx, DenseB(w, 1, ldw), o, threads);
    return;
  }
  float* tmp = thread_scratch(1, static_cast<size_t>(M * N));
  GemmOut o;
  o.c = tmp;
  o.ldc = M;
  o.row_bias = bias;
  gemm(N, M, K, w, ldw, DenseB(x, 1, ldx), o, threads);
  // tmp is N x M; out is M x N.
  const int nt = std::max(1, std::min<int>(threads, static_cast<int>(ceil_div(M, 8))));
  const int64_t chunks = nt == 1 ? 1 : std::min<int64_t>(ceil_div(M, 8), 4 * nt);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (int64_t t = 0; t < chunks; ++t) {
    int64_t lo = 0, hi = 0;
    split(M, 8, t, chunks, &lo, &hi);
    if (lo < hi) transpose(N, hi - lo, tmp + lo, M, out + lo * ldo, ldo);
  }
}

void gemm_nn(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb, float* out,
             int64_t ldo, int threads) {
  GemmOut o;
  o.c = out;
  o.ldc = ldo;
  gemm(M, N, K, a, lda, DenseB(b, ldb, 1), o, threads);
}

void ScratchBuffer::Free::operator()(float* p) const { std::free(p); }

float* ScratchBuffer::get(size_t n) {
  if (n > size_) {
    // Grow by half again so a slowly growing sequence of sizes reallocates rarely.
    const size_t want = std::max(n, size_ + size_ / 2);
    const size_t bytes = (want * sizeof(float) + 63) / 64 * 64;
    data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!data_) throw std::bad_alloc();
    size_ = want;
  }
  return data_.get();
}

float* thread_scratch(int slot, size_t n) {
  thread_local ScratchBuffer buffers[6];
  return buffers[slot].get(n);
}

int threads_for(double flops, int max_threads) {
  // About 50 µs of one core's work per extra thread before a parallel region pays for itself.
  constexpr double kFlopsPerThread = 4e6;
  const double t = flops / kFlopsPerThread;
  return std::max(1, std::min(max_threads, static_cast<int>(t) + 1));
}

}  // namespace octet::ops
