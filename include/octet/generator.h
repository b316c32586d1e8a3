// generator.h: a seeded, platform-independent random number generator for tensor factories.
#pragma once

#include <cstdint>

namespace octet {

// xoshiro256** seeded through splitmix64. Every draw is specified here (not left to the standard
// library's distributions, whose outputs differ between implementations), so a seed gives the
// same tensor on every compiler, OS and ISA. Tests print the seed they used.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0x0c7e7u) { manual_seed(seed); }

  void manual_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }

  uint64_t next_u64();
  // Uniform in [0, 1) with 24 random mantissa bits.
  float uniform_float();
  // Uniform in [0, 1) with 53 random mantissa bits.
  double uniform_double();
  // Standard normal (Box-Muller on two uniform doubles).
  double normal();
  // Uniform integer in [low, high) (high > low), without modulo bias.
  int64_t randint(int64_t low, int64_t high);

 private:
  uint64_t seed_ = 0;
  uint64_t s_[4] = {0, 0, 0, 0};
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

// The generator used where none is given (nn::init, module constructors), like PyTorch's default
// CPU generator. Not synchronized: threads drawing concurrently should each pass their own.
Generator& default_generator();
// Seeds the default generator, like torch.manual_seed.
void manual_seed(uint64_t seed);

}  // namespace octet
