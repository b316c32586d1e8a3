// qelementwise_dispatch.cpp: per-ISA tables of the 8-bit elementwise microkernels and the pick of the best usable one.
#include <array>
#include <atomic>
#include <cstddef>
#include <iterator>
#include <vector>

#include "kernels/qelementwise_kernels.h"
#include "kernels/qelementwise_ukernels.h"
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
// ones before it on its own architecture only.
constexpr bool implies(Isa level, Isa kernel_level) {
  if (kernel_level == Isa::Ref) return true;
  if (is_x86_level(level) && is_x86_level(kernel_level)) return kernel_level <= level;
  if (is_arm_level(level) && is_arm_level(kernel_level)) return kernel_level <= level;
  return false;
}

struct LevelTable {
  QElementwiseKernels kernels;
  bool has_own_kernels;  // at least one family has a variant written for exactly this level
};

// Each family gets its first listed variant (the list goes best first) that `level` can run.
LevelTable make_table(Isa level) {
  LevelTable t{};
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

const std::array<LevelTable, kNumLevels>& tables() {
  static const std::array<LevelTable, kNumLevels> built = [] {
    std::array<LevelTable, kNumLevels> t{};
    for (size_t i = 0; i < kNumLevels; ++i) t[i] = make_table(static_cast<Isa>(i));
    return t;
  }();
  return built;
}

const QElementwiseKernels* pick_for_current_cap() {
  for (Isa level : kLevelsBestFirst) {
    const QElementwiseKernels* kernels = qelementwise_kernels_for(level);
    if (kernels != nullptr && isa_usable(level)) return kernels;
  }
  return &tables()[level_index(Isa::Ref)].kernels;
}

// The pick depends only on the cap (the hardware never changes), so it is cached per cap value.
std::array<std::atomic<const QElementwiseKernels*>, kNumLevels> g_pick_by_cap{};

}  // namespace

const QElementwiseKernels& qelementwise_kernels() {
  const Isa cap = max_isa();
  const size_t slot = level_index(cap);
  if (slot >= kNumLevels) return *pick_for_current_cap();
  if (const QElementwiseKernels* cached = g_pick_by_cap[slot].load(std::memory_order_acquire)) {
    return *cached;
  }
  const QElementwiseKernels* picked = pick_for_current_cap();
  // A cap changed by another thread mid-pick would file this pick under the wrong key: skip the cache.
  if (max_isa() == cap) g_pick_by_cap[slot].store(picked, std::memory_order_release);
  return *picked;
}

const QElementwiseKernels& qelementwise_kernels_ref() { return tables()[level_index(Isa::Ref)].kernels; }

const QElementwiseKernels* qelementwise_kernels_for(Isa isa) {
  const size_t i = level_index(isa);
  if (i >= kNumLevels || !tables()[i].has_own_kernels) return nullptr;
  return &tables()[i].kernels;
}

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
