// pool_dispatch.cpp: picks the best usable variant of each pooling microkernel family.
#include "kernels/pool_kernels.h"

namespace octet::kernels {

// The list goes best first within a family, so the first usable entry wins; the __scalar entry
// (level Ref) is always usable, so every family is filled.
PoolKernels pool_kernels() {
  PoolKernels k;
#define OCTET_POOL_UKERNEL(arch, family, isa, level)                            \
  OCTET_IF_ARCH_##arch(if (k.family == nullptr && isa_usable(Isa::level)) { \
    k.family = &family##__##isa;                                              \
  })
#include "kernels/pool_kernels.inc"
#undef OCTET_POOL_UKERNEL
  return k;
}

}  // namespace octet::kernels
