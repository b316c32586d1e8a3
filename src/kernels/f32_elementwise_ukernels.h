// f32_elementwise_ukernels.h: declarations of every float32 elementwise microkernel, expanded from f32_elementwise_kernels.inc.
#pragma once

#include <type_traits>

#include "kernels/f32_elementwise_kernels.h"

// OCTET_IF_ARCH_<arch>(...) keeps its arguments only when this build compiles that architecture's
// kernels (the same definitions as quantize_ukernels.h, which C++ allows to be repeated).
#define OCTET_IF_ARCH_portable(...) __VA_ARGS__
#if defined(OCTET_ARCH_X86)
#define OCTET_IF_ARCH_x86(...) __VA_ARGS__
#else
#define OCTET_IF_ARCH_x86(...)
#endif

namespace octet::kernels {

// e.g. `std::remove_pointer_t<f32_vbinary_fn> f32_vadd__avx2;`: the family's function type fixes
// the signature, so a definition that drifts from it fails to link.
#define OCTET_F32_ELEMENTWISE_DECLARE(op, kind, isa) std::remove_pointer_t<f32_##kind##_fn> f32_##op##__##isa;
#define OCTET_F32_ELEMENTWISE_DECLARE_LEVEL(arch, isa, level) \
  OCTET_IF_ARCH_##arch(OCTET_F32_ELEMENTWISE_FAMILIES(OCTET_F32_ELEMENTWISE_DECLARE, isa))
OCTET_F32_ELEMENTWISE_LEVELS(OCTET_F32_ELEMENTWISE_DECLARE_LEVEL)
#undef OCTET_F32_ELEMENTWISE_DECLARE_LEVEL
#undef OCTET_F32_ELEMENTWISE_DECLARE

}  // namespace octet::kernels
