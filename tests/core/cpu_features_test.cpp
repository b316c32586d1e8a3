// cpu_features_test.cpp: ISA level names, the max-ISA cap, rejection reasons and feature consistency.
#include "octet/cpu_features.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "octet/error.h"

namespace octet {
namespace {

const std::vector<Isa> kAllIsas = {Isa::Ref,  Isa::Avx2, Isa::Avx512,  Isa::Avx512Vnni,
                                   Isa::Amx,  Isa::Neon, Isa::NeonDot, Isa::NeonI8mm};

// This build's chain, ref first.
std::vector<Isa> native_chain() {
#if defined(__x86_64__)
  return {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx};
#elif defined(__aarch64__)
  return {Isa::Ref, Isa::Neon, Isa::NeonDot, Isa::NeonI8mm};
#else
  return {Isa::Ref};
#endif
}

bool is_native(Isa isa) {
  for (Isa n : native_chain()) {
    if (n == isa) return true;
  }
  return false;
}

// Restores the cap a test changed, so tests stay independent.
class MaxIsaGuard {
 public:
  MaxIsaGuard() : saved_(max_isa()) {}
  ~MaxIsaGuard() { set_max_isa(saved_); }
  MaxIsaGuard(const MaxIsaGuard&) = delete;
  MaxIsaGuard& operator=(const MaxIsaGuard&) = delete;

 private:
  Isa saved_;
};

bool implies(bool a, bool b) { return !a || b; }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(IsaName, NamesAreDistinctAndRoundTrip) {
  std::set<std::string> names;
  for (Isa isa : kAllIsas) {
    const std::string name(isa_name(isa));
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(parse_isa(name), isa) << name;
  }
  EXPECT_EQ(isa_name(Isa::Ref), "ref");
  EXPECT_EQ(isa_name(Isa::Avx512Vnni), "avx512vnni");
  EXPECT_EQ(isa_name(Isa::NeonI8mm), "neoni8mm");
}

TEST(ParseIsa, CaseInsensitiveAndAliases) {
  EXPECT_EQ(parse_isa("AVX2"), Isa::Avx2);
  EXPECT_EQ(parse_isa("Avx512VNNI"), Isa::Avx512Vnni);
  EXPECT_EQ(parse_isa("NeonDot"), Isa::NeonDot);
  EXPECT_EQ(parse_isa("AMX"), Isa::Amx);
  EXPECT_EQ(parse_isa("none"), Isa::Ref);
  EXPECT_EQ(parse_isa("scalar"), Isa::Ref);
  EXPECT_EQ(parse_isa("SCALAR"), Isa::Ref);
}

TEST(ParseIsa, InvalidNamesAreErrorsListingValidNames) {
  for (const std::string bad : {"avx3", "", "avx512_vnni ", "sse", "neon-dot"}) {
    try {
      parse_isa(bad);
      FAIL() << "parse_isa accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "parse_isa");
      EXPECT_TRUE(contains(e.message(), "'" + bad + "'")) << e.what();
      for (Isa isa : kAllIsas) {
        EXPECT_TRUE(contains(e.message(), std::string(isa_name(isa)))) << e.what();
      }
      EXPECT_TRUE(contains(e.message(), "none")) << e.what();
    }
  }
}

TEST(CpuFeatures, DetectedOnce) {
  EXPECT_EQ(&cpu_features(), &cpu_features());
}

TEST(CpuFeatures, ImpliedFeaturesAreConsistent) {
  const CpuFeatures& f = cpu_features();
  // Every CPU with an extension has the feature it extends; OS-state gating must not break that.
  EXPECT_TRUE(implies(f.avx2, f.avx));
  EXPECT_TRUE(implies(f.fma, f.avx));
  EXPECT_TRUE(implies(f.avx_vnni, f.avx2));
  EXPECT_TRUE(implies(f.avx512f, f.avx2));
  EXPECT_TRUE(implies(f.avx512bw, f.avx512f));
  EXPECT_TRUE(implies(f.avx512vl, f.avx512f));
  EXPECT_TRUE(implies(f.avx512dq, f.avx512f));
  EXPECT_TRUE(implies(f.avx512_vnni, f.avx512f));
  EXPECT_TRUE(implies(f.avx512_bf16, f.avx512f));
  EXPECT_TRUE(implies(f.amx_int8, f.amx_tile));
  EXPECT_TRUE(implies(f.amx_bf16, f.amx_tile));
  EXPECT_TRUE(implies(f.dotprod, f.asimd));
  EXPECT_TRUE(implies(f.i8mm, f.asimd));
#if defined(__x86_64__)
  EXPECT_FALSE(f.asimd || f.dotprod || f.i8mm);
  EXPECT_FALSE(f.vendor.empty());
#elif defined(__aarch64__)
  EXPECT_TRUE(f.asimd);  // part of the base architecture
  EXPECT_FALSE(f.avx || f.avx2 || f.avx512f || f.amx_tile);
#endif
}

TEST(CpuFeatures, FeatureNamesMatchFlags) {
  CpuFeatures f;
  EXPECT_TRUE(cpu_feature_names(f).empty());
  f.avx2 = true;
  f.fma = true;
  f.avx512_vnni = true;
  f.i8mm = true;
  const std::vector<std::string> expected = {"avx2", "fma", "avx512_vnni", "i8mm"};
  EXPECT_EQ(cpu_feature_names(f), expected);

  const std::vector<std::string> names = cpu_feature_names(cpu_features());
  const std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  EXPECT_EQ(unique.count("avx2") == 1, cpu_features().avx2);
  EXPECT_EQ(unique.count("avx512_vnni") == 1, cpu_features().avx512_vnni);
  EXPECT_EQ(unique.count("dotprod") == 1, cpu_features().dotprod);
}

TEST(IsaSupport, HardwareLevelsMatchFeatures) {
  const CpuFeatures& f = cpu_features();
  EXPECT_TRUE(isa_supported_by_hardware(Isa::Ref));
#if defined(__x86_64__)
  EXPECT_EQ(isa_supported_by_hardware(Isa::Avx2), f.avx2 && f.fma && f.f16c);
  EXPECT_EQ(isa_supported_by_hardware(Isa::Avx512Vnni),
            isa_supported_by_hardware(Isa::Avx512) && f.avx512_vnni);
  EXPECT_TRUE(implies(isa_supported_by_hardware(Isa::Amx), f.amx_tile && f.amx_int8));
#elif defined(__aarch64__)
  EXPECT_EQ(isa_supported_by_hardware(Isa::Neon), f.asimd);
  EXPECT_EQ(isa_supported_by_hardware(Isa::NeonDot), f.asimd && f.dotprod);
#endif
  (void)f;
}

TEST(IsaSupport, ChainIsMonotonic) {
  const std::vector<Isa> chain = native_chain();
  for (size_t i = 1; i < chain.size(); ++i) {
    if (isa_supported_by_hardware(chain[i])) {
      EXPECT_TRUE(isa_supported_by_hardware(chain[i - 1]))
          << isa_name(chain[i]) << " supported but not " << isa_name(chain[i - 1]);
    }
  }
}

TEST(IsaSupport, OtherArchitectureLevelsAreRejectedWithReason) {
  for (Isa isa : kAllIsas) {
    if (is_native(isa)) continue;
    EXPECT_FALSE(isa_supported_by_hardware(isa)) << isa_name(isa);
    EXPECT_FALSE(isa_usable(isa)) << isa_name(isa);
    const std::string reason = isa_rejection_reason(isa);
    EXPECT_TRUE(contains(reason, "this build targets")) << reason;
  }
}

TEST(IsaUsable, ReasonIsEmptyExactlyWhenUsable) {
  for (Isa isa : kAllIsas) {
    const std::string reason = isa_rejection_reason(isa);
    EXPECT_EQ(isa_usable(isa), reason.empty()) << isa_name(isa) << ": " << reason;
  }
  EXPECT_TRUE(isa_usable(Isa::Ref));
}

TEST(IsaUsable, UnsupportedLevelNamesMissingFeature) {
  for (Isa isa : native_chain()) {
    if (isa_supported_by_hardware(isa)) continue;
    const std::string reason = isa_rejection_reason(isa);
    EXPECT_TRUE(contains(reason, "missing") || contains(reason, "OS") ||
                contains(reason, "Linux refused"))
        << isa_name(isa) << ": " << reason;
  }
}

TEST(MaxIsa, CapAtRefLeavesOnlyRef) {
  MaxIsaGuard guard;
  set_max_isa(Isa::Ref);
  EXPECT_EQ(max_isa(), Isa::Ref);
  EXPECT_EQ(best_isa(), Isa::Ref);
  for (Isa isa : kAllIsas) {
    EXPECT_EQ(isa_usable(isa), isa == Isa::Ref) << isa_name(isa);
    if (isa != Isa::Ref && isa_supported_by_hardware(isa)) {
      EXPECT_EQ(isa_rejection_reason(isa), "capped by set_max_isa(ref)");
    }
  }
}

TEST(MaxIsa, CapAtEachLevelLimitsTheChain) {
  MaxIsaGuard guard;
  const std::vector<Isa> chain = native_chain();
  for (size_t c = 0; c < chain.size(); ++c) {
    set_max_isa(chain[c]);
    EXPECT_EQ(max_isa(), chain[c]);
    for (size_t i = 0; i < chain.size(); ++i) {
      const bool expected = i <= c && isa_supported_by_hardware(chain[i]);
      EXPECT_EQ(isa_usable(chain[i]), expected)
          << "cap " << isa_name(chain[c]) << ", level " << isa_name(chain[i]);
      if (i > c && isa_supported_by_hardware(chain[i])) {
        EXPECT_TRUE(contains(isa_rejection_reason(chain[i]), "capped by set_max_isa"))
            << isa_rejection_reason(chain[i]);
      }
    }
    EXPECT_TRUE(isa_usable(best_isa()));
  }
}

TEST(MaxIsa, BestIsaIsTheHighestUsableNativeLevel) {
  MaxIsaGuard guard;
  set_max_isa(native_chain().back());
  const Isa best = best_isa();
  EXPECT_TRUE(is_native(best));
  EXPECT_TRUE(isa_usable(best));
  bool above = false;
  for (Isa isa : native_chain()) {
    if (above) {
      EXPECT_FALSE(isa_usable(isa)) << isa_name(isa) << " usable above " << isa_name(best);
    }
    if (isa == best) above = true;
  }
}

TEST(MaxIsa, OtherArchitectureCapDoesNotRestrictThisOne) {
  MaxIsaGuard guard;
#if defined(__x86_64__)
  set_max_isa(Isa::NeonDot);
#else
  set_max_isa(Isa::Avx2);
#endif
  for (Isa isa : native_chain()) {
    EXPECT_EQ(isa_usable(isa), isa_supported_by_hardware(isa)) << isa_name(isa);
  }
}

}  // namespace
}  // namespace octet
