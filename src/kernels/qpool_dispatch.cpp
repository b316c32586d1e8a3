// qpool_dispatch.cpp: picks the best usable variant of each 8-bit pooling microkernel family.
#include "kernels/qpool_kernels.h"

namespace octet::kernels {

// The list goes best first within a family, so the first usable entry wins; the __scalar entry
// (level Ref) is always usable, so every family is filled.
QPoolKernels qpool_kernels() {
  QPoolKernels k;
#define OCTET_QPOOL_UKERNEL(arch, family, isa, level)                         \
  OCTET_IF_ARCH_##arch(if (k.family == nullptr && isa_usable(Isa::level)) { \
    k.family = &family##__##isa;                                            \
  })
#include "kernels/qpool_kernels.inc"
#undef OCTET_QPOOL_UKERNEL
  return k;
}

const std::vector<QPoolKernelInfo>& qpool_compiled_kernels() {
  static const std::vector<QPoolKernelInfo> kernels = {
#define OCTET_QPOOL_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(QPoolKernelInfo{#family "__" #isa, Isa::level}, )
#include "kernels/qpool_kernels.inc"
#undef OCTET_QPOOL_UKERNEL
  };
  return kernels;
}

}  // namespace octet::kernels
