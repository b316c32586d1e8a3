// f32_gemm_dispatch.cpp: picks the best usable variant of each float32 GEMM / GEMV / depthwise / packing family.
#include <vector>

#include "kernels/f32_gemm_kernels.h"

namespace octet::kernels {
namespace {

// Fills each family of `k` that is still empty with its first listed variant (the list goes best
// first) that `accept` allows.
template <typename Accept>
void fill(F32Kernels& k, Accept accept) {
#define OCTET_F32_GEMM_UKERNEL(arch, tile, isa, level, mr, nr)                                 \
  OCTET_IF_ARCH_##arch(if (k.f32_gemm_minmax.fn == nullptr && accept(Isa::level)) {           \
    k.f32_gemm_minmax = F32GemmKernel{&f32_gemm_minmax_##tile##__##isa, mr, nr, Isa::level,   \
                                      "f32_gemm_minmax_" #tile "__" #isa};                    \
  })
#define OCTET_F32_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(if (k.family == nullptr && accept(Isa::level)) k.family = &family##__##isa;)
#include "kernels/f32_gemm_kernels.inc"
#undef OCTET_F32_UKERNEL
#undef OCTET_F32_GEMM_UKERNEL
}

bool complete(const F32Kernels& k) {
  return k.f32_gemm_minmax.fn != nullptr && k.f32_gemv_minmax != nullptr && k.f32_dwconv_minmax != nullptr &&
         k.f32_packb != nullptr && k.f32_padsplit != nullptr;
}

}  // namespace

// Every family has a __scalar variant (level Ref, always usable), so every family is filled.
F32Kernels f32_kernels() {
  F32Kernels k;
  k.isa = best_isa();
  fill(k, [](Isa level) { return isa_usable(level); });
  return k;
}

std::vector<F32Kernels> f32_compiled_kernels() {
  std::vector<F32Kernels> out;
  for (Isa level : {Isa::Avx512, Isa::Avx2, Isa::Ref}) {
    F32Kernels k;
    k.isa = level;
    fill(k, [level](Isa l) { return l == level; });
    if (complete(k)) out.push_back(k);
  }
  return out;
}

}  // namespace octet::kernels
