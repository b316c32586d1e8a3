// f16gemm_dispatch.cpp: picks the GEMM and one-row tiles of the float16-weight GEMM for the current ISA cap.
#include "kernels/f16gemm_kernels.h"

namespace octet::kernels {

const std::vector<F32F16GemmKernel>& f32_f16_gemm_compiled_kernels() {
  static const std::vector<F32F16GemmKernel> kernels = {
#define OCTET_F32_F16_GEMM_UKERNEL(arch, tile, isa, level, mr, nr) \
  OCTET_IF_ARCH_##arch(F32F16GemmKernel{&f32_f16_gemm_##tile##__##isa, mr, nr, Isa::level, "f32_f16_gemm_" #tile "__" #isa}, )
#include "kernels/f16gemm_kernels.inc"
#undef OCTET_F32_F16_GEMM_UKERNEL
  };
  return kernels;
}

// The list goes best ISA first and ends with the always-usable __scalar tile: the first usable
// entry gives the level, and that level's tiles are taken.
F32F16GemmKernels f32_f16_gemm_kernels() {
  const std::vector<F32F16GemmKernel>& all = f32_f16_gemm_compiled_kernels();
  Isa level = Isa::Ref;
  for (const F32F16GemmKernel& cand : all) {
    if (isa_usable(cand.isa)) {
      level = cand.isa;
      break;
    }
  }
  F32F16GemmKernels k;
  for (const F32F16GemmKernel& cand : all) {
    if (cand.isa != level) continue;
    if (cand.mr > 1 && k.gemm.fn == nullptr) k.gemm = cand;
    if (cand.mr == 1 && k.gemv.fn == nullptr) k.gemv = cand;
  }
  if (k.gemv.fn == nullptr) k.gemv = k.gemm;
  return k;
}

}  // namespace octet::kernels
