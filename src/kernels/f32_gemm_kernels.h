// f32_gemm_kernels.h: the float32 compute microkernels (GEMM, GEMV, depthwise convolution, panel packing) and their dispatch.
//
// Plain functions over raw pointers (docs/naming.md): they never allocate, thread or validate user
// input. Strides count floats, not bytes. Variants agree with the __scalar one to float rounding,
// not bit for bit: the ISA variants use FMA, which float ops allow (the float contract is a
// relative error, docs/kernels.md "fp32 GEMM and convolution").
//
// GEMM tile (f32_gemm_minmax_<MR>x<NR>): C[mr x nc] = A[mr x kc] * B[kc x nc], then biases, clamp.
//
//          B: kc rows of b_stride floats, nc <= NR used      (packed panel: b_stride == NR)
//          +--------------------------------+
//          | b[k*b_stride + j]               |
//   A      +--------------------------------+
//  +----+  +--------------------------------+
//  |a[i*|  | c[i*c_stride + j]  (mr <= MR)  |   row i of A is a[i*a_stride + 0 .. kc), K contiguous;
//  |str+|  |                                |   each a[i][k] is broadcast against NR/16 vectors of B
//  | k] |  +--------------------------------+
//  +----+
//
// The kernel reads exactly mr rows of A and nc columns of B (masked tails), so B may be read in
// place from a row-major matrix as well as from a packed panel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "octet/cpu_features.h"

// OCTET_IF_ARCH_<arch>(...) keeps its arguments only when this build compiles that architecture's
// kernels (the same definition as kernels/quantize_ukernels.h, so both headers may meet).
#ifndef OCTET_IF_ARCH_portable
#define OCTET_IF_ARCH_portable(...) __VA_ARGS__
#endif
#ifndef OCTET_IF_ARCH_x86
#if defined(OCTET_ARCH_X86)
#define OCTET_IF_ARCH_x86(...) __VA_ARGS__
#else
#define OCTET_IF_ARCH_x86(...)
#endif
#endif

namespace octet::kernels {

// What happens to a GEMM tile's sums before they are stored.
//   accumulate == false: C = clamp(A*B + row_bias[i] + col_bias[j], min, max)
//   accumulate == true:  C = clamp(C + A*B, min, max)   (a later K block; biases were added before)
// A null bias adds nothing. The clamp is applied only when `clamp` is set: a K-blocked product
// sets it on its last block alone, since clamping a partial sum would be wrong. It is
// min(max, v) then max(min, v) with NaN passing through (a NaN sum stays NaN, as in PyTorch).
struct F32GemmParams {
  const float* row_bias = nullptr;  // mr values, one per row of the tile
  const float* col_bias = nullptr;  // nc values, one per column of the tile
  float min = 0.0f;
  float max = 0.0f;
  bool accumulate = false;
  bool clamp = false;
};

// C[mr x nc] as above; 1 <= mr <= MR, 1 <= nc <= NR, kc >= 0 (kc == 0 stores the biases).
using f32_gemm_minmax_fn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                    const float* b, size_t b_stride, float* c, size_t c_stride,
                                    const F32GemmParams* params);

// GEMV on up to 4 right-hand sides, the dot-product form for few rows of A (a linear layer at
// batch 1): y[m*y_stride + n] = clamp(col_bias[n] + sum_k x[m*x_stride + k] * w[n*w_stride + k])
// for m < mx (1..4), n < nw. W's rows are K-contiguous, so nothing is packed. row_bias is unused;
// `accumulate` and the clamp act as for the GEMM.
using f32_gemv_minmax_fn = void (*)(size_t mx, size_t nw, size_t k, const float* x, size_t x_stride,
                                    const float* w, size_t w_stride, float* y, size_t y_stride,
                                    const F32GemmParams* params);

// A depthwise convolution over one channel, `rows` output rows at a time:
//   out[r*out_stride + x] = clamp(bias + sum_t weights[t] * in[r*in_row_step + tap_offsets[t] + x])
// for r < rows, x < width, t < taps. The caller lays the input out so that every tap of an output
// row is a contiguous run (padding and the stride's phase split are done before), which makes a
// stride-2 convolution as regular as a stride-1 one. Of F32GemmParams only the clamp applies.
using f32_dwconv_minmax_fn = void (*)(size_t rows, size_t width, size_t taps, const float* in, size_t in_row_step,
                                      const int64_t* tap_offsets, const float* weights, float bias, float* out,
                                      size_t out_stride, const F32GemmParams* params);

// Packs kc rows of a GEMM B panel (nr floats per row) from arbitrary source rows: for k < kc and
// each run r < nruns, panel[k*nr + r.dst + i] = rows[k][r.src + i] for i < r.len. Columns no run
// covers are left as they are. Convolution's im2col is this with one source row per (channel,
// kernel tap) and one run per output row the panel's columns cross (docs/kernels.md).
struct F32PackRun {
  uint32_t dst;  // first panel column, dst + len <= nr
  uint32_t len;
  int64_t src;   // offset into each source row (may be negative for rows based past their start)
};
using f32_packb_fn = void (*)(size_t kc, size_t nr, const float* const* rows, size_t nruns, const F32PackRun* runs,
                              float* panel);

// Writes `rows` zero-padded input rows, each split into `stride` phases, the layout the convolutions
// read taps from: row r's phase q (at dst + r * dst_stride + q * phase_stride) holds padded columns
// q, q + stride, q + 2 stride, ..., phase_len of them, where padded column j is
// src[r * src_stride + j - lo] when 0 <= j - lo < width, else 0. stride 1 is a padded copy; stride 2
// a de-interleave.
using f32_padsplit_fn = void (*)(size_t rows, size_t width, const float* src, size_t src_stride, size_t lo,
                                 size_t stride, size_t phase_len, float* dst, size_t phase_stride, size_t dst_stride);

#define OCTET_F32_GEMM_UKERNEL(arch, tile, isa, level, mr, nr) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<f32_gemm_minmax_fn> f32_gemm_minmax_##tile##__##isa;)
#define OCTET_F32_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/f32_gemm_kernels.inc"
#undef OCTET_F32_UKERNEL
#undef OCTET_F32_GEMM_UKERNEL

// A GEMM microkernel with its tile.
struct F32GemmKernel {
  f32_gemm_minmax_fn fn = nullptr;
  size_t mr = 0;
  size_t nr = 0;
  Isa isa = Isa::Ref;
  std::string_view name;  // e.g. "f32_gemm_minmax_14x32__avx512"
};

// A set of variants, one per family. f32_kernels() gives the best usable one of each family under
// the current ISA cap (set_max_isa / OCTET_MAX_ISA), picked at each call so that a changed cap takes
// effect at once.
struct F32Kernels {
  F32GemmKernel f32_gemm_minmax;
  f32_gemv_minmax_fn f32_gemv_minmax = nullptr;
  f32_dwconv_minmax_fn f32_dwconv_minmax = nullptr;
  f32_packb_fn f32_packb = nullptr;
  f32_padsplit_fn f32_padsplit = nullptr;
  Isa isa = Isa::Ref;  // the cap's level (f32_kernels) or the level written for (compiled sets)
};
F32Kernels f32_kernels();

// The variants written for each ISA level compiled into this build, best level first, each set
// complete (a level without its own variant of a family is not listed). The tests run every set
// against the __scalar one.
std::vector<F32Kernels> f32_compiled_kernels();

}  // namespace octet::kernels
