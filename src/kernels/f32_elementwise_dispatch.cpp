// f32_elementwise_dispatch.cpp: per-level tables of the float32 elementwise microkernels and the pick of the best usable one.
#include <array>
#include <cstddef>

#include "kernels/f32_elementwise_kernels.h"
#include "kernels/f32_elementwise_ukernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

struct Level {
  Isa isa;
  F32ElementwiseKernels kernels;
};

#define OCTET_F32_ELEMENTWISE_ASSIGN(op, kind, suffix) t.op = &f32_##op##__##suffix;
#define OCTET_F32_ELEMENTWISE_TABLE(arch, suffix, level)                           \
  OCTET_IF_ARCH_##arch([] {                                                         \
    F32ElementwiseKernels t{};                                                      \
    OCTET_F32_ELEMENTWISE_FAMILIES(OCTET_F32_ELEMENTWISE_ASSIGN, suffix)            \
    t.isa = Isa::level;                                                             \
    return Level{Isa::level, t};                                                    \
  }(), )

// The compiled levels, best first (the list's order); the last is always the portable one.
const auto& levels() {
  static const auto built = std::to_array<Level>({OCTET_F32_ELEMENTWISE_LEVELS(OCTET_F32_ELEMENTWISE_TABLE)});
  return built;
}
#undef OCTET_F32_ELEMENTWISE_TABLE
#undef OCTET_F32_ELEMENTWISE_ASSIGN

}  // namespace

// A table walk per call: isa_usable is two atomic loads and a few flag tests, cheap next to any
// operator, and reading the cap each time keeps set_max_isa() effective without a cache to flush.
const F32ElementwiseKernels& f32_elementwise_kernels() {
  for (const Level& l : levels()) {
    if (isa_usable(l.isa)) return l.kernels;
  }
  return levels().back().kernels;
}

const F32ElementwiseKernels& f32_elementwise_kernels_ref() { return levels().back().kernels; }

const F32ElementwiseKernels* f32_elementwise_kernels_for(Isa isa) {
  for (const Level& l : levels()) {
    if (l.isa == isa) return &l.kernels;
  }
  return nullptr;
}

}  // namespace octet::kernels
