// f16gemm_kernels.h: the float32 x float16-weight GEMM microkernels (the fp16 dynamic linear) and their dispatch.
//
// PyTorch's fp16 dynamic linear (fbgemm's cblas_gemm_compute on a PackedGemmMatrixFP16) keeps the
// weights in float16 and computes in float32: each weight is widened exactly to float32 and every
// output element is one chain of fused multiply-adds over k, in order, starting from zero:
//
//   v = 0;  for k < K: v = fma(a[i][k], (float)w16[j][k], v);   y[i][j] = v + bias[j]   (then relu)
//
// Every variant here computes exactly that chain (a tile's sums may be parked in C between K blocks
// and continued from there, which changes nothing), so all variants equal the __scalar one bit for
// bit, and the result does not depend on the ISA, the tile or the thread count. fbgemm itself does
// this on its full-width column blocks; on the last N mod 32 (AVX-512; 16 on AVX2) columns it sums
// K in blocks of 512 and adds the block sums instead, so for K > 512 those columns differ from
// PyTorch's by a few ulp (tests/qnn/dynamic_linear_test.cpp counts them against PyTorch's goldens).
//
// Weight layout: panels of 16 fp16 columns. Column j lies in panel j / 16; a panel holds K rows of
// 16 halfs (row k at panel + 16 k), columns past N zero. The kernel reads the ceil(nc / 16) panels
// its columns need, b_panel_stride halfs apart:
//
//          panel 0 (cols 0..15)      panel 1 (cols 16..31)   ...
//          k=0 [h h h ... h]         k=0 [h h h ... h]
//          k=1 [h h h ... h]         k=1 [h h h ... h]
//          ...                        ...
//
// Plain functions over raw pointers (docs/naming.md): they never allocate, thread or validate.
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

// Columns per weight panel (the layout above), the same for every variant.
inline constexpr size_t kF16GemmPanelCols = 16;

// What a tile does around its sums:
//   accumulate: the chains start from the values already in C (a later K block), else from 0
//   bias:       nc floats added once the chain is complete (v = v + bias[j]); null adds nothing
//   relu:       v = (v < 0) ? 0 : v after the bias, NaN kept (PyTorch's relu)
// A K-blocked product passes the bias and relu with its last block only.
struct F32F16GemmParams {
  const float* bias = nullptr;
  bool accumulate = false;
  bool relu = false;
};

// C[mr x nc] (1 <= mr <= MR, 1 <= nc <= NR, kc >= 0): row i of A at a + i * a_stride (kc floats),
// row i of C at c + i * c_stride; b points at row 0 of the tile's first panel.
using f32_f16_gemm_fn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b,
                                 size_t b_panel_stride, float* c, size_t c_stride, const F32F16GemmParams* params);

#define OCTET_F32_F16_GEMM_UKERNEL(arch, tile, isa, level, mr, nr) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<f32_f16_gemm_fn> f32_f16_gemm_##tile##__##isa;)
#include "kernels/f16gemm_kernels.inc"
#undef OCTET_F32_F16_GEMM_UKERNEL

// A microkernel with its tile.
struct F32F16GemmKernel {
  f32_f16_gemm_fn fn = nullptr;
  size_t mr = 0;
  size_t nr = 0;
  Isa isa = Isa::Ref;
  std::string_view name;  // e.g. "f32_f16_gemm_14x32__avx512"
};

// The pair an operator uses: `gemm`, the tile for many rows; `gemv`, the one-row tile (mr == 1,
// many columns: one row has few independent sums per column, so it needs width to hide the FMA
// latency). A level without a one-row tile uses its gemm tile for both.
struct F32F16GemmKernels {
  F32F16GemmKernel gemm;
  F32F16GemmKernel gemv;
};

// The best usable pair under the current ISA cap (set_max_isa / OCTET_MAX_ISA), picked per call.
F32F16GemmKernels f32_f16_gemm_kernels();

// Every tile compiled into this build, in list order (best ISA first); the tests run each against
// the __scalar one.
const std::vector<F32F16GemmKernel>& f32_f16_gemm_compiled_kernels();

}  // namespace octet::kernels
