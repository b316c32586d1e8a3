// quantize_dispatch.cpp: per-ISA tables of the quantize microkernels and the pick of the best usable one.
#include <array>
#include <atomic>
#include <cstddef>
#include <iterator>
#include <vector>

#include "kernels/quantize_kernels.h"
#include "kernels/quantize_ukernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

constexpr size_t kNumLevels = static_cast<size_t>(Isa::NeonI8mm) + 1;

constexpr size_t level_index(Isa isa) { return static_cast<size_t>(isa); }

// The order dispatch tries levels in: best first, `ref` last (it runs everywhere).
constexpr Isa kLevelsBestFirst[] = {Isa::Amx,      Isa::Avx512Vnni, Isa::Avx512, Isa::Avx2,
                                    Isa::NeonI8mm, Isa::NeonDot,    Isa::Neon,   Isa::Ref};
static_assert(std::size(kLevelsBestFirst) == kNumLevels, "every Isa level is tried once");

constexpr bool is_x86_level(Isa isa) { return isa >= Isa::Avx2 && isa <= Isa::Amx; }
constexpr bool is_arm_level(Isa isa) { return isa >= Isa::Neon && isa <= Isa::NeonI8mm; }

// Whether a kernel written for `kernel_level` may run wherever `level` is usable: a level implies the
// ones before it on its own architecture only (Neon sorts after Amx but implies none of x86).
constexpr bool implies(Isa level, Isa kernel_level) {
  if (kernel_level == Isa::Ref) return true;
  if (is_x86_level(level) && is_x86_level(kernel_level)) return kernel_level <= level;
  if (is_arm_level(level) && is_arm_level(kernel_level)) return kernel_level <= level;
  return false;
}

struct LevelTable {
  QuantizeKernels kernels;
  bool has_own_kernels;  // at least one family has a variant written for exactly this level
};

// Each family gets its first listed variant (the list goes best first) that `level` can run.
// Built at run time, once: comparing a function's address with nullptr is not a constant expression
// under -fno-delete-null-pointer-checks (which sanitizer builds imply).
LevelTable make_table(Isa level) {
  LevelTable t{};
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

const std::array<LevelTable, kNumLevels>& tables() {
  static const std::array<LevelTable, kNumLevels> built = [] {
    std::array<LevelTable, kNumLevels> t{};
    for (size_t i = 0; i < kNumLevels; ++i) t[i] = make_table(static_cast<Isa>(i));
    return t;
  }();
  return built;
}

const QuantizeKernels* pick_for_current_cap() {
  for (Isa level : kLevelsBestFirst) {
    const QuantizeKernels* kernels = quantize_kernels_for(level);
    if (kernels != nullptr && isa_usable(level)) return kernels;
  }
  return &tables()[level_index(Isa::Ref)].kernels;
}

// The pick depends only on the cap (the hardware never changes), so it is cached per cap value and
// set_max_isa() needs no hook into this file.
std::array<std::atomic<const QuantizeKernels*>, kNumLevels> g_pick_by_cap{};

}  // namespace

const QuantizeKernels& quantize_kernels() {
  const Isa cap = max_isa();
  const size_t slot = level_index(cap);
  if (slot >= kNumLevels) return *pick_for_current_cap();
  if (const QuantizeKernels* cached = g_pick_by_cap[slot].load(std::memory_order_acquire)) {
    return *cached;
  }
  const QuantizeKernels* picked = pick_for_current_cap();
  // A cap changed by another thread mid-pick would file this pick under the wrong key: skip the cache.
  if (max_isa() == cap) g_pick_by_cap[slot].store(picked, std::memory_order_release);
  return *picked;
}

const QuantizeKernels& quantize_kernels_ref() { return tables()[level_index(Isa::Ref)].kernels; }

const QuantizeKernels* quantize_kernels_for(Isa isa) {
  const size_t i = level_index(isa);
  if (i >= kNumLevels || !tables()[i].has_own_kernels) return nullptr;
  return &tables()[i].kernels;
}

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
