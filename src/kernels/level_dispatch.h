// level_dispatch.h: per-ISA-level kernel tables and the cached best-usable pick, shared by the kernel families' dispatch files.
//
// A family set (QuantizeKernels, QElementwiseKernels, ...) is a struct of function pointers plus an
// `isa` member. Its dispatch file supplies make_table(level): each family's first listed variant
// (lists go best first) that `level` can run, expanded from the family's .inc list with implies().
// LevelDispatch builds one table per level once, and pick() returns the table of the best level
// that has kernels of its own and is usable under the current cap, cached per cap value (the
// hardware never changes, so set_max_isa() needs no hook here).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <iterator>

#include "octet/cpu_features.h"

namespace octet::kernels {

inline constexpr size_t kNumIsaLevels = static_cast<size_t>(Isa::NeonI8mm) + 1;

constexpr size_t isa_level_index(Isa isa) { return static_cast<size_t>(isa); }

// The order dispatch tries levels in: best first, `ref` last (it runs everywhere).
inline constexpr Isa kIsaLevelsBestFirst[] = {Isa::Amx,      Isa::Avx512Vnni, Isa::Avx512, Isa::Avx2,
                                              Isa::NeonI8mm, Isa::NeonDot,    Isa::Neon,   Isa::Ref};
static_assert(std::size(kIsaLevelsBestFirst) == kNumIsaLevels, "every Isa level is tried once");

constexpr bool is_x86_isa_level(Isa isa) { return isa >= Isa::Avx2 && isa <= Isa::Amx; }
constexpr bool is_arm_isa_level(Isa isa) { return isa >= Isa::Neon && isa <= Isa::NeonI8mm; }

// Whether a kernel written for `kernel_level` may run wherever `level` is usable: a level implies the
// ones before it on its own architecture only (Neon sorts after Amx but implies none of x86).
constexpr bool implies(Isa level, Isa kernel_level) {
  if (kernel_level == Isa::Ref) return true;
  if (is_x86_isa_level(level) && is_x86_isa_level(kernel_level)) return kernel_level <= level;
  if (is_arm_isa_level(level) && is_arm_isa_level(kernel_level)) return kernel_level <= level;
  return false;
}

template <typename Kernels>
struct LevelTable {
  Kernels kernels{};
  bool has_own_kernels = false;  // at least one family has a variant written for exactly this level
};

template <typename Kernels>
class LevelDispatch {
 public:
  // Built at run time, once: comparing a function's address with nullptr is not a constant
  // expression under -fno-delete-null-pointer-checks (which sanitizer builds imply).
  explicit LevelDispatch(LevelTable<Kernels> (*make_table)(Isa level)) {
    for (size_t i = 0; i < kNumIsaLevels; ++i) tables_[i] = make_table(static_cast<Isa>(i));
  }

  // The scalar reference variants (the specification).
  const Kernels& ref() const { return tables_[isa_level_index(Isa::Ref)].kernels; }

  // The variants compiled for one level, or nullptr when that level has no kernels of its own.
  const Kernels* for_level(Isa isa) const {
    const size_t i = isa_level_index(isa);
    if (i >= kNumIsaLevels || !tables_[i].has_own_kernels) return nullptr;
    return &tables_[i].kernels;
  }

  // The best usable table under the current cap. Cheap: a cached load per call.
  const Kernels& pick() {
    const Isa cap = max_isa();
    const size_t slot = isa_level_index(cap);
    if (slot >= kNumIsaLevels) return *pick_uncached();
    if (const Kernels* cached = pick_by_cap_[slot].load(std::memory_order_acquire)) return *cached;
    const Kernels* picked = pick_uncached();
    // A cap changed by another thread mid-pick would file this pick under the wrong key: skip the cache.
    if (max_isa() == cap) pick_by_cap_[slot].store(picked, std::memory_order_release);
    return *picked;
  }

 private:
  const Kernels* pick_uncached() const {
    for (Isa level : kIsaLevelsBestFirst) {
      const Kernels* kernels = for_level(level);
      if (kernels != nullptr && isa_usable(level)) return kernels;
    }
    return &ref();
  }

  std::array<LevelTable<Kernels>, kNumIsaLevels> tables_{};
  std::array<std::atomic<const Kernels*>, kNumIsaLevels> pick_by_cap_{};
};

}  // namespace octet::kernels
