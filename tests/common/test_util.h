// test_util.h: helpers shared by the test suites: error-message checks and seeded randomness.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "octet/cpu_features.h"
#include "octet/error.h"

// Expects `stmt` to throw octet::Error whose message contains `substr`.
#define EXPECT_OCTET_ERROR(stmt, substr)                                                         \
  do {                                                                                           \
    try {                                                                                        \
      stmt;                                                                                      \
      ADD_FAILURE() << "expected octet::Error containing \"" << (substr) << "\" from: " #stmt;   \
    } catch (const ::octet::Error& e) {                                                          \
      EXPECT_NE(std::string(e.what()).find(substr), std::string::npos)                           \
          << "error message \"" << e.what() << "\" does not contain \"" << (substr) << "\"";     \
    }                                                                                            \
  } while (0)

namespace octet::test {

// The seed for randomized tests: OCTET_TEST_SEED if set, else `fallback`. Printed so a failure
// can be rerun with the same data.
inline uint64_t test_seed(uint64_t fallback) {
  uint64_t seed = fallback;
  if (const char* env = std::getenv("OCTET_TEST_SEED")) seed = std::strtoull(env, nullptr, 0);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::printf("[   SEED   ] %llu (rerun with OCTET_TEST_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace octet::test

// Skips the current test when this CPU (or the OCTET_MAX_ISA cap) cannot run kernels of `level`
// (an octet::Isa enumerator), saying why. Kernel tests expand one TEST per listed variant with it.
#define OCTET_SKIP_UNLESS_USABLE(level)            \
  if (!::octet::isa_usable(::octet::Isa::level))   \
  GTEST_SKIP() << "Isa::" #level " kernels cannot run here: " << ::octet::isa_rejection_reason(::octet::Isa::level)
