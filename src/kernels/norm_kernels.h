// norm_kernels.h: the float32 microkernels of the normalisation ops (statistics, affine apply) and their dispatch.
//
// Plain functions over raw pointers (docs/naming.md): they never allocate, thread or validate user
// input. Variants agree with the __scalar one to float rounding, not bit for bit: the ISA variants
// use FMA and a different summation order, which float ops allow (the float contract is a relative
// error, not equality).
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

// y[i] = x[i] * scale + shift (batch norm at inference and every per-channel apply). x == y allowed.
using f32_vscaleshift_fn = void (*)(size_t n, const float* x, float scale, float shift, float* y);
// y[i] = (x[i] - mean) * rstd * w[i] + b[i]; w == nullptr means 1, b == nullptr means 0 (the
// layer norm apply, and per-element affine rows with mean 0, rstd 1). x == y allowed.
using f32_vnormaffine_fn = void (*)(size_t n, const float* x, float mean, float rstd, const float* w,
                                    const float* b, float* y);
// Two passes in double: *mean = sum(x) / n, then *m2 = sum((x - *mean)^2). n >= 1.
using f32_rmoments_fn = void (*)(size_t n, const float* x, double* mean, double* m2);

#define OCTET_NORM_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/norm_kernels.inc"
#undef OCTET_NORM_UKERNEL

// One variant per family: the best one usable under the current ISA cap (set_max_isa /
// OCTET_MAX_ISA), picked at each call so that a changed cap takes effect at once.
struct NormKernels {
  f32_vscaleshift_fn f32_vscaleshift = nullptr;
  f32_vnormaffine_fn f32_vnormaffine = nullptr;
  f32_rmoments_fn f32_rmoments = nullptr;
};
NormKernels norm_kernels();

}  // namespace octet::kernels
