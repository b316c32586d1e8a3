// fp_environment.h: the non-default floating-point environments (rounding modes, FTZ/DAZ) kernel tests run under.
//
// Scalar kernels round in the current mode (nearbyint, int -> float conversions, float arithmetic)
// and honour flush-to-zero / denormals-are-zero, so every SIMD variant must follow MXCSR the same way.
#pragma once

#include <gtest/gtest.h>

#include <cfenv>
#include <vector>

#if defined(OCTET_ARCH_X86)
#include <immintrin.h>
#endif

namespace octet::test {

struct FpEnvironment {
  const char* name;
  int rounding;          // FE_TONEAREST, FE_UPWARD, ...
  bool flush_denormals;  // MXCSR FTZ and DAZ (x86 only)
};

// Upward, downward, toward zero, and (x86) to nearest with FTZ and DAZ: every environment a kernel
// must agree under besides the default.
inline std::vector<FpEnvironment> fp_environments() {
  std::vector<FpEnvironment> envs = {{"upward", FE_UPWARD, false},
                                     {"downward", FE_DOWNWARD, false},
                                     {"toward zero", FE_TOWARDZERO, false}};
#if defined(OCTET_ARCH_X86)
  envs.push_back({"to nearest with FTZ and DAZ", FE_TONEAREST, true});
#endif
  return envs;
}

// Sets an environment for its scope and restores the previous one.
class ScopedFpEnvironment {
 public:
  explicit ScopedFpEnvironment(const FpEnvironment& env) : saved_rounding_(std::fegetround()) {
    std::fesetround(env.rounding);
#if defined(OCTET_ARCH_X86)
    saved_csr_ = _mm_getcsr();
    if (env.flush_denormals) _mm_setcsr(saved_csr_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#endif
  }
  ~ScopedFpEnvironment() {
#if defined(OCTET_ARCH_X86)
    _mm_setcsr(saved_csr_);
#endif
    std::fesetround(saved_rounding_);
  }
  ScopedFpEnvironment(const ScopedFpEnvironment&) = delete;
  ScopedFpEnvironment& operator=(const ScopedFpEnvironment&) = delete;

 private:
  int saved_rounding_;
#if defined(OCTET_ARCH_X86)
  unsigned saved_csr_ = 0;
#endif
};

// Runs check() once under each environment of fp_environments() (restoring the previous one after
// each), tracing the environment's name; stops after the first environment that fails.
template <typename Check>
void for_each_fp_environment(Check check) {
  for (const FpEnvironment& env : fp_environments()) {
    SCOPED_TRACE(env.name);
    {
      ScopedFpEnvironment scoped(env);
      check();
    }
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace octet::test
