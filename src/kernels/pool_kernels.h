// pool_kernels.h: the float32 microkernels of the pooling ops (window rows, plane sums) and their dispatch.
//
// Plain functions over raw pointers (docs/naming.md): they never allocate, thread or validate user
// input. The max kernels equal the __scalar variant bit for bit (max is exact); the sum kernels
// agree to float rounding (their summation order differs).
#pragma once

#include <cstddef>
#include <type_traits>

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

// One input row's contribution to n pooling windows along the row:
//   acc[j] = max(acc[j], in[j * stride + t * dilation] for t < taps)   (maxpool)
//   acc[j] = acc[j] + sum over t of in[j * stride + t * dilation]       (sumpool)
// for j < n. Max propagates NaN: once acc[j] or any tap is NaN, acc[j] is NaN. Reads exactly the
// elements named (no over-read). stride >= 1, dilation >= 1, taps >= 1.
using f32_maxpool_taps_fn = void (*)(size_t n, size_t taps, const float* in, size_t stride,
                                     size_t dilation, float* acc);
using f32_sumpool_taps_fn = void (*)(size_t n, size_t taps, const float* in, size_t stride,
                                     size_t dilation, float* acc);
// Returns sum(x[0..n)) accumulated in float (several partial sums; the global average pool).
using f32_rsum_fn = float (*)(size_t n, const float* x);

#define OCTET_POOL_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/pool_kernels.inc"
#undef OCTET_POOL_UKERNEL

// One variant per family: the best one usable under the current ISA cap, picked at each call.
struct PoolKernels {
  f32_maxpool_taps_fn f32_maxpool_taps = nullptr;
  f32_sumpool_taps_fn f32_sumpool_taps = nullptr;
  f32_rsum_fn f32_rsum = nullptr;
};
PoolKernels pool_kernels();

}  // namespace octet::kernels
