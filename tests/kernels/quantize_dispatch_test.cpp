// quantize_dispatch_test.cpp: the per-level tables hold the listed kernels, compiled_kernels() follows
// the list, and quantize_kernels() picks the best usable level and follows set_max_isa().
#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <vector>

#include "kernels/quantize_kernels.h"
#include "kernels/quantize_ukernels.h"
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// Restores the ISA cap when a test that moves it ends, however it ends.
class CapGuard {
 public:
  CapGuard() : saved_(max_isa()) {}
  ~CapGuard() { set_max_isa(saved_); }

 private:
  Isa saved_;
};

constexpr Isa kAllLevels[] = {Isa::Ref,  Isa::Avx2,    Isa::Avx512,  Isa::Avx512Vnni,
                              Isa::Amx, Isa::Neon, Isa::NeonDot, Isa::NeonI8mm};

TEST(QuantizeDispatch, ref_table_is_the_scalar_kernels) {
  const QuantizeKernels& ref = quantize_kernels_ref();
  EXPECT_EQ(ref.isa, Isa::Ref);
  EXPECT_EQ(quantize_kernels_for(Isa::Ref), &ref);
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(if (Isa::level == Isa::Ref) { EXPECT_EQ(ref.family, &family##__##isa) << #family; })
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL
}

TEST(QuantizeDispatch, each_level_table_holds_its_listed_kernels) {
  std::set<Isa> listed;
#define OCTET_QUANTIZE_UKERNEL(arch, family, tag, level)                                   \
  OCTET_IF_ARCH_##arch({                                                                   \
    listed.insert(Isa::level);                                                             \
    const QuantizeKernels* table = quantize_kernels_for(Isa::level);                       \
    ASSERT_NE(table, nullptr) << #family "__" #tag;                                        \
    EXPECT_EQ(table->isa, Isa::level);                                                     \
    EXPECT_EQ(table->family, &family##__##tag) << "table " << isa_name(Isa::level);        \
  })
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL
  for (Isa level : kAllLevels) {
    if (listed.count(level) == 0) {
      EXPECT_EQ(quantize_kernels_for(level), nullptr) << isa_name(level) << " has no kernels";
    }
  }
}

TEST(QuantizeDispatch, compiled_kernels_follow_the_list) {
  std::vector<KernelInfo> expected;
#define OCTET_QUANTIZE_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(expected.push_back({#family "__" #isa, Isa::level});)
#include "kernels/quantize_kernels.inc"
#undef OCTET_QUANTIZE_UKERNEL
  const std::vector<KernelInfo>& compiled = compiled_kernels();
  ASSERT_EQ(compiled.size(), expected.size());
  std::set<std::string_view> names;
  for (size_t i = 0; i < compiled.size(); ++i) {
    EXPECT_EQ(compiled[i].name, expected[i].name);
    EXPECT_EQ(compiled[i].isa, expected[i].isa) << compiled[i].name;
    EXPECT_TRUE(names.insert(compiled[i].name).second) << "duplicate " << compiled[i].name;
  }
}

// The level dispatch should pick: the best level with kernels that isa_usable() accepts.
Isa expected_pick() {
  for (Isa level : {Isa::Amx, Isa::Avx512Vnni, Isa::Avx512, Isa::Avx2, Isa::NeonI8mm, Isa::NeonDot,
                    Isa::Neon}) {
    if (quantize_kernels_for(level) != nullptr && isa_usable(level)) return level;
  }
  return Isa::Ref;
}

TEST(QuantizeDispatch, picks_the_best_usable_level_and_follows_the_cap) {
  CapGuard restore;
  EXPECT_EQ(quantize_kernels().isa, expected_pick());
  EXPECT_EQ(&quantize_kernels(), quantize_kernels_for(quantize_kernels().isa));

  set_max_isa(Isa::Ref);
  EXPECT_EQ(quantize_kernels().isa, Isa::Ref);
  EXPECT_EQ(&quantize_kernels(), &quantize_kernels_ref());
  EXPECT_EQ(quantize_kernels().f32_qu8_vquantize, &f32_qu8_vquantize__scalar);

  for (Isa cap : kAllLevels) {
    set_max_isa(cap);
    const Isa want = expected_pick();
    EXPECT_EQ(quantize_kernels().isa, want) << "cap " << isa_name(cap);
    if (quantize_kernels_for(cap) != nullptr && isa_supported_by_hardware(cap)) {
      EXPECT_EQ(want, cap) << "a usable level with kernels must be picked at its own cap";
    }
  }
  set_max_isa(Isa::Ref);  // back down after going up: the cache must not keep the old pick
  EXPECT_EQ(quantize_kernels().isa, Isa::Ref);
}

}  // namespace
}  // namespace octet::kernels
