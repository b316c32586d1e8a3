// fakequant_dispatch.cpp: per-ISA tables of the fake-quantize microkernels and the pick of the best usable one.
#include <cstddef>
#include <vector>

#include "kernels/fakequant_kernels.h"
#include "kernels/fakequant_ukernels.h"
#include "kernels/level_dispatch.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// Each family gets its first listed variant (the list goes best first) that `level` can run.
LevelTable<FakeQuantKernels> make_table(Isa level) {
  LevelTable<FakeQuantKernels> t{};
  t.kernels.isa = level;
#define OCTET_FAKEQUANT_UKERNEL(arch, family, isa, kernel_level)                        \
  OCTET_IF_ARCH_##arch(                                                                 \
      if (t.kernels.family == nullptr && implies(level, Isa::kernel_level)) {           \
        t.kernels.family = &family##__##isa;                                            \
        t.has_own_kernels = t.has_own_kernels || Isa::kernel_level == level;            \
      })
#include "kernels/fakequant_kernels.inc"
#undef OCTET_FAKEQUANT_UKERNEL
  return t;
}

// Every family needs a __scalar variant, which also completes every level's table.
#define OCTET_FAKEQUANT_UKERNEL(arch, family, isa, kernel_level) \
  static_assert(sizeof(&family##__scalar) != 0, "missing " #family "__scalar");
#include "kernels/fakequant_kernels.inc"
#undef OCTET_FAKEQUANT_UKERNEL

LevelDispatch<FakeQuantKernels>& dispatch() {
  static LevelDispatch<FakeQuantKernels> d(&make_table);
  return d;
}

}  // namespace

const FakeQuantKernels& fakequant_kernels() { return dispatch().pick(); }

const FakeQuantKernels& fakequant_kernels_ref() { return dispatch().ref(); }

const FakeQuantKernels* fakequant_kernels_for(Isa isa) { return dispatch().for_level(isa); }

const std::vector<KernelInfo>& fakequant_compiled_kernels() {
  static const std::vector<KernelInfo> kernels = {
#define OCTET_FAKEQUANT_UKERNEL(arch, family, isa, kernel_level) \
  OCTET_IF_ARCH_##arch(KernelInfo{#family "__" #isa, Isa::kernel_level}, )
#include "kernels/fakequant_kernels.inc"
#undef OCTET_FAKEQUANT_UKERNEL
  };
  return kernels;
}

}  // namespace octet::kernels
