// qembedding_dispatch.cpp: picks the best usable variant of each rowwise embedding-bag microkernel family.
#include "kernels/qembedding_kernels.h"

namespace octet::kernels {

// The list goes best first within a family and ends with the always-usable __scalar entry.
QEmbeddingKernels qembedding_kernels() {
  QEmbeddingKernels k;
#define OCTET_QEMBEDDING_UKERNEL(arch, family, isa, level)                    \
  OCTET_IF_ARCH_##arch(if (k.family == nullptr && isa_usable(Isa::level)) { \
    k.family = &family##__##isa;                                            \
  })
#include "kernels/qembedding_kernels.inc"
#undef OCTET_QEMBEDDING_UKERNEL
  return k;
}

const std::vector<QEmbeddingKernelInfo>& qembedding_compiled_kernels() {
  static const std::vector<QEmbeddingKernelInfo> kernels = {
#define OCTET_QEMBEDDING_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(QEmbeddingKernelInfo{#family "__" #isa, Isa::level}, )
#include "kernels/qembedding_kernels.inc"
#undef OCTET_QEMBEDDING_UKERNEL
  };
  return kernels;
}

}  // namespace octet::kernels
