// gemm.h: the blocked, packed, threaded float32 GEMM driver under linear, matmul and convolution (internal).
//
// C[M x N] = A[M x K] * B[K x N] (+ biases, clamp). A is read in place (rows K-contiguous); B comes
// from a GemmB, which packs K x N blocks into the microkernel's column panels, so the same driver
// serves plain matrices (copied or transposed into panels) and convolution (im2col written
// straight into the panels, never materialised whole). Blocking, per thread:
//
//   for each N block of nc columns (B block kc x nc sized for L2)
//     for each K block of kc rows
//       pack B[kc x nc] into panels of NR columns
//       for each sliver of MR rows of A (A[mr x kc] stays in L1 across the panels)
//         for each panel: microkernel (first K block: = A*B + biases; later: +=; last: clamp)
//
// Threads split N (each chunk of columns packs its own) when there are enough panels, else M (B,
// then narrow, is packed once and shared). docs/kernels.md "fp32 GEMM and convolution" has more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/f32_gemm_kernels.h"

namespace octet::ops {

// The B operand of a GEMM, K x N.
class GemmB {
 public:
  virtual ~GemmB() = default;
  // Writes rows [k0, k0 + kc) x columns [n0, n0 + nc) as ceil(nc / nr) panels: panel q starts at
  // dst + q * kc * nr and holds kc rows of nr floats, columns n0 + q * nr + j; columns past n0 + nc
  // are written as zeros.
  virtual void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr, float* dst) const = 0;
  // Element (0, 0) of a row-major B the microkernel may read in place (*row_stride floats between
  // rows), or null. A GEMM of few slivers of rows reads each element a few times only, so packing
  // it would mostly add a copy.
  virtual const float* in_place(int64_t* row_stride) const {
    (void)row_stride;
    return nullptr;
  }
};

// A strided matrix: element (k, n) at data[k * row_stride + n * col_stride]. Packing copies rows
// when col_stride == 1, transposes when row_stride == 1, and gathers otherwise.
class DenseB final : public GemmB {
 public:
  DenseB(const float* data, int64_t row_stride, int64_t col_stride);
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr, float* dst) const override;
  const float* in_place(int64_t* row_stride) const override {
    *row_stride = row_stride_;
    return col_stride_ == 1 ? data_ : nullptr;
  }

 private:
  const float* data_;
  int64_t row_stride_;
  int64_t col_stride_;
  kernels::f32_packb_fn packb_;
};

// Packs panels of B from source rows: B(k, n) = row(k)[offset(n)], where the caller gives the
// rows of a K block and the column runs of a panel. Used by DenseB (one run per panel) and by the
// convolution's implicit im2col (a run per output row crossed).
// Writes the panels of rows [k0, k0 + kc) x columns [n0, n0 + nc): rows[k - k0] is row k's base;
// runs_of(c0, width, runs) fills the runs of panel columns [c0, c0 + width) and returns their count
// (at most `max_runs`). Columns past nc are zeroed.
template <typename RunsOf>
void pack_panels(kernels::f32_packb_fn packb, const float* const* rows, int64_t kc, int64_t n0, int64_t nc,
                 int64_t nr, float* dst, kernels::F32PackRun* runs, RunsOf runs_of) {
  for (int64_t q = 0; q * nr < nc; ++q) {
    float* panel = dst + q * kc * nr;
    const int64_t width = nc - q * nr < nr ? nc - q * nr : nr;
    const size_t nruns = runs_of(n0 + q * nr, width, runs);
    packb(static_cast<size_t>(kc), static_cast<size_t>(nr), rows, nruns, runs, panel);
    if (width < nr) {
      for (int64_t k = 0; k < kc; ++k) {
        for (int64_t j = width; j < nr; ++j) panel[k * nr + j] = 0.0f;
      }
    }
  }
}

// Where C goes and what is added before the store: C[m * ldc + n] = A*B + row_bias[m] + col_bias[n],
// then clamped to [min, max] when clamp is set. Null biases add nothing.
struct GemmOut {
  float* c = nullptr;
  int64_t ldc = 0;
  const float* row_bias = nullptr;
  const float* col_bias = nullptr;
  bool clamp = false;
  float min = 0.0f;
  float max = 0.0f;
};

// C = A * B as above, on up to `threads` threads (1 inside an outer parallel region). M, N >= 1,
// K >= 0 (K == 0 stores the biases). `kernel` defaults to the best usable one.
void gemm(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const GemmB& b, const GemmOut& out,
          int threads, const kernels::F32GemmKernel* kernel = nullptr);

// out[M x N] = x[M x K] * w[N x K]^T + bias[N] (a linear layer; x rows at x + m*ldx, w rows at
// w + n*ldw, out rows at out + m*ldo). Picks GEMV for M <= 4, else the GEMM orientation that packs
// less (w transposed into panels, or x transposed and the product transposed back). For GEMV,
// `threads` is only a cap: it takes a thread per 256 KB of w (callers pass the thread setting).
void gemm_nt(int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx, const float* w, int64_t ldw,
             const float* bias, float* out, int64_t ldo, int threads);

// out[M x N] = a[M x K] * b[K x N], all row-major with the given row strides.
void gemm_nn(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb, float* out,
             int64_t ldo, int threads);

// A 64-byte-aligned float buffer that only grows; one per thread keeps packing buffers warm and
// free of page faults from one call to the next.
class ScratchBuffer {
 public:
  float* get(size_t n);

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  size_t size_ = 0;
};
// The calling thread's scratch buffer number `slot`: 0 GEMM packing, 1 gemm_nt's transposed product,
// 2 convolution's padded input / transposed convolution's columns, 3 a depthwise channel, 4 a
// depthwise merged-row output, 5 a B packed once and shared by threads splitting M. Each user owns
// its slot, so nested users never share one.
float* thread_scratch(int slot, size_t n);

// Threads to use for `flops` of work: small problems stay on one thread (a parallel region costs
// microseconds).
int threads_for(double flops, int max_threads);

}  // namespace octet::ops
