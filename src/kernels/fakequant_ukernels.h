// fakequant_ukernels.h: declarations of every fake-quantize microkernel, expanded from fakequant_kernels.inc.
#pragma once

#include <type_traits>

#include "kernels/fakequant_kernels.h"

// OCTET_IF_ARCH_<arch>(...) keeps its arguments only when this build compiles that architecture's
// kernels (quantize_ukernels.h defines the same macros; whichever header comes first wins).
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

// Each declaration reads, e.g., `std::remove_pointer_t<f32_vfakequant_fn> f32_vfakequant__avx2;`:
// the family's function type fixes the signature, so a definition that drifts from it fails to link.
#define OCTET_FAKEQUANT_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/fakequant_kernels.inc"
#undef OCTET_FAKEQUANT_UKERNEL

}  // namespace octet::kernels
