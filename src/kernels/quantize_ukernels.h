// quantize_ukernels.h: declarations of every quantize-family microkernel, expanded from quantize_kernels.inc.
#pragma once

#include <type_traits>

#include "kernels/quantize_kernels.h"

// OCTET_IF_ARCH_<arch>(...) keeps its arguments only when this build compiles that architecture's
// kernels. OCTET_ARCH_X86 is the CMake switch that also adds kernels/x86/ to the library, so the
// declarations, the tables and the compiled files always agree.
#define OCTET_IF_ARCH_portable(...) __VA_ARGS__
#if defined(OCTET_ARCH_X86)
#define OCTET_IF_ARCH_x86(...) __VA_ARGS__
#else
#define OCTET_IF_ARCH_x86(...)
#endif

namespace octet::kernels {

// Each declaration reads, e.g., `std::remove_pointer_t<f32_qu8_vquantize_fn> f32_qu8_vquantize__avx2;`:
// the family's function type fixes the signature, so a definition that drifts from it fails to link.
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL

}  // namespace octet::kernels
