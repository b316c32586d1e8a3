// quantize_dispatch.cpp: per-ISA tables of the quantize microkernels and the pick of the best usable one.
#include <cstddef>
#include <vector>

#include "kernels/level_dispatch.h"
#include "kernels/quantize_kernels.h"
#include "kernels/quantize_ukernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// Each family gets its first listed variant (the list goes best first) that `level` can run.
LevelTable<QuantizeKernels> make_table(Isa level) {
  LevelTable<QuantizeKernels> t{};
  t.kernels.isa = level;
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, kernel_level)                         \
  OCTET_IF_ARCH_##arch(                                                                 \
      if (t.kernels.family == nullptr && implies(level, Isa::kernel_level)) {           \
        t.kernels.family = &family##__##isa;                                            \
        t.has_own_kernels = t.has_own_kernels || Isa::kernel_level == level;            \
      })
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL
  return t;
}

// Every family needs a __scalar variant, which also completes every level's table (each level
// implies Ref). A family listed without one fails to compile here.
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, kernel_level) \
  static_assert(sizeof(&family##__scalar) != 0, "missing " #family "__scalar");
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL

LevelDispatch<QuantizeKernels>& dispatch() {
  static LevelDispatch<QuantizeKernels> d(&make_table);
  return d;
}

}  // namespace

const QuantizeKernels& quantize_kernels() { return dispatch().pick(); }

const QuantizeKernels& quantize_kernels_ref() { return dispatch().ref(); }

const QuantizeKernels* quantize_kernels_for(Isa isa) { return dispatch().for_level(isa); }

const std::vector<KernelInfo>& compiled_kernels() {
  static const std::vector<KernelInfo> kernels = {
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, kernel_level) \
  OCTET_IF_ARCH_##arch(KernelInfo{#family "__" #isa, Isa::kernel_level}, )
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL
  };
  return kernels;
}

}  // namespace octet::kernels
