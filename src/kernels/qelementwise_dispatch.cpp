// qelementwise_dispatch.cpp: per-ISA tables of the 8-bit elementwise microkernels and the pick of the best usable one.
#include <cstddef>
#include <vector>

#include "kernels/level_dispatch.h"
#include "kernels/qelementwise_kernels.h"
#include "kernels/qelementwise_ukernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// Each family gets its first listed variant (the list goes best first) that `level` can run.
LevelTable<QElementwiseKernels> make_table(Isa level) {
  LevelTable<QElementwiseKernels> t{};
  t.kernels.isa = level;
#define OCTET_QELEMENTWISE_UKERNEL(arch, family, isa, kernel_level)                     \
  OCTET_IF_ARCH_##arch(                                                                 \
      if (t.kernels.family == nullptr && implies(level, Isa::kernel_level)) {           \
        t.kernels.family = &family##__##isa;                                            \
        t.has_own_kernels = t.has_own_kernels || Isa::kernel_level == level;            \
      })
#include "kernels/qelementwise_kernels.inc"
#undef OCTET_QELEMENTWISE_UKERNEL
  return t;
}

// Every family needs a __scalar variant, which also completes every level's table (each level
// implies Ref). A family listed without one fails to compile here.
#define OCTET_QELEMENTWISE_UKERNEL(arch, family, isa, kernel_level) \
  static_assert(sizeof(&family##__scalar) != 0, "missing " #family "__scalar");
#include "kernels/qelementwise_kernels.inc"
#undef OCTET_QELEMENTWISE_UKERNEL

LevelDispatch<QElementwiseKernels>& dispatch() {
  static LevelDispatch<QElementwiseKernels> d(&make_table);
  return d;
}

}  // namespace

const QElementwiseKernels& qelementwise_kernels() { return dispatch().pick(); }

const QElementwiseKernels& qelementwise_kernels_ref() { return dispatch().ref(); }

const QElementwiseKernels* qelementwise_kernels_for(Isa isa) { return dispatch().for_level(isa); }

const std::vector<KernelInfo>& qelementwise_compiled_kernels() {
  static const std::vector<KernelInfo> kernels = {
#define OCTET_QELEMENTWISE_UKERNEL(arch, family, isa, kernel_level) \
  OCTET_IF_ARCH_##arch(KernelInfo{#family "__" #isa, Isa::kernel_level}, )
#include "kernels/qelementwise_kernels.inc"
#undef OCTET_QELEMENTWISE_UKERNEL
  };
  return kernels;
}

}  // namespace octet::kernels
