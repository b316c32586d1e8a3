// norm_dispatch.cpp: picks the best usable variant of each normalisation microkernel family.
#include "kernels/norm_kernels.h"

namespace octet::kernels {

// The list goes best first within a family, so the first usable entry wins; the __scalar entry
// (level Ref) is always usable, so every family is filled.
NormKernels norm_kernels() {
  NormKernels k;
#define OCTET_NORM_UKERNEL(arch, family, isa, level)                            \
  OCTET_IF_ARCH_##arch(if (k.family == nullptr && isa_usable(Isa::level)) { \
    k.family = &family##__##isa;                                              \
  })
#include "kernels/norm_kernels.inc"
#undef OCTET_NORM_UKERNEL
  return k;
}

}  // namespace octet::kernels
